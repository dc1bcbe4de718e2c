//! The units of a repository that was not made for the tool, for `init`: a walk of the
//! tree that skips what is no one's code (venvs, `node_modules`, build output, hidden
//! folders), the units found in it (packages, folders with a requirements file or setup
//! files, folders of tests), and the folders their imports need, read statically from
//! their `.py` files (nothing is run).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::fsutil;
use crate::pep508::{normalize, requirement_name};

/// Asks `python3` for its version (as the config's `python` takes it) and the names of the
/// standard library's modules, which an import may name without the repository providing it.
const PYTHON_PROBE: &str = "import sys;print(f'version {sys.version_info[0]}.{sys.version_info[1]}');\
                            print('stdlib', *sorted(getattr(sys, 'stdlib_module_names', ())))";

// ---------------------------------------------------------------------------------------
// The tree

/// Every folder walked, relative to the root (`""` is the root), and what was not walked.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub(crate) dirs: BTreeMap<Utf8PathBuf, Folder>,
    pub(crate) skipped: BTreeMap<Skip, Vec<Utf8PathBuf>>,
}

/// A folder's files and walked subfolders, by name, sorted.
#[derive(Debug, Default)]
pub(crate) struct Folder {
    pub(crate) files: Vec<String>,
    pub(crate) subdirs: Vec<String>,
}

impl Folder {
    pub(crate) fn has(&self, file: &str) -> bool {
        self.files.iter().any(|f| f == file)
    }
}

/// Why a folder is not walked, in the order the report lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Skip {
    Venv,
    NodeModules,
    Hidden,
    BuildOutput,
    Pycache,
    SitePackages,
    Link,
    NotUtf8,
}

impl Skip {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Skip::Venv => "venv",
            Skip::NodeModules => "node_modules folder",
            Skip::Hidden => "hidden folder",
            Skip::BuildOutput => "build output",
            Skip::Pycache => "__pycache__ folder",
            Skip::SitePackages => "site-packages folder",
            Skip::Link => "link to a folder (not followed)",
            Skip::NotUtf8 => "folder whose name is not UTF-8",
        }
    }
}

/// `rel/name` with `/`, or `name` at the root.
pub(crate) fn join(rel: &Utf8Path, name: &str) -> Utf8PathBuf {
    if rel.as_str().is_empty() { Utf8PathBuf::from(name) } else { Utf8PathBuf::from(format!("{rel}/{name}")) }
}

/// Why the folder `name` in `parent` is not walked, if it is not; `None` for `_meta` and
/// `.git`, which are skipped without a word.
pub(crate) fn skip_of(root: &Utf8Path, parent: &Utf8Path, name: &str) -> Option<Option<Skip>> {
    let path = root.join(parent).join(name);
    let exists = |rel: &str| std::fs::symlink_metadata(path.join(rel)).is_ok();
    let is_venv = exists("pyvenv.cfg")
        || (matches!(name, "venv" | ".venv" | "env") && (exists("bin/python") || exists("Scripts/python.exe")));
    if (parent.as_str().is_empty() && name == "_meta") || name == ".git" {
        return Some(None);
    }
    let skip = if is_venv {
        Skip::Venv
    } else if name.starts_with('.') {
        Skip::Hidden
    } else if name == "node_modules" {
        Skip::NodeModules
    } else if matches!(name, "build" | "dist" | "target") || name.ends_with(".egg-info") {
        Skip::BuildOutput
    } else if name == "__pycache__" {
        Skip::Pycache
    } else if name == "site-packages" {
        Skip::SitePackages
    } else {
        return None;
    };
    Some(Some(skip))
}

/// Walks the tree from the root, sorted, never into skipped folders or through links.
pub(crate) fn walk(root: &Utf8Path) -> Result<Tree> {
    let mut tree = Tree::default();
    let mut stack = vec![Utf8PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot list {dir}"))? {
            let entry = entry.with_context(|| format!("cannot list {dir}"))?;
            let file_type = entry.file_type().with_context(|| format!("cannot list {dir}"))?;
            match entry.file_name().into_string() {
                Ok(name) => entries.push((name, file_type)),
                Err(raw) if file_type.is_dir() => {
                    tree.skipped.entry(Skip::NotUtf8).or_default().push(join(&rel, &raw.to_string_lossy()));
                }
                Err(_) => {}
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut folder = Folder::default();
        for (name, file_type) in entries {
            let child = join(&rel, &name);
            if file_type.is_symlink() {
                match std::fs::metadata(root.join(&child)) {
                    Ok(meta) if meta.is_dir() => tree.skipped.entry(Skip::Link).or_default().push(child),
                    Ok(meta) if meta.is_file() => folder.files.push(name),
                    _ => {}
                }
            } else if file_type.is_dir() {
                match skip_of(root, &rel, &name) {
                    Some(Some(skip)) => tree.skipped.entry(skip).or_default().push(child),
                    Some(None) => {}
                    None => {
                        folder.subdirs.push(name);
                        stack.push(child);
                    }
                }
            } else if file_type.is_file() {
                folder.files.push(name);
            }
        }
        tree.dirs.insert(rel, folder);
    }
    for paths in tree.skipped.values_mut() {
        paths.sort();
    }
    Ok(tree)
}

pub(crate) fn is_test_file(name: &str) -> bool {
    name.strip_suffix(".py").is_some_and(|stem| stem.starts_with("test_") || stem.ends_with("_test"))
}

pub(crate) fn is_requirements_file(name: &str) -> bool {
    name.starts_with("requirements") && name.ends_with(".txt")
}

pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

// ---------------------------------------------------------------------------------------
// Units

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A `pyproject.toml` with `[project]`: a member through `members`.
    Package { package: String },
    /// No pyproject: a member through `[member."DIR"]`, with its requirements file (a name
    /// in its folder) when it has one.
    Declared { requirements: Option<String> },
}

#[derive(Debug)]
pub(crate) struct Unit {
    /// Relative to the root, with `/`.
    pub(crate) dir: Utf8PathBuf,
    pub(crate) kind: Kind,
    /// Why it is a unit, for the report and the config's comments.
    pub(crate) why: String,
    /// The normalised names of its requirements (a package's, or its requirements file's).
    pub(crate) requires: Vec<String>,
    /// Its pyproject's `[tool.monorepo]` sets a `pythonpath`, which wins over the config's.
    pub(crate) own_pythonpath: bool,
    /// Its dependencies are dynamic: `requires` is what it declares statically, and only its
    /// build backend knows which of the repository's packages it installs.
    pub(crate) dynamic: bool,
}

impl Unit {
    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Package { .. } => "package",
            Kind::Declared { requirements: Some(_) } => "requirements",
            Kind::Declared { requirements: None } => "tests only",
        }
    }
}

/// A folder the config's `pythonpath` gets, and the import that needs it.
#[derive(Debug, Clone)]
pub(crate) struct Reason {
    pub(crate) module: String,
    pub(crate) file: Utf8PathBuf,
}

/// What init would write, and what it could not decide.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) root: Utf8PathBuf,
    pub(crate) tree: Tree,
    /// Sorted by folder.
    pub(crate) units: Vec<Unit>,
    /// Per unit: the folders (relative to the root) its imports need, with the first import
    /// that needs each. Empty where its pyproject sets its own.
    pub(crate) pythonpath: Vec<BTreeMap<Utf8PathBuf, Reason>>,
    /// Per unit: the folders of the imports found in several places, which a `pythonpath`
    /// set by hand may name (`--check` accepts them: they settle what init could not).
    pub(crate) candidates: Vec<BTreeSet<Utf8PathBuf>>,
    /// Messages: what it could not decide, and what it left out and why.
    pub(crate) undecided: Vec<String>,
    /// `python3`'s major.minor, if one answered.
    pub(crate) python: Option<String>,
}

pub(crate) fn plan(root: &Utf8Path) -> Result<Plan> {
    let (python, stdlib) = probe_python(root);
    let tree = walk(root)?;
    let mut undecided = Vec::new();
    let (units, left_out) = find_units(root, &tree, &mut undecided)?;
    let (pythonpath, candidates) = infer_pythonpath(root, &tree, &units, &left_out, &stdlib, &mut undecided);
    Ok(Plan { root: root.to_owned(), tree, units, pythonpath, candidates, undecided, python })
}

pub(crate) fn probe_python(root: &Utf8Path) -> (Option<String>, BTreeSet<String>) {
    let cmd = crate::exec::Cmd::new("python3", root).args(["-c", PYTHON_PROBE]);
    let Ok(done) = crate::exec::read_ok(&cmd) else { return (None, BTreeSet::new()) };
    let line = |key: &str| done.lines().find_map(|l| l.strip_prefix(key).map(str::trim).map(str::to_owned));
    let version = line("version ").filter(|v| {
        v.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
        })
    });
    let stdlib = line("stdlib").map(|l| l.split_whitespace().map(str::to_owned).collect()).unwrap_or_default();
    (version, stdlib)
}

/// The units, sorted by folder. A folder with a manifest (pyproject, setup.py, setup.cfg,
/// requirements file) is one; a folder of tests is one (or makes its parent one) unless a
/// manifest's folder holds it. What cannot be a member is said in `undecided`; the folders
/// of manifests left out are returned too (their files are nobody's).
pub(crate) fn find_units(
    root: &Utf8Path,
    tree: &Tree,
    undecided: &mut Vec<String>,
) -> Result<(Vec<Unit>, BTreeSet<Utf8PathBuf>)> {
    let mut units = Vec::new();
    // Folders with a manifest, members or not: the tests inside them are theirs.
    let mut manifests: BTreeSet<Utf8PathBuf> = BTreeSet::new();
    for (dir, folder) in &tree.dirs {
        let at_root = dir.as_str().is_empty();
        let requirements: Vec<&String> = folder.files.iter().filter(|f| is_requirements_file(f)).collect();
        let setup: Vec<&str> = ["setup.py", "setup.cfg"].into_iter().filter(|f| folder.has(f)).collect();
        if folder.has("pyproject.toml") {
            let path = join(dir, "pyproject.toml");
            if at_root {
                undecided.push(
                    "the root's pyproject.toml: the root folder cannot be a member (its subfolders can), so it is left out"
                        .to_owned(),
                );
                continue;
            }
            manifests.insert(dir.clone());
            let text = match fsutil::read(&root.join(&path)) {
                Ok(text) => text,
                Err(err) => {
                    undecided.push(format!("{err:#}: {dir} is left out"));
                    continue;
                }
            };
            let has_project = crate::pyproject::parse_toml(&path, &text)
                .map(|doc| doc.get("project").is_some_and(toml::Value::is_table));
            match has_project {
                Ok(true) => {}
                Ok(false) => {
                    undecided.push(format!(
                        "{path} has no [project] table, so {dir} cannot be a member (a folder with a pyproject.toml must \
                         declare its project): left out; add [project] with name, version and dependencies, then run \
                         `cargo xtask init --force`"
                    ));
                    continue;
                }
                Err(err) => {
                    undecided.push(format!("{err:#}: {dir} is left out"));
                    continue;
                }
            }
            match crate::pyproject::parse(&path, &text) {
                Ok(pyproject) => {
                    let requires = pyproject.requirements().filter_map(requirement_name).map(normalize).collect();
                    units.push(Unit {
                        dir: dir.clone(),
                        why: format!("pyproject.toml with [project], package `{}`", pyproject.package),
                        kind: Kind::Package { package: pyproject.package.clone() },
                        requires,
                        own_pythonpath: !pyproject.tests.pythonpath.is_empty(),
                        dynamic: crate::metadata::is_dynamic(&pyproject),
                    });
                }
                Err(err) => {
                    let hint = crate::error::hint_of(&err).map(|h| format!(" ({h})")).unwrap_or_default();
                    undecided.push(format!("{err}{hint}: {dir} is left out until it reads"));
                }
            }
        } else if !requirements.is_empty() || !setup.is_empty() {
            if at_root {
                let files: Vec<&str> = requirements.iter().map(|s| s.as_str()).chain(setup.iter().copied()).collect();
                undecided.push(format!(
                    "the root's {}: the root folder cannot be a member (its subfolders can), so it is left out",
                    files.join(", ")
                ));
                continue;
            }
            manifests.insert(dir.clone());
            // `requirements.txt`, else the first `requirements*.txt` by name.
            let file = requirements
                .iter()
                .find(|f| f.as_str() == "requirements.txt")
                .or(requirements.first())
                .map(|f| (*f).clone());
            let requires = match &file {
                Some(file) => crate::infile::requirements(root, &join(dir, file))
                    .iter()
                    .filter_map(|line| requirement_name(line))
                    .map(normalize)
                    .collect(),
                None => Vec::new(),
            };
            let mut why: Vec<String> = file.iter().cloned().collect();
            why.extend(setup.iter().map(|s| (*s).to_owned()));
            let why = match file {
                Some(_) => format!("{}; no pyproject", why.join(" and ")),
                None => format!(
                    "{}, never run, so its requirements are not read; no pyproject or requirements file",
                    why.join(" and ")
                ),
            };
            units.push(Unit {
                dir: dir.clone(),
                kind: Kind::Declared { requirements: file },
                why,
                requires,
                own_pythonpath: false,
                dynamic: false,
            });
        }
    }
    // Folders of tests that no manifest's folder holds: each makes a unit of its own.
    let mut tests: BTreeMap<Utf8PathBuf, (Utf8PathBuf, usize)> = BTreeMap::new();
    for (dir, folder) in &tree.dirs {
        let files: Vec<&String> = folder.files.iter().filter(|f| is_test_file(f)).collect();
        let Some(first) = files.first() else { continue };
        if dir.ancestors().any(|a| manifests.contains(a)) {
            continue;
        }
        let unit = tests_unit(dir);
        if unit.as_str().is_empty() {
            undecided.push(format!(
                "test files at the root ({}): the root folder cannot be a member, so they belong to no unit; move them into a folder",
                files.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
            ));
            continue;
        }
        let entry = tests.entry(unit).or_insert_with(|| (join(dir, first), 0));
        entry.1 += files.len();
    }
    // A folder of tests inside another's unit belongs to it.
    let outer: Vec<Utf8PathBuf> = tests.keys().cloned().collect();
    let mut merged: BTreeMap<Utf8PathBuf, (Utf8PathBuf, usize)> = BTreeMap::new();
    for (dir, (first, count)) in tests {
        let owner = outer.iter().find(|o| dir.starts_with(o)).expect("a folder starts with itself").clone();
        let entry = merged.entry(owner).or_insert((first, 0));
        entry.1 += count;
    }
    for (dir, (first, count)) in merged {
        let files =
            if count == 1 { format!("1 test file, {first}") } else { format!("{count} test files, first {first}") };
        units.push(Unit {
            dir,
            kind: Kind::Declared { requirements: None },
            why: format!("{files}; no pyproject or requirements file"),
            requires: Vec::new(),
            own_pythonpath: false,
            dynamic: false,
        });
    }
    units.sort_by(|a, b| a.dir.cmp(&b.dir));
    let left_out = manifests.into_iter().filter(|m| !units.iter().any(|u| u.dir == *m)).collect();
    Ok((units, left_out))
}

/// The unit a folder of tests makes: the folder itself, or its parent when it is (or is
/// inside) a `tests` / `test` folder (`<unit>/_meta/tests` too); the `tests` folder itself
/// when that parent is the root, which cannot be a member.
pub(crate) fn tests_unit(dir: &Utf8Path) -> Utf8PathBuf {
    let parts: Vec<&str> = dir.components().map(|c| c.as_str()).collect();
    let Some(ix) = parts.iter().rposition(|p| p.eq_ignore_ascii_case("tests") || p.eq_ignore_ascii_case("test")) else {
        return dir.to_owned();
    };
    let mut end = ix;
    if end > 0 && parts[end - 1] == "_meta" {
        end -= 1;
    }
    if end == 0 { Utf8PathBuf::from(parts[..=ix].join("/")) } else { Utf8PathBuf::from(parts[..end].join("/")) }
}

// ---------------------------------------------------------------------------------------
// Imports

/// The top-level modules a Python file imports (`import X`, `import X.Y as Z, W`,
/// `from X.Y import ...`, at any indentation; not relative imports), with the line of
/// each's first import. A scan, not a parser: lines inside triple-quoted strings and
/// comments are skipped, and a statement continued onto another line is read up to its end.
pub(crate) fn imported_modules(text: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut push = |name: &str, line: usize| {
        let top = name.split('.').next().unwrap_or_default().trim();
        if is_identifier(top) && !out.iter().any(|(seen, _)| seen == top) {
            out.push((top.to_owned(), line));
        }
    };
    let mut open: Option<&str> = None; // the quotes of the triple-quoted string a line is in
    for (ix, line) in text.lines().enumerate() {
        let mut code = line;
        if let Some(quotes) = open {
            match code.find(quotes) {
                Some(at) => {
                    code = &code[at + 3..];
                    open = None;
                }
                None => continue,
            }
        }
        let statement = code.split('#').next().unwrap_or_default();
        for part in statement.split(';') {
            let part = part.trim();
            if let Some(rest) = part.strip_prefix("import").filter(|r| r.starts_with([' ', '\t'])) {
                for name in rest.split(',') {
                    let name = name.trim().trim_start_matches('(');
                    push(name.split_whitespace().next().unwrap_or_default(), ix + 1);
                }
            } else if let Some(rest) = part.strip_prefix("from").filter(|r| r.starts_with([' ', '\t'])) {
                let mut words = rest.split_whitespace();
                if let (Some(module), Some("import")) = (words.next(), words.next())
                    && !module.starts_with('.')
                {
                    push(module, ix + 1);
                }
            }
        }
        // Whether the line leaves a triple-quoted string open.
        let mut rest = code;
        loop {
            let next = match open {
                Some(quotes) => rest.find(quotes).map(|at| (at, quotes)),
                None => ["\"\"\"", "'''"].into_iter().filter_map(|q| rest.find(q).map(|at| (at, q))).min(),
            };
            let Some((at, quotes)) = next else { break };
            open = if open.is_some() { None } else { Some(quotes) };
            rest = &rest[at + 3..];
        }
    }
    out
}

/// Where each module name is found, among the walked folders: the folders holding a
/// package `X/__init__.py` or a module `X.py` (`regular`), and those holding a folder `X/`
/// of `.py` files without an `__init__.py` (`namespace`: Python imports it as a namespace
/// package when its parent is on the path).
#[derive(Debug, Default)]
pub(crate) struct Providers {
    pub(crate) regular: BTreeMap<String, BTreeSet<Utf8PathBuf>>,
    pub(crate) namespace: BTreeMap<String, BTreeSet<Utf8PathBuf>>,
}

pub(crate) fn providers(tree: &Tree) -> Providers {
    let mut out = Providers::default();
    for (dir, folder) in &tree.dirs {
        for file in &folder.files {
            if let Some(stem) = file.strip_suffix(".py").filter(|s| is_identifier(s)) {
                out.regular.entry(stem.to_owned()).or_default().insert(dir.clone());
            }
        }
        for sub in folder.subdirs.iter().filter(|s| is_identifier(s)) {
            let Some(inner) = tree.dirs.get(&join(dir, sub)) else { continue };
            let kind = if inner.has("__init__.py") {
                &mut out.regular
            } else if inner.files.iter().any(|f| f.ends_with(".py")) {
                &mut out.namespace
            } else {
                continue;
            };
            kind.entry(sub.clone()).or_default().insert(dir.clone());
        }
    }
    out
}

type Pythonpaths = (Vec<BTreeMap<Utf8PathBuf, Reason>>, Vec<BTreeSet<Utf8PathBuf>>);

/// Each unit's `pythonpath` from its imports: a module found in exactly one folder outside
/// the unit (not standard library, not its own, not installed with a local dependency)
/// adds that folder; one found in several is reported, never guessed. A namespace package
/// (a folder without `__init__.py`) counts where no folder has a regular one.
pub(crate) fn infer_pythonpath(
    root: &Utf8Path,
    tree: &Tree,
    units: &[Unit],
    left_out: &BTreeSet<Utf8PathBuf>,
    stdlib: &BTreeSet<String>,
    undecided: &mut Vec<String>,
) -> Pythonpaths {
    let found = providers(tree);
    // Whose own files each folder holds: the innermost unit's around it; nobody's inside a
    // manifest left out or outside every unit.
    let owners: BTreeMap<&Utf8Path, Option<usize>> = units
        .iter()
        .enumerate()
        .map(|(ix, u)| (u.dir.as_path(), Some(ix)))
        .chain(left_out.iter().map(|d| (d.as_path(), None)))
        .collect();
    let owner_of: BTreeMap<&Utf8Path, Option<usize>> = tree
        .dirs
        .keys()
        .map(|dir| {
            let owner = dir.ancestors().filter(|a| !a.as_str().is_empty()).find_map(|a| owners.get(a).copied());
            (dir.as_path(), owner.flatten())
        })
        .collect();
    let owner = |folder: &Utf8Path| owner_of.get(folder).copied().flatten();
    let by_package: BTreeMap<&str, usize> = units
        .iter()
        .enumerate()
        .filter_map(|(ix, u)| match &u.kind {
            Kind::Package { package } => Some((package.as_str(), ix)),
            Kind::Declared { .. } => None,
        })
        .collect();
    // What each unit's env installs: its local dependencies, and theirs.
    let installed: Vec<BTreeSet<usize>> = (0..units.len())
        .map(|ix| {
            let mut seen = BTreeSet::new();
            let mut stack = vec![ix];
            while let Some(u) = stack.pop() {
                for dep in units[u].requires.iter().filter_map(|r| by_package.get(r.as_str()).copied()) {
                    if seen.insert(dep) {
                        stack.push(dep);
                    }
                }
            }
            seen
        })
        .collect();
    // The folders a package's modules are installed from: its own and its `src`.
    let package_at: BTreeMap<Utf8PathBuf, usize> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| matches!(u.kind, Kind::Package { .. }))
        .flat_map(|(ix, u)| [(u.dir.clone(), ix), (u.dir.join("src"), ix)])
        .collect();
    let mut own_dirs: Vec<Vec<&Utf8Path>> = vec![Vec::new(); units.len()];
    for (dir, owner) in &owner_of {
        if let Some(ix) = owner {
            own_dirs[*ix].push(dir);
        }
    }
    let mut pythonpath = vec![BTreeMap::new(); units.len()];
    let mut candidates = vec![BTreeSet::new(); units.len()];
    for (ix, unit) in units.iter().enumerate() {
        if unit.own_pythonpath {
            continue; // its pyproject's wins over anything the config would say
        }
        let mut imports: Vec<(String, Utf8PathBuf)> = Vec::new();
        for dir in &own_dirs[ix] {
            for file in tree.dirs[*dir].files.iter().filter(|f| f.ends_with(".py")) {
                let path = join(dir, file);
                let Ok(bytes) = std::fs::read(root.join(&path)) else { continue };
                for (module, _) in imported_modules(&String::from_utf8_lossy(&bytes)) {
                    if !imports.iter().any(|(m, _)| *m == module) {
                        imports.push((module, path.clone()));
                    }
                }
            }
        }
        for (module, file) in imports {
            let regular = found.regular.get(&module);
            let namespace = found.namespace.get(&module);
            let own =
                |folders: Option<&BTreeSet<Utf8PathBuf>>| folders.into_iter().flatten().any(|f| owner(f) == Some(ix));
            if stdlib.contains(&module) || own(regular) || own(namespace) {
                continue;
            }
            let Some(folders) = regular.or(namespace) else { continue }; // third-party, or nowhere
            if folders.iter().any(|f| package_at.get(f).is_some_and(|p| installed[ix].contains(p))) {
                continue; // a local dependency's module: installed in its env
            }
            if unit.dynamic && folders.iter().any(|f| package_at.contains_key(f)) {
                continue; // a package's module, which its backend's metadata may well install
            }
            if folders.len() == 1 {
                let folder = folders.first().expect("one folder").clone();
                pythonpath[ix].entry(folder).or_insert(Reason { module, file });
            } else {
                let shown: Vec<String> = folders.iter().map(|f| format!("`{}`", relative(&unit.dir, f))).collect();
                undecided.push(format!(
                    "{}: imports {module} from {file}, which is found in {} folders ({}, relative to {}): \
                     none is added; add the right one to its pythonpath",
                    unit.dir,
                    folders.len(),
                    shown.join(", "),
                    unit.dir
                ));
                candidates[ix].extend(folders.iter().cloned());
            }
        }
    }
    (pythonpath, candidates)
}

/// `to` relative to `from` (both relative to the root), with `/`: `../..`, `../shared`.
pub(crate) fn relative(from: &Utf8Path, to: &Utf8Path) -> String {
    let a: Vec<&str> = from.components().map(|c| c.as_str()).collect();
    let b: Vec<&str> = to.components().map(|c| c.as_str()).collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let parts: Vec<&str> = std::iter::repeat_n("..", a.len() - common).chain(b[common..].iter().copied()).collect();
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}

/// `dir/entry` relative to the root, `.` and `..` resolved by text; `None` when it leaves it.
pub(crate) fn resolve(dir: &Utf8Path, entry: &str) -> Option<Utf8PathBuf> {
    let mut parts: Vec<&str> = dir.components().map(|c| c.as_str()).collect();
    for part in entry.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(Utf8PathBuf::from(parts.join("/")))
}

// ---------------------------------------------------------------------------------------
// Output

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_top_level_modules_a_file_imports() {
        let text = "import os, sys as system\n\
                    from Core.util import helper\n\
                    \tfrom . import sibling\n\
                    from .pkg import x\n\
                    if True:\n    import Core.other  # again\n    import a.b.c as d; import e\n\
                    # import commented\n\
                    \"\"\"\nimport in_a_docstring\n\"\"\"\n\
                    x = '''one line''' ; import after_string\n\
                    from  spaced   import (\n    name,\n)\n\
                    important = 1\nfromage = 2\n";
        let names: Vec<(String, usize)> = imported_modules(text);
        let names: Vec<(&str, usize)> = names.iter().map(|(n, l)| (n.as_str(), *l)).collect();
        assert_eq!(
            names,
            [("os", 1), ("sys", 1), ("Core", 2), ("a", 7), ("e", 7), ("after_string", 12), ("spaced", 13)]
        );
    }

    #[test]
    fn a_folder_of_tests_makes_its_unit() {
        let unit = |dir: &str| tests_unit(Utf8Path::new(dir)).to_string();
        assert_eq!(unit("tools/a/Review/tests"), "tools/a/Review");
        assert_eq!(unit("tools/a/Review/Tests/unit"), "tools/a/Review");
        assert_eq!(unit("tools/a/Review/_meta/tests"), "tools/a/Review");
        assert_eq!(unit("legacy/checks"), "legacy/checks");
        assert_eq!(unit("tests"), "tests", "the root cannot be a member");
        assert_eq!(unit("tests/unit"), "tests");
    }

    #[test]
    fn paths_relative_to_a_unit() {
        assert_eq!(relative(Utf8Path::new("tools/a/Review"), Utf8Path::new("")), "../../..");
        assert_eq!(relative(Utf8Path::new("tools/a"), Utf8Path::new("shared")), "../../shared");
        assert_eq!(relative(Utf8Path::new("tools/a"), Utf8Path::new("tools/a/lib")), "lib");
        assert_eq!(relative(Utf8Path::new("x"), Utf8Path::new("x")), ".");
        assert_eq!(resolve(Utf8Path::new("tools/a"), "../../").as_deref(), Some(Utf8Path::new("")));
        assert_eq!(resolve(Utf8Path::new("tools/a"), "../b/lib").as_deref(), Some(Utf8Path::new("tools/b/lib")));
        assert_eq!(resolve(Utf8Path::new("a"), "../.."), None);
    }
}
