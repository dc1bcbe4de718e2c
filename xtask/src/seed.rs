//! Pins a repository already has, as the starting point of a lock that has none, so adopting
//! the tool changes no version: `uv pip compile` prefers the versions of the file it writes
//! to, and a first compile is given these there. Later compiles start from the lock itself;
//! `update-base` and `--upgrade` move them.
//!
//! Where pins come from, for an env: the nearest `uv.lock` of each of its members (in its
//! folder or a folder above it, up to the root: a uv workspace keeps one at its root), then
//! the `==` pins of their top-level `requirements*.txt` and `constraints*.txt`; for a layer,
//! those of every member, as a layer's pins are every env's. The first pin of a package wins.
//! A `uv.lock` may hold several versions of a package, one per Python (its
//! `resolution-markers`): the one for the env's Python (a layer's: the config's) is taken.

use camino::Utf8PathBuf;

use crate::pep508::{normalize, requirement_name};
use crate::workspace::Workspace;

/// The pins for the first compile of env `env`'s lock (`None`: a layer's), as requirements
/// (`name==version` lines), and the files they come from; `None` when the repository has
/// none.
pub fn adopted(ws: &Workspace, env: Option<usize>) -> Option<(String, Vec<Utf8PathBuf>)> {
    let members: Vec<usize> = match env {
        Some(e) => ws.envs[e].members.clone(),
        None => (0..ws.members.len()).collect(),
    };
    let local: Vec<&str> = ws.members.iter().map(|m| m.pyproject.package.as_str()).collect();
    let python = crate::venv::version_of_request(match env {
        Some(e) => &ws.envs[e].python,
        None => &ws.config.python,
    });
    let mut files: Vec<Utf8PathBuf> = Vec::new();
    for &m in &members {
        let dir = &ws.members[m].dir;
        if let Some(lock) = dir.ancestors().map(|d| d.join("uv.lock")).find(|f| ws.root.join(f).is_file()) {
            files.push(lock);
        }
        if let Ok(entries) = std::fs::read_dir(ws.root.join(dir)) {
            let mut pinned: Vec<Utf8PathBuf> = entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| (n.starts_with("requirements") || n.starts_with("constraints")) && n.ends_with(".txt"))
                .map(|n| dir.join(n))
                .collect();
            pinned.sort();
            files.extend(pinned);
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    let mut pins: Vec<(String, String)> = Vec::new();
    let mut from = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(ws.root.join(&file)) else { continue };
        let found = if file.file_name() == Some("uv.lock") {
            uv_lock_pins(&text, Some(&python))
        } else {
            requirement_pins(&text)
        };
        let before = pins.len();
        for (name, version) in found {
            if !local.contains(&name.as_str()) && !pins.iter().any(|(n, _)| *n == name) {
                pins.push((name, version));
            }
        }
        if pins.len() > before {
            from.push(file);
        }
    }
    if pins.is_empty() {
        return None;
    }
    Some((pins.iter().map(|(n, v)| format!("{n}=={v}\n")).collect(), from))
}

/// The packages of a `uv.lock` that come from an index (not the workspace's own, not a
/// path, a URL or git), with their versions, each name once. A package uv resolved apart
/// per Python has an entry per fork, each with the `resolution-markers` it holds under: for
/// `python` (`3.11`, on this machine's platform), the entry whose markers hold (one whose
/// markers cannot be told, failing that); none when every entry is another Python's.
/// Without `python`, each name's first entry.
pub fn uv_lock_pins(text: &str, python: Option<&str>) -> Vec<(String, String)> {
    let Ok(doc) = text.parse::<toml::Table>() else { return Vec::new() };
    let Some(packages) = doc.get("package").and_then(toml::Value::as_array) else { return Vec::new() };
    let env = python.map(|p| {
        let mut full: Vec<&str> = p.split('.').collect();
        full.resize(3, "0");
        crate::markers::Environment::of_venv(full.join("."))
    });
    // Per name, in the file's order: the best entry so far and how well it matches
    // (2: its markers hold, 1: they cannot be told).
    let mut out: Vec<(String, String, u8)> = Vec::new();
    for p in packages {
        let from_index = p.get("source").and_then(toml::Value::as_table).is_some_and(|s| s.contains_key("registry"));
        let (Some(name), Some(version)) =
            (p.get("name").and_then(toml::Value::as_str), p.get("version").and_then(toml::Value::as_str))
        else {
            continue;
        };
        if !from_index {
            continue;
        }
        let markers: Vec<&str> = p
            .get("resolution-markers")
            .and_then(toml::Value::as_array)
            .map(|a| a.iter().filter_map(toml::Value::as_str).collect())
            .unwrap_or_default();
        let fit = match &env {
            None => 2,
            Some(_) if markers.is_empty() => 2,
            Some(env) => {
                let held: Vec<Option<bool>> = markers.iter().map(|m| crate::markers::evaluate(m, env)).collect();
                if held.contains(&Some(true)) {
                    2
                } else if held.contains(&None) {
                    1
                } else {
                    0
                }
            }
        };
        let name = normalize(name);
        match out.iter_mut().find(|(n, _, _)| *n == name) {
            Some(best) if fit > best.2 => *best = (name, version.to_owned(), fit),
            Some(_) => {}
            None => out.push((name, version.to_owned(), fit)),
        }
    }
    out.into_iter().filter(|(_, _, fit)| *fit > 0).map(|(name, version, _)| (name, version)).collect()
}

/// The exact pins (`name==1.2.3`, with or without extras, markers or hashes) of a
/// requirements file; ranges, wildcards, options and includes are not pins.
pub fn requirement_pins(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in crate::infile::requirement_lines(text) {
        let line = line.as_str();
        let Some(name) = requirement_name(line) else { continue };
        let rest = line[name.len()..].trim_start();
        let rest = match rest.strip_prefix('[') {
            Some(after) => after.split_once(']').map_or("", |(_, r)| r.trim_start()),
            None => rest,
        };
        let Some(version) = rest.strip_prefix("==").map(str::trim_start) else { continue };
        let version = version.split([' ', '\t', ';', '\\']).next().unwrap_or("");
        let exact = version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '!' | '+' | '-' | '_'));
        if !version.is_empty() && exact {
            out.push((normalize(name), version.to_owned()));
        }
    }
    out
}

/// The files pins came from, for a message.
pub fn describe(files: &[Utf8PathBuf]) -> String {
    files.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_index_packages_of_a_uv_lock() {
        let text = "version = 1\n\n[[package]]\nname = \"Tiny_A\"\nversion = \"1.16.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n\
                    [[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { editable = \"packages/app\" }\n\n\
                    [[package]]\nname = \"vendored\"\nversion = \"1.0\"\nsource = { path = \"wheels/v.whl\" }\n";
        assert_eq!(uv_lock_pins(text, Some("3.11")), [("tiny-a".to_owned(), "1.16.0".to_owned())]);
        assert!(uv_lock_pins("not toml [", None).is_empty());
    }

    #[test]
    fn takes_the_entry_of_a_uv_lock_whose_resolution_markers_hold_for_the_python() {
        let text = r#"version = 1
requires-python = ">=3.10"
resolution-markers = ["python_full_version >= '3.12'", "python_full_version == '3.11.*'", "python_full_version < '3.11'"]

[[package]]
name = "numpy"
version = "2.2.6"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version < '3.11'"]

[[package]]
name = "numpy"
version = "2.3.2"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version >= '3.12'", "python_full_version == '3.11.*'"]

[[package]]
name = "ipython"
version = "8.37.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version < '3.11'"]

[[package]]
name = "ipython"
version = "9.4.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version >= '3.12'"]

[[package]]
name = "ipython"
version = "9.3.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version == '3.11.*'"]

[[package]]
name = "only-old"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version < '3.11'"]

[[package]]
name = "six"
version = "1.17.0"
source = { registry = "https://pypi.org/simple" }
"#;
        let pins =
            |python| -> Vec<String> { uv_lock_pins(text, python).iter().map(|(n, v)| format!("{n}=={v}")).collect() };
        assert_eq!(pins(Some("3.11")), ["numpy==2.3.2", "ipython==9.3.0", "six==1.17.0"]);
        assert_eq!(pins(Some("3.12")), ["numpy==2.3.2", "ipython==9.4.0", "six==1.17.0"]);
        assert_eq!(pins(Some("3.10")), ["numpy==2.2.6", "ipython==8.37.0", "only-old==1.0", "six==1.17.0"]);
        assert_eq!(
            pins(None),
            ["numpy==2.2.6", "ipython==8.37.0", "only-old==1.0", "six==1.17.0"],
            "the first of each"
        );
    }

    #[test]
    fn reads_exact_pins_only_from_a_requirements_file() {
        let text = "# pinned\nrequests==2.31.0 \\\n    --hash=sha256:abc\nnumpy[extra]==1.26.4 ; python_version >= '3.9'\n\
                    six>=1\nattrs==23.*\n-r other.txt\nidna == 3.7  # why\n";
        let pins = requirement_pins(text);
        let pins: Vec<(&str, &str)> = pins.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(pins, [("requests", "2.31.0"), ("numpy", "1.26.4"), ("idna", "3.7")]);
    }
}
