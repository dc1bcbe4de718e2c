//! Repository rules, checked as tests: module docs, every command documented, the sample's
//! committed locks fresh (offline, no uv), no import circle between modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use camino::{Utf8Path, Utf8PathBuf};

fn repo_root() -> &'static Utf8Path {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

#[test]
fn every_module_says_what_it_is_for() {
    let mut missing = Vec::new();
    let mut stack = vec![repo_root().join("xtask/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.try_into().unwrap());
            } else if path.extension().is_some_and(|e| e == "rs")
                && !std::fs::read_to_string(&path).unwrap().starts_with("//!")
            {
                missing.push(path.display().to_string());
            }
        }
    }
    assert!(missing.is_empty(), "these modules lack a `//!` doc: {missing:?}");
}

#[test]
fn every_command_is_in_the_readme() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let commands = xtask::flags::command_names();
    assert!(commands.len() >= 8, "too few commands: {commands:?}");
    for command in commands {
        assert!(
            readme.contains(&format!("cargo xtask {command}")),
            "README.md does not document `cargo xtask {command}`"
        );
    }
}

#[test]
fn the_sample_monorepo_locks_are_fresh() {
    let ws = xtask::Workspace::load(repo_root()).unwrap();
    let stale: Vec<String> = xtask::lock::plan(&ws)
        .iter()
        .filter(|spec| xtask::lock::freshness(&ws.root, spec) != xtask::lockfile::Freshness::Fresh)
        .map(|spec| spec.lock.to_string())
        .collect();
    assert!(stale.is_empty(), "stale locks {stale:?}: run `cargo xtask lock` and commit them");
    assert!(Path::new(repo_root().join("_meta/requirements/base.txt").as_std_path()).is_file());
}

/// Modules form no import circle, so each can be read (and changed) knowing only those
/// below it. A module is a file (`commands/lock.rs` is `commands::lock`, `report/mod.rs` is
/// `report`); its references are its `crate::` and `super::` paths, in `use` trees or
/// inline, outside comments, string literals and `#[cfg(test)]` items. A module's own
/// submodules, named by relative paths (`terminal::Terminal` in `report`), are part of it and
/// not counted; `main.rs` is another crate.
#[test]
fn no_module_imports_form_a_circle() {
    let src = repo_root().join("xtask/src");
    let mut files = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path: Utf8PathBuf = entry.unwrap().path().try_into().unwrap();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension() == Some("rs") {
                let rel = path.strip_prefix(&src).unwrap().as_str().replace('\\', "/");
                if let Some(module) = module_of_file(&rel) {
                    files.push((module, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(m, t)| (m.as_str(), t.as_str())).collect();
    let graph = import_graph(&files);
    assert!(graph.len() >= 30 && graph.values().any(|to| !to.is_empty()), "the scan found too little: {graph:?}");

    let unexpected: Vec<String> = circles(&graph).iter().map(|component| describe_circle(&graph, component)).collect();
    assert!(
        unexpected.is_empty(),
        "modules import each other in a circle (move what the lower module needs down into it, \
         or pass it in as an argument):\n{}",
        unexpected.join("\n")
    );
}

#[test]
fn the_circle_check_sees_every_kind_of_import() {
    let files = [
        ("", "pub mod a;\npub use a::Root;\n"),
        (
            "a",
            "use crate::{\n    b::{self, X},\n    c as see,\n};\n// crate::e\n/// [`crate::e`]\n\
             const S: &str = \"crate::e\";\nconst R: &str = r#\"crate::e\"#;\npub struct Root;\n\
             #[cfg(test)]\nmod tests {\n    use crate::e;\n}\n",
        ),
        ("b", "pub fn f() -> u8 {\n    super::d::g::h()\n}\n"),
        ("c", "#[cfg(test)]\nfn helper() { crate::e::f() }\npub(crate) fn g() -> crate::Root { crate::Root }\n"),
        ("d", ""),
        ("d::g", "use super::super::a;\n"),
        ("e", "#[cfg(test)]\npub(super) fn x<'a>(s: &'a str) -> [char; 2] { ['\\'','{'] }\nfn y() { crate::a::f() }\n"),
    ];
    let graph = import_graph(&files);
    let edges = |to: &[&str]| to.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let expected: BTreeMap<String, BTreeSet<String>> = [
        ("a", edges(&["b", "c"])),
        ("b", edges(&["d::g"])),
        ("c", edges(&["a"])),
        ("d", edges(&[])),
        ("d::g", edges(&["a"])),
        ("e", edges(&["a"])),
    ]
    .into_iter()
    .map(|(from, to)| (from.to_owned(), to))
    .collect();
    assert_eq!(graph, expected);
    let found = circles(&graph);
    assert_eq!(found, vec![["a", "b", "c", "d::g"].into_iter().collect::<BTreeSet<_>>()]);
    assert_eq!(
        describe_circle(&graph, &found[0]),
        "a -> c -> a; a -> b -> d::g -> a (edges: a -> b, c; b -> d::g; c -> a; d::g -> a)"
    );
}

/// `commands/lock.rs` is `commands::lock`, `report/mod.rs` is `report`, `lib.rs` the root
/// (`""`); `main.rs` is another crate.
fn module_of_file(rel: &str) -> Option<String> {
    let rel = rel.strip_suffix(".rs")?;
    match rel {
        "main" => None,
        "lib" => Some(String::new()),
        _ => Some(rel.strip_suffix("/mod").unwrap_or(rel).replace('/', "::")),
    }
}

/// Each module (but the root) to the other modules it refers to.
fn import_graph(files: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<&str> = files.iter().map(|(m, _)| *m).filter(|m| !m.is_empty()).collect();
    // The root's re-exports (`pub use workspace::Workspace;`), for `crate::Workspace`.
    let mut reexports = BTreeMap::new();
    for (_, text) in files.iter().filter(|(m, _)| m.is_empty()) {
        let tokens = tokens(text);
        for (i, _) in tokens.iter().enumerate().filter(|(_, t)| **t == "use") {
            for path in use_tree(&tokens, i + 1, Vec::new()).0 {
                if let (Some(name), Some(module)) = (path.last(), owner(&path, &modules, &BTreeMap::new())) {
                    reexports.insert(name.clone(), module);
                }
            }
        }
    }
    let mut graph = BTreeMap::new();
    for (module, text) in files.iter().filter(|(m, _)| !m.is_empty()) {
        let to: BTreeSet<String> = references(module, &tokens(text))
            .iter()
            .filter_map(|path| owner(path, &modules, &reexports))
            .filter(|to| to != module)
            .collect();
        graph.insert(module.to_string(), to);
    }
    graph
}

/// The module a path from the crate root names or is inside: its longest prefix that is a
/// module, else the module a root re-export comes from.
fn owner(path: &[String], modules: &BTreeSet<&str>, reexports: &BTreeMap<String, String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|prefix| modules.contains(prefix.as_str()))
        .or_else(|| reexports.get(path.first()?).cloned())
}

/// The paths from the crate root that a module's code spells with `crate::` or `super::`,
/// skipping every item under `#[cfg(test)]`.
fn references(module: &str, tokens: &[&str]) -> Vec<Vec<String>> {
    const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i..].starts_with(&CFG_TEST) {
            i = skip_item(tokens, i + CFG_TEST.len());
            continue;
        }
        let starts_path = tokens.get(i + 1) == Some(&"::") && (i == 0 || tokens[i - 1] != "::");
        if starts_path && tokens[i] == "crate" {
            let (paths, next) = use_tree(tokens, i + 2, Vec::new());
            out.extend(paths);
            i = next;
        } else if starts_path && tokens[i] == "super" {
            let mut base: Vec<String> = module.split("::").map(str::to_owned).collect();
            while tokens.get(i) == Some(&"super") && tokens.get(i + 1) == Some(&"::") {
                base.pop();
                i += 2;
            }
            let (paths, next) = use_tree(tokens, i, base);
            out.extend(paths);
            i = next;
        } else {
            i += 1;
        }
    }
    out
}

/// The end of the item starting at `i` (after its attributes): the `;` or `}` that brings
/// its brackets back to none open (a `;` inside `[u8; 2]` does not end it).
fn skip_item(tokens: &[&str], mut i: usize) -> usize {
    let mut depth = 0usize;
    while let Some(&token) = tokens.get(i) {
        i += 1;
        match token {
            "{" | "(" | "[" => depth += 1,
            "}" if depth <= 1 => return i,
            "}" | ")" | "]" => depth = depth.saturating_sub(1),
            ";" if depth == 0 => return i,
            _ => {}
        }
    }
    i
}

/// The full paths of the path or `use` tree at `i` (`a::b`, `a::{self, b::{c, d}}`, `a as
/// b`, `a::*`), each after `prefix`, and where it ends.
fn use_tree(tokens: &[&str], mut i: usize, mut prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    loop {
        match tokens.get(i).copied() {
            Some("{") => {
                i += 1;
                let mut out = Vec::new();
                while let Some(&token) = tokens.get(i) {
                    match token {
                        "}" => return (out, i + 1),
                        "," => i += 1,
                        _ => {
                            let (paths, next) = use_tree(tokens, i, prefix.clone());
                            out.extend(paths);
                            i = next.max(i + 1);
                        }
                    }
                }
                return (out, i);
            }
            Some("*" | "self") => i += 1,
            Some(token) if token.starts_with(|c: char| c.is_alphabetic() || c == '_') => {
                prefix.push(token.to_owned());
                i += 1;
                if tokens.get(i) == Some(&"::") {
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        if tokens.get(i) == Some(&"as") {
            i += 2;
        }
        return (vec![prefix], i);
    }
}

/// Rust source as identifiers, `::` and single punctuation, without comments and literals.
fn tokens(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if at(i + 1) == b'/' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if at(i + 1) == b'*' => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i] == b'/' && at(i + 1) == b'*' {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && at(i + 1) == b'/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => i = skip_string(bytes, i + 1, None),
            b'\'' => {
                // A char literal ('x', '\n', '{'), else a lifetime ('a).
                let len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                if at(i + 1) == b'\\' {
                    i += 3; // past the quote, the backslash and the escaped character
                    while i < bytes.len() && bytes[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                } else if at(i + 1 + len) == b'\'' {
                    i += len + 2;
                } else {
                    i += 1;
                }
            }
            b':' if at(i + 1) == b':' => {
                out.push("::");
                i += 2;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
                if matches!(word, "r" | "br") && at(i + hashes) == b'"' {
                    i = skip_string(bytes, i + hashes + 1, Some(hashes));
                } else if word == "b" && at(i) == b'"' {
                    i = skip_string(bytes, i + 1, None);
                } else if !c.is_ascii_digit() {
                    out.push(word);
                }
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push(&text[i..i + len]);
                i += len;
            }
        }
    }
    out
}

/// Past the string whose text starts at `i`: a raw one (with its number of `#`) ends at
/// `"` and as many `#`, another at a `"` not escaped.
fn skip_string(bytes: &[u8], mut i: usize, raw: Option<usize>) -> usize {
    let hashes = raw.unwrap_or(0);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if raw.is_none() => i += 2,
            b'"' if bytes[i + 1..].iter().take(hashes).filter(|&&b| b == b'#').count() == hashes => {
                return i + 1 + hashes;
            }
            _ => i += 1,
        }
    }
    i
}

/// The strongly connected components of more than one module (Tarjan), sorted.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<&str>> {
    struct Tarjan<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, (usize, usize)>,
        stack: Vec<&'g str>,
        out: Vec<BTreeSet<&'g str>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) -> usize {
            let n = self.index.len();
            self.index.insert(v, (n, n));
            self.stack.push(v);
            let mut low = n;
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                match self.index.get(w) {
                    None => low = low.min(self.visit(w)),
                    Some(&(index, _)) if self.stack.contains(&w) => low = low.min(index),
                    Some(_) => {}
                }
            }
            self.index.insert(v, (n, low));
            if low == n {
                let at = self.stack.iter().position(|&s| s == v).unwrap();
                let component: BTreeSet<&str> = self.stack.drain(at..).collect();
                if component.len() > 1 {
                    self.out.push(component);
                }
            }
            low
        }
    }
    let mut tarjan = Tarjan { graph, index: BTreeMap::new(), stack: Vec::new(), out: Vec::new() };
    for v in graph.keys() {
        if !tarjan.index.contains_key(v.as_str()) {
            tarjan.visit(v);
        }
    }
    tarjan.out.sort();
    tarjan.out
}

/// The shortest circle through each module of a component (each circle once, from its first
/// module), then every edge inside it:
/// `a -> c -> a; a -> b -> a (edges: a -> b, c; b -> a; c -> a)`.
fn describe_circle(graph: &BTreeMap<String, BTreeSet<String>>, component: &BTreeSet<&str>) -> String {
    let inside =
        |v: &str| -> Vec<&str> { graph[v].iter().map(String::as_str).filter(|w| component.contains(w)).collect() };
    let mut circles: Vec<Vec<&str>> = Vec::new();
    for &start in component {
        // Breadth first from `start` until an edge leads back to it.
        let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut last = None;
        'search: while let Some(v) = queue.pop_front() {
            for w in inside(v) {
                if w == start {
                    last = Some(v);
                    break 'search;
                }
                if !came_from.contains_key(w) {
                    came_from.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        let mut circle = vec![last.expect("a component's modules each lie on a circle")];
        while circle[circle.len() - 1] != start {
            circle.push(came_from[circle[circle.len() - 1]]);
        }
        circle.reverse();
        let first = circle.iter().enumerate().min_by_key(|(_, v)| **v).unwrap().0;
        circle.rotate_left(first);
        if !circles.contains(&circle) {
            circles.push(circle);
        }
    }
    let circles: Vec<String> = circles.iter().map(|c| format!("{} -> {}", c.join(" -> "), c[0])).collect();
    let edges: Vec<String> = component.iter().map(|v| format!("{v} -> {}", inside(v).join(", "))).collect();
    format!("{} (edges: {})", circles.join("; "), edges.join("; "))
}
