//! The result cache: a suite whose inputs are unchanged since it passed is not run again.
//!
//! A member's key is SHA-256 over everything its pytest run can see, so an equal key means
//! the same run would happen again:
//! - a format version (bumped when what is hashed changes) and the platform (OS and
//!   architecture: wheels, and so results, differ between them);
//! - its files as git sees them: tracked files by their blob id and mode from the index
//!   (no file is read), files changed in the work tree and untracked, non-ignored files by
//!   their content; deleted files drop out. The venv folders this tool manages, and any
//!   member's `.venv`, are left out (they change on every run: bytecode, pytest's cache;
//!   pytest collects no venv). A nested member's files are
//!   its own and not its parent's: the parent's run ignores the nested folder;
//! - the files it reads from outside its folder, by the same ids, as `affected` sees them
//!   (`affected::Inputs`): those matching its `[tool.monorepo].inputs` globs (an invalid
//!   glob is an error naming its pyproject), and those under its `pythonpath` folders; of
//!   a folder that is the root or above the member's own, only the Python files outside
//!   other members' folders, or every file of the repository would be in every such key;
//! - the files pytest reads config from in the member's ancestor folders up to the root
//!   ([`PYTEST_CONFIG_FILES`]: `pytest.ini`, `pyproject.toml`, `tox.ini`, `setup.cfg`,
//!   `conftest.py`), read from disk;
//! - its env's lock (what is installed) and interpreter (the `version`, `version_info` and
//!   `home` lines of the venv's `pyvenv.cfg`, or `none` before there is a venv);
//! - the pytest arguments and `PYTEST_ADDOPTS` / `PYTEST_PLUGINS`, which change what runs;
//! - the keys of its local dependencies, recursively: they are installed editable, so
//!   their code is what its tests import.
//!
//! Git is asked three times per run, whatever the number of members (`ls-files -s`,
//! `diff --name-only`, `ls-files --others`), each run from the root, so its paths are
//! relative to the root even when the repository's top level is above it; each file it
//! lists is then given to its owner and readers once, and read at most once. Outside a git
//! repository there are no keys and caching is off.
//!
//! Records live in `_meta/.cache/test-results/<member>/` (git-ignored; CI saves and
//! restores `_meta/.cache/`): `<key>.json` for a passing run, its JUnit XML beside it as
//! `<key>.xml`, and `duration.json`, the last run's time, pass or fail, which balances
//! shards. The [`KEEP`] most recently used keys are kept per member, so switching branches
//! back and forth still hits. Every write is a temp file and a rename: two runs writing at
//! once leave the last one's record, never a torn one. A record that cannot be read is a
//! miss, never an error.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};

use crate::affected::{Inputs, PYTEST_CONFIG_FILES};
use crate::digest::{self, Hasher};
use crate::exec::{self, Cmd};
use crate::pytest::Counts;
use crate::workspace::Workspace;

/// Where records are kept, relative to the root.
pub const CACHE_DIR: &str = "_meta/.cache/test-results";
/// Recent keys kept per member.
pub const KEEP: usize = 8;
/// Bumped whenever what goes into a key changes, so old records stop matching.
const FORMAT: &str = "xtask-test-results-2";
const DURATION_FILE: &str = "duration.json";
/// A temp file older than this was left by a killed run (a live write takes milliseconds).
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// The inputs keys of a run's members, or why there are none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys {
    /// One per member asked for, in the same order.
    Known(Vec<String>),
    /// Caching is off for this run (not a git repository, say): the caller says so once.
    Off(String),
}

/// The inputs key of each of `members`, or why there is none.
pub fn keys(ws: &Workspace, members: &[usize], pytest_args: &[String]) -> Result<Keys> {
    let inputs = Inputs::new(ws);
    inputs.check()?;
    let mut files = match list_files(&ws.root)? {
        Ok(files) => files,
        Err(reason) => return Ok(Keys::Off(reason)),
    };
    for venv in inputs.venvs() {
        remove_under(&mut files, venv.as_str());
    }

    let mut common = Hasher::default();
    common.part(FORMAT).part(std::env::consts::OS).part(std::env::consts::ARCH);
    common.part(&serde_json::to_string(pytest_args)?);
    for var in ["PYTEST_ADDOPTS", "PYTEST_PLUGINS"] {
        let value = std::env::var_os(var).map(|v| format!("={}", v.to_string_lossy()));
        common.part(&format!("{var}{}", value.as_deref().unwrap_or(" unset")));
    }
    let common = common.finish();

    // The members asked for and, as a key holds its dependencies' keys, theirs. Members are
    // in dependency order: a backward pass marks them all, and the forward pass below finds
    // each dependency's key already computed.
    let mut needed = vec![false; ws.members.len()];
    for &m in members {
        needed[m] = true;
        // What its groups name is installed in its env too (see the end).
        for &g in &ws.members[m].group_deps {
            needed[g] = true;
        }
    }
    for m in (0..ws.members.len()).rev() {
        if needed[m] {
            for &d in &ws.members[m].deps {
                needed[d] = true;
            }
        }
    }
    // Each file is its owner's (the deepest member whose folder holds it: a nested member's
    // files are not its parent's, whose run ignores them), and an input of every member
    // that reads it from outside its folder. One pass, each file asked once.
    let mut own: Vec<Vec<(&str, &Source)>> = vec![Vec::new(); ws.members.len()];
    let mut read: Vec<Vec<(&str, &Source)>> = vec![Vec::new(); ws.members.len()];
    for (path, source) in &files {
        let owner = inputs.owner(Utf8Path::new(path));
        if let Some(m) = owner {
            own[m].push((path, source));
        }
        for (m, _) in inputs.readers(Utf8Path::new(path), owner) {
            read[m].push((path, source));
        }
    }
    let mut read_ids: HashMap<&str, Option<String>> = HashMap::new();
    let mut ancestors: HashMap<Utf8PathBuf, String> = HashMap::new();
    let mut computed: Vec<Option<String>> = vec![None; ws.members.len()];
    for m in (0..ws.members.len()).filter(|&m| needed[m]) {
        let member = &ws.members[m];
        let env = ws.env_of(m);
        let mut h = Hasher::default();
        h.part(&common);
        for (part, paths) in [("files", &own[m]), ("inputs", &read[m])] {
            h.part(part);
            for &(path, source) in paths {
                let id = match source {
                    Source::Index(id) => Some(id.as_str()),
                    Source::WorkTree => {
                        // Read once, however many members read it.
                        if !read_ids.contains_key(path) {
                            match work_tree_id(&ws.root, path) {
                                Ok(id) => read_ids.insert(path, id),
                                Err(reason) => return Ok(Keys::Off(reason)),
                            };
                        }
                        read_ids[path].as_deref()
                    }
                };
                let Some(id) = id else { continue }; // deleted
                h.part(&serde_json::to_string(path)?).part(id);
            }
        }
        h.part("config");
        for dir in member.dir.ancestors().skip(1) {
            let id = ancestors.entry(dir.to_owned()).or_insert_with(|| config_files_id(&ws.root, dir));
            h.part(id);
        }
        h.part("lock").part(&file_id(&ws.root.join(&env.lock)));
        h.part("python").part(&interpreter_id(&ws.root.join(&env.venv)));
        h.part("deps");
        for &d in &member.deps {
            h.part(computed[d].as_deref().expect("dependencies come first"));
        }
        computed[m] = Some(h.finish());
    }
    // A member's groups may name a member that depends on it (a test-group cycle): each
    // key above follows runtime edges only; the members its groups name add theirs here.
    let key = |m: usize| {
        let own = computed[m].clone().expect("computed above");
        if ws.members[m].group_deps.is_empty() {
            return own;
        }
        let mut h = Hasher::default();
        h.part(&own).part("groups");
        for &g in &ws.members[m].group_deps {
            h.part(computed[g].as_deref().expect("marked as needed"));
        }
        h.finish()
    };
    Ok(Keys::Known(members.iter().map(|&m| key(m)).collect()))
}

/// Where a file's content is known from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// The index: its mode and blob id.
    Index(String),
    /// The work tree: changed since the index, or untracked; read it.
    WorkTree,
}

/// The files git sees under `root`, by path relative to it; or, when git cannot tell
/// (not a repository, no git), why.
fn list_files(root: &Utf8Path) -> Result<Result<BTreeMap<String, Source>, String>> {
    // From the root, `ls-files` lists only what is under it and `diff --relative` too,
    // both relative to it, wherever the repository's top level is.
    let git = |args: &[&str]| Cmd::new("git", root).args(args);
    let run = |args: &[&str]| -> Result<Result<String, String>> {
        let cmd = git(args);
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
        files.insert(path.to_owned(), Source::WorkTree);
    }
    Ok(Ok(files))
}

/// `git ls-files -s -z` records (`<mode> <blob> <stage>\t<path>`) by path. A file in a
/// merge conflict has several stages: all of them make its id.
fn parse_staged(output: &str) -> BTreeMap<String, Source> {
    let mut files: BTreeMap<String, Source> = BTreeMap::new();
    for record in output.split('\0') {
        let Some((info, path)) = record.split_once('\t') else { continue };
        let mut fields = info.split(' ');
        let (Some(mode), Some(blob)) = (fields.next(), fields.next()) else { continue };
        let id = format!("{mode} {blob}");
        match files.get_mut(path) {
            Some(Source::Index(known)) => *known = format!("{known} {id}"),
            _ => {
                files.insert(path.to_owned(), Source::Index(id));
            }
        }
    }
    files
}

/// Drops `dir` and everything under it.
fn remove_under(files: &mut BTreeMap<String, Source>, dir: &str) {
    files.remove(dir);
    let prefix = format!("{dir}/");
    let doomed: Vec<String> =
        files.range(prefix.clone()..).take_while(|(p, _)| p.starts_with(&prefix)).map(|(p, _)| p.clone()).collect();
    for path in doomed {
        files.remove(&path);
    }
}

/// The content id of a file in the work tree: `None` when it is gone, an error (which
/// turns caching off) when it is there but cannot be read.
fn work_tree_id(root: &Utf8Path, rel: &str) -> Result<Option<String>, String> {
    let mut ids = Vec::new();
    for path in on_disk(root, rel) {
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(format!("cannot read {rel}: {err}")),
        };
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(|err| format!("cannot read the link {rel}: {err}"))?;
            ids.push(format!("link {}", digest::sha256(target.as_os_str().as_encoded_bytes())));
        } else if meta.is_dir() {
            ids.push("folder".to_owned()); // a submodule: its own commit is in the index
        } else {
            let bytes = std::fs::read(&path).map_err(|err| format!("cannot read {rel}: {err}"))?;
            ids.push(format!("file {}", digest::sha256(&bytes)));
        }
    }
    Ok((!ids.is_empty()).then(|| ids.join(" ")))
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
                    return vec![dir.join(part)];
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

/// The config files pytest may read in `dir` (relative to the root), by name and content.
fn config_files_id(root: &Utf8Path, dir: &Utf8Path) -> String {
    let mut h = Hasher::default();
    h.part(dir.as_str());
    for name in PYTEST_CONFIG_FILES {
        if let Ok(bytes) = std::fs::read(root.join(dir).join(name)) {
            h.part(name).part(&digest::sha256(&bytes));
        }
    }
    h.finish()
}

/// A file's content digest, or `none` when it cannot be read (a lock not written yet).
fn file_id(path: &Utf8Path) -> String {
    std::fs::read(path).map_or_else(|_| "none".to_owned(), |bytes| digest::sha256(&bytes))
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
    lines.join("\n")
}

/// A passing run of a member's suite.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Record {
    pub key: String,
    pub counts: Counts,
    pub seconds: f64,
}

/// The last recorded duration of a member's suite.
#[derive(Serialize, Deserialize)]
struct LastDuration {
    name: String,
    seconds: f64,
}

/// The records of passing runs and the durations of recent ones, in `_meta/.cache/test-results/`.
#[derive(Debug, Clone)]
pub struct ResultCache {
    dir: Utf8PathBuf,
}

impl ResultCache {
    pub fn open(ws: &Workspace) -> ResultCache {
        ResultCache::at(ws.root.join(CACHE_DIR))
    }

    /// A cache kept in `dir`.
    pub fn at(dir: impl Into<Utf8PathBuf>) -> ResultCache {
        ResultCache { dir: dir.into() }
    }

    /// The record of a passing run with this key. Marks it recently used, so pruning keeps it.
    pub fn lookup(&self, member_name: &str, key: &str) -> Option<Record> {
        let path = self.file(member_name, key, "json")?;
        let record: Record = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        if record.key != key || !record.seconds.is_finite() {
            return None;
        }
        let _ = std::fs::File::options().append(true).open(&path).and_then(|f| f.set_modified(SystemTime::now()));
        Some(record)
    }

    /// Records a passing run; `junit` is the suite's JUnit XML file, copied beside the
    /// record so a cached suite can still be reported per test. Keeps the [`KEEP`] most
    /// recently used records of the member and removes older ones with their XML.
    pub fn store(&self, member_name: &str, record: &Record, junit: Option<&Utf8Path>) -> Result<()> {
        let json = self
            .file(member_name, &record.key, "json")
            .with_context(|| format!("`{}` is not a results key", record.key))?;
        let dir = json.parent().expect("a record is in its member's folder");
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {dir}"))?;
        // The XML first: a record that is there always has its XML, when it was given one.
        if let Some(junit) = junit {
            let xml = json.with_extension("xml");
            let bytes = std::fs::read(junit).with_context(|| format!("cannot read {junit}"))?;
            write_atomic(&xml, &bytes)?;
        }
        write_atomic(&json, &serde_json::to_vec_pretty(record)?)?;
        prune(dir);
        Ok(())
    }

    /// The JUnit XML stored with the record of this key, if any.
    pub fn junit_of(&self, member_name: &str, key: &str) -> Option<Utf8PathBuf> {
        self.file(member_name, key, "xml").filter(|p| p.is_file())
    }

    /// Records how long a suite took, pass or fail, for balancing shards.
    pub fn record_duration(&self, member_name: &str, seconds: f64) -> Result<()> {
        if !seconds.is_finite() || seconds < 0.0 {
            return Ok(());
        }
        let dir = self.dir.join(folder_name(member_name));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {dir}"))?;
        let record = LastDuration { name: member_name.to_owned(), seconds };
        write_atomic(&dir.join(DURATION_FILE), &serde_json::to_vec(&record)?)
    }

    /// The last recorded duration of each member, by name.
    pub fn durations(&self) -> HashMap<String, f64> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return HashMap::new() };
        entries
            .flatten()
            .filter_map(|e| {
                serde_json::from_slice::<LastDuration>(&std::fs::read(e.path().join(DURATION_FILE)).ok()?).ok()
            })
            .filter(|d| d.seconds.is_finite() && d.seconds >= 0.0)
            .map(|d| (d.name, d.seconds))
            .collect()
    }

    /// `<dir>/<member>/<key>.<ext>`; `None` for a key that is not one of ours (so it can
    /// never name another path).
    fn file(&self, member_name: &str, key: &str, ext: &str) -> Option<Utf8PathBuf> {
        let ours = !key.is_empty() && key.len() <= 128 && key.bytes().all(|b| b.is_ascii_hexdigit());
        ours.then(|| self.dir.join(folder_name(member_name)).join(format!("{key}.{ext}")))
    }
}

/// A member's folder in the cache: its name made safe for any file system (names may hold
/// spaces, non-ASCII letters, or differ only in case), then a digest that keeps it unique.
fn folder_name(member_name: &str) -> String {
    let safe: String = member_name
        .chars()
        .take(40)
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '_' })
        .collect();
    format!("{safe}-{}", &digest::sha256(member_name.as_bytes())[..12])
}

/// Writes through a temp file of a unique name (two threads or runs may write the same
/// record) and a rename, so a reader never sees half a file.
fn write_atomic(path: &Utf8Path, bytes: &[u8]) -> Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.{}.{n}.xtask-tmp", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {tmp}"))?;
    std::fs::rename(&tmp, path).map_err(|err| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::Error::new(err).context(format!("cannot rename {tmp} to {path}"))
    })
}

/// Keeps the [`KEEP`] most recently used records in a member's folder, removing older ones
/// and their XML, and what killed runs left (old temp files, XML without a record).
/// Best effort: another run may be pruning the same folder.
fn prune(dir: &Utf8Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let now = SystemTime::now();
    let mut records: Vec<(SystemTime, String)> = Vec::new();
    let mut xml: Vec<(SystemTime, String)> = Vec::new();
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else { continue };
        let modified = entry.metadata().and_then(|m| m.modified()).unwrap_or(now);
        let old = now.duration_since(modified).unwrap_or_default() > STALE_TEMP;
        if name.ends_with(".xtask-tmp") {
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        } else if let Some(key) = name.strip_suffix(".json").filter(|_| name != DURATION_FILE) {
            records.push((modified, key.to_owned()));
        } else if let Some(key) = name.strip_suffix(".xml").filter(|_| old) {
            xml.push((modified, key.to_owned()));
        }
    }
    // Newest first; ties by key, so two runs agree on what goes.
    records.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    for (_, key) in records.iter().skip(KEEP) {
        let _ = std::fs::remove_file(dir.join(format!("{key}.json")));
        let _ = std::fs::remove_file(dir.join(format!("{key}.xml")));
    }
    for (_, key) in xml {
        if !records.iter().take(KEEP).any(|(_, k)| *k == key) {
            let _ = std::fs::remove_file(dir.join(format!("{key}.xml")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (tempfile::TempDir, ResultCache) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        (dir, ResultCache::at(root.join(CACHE_DIR)))
    }

    fn record(key: &str, passed: u32) -> Record {
        Record { key: key.to_owned(), counts: Counts { passed, ..Counts::default() }, seconds: 1.5 }
    }

    fn key(n: usize) -> String {
        digest::sha256(n.to_string().as_bytes())
    }

    #[test]
    fn a_stored_record_is_found_by_member_and_key_only() {
        let (_dir, cache) = cache();
        assert_eq!(cache.lookup("model", &key(1)), None);
        cache.store("model", &record(&key(1), 3), None).unwrap();
        assert_eq!(cache.lookup("model", &key(1)), Some(record(&key(1), 3)));
        assert_eq!(cache.lookup("model", &key(2)), None, "another key");
        assert_eq!(cache.lookup("web", &key(1)), None, "another member");
        assert_eq!(cache.junit_of("model", &key(1)), None, "stored without XML");
        // The last write wins.
        cache.store("model", &record(&key(1), 4), None).unwrap();
        assert_eq!(cache.lookup("model", &key(1)).unwrap().counts.passed, 4);
    }

    #[test]
    fn a_corrupt_or_foreign_record_is_a_miss() {
        let (_dir, cache) = cache();
        cache.store("model", &record(&key(1), 3), None).unwrap();
        let path = cache.file("model", &key(1), "json").unwrap();
        std::fs::write(&path, "{\"key\": \"").unwrap();
        assert_eq!(cache.lookup("model", &key(1)), None, "cut short");
        std::fs::write(&path, serde_json::to_vec(&record(&key(2), 1)).unwrap()).unwrap();
        assert_eq!(cache.lookup("model", &key(1)), None, "a record of another key");
        assert_eq!(cache.lookup("model", "../../etc/passwd"), None, "not a key");
        assert!(cache.store("model", &record("../x", 1), None).is_err());
    }

    #[test]
    fn member_names_become_safe_distinct_folder_names() {
        let names = ["model", "Model", "my project", "données", "a/b", "..", ""];
        let folders: Vec<String> = names.iter().map(|n| folder_name(n)).collect();
        for folder in &folders {
            assert!(folder.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{folder}");
        }
        let mut distinct: Vec<String> = folders.iter().map(|f| f.to_lowercase()).collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), names.len(), "{folders:?}");

        let (_dir, cache) = cache();
        cache.store("my project ü", &record(&key(1), 2), None).unwrap();
        cache.record_duration("my project ü", 2.5).unwrap();
        assert_eq!(cache.lookup("my project ü", &key(1)).unwrap().counts.passed, 2);
        assert_eq!(cache.durations(), HashMap::from([("my project ü".to_owned(), 2.5)]));
    }

    #[test]
    fn junit_is_kept_beside_its_record() {
        let (dir, cache) = cache();
        let xml = Utf8PathBuf::try_from(dir.path().join("junit.xml")).unwrap();
        std::fs::write(&xml, "<testsuites/>").unwrap();
        cache.store("model", &record(&key(1), 1), Some(&xml)).unwrap();
        let kept = cache.junit_of("model", &key(1)).unwrap();
        assert_eq!(std::fs::read_to_string(kept).unwrap(), "<testsuites/>");
        assert_eq!(cache.junit_of("model", &key(2)), None);
    }

    #[test]
    fn only_the_most_recently_used_records_are_kept() {
        let (dir, cache) = cache();
        let xml = Utf8PathBuf::try_from(dir.path().join("junit.xml")).unwrap();
        std::fs::write(&xml, "<testsuites/>").unwrap();
        let folder = cache.dir.join(folder_name("model"));
        let age = |key: &str, secs: u64| {
            for ext in ["json", "xml"] {
                let file = std::fs::File::options().append(true).open(folder.join(format!("{key}.{ext}"))).unwrap();
                file.set_modified(SystemTime::now() - Duration::from_secs(secs)).unwrap();
            }
        };
        for n in 0..KEEP {
            cache.store("model", &record(&key(n), 1), Some(&xml)).unwrap();
            age(&key(n), 1000 - n as u64); // stored one after the other: 0 is the oldest
        }
        // Using the oldest makes it recent: the next store prunes the second oldest instead.
        assert!(cache.lookup("model", &key(0)).is_some());
        cache.store("model", &record(&key(KEEP), 1), Some(&xml)).unwrap();
        assert!(cache.lookup("model", &key(0)).is_some());
        assert!(cache.lookup("model", &key(1)).is_none());
        assert!(cache.junit_of("model", &key(1)).is_none(), "its XML goes with it");
        for n in 2..=KEEP {
            assert!(cache.lookup("model", &key(n)).is_some(), "{n}");
            assert!(cache.junit_of("model", &key(n)).is_some(), "{n}");
        }
        let leftovers: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".xtask-tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn durations_are_the_last_recorded_per_member() {
        let (_dir, cache) = cache();
        assert!(cache.durations().is_empty());
        cache.record_duration("model", 1.0).unwrap();
        cache.record_duration("model", 2.0).unwrap();
        cache.record_duration("web", 0.5).unwrap();
        cache.record_duration("web", f64::NAN).unwrap();
        let other = cache.dir.join(folder_name("x"));
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join(DURATION_FILE), "garbage").unwrap();
        assert_eq!(cache.durations(), HashMap::from([("model".to_owned(), 2.0), ("web".to_owned(), 0.5)]));
    }

    #[test]
    fn parses_index_records_with_conflict_stages() {
        let out =
            ["100644 aaa 0\tp/a/x.py", "100755 bbb 0\tp/a/run sh", "100644 c1 1\tp/b/y.py", "100644 c2 2\tp/b/y.py"]
                .join("\0")
                + "\0bad record\0";
        let files = parse_staged(&out);
        assert_eq!(files.get("p/a/x.py"), Some(&Source::Index("100644 aaa".into())));
        assert_eq!(files.get("p/a/run sh"), Some(&Source::Index("100755 bbb".into())));
        assert_eq!(files.get("p/b/y.py"), Some(&Source::Index("100644 c1 100644 c2".into())));
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
        let id = work_tree_id(&root, &lossy).unwrap().unwrap();
        assert_eq!(id, format!("file {}", digest::sha256(b"x = 1\n")));
        assert_eq!(work_tree_id(&root, "p/gone.py"), Ok(None));
    }
}
