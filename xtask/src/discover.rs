//! The units of a repository that was not made for the tool, for `init`: a walk of the
//! tree that skips what is no one's code (venvs, `node_modules`, build output, hidden
//! folders), the units found in it (packages, folders with a requirements file or setup
//! files, folders of tests), those it does not adopt and why (test data, a second copy of
//! a package, a source that names nothing, `--exclude`), the Python the repository asks
//! for, and the folders their imports need, read statically from their `.py` files
//! (nothing is run).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::fsutil;
use crate::glob::Glob;
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
    /// A package's `requires-python`.
    pub(crate) requires_python: Option<String>,
    /// A package's `[tool.uv.sources]`.
    pub(crate) sources: Vec<(String, crate::pyproject::Source)>,
    /// The root package's own test folders (and files), which its suite collects, when its
    /// pytest configuration names none: the other units below the root are not its tests.
    pub(crate) testpaths: Vec<String>,
    /// The name its pyproject's `[tool.monorepo]` sets, which wins over the config's.
    pub(crate) own_name: Option<String>,
}

impl Unit {
    fn new(dir: Utf8PathBuf, kind: Kind, why: String, requires: Vec<String>) -> Unit {
        Unit {
            dir,
            kind,
            why,
            requires,
            own_pythonpath: false,
            dynamic: false,
            requires_python: None,
            sources: Vec::new(),
            testpaths: Vec::new(),
            own_name: None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A unit at `dir` of `kind`, for tests of what is made of units.
    pub(crate) fn unit(dir: &str, kind: Kind) -> Unit {
        Unit::new(Utf8PathBuf::from(dir), kind, String::new(), Vec::new())
    }
}

/// A unit init found but does not adopt: written commented out in the config, with why.
#[derive(Debug, Clone)]
pub(crate) struct Excluded {
    /// Relative to the root, with `/`.
    pub(crate) dir: Utf8PathBuf,
    /// A package (a `members` entry) or not (a `[member."DIR"]` table).
    pub(crate) package: bool,
    pub(crate) reason: String,
}

/// The Python init writes, and why that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Python {
    /// `major.minor`.
    pub(crate) version: String,
    pub(crate) why: String,
}

/// What init is told besides the tree.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// Globs of folders (relative to the root) whose units are not adopted: `--exclude`, and
    /// the `exclude` of the config it replaces or checks.
    pub(crate) exclude: Vec<String>,
    /// The folders the config it replaces or checks names as members (`""`: the root): one
    /// with tests of its own is a unit, as declared by hand, and no test data.
    pub(crate) declared: Vec<Utf8PathBuf>,
}

impl Unit {
    /// Its package's name, when it is a package.
    pub(crate) fn package(&self) -> Option<&str> {
        match &self.kind {
            Kind::Package { package } => Some(package),
            Kind::Declared { .. } => None,
        }
    }

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
    /// The units it found but does not adopt, sorted by folder.
    pub(crate) excluded: Vec<Excluded>,
    /// The Python the config asks for.
    pub(crate) python: Python,
}

pub(crate) fn plan(root: &Utf8Path, options: &Options) -> Result<Plan> {
    let (python3, stdlib) = probe_python(root);
    let tree = walk(root)?;
    let mut undecided = Vec::new();
    let mut excluded = Vec::new();
    let (units, left_out) = find_units(root, &tree, options, &mut undecided, &mut excluded)?;
    let (pythonpath, candidates) = infer_pythonpath(root, &tree, &units, &left_out, &stdlib, &mut undecided);
    let mut requires: Vec<(Utf8PathBuf, String)> =
        units.iter().filter_map(|u| Some((u.dir.clone(), u.requires_python.clone()?))).collect();
    if !units.iter().any(|u| u.dir.as_str().is_empty())
        && let Some(spec) = root_requires_python(root)
    {
        requires.push((Utf8PathBuf::new(), spec));
    }
    let pinned = std::fs::read_to_string(root.join(".python-version")).ok().and_then(|t| python_version_file(&t));
    let python = choose_python(&requires, pinned.as_deref(), &pythons_present(python3.as_deref()), python3.as_deref());
    Ok(Plan { root: root.to_owned(), tree, units, pythonpath, candidates, undecided, excluded, python })
}

// ---------------------------------------------------------------------------------------
// Python

/// The base layer's input: what every env installs.
pub(crate) const BASE_IN: &str = "_meta/requirements/base.in";

/// The lowest Python init considers: older ones uv cannot make a venv for.
const OLDEST_PYTHON: (u64, u64) = (3, 8);

/// The newest minor version init tries when nothing on the machine serves the repository.
const NEWEST_MINOR: u64 = 40;

/// The Python written when nothing asks for one and no `python3` answers.
pub(crate) const DEFAULT_PYTHON: &str = "3.11";

/// The root pyproject's `requires-python`, for a root that is no unit (a uv workspace's
/// root without a `[build-system]`, say): still what the repository asks for.
fn root_requires_python(root: &Utf8Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("pyproject.toml")).ok()?;
    let doc: toml::Table = text.parse().ok()?;
    doc.get("project")?.get("requires-python")?.as_str().map(str::to_owned)
}

/// The `major.minor` a `.python-version` file names (`3.10`, `3.10.12`, `cpython-3.10`),
/// if its first line names one.
pub(crate) fn python_version_file(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let line = line.strip_prefix("cpython").map_or(line, |r| r.trim_start_matches(['-', '@']));
    let mut parts = line.split('.');
    let major = parts.next().filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?;
    let minor: String = parts.next()?.chars().take_while(char::is_ascii_digit).collect();
    (!minor.is_empty()).then(|| format!("{major}.{minor}"))
}

/// The Pythons on this machine by `(major, minor)`, with where each was found: pyenv's
/// versions, uv's managed Pythons and `pythonX.Y` on `PATH` (where the commands look), and
/// `python3`'s version when it answered. Found by name, none is run.
pub(crate) fn pythons_present(python3: Option<&str>) -> BTreeMap<(u64, u64), String> {
    let mut out: BTreeMap<(u64, u64), String> = BTreeMap::new();
    let minor_of = |text: &str| -> Option<(u64, u64)> {
        let mut parts = text.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor: String = parts.next()?.chars().take_while(char::is_ascii_digit).collect();
        Some((major, minor.parse().ok()?))
    };
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(std::path::PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".pyenv")));
    let names = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .collect()
    };
    if let Some(versions) = pyenv.map(|p| p.join("versions")) {
        for name in names(&versions) {
            // CPython's installs are named by their version alone (`3.10.13`).
            if name.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && let Some(v) = minor_of(&name)
            {
                out.entry(v).or_insert_with(|| "pyenv".to_owned());
            }
        }
    }
    let uv_dir = std::env::var_os("UV_PYTHON_INSTALL_DIR").map(std::path::PathBuf::from).or_else(|| {
        std::env::var_os("XDG_DATA_HOME")
            .map(|d| std::path::PathBuf::from(d).join("uv/python"))
            .or_else(|| home.as_ref().map(|h| h.join(".local/share/uv/python")))
    });
    if let Some(dir) = uv_dir {
        for name in names(&dir) {
            // `cpython-3.12.1-linux-x86_64-gnu`.
            if let Some(v) = name.strip_prefix("cpython-").and_then(minor_of) {
                out.entry(v).or_insert_with(|| "uv".to_owned());
            }
        }
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        for name in names(&dir) {
            let name = name.strip_suffix(".exe").unwrap_or(&name);
            if let Some(v) = name.strip_prefix("python").filter(|v| v.contains('.')).and_then(minor_of)
                && name.len() == "python".len() + format!("{}.{}", v.0, v.1).len()
            {
                out.entry(v).or_insert_with(|| "PATH".to_owned());
            }
        }
    }
    if let Some(v) = python3.and_then(minor_of) {
        out.entry(v).or_insert_with(|| "python3".to_owned());
    }
    out
}

/// The Python the config asks for: the one `.python-version` names, when every
/// `requires-python` allows it; else the lowest Python on this machine that every
/// `requires-python` allows; else the lowest they allow, which the machine lacks; and
/// `python3`'s when the repository asks for nothing (or for what no version meets).
pub(crate) fn choose_python(
    requires: &[(Utf8PathBuf, String)],
    pinned: Option<&str>,
    present: &BTreeMap<(u64, u64), String>,
    python3: Option<&str>,
) -> Python {
    let allowed = |(major, minor): (u64, u64)| {
        requires.iter().all(|(_, spec)| {
            [0, 99].iter().any(|patch| {
                crate::pep440::Version::parse(&format!("{major}.{minor}.{patch}"))
                    .and_then(|v| crate::pep440::satisfies(&v, spec))
                    .unwrap_or(true)
            })
        })
    };
    let shown = |v: (u64, u64)| format!("{}.{}", v.0, v.1);
    // Whose requires-python, with its verb: `a's requires-python allows`, `... of a, b allow`.
    let whose = || {
        let dirs: Vec<&str> =
            requires.iter().map(|(d, _)| if d.as_str().is_empty() { "the root" } else { d.as_str() }).collect();
        match dirs.len() {
            1 => format!("{}'s requires-python allows", dirs[0]),
            n if n <= 3 => format!("the requires-python of {} allow", dirs.join(", ")),
            n => format!("the requires-python of its {n} packages allow"),
        }
    };
    let fallback = |why: String| Python { version: python3.unwrap_or(DEFAULT_PYTHON).to_owned(), why };
    if let Some(version) = pinned {
        let parsed = version.split_once('.').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
        if let Some(v) = parsed.filter(|v| allowed(*v)) {
            let missing = if present.contains_key(&v) { "" } else { ", which this machine lacks: install it" };
            return Python { version: shown(v), why: format!("the one .python-version names{missing}") };
        }
    }
    if requires.is_empty() {
        return match python3 {
            Some(_) => fallback("python3 on this machine: nothing in the repository asks for a version".to_owned()),
            None => fallback("the default: nothing asks for a version and no python3 answered".to_owned()),
        };
    }
    if let Some((&v, how)) = present.iter().find(|(v, _)| **v >= OLDEST_PYTHON && allowed(**v)) {
        return Python {
            version: shown(v),
            why: format!("the lowest Python that {}, found on this machine by {how}", whose()),
        };
    }
    let lowest = (OLDEST_PYTHON.1..=NEWEST_MINOR).map(|minor| (3, minor)).find(|v| allowed(*v));
    match lowest {
        Some(v) => Python {
            version: shown(v),
            why: format!("the lowest Python that {}, which this machine lacks: install it", whose()),
        },
        None => fallback(format!(
            "python3 on this machine: no Python meets all of {}",
            requires.iter().map(|(_, spec)| spec.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
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

/// Folder names under which a project is another's test data, not a unit of its own: a
/// fixture of its tests, an example its docs run. Compared without regard to case.
const TEST_DATA: &[&str] =
    &["tests", "test", "testing", "examples", "example", "fixtures", "fixture", "testdata", "test_data", "test-data"];

/// Of those, the ones that say test data whoever's folder they are in.
const ALWAYS_TEST_DATA: &[&str] = &["fixtures", "fixture", "testdata", "test_data", "test-data"];

fn is_named(part: &str, names: &[&str]) -> bool {
    names.iter().any(|n| part.eq_ignore_ascii_case(n))
}

/// The units, sorted by folder. A folder with a manifest (pyproject, setup.py, setup.cfg,
/// requirements file) is one; so is the root's pyproject when it is a package (it has a
/// `[build-system]`, or it is a uv workspace's root). A folder of tests is one (or makes its
/// parent one) unless a manifest's folder holds it; but a folder with a tests folder of its
/// own in a unit that is no package (`Review/Model/_meta/tests` in `Review`, not inside a
/// Python package or a `tests` folder) is one. What is not adopted goes to `excluded` with why: a folder `exclude` matches,
/// a project in another's `tests/`, `examples/` or fixture folder (test data), a second
/// copy of a package, a package whose `[tool.uv.sources]` name nothing. What cannot be a
/// member at all is said in `undecided`; the folders of manifests not adopted are returned
/// too (their files are nobody's).
pub(crate) fn find_units(
    root: &Utf8Path,
    tree: &Tree,
    options: &Options,
    undecided: &mut Vec<String>,
    excluded: &mut Vec<Excluded>,
) -> Result<(Vec<Unit>, BTreeSet<Utf8PathBuf>)> {
    let excluding = exclude_globs(&options.exclude)?;
    let declared_by_hand: BTreeSet<&Utf8Path> = options.declared.iter().map(Utf8PathBuf::as_path).collect();
    let mut units = Vec::new();
    // Folders with a manifest, members or not: the tests inside them are theirs.
    let mut manifests: BTreeSet<Utf8PathBuf> = BTreeSet::new();
    for (dir, folder) in &tree.dirs {
        let at_root = dir.as_str().is_empty();
        let requirements: Vec<&String> = folder.files.iter().filter(|f| is_requirements_file(f)).collect();
        let setup: Vec<&str> = ["setup.py", "setup.cfg"].into_iter().filter(|f| folder.has(f)).collect();
        if folder.has("pyproject.toml") {
            let path = join(dir, "pyproject.toml");
            if !at_root {
                manifests.insert(dir.clone());
            }
            let text = match fsutil::read(&root.join(&path)) {
                Ok(text) => text,
                Err(err) => {
                    undecided.push(format!("{err:#}: {} is left out", shown_dir(dir)));
                    continue;
                }
            };
            let doc = match crate::pyproject::parse_toml(&path, &text) {
                Ok(doc) => doc,
                Err(err) => {
                    undecided.push(format!("{err:#}: {} is left out", shown_dir(dir)));
                    continue;
                }
            };
            let has_project = doc.get("project").is_some_and(toml::Value::is_table);
            if at_root {
                let is_package = doc.contains_key("build-system")
                    || doc.get("tool").and_then(|t| t.get("uv")).and_then(|u| u.get("workspace")).is_some();
                if !has_project || !is_package {
                    if has_project {
                        undecided.push(
                            "the root's pyproject.toml: a [project] without a [build-system], nothing to install, so \
                             the root is no member (its subfolders can be)"
                                .to_owned(),
                        );
                    }
                    continue;
                }
            } else if !has_project {
                undecided.push(format!(
                    "{path} has no [project] table, so {dir} cannot be a member (a folder with a pyproject.toml must \
                     declare its project): left out; add [project] with name, version and dependencies, then run \
                     `cargo xtask init --force`"
                ));
                continue;
            }
            manifests.insert(dir.clone());
            match crate::pyproject::parse(&path, &text) {
                Ok(pyproject) => {
                    let requires = pyproject.requirements().filter_map(requirement_name).map(normalize).collect();
                    let mut unit = Unit::new(
                        dir.clone(),
                        Kind::Package { package: pyproject.package.clone() },
                        format!("pyproject.toml with [project], package `{}`", pyproject.package),
                        requires,
                    );
                    unit.own_pythonpath = !pyproject.tests.pythonpath.is_empty();
                    unit.dynamic = crate::metadata::is_dynamic(&pyproject);
                    unit.requires_python = pyproject.requires_python.clone();
                    unit.sources = pyproject.sources.clone();
                    unit.own_name = pyproject.name.clone();
                    units.push(unit);
                }
                Err(err) => {
                    let hint = crate::error::hint_of(&err).map(|h| format!(" ({h})")).unwrap_or_default();
                    excluded.push(Excluded {
                        dir: dir.clone(),
                        package: true,
                        reason: format!("its pyproject.toml does not read: {err}{hint}"),
                    });
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
            units.push(Unit::new(dir.clone(), Kind::Declared { requirements: file }, why, requires));
        }
    }
    let root_package = manifests.contains(Utf8Path::new(""));
    // Every package found, adopted or not, by name: to say why a source names nothing.
    let declared: BTreeMap<String, Utf8PathBuf> =
        units.iter().filter_map(|u| Some((u.package()?.to_owned(), u.dir.clone()))).collect();
    // Test data: a project inside another unit's tests/, examples/ or fixture folder (or
    // any fixture folder), unless the root's uv workspace lists it.
    let uv_members = uv_workspace_members(root, tree);
    let mut adopted = Vec::new();
    for unit in units {
        if let Some((glob, _)) = excluding.iter().find(|(_, g)| matches_folder(g, &unit.dir)) {
            excluded.push(Excluded {
                dir: unit.dir.clone(),
                package: matches!(unit.kind, Kind::Package { .. }),
                reason: format!("excluded by `{glob}`"),
            });
            continue;
        }
        if !uv_members.contains(&unit.dir)
            && !declared_by_hand.contains(unit.dir.as_path())
            && let Some(why) = test_data(&unit.dir, &manifests)
        {
            excluded.push(Excluded {
                dir: unit.dir.clone(),
                package: matches!(unit.kind, Kind::Package { .. }),
                reason: format!("test data {why}: excluded by default, uncomment it to adopt it"),
            });
            continue;
        }
        adopted.push(unit);
    }
    let mut units = adopted;
    drop_duplicates(&mut units, &uv_members, excluded);
    drop_unresolved_sources(root, &mut units, &declared, excluded);
    // Folders of tests: a unit of their own, or their manifest's. A folder the config
    // declares by hand that holds tests is one too, and its tests are its own.
    let (mut merged, mut root_tests, mut at_root) = tests_units(tree, &manifests);
    let by_hand: Vec<Utf8PathBuf> = declared_by_hand
        .iter()
        .filter(|d| !d.as_str().is_empty() && tree.dirs.contains_key(**d) && !manifests.contains(**d))
        .filter(|d| !merged.contains_key(**d) && !excluded.iter().any(|e| e.dir == **d))
        .filter(|d| tree.dirs.iter().any(|(t, f)| t.starts_with(d) && f.files.iter().any(|n| is_test_file(n))))
        .map(|d| (*d).to_owned())
        .collect();
    if !by_hand.is_empty() {
        manifests.extend(by_hand.iter().cloned());
        (merged, root_tests, at_root) = tests_units(tree, &manifests);
        for dir in by_hand {
            let why = format!("declared in {} by hand, holding tests", crate::config::CONFIG_PATH);
            units.push(Unit::new(dir, Kind::Declared { requirements: None }, why, Vec::new()));
        }
    }
    if !at_root.is_empty() {
        undecided.push(format!(
            "test files at the root ({}): the root folder cannot be a member, so they belong to no unit; move them into a folder",
            at_root.join(", ")
        ));
    }
    for (dir, (first, count)) in merged {
        let files =
            if count == 1 { format!("1 test file, {first}") } else { format!("{count} test files, first {first}") };
        let unit = Unit::new(
            dir,
            Kind::Declared { requirements: None },
            format!("{files}; no pyproject or requirements file"),
            Vec::new(),
        );
        if let Some((glob, _)) = excluding.iter().find(|(_, g)| matches_folder(g, &unit.dir)) {
            excluded.push(Excluded { dir: unit.dir, package: false, reason: format!("excluded by `{glob}`") });
            continue;
        }
        units.push(unit);
    }
    if root_package && let Some(unit) = units.iter_mut().find(|u| u.dir.as_str().is_empty()) {
        unit.testpaths = if pytest_configures_testpaths(root) { Vec::new() } else { root_tests.into_iter().collect() };
    }
    units.sort_by(|a, b| a.dir.cmp(&b.dir));
    excluded.sort_by(|a, b| a.dir.cmp(&b.dir));
    let left_out = manifests.into_iter().filter(|m| !units.iter().any(|u| u.dir == *m)).collect();
    Ok((units, left_out))
}

/// Whether `glob` matches `dir` or a folder it is in.
fn matches_folder(glob: &Glob, dir: &Utf8Path) -> bool {
    dir.ancestors().any(|a| !a.as_str().is_empty() && glob.is_match(a.as_str()))
}

/// The units folders of tests make (folder: first test file, how many), the root
/// package's own test folders (and files), and the test files at the root no unit holds.
type TestsUnits = (BTreeMap<Utf8PathBuf, (Utf8PathBuf, usize)>, BTreeSet<String>, Vec<String>);

/// What the folders of tests make ([`TestsUnits`]): a unit by its shape ([`tests_unit`]),
/// unless the nearest manifest around it holds it (a package's, always; a folder's with
/// requirements or setup files, unless it has a tests folder of its own), or another folder
/// of tests around it does (likewise); see [`separate`].
fn tests_units(tree: &Tree, manifests: &BTreeSet<Utf8PathBuf>) -> TestsUnits {
    // By unit: its first test file, how many, and a folder of them that is not the unit's
    // own (a `tests` folder).
    let mut tests: BTreeMap<Utf8PathBuf, (Utf8PathBuf, usize, Option<Utf8PathBuf>)> = BTreeMap::new();
    let mut root_tests: BTreeSet<String> = BTreeSet::new();
    let mut at_root = Vec::new();
    for (dir, folder) in &tree.dirs {
        let files: Vec<&String> = folder.files.iter().filter(|f| is_test_file(f)).collect();
        let Some(first) = files.first() else { continue };
        let unit = tests_unit(dir);
        let manifest = dir.ancestors().find(|a| manifests.contains(*a));
        match manifest {
            Some(m) if m.as_str().is_empty() => {
                // The root package's: its tests folder, files at the root, and folders inside
                // its Python packages; other folders of tests are units of their own.
                let top = dir.components().next().map(|c| c.as_str().to_owned());
                let own = match &top {
                    None => true,
                    Some(top) => is_named(top, &["tests", "test"]) || !separate(tree, m, &unit, dir, false),
                };
                if own {
                    root_tests.extend(match top {
                        Some(top) => vec![top],
                        None => files.iter().map(|f| (*f).clone()).collect(),
                    });
                    continue;
                }
            }
            // A package's pytest collects what is below it: its tests, wherever they are.
            Some(m) if tree.dirs.get(m).is_some_and(|f| f.has("pyproject.toml")) => continue,
            Some(m) if !separate(tree, m, &unit, dir, true) => continue,
            _ => {}
        }
        if unit.as_str().is_empty() {
            at_root.extend(files.iter().map(|f| (*f).clone()));
            continue;
        }
        let in_folder = (*dir != unit).then(|| dir.clone());
        let entry = tests.entry(unit).or_insert_with(|| (join(dir, first), 0, None));
        entry.1 += files.len();
        entry.2 = entry.2.take().or(in_folder);
    }
    // A folder of tests inside another's unit belongs to it (the nearest), unless it has a
    // tests folder of its own. Sorted: a unit's outer ones come first.
    let mut merged: BTreeMap<Utf8PathBuf, (Utf8PathBuf, usize)> = BTreeMap::new();
    for (dir, (first, count, in_folder)) in tests {
        let outer = merged.keys().filter(|o| dir.starts_with(o)).max_by_key(|o| o.components().count()).cloned();
        let tests_dir = in_folder.unwrap_or_else(|| dir.clone());
        let owner = match outer {
            Some(o) if !separate(tree, &o, &dir, &tests_dir, true) => o,
            _ => dir,
        };
        let entry = merged.entry(owner).or_insert((first, 0));
        entry.1 += count;
    }
    (merged, root_tests, at_root)
}

/// `dir` for a message: `the root` for the root.
fn shown_dir(dir: &Utf8Path) -> &str {
    if dir.as_str().is_empty() { "the root" } else { dir.as_str() }
}

/// The `exclude` globs, each with its text.
fn exclude_globs(exclude: &[String]) -> Result<Vec<(String, Glob)>> {
    exclude
        .iter()
        .map(|written| {
            let mut pattern = written.trim();
            while let Some(rest) = pattern.strip_prefix("./") {
                pattern = rest;
            }
            let glob = Glob::new(pattern.trim_end_matches('/')).map_err(|err| {
                crate::error::hinted(
                    format!("bad exclude pattern \"{written}\": {err}"),
                    "use globs of folders relative to the root, like \"examples/*\" or \"**/fixtures\"",
                )
            })?;
            Ok((written.clone(), glob))
        })
        .collect()
}

/// Why a project at `dir` is test data, if it is: a folder on its path, below another
/// unit's (or below the root), is a tests, examples or fixture folder.
fn test_data(dir: &Utf8Path, manifests: &BTreeSet<Utf8PathBuf>) -> Option<String> {
    let parts: Vec<&str> = dir.components().map(|c| c.as_str()).collect();
    for ix in 0..parts.len().saturating_sub(1) {
        if !is_named(parts[ix], TEST_DATA) {
            continue;
        }
        let owner = (0..=ix).rev().map(|end| Utf8PathBuf::from(parts[..end].join("/"))).find(|a| manifests.contains(a));
        let folder = Utf8PathBuf::from(parts[..=ix].join("/"));
        match owner {
            Some(owner) => {
                return Some(format!("in {}'s {} folder, {folder}", shown_dir(&owner), parts[ix]));
            }
            None if is_named(parts[ix], ALWAYS_TEST_DATA) => {
                return Some(format!("in the fixture folder {folder}"));
            }
            None => {}
        }
    }
    None
}

/// The folders the root pyproject's `[tool.uv.workspace]` lists as members (its `members`
/// globs, less its `exclude`): never test data, whatever their path says.
fn uv_workspace_members(root: &Utf8Path, tree: &Tree) -> BTreeSet<Utf8PathBuf> {
    let Some(doc) =
        std::fs::read_to_string(root.join("pyproject.toml")).ok().and_then(|t| t.parse::<toml::Table>().ok())
    else {
        return BTreeSet::new();
    };
    let Some(workspace) = doc.get("tool").and_then(|t| t.get("uv")).and_then(|u| u.get("workspace")) else {
        return BTreeSet::new();
    };
    let globs = |key: &str| -> Vec<Glob> {
        workspace
            .get(key)
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_str)
            .filter_map(|p| {
                let p = p.trim_start_matches("./").trim_end_matches('/');
                Glob::new(p).ok()
            })
            .collect()
    };
    let (members, exclude) = (globs("members"), globs("exclude"));
    tree.dirs
        .keys()
        .filter(|d| !d.as_str().is_empty())
        .filter(|d| members.iter().any(|g| g.is_match(d.as_str())) && !exclude.iter().any(|g| g.is_match(d.as_str())))
        .cloned()
        .collect()
}

/// Whether the folder of tests `dir`, whose unit by its shape is `unit`, is a unit of its
/// own inside `outer` (a manifest's folder, or another folder of tests): it sits neither
/// inside a Python package (a folder with `__init__.py`), a `src` folder, nor a tests,
/// examples or fixture folder of `outer`; and, with `own_folder`, it has a tests folder of
/// its own (`unit/tests`, `unit/_meta/tests`), not test files loose in a subfolder.
fn separate(tree: &Tree, outer: &Utf8Path, unit: &Utf8Path, dir: &Utf8Path, own_folder: bool) -> bool {
    if unit == outer || (own_folder && dir == unit) || !unit.starts_with(outer) {
        return false;
    }
    let Ok(inside) = unit.strip_prefix(outer) else { return false };
    let mut at = outer.to_owned();
    for part in inside.components().map(|c| c.as_str()) {
        at = join(&at, part);
        if is_named(part, TEST_DATA) || part == "src" || tree.dirs.get(&at).is_some_and(|f| f.has("__init__.py")) {
            return false;
        }
    }
    true
}

/// Whether the root's pytest configuration names its `testpaths` (pytest.ini, the
/// pyproject's `[tool.pytest.ini_options]`, tox.ini or setup.cfg): then the root package's
/// suite collects what it says.
fn pytest_configures_testpaths(root: &Utf8Path) -> bool {
    let read = |name: &str| std::fs::read_to_string(root.join(name)).unwrap_or_default();
    let pyproject = read("pyproject.toml").parse::<toml::Table>().ok();
    let in_pyproject =
        pyproject.as_ref().and_then(|d| d.get("tool")?.get("pytest")?.get("ini_options")?.get("testpaths")).is_some();
    let in_ini = ["pytest.ini", "tox.ini", "setup.cfg"].iter().any(|name| {
        let text = read(name);
        let mut section = false;
        text.lines().map(str::trim).any(|line| {
            if line.starts_with('[') {
                section = matches!(line, "[pytest]" | "[tool:pytest]");
                return false;
            }
            section && line.split('=').next().is_some_and(|k| k.trim() == "testpaths")
        })
    });
    in_pyproject || in_ini
}

/// Of several packages that declare one package name, keeps one (the one the root's uv
/// workspace lists, else the one nearest the root, else the first by path) and moves the
/// others to `excluded`.
fn drop_duplicates(units: &mut Vec<Unit>, uv_members: &BTreeSet<Utf8PathBuf>, excluded: &mut Vec<Excluded>) {
    let mut by_package: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (ix, unit) in units.iter().enumerate() {
        if let Some(package) = unit.package() {
            by_package.entry(package.to_owned()).or_default().push(ix);
        }
    }
    let mut drop: BTreeMap<usize, String> = BTreeMap::new();
    for (package, ixs) in by_package.into_iter().filter(|(_, ixs)| ixs.len() > 1) {
        let keep = *ixs
            .iter()
            .min_by_key(|&&ix| {
                (!uv_members.contains(&units[ix].dir), units[ix].dir.components().count(), units[ix].dir.clone())
            })
            .expect("two or more");
        for ix in ixs.into_iter().filter(|&ix| ix != keep) {
            drop.insert(
                ix,
                format!(
                    "declares the package `{package}`, as {} does, which is adopted (a package name is one project's)",
                    shown_dir(&units[keep].dir)
                ),
            );
        }
    }
    set_aside(units, drop, excluded);
}

/// Moves the units `reasons` names (by index) to `excluded`, each with its reason.
fn set_aside(units: &mut Vec<Unit>, mut reasons: BTreeMap<usize, String>, excluded: &mut Vec<Excluded>) {
    let mut ix = 0;
    units.retain(|unit| {
        let reason = reasons.remove(&ix);
        ix += 1;
        match reason {
            Some(reason) => {
                excluded.push(Excluded { dir: unit.dir.clone(), package: true, reason });
                false
            }
            None => true,
        }
    });
}

/// Moves to `excluded` every package whose `[tool.uv.sources]` names what is not there: a
/// path that does not exist, or a `workspace = true` package that no adopted unit declares
/// (again, as leaving one out may leave another's source without its package).
fn drop_unresolved_sources(
    root: &Utf8Path,
    units: &mut Vec<Unit>,
    declared: &BTreeMap<String, Utf8PathBuf>,
    excluded: &mut Vec<Excluded>,
) {
    loop {
        let packages: BTreeSet<&str> = units.iter().filter_map(Unit::package).collect();
        let mut bad: BTreeMap<usize, String> = BTreeMap::new();
        for (ix, unit) in units.iter().enumerate() {
            for (package, source) in &unit.sources {
                let why = match source {
                    crate::pyproject::Source::Path { path, .. } => {
                        let target = resolve(&unit.dir, path);
                        match target {
                            Some(t) if !root.join(&t).exists() => Some(format!(
                                "its [tool.uv.sources] {package} = {{ path = \"{path}\" }} names {}, which does not exist",
                                shown_dir(&t)
                            )),
                            _ => None,
                        }
                    }
                    crate::pyproject::Source::Workspace if !packages.contains(package.as_str()) => {
                        let also = declared
                            .get(package)
                            .map(|dir| format!(" ({} declares it, and is not adopted)", shown_dir(dir)))
                            .unwrap_or_default();
                        Some(format!(
                            "its [tool.uv.sources] {package} = {{ workspace = true }} names a package no adopted unit declares{also}"
                        ))
                    }
                    _ => None,
                };
                if let Some(why) = why {
                    bad.entry(ix).or_insert(why);
                }
            }
        }
        if bad.is_empty() {
            return;
        }
        set_aside(units, bad, excluded);
    }
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

/// An import in a Python file: its module, dotted (`Core.util`), the names a `from` import
/// takes from it (each maybe a submodule), and the line of its first import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Import {
    pub(crate) module: String,
    pub(crate) names: Vec<String>,
    pub(crate) line: usize,
}

/// The lines of a Python file outside triple-quoted strings, without their comments, with
/// their line numbers. A scan, not a parser.
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
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
        out.push((ix + 1, code.split('#').next().unwrap_or_default()));
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

/// The imports of a Python file (`import X`, `import X.Y as Z, W`, `from X.Y import a, b`,
/// at any indentation; not relative imports), each module once. Lines inside triple-quoted
/// strings and comments are skipped; a `from` import's names are read on its first line.
pub(crate) fn imports(text: &str) -> Vec<Import> {
    let mut out: Vec<Import> = Vec::new();
    let mut push = |module: &str, names: Vec<String>, line: usize| {
        if module.is_empty() || !module.split('.').all(is_identifier) {
            return;
        }
        match out.iter_mut().find(|i| i.module == module) {
            Some(seen) => {
                for name in names {
                    if !seen.names.contains(&name) {
                        seen.names.push(name);
                    }
                }
            }
            None => out.push(Import { module: module.to_owned(), names, line }),
        }
    };
    for (line, statement) in code_lines(text) {
        for part in statement.split(';') {
            let part = part.trim();
            if let Some(rest) = part.strip_prefix("import").filter(|r| r.starts_with([' ', '\t'])) {
                for name in rest.split(',') {
                    let name = name.trim().trim_start_matches('(');
                    push(name.split_whitespace().next().unwrap_or_default(), Vec::new(), line);
                }
            } else if let Some(rest) = part.strip_prefix("from").filter(|r| r.starts_with([' ', '\t'])) {
                let mut words = rest.split_whitespace();
                if let (Some(module), Some("import")) = (words.next(), words.next())
                    && !module.starts_with('.')
                {
                    let taken = rest.split_once(" import").map_or("", |(_, t)| t);
                    let names = taken
                        .split(',')
                        .filter_map(|n| n.trim().trim_matches(['(', ')', '\\']).split_whitespace().next())
                        .filter(|n| is_identifier(n))
                        .map(str::to_owned)
                        .collect();
                    push(module, names, line);
                }
            }
        }
    }
    out
}

/// The folders a Python file at `file` (relative to the root) puts on `sys.path` itself,
/// relative to the root: the literal `sys.path.insert(N, P)` and `sys.path.append(P)` of a
/// path made from `__file__`, directly or through a name assigned one
/// (`os.path.join(os.path.dirname(__file__), "..", "src")`, `Path(__file__).parent / "x"`,
/// `str(Path(__file__).resolve().parents[2])`). Anything else (the working directory, an
/// environment variable, a computed string) says nothing.
pub(crate) fn path_inserts(text: &str, file: &Utf8Path) -> Vec<Utf8PathBuf> {
    let mut out = Vec::new();
    let mut names: BTreeMap<String, PathValue> = BTreeMap::new();
    // Logical statements: a line continued while a bracket is open.
    let mut statements: Vec<String> = Vec::new();
    let mut pending = String::new();
    let mut depth: i32 = 0;
    for (_, code) in code_lines(text) {
        pending.push(' ');
        pending.push_str(code.trim());
        depth += code.matches(['(', '[', '{']).count() as i32 - code.matches([')', ']', '}']).count() as i32;
        if depth <= 0 {
            statements.push(std::mem::take(&mut pending));
            depth = 0;
        }
    }
    for statement in &statements {
        let statement = statement.trim();
        for call in ["sys.path.insert(", "sys.path.append("] {
            let Some(at) = statement.find(call) else { continue };
            let Ok(tokens) = tokenize(&statement[at + call.len() - 1..]) else { continue };
            let mut parser = PathParser { tokens: &tokens, pos: 0, file, names: &names };
            let Some(args) = parser.call_args() else { continue };
            let arg = if call.ends_with("insert(") { args.into_iter().nth(1) } else { args.into_iter().next() };
            if let Some(Some(PathValue::Path(path))) = arg
                && !out.contains(&path)
            {
                out.push(path);
            }
        }
        // `NAME = <path>`, for a later insert of NAME.
        if let Some((name, value)) = statement.split_once('=')
            && is_identifier(name.trim())
            && !value.starts_with('=')
            && let Ok(tokens) = tokenize(value)
        {
            let mut parser = PathParser { tokens: &tokens, pos: 0, file, names: &names };
            match parser.expr().filter(|_| parser.pos == tokens.len()) {
                Some(value) => names.insert(name.trim().to_owned(), value),
                None => names.remove(name.trim()),
            };
        }
    }
    out
}

/// A value of a path expression: a path relative to the root, or a string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathValue {
    Path(Utf8PathBuf),
    Str(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PathToken {
    Name(String),
    Str(String),
    Int(usize),
    Sym(char),
}

fn tokenize(text: &str) -> std::result::Result<Vec<PathToken>, ()> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut ix = 0;
    while ix < chars.len() {
        let c = chars[ix];
        if c.is_whitespace() || c == '\\' {
            ix += 1;
        } else if c == '"' || c == '\'' || ((c == 'r' || c == 'R') && matches!(chars.get(ix + 1), Some('"' | '\''))) {
            let quote_at = if c == '"' || c == '\'' { ix } else { ix + 1 };
            let quote = chars[quote_at];
            let end = chars[quote_at + 1..].iter().position(|&x| x == quote).ok_or(())? + quote_at + 1;
            out.push(PathToken::Str(chars[quote_at + 1..end].iter().collect()));
            ix = end + 1;
        } else if c.is_ascii_digit() {
            let end = chars[ix..].iter().position(|x| !x.is_ascii_digit()).map_or(chars.len(), |p| p + ix);
            out.push(PathToken::Int(chars[ix..end].iter().collect::<String>().parse().map_err(|_| ())?));
            ix = end;
        } else if c.is_alphabetic() || c == '_' {
            let end =
                chars[ix..].iter().position(|x| !(x.is_alphanumeric() || *x == '_')).map_or(chars.len(), |p| p + ix);
            out.push(PathToken::Name(chars[ix..end].iter().collect()));
            ix = end;
        } else if "()[],/.".contains(c) {
            out.push(PathToken::Sym(c));
            ix += 1;
        } else {
            return Err(());
        }
    }
    Ok(out)
}

/// Reads a path expression made from `__file__`; `None` for anything else.
struct PathParser<'a> {
    tokens: &'a [PathToken],
    pos: usize,
    file: &'a Utf8Path,
    names: &'a BTreeMap<String, PathValue>,
}

impl PathParser<'_> {
    fn eat(&mut self, sym: char) -> bool {
        let hit = self.tokens.get(self.pos) == Some(&PathToken::Sym(sym));
        self.pos += usize::from(hit);
        hit
    }

    fn name(&mut self) -> Option<String> {
        match self.tokens.get(self.pos) {
            Some(PathToken::Name(n)) => {
                self.pos += 1;
                Some(n.clone())
            }
            _ => None,
        }
    }

    /// `(a, b, ...)`: each argument's value (`None` where it is not a path or a string).
    fn call_args(&mut self) -> Option<Vec<Option<PathValue>>> {
        if !self.eat('(') {
            return None;
        }
        let mut args = Vec::new();
        if self.eat(')') {
            return Some(args);
        }
        loop {
            let start = self.pos;
            let value = self.expr();
            if value.is_none() {
                // Skip an argument this cannot read, up to its comma or the closing bracket.
                self.pos = start;
                let mut depth = 0;
                while let Some(token) = self.tokens.get(self.pos) {
                    match token {
                        PathToken::Sym('(' | '[') => depth += 1,
                        PathToken::Sym(')' | ']') if depth == 0 => break,
                        PathToken::Sym(')' | ']') => depth -= 1,
                        PathToken::Sym(',') if depth == 0 => break,
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            args.push(value);
            if self.eat(',') {
                if self.eat(')') {
                    return Some(args);
                }
                continue;
            }
            return self.eat(')').then_some(args);
        }
    }

    fn expr(&mut self) -> Option<PathValue> {
        let mut value = self.term()?;
        while self.eat('/') {
            let right = self.term()?;
            value = path_join(value, right)?;
        }
        Some(value)
    }

    fn term(&mut self) -> Option<PathValue> {
        let mut value = self.atom()?;
        while self.eat('.') {
            match self.name()?.as_str() {
                "parent" => value = path_parent(value)?,
                "parents" => {
                    let (true, Some(PathToken::Int(n))) = (self.eat('['), self.tokens.get(self.pos).cloned()) else {
                        return None;
                    };
                    self.pos += 1;
                    if !self.eat(']') {
                        return None;
                    }
                    for _ in 0..=n {
                        value = path_parent(value)?;
                    }
                }
                "resolve" | "absolute" | "as_posix" | "expanduser" => {
                    self.call_args()?;
                }
                "joinpath" => {
                    for arg in self.call_args()? {
                        value = path_join(value, arg?)?;
                    }
                }
                _ => return None,
            }
        }
        Some(value)
    }

    fn atom(&mut self) -> Option<PathValue> {
        match self.tokens.get(self.pos)?.clone() {
            PathToken::Str(s) => {
                self.pos += 1;
                Some(PathValue::Str(s))
            }
            PathToken::Sym('(') => {
                self.pos += 1;
                let value = self.expr()?;
                self.eat(')').then_some(value)
            }
            PathToken::Name(first) => {
                self.pos += 1;
                if first == "__file__" {
                    return Some(PathValue::Path(self.file.to_owned()));
                }
                if let Some(value) = self.names.get(&first) {
                    return Some(value.clone());
                }
                // A function by its dotted name: `os.path.join(...)`.
                let mut function = first;
                while self.tokens.get(self.pos) == Some(&PathToken::Sym('.'))
                    && matches!(self.tokens.get(self.pos + 1), Some(PathToken::Name(_)))
                {
                    self.pos += 1;
                    function = format!("{function}.{}", self.name()?);
                }
                let args = self.call_args()?;
                let short = function.rsplit('.').next().unwrap_or_default();
                match short {
                    "dirname" => path_parent(args.into_iter().next()??),
                    "abspath" | "realpath" | "normpath" | "str" | "fspath" => args.into_iter().next()?,
                    "join" | "Path" | "PurePath" | "PosixPath" => {
                        let mut args = args.into_iter();
                        let mut value = args.next()??;
                        for arg in args {
                            value = path_join(value, arg?)?;
                        }
                        Some(value)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// `base / part`: a path joined with a relative string, `.` and `..` resolved.
fn path_join(base: PathValue, part: PathValue) -> Option<PathValue> {
    match (base, part) {
        (PathValue::Path(base), PathValue::Str(part)) if !part.starts_with(['/', '\\', '~']) => {
            resolve(&base, &part).map(PathValue::Path)
        }
        _ => None,
    }
}

/// The folder holding a path (`None` above the root).
fn path_parent(value: PathValue) -> Option<PathValue> {
    match value {
        PathValue::Path(path) if !path.as_str().is_empty() => {
            Some(PathValue::Path(path.parent().map(Utf8Path::to_owned).unwrap_or_default()))
        }
        _ => None,
    }
}

/// Where each top-level module name is found, among the walked folders: the folders
/// holding a package `X/__init__.py` or a module `X.py` (`regular`), and those holding a
/// folder `X/` of `.py` files without an `__init__.py` (`namespace`: Python imports it as a
/// namespace package when its parent is on the path).
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

/// Whether `folder`, on the path, provides the dotted module `parts` (`Model`, `Database`):
/// each part but the last a folder, the last a folder or a `.py` file.
pub(crate) fn provides(tree: &Tree, folder: &Utf8Path, parts: &[&str]) -> bool {
    let mut dir = folder.to_owned();
    for (ix, part) in parts.iter().enumerate() {
        let Some(here) = tree.dirs.get(&dir) else { return false };
        if here.subdirs.iter().any(|s| s == part) {
            dir = join(&dir, part);
        } else {
            return ix + 1 == parts.len() && here.has(&format!("{part}.py"));
        }
    }
    true
}

type Pythonpaths = (Vec<BTreeMap<Utf8PathBuf, Reason>>, Vec<BTreeSet<Utf8PathBuf>>);

/// Each unit's `pythonpath` from its imports. An import's candidates are the folders that
/// provide its whole dotted name (`Model.Database`: a folder whose `Model/` has `Database`;
/// the root is one); a regular package wins over namespace folders. It needs no folder when
/// its top-level name is the standard library's, a distribution its env installs (its
/// requirements, its local dependencies', base's, a `uv.lock`'s), found in the unit's own
/// folders (a namespace package split across folders included), or installed with a local
/// dependency. Else one candidate, or the one of several that the unit's own code puts on
/// `sys.path`, is added; several are reported, once per unit, and never guessed.
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
            let owner = dir.ancestors().find_map(|a| owners.get(a).copied());
            (dir.as_path(), owner.flatten())
        })
        .collect();
    let owner = |folder: &Utf8Path| owner_of.get(folder).copied().flatten();
    let by_package: BTreeMap<&str, usize> =
        units.iter().enumerate().filter_map(|(ix, u)| Some((u.package()?, ix))).collect();
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
    // The distributions every env gets: base's, and those a uv.lock at the root resolves.
    let mut everywhere: BTreeSet<String> = crate::infile::requirements(root, Utf8Path::new(BASE_IN))
        .iter()
        .filter_map(|l| requirement_name(l))
        .map(normalize)
        .collect();
    if let Ok(text) = std::fs::read_to_string(root.join("uv.lock")) {
        everywhere.extend(crate::seed::uv_lock_pins(&text, None).into_iter().map(|(name, _)| name));
    }
    let distributions: Vec<BTreeSet<&str>> = (0..units.len())
        .map(|ix| {
            std::iter::once(ix)
                .chain(installed[ix].iter().copied())
                .flat_map(|u| units[u].requires.iter().map(String::as_str))
                .chain(everywhere.iter().map(String::as_str))
                .collect()
        })
        .collect();
    // The folders a package's modules are installed from: its own and its `src`.
    let package_at: BTreeMap<Utf8PathBuf, usize> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| matches!(u.kind, Kind::Package { .. }))
        .flat_map(|(ix, u)| [(u.dir.clone(), ix), (join(&u.dir, "src"), ix)])
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
        let mut imports: Vec<(Import, Utf8PathBuf)> = Vec::new();
        let mut inserted: BTreeSet<Utf8PathBuf> = BTreeSet::new();
        for dir in &own_dirs[ix] {
            for file in tree.dirs[*dir].files.iter().filter(|f| f.ends_with(".py")) {
                let path = join(dir, file);
                let Ok(bytes) = std::fs::read(root.join(&path)) else { continue };
                let text = String::from_utf8_lossy(&bytes);
                inserted.extend(path_inserts(&text, &path));
                for import in self::imports(&text) {
                    match imports.iter_mut().find(|(i, _)| i.module == import.module) {
                        Some((seen, _)) => seen.names.extend(import.names),
                        None => imports.push((import, path.clone())),
                    }
                }
            }
        }
        let mut several: Vec<(String, Utf8PathBuf, Vec<Utf8PathBuf>)> = Vec::new();
        for (import, file) in imports {
            let parts: Vec<&str> = import.module.split('.').collect();
            let top = parts[0];
            if stdlib.contains(top) || distributions[ix].contains(normalize(top).as_str()) {
                continue; // the standard library's, or a distribution its env installs
            }
            let all: Vec<(&Utf8PathBuf, bool)> = found
                .regular
                .get(top)
                .into_iter()
                .flatten()
                .map(|f| (f, true))
                .chain(found.namespace.get(top).into_iter().flatten().map(|f| (f, false)))
                .collect();
            if all.is_empty() || all.iter().any(|(f, _)| owner(f) == Some(ix)) {
                continue; // third-party or nowhere; or its own (a namespace split across folders too)
            }
            let mut folders: Vec<(&Utf8PathBuf, bool)> =
                all.iter().copied().filter(|(f, _)| provides(tree, f, &parts)).collect();
            if folders.is_empty() {
                folders = all; // the rest is an attribute, or out of the walk
            }
            if folders.len() > 1 && !import.names.is_empty() {
                let deeper: Vec<(&Utf8PathBuf, bool)> = folders
                    .iter()
                    .copied()
                    .filter(|(f, _)| {
                        import.names.iter().any(|n| {
                            let mut with: Vec<&str> = parts.clone();
                            with.push(n);
                            provides(tree, f, &with)
                        })
                    })
                    .collect();
                if !deeper.is_empty() {
                    folders = deeper;
                }
            }
            if folders.iter().any(|(_, regular)| *regular) {
                folders.retain(|(_, regular)| *regular);
            }
            let folders: Vec<&Utf8PathBuf> = folders.into_iter().map(|(f, _)| f).collect();
            if folders.iter().any(|f| package_at.get(*f).is_some_and(|p| installed[ix].contains(p))) {
                continue; // a local dependency's module: installed in its env
            }
            if unit.dynamic && folders.iter().any(|f| package_at.contains_key(*f)) {
                continue; // a package's module, which its backend's metadata may well install
            }
            let on_path: Vec<&&Utf8PathBuf> = folders.iter().filter(|f| inserted.contains(**f)).collect();
            let chosen = match (folders.len(), on_path.len()) {
                (1, _) => Some(folders[0]),
                (_, 1) => Some(*on_path[0]),
                _ => None,
            };
            match chosen {
                Some(folder) => {
                    pythonpath[ix].entry(folder.clone()).or_insert(Reason { module: import.module, file });
                }
                None => {
                    candidates[ix].extend(folders.iter().map(|f| (*f).clone()));
                    several.push((import.module, file, folders.into_iter().cloned().collect()));
                }
            }
        }
        if let Some(message) = several_message(&unit.dir, &several) {
            undecided.push(message);
        }
    }
    (pythonpath, candidates)
}

/// How many imports of a unit are found in several folders, which, and where: one message.
fn several_message(unit: &Utf8Path, several: &[(String, Utf8PathBuf, Vec<Utf8PathBuf>)]) -> Option<String> {
    let shown = |folders: &[Utf8PathBuf]| -> String {
        folders.iter().map(|f| format!("`{}`", relative(unit, f))).collect::<Vec<_>>().join(", ")
    };
    match several {
        [] => None,
        [(module, file, folders)] => Some(format!(
            "{unit}: imports {module} from {file}, which is found in {} folders ({}, relative to {unit}): none is \
             added; add the right one to its pythonpath",
            folders.len(),
            shown(folders)
        )),
        _ => {
            const SHOWN: usize = 4;
            let mut parts: Vec<String> = several
                .iter()
                .take(SHOWN)
                .map(|(module, file, folders)| format!("{module} from {file} ({})", shown(folders)))
                .collect();
            if several.len() > SHOWN {
                parts.push(format!("and {} more", several.len() - SHOWN));
            }
            Some(format!(
                "{unit}: {} imports are found in several folders (relative to {unit}), and none is added; add the \
                 right ones to its pythonpath: {}",
                several.len(),
                parts.join("; ")
            ))
        }
    }
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
        let found = imports(text);
        let names: Vec<(&str, usize)> = found.iter().map(|i| (i.module.as_str(), i.line)).collect();
        assert_eq!(
            names,
            [
                ("os", 1),
                ("sys", 1),
                ("Core.util", 2),
                ("Core.other", 6),
                ("a.b.c", 7),
                ("e", 7),
                ("after_string", 12),
                ("spaced", 13)
            ]
        );
        assert_eq!(found[2].names, ["helper"]);
        assert_eq!(found[7].names, Vec::<String>::new(), "names on the next lines are not read");
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
    fn reads_the_folders_a_file_puts_on_sys_path() {
        let file = Utf8Path::new("apps/Review/tests/test_review.py");
        let text = "import os, sys\nfrom pathlib import Path\n\
                    sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'src'))\n\
                    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))\n\
                    sys.path.append(os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), \"../../lib\")))\n\
                    HERE = Path(__file__).parent\n\
                    sys.path.insert(0, str(HERE / 'helpers'))\n\
                    sys.path.insert(\n    0,\n    str(Path(__file__).parent.parent / \"shared\"),\n)\n\
                    sys.path.insert(0, os.getcwd())\n\
                    sys.path.append('relative/to/the/cwd')\n\
                    sys.path.insert(0, str(Path(__file__).parents[9]))\n\
                    # sys.path.insert(0, os.path.dirname(__file__) + '/commented')\n";
        let found: Vec<String> = path_inserts(text, file).iter().map(|p| p.to_string()).collect();
        assert_eq!(
            found,
            ["apps/Review/src", "", "apps/lib", "apps/Review/tests/helpers", "apps/Review/shared"],
            "the working directory, a bare string and a folder above the root say nothing"
        );
    }

    #[test]
    fn the_python_the_repository_asks_for() {
        let present: BTreeMap<(u64, u64), String> =
            [((3, 9), "pyenv"), ((3, 10), "pyenv"), ((3, 11), "python3"), ((3, 12), "uv")]
                .into_iter()
                .map(|(v, how)| (v, how.to_owned()))
                .collect();
        let requires = |specs: &[&str]| -> Vec<(Utf8PathBuf, String)> {
            specs.iter().enumerate().map(|(ix, s)| (Utf8PathBuf::from(format!("p{ix}")), (*s).to_owned())).collect()
        };
        let chosen =
            |specs: &[&str], pinned: Option<&str>| choose_python(&requires(specs), pinned, &present, Some("3.11"));
        assert_eq!(chosen(&[], None).version, "3.11", "nothing asks: python3's");
        assert!(chosen(&[], None).why.starts_with("python3 on this machine"), "{:?}", chosen(&[], None));
        assert_eq!(chosen(&[">=3.10,<3.11"], None).version, "3.10", "not python3's");
        assert_eq!(chosen(&[">=3.10", ">=3.11"], None).version, "3.11", "the lowest all allow");
        assert_eq!(chosen(&[">=3.9"], Some("3.10")).version, "3.10", ".python-version");
        assert!(chosen(&[">=3.9"], Some("3.10")).why.contains(".python-version"));
        assert_eq!(chosen(&[">=3.11"], Some("3.10")).version, "3.11", "a .python-version requires-python excludes");
        let missing = chosen(&[">=3.13"], None);
        assert_eq!(missing.version, "3.13");
        assert!(missing.why.contains("this machine lacks: install it"), "{missing:?}");
        assert_eq!(chosen(&[">=3.12", "<3.11"], None).version, "3.11", "none meets both: python3's");
        assert_eq!(chosen(&[">=3.10.4"], None).version, "3.10", "a patch bound");
        assert_eq!(python_version_file("# pinned\n3.10.12\n").as_deref(), Some("3.10"));
        assert_eq!(python_version_file("cpython-3.12\n").as_deref(), Some("3.12"));
        assert_eq!(python_version_file("system\n"), None);
    }

    /// A tree of empty files (`name/` for an empty folder) in a temp dir, walked.
    fn tree_of(files: &[(&str, &str)]) -> (tempfile::TempDir, Utf8PathBuf, Tree) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        for (path, text) in files {
            crate::fsutil::write_test_file(&root, path, text);
        }
        let tree = walk(&root).unwrap();
        (dir, root, tree)
    }

    fn package(name: &str, extra: &str) -> String {
        format!("[project]\nname = \"{name}\"\nversion = \"0.1.0\"\n{extra}")
    }

    fn units_of(root: &Utf8Path, tree: &Tree, options: &Options) -> (Vec<String>, Vec<String>) {
        let (mut undecided, mut excluded) = (Vec::new(), Vec::new());
        let (units, _) = find_units(root, tree, options, &mut undecided, &mut excluded).unwrap();
        let units = units.iter().map(|u| format!("{} ({})", shown_dir(&u.dir), u.kind_name())).collect();
        let excluded = excluded.iter().map(|e| format!("{}: {}", e.dir, e.reason)).collect();
        (units, excluded)
    }

    #[test]
    fn test_data_copies_and_sources_that_name_nothing_are_not_adopted() {
        let (_dir, root, tree) = tree_of(&[
            ("packages/cli/pyproject.toml", &package("cli", "")),
            ("packages/cli/tests/test_cli.py", ""),
            ("packages/cli/tests/fixtures/proj/pyproject.toml", &package("proj", "")),
            ("packages/cli/tests/proj2/requirements.txt", "tiny-a\n"),
            ("packages/app/pyproject.toml", &package("app", "")),
            ("packages/app/examples/a/shared/pyproject.toml", &package("shared", "")),
            ("packages/app/examples/b/shared/pyproject.toml", &package("shared", "")),
            ("libs/shared/pyproject.toml", &package("shared", "")),
            ("copy/shared/pyproject.toml", &package("shared", "")),
            ("deep/copy/shared/pyproject.toml", &package("shared", "")),
            ("broken/pyproject.toml", &package("broken", "[tool.uv.sources]\ngone = { path = \"../gone\" }\n")),
            ("orphan/pyproject.toml", &package("orphan", "[tool.uv.sources]\nproj = { workspace = true }\n")),
            ("vendor/thing/pyproject.toml", &package("thing", "")),
        ]);
        let (units, excluded) =
            units_of(&root, &tree, &Options { exclude: vec!["vendor".into()], ..Options::default() });
        assert_eq!(
            units,
            ["copy/shared (package)", "packages/app (package)", "packages/cli (package)"],
            "{excluded:#?}"
        );
        let reasons: Vec<&str> = excluded.iter().map(String::as_str).collect();
        for (ix, prefix) in [
            "broken: its [tool.uv.sources] gone = { path = \"../gone\" } names gone, which does not exist",
            "deep/copy/shared: declares the package `shared`, as copy/shared does",
            "libs/shared: declares the package `shared`, as copy/shared does",
            "orphan: its [tool.uv.sources] proj = { workspace = true } names a package no adopted unit declares \
             (packages/cli/tests/fixtures/proj declares it, and is not adopted)",
            "packages/app/examples/a/shared: test data in packages/app's examples folder, packages/app/examples: \
             excluded by default, uncomment it to adopt it",
            "packages/app/examples/b/shared: test data in packages/app's examples folder",
            "packages/cli/tests/fixtures/proj: test data in packages/cli's tests folder",
            "packages/cli/tests/proj2: test data in packages/cli's tests folder",
            "vendor/thing: excluded by `vendor`",
        ]
        .iter()
        .enumerate()
        {
            assert!(reasons.get(ix).is_some_and(|r| r.starts_with(prefix)), "{prefix}\nin {reasons:#?}");
        }
        assert_eq!(reasons.len(), 9, "{reasons:#?}");
        // A uv workspace's own members are never test data.
        crate::fsutil::write_test_file(
            &root,
            "pyproject.toml",
            "[tool.uv.workspace]\nmembers = [\"packages/*\", \"packages/app/examples/a/shared\"]\n",
        );
        let (units, _) = units_of(&root, &walk(&root).unwrap(), &Options::default());
        assert!(units.contains(&"packages/app/examples/a/shared (package)".to_owned()), "{units:#?}");
    }

    #[test]
    fn folders_with_tests_of_their_own_are_units_wherever_they_are() {
        let (_dir, root, tree) = tree_of(&[
            ("T/Review/requirements.txt", "tiny-a\n"),
            ("T/Review/tests/test_review.py", ""),
            ("T/Review/Model/_meta/tests/test_model.py", ""),
            ("T/Review/Model/Database.py", ""),
            ("T/Review/loose/test_loose.py", ""),
            ("T/Review/pkg/__init__.py", ""),
            ("T/Review/pkg/sub/tests/test_in_package.py", ""),
            ("T/Review/tests/unit/tests/test_deeper.py", ""),
            ("Tools/X/tests/test_x.py", ""),
            ("Tools/X/Y/tests/test_y.py", ""),
            ("Tools/X/Y/loose_test.py", ""),
            ("lib/pyproject.toml", &package("lib", "")),
            ("lib/src/lib/tests/test_lib.py", ""),
            ("lib/tests/test_lib.py", ""),
            ("lib/benchmarks/tests/test_bench.py", ""),
        ]);
        let (units, excluded) = units_of(&root, &tree, &Options::default());
        assert_eq!(
            units,
            [
                "T/Review (requirements)",
                "T/Review/Model (tests only)",
                "Tools/X (tests only)",
                "Tools/X/Y (tests only)",
                "lib (package)"
            ],
            "{excluded:?}"
        );
        // A folder the config declares by hand that holds tests is one, and its tests its own.
        let options = Options { declared: vec!["T/Review/loose".into(), "nowhere".into()], ..Options::default() };
        let (units, _) = units_of(&root, &tree, &options);
        assert!(units.contains(&"T/Review/loose (tests only)".to_owned()), "{units:?}");
    }

    #[test]
    fn a_root_package_is_a_unit_with_its_own_tests() {
        let (_dir, root, tree) = tree_of(&[
            (
                "pyproject.toml",
                &package("main", "\n[build-system]\nrequires = [\"uv_build\"]\nbuild-backend = \"uv_build\"\n"),
            ),
            ("src/main/__init__.py", ""),
            ("tests/test_main.py", ""),
            ("clai/pyproject.toml", &package("clai", "")),
            ("clai/tests/test_clai.py", ""),
            ("tools/checks/tests/test_checks.py", ""),
        ]);
        let (mut undecided, mut excluded) = (Vec::new(), Vec::new());
        let (units, _) = find_units(&root, &tree, &Options::default(), &mut undecided, &mut excluded).unwrap();
        let dirs: Vec<&str> = units.iter().map(|u| u.dir.as_str()).collect();
        assert_eq!(dirs, ["", "clai", "tools/checks"], "{undecided:?}");
        assert_eq!(units[0].testpaths, ["tests"]);
        // Without a [build-system] it installs nothing: no unit, and the root's tests are one.
        crate::fsutil::write_test_file(&root, "pyproject.toml", &package("main", ""));
        let (units, _) = units_of(&root, &walk(&root).unwrap(), &Options::default());
        assert_eq!(units, ["clai (package)", "tests (tests only)", "tools/checks (tests only)"]);
    }

    #[test]
    fn an_import_names_the_folder_that_has_all_of_it() {
        let (_dir, root, tree) = tree_of(&[
            ("Model/Database.py", ""),
            ("A/Model/__init__.py", ""),
            ("B/Model/__init__.py", ""),
            ("B/Model/Views.py", ""),
            ("redis/__init__.py", ""),
            ("lib1/helpers.py", ""),
            ("lib2/helpers.py", ""),
            ("lib3/helpers.py", ""),
            ("pkg/pyproject.toml", &package("acme-one", "dependencies = [\"redis\"]\n")),
            ("pkg/src/acme/one/__init__.py", ""),
            ("other/pyproject.toml", &package("acme-two", "")),
            ("other/src/acme/two/__init__.py", ""),
            (
                "pkg/tests/test_pkg.py",
                "import redis\nimport acme.one\nfrom acme import one\nimport Model.Database\nfrom Model import Views\n",
            ),
            (
                "checks/tests/test_checks.py",
                "import sys, os\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'lib2'))\n\
                 import helpers\nimport Model\n",
            ),
        ]);
        let options = Options::default();
        let (mut undecided, mut excluded) = (Vec::new(), Vec::new());
        let (units, left_out) = find_units(&root, &tree, &options, &mut undecided, &mut excluded).unwrap();
        let (paths, _) = infer_pythonpath(&root, &tree, &units, &left_out, &BTreeSet::new(), &mut undecided);
        let of = |dir: &str| -> Vec<String> {
            let ix = units.iter().position(|u| u.dir == dir).unwrap();
            paths[ix].iter().map(|(f, r)| format!("{} for {}", shown_dir(f), r.module)).collect()
        };
        assert_eq!(
            of("pkg"),
            ["the root for Model.Database", "B for Model"],
            "the folder with all of each; none for redis (its requirement), nor acme (its own namespace)"
        );
        assert_eq!(of("checks"), ["lib2 for helpers"], "the one it puts on sys.path; Model: undecided");
        assert_eq!(undecided.len(), 1, "{undecided:#?}");
        assert!(
            undecided[0].starts_with(
                "checks: imports Model from checks/tests/test_checks.py, which is found in 2 folders (`../A`, `../B`"
            ),
            "{undecided:#?}"
        );
    }
}
