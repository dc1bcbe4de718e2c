//! What each lock and suite of the workspace reads, listed once ([`inputs::Items`]): the
//! lock digests (`lock.rs`), the result cache's keys (`results.rs`), `affected` and
//! `explain` all ask here, so they cannot disagree.
//!
//! A suite (a member's pytest run) reads, and its key covers:
//! - the format of the key and the platform (`tool`), uv's version (`tool`);
//! - its own files (`tree`): every file in its folder as git sees it, by content (git's
//!   blob id: the same bytes give the same id committed or not), untracked files too,
//!   ignored files not; a nested member's folder and every venv are left out; a link is
//!   read through to its target;
//! - the files it reads from outside its folder: those its `inputs` globs match (`glob`),
//!   those under its `pythonpath` folders (`tree`; of a folder at or above its own, only the
//!   Python files outside other members' folders), the folders its `[tool.uv.sources]`
//!   install (`tree`);
//! - the config files pytest reads for it (`file`, see [`inputs::pytest_config`]) and its
//!   `.env` (`file`), which `test-all` loads as `run` does;
//! - its settings (`setting`): `environment`, `pytest-args`, `testpaths`, `pythonpath`,
//!   `timeout`, `runner`, the members nested in it, and the caller's pytest arguments;
//! - the environment variables it declares in `env-inputs` (its own and the config's) and
//!   `PYTEST_ADDOPTS`, `PYTEST_PLUGINS` (`env`); no other variable reaches it unnoticed:
//!   the caller's `PYTHONPATH`, `PYTHONHOME`, `PYTHONSTARTUP`, `PYTHONUSERBASE` are removed
//!   and user site-packages are off (`pytest::command`);
//! - its venv: the interpreter (`interpreter`) and what its lock installs (`lock`);
//! - what each local project installed in its venv provides (`package`): that project's
//!   package files by its layout ([`inputs::is_package_file`]), not its tests, and its own
//!   local dependencies', recursively (computed once per project, in dependency order).
//!
//! A passing run also records the files it was seen to import from the repository
//! (`observed`); a later run is cached only while they are unchanged (`results.rs`), which
//! catches imports by path that no setting declares.
//!
//! Git is asked three times per run, whatever the number of members (`ls-files -s`,
//! `diff --name-only`, `ls-files --others`), and a fourth time, to hash the files changed
//! in the work tree, only when there are some. Outside a git repository there are no keys.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::config::CONFIG_PATH;
use crate::digest::{self, Hasher};
use crate::exec::{self, Cmd};
use crate::glob::GlobSet;
use crate::inputs::{self, Item, Items, Kind, PytestConfig};
use crate::lockfile;
use crate::workspace::{Member, Workspace};

/// Bumped whenever what goes into a suite's key, or what a record may hold, changes, so old
/// records stop matching (4: only a run proven to pass is recorded, never "no tests").
const SUITE_FORMAT: &str = "xtask-test-results-4";
/// Variables pytest reads itself: always inputs.
const PYTEST_VARIABLES: [&str; 2] = ["PYTEST_ADDOPTS", "PYTEST_PLUGINS"];

/// A suite's inputs and its key (their digest).
#[derive(Debug, Clone)]
pub struct SuiteKey {
    pub key: String,
    pub items: Items,
}

/// The keys of a run's suites, or why there are none.
#[derive(Debug, Clone)]
pub enum Keys {
    /// One per member asked for, in the same order.
    Known(Vec<SuiteKey>),
    /// Caching is off for this run (not a git repository, say): the caller says so once.
    Off(String),
}

/// Where a member's settings are written, for `explain`.
pub fn settings_file(ws: &Workspace, member: &Member) -> String {
    let declared = ws.config.declared.contains_key(member.dir.as_str());
    match (member.installable || ws.root.join(&member.dir).join("pyproject.toml").is_file(), declared) {
        (true, false) => format!("{}/pyproject.toml [tool.monorepo]", member.dir),
        (false, _) => format!("{CONFIG_PATH} [member.\"{}\"]", member.dir),
        (true, true) => {
            format!("{}/pyproject.toml [tool.monorepo] or {CONFIG_PATH} [member.\"{}\"]", member.dir, member.dir)
        }
    }
}

/// The inputs key of each of `members`, or why there is none.
pub fn suites(ws: &Workspace, members: &[usize], pytest_args: &[String]) -> Result<Keys> {
    let readers = Readers::new(ws);
    let mut files = match list_files(&ws.root)? {
        Ok(files) => files,
        Err(reason) => return Ok(Keys::Off(reason)),
    };
    for venv in &readers.venvs {
        remove_under(&mut files, venv.as_str());
    }
    if let Err(reason) = hash_work_tree(&ws.root, &mut files) {
        return Ok(Keys::Off(reason));
    }

    // Each file is its owner's (the deepest member whose folder holds it), a package file
    // of its owner or not, and an input of every member that reads it from outside.
    let n = ws.members.len();
    let mut own: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); n];
    let mut package: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); n];
    let mut read: Vec<BTreeMap<(u8, String), BTreeMap<String, String>>> = vec![BTreeMap::new(); n];
    let mut sources: HashMap<&Utf8Path, BTreeMap<String, String>> = HashMap::new();
    for (path, id) in &files {
        let Some(id) = id else { continue }; // deleted
        let file = Utf8Path::new(path);
        let owner = readers.owner(file);
        if let Some(m) = owner {
            own[m].insert(path.clone(), id.clone());
            if readers.is_package_file(m, file) {
                package[m].insert(path.clone(), id.clone());
            }
        }
        for (m, via) in readers.readers(file, owner) {
            let slot = match via {
                Via::Glob(glob) => (0, glob.to_owned()),
                Via::Pythonpath(folder) => (1, folder.to_string()),
                Via::Source(dir) => {
                    sources.entry(dir).or_default().insert(path.clone(), id.clone());
                    continue;
                }
            };
            read[m].entry(slot).or_default().insert(path.clone(), id.clone());
        }
    }

    // A source folder outside the repository (allowed by `external-paths`) is not in git's
    // listing: its files are read from the disk.
    for member in &ws.members {
        for source in member.path_sources.iter().filter(|s| s.dir.starts_with("..") || s.dir.is_absolute()) {
            sources.entry(source.dir.as_path()).or_insert_with(|| outside_tree(&ws.root, &source.dir));
        }
    }

    // What each project installed in a venv provides, in dependency order: its package
    // files, the folders its sources install, and its local dependencies' (recursively).
    let mut provides: Vec<String> = Vec::with_capacity(n);
    for (m, member) in ws.members.iter().enumerate() {
        let mut h = Hasher::default();
        h.part(member.dir.as_str());
        for (path, id) in &package[m] {
            h.part(path).part(id);
        }
        for source in &member.path_sources {
            h.part("source").part(source.dir.as_str());
            for (path, id) in sources.get(source.dir.as_path()).into_iter().flatten() {
                h.part(path).part(id);
            }
        }
        for &d in &member.deps {
            h.part(&provides[d]); // members are in dependency order
        }
        provides.push(h.finish());
    }

    let mut common = Items::default();
    common.push(Item::value(Kind::Tool, "results format", SUITE_FORMAT, "the xtask"));
    common.push(Item::value(Kind::Tool, "pytest plugin", crate::pytest::PLUGIN, "the xtask"));
    let platform = format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH);
    common.push(Item::value(Kind::Tool, "platform", &platform, "this machine"));
    common.push(Item::value(Kind::Tool, "uv", &ws.config.uv, CONFIG_PATH));
    common.push(Item::value(Kind::Setting, "pytest arguments", &serde_json::to_string(pytest_args)?, "command line"));

    let mut keys = Vec::with_capacity(members.len());
    for &m in members {
        let member = &ws.members[m];
        let env = ws.env_of(m);
        let settings = settings_file(ws, member);
        let mut items = common.clone();
        items.push(Item::files(Kind::Tree, member.dir.as_str(), own[m].clone(), "its folder"));
        for ((kind, name), files) in &read[m] {
            let (kind, from) = match kind {
                0 => (Kind::Glob, format!("{settings}: inputs")),
                _ => (Kind::Tree, format!("{settings}: pythonpath")),
            };
            items.push(Item::files(kind, name.as_str(), files.clone(), &from));
        }
        for source in &member.path_sources {
            let files = sources.get(source.dir.as_path()).cloned().unwrap_or_default();
            items.push(Item::files(
                Kind::Tree,
                source.dir.as_str(),
                files,
                &format!("{}/pyproject.toml [tool.uv.sources]", member.dir),
            ));
        }
        let config = &readers.pytest[m]; // read once, when the readers were built
        for file in config.looked_at.iter().chain(&config.conftests).filter(|f| !f.starts_with(&member.dir)) {
            items.push(Item::new(
                Kind::File,
                file.as_str(),
                inputs::file_digest(&ws.root.join(file)),
                "pytest's config",
            ));
        }
        let dotenv = member.dir.join(".env");
        if ws.root.join(&dotenv).exists() {
            items.push(Item::new(
                Kind::File,
                dotenv.as_str(),
                inputs::file_digest(&ws.root.join(&dotenv)),
                "loaded by test-all and run",
            ));
        }
        for item in settings_items(member, &settings) {
            items.push(item);
        }
        for (name, value, from) in env_inputs(ws, member, &settings) {
            items.push(Item::value(Kind::Env, name, value.as_deref().unwrap_or("(unset)"), from));
        }
        let venv = ws.root.join(&env.venv);
        items.push(Item::new(Kind::Interpreter, "python", interpreter_id(&venv), env.venv.as_str()));
        items.push(Item::new(
            Kind::Lock,
            env.lock.as_str(),
            lock_id(&ws.root.join(&env.lock)),
            format!("env `{}`", env.name),
        ));
        // What the other local projects in its venv provide: its own local dependencies
        // (runtime and through its groups), and a shared env's other members with theirs.
        let mut installed: Vec<usize> = Vec::new();
        for &x in &env.members {
            if x != m {
                installed.push(x);
            }
            installed.extend(&ws.members[x].deps);
            installed.extend(&ws.members[x].group_deps);
        }
        installed.sort_unstable();
        installed.dedup();
        for d in installed.into_iter().filter(|&d| d != m) {
            let dep = &ws.members[d];
            items.push(Item::new(Kind::Package, dep.name.as_str(), provides[d].as_str(), dep.dir.as_str()));
        }
        keys.push(SuiteKey { key: items.digest(), items });
    }
    Ok(Keys::Known(keys))
}

/// The member's settings that change what its run does.
fn settings_items(member: &Member, from: &str) -> Vec<Item> {
    let tests = &member.pyproject.tests;
    let mut out = vec![
        Item::value(Kind::Setting, "pytest-args", &json(&tests.pytest_args), from),
        Item::value(Kind::Setting, "testpaths", &json(&tests.testpaths), from),
        Item::value(Kind::Setting, "pythonpath", &json(&member.pythonpath), from),
        Item::value(Kind::Setting, "runner", &format!("{:?}", tests.runner), from),
        Item::value(Kind::Setting, "timeout", &json(&member.pyproject.timeout), from),
        Item::value(Kind::Setting, "nested projects", &json(&member.nested), "the members' folders"),
    ];
    for (key, value) in &tests.environment {
        out.push(Item::value(Kind::Setting, format!("environment.{key}"), value, from));
    }
    out
}

/// A setting's value as JSON, for its digest.
fn json<T: serde_core::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The environment variables a member's run declares it reads, with their values now and
/// where each is declared: pytest's own, the config's `env-inputs`, the member's.
pub fn env_inputs(ws: &Workspace, member: &Member, settings: &str) -> Vec<(String, Option<String>, String)> {
    let mut patterns: Vec<(&str, String)> = PYTEST_VARIABLES.iter().map(|v| (*v, "pytest".to_owned())).collect();
    patterns.extend(ws.config.env_inputs.iter().map(|p| (p.as_str(), format!("{CONFIG_PATH}: env-inputs"))));
    patterns.extend(member.pyproject.tests.env_inputs.iter().map(|p| (p.as_str(), format!("{settings}: env-inputs"))));
    let mut out: BTreeMap<String, (Option<String>, String)> = BTreeMap::new();
    for (pattern, from) in patterns {
        if pattern.ends_with('*') {
            for (name, value) in std::env::vars_os() {
                let Some(name) = name.to_str() else { continue };
                if inputs::env_matches(pattern, name) {
                    out.entry(name.to_owned()).or_insert((Some(value.to_string_lossy().into_owned()), from.clone()));
                }
            }
        } else {
            let value = std::env::var_os(pattern).map(|v| v.to_string_lossy().into_owned());
            out.entry(pattern.to_owned()).or_insert((value, from.clone()));
        }
    }
    out.into_iter().map(|(name, (value, from))| (name, value, from)).collect()
}

/// What a lock installs, by [`lockfile::body_digest`]; `missing` before it exists.
fn lock_id(path: &Utf8Path) -> String {
    std::fs::read_to_string(path).map_or_else(|_| "missing".to_owned(), |text| lockfile::body_digest(&text))
}

/// The interpreter a venv runs, from its `pyvenv.cfg`: `none` before there is a venv.
fn interpreter_id(venv: &Utf8Path) -> String {
    let Ok(cfg) = std::fs::read_to_string(venv.join("pyvenv.cfg")) else { return "none".to_owned() };
    let mut lines: Vec<String> = cfg
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| matches!(k.trim(), "version" | "version_info" | "home"))
        .map(|(k, v)| format!("{}={}", k.trim(), v.trim()))
        .collect();
    lines.sort();
    digest::text(&lines.join("\n"))
}

/// How a member reads a file outside its own folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via<'a> {
    /// It matches this one of the member's `inputs` globs.
    Glob(&'a str),
    /// It is under this folder of the member's `pythonpath`.
    Pythonpath(&'a Utf8Path),
    /// It is under this folder that the member's `[tool.uv.sources]` install.
    Source(&'a Utf8Path),
}

/// What each member's run reads by path, built once for a run and asked per file in time
/// proportional to the file's depth (plus one glob-set match), never per member: whose
/// folder a file is in ([`Readers::owner`]), whether it is part of what that member
/// installs ([`Readers::is_package_file`]), and which members read it from outside their
/// folder ([`Readers::readers`]).
pub(crate) struct Readers<'a> {
    ws: &'a Workspace,
    /// Member folders, to the member.
    dirs: HashMap<&'a Utf8Path, usize>,
    /// Whether each member has a `src/` layout.
    src_layout: Vec<bool>,
    /// The managed venvs, the `.venv` links to shared ones, and every member's `.venv`
    /// (one the xtask did not make, too: pytest never collects a venv): no one's input.
    pub(crate) venvs: HashSet<Utf8PathBuf>,
    /// Each `pythonpath` folder, to the members with it and whether it is broad (the root,
    /// or the member's own folder or one above it).
    pythonpath: HashMap<&'a Utf8Path, Vec<(usize, bool)>>,
    /// Each folder `[tool.uv.sources]` install, to the members that name it.
    sources: HashMap<&'a Utf8Path, Vec<usize>>,
    /// Where pytest looks for each member's config.
    pytest: Vec<PytestConfig>,
    /// Every member's `inputs` globs, and the member and glob of each.
    globs: GlobSet,
    glob_of: Vec<(usize, &'a str)>,
}

impl<'a> Readers<'a> {
    pub(crate) fn new(ws: &'a Workspace) -> Readers<'a> {
        let dirs = ws.members.iter().enumerate().map(|(m, member)| (member.dir.as_path(), m)).collect();
        let src_layout = ws.members.iter().map(|m| ws.root.join(&m.dir).join("src").is_dir()).collect();
        let venvs = venv_folders(ws).collect();
        let mut pythonpath: HashMap<&Utf8Path, Vec<(usize, bool)>> = HashMap::new();
        let mut sources: HashMap<&Utf8Path, Vec<usize>> = HashMap::new();
        let mut pytest: Vec<PytestConfig> = Vec::with_capacity(ws.members.len());
        let mut set = Vec::new();
        let mut glob_of = Vec::new();
        let mut configs: HashMap<&Utf8Path, PytestConfig> = HashMap::new();
        for (m, member) in ws.members.iter().enumerate() {
            for folder in &member.pythonpath {
                let broad = member.dir.starts_with(folder);
                let readers = pythonpath.entry(folder.as_path()).or_default();
                if !readers.iter().any(|&(r, _)| r == m) {
                    readers.push((m, broad));
                }
            }
            for source in &member.path_sources {
                sources.entry(source.dir.as_path()).or_default().push(m);
            }
            // Checked when the workspace loads: every glob here is valid.
            for glob in &member.pyproject.tests.inputs {
                if let Ok(built) = inputs::input_glob(glob) {
                    set.push(built);
                    glob_of.push((m, glob.as_str()));
                }
            }
            let config =
                configs.entry(member.dir.as_path()).or_insert_with(|| inputs::pytest_config(&ws.root, &member.dir));
            pytest.push(config.clone());
        }
        let globs = GlobSet::new(set);
        Readers { ws, dirs, src_layout, venvs, pythonpath, sources, pytest, globs, glob_of }
    }

    /// The member whose folder holds `file`: the deepest, when member folders nest.
    pub(crate) fn owner(&self, file: &Utf8Path) -> Option<usize> {
        file.ancestors().find_map(|dir| self.dirs.get(dir).copied())
    }

    /// The members whose pytest runs read `file` as config (or would, had it been there: a
    /// file deleted counts where pytest looks for it): see [`PytestConfig::covers`]. Asked
    /// of changed files only; linear in the members for a config file's name.
    pub(crate) fn pytest_readers(&self, file: &Utf8Path, owner: Option<usize>) -> Vec<usize> {
        let (Some(folder), Some(name)) = (file.parent(), file.file_name()) else { return Vec::new() };
        if !(name == "conftest.py" || inputs::PYTEST_CONFIG_FILES.contains(&name)) {
            return Vec::new();
        }
        (0..self.ws.members.len())
            .filter(|&m| Some(m) != owner)
            .filter(|&m| self.ws.members[m].dir.starts_with(folder) && self.pytest[m].covers(folder, name))
            .collect()
    }

    /// Whether `file`, in member `m`'s folder, is part of what `m` installs.
    pub(crate) fn is_package_file(&self, m: usize, file: &Utf8Path) -> bool {
        let member = &self.ws.members[m];
        member.installable
            && file.strip_prefix(&member.dir).is_ok_and(|rel| inputs::is_package_file(rel, self.src_layout[m]))
    }

    /// The members that read `file` from outside their own folder, each once per way, with
    /// how. `owner` is [`Readers::owner`] of `file`: a member never reads its own files
    /// this way (they are its own already).
    pub(crate) fn readers(&self, file: &Utf8Path, owner: Option<usize>) -> Vec<(usize, Via<'a>)> {
        let mut out: Vec<(usize, Via<'a>)> = Vec::new();
        if file.ancestors().skip(1).any(|dir| self.venvs.contains(dir)) {
            return out;
        }
        let mut add = |m: usize, via: Via<'a>| {
            if Some(m) != owner && !out.contains(&(m, via)) {
                out.push((m, via));
            }
        };
        if !self.glob_of.is_empty() {
            // A glob naming a folder takes in what is in it, as in `.gitignore`.
            for path in file.ancestors().filter(|p| !p.as_str().is_empty()) {
                for ix in self.globs.matches(path.as_str()) {
                    let (m, glob) = self.glob_of[ix];
                    add(m, Via::Glob(glob));
                }
            }
        }
        let python = file.extension() == Some("py");
        // The owner's folder, when it is inside a broad folder, is another member's code:
        // a folder at or above a member's own would otherwise make every change in the
        // repository touch it (each member's sources, its tests, its docs).
        let owner_dir = owner.map(|o| self.ws.members[o].dir.as_path());
        for dir in file.ancestors().skip(1) {
            if let Some((folder, members)) = self.sources.get_key_value(dir) {
                for &m in members {
                    add(m, Via::Source(folder));
                }
            }
            let Some((folder, readers)) = self.pythonpath.get_key_value(dir) else { continue };
            let in_other_member = owner_dir.is_some_and(|o| o != *folder && o.starts_with(folder));
            for &(m, broad) in readers {
                if !broad || (python && !in_other_member) {
                    add(m, Via::Pythonpath(folder));
                }
            }
        }
        out
    }
}

/// The files git sees under `root`, by path relative to it, with their content id (`None`:
/// deleted); or, when git cannot tell (not a repository, no git), why. Files unchanged
/// since the index have git's id (mode and blob), the others `None` until
/// [`hash_work_tree`].
type Files = BTreeMap<String, Option<String>>;

fn list_files(root: &Utf8Path) -> Result<Result<Files, String>> {
    // From the root, `ls-files` lists only what is under it and `diff --relative` too,
    // both relative to it, wherever the repository's top level is.
    let run = |args: &[&str]| -> Result<Result<String, String>> {
        let cmd = Cmd::new("git", root).args(args);
        match exec::read(&cmd) {
            Ok(done) if done.success => Ok(Ok(done.stdout)),
            Ok(done) => {
                let why = done.stderr.lines().next().unwrap_or("").trim().trim_start_matches("fatal: ");
                Ok(Err(format!("`{}` failed: {why}", cmd.display())))
            }
            Err(err) if crate::interrupt::of(&err).is_some() => Err(err),
            Err(err) => Ok(Err(format!("{err:#}"))),
        }
    };
    let staged = match run(&["ls-files", "-s", "-z"])? {
        Ok(out) => out,
        Err(why) if why.contains("not a git repository") => {
            return Ok(Err(format!("{root} is not in a git repository")));
        }
        Err(why) => return Ok(Err(why)),
    };
    let changed = match run(&["diff", "--name-only", "--relative", "--no-renames", "--no-ext-diff", "-z"])? {
        Ok(out) => out,
        Err(why) => return Ok(Err(why)),
    };
    let untracked = match run(&["ls-files", "--others", "--exclude-standard", "-z"])? {
        Ok(out) => out,
        Err(why) => return Ok(Err(why)),
    };
    let mut files = parse_staged(&staged);
    for path in changed.split('\0').chain(untracked.split('\0')).filter(|p| !p.is_empty()) {
        files.insert(path.to_owned(), None);
    }
    Ok(Ok(files))
}

/// `git ls-files -s -z` records (`<mode> <blob> <stage>\t<path>`) by path. A file in a
/// merge conflict has several stages: all of them make its id.
fn parse_staged(output: &str) -> Files {
    let mut files: Files = BTreeMap::new();
    for record in output.split('\0') {
        let Some((info, path)) = record.split_once('\t') else { continue };
        let mut fields = info.split(' ');
        let (Some(mode), Some(blob)) = (fields.next(), fields.next()) else { continue };
        let id = format!("{mode} {blob}");
        match files.get_mut(path) {
            Some(Some(known)) => *known = format!("{known} {id}"),
            _ => {
                files.insert(path.to_owned(), Some(id));
            }
        }
    }
    files
}

/// Drops `dir` and everything under it.
fn remove_under(files: &mut Files, dir: &str) {
    files.remove(dir);
    let prefix = format!("{dir}/");
    let doomed: Vec<String> =
        files.range(prefix.clone()..).take_while(|(p, _)| p.starts_with(&prefix)).map(|(p, _)| p.clone()).collect();
    for path in doomed {
        files.remove(&path);
    }
}

/// Gives every file changed in the work tree (or untracked) its id, as git would store it:
/// `git hash-object` (its filters applied, so `core.autocrlf` agrees with the index) for
/// regular files, in one call; a link by its target; a file gone is dropped. Links already
/// in the index are read through too: a link's key covers what it points to.
fn hash_work_tree(root: &Utf8Path, files: &mut Files) -> Result<(), String> {
    let mut regular: Vec<String> = Vec::new();
    let mut gone: Vec<String> = Vec::new();
    for (path, id) in files.iter_mut() {
        if id.as_ref().is_some_and(|id| id.starts_with("120000 ")) {
            let target =
                link_target_id(&root.as_std_path().join(path)).map_err(|e| format!("cannot read {path}: {e}"))?;
            *id = id.take().map(|id| format!("{id} {target}"));
            continue;
        }
        if id.is_some() {
            continue;
        }
        let paths = on_disk(root, path);
        let Some(full) = paths.first() else {
            gone.push(path.clone());
            continue;
        };
        let meta = match std::fs::symlink_metadata(full) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                gone.push(path.clone());
                continue;
            }
            Err(err) => return Err(format!("cannot read {path}: {err}")),
        };
        if meta.file_type().is_symlink() {
            let link = std::fs::read_link(full).map_err(|e| format!("cannot read the link {path}: {e}"))?;
            let target = link_target_id(full).map_err(|e| format!("cannot read {path}: {e}"))?;
            *id = Some(format!("link {} {target}", digest::sha256(link.as_os_str().as_encoded_bytes())));
        } else if meta.is_dir() {
            *id = Some("folder".to_owned()); // a submodule: its own commit is in the index
        } else if paths.len() > 1 || path.contains('\u{FFFD}') || path.contains('\n') {
            // A name git printed lossily: read it ourselves.
            let mut ids = Vec::new();
            for p in &paths {
                let bytes = std::fs::read(p).map_err(|err| format!("cannot read {path}: {err}"))?;
                ids.push(format!("file {}", digest::sha256(&bytes)));
            }
            *id = Some(ids.join(" "));
        } else {
            regular.push(path.clone());
        }
    }
    for path in gone {
        files.remove(&path);
    }
    if regular.is_empty() {
        return Ok(());
    }
    // Absolute: git reads `--stdin-paths` from its top level, which may be above the root.
    let absolute: Vec<String> = regular.iter().map(|p| root.join(p).into_string()).collect();
    let cmd = Cmd::new("git", root).args(["hash-object", "--stdin-paths"]).stdin(absolute.join("\n") + "\n");
    let done = exec::read(&cmd).map_err(|err| format!("{err:#}"))?;
    if !done.success {
        return Err(format!("`git hash-object` failed: {}", done.stderr.lines().next().unwrap_or("")));
    }
    let blobs: Vec<&str> = done.stdout.lines().collect();
    if blobs.len() != regular.len() {
        return Err("`git hash-object` did not hash every file".to_owned());
    }
    for (path, blob) in regular.iter().zip(blobs) {
        let mode = if is_executable(&root.join(path)) { "100755" } else { "100644" };
        files.insert(path.clone(), Some(format!("{mode} {blob}")));
    }
    Ok(())
}

#[cfg(unix)]
fn is_executable(path: &Utf8Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Utf8Path) -> bool {
    false
}

/// What a link points to, by content: a file's digest, a folder's files (links not
/// followed further, venvs and hidden folders skipped), or `dangling`.
fn link_target_id(link: &std::path::Path) -> std::io::Result<String> {
    let Ok(meta) = std::fs::metadata(link) else { return Ok("dangling".to_owned()) };
    if meta.is_file() {
        return Ok(format!("to {}", digest::sha256(&std::fs::read(link)?)));
    }
    let mut h = Hasher::default();
    let mut stack = vec![(link.to_path_buf(), String::new())];
    let mut count = 0;
    while let Some((dir, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)?.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{rel}/{name}");
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() && !name.starts_with('.') && name != "__pycache__" && name != "node_modules" {
                stack.push((entry.path(), path));
            } else if kind.is_file() && count < 20_000 {
                count += 1;
                h.part(&path).part(&digest::sha256(&std::fs::read(entry.path())?));
            }
        }
    }
    Ok(format!("to folder {}", h.finish()))
}

/// The files a path from git names. Git's output reaches us as lossy UTF-8 (see
/// `exec::read`), so a name that is not UTF-8 shows U+FFFD: such a name is found by
/// listing its folder. Usually exactly one path; none when it is gone.
fn on_disk(root: &Utf8Path, rel: &str) -> Vec<PathBuf> {
    let mut found = vec![root.as_std_path().to_path_buf()];
    for part in rel.split('/') {
        found = found
            .into_iter()
            .flat_map(|dir| {
                if !part.contains('\u{FFFD}') {
                    let path = dir.join(part);
                    return if std::fs::symlink_metadata(&path).is_ok() { vec![path] } else { vec![] };
                }
                let mut hits: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy() == part)
                    .map(|e| e.path())
                    .collect();
                hits.sort();
                hits
            })
            .collect();
    }
    found
}

/// The managed venvs, the `.venv` links to shared ones, and every member's `.venv` (one
/// the xtask did not make, too: pytest never collects a venv): no one's input.
fn venv_folders(ws: &Workspace) -> impl Iterator<Item = Utf8PathBuf> + '_ {
    let managed = ws.envs.iter().flat_map(|e| std::iter::once(&e.venv).chain(&e.links)).cloned();
    managed.chain(ws.members.iter().map(|m| m.dir.join(".venv")))
}

/// The observed inputs of a passing run: the files under the root it imported (read from
/// the list pytest's plugin wrote), outside the member's folder and every venv, each with
/// its content digest.
pub fn observed(ws: &Workspace, m: usize, imported: &[PathBuf]) -> Vec<(String, String)> {
    let venvs: Vec<Utf8PathBuf> = venv_folders(ws).collect();
    let root = std::fs::canonicalize(&ws.root).unwrap_or_else(|_| ws.root.as_std_path().to_path_buf());
    let own = &ws.members[m].dir;
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for file in imported {
        let file = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
        let Ok(rel) = file.strip_prefix(&root) else { continue };
        let Some(rel) = rel.to_str().map(|r| r.replace('\\', "/")) else { continue };
        let rel = Utf8PathBuf::from(rel);
        if rel.starts_with(own) && !own.as_str().is_empty() {
            continue;
        }
        if venvs.iter().any(|v| rel.starts_with(v)) || rel.starts_with(crate::config::TOOLS_DIR) {
            continue;
        }
        out.insert(rel.to_string(), inputs::file_digest(&ws.root.join(&rel)));
    }
    out.into_iter().collect()
}

/// The first observed input whose content differs now, if any.
pub fn observed_change(ws: &Workspace, observed: &[(String, String)]) -> Option<(String, String, String)> {
    ObservedDigests::default().change(ws, observed)
}

/// The observed inputs' digests, each file read once per run: a run's suites import many
/// of the same files (their local dependencies'), and each cached one checks all of its.
#[derive(Debug, Default)]
pub struct ObservedDigests(std::sync::Mutex<HashMap<String, String>>);

impl ObservedDigests {
    /// [`observed_change`], reading each file at most once for all the calls on `self`.
    pub fn change(&self, ws: &Workspace, observed: &[(String, String)]) -> Option<(String, String, String)> {
        observed.iter().find_map(|(path, was)| {
            let now = self.digest(ws, path);
            (now != *was).then(|| (path.clone(), was.clone(), now))
        })
    }

    fn digest(&self, ws: &Workspace, path: &str) -> String {
        let known = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(path).cloned();
        known.unwrap_or_else(|| {
            let now = inputs::file_digest(&ws.root.join(path));
            let mut known = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            known.entry(path.to_owned()).or_insert(now).clone()
        })
    }
}

/// Reads the lists of imported files a suite's plugin wrote into `folder` (one path a
/// line; each process of the run, pytest-xdist's workers too, writes its own), then removes
/// the folder. `None` when no process wrote one: what the run imported is unknown.
pub fn read_imported(folder: &Utf8Path) -> Option<Vec<PathBuf>> {
    let mut out: Option<Vec<PathBuf>> = None;
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            out.get_or_insert_with(Vec::new).extend(text.lines().filter(|l| !l.is_empty()).map(PathBuf::from));
        }
    }
    let _ = std::fs::remove_dir_all(folder);
    out
}

/// The files of a folder outside the repository, by content (`dir`-relative paths under
/// `dir`): what git cannot list. Venvs, `.git`, caches and build metadata are left out,
/// as git's ignores would leave them out inside.
fn outside_tree(root: &Utf8Path, dir: &Utf8Path) -> BTreeMap<String, String> {
    fn walk(base: &std::path::Path, rel: &Utf8Path, out: &mut BTreeMap<String, String>, shown: &Utf8Path) {
        let Ok(entries) = std::fs::read_dir(base.join(rel.as_std_path())) else { return };
        for entry in entries.flatten() {
            let Ok(name) = entry.file_name().into_string() else { continue };
            let path = rel.join(&name);
            let full = entry.path();
            if full.is_dir() {
                let skipped = matches!(name.as_str(), ".git" | "__pycache__" | "node_modules" | ".venv" | ".tox")
                    || name.ends_with(".egg-info")
                    || full.join("pyvenv.cfg").is_file();
                if !skipped {
                    walk(base, &path, out, shown);
                }
            } else if let Ok(bytes) = std::fs::read(&full) {
                out.insert(format!("{shown}/{path}"), digest::sha256(&bytes));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root.join(dir).as_std_path(), Utf8Path::new(""), &mut out, dir);
    out
}

/// The input items of every lock, layers (in layer order) and envs.
pub struct LockItems {
    pub layers: Vec<Items>,
    pub envs: Vec<Items>,
}

/// What each lock is compiled from (`lock::input` builds what uv is given from the same
/// workspace): the recipe (`recipe` and `flags`, and uv's version), the Python, the index
/// options and cut-off; each layer input file and what it includes, by its requirement
/// lines; the locks of the layers under it (their digest and content); and for an env,
/// each member and local project it installs, by a *closure digest*: the member's
/// pyproject (or a unit's settings and requirements file, with what that includes), the
/// pyprojects of the folders its sources install, and its local dependencies' closure
/// digests. Each member's closure digest is computed once, in dependency order, so
/// planning is linear in the size of the graph.
pub fn locks(ws: &Workspace, recipe: &str, flags: &str) -> LockItems {
    let layer_locks: Vec<String> = ws
        .layers
        .iter()
        .map(|l| {
            std::fs::read_to_string(ws.root.join(l.lock())).map_or_else(|_| "missing".to_owned(), |t| digest::text(&t))
        })
        .collect();
    let mut closure: Vec<String> = Vec::with_capacity(ws.members.len());
    for member in &ws.members {
        let mut h = Hasher::default();
        h.part(member.dir.as_str()).part(&member.pyproject_digest);
        // What a unit's requirements file includes (`-r`, `-c`), wherever it is.
        if let Some(file) = &member.requirements {
            for item in inputs::requirements_files(&ws.root, file, Kind::File, "").iter().skip(1) {
                h.part("include").part(&item.name).part(&item.digest);
            }
        }
        // A folder its sources name is installed from there: its pyproject is an input.
        for source in &member.path_sources {
            let text = std::fs::read_to_string(ws.root.join(&source.dir).join("pyproject.toml")).unwrap_or_default();
            h.part("source").part(source.dir.as_str()).part(if source.editable { "editable" } else { "plain" });
            h.part(&digest::text(&text));
        }
        if !member.installable {
            h.part("not installed");
        }
        for &dep in &member.deps {
            h.part(&closure[dep]); // members are in dependency order
        }
        closure.push(h.finish());
    }
    let common = |python: &str, index: String| {
        let mut items = Items::default();
        items.push(Item::value(Kind::Tool, "lock recipe", &format!("{recipe} {flags}"), "the xtask"));
        items.push(Item::value(Kind::Tool, "uv", &ws.config.uv, CONFIG_PATH));
        items.push(Item::value(Kind::Setting, "python", python, CONFIG_PATH));
        items.push(Item::value(
            Kind::Setting,
            "exclude-newer",
            ws.config.exclude_newer.as_deref().unwrap_or(""),
            CONFIG_PATH,
        ));
        items.push(Item::value(Kind::Setting, "index options", &index, CONFIG_PATH));
        items
    };
    let on_layers = |items: &mut Items, layers: &[usize], done: &[Items]| {
        for &l in layers {
            items.0.extend(ws.layers[l].input_items.iter().cloned());
        }
        // Constraints: every layer below, by its final digest and content.
        for &l in layers.iter().filter(|&&l| l < done.len()) {
            let both = format!("{} {}", done[l].digest(), layer_locks[l]);
            items.push(Item::new(Kind::Lock, ws.layers[l].lock().as_str(), digest::text(&both), "constrains it"));
        }
    };
    let index_of = |layers: &[usize]| {
        let mut index = lockfile::IndexOptions::from_config(&ws.config);
        for &l in layers {
            index.merge(&ws.layers[l].index);
        }
        index.lines()
    };
    let mut layers: Vec<Items> = Vec::with_capacity(ws.layers.len());
    for (ix, layer) in ws.layers.iter().enumerate() {
        let mut own = layer.extends.clone();
        own.push(ix);
        let mut items = common(&crate::venv::version_of_request(&ws.config.python), index_of(&own));
        on_layers(&mut items, &own, &layers);
        layers.push(items);
    }
    let envs = ws
        .envs
        .iter()
        .map(|env| {
            let mut items = common(&crate::venv::version_of_request(&env.python), index_of(&env.layers));
            on_layers(&mut items, &env.layers, &layers);
            for &m in &env.members {
                let member = &ws.members[m];
                items.push(Item::new(
                    Kind::Package,
                    member.name.as_str(),
                    closure[m].as_str(),
                    format!("{}", member.dir),
                ));
                // What its groups name is installed too.
                for &g in &member.group_deps {
                    let dep = &ws.members[g];
                    items.push(Item::new(
                        Kind::Package,
                        format!("{} (group)", dep.name),
                        closure[g].as_str(),
                        dep.dir.as_str(),
                    ));
                }
                let from = settings_file(ws, member);
                items.push(Item::value(
                    Kind::Setting,
                    format!("{} extras", member.name),
                    &member.pyproject.extras.join(","),
                    from.as_str(),
                ));
                items.push(Item::value(
                    Kind::Setting,
                    format!("{} groups", member.name),
                    &member.pyproject.group_requirements.join("\n"),
                    from.as_str(),
                ));
                // Its requirements files, installed with it, and what they include.
                for file in &member.requirements_beside {
                    items.0.extend(inputs::requirements_files(&ws.root, file, Kind::File, member.dir.as_str()));
                }
            }
            items
        })
        .collect();
    LockItems { layers, envs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_index_records_with_conflict_stages() {
        let out =
            ["100644 aaa 0\tp/a/x.py", "100755 bbb 0\tp/a/run sh", "100644 c1 1\tp/b/y.py", "100644 c2 2\tp/b/y.py"]
                .join("\0")
                + "\0bad record\0";
        let files = parse_staged(&out);
        assert_eq!(files.get("p/a/x.py"), Some(&Some("100644 aaa".into())));
        assert_eq!(files.get("p/a/run sh"), Some(&Some("100755 bbb".into())));
        assert_eq!(files.get("p/b/y.py"), Some(&Some("100644 c1 100644 c2".into())));
        assert_eq!(files.len(), 3);
    }

    #[test]
    fn a_managed_folder_is_removed_with_its_insides_only() {
        let mut files =
            parse_staged(&["1 a 0\tp/.venv", "1 b 0\tp/.venv/x", "1 c 0\tp/.venv-not", "1 d 0\tp/.venvx/y"].join("\0"));
        remove_under(&mut files, "p/.venv");
        assert_eq!(files.keys().collect::<Vec<_>>(), ["p/.venv-not", "p/.venvx/y"]);
    }

    #[cfg(unix)]
    #[test]
    fn finds_a_file_whose_name_is_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.py");
        std::fs::create_dir(root.join("p")).unwrap();
        std::fs::write(root.join("p").as_std_path().join(name), "x = 1\n").unwrap();
        let lossy = format!("p/{}", name.to_string_lossy());
        let mut files: Files = BTreeMap::from([(lossy.clone(), None), ("p/gone.py".to_owned(), None)]);
        hash_work_tree(&root, &mut files).unwrap();
        assert_eq!(files.get(&lossy), Some(&Some(format!("file {}", digest::sha256(b"x = 1\n")))));
        assert!(!files.contains_key("p/gone.py"), "a file gone is dropped");
    }
}
