//! `cargo xtask init [--force] [--check]`: adopt a repository that was not made for the tool.
//!
//! Walks the tree from the root and finds its units: folders with a `pyproject.toml` (the
//! packages), with a `setup.py`, `setup.cfg` or `requirements*.txt`, or with test files.
//! Reads each unit's `.py` files for their imports (statically: nothing is run) and, where a
//! module is found in exactly one folder of the repository outside the unit, gives the unit
//! that folder as a `pythonpath`; where several provide it, it says so and guesses nothing.
//! Then writes `_meta/monorepo.toml` (an explicit member list, a `[member."DIR"]` table per
//! folder without a pyproject or needing settings), `_meta/requirements/base.in` when there
//! is none, and the `.gitignore` entries that are missing, and loads the result as a
//! [`Workspace`](crate::Workspace) to prove it. `--check` writes nothing and fails when the
//! config no longer describes the tree. It runs before any workspace exists, so it is the
//! one command that reads the tree itself.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::config::{CONFIG_PATH, REQUIREMENTS_DIR};
use crate::error::{Failed, hinted};
use crate::pyproject::{normalize, requirement_name};
use crate::{fsutil, ui};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Overwrite an existing `_meta/monorepo.toml`.
    pub force: bool,
    /// Write nothing: compare the existing config with the tree.
    pub check: bool,
}

/// The base layer's input, written when there is none.
const BASE_IN: &str = "_meta/requirements/base.in";

/// The Python written when no `python3` answers.
const DEFAULT_PYTHON: &str = "3.11";

/// What `.gitignore` needs for the files the xtask makes.
const GITIGNORE: &[&str] =
    &[".venv", "/_meta/.tools/", "/_meta/.state/", "/_meta/.cache/", "/_meta/venvs/", "*.xtask-tmp"];

/// Asks `python3` for its version (as the config's `python` takes it) and the names of the
/// standard library's modules, which an import may name without the repository providing it.
const PYTHON_PROBE: &str = "import sys;print(f'version {sys.version_info[0]}.{sys.version_info[1]}');\
                            print('stdlib', *sorted(getattr(sys, 'stdlib_module_names', ())))";

/// The repository root for `init`: the nearest folder from `cwd` up that holds a config or
/// a `.git`, else `cwd` itself.
pub fn root_of(cwd: &Utf8Path) -> Utf8PathBuf {
    cwd.ancestors().find(|dir| dir.join(CONFIG_PATH).is_file() || dir.join(".git").exists()).unwrap_or(cwd).to_owned()
}

pub fn run(cwd: &Utf8Path, options: &Options) -> Result<()> {
    let root = root_of(cwd);
    let config_path = root.join(CONFIG_PATH);
    if options.check {
        if !config_path.is_file() {
            return Err(hinted(
                format!("no {CONFIG_PATH} in {root}: there is nothing to check"),
                "run `cargo xtask init` to write it from the tree",
            ));
        }
        let text = fsutil::read(&config_path)?;
        let plan = plan(&root)?;
        let differences = compare(&plan, &text)?;
        for difference in &differences {
            ui::status("Differs", difference);
        }
        if differences.is_empty() {
            let pythonpaths = plan.pythonpath.iter().filter(|p| !p.is_empty()).count();
            ui::status(
                "Checked",
                &format!(
                    "{CONFIG_PATH} describes the tree: {}, {}",
                    ui::count(plan.units.len(), "unit"),
                    ui::count(pythonpaths, "pythonpath")
                ),
            );
            return Ok(());
        }
        ui::status("Checked", &format!("{CONFIG_PATH}: {}", ui::count(differences.len(), "difference")));
        ui::err(&format!(
            "hint: run `cargo xtask init --force` to write {CONFIG_PATH} anew from the tree, or edit it by hand\n"
        ));
        return Err(Failed.into());
    }
    if config_path.exists() && !options.force {
        return Err(hinted(
            format!("{CONFIG_PATH} already exists in {root}"),
            "run `cargo xtask init --force` to write it anew from the tree, or `cargo xtask init --check` to compare it with the tree",
        ));
    }
    let plan = plan(&root)?;
    report(&plan);
    if plan.units.is_empty() {
        return Err(hinted(
            format!(
                "found no units in {root}: no folder with a pyproject.toml, setup.py, setup.cfg, requirements*.txt or test files"
            ),
            "run `cargo xtask init` in the repository's root folder",
        ));
    }
    std::fs::create_dir_all(root.join(REQUIREMENTS_DIR))
        .with_context(|| format!("cannot create {}", root.join(REQUIREMENTS_DIR)))?;
    let config = render_config(&plan);
    let packages = plan.units.iter().filter(|u| matches!(u.kind, Kind::Package { .. })).count();
    let shape =
        format!("{}, {}", ui::count(packages, "package"), ui::count(plan.units.len() - packages, "declared unit"));
    if fsutil::read(&config_path).is_ok_and(|old| old == config) {
        ui::status("Unchanged", &format!("{CONFIG_PATH} ({shape})"));
    } else {
        fsutil::write_atomic(&config_path, &config)?;
        ui::status("Wrote", &format!("{CONFIG_PATH} ({shape})"));
    }
    let base = root.join(BASE_IN);
    if base.exists() {
        ui::status("Kept", &format!("{BASE_IN}: it exists"));
    } else {
        let (text, shared) = render_base(&plan);
        fsutil::write_atomic(&base, &text)?;
        ui::status(
            "Wrote",
            &format!("{BASE_IN} (pytest, and {} every requirements file has)", ui::count(shared, "requirement")),
        );
    }
    let gitignore = root.join(".gitignore");
    let existing = if gitignore.exists() { fsutil::read(&gitignore)? } else { String::new() };
    let missing = gitignore_missing(&existing);
    if !missing.is_empty() {
        fsutil::write_atomic(&gitignore, &gitignore_with(&existing, &missing))?;
        ui::status("Updated", &format!(".gitignore: added {}", missing.join(", ")));
    }
    let ws = crate::Workspace::load(&root).context(format!("{CONFIG_PATH}, as written, does not load"))?;
    ui::status("Loaded", &format!("{} from {CONFIG_PATH}", ui::count(ws.members.len(), "member")));
    ui::status("Next", "run `cargo xtask lock`, then `cargo xtask test-all`");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The tree

/// Every folder walked, relative to the root (`""` is the root), and what was not walked.
#[derive(Debug, Default)]
struct Tree {
    dirs: BTreeMap<Utf8PathBuf, Folder>,
    skipped: BTreeMap<Skip, Vec<Utf8PathBuf>>,
}

/// A folder's files and walked subfolders, by name, sorted.
#[derive(Debug, Default)]
struct Folder {
    files: Vec<String>,
    subdirs: Vec<String>,
}

impl Folder {
    fn has(&self, file: &str) -> bool {
        self.files.iter().any(|f| f == file)
    }
}

/// Why a folder is not walked, in the order the report lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Skip {
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
    fn noun(self) -> &'static str {
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
fn join(rel: &Utf8Path, name: &str) -> Utf8PathBuf {
    if rel.as_str().is_empty() { Utf8PathBuf::from(name) } else { Utf8PathBuf::from(format!("{rel}/{name}")) }
}

/// Why the folder `name` in `parent` is not walked, if it is not; `None` for `_meta` and
/// `.git`, which are skipped without a word.
fn skip_of(root: &Utf8Path, parent: &Utf8Path, name: &str) -> Option<Option<Skip>> {
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
fn walk(root: &Utf8Path) -> Result<Tree> {
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

fn is_test_file(name: &str) -> bool {
    name.strip_suffix(".py").is_some_and(|stem| stem.starts_with("test_") || stem.ends_with("_test"))
}

fn is_requirements_file(name: &str) -> bool {
    name.starts_with("requirements") && name.ends_with(".txt")
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

// ---------------------------------------------------------------------------------------
// Units

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A `pyproject.toml` with `[project]`: a member through `members`.
    Package { package: String },
    /// No pyproject: a member through `[member."DIR"]`, with its requirements file (a name
    /// in its folder) when it has one.
    Declared { requirements: Option<String> },
}

#[derive(Debug)]
struct Unit {
    /// Relative to the root, with `/`.
    dir: Utf8PathBuf,
    kind: Kind,
    /// Why it is a unit, for the report and the config's comments.
    why: String,
    /// The normalised names of its requirements (a package's, or its requirements file's).
    requires: Vec<String>,
    /// Its pyproject's `[tool.monorepo]` sets a `pythonpath`, which wins over the config's.
    own_pythonpath: bool,
}

impl Unit {
    fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Package { .. } => "package",
            Kind::Declared { requirements: Some(_) } => "requirements",
            Kind::Declared { requirements: None } => "tests only",
        }
    }
}

/// A folder the config's `pythonpath` gets, and the import that needs it.
#[derive(Debug, Clone)]
struct Reason {
    module: String,
    file: Utf8PathBuf,
}

/// What init would write, and what it could not decide.
#[derive(Debug)]
struct Plan {
    root: Utf8PathBuf,
    tree: Tree,
    /// Sorted by folder.
    units: Vec<Unit>,
    /// Per unit: the folders (relative to the root) its imports need, with the first import
    /// that needs each. Empty where its pyproject sets its own.
    pythonpath: Vec<BTreeMap<Utf8PathBuf, Reason>>,
    /// Per unit: the folders of the imports found in several places, which a `pythonpath`
    /// set by hand may name (`--check` accepts them: they settle what init could not).
    candidates: Vec<BTreeSet<Utf8PathBuf>>,
    /// Messages: what it could not decide, and what it left out and why.
    undecided: Vec<String>,
    /// `python3`'s major.minor, if one answered.
    python: Option<String>,
}

fn plan(root: &Utf8Path) -> Result<Plan> {
    let (python, stdlib) = probe_python(root);
    let tree = walk(root)?;
    let mut undecided = Vec::new();
    let (units, left_out) = find_units(root, &tree, &mut undecided)?;
    let (pythonpath, candidates) = infer_pythonpath(root, &tree, &units, &left_out, &stdlib, &mut undecided);
    Ok(Plan { root: root.to_owned(), tree, units, pythonpath, candidates, undecided, python })
}

fn probe_python(root: &Utf8Path) -> (Option<String>, BTreeSet<String>) {
    let cmd = crate::exec::Cmd::new("python3", root).args(["-c", PYTHON_PROBE]);
    let Ok(done) = crate::exec::capture(&cmd) else { return (None, BTreeSet::new()) };
    if !done.success {
        return (None, BTreeSet::new());
    }
    let line = |key: &str| done.output.lines().find_map(|l| l.strip_prefix(key).map(str::trim).map(str::to_owned));
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
fn find_units(root: &Utf8Path, tree: &Tree, undecided: &mut Vec<String>) -> Result<(Vec<Unit>, BTreeSet<Utf8PathBuf>)> {
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
        });
    }
    units.sort_by(|a, b| a.dir.cmp(&b.dir));
    let left_out = manifests.into_iter().filter(|m| !units.iter().any(|u| u.dir == *m)).collect();
    Ok((units, left_out))
}

/// The unit a folder of tests makes: the folder itself, or its parent when it is (or is
/// inside) a `tests` / `test` folder (`<unit>/_meta/tests` too); the `tests` folder itself
/// when that parent is the root, which cannot be a member.
fn tests_unit(dir: &Utf8Path) -> Utf8PathBuf {
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
fn imported_modules(text: &str) -> Vec<(String, usize)> {
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
struct Providers {
    regular: BTreeMap<String, BTreeSet<Utf8PathBuf>>,
    namespace: BTreeMap<String, BTreeSet<Utf8PathBuf>>,
}

fn providers(tree: &Tree) -> Providers {
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
fn infer_pythonpath(
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
fn relative(from: &Utf8Path, to: &Utf8Path) -> String {
    let a: Vec<&str> = from.components().map(|c| c.as_str()).collect();
    let b: Vec<&str> = to.components().map(|c| c.as_str()).collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let parts: Vec<&str> = std::iter::repeat_n("..", a.len() - common).chain(b[common..].iter().copied()).collect();
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}

/// `dir/entry` relative to the root, `.` and `..` resolved by text; `None` when it leaves it.
fn resolve(dir: &Utf8Path, entry: &str) -> Option<Utf8PathBuf> {
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

fn report(plan: &Plan) {
    for unit in &plan.units {
        let nested = plan
            .units
            .iter()
            .filter(|o| o.dir != unit.dir && unit.dir.starts_with(&o.dir))
            .map(|o| format!(", nested in {}", o.dir))
            .next_back()
            .unwrap_or_default();
        ui::status("Found", &format!("{}: {} ({}){nested}", unit.dir, unit.kind_name(), unit.why));
    }
    for (unit, paths) in plan.units.iter().zip(&plan.pythonpath) {
        for (folder, reason) in paths {
            ui::status(
                "Pythonpath",
                &format!(
                    "{}: `{}` ({}), as it imports {} from {}",
                    unit.dir,
                    relative(&unit.dir, folder),
                    if folder.as_str().is_empty() { "the root" } else { folder.as_str() },
                    reason.module,
                    reason.file
                ),
            );
        }
    }
    for message in &plan.undecided {
        ui::status("Undecided", message);
    }
    if !plan.tree.skipped.is_empty() {
        let parts: Vec<String> = plan
            .tree
            .skipped
            .iter()
            .map(|(skip, paths)| {
                let what = ui::count(paths.len(), skip.noun());
                if *skip == Skip::Venv {
                    let paths: Vec<&str> = paths.iter().map(|p| p.as_str()).collect();
                    format!("{what} ({})", paths.join(", "))
                } else {
                    what
                }
            })
            .collect();
        ui::status("Skipped", &parts.join(", "));
    }
    match &plan.python {
        Some(version) => ui::status("Python", &format!("{version} (python3 on this machine)")),
        None => ui::status("Python", &format!("{DEFAULT_PYTHON} (no python3 answered: the default)")),
    }
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a `#` comment: on one line.
fn comment(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A folder name `members` cannot list literally (it would read as a glob).
fn is_globby(dir: &Utf8Path) -> bool {
    dir.as_str().contains(['*', '?', '[', ']', '{', '}', '\\', ','])
}

fn render_config(plan: &Plan) -> String {
    let mut out = String::new();
    out += "# Written by `cargo xtask init` from the folders it found in this repository; edit it\n\
            # freely. `cargo xtask init --check` says whether it still describes the tree, and\n\
            # `cargo xtask init --force` writes it anew. The members' names come from their paths.\n";
    if !plan.undecided.is_empty() {
        out += "#\n# What init could not decide, or left out (settle these by hand):\n";
        for message in &plan.undecided {
            let _ = writeln!(out, "# - {}", comment(message));
        }
    }
    out += "\n[monorepo]\n\
            # The folders with a pyproject.toml ([project]): the packages, each installed editable\n\
            # in its env. An explicit list, so nested and oddly placed folders are exact.\n";
    let members: Vec<&Unit> =
        plan.units.iter().filter(|u| matches!(u.kind, Kind::Package { .. }) && !is_globby(&u.dir)).collect();
    if members.is_empty() {
        out += "members = []\n";
    } else {
        out += "members = [\n";
        for unit in members {
            let _ = writeln!(out, "    {},", toml_string(unit.dir.as_str()));
        }
        out += "]\n";
    }
    match &plan.python {
        Some(version) => {
            out += "# python3 on the machine that ran init: each env's Python, unless its project asks for\n\
                    # another ([tool.monorepo] python, or requires-python).\n";
            let _ = writeln!(out, "python = {}", toml_string(version));
        }
        None => {
            out += "# No python3 answered when init ran: the default. Each env's Python, unless its project\n\
                    # asks for another.\n";
            let _ = writeln!(out, "python = {}", toml_string(DEFAULT_PYTHON));
        }
    }
    out += "# The uv the xtask runs (bootstrapped into _meta/.tools/ when PATH has none at this version).\n";
    let _ = writeln!(out, "uv = {}", toml_string(crate::uv::DEFAULT_VERSION));
    for (unit, paths) in plan.units.iter().zip(&plan.pythonpath) {
        let globby = is_globby(&unit.dir);
        let what = match &unit.kind {
            Kind::Package { .. } if paths.is_empty() && !globby => continue,
            Kind::Package { .. } if globby => format!(
                "package ({}): a member by this table, as its folder's name would read as a glob under \
                 `members`; settings its pyproject's [tool.monorepo] does not set.",
                unit.why
            ),
            Kind::Package { .. } => {
                format!("package ({}): settings its pyproject's [tool.monorepo] does not set.", unit.why)
            }
            Kind::Declared { requirements: Some(file) } => format!(
                "requirements ({}): a member declared here, nothing built or installed. Its env: base and \
                 {file}; a line there naming a package of this repository makes that package a local dependency.",
                unit.why
            ),
            Kind::Declared { requirements: None } => {
                format!("tests only ({}): a member declared here; its tests run on base.", unit.why)
            }
        };
        out += "\n";
        for line in wrap(&comment(&what), 90) {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "[member.{}]", toml_string(unit.dir.as_str()));
        if let Kind::Declared { requirements: Some(file) } = &unit.kind
            && file != "requirements.txt"
        {
            let _ = writeln!(out, "requirements = {}", toml_string(file));
        }
        let entry = |folder: &Utf8Path, reason: &Reason| {
            (
                toml_string(&relative(&unit.dir, folder)),
                comment(&format!("imports {} from {}", reason.module, reason.file)),
            )
        };
        match paths.len() {
            0 => {}
            1 => {
                let (folder, reason) = paths.iter().next().expect("one entry");
                let (path, why) = entry(folder, reason);
                let _ = writeln!(out, "pythonpath = [{path}]  # {why}");
            }
            _ => {
                out += "pythonpath = [\n";
                for (folder, reason) in paths {
                    let (path, why) = entry(folder, reason);
                    let _ = writeln!(out, "    {path},  # {why}");
                }
                out += "]\n";
            }
        }
    }
    out
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// `base.in`: pytest, and every requirement line that all the units' requirements files
/// have (when there are two or more, and it names no package of the repository). Returns
/// the text and how many shared lines besides pytest's it holds.
fn render_base(plan: &Plan) -> (String, usize) {
    let files: Vec<Utf8PathBuf> = plan
        .units
        .iter()
        .filter_map(|u| match &u.kind {
            Kind::Declared { requirements: Some(file) } => Some(join(&u.dir, file)),
            _ => None,
        })
        .collect();
    let local: BTreeSet<&str> = plan
        .units
        .iter()
        .filter_map(|u| match &u.kind {
            Kind::Package { package } => Some(package.as_str()),
            Kind::Declared { .. } => None,
        })
        .collect();
    let mut shared: Vec<String> = Vec::new();
    if files.len() >= 2 {
        let lines: Vec<Vec<String>> = files.iter().map(|f| crate::infile::requirements(&plan.root, f)).collect();
        for line in &lines[0] {
            let named = requirement_name(line).map(normalize);
            let is_local = named.as_deref().is_some_and(|n| local.contains(n));
            if named.is_some() && !is_local && lines.iter().all(|l| l.contains(line)) && !shared.contains(line) {
                shared.push(line.clone());
            }
        }
    }
    let mut out = String::from(
        "# Written by `cargo xtask init`: the base layer, the tools and libraries every env gets,\n\
         # pinned once in base.txt (`cargo xtask lock`) and alike in every venv.\n",
    );
    let pytest = shared.iter().position(|l| requirement_name(l).map(normalize).as_deref() == Some("pytest"));
    match pytest {
        Some(ix) => {
            out += "# pytest runs every suite (at what every requirements file asks for).\n";
            let _ = writeln!(out, "{}", shared.remove(ix));
        }
        None => out += "# pytest runs every suite.\npytest\n",
    }
    let count = shared.len();
    if !shared.is_empty() {
        let names: Vec<&str> = files.iter().map(|f| f.as_str()).collect();
        for line in wrap(&comment(&format!("In every unit's requirements file: {}.", names.join(", "))), 90) {
            let _ = writeln!(out, "# {line}");
        }
        for line in &shared {
            let _ = writeln!(out, "{line}");
        }
    }
    (out, count)
}

/// The entries of [`GITIGNORE`] that `existing` lacks (an entry written with or without its
/// leading or trailing `/` counts).
fn gitignore_missing(existing: &str) -> Vec<&'static str> {
    let lines: BTreeSet<&str> = existing.lines().map(str::trim).collect();
    GITIGNORE
        .iter()
        .copied()
        .filter(|entry| {
            // A path with a `/` inside is anchored at the root with or without its leading
            // one; the others match at any depth. `.venv/` is not `.venv`: a shared env's
            // `.venv` is a link, which git sees as a file.
            let forms = match entry.strip_prefix('/') {
                Some(inner) => {
                    let bare = inner.trim_end_matches('/');
                    vec![(*entry).to_owned(), inner.to_owned(), format!("/{bare}"), bare.to_owned()]
                }
                None => vec![(*entry).to_owned(), format!("**/{entry}")],
            };
            !forms.iter().any(|f| lines.contains(f.as_str()))
        })
        .collect()
}

fn gitignore_with(existing: &str, missing: &[&str]) -> String {
    let mut out = existing.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out += "# What `cargo xtask` makes: venvs (.venv, _meta/venvs/), its tools, state and result\n\
            # cache, and half-written files of an interrupted run (added by `cargo xtask init`).\n";
    for entry in missing {
        out += entry;
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------
// --check

/// What differs between the config's units and pythonpaths and the tree's, one message each.
fn compare(plan: &Plan, text: &str) -> Result<Vec<String>> {
    let config = crate::config::parse(Utf8Path::new(CONFIG_PATH), text)?;
    let doc = crate::pyproject::parse_toml(Utf8Path::new(CONFIG_PATH), text)?;
    let walked: Vec<&str> = plan.tree.dirs.keys().map(|d| d.as_str()).filter(|d| !d.is_empty()).collect();
    let excluded = expand(&config.exclude, &walked)?;
    let members: BTreeSet<Utf8PathBuf> =
        expand(&config.members, &walked)?.into_iter().filter(|d| !excluded.contains(d)).collect();
    // `[member."DIR"]` and the pythonpath each sets, as written.
    let mut declared: BTreeMap<Utf8PathBuf, Vec<String>> = BTreeMap::new();
    if let Some(tables) = doc.get("member").and_then(toml::Value::as_table) {
        for (dir, table) in tables {
            let clean = dir.replace('\\', "/").trim_end_matches('/').trim_start_matches("./").to_owned();
            let pythonpath = table
                .get("pythonpath")
                .and_then(toml::Value::as_array)
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            declared.insert(Utf8PathBuf::from(clean), pythonpath);
        }
    }
    let mut out = Vec::new();
    let found: BTreeSet<&Utf8Path> = plan.units.iter().map(|u| u.dir.as_path()).collect();
    for (ix, unit) in plan.units.iter().enumerate() {
        let is_declared = declared.contains_key(&unit.dir);
        let listed = match unit.kind {
            Kind::Package { .. } => members.contains(&unit.dir) || is_declared,
            Kind::Declared { .. } => is_declared,
        };
        if !listed {
            if members.contains(&unit.dir) {
                out.push(format!(
                    "{}: under `members`, but it has no pyproject.toml now ({}): declare it as [member.\"{}\"]",
                    unit.dir, unit.why, unit.dir
                ));
            } else {
                out.push(format!(
                    "{}: a unit ({}: {}) that {CONFIG_PATH} does not list",
                    unit.dir,
                    unit.kind_name(),
                    unit.why
                ));
            }
            continue;
        }
        if unit.own_pythonpath {
            continue;
        }
        let written = declared.get(&unit.dir).cloned().unwrap_or_default();
        let configured: BTreeMap<Utf8PathBuf, String> =
            written.iter().filter_map(|e| resolve(&unit.dir, e).map(|p| (p, e.clone()))).collect();
        for (folder, reason) in &plan.pythonpath[ix] {
            if !configured.contains_key(folder) {
                out.push(format!(
                    "{}: its pythonpath lacks `{}`: it imports {} from {}",
                    unit.dir,
                    relative(&unit.dir, folder),
                    reason.module,
                    reason.file
                ));
            }
        }
        for (folder, entry) in &configured {
            if !plan.pythonpath[ix].contains_key(folder) && !plan.candidates[ix].contains(folder) {
                out.push(format!("{}: its pythonpath has `{entry}`, which none of its imports needs now", unit.dir));
            }
        }
    }
    for dir in members.iter().chain(declared.keys()).collect::<BTreeSet<_>>() {
        if found.contains(dir.as_path()) {
            continue;
        }
        let why = if !plan.root.join(dir).is_dir() {
            "there is no such folder now"
        } else if plan.tree.dirs.contains_key(dir) {
            "it holds no pyproject.toml, setup.py, setup.cfg, requirements file or tests of its own now"
        } else {
            "init does not walk it (a venv, a build output, a hidden or linked folder)"
        };
        out.push(format!("{dir}: listed in {CONFIG_PATH}, but not a unit: {why}"));
    }
    out.sort();
    Ok(out)
}

/// The folders `patterns` name: a pattern without glob characters names its folder (which
/// may be gone); one with them, the walked folders it matches.
fn expand(patterns: &[String], walked: &[&str]) -> Result<BTreeSet<Utf8PathBuf>> {
    let mut out = BTreeSet::new();
    for written in patterns {
        let mut pattern = written.trim();
        while let Some(rest) = pattern.strip_prefix("./") {
            pattern = rest;
        }
        let pattern = pattern.trim_end_matches('/');
        if !pattern.contains(['*', '?', '[', '{']) {
            out.insert(Utf8PathBuf::from(pattern));
            continue;
        }
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|err| {
                hinted(format!("{CONFIG_PATH}: bad pattern \"{written}\": {}", err.kind()), "fix the pattern")
            })?
            .compile_matcher();
        out.extend(walked.iter().filter(|d| glob.is_match(d)).map(Utf8PathBuf::from));
    }
    Ok(out)
}

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

    #[test]
    fn gitignore_gets_only_the_missing_entries() {
        assert_eq!(gitignore_missing(""), GITIGNORE);
        let existing = ".venv/\n_meta/.tools\n/_meta/.state\n_meta/.cache/\n*.xtask-tmp\n";
        assert_eq!(gitignore_missing(existing), [".venv", "/_meta/venvs/"], "`.venv/` misses the links");
        let all = gitignore_with("node_modules", &gitignore_missing("node_modules"));
        assert!(all.starts_with("node_modules\n\n# What `cargo xtask` makes"), "{all}");
        assert!(gitignore_missing(&all).is_empty());
    }

    #[test]
    fn toml_strings_and_wrapping() {
        assert_eq!(toml_string("a\"b\\c\td"), "\"a\\\"b\\\\c\\u0009d\"");
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
    }
}
