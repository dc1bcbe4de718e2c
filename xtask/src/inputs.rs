//! The input model: what a lock, a venv or a suite reads, as a typed list of [`Item`]s, each
//! with the digest of its content and where it is declared. A target's key is the digest of
//! its items ([`Items::digest`]); `explain` compares two lists item by item
//! ([`Items::changes`]). What each target of a workspace reads is listed in one place,
//! `keys.rs`, from the pieces here: this module knows no workspace, so the workspace and
//! the metadata cache can use it while loading.
//!
//! The pieces that read files:
//! - [`requirements_files`]: a requirements file and what it includes (`-r`, `-c`), by
//!   their requirement lines (comments and blank lines do not count, so a comment edit
//!   changes no key);
//! - [`pytest_config`]: the files pytest reads its configuration from for a suite run in a
//!   folder, by pytest's own rules (the first matching config file upward, and the
//!   `conftest.py` files from its folder down), not every config file above it;
//! - [`is_package_file`]: whether a member's file is part of what it installs (what a
//!   dependant imports), by its layout: `src/` when it has one, else everything but tests;
//! - [`input_glob`]: an `inputs` glob, checked.

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};
use serde_core::{Deserialize, Deserializer, Serialize, Serializer};

use crate::digest::{self, Hasher};
use crate::shape;

/// What kind of thing an item is: decides how it is read and how `explain` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// One file, by content.
    File,
    /// The files under a folder, by their ids (as git sees them).
    Tree,
    /// The files an `inputs` glob matches.
    Glob,
    /// A requirements file included by another (`-r`, `-c`).
    Include,
    /// An effective setting (from a pyproject, the config or the command line).
    Setting,
    /// An environment variable (declared in `env-inputs`, or one pytest reads itself).
    Env,
    /// The interpreter of a venv.
    Interpreter,
    /// A lock, by what it installs.
    Lock,
    /// A tool's version or a format version.
    Tool,
    /// What a local project installs (its package files and its own dependencies').
    Package,
    /// A file the last passing run was seen to import, which no declared input covers.
    Observed,
}

shape::unit_enum! { Kind {
    File = "file",
    Tree = "tree",
    Glob = "glob",
    Include = "include",
    Setting = "setting",
    Env = "env",
    Interpreter = "interpreter",
    Lock = "lock",
    Tool = "tool",
    Package = "package",
    Observed = "observed",
} }

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Tree => "tree",
            Kind::Glob => "glob",
            Kind::Include => "include",
            Kind::Setting => "setting",
            Kind::Env => "env",
            Kind::Interpreter => "interpreter",
            Kind::Lock => "lock",
            Kind::Tool => "tool",
            Kind::Package => "package",
            Kind::Observed => "observed",
        }
    }
}

/// One input: its kind, its name (a path, a setting's key, a variable), the digest of its
/// content, and where it is declared (a file, or "command line").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    pub name: String,
    pub digest: String,
    pub from: String,
    /// For a tree or a glob: each file's id, so a change names the file.
    pub files: BTreeMap<String, String>,
}

shape::serde_struct! { Item {
    kind: "kind",
    name: "name",
    digest: "digest",
    from: "from",
    files: "files" = default skip_if BTreeMap::is_empty,
} }

impl Item {
    pub fn new(kind: Kind, name: impl Into<String>, digest: impl Into<String>, from: impl Into<String>) -> Item {
        Item { kind, name: name.into(), digest: digest.into(), from: from.into(), files: BTreeMap::new() }
    }

    /// A setting or variable: its value is its digest's input, and shown as is.
    pub fn value(kind: Kind, name: impl Into<String>, value: &str, from: impl Into<String>) -> Item {
        Item::new(kind, name, value_digest(value), from)
    }

    /// A tree or glob of `files` (path to id); its digest covers paths and ids.
    pub fn files(kind: Kind, name: impl Into<String>, files: BTreeMap<String, String>, from: &str) -> Item {
        let mut h = Hasher::default();
        for (path, id) in &files {
            h.part(path).part(id);
        }
        Item { kind, name: name.into(), digest: h.finish(), from: from.to_owned(), files }
    }
}

/// The digest of a short value: the value itself when it is short and printable (so
/// `explain` shows `NO_DOCKER: true -> false`), else its SHA-256.
fn value_digest(value: &str) -> String {
    if value.len() <= 64 && !value.contains('\n') { format!("={value}") } else { digest::text(value) }
}

/// The inputs of one target, in the order they were listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Items(pub Vec<Item>);

/// A JSON array of items (a newtype struct, as serde_derive writes it).
impl Serialize for Items {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct("Items", &self.0)
    }
}

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::deserialize(deserializer).map(Items)
    }
}

/// How one item differs between two lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: Kind,
    pub name: String,
    pub from: String,
    /// `None`: the item is new.
    pub old: Option<String>,
    /// `None`: the item is gone.
    pub new: Option<String>,
    /// For a tree or glob: the files that differ.
    pub files: Vec<String>,
}

shape::serialize_struct! { Change {
    kind: "kind",
    name: "name",
    from: "from",
    old: "old",
    new: "new",
    files: "files" skip_if Vec::is_empty,
} }

impl Items {
    pub fn push(&mut self, item: Item) {
        self.0.push(item);
    }

    /// The key: every item's kind, name and digest, in order.
    pub fn digest(&self) -> String {
        let mut h = Hasher::default();
        for item in &self.0 {
            h.part(item.kind.as_str()).part(&item.name).part(&item.digest);
        }
        h.finish()
    }

    /// What differs from `old` to `self`, item by item (by kind and name).
    pub fn changes(&self, old: &Items) -> Vec<Change> {
        let find =
            |items: &Items, item: &Item| items.0.iter().find(|o| o.kind == item.kind && o.name == item.name).cloned();
        let mut out = Vec::new();
        for item in &self.0 {
            match find(old, item) {
                Some(was) if was.digest == item.digest => {}
                was => out.push(Change {
                    kind: item.kind,
                    name: item.name.clone(),
                    from: item.from.clone(),
                    files: was.as_ref().map(|w| changed_files(&w.files, &item.files)).unwrap_or_default(),
                    old: was.map(|w| w.digest),
                    new: Some(item.digest.clone()),
                }),
            }
        }
        for was in &old.0 {
            if find(self, was).is_none() {
                out.push(Change {
                    kind: was.kind,
                    name: was.name.clone(),
                    from: was.from.clone(),
                    old: Some(was.digest.clone()),
                    new: None,
                    files: Vec::new(),
                });
            }
        }
        out
    }
}

/// The paths whose ids differ between two file maps: changed, added or removed.
fn changed_files(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = new.iter().filter(|(p, id)| old.get(*p) != Some(*id)).map(|(p, _)| p.clone()).collect();
    out.extend(old.keys().filter(|p| !new.contains_key(*p)).cloned());
    out.sort();
    out
}

/// A short form of a digest for people: a value as written, else the first 12 hex digits.
pub fn show(digest: &str) -> String {
    match digest.strip_prefix('=') {
        Some(value) => format!("`{value}`"),
        None => digest.chars().take(12).collect(),
    }
}

/// The digest of a file's content (`\r\n` read as `\n`), or `absent`.
pub fn file_digest(path: &Utf8Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => digest::text(&text),
            Err(err) => digest::sha256(err.as_bytes()),
        },
        Err(_) => "absent".to_owned(),
    }
}

/// A requirements file (relative to `root`) and every file it includes with `-r` / `-c`,
/// followed recursively, each by the digest of its requirement lines and options (comments,
/// blank lines and line endings do not count). The first is `first_kind`, the rest
/// [`Kind::Include`]. A file that cannot be read is an item with the digest `absent`: the
/// compile that reads it names the error.
pub fn requirements_files(root: &Utf8Path, file: &Utf8Path, first_kind: Kind, from: &str) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut queue = vec![(file.to_owned(), first_kind, from.to_owned())];
    while let Some((file, kind, from)) = queue.pop() {
        if out.iter().any(|i| i.name == file.as_str()) {
            continue; // included twice, or a cycle
        }
        let text = std::fs::read_to_string(root.join(&file));
        let lines = text.as_deref().map(crate::infile::logical_lines).unwrap_or_default();
        let digest = text.as_deref().map_or_else(|_| "absent".to_owned(), crate::infile::lines_digest);
        let dir = file.parent().unwrap_or(Utf8Path::new("")).to_owned();
        for (_, line) in &lines {
            if let Some(included) = crate::infile::include_of(line) {
                queue.push((crate::infile::join(&dir, included), Kind::Include, file.to_string()));
            }
        }
        out.push(Item::new(kind, file.as_str(), digest, from));
    }
    out
}

/// The config files pytest may read its config from, by its rules for a run started in
/// `dir` (relative to `root`): in `dir` and each folder above it up to the root, the
/// candidates `pytest.ini`, `.pytest.ini`, `pyproject.toml`, `tox.ini` and `setup.cfg` are
/// looked at in that order, and the first that is a pytest config ends the search (pytest.ini
/// always is; the others when they hold pytest's section). The files looked at decide which
/// one it is, so all of them count; none above the match is read. `conftest.py` files load
/// from the config file's folder (the rootdir) down to `dir`. With no config file at all,
/// pytest's rootdir is `dir` (or the nearest folder above with a `setup.py`), and no
/// `conftest.py` above it is read, but a `pyproject.toml` above is then its config file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PytestConfig {
    /// The candidate files looked at, relative to the root, nearest first.
    pub looked_at: Vec<Utf8PathBuf>,
    /// The `conftest.py` files above `dir` that load, relative to the root.
    pub conftests: Vec<Utf8PathBuf>,
    /// The folder whose config file ended the search; `None`: none did, every folder up
    /// to the root was looked in.
    pub stop: Option<Utf8PathBuf>,
    /// pytest's rootdir, when a config file (or a `pyproject.toml`) above sets it:
    /// `conftest.py` files load from there down.
    pub rootdir: Option<Utf8PathBuf>,
}

impl PytestConfig {
    /// Whether a file named `name` in folder `folder` (an ancestor of the run's folder)
    /// is read, or would be read if it existed or took part: a candidate at or below where
    /// the search stops, a `conftest.py` at or below the rootdir.
    pub fn covers(&self, folder: &Utf8Path, name: &str) -> bool {
        if name == "conftest.py" {
            return self.rootdir.as_ref().is_some_and(|r| folder.starts_with(r));
        }
        PYTEST_CONFIG_FILES.contains(&name) && self.stop.as_ref().is_none_or(|s| folder.starts_with(s))
    }
}

/// The candidate config files, in the order pytest looks at them in a folder.
pub const PYTEST_CONFIG_FILES: [&str; 5] = ["pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"];

/// See [`PytestConfig`]. Reads the candidate files (a few small files per folder).
pub fn pytest_config(root: &Utf8Path, dir: &Utf8Path) -> PytestConfig {
    let mut config = PytestConfig::default();
    let mut found: Option<&Utf8Path> = None;
    let mut first_pyproject: Option<&Utf8Path> = None;
    'up: for folder in dir.ancestors() {
        for name in PYTEST_CONFIG_FILES {
            let file = folder.join(name);
            let Ok(text) = std::fs::read_to_string(root.join(&file)) else { continue };
            config.looked_at.push(file);
            if name == "pyproject.toml" && first_pyproject.is_none() {
                first_pyproject = Some(folder);
            }
            if is_pytest_config(name, &text) {
                found = Some(folder);
                break 'up;
            }
        }
    }
    config.stop = found.map(Utf8Path::to_owned);
    config.rootdir = found.or(first_pyproject).map(Utf8Path::to_owned);
    // No config file: pytest takes the first pyproject.toml (pytest 8.1 on), else none.
    if let Some(rootdir) = found.or(first_pyproject) {
        for folder in dir.ancestors().skip(1).take_while(|f| f.starts_with(rootdir)) {
            let file = folder.join("conftest.py");
            if root.join(&file).is_file() {
                config.conftests.push(file);
            }
        }
    }
    config
}

/// Whether a candidate file is a pytest config file (pytest's `locate_config`).
fn is_pytest_config(name: &str, text: &str) -> bool {
    let has_line = |header: &str| text.lines().any(|l| l.trim() == header);
    match name {
        "pytest.ini" | ".pytest.ini" => true,
        "pyproject.toml" => text.lines().any(|l| {
            let l = l.trim();
            l == "[tool.pytest.ini_options]" || l == "[tool.pytest]" || l.starts_with("[tool.pytest.")
        }),
        "tox.ini" => has_line("[pytest]"),
        "setup.cfg" => has_line("[tool:pytest]"),
        _ => false,
    }
}

/// Whether `rel` (a path inside a member's folder, relative to it) is part of what the
/// member installs, so a dependant's run reads it: with a `src/` layout, what is under
/// `src/`; else everything but its tests (`tests/` and `test/` folders, `test_*.py`,
/// `*_test.py`, `conftest.py`) and the files its build does not ship (docs, CI). Its build
/// files (`pyproject.toml`, `setup.py`, `setup.cfg`) always count: they say what it
/// installs and what it requires.
pub fn is_package_file(rel: &Utf8Path, src_layout: bool) -> bool {
    let name = rel.file_name().unwrap_or_default();
    if rel.parent() == Some(Utf8Path::new("")) && matches!(name, "pyproject.toml" | "setup.py" | "setup.cfg") {
        return true;
    }
    if src_layout {
        return rel.starts_with("src");
    }
    let in_tests = rel.parent().is_some_and(|p| p.components().any(|c| matches!(c.as_str(), "tests" | "test")));
    let test_file = name.starts_with("test_") && name.ends_with(".py") || name.ends_with("_test.py");
    let not_shipped = rel.components().next().is_some_and(|c| matches!(c.as_str(), "docs" | ".github"))
        || name.ends_with(".md")
        || name.ends_with(".rst");
    !(in_tests || test_file || name == "conftest.py" || not_shipped)
}

/// One `inputs` glob, relative to the root (`./` and a trailing `/` dropped; `*` is one
/// folder level, `**` any number; one that matches a folder takes in everything under it):
/// the reason when it is not one.
pub fn input_glob(glob: &str) -> Result<crate::glob::Glob, String> {
    let mut pattern = glob.trim();
    while let Some(rest) = pattern.strip_prefix("./") {
        pattern = rest;
    }
    let pattern = pattern.trim_end_matches('/');
    if pattern.is_empty() {
        return Err("it is empty".to_owned());
    }
    if pattern.starts_with('/') || pattern.split('/').any(|part| part == "..") {
        return Err("it leaves the repository root, which it is relative to".to_owned());
    }
    crate::glob::Glob::new(pattern).map_err(|err| err.to_string())
}

/// Whether an environment variable name matches an `env-inputs` pattern (`NAME`, or a
/// prefix ending in `*`).
pub fn env_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::write_test_file as write;

    fn root() -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        (dir, root)
    }

    #[test]
    fn a_comment_changes_no_requirements_digest_and_includes_are_followed() {
        let (_dir, root) = root();
        write(&root, "p/requirements.txt", "attrs  # why\n-r ../shared/req.txt\n");
        write(&root, "shared/req.txt", "iniconfig\n-c pins.txt\n");
        write(&root, "shared/pins.txt", "iniconfig<3\n");
        let items = requirements_files(&root, Utf8Path::new("p/requirements.txt"), Kind::File, "x");
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["p/requirements.txt", "shared/req.txt", "shared/pins.txt"]);
        assert_eq!(items[1].kind, Kind::Include);
        assert_eq!(items[1].from, "p/requirements.txt");
        write(&root, "p/requirements.txt", "# a comment\nattrs\r\n\n-r ../shared/req.txt\n");
        assert_eq!(requirements_files(&root, Utf8Path::new("p/requirements.txt"), Kind::File, "x"), items);
        write(&root, "shared/pins.txt", "iniconfig<2\n");
        let after = requirements_files(&root, Utf8Path::new("p/requirements.txt"), Kind::File, "x");
        assert_ne!(after[2].digest, items[2].digest);
    }

    #[test]
    fn pytest_config_stops_at_the_first_config_file() {
        let (_dir, root) = root();
        write(&root, "pytest.ini", "[pytest]\n");
        write(&root, "conftest.py", "");
        write(&root, "p/a/pyproject.toml", "[project]\nname = \"a\"\n[tool.pytest.ini_options]\n");
        write(&root, "p/b/pyproject.toml", "[project]\nname = \"b\"\n");
        write(&root, "p/conftest.py", "");
        write(&root, "p/tox.ini", "[tox]\n");
        let a = pytest_config(&root, Utf8Path::new("p/a"));
        assert_eq!(a.looked_at, [Utf8PathBuf::from("p/a/pyproject.toml")]);
        assert!(a.conftests.is_empty(), "above its rootdir: {a:?}");
        let b = pytest_config(&root, Utf8Path::new("p/b"));
        assert_eq!(
            b.looked_at,
            ["p/b/pyproject.toml", "p/tox.ini", "pytest.ini"].map(Utf8PathBuf::from),
            "the tox.ini was looked at: a [pytest] section added there would be the config"
        );
        assert_eq!(b.conftests, ["p/conftest.py", "conftest.py"].map(Utf8PathBuf::from));
        std::fs::remove_file(root.join("pytest.ini")).unwrap();
        let b = pytest_config(&root, Utf8Path::new("p/b"));
        assert_eq!(b.looked_at, ["p/b/pyproject.toml", "p/tox.ini"].map(Utf8PathBuf::from));
        assert!(b.conftests.is_empty(), "its own pyproject is its rootdir: {b:?}");
    }

    #[test]
    fn package_files_follow_the_layout() {
        let yes = |p: &str, src| assert!(is_package_file(Utf8Path::new(p), src), "{p}");
        let no = |p: &str, src| assert!(!is_package_file(Utf8Path::new(p), src), "{p}");
        yes("src/m/core.py", true);
        yes("pyproject.toml", true);
        no("tests/test_core.py", true);
        no("README.md", true);
        no("data/x.csv", true);
        yes("m/core.py", false);
        yes("m/data/x.csv", false);
        no("tests/test_x.py", false);
        no("m/tests/helpers.py", false);
        no("test_x.py", false);
        no("x_test.py", false);
        no("conftest.py", false);
        no("README.md", false);
    }

    #[test]
    fn changes_name_the_item_and_its_files() {
        let a = Items(vec![
            Item::value(Kind::Env, "NO_DOCKER", "true", "config"),
            Item::files(Kind::Tree, "p/a", BTreeMap::from([("p/a/x.py".into(), "1".into())]), "p/a"),
        ]);
        let b = Items(vec![
            Item::value(Kind::Env, "NO_DOCKER", "false", "config"),
            Item::files(
                Kind::Tree,
                "p/a",
                BTreeMap::from([("p/a/x.py".into(), "2".into()), ("p/a/y.py".into(), "1".into())]),
                "p/a",
            ),
        ]);
        assert_ne!(a.digest(), b.digest());
        let changes = b.changes(&a);
        assert_eq!(changes.len(), 2);
        assert_eq!(show(changes[0].old.as_deref().unwrap()), "`true`");
        assert_eq!(changes[1].files, ["p/a/x.py", "p/a/y.py"]);
        assert!(a.changes(&a).is_empty());
        assert!(env_matches("CI_*", "CI_JOB") && !env_matches("CI_*", "CIX") && env_matches("A", "A"));
    }
}
