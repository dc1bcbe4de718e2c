//! The result cache: a suite whose inputs are unchanged since it passed is not run again.
//!
//! A suite's key is the digest of its input items (`keys.rs`, the one place that says what
//! a suite reads), so an equal key means the same run would happen again. A record keeps
//! the items it was keyed on, so `explain` can say which of them changed since, and the
//! files the run was seen to import from the repository that no item covers (`observed`):
//! a record whose observed files changed is not a hit.
//!
//! Records live in `_meta/.cache/test-results/<member>/` (git-ignored; CI saves and
//! restores `_meta/.cache/`): `<key>.json` for a passing run, its JUnit XML beside it as
//! `<key>.xml`, and `duration.json`, the last run's time, pass or fail, which balances
//! shards. The [`KEEP`] most recently used keys are kept per member, so switching branches
//! back and forth still hits. Every write is a temp file and a rename: two runs writing at
//! once leave the last one's record, never a torn one. A record that cannot be read is a
//! miss, never an error.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::digest;
use crate::inputs::Items;
use crate::pytest::Counts;
use crate::shape;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

/// Where records are kept, relative to the root.
pub const CACHE_DIR: &str = "_meta/.cache/test-results";
/// Recent keys kept per member.
pub const KEEP: usize = 8;
const DURATION_FILE: &str = "duration.json";
const LAST_FILE: &str = "last.json";
/// A temp file older than this was left by a killed run (a live write takes milliseconds).
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// A passing run of a member's suite.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub key: String,
    pub counts: Counts,
    pub seconds: f64,
    /// The input items the key was computed from.
    pub items: Items,
    /// Files under the root the run imported that no item covers, with their digests.
    pub observed: Vec<(String, String)>,
    /// The remote cache this record was fetched from (`None`: a run here recorded it).
    pub fetched_from: Option<String>,
}

shape::serde_struct! { Record {
    key: "key",
    counts: "counts",
    seconds: "seconds",
    items: "items" = default,
    observed: "observed" = default,
    fetched_from: "fetched_from" = default skip_if Option::is_none,
} }

/// The last recorded duration of a member's suite.
struct LastDuration {
    name: String,
    seconds: f64,
}

shape::serde_struct! { LastDuration { name: "name", seconds: "seconds" } }

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

    /// Whether a record of `key` is here (unread: [`ResultCache::lookup`] judges it).
    pub fn holds(&self, member_name: &str, key: &str) -> bool {
        self.file(member_name, key, "json").is_some_and(|path| path.is_file())
    }

    /// Records a passing run; `junit` is the suite's JUnit XML file, copied beside the
    /// record so a cached suite can still be reported per test. Keeps the [`KEEP`] most
    /// recently used records of the member and removes older ones with their XML.
    pub fn store(&self, member_name: &str, record: &Record, junit: Option<&Utf8Path>) -> Result<()> {
        let junit = match junit {
            Some(path) => Some(std::fs::read(path).with_context(|| format!("cannot read {path}"))?),
            None => None,
        };
        self.store_bytes(member_name, record, junit.as_deref())
    }

    /// Keeps a record fetched from the remote cache `from` (its signature checked), with its
    /// JUnit XML: the next run hits it here.
    pub fn store_fetched(&self, member_name: &str, record: &Record, junit: Option<&str>, from: &str) -> Result<()> {
        let record = Record { fetched_from: Some(from.to_owned()), ..record.clone() };
        self.store_bytes(member_name, &record, junit.map(str::as_bytes))
    }

    fn store_bytes(&self, member_name: &str, record: &Record, junit: Option<&[u8]>) -> Result<()> {
        let json = self
            .file(member_name, &record.key, "json")
            .with_context(|| format!("`{}` is not a results key", record.key))?;
        let dir = json.parent().expect("a record is in its member's folder");
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {dir}"))?;
        // The XML first: a record that is there always has its XML, when it was given one.
        if let Some(bytes) = junit {
            write_atomic(&json.with_extension("xml"), bytes)?;
        }
        let bytes = serde_json::to_vec_pretty(record)?;
        write_atomic(&json, &bytes)?;
        write_atomic(&dir.join(LAST_FILE), &bytes)?;
        prune(dir);
        Ok(())
    }

    /// The record of the member's last passing run, whatever its key: what `explain`
    /// compares the inputs of now with.
    pub fn last(&self, member_name: &str) -> Option<Record> {
        let path = self.dir.join(folder_name(member_name)).join(LAST_FILE);
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
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
        } else if let Some(key) = name.strip_suffix(".json").filter(|_| name != DURATION_FILE && name != LAST_FILE) {
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
        Record {
            key: key.to_owned(),
            counts: Counts { passed, ..Counts::default() },
            seconds: 1.5,
            items: Items::default(),
            observed: Vec::new(),
            fetched_from: None,
        }
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
}
