//! The remote result cache: results shared by a team and its CI runners through a server
//! they already run, speaking the HTTP cache protocol Bazel uses (`GET` and `PUT` of
//! objects under `/ac/` and `/cas/`), which bazel-remote (with
//! `--disable_http_ac_validation`), nginx's WebDAV module and object-store gateways serve.
//!
//! An entry is the local cache's record of a passing run (`results::Record`) under
//! `/ac/<sha256 of member and key>`, its JUnit XML under `/cas/<sha256 of the XML>`. The key
//! is the input model's result key, so the remote cache is exactly as sound as the local one.
//! Entries are signed (HMAC-SHA256 under `XTASK_REMOTE_CACHE_SIGNING_KEY`, over the entry's
//! place, its record and its JUnit digest, as Turborepo signs its artifacts): an unsigned,
//! tampered or moved entry is ignored with a warning, never trusted; without a signing key
//! the remote cache is off. A `PUT` sends the JUnit first and the entry last, so a stopped
//! run leaves no entry pointing at nothing.
//!
//! The cache being down never fails a run: every request has short timeouts, the first
//! failure turns the remote cache off for the rest of the run with one warning, and the
//! run goes on with the local cache. Requests go through `curl` (on every CI image, in
//! macOS, and in Windows 10 and later), which keeps TLS and proxies out of the xtask's
//! build; the bearer token (`XTASK_REMOTE_CACHE_TOKEN`) is passed on curl's standard input,
//! never on its command line. Processes are few: one curl asks for every entry a run may
//! need before it starts (`--parallel`, on one connection pool), and one curl uploads each
//! passing suite's JUnit and entry, in that order, stopping at the first refused.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use camino::Utf8Path;

use crate::digest;
use crate::exec::Cmd;
use crate::results::Record;
use crate::{shape, ui};

/// The entry format; bumped when an entry's meaning changes.
const FORMAT: &str = "xtask-remote-result-1";
pub const TOKEN_VAR: &str = "XTASK_REMOTE_CACHE_TOKEN";
pub const SIGNING_KEY_VAR: &str = "XTASK_REMOTE_CACHE_SIGNING_KEY";
/// Seconds to connect, and for a whole request: a slow cache costs little.
const CONNECT_TIMEOUT: &str = "2";
const MAX_TIME: &str = "10";

/// What the caller asked of the remote cache.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--no-remote-cache`.
    pub disabled: bool,
    /// `--remote-cache-read-only`.
    pub read_only: bool,
}

/// An entry as stored: the record as the JSON text that was signed.
struct Entry {
    format: String,
    record: String,
    /// SHA-256 of the JUnit XML under `/cas/`, if the run wrote one.
    junit: Option<String>,
    signature: String,
}

shape::serde_struct! { Entry { format: "format", record: "record", junit: "junit", signature: "signature" } }

/// A remote cache in use for one run.
pub struct Remote {
    url: String,
    token: Option<String>,
    key: Vec<u8>,
    pub read_only: bool,
    /// A request failed: no more are made this run.
    down: AtomicBool,
    /// A tampered entry was reported (once a run).
    warned_tampered: AtomicBool,
    /// The `ac/` entries asked for ahead ([`Remote::prefetch`]): the body, or `None` for a
    /// miss. Each is taken by the one `fetch` that needs it.
    prefetched: Mutex<HashMap<String, Option<String>>>,
}

/// A hit: the record, and its JUnit XML when the run wrote one.
pub struct Hit {
    pub record: Record,
    pub junit: Option<String>,
}

impl Remote {
    /// The remote cache `url` (the config's `remote-cache`) with the token and signing key
    /// from the environment; `Err` says why it is off (empty: none is configured). Read-only
    /// when asked, and for a pull request from a fork, whose run must not write what others
    /// will trust.
    pub fn open(url: Option<&str>, options: &Options) -> Result<Remote, String> {
        let Some(url) = url.filter(|u| !u.is_empty()) else { return Err(String::new()) };
        if options.disabled {
            return Err("off: --no-remote-cache".to_owned());
        }
        let key = std::env::var(SIGNING_KEY_VAR).unwrap_or_default();
        if key.is_empty() {
            return Err(format!("off: {SIGNING_KEY_VAR} is not set, and an unsigned entry is never trusted"));
        }
        let token = std::env::var(TOKEN_VAR).ok().filter(|t| !t.is_empty());
        Ok(Remote {
            url: url.trim_end_matches('/').to_owned(),
            token,
            key: key.into_bytes(),
            read_only: options.read_only || fork_pull_request(),
            down: AtomicBool::new(false),
            warned_tampered: AtomicBool::new(false),
            prefetched: Mutex::default(),
        })
    }

    /// Where the cache is, for messages: without credentials in the URL.
    pub fn shown(&self) -> String {
        match self.url.split_once("://") {
            Some((scheme, rest)) => {
                let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                format!("{scheme}://{host}")
            }
            None => self.url.clone(),
        }
    }

    /// Asks, in one request per entry and one process for all, for the entries of
    /// `wanted` (member, key): a run's every local miss, before the first suite starts, so
    /// a miss costs no process and no wait on a suite's path. What fails here is asked
    /// again by `fetch`, one by one.
    pub fn prefetch(&self, wanted: &[(&str, &str)]) {
        if wanted.is_empty() || self.down.load(Ordering::SeqCst) {
            return;
        }
        let Ok(dir) = TempDir::new() else { return };
        let mut config = self.auth();
        let places: Vec<String> = wanted.iter().map(|(member, key)| ac_place(member, key)).collect();
        for (n, place) in places.iter().enumerate() {
            config += &format!("url = \"{}\"\n", quote(&format!("{}/{place}", self.url)));
            config += &format!("output = \"{}\"\n", quote(&dir.0.join(n.to_string()).to_string_lossy()));
        }
        let cmd = self.curl().args([
            "--parallel",
            "--parallel-max",
            "16",
            "--write-out",
            "%{http_code} %{filename_effective}\n",
        ]);
        let done = match crate::exec::capture(&Cmd { stdin: Some(config), ..cmd }) {
            Ok(done) => done,
            Err(err) => return self.fail(&format!("{err:#}")).unwrap_or(()),
        };
        if done.code == Some(2) {
            return; // a curl before 7.66, without `--parallel`: `fetch` asks one by one
        }
        if !done.success {
            let code = done.code.map_or_else(|| "a signal".to_owned(), |c| c.to_string());
            return self.fail(&format!("curl exited with {code}{}", curl_meaning(done.code))).unwrap_or(());
        }
        // Each answer is told by the file it was written to, named as given (a URL may come
        // back normalised).
        let mut prefetched = self.prefetched.lock().unwrap_or_else(|e| e.into_inner());
        for line in done.output.lines() {
            let Some((code, file)) = line.split_once(' ') else { continue };
            let Some(n) = std::path::Path::new(file)
                .file_name()
                .and_then(|name| name.to_str()?.parse::<usize>().ok())
                .filter(|&n| n < places.len())
            else {
                continue;
            };
            let body = match code {
                "200" => std::fs::read_to_string(dir.0.join(n.to_string())).ok(),
                "404" => None,
                _ => {
                    drop(prefetched);
                    return self.fail(&format!("GET /{} answered HTTP {code}", places[n])).unwrap_or(());
                }
            };
            if code == "200" && body.is_none() {
                continue; // unreadable here: asked again by `fetch`
            }
            prefetched.insert(places[n].clone(), body);
        }
    }

    /// The record of a passing run of `member` with `key`, if the cache holds one whose
    /// signature holds.
    pub fn fetch(&self, member: &str, key: &str) -> Option<Hit> {
        let place = ac_place(member, key);
        let ahead = self.prefetched.lock().unwrap_or_else(|e| e.into_inner()).remove(&place);
        let body = match ahead {
            Some(body) => body?,
            None => self.get(&place)?,
        };
        let entry: Entry = match serde_json::from_str(&body) {
            Ok(entry) => entry,
            Err(_) => return self.tampered(member, "it is not an entry of ours"),
        };
        if entry.format != FORMAT {
            return None; // written by another version: a miss, not a fault
        }
        if !constant_eq(&entry.signature, &self.sign(&place, &entry.record, entry.junit.as_deref())) {
            return self.tampered(member, "its signature does not hold");
        }
        let record: Record = serde_json::from_str(&entry.record).ok()?;
        if record.key != key {
            return self.tampered(member, "it is the record of another key");
        }
        let junit = match &entry.junit {
            Some(sha) => {
                let xml = self.get(&format!("cas/{sha}"))?;
                if digest::sha256(xml.as_bytes()) != *sha {
                    return self.tampered(member, "its JUnit report is not the one it was signed with");
                }
                Some(xml)
            }
            None => None,
        };
        Some(Hit { record, junit })
    }

    /// Uploads the record of a passing run (and its JUnit XML): the JUnit first, the entry
    /// last. Best effort: a failure warns once and turns the remote cache off.
    pub fn upload(&self, member: &str, record: &Record, junit: Option<&Utf8Path>) {
        if self.read_only || self.down.load(Ordering::SeqCst) {
            return;
        }
        let xml = junit.and_then(|path| std::fs::read_to_string(path).ok());
        let sha = xml.as_deref().map(|x| digest::sha256(x.as_bytes()));
        let Ok(record_json) = serde_json::to_string(record) else { return };
        let place = ac_place(member, &record.key);
        let signature = self.sign(&place, &record_json, sha.as_deref());
        let entry = Entry { format: FORMAT.to_owned(), record: record_json, junit: sha.clone(), signature };
        let Ok(body) = serde_json::to_string(&entry) else { return };
        let mut puts = Vec::new();
        if let (Some(xml), Some(sha)) = (&xml, &sha) {
            puts.push((format!("cas/{sha}"), xml.as_str()));
        }
        puts.push((place, body.as_str()));
        self.put_all(&puts);
    }

    fn sign(&self, place: &str, record: &str, junit: Option<&str>) -> String {
        let message = format!("{FORMAT}\n{place}\n{record}\n{}", junit.unwrap_or("-"));
        digest::hmac_sha256(&self.key, message.as_bytes())
    }

    fn tampered<T>(&self, member: &str, why: &str) -> Option<T> {
        if !self.warned_tampered.swap(true, Ordering::SeqCst) {
            ui::status(
                "Warning",
                &format!(
                    "ignored the remote cache's entry for {member}: {why}; the suite runs (was it written with another signing key?)"
                ),
            );
        }
        None
    }

    /// `GET url/path`: the body on 200; `None` on a miss or a failure (which turns the cache off).
    fn get(&self, path: &str) -> Option<String> {
        let (code, body) = self.request(path)?;
        match code {
            200 => Some(body),
            404 => None,
            _ => self.fail(&format!("GET /{path} answered HTTP {code}")),
        }
    }

    /// `PUT`s each (path, body) in order, in one curl process that stops at the first one
    /// the server refuses; whether all were stored.
    fn put_all(&self, puts: &[(String, &str)]) -> bool {
        if self.down.load(Ordering::SeqCst) {
            return false;
        }
        let Ok(dir) = TempDir::new() else { return false };
        let mut config = self.auth();
        for (n, (path, body)) in puts.iter().enumerate() {
            let file = dir.0.join(n.to_string());
            if std::fs::write(&file, body).is_err() {
                return false;
            }
            config += &format!("url = \"{}\"\n", quote(&format!("{}/{path}", self.url)));
            config += &format!("upload-file = \"{}\"\n", quote(&file.to_string_lossy()));
            config += &format!("output = \"{NULL_DEVICE}\"\n");
        }
        let cmd = self.curl().args(["--fail", "--fail-early", "--write-out", "%{http_code}\n"]);
        let done = match crate::exec::capture(&Cmd { stdin: Some(config), ..cmd }) {
            Ok(done) => done,
            Err(err) => return self.fail::<()>(&format!("{err:#}")).is_some(),
        };
        let codes: Vec<&str> = done.output.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if let Some((n, code)) = codes.iter().enumerate().find(|(_, c)| !c.starts_with('2')) {
            return self.fail::<()>(&format!("PUT /{} answered HTTP {code}", puts[n].0)).is_some();
        }
        if !done.success {
            let code = done.code.map_or_else(|| "a signal".to_owned(), |c| c.to_string());
            return self.fail::<()>(&format!("curl exited with {code}{}", curl_meaning(done.code))).is_some();
        }
        codes.len() == puts.len()
    }

    /// curl's configuration lines that every request shares: the token, never on its
    /// command line.
    fn auth(&self) -> String {
        match &self.token {
            Some(token) => format!("header = \"{}\"\n", quote(&format!("Authorization: Bearer {token}"))),
            None => String::new(),
        }
    }

    /// curl, quiet, with the timeouts, reading its configuration from stdin.
    fn curl(&self) -> Cmd {
        Cmd::new("curl", Utf8Path::new(".")).args([
            "--silent",
            "--config",
            "-",
            "--connect-timeout",
            CONNECT_TIMEOUT,
            "--max-time",
            MAX_TIME,
        ])
    }

    /// One request through curl: (HTTP status, body), or `None` when the cache is down or
    /// the request failed (which turns it off).
    fn request(&self, path: &str) -> Option<(u16, String)> {
        if self.down.load(Ordering::SeqCst) {
            return None;
        }
        let mut config = self.auth();
        config += &format!("url = \"{}\"\n", quote(&format!("{}/{path}", self.url)));
        let mut cmd = self.curl().args(["--write-out", "\n%{http_code}"]);
        cmd.stdin = Some(config);
        let done = match crate::exec::capture(&cmd) {
            Ok(done) => done,
            Err(err) => return self.fail(&format!("{err:#}")),
        };
        if !done.success {
            let code = done.code.map_or_else(|| "a signal".to_owned(), |c| c.to_string());
            return self.fail(&format!("curl exited with {code}{}", curl_meaning(done.code)));
        }
        let (body, code) = done.output.rsplit_once('\n')?;
        Some((code.trim().parse().ok()?, body.to_owned()))
    }

    fn fail<T>(&self, why: &str) -> Option<T> {
        if !self.down.swap(true, Ordering::SeqCst) {
            ui::status("Warning", &format!("the remote cache at {} failed ({why}): going on without it", self.shown()));
        }
        None
    }
}

/// The entry's place: its key bound to the member, so two members never share one.
fn ac_place(member: &str, key: &str) -> String {
    let mut h = digest::Hasher::default();
    h.part(FORMAT).part(member).part(key);
    format!("ac/{}", h.finish())
}

/// A string for curl's config file: `"` and `\` escaped, no line breaks.
fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace(['\n', '\r'], "")
}

/// Compares two signatures in time that does not depend on where they differ.
fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Where curl writes a body nobody reads.
const NULL_DEVICE: &str = if cfg!(windows) { "NUL" } else { "/dev/null" };

/// A folder of this process's own for request and response bodies, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        use std::sync::atomic::AtomicU64;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("xtask-remote-{}-d{n}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn curl_meaning(code: Option<i32>) -> &'static str {
    match code {
        Some(6) => ": cannot resolve the host",
        Some(7) => ": cannot connect",
        Some(28) => ": timed out",
        Some(35 | 60) => ": TLS failed",
        _ => "",
    }
}

/// A GitHub Actions run for a pull request from a fork: it reads the cache, never writes it.
fn fork_pull_request() -> bool {
    if std::env::var("GITHUB_EVENT_NAME").map_or(true, |e| e != "pull_request" && e != "pull_request_target") {
        return false;
    }
    struct Event {
        pull_request: Option<Pull>,
        repository: Option<Repo>,
    }
    shape::deserialize_struct! { Event { pull_request: "pull_request", repository: "repository" } }
    struct Pull {
        head: Head,
    }
    shape::deserialize_struct! { Pull { head: "head" } }
    struct Head {
        repo: Option<Repo>,
    }
    shape::deserialize_struct! { Head { repo: "repo" } }
    struct Repo {
        full_name: String,
    }
    shape::deserialize_struct! { Repo { full_name: "full_name" } }
    let Some(path) = std::env::var_os("GITHUB_EVENT_PATH") else { return true };
    let Ok(event) = std::fs::read(path).map(|b| serde_json::from_slice::<Event>(&b)) else { return true };
    match event {
        Ok(Event { pull_request: Some(pull), repository: Some(base) }) => {
            pull.head.repo.is_none_or(|head| head.full_name != base.full_name)
        }
        _ => true, // a pull request we cannot read: the safe side
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(key: &str) -> Remote {
        Remote {
            url: "http://user:secret@cache.example:8080/team/".trim_end_matches('/').to_owned(),
            token: None,
            key: key.as_bytes().to_vec(),
            read_only: false,
            down: AtomicBool::new(false),
            warned_tampered: AtomicBool::new(false),
            prefetched: Mutex::default(),
        }
    }

    #[test]
    fn a_signature_binds_the_place_the_record_and_the_junit() {
        let r = remote("k1");
        let base = r.sign("ac/1", "{}", Some("abc"));
        assert_ne!(base, r.sign("ac/2", "{}", Some("abc")), "moved to another key");
        assert_ne!(base, r.sign("ac/1", "{ }", Some("abc")), "record edited");
        assert_ne!(base, r.sign("ac/1", "{}", Some("abd")), "JUnit swapped");
        assert_ne!(base, r.sign("ac/1", "{}", None), "JUnit dropped");
        assert_ne!(base, remote("k2").sign("ac/1", "{}", Some("abc")), "another signing key");
        assert!(constant_eq(&base, &r.sign("ac/1", "{}", Some("abc"))));
    }

    #[test]
    fn places_differ_by_member_and_key_and_the_url_is_shown_without_credentials() {
        assert_ne!(ac_place("a", "k"), ac_place("b", "k"));
        assert_ne!(ac_place("a", "k"), ac_place("a", "j"));
        assert!(ac_place("a", "k").starts_with("ac/") && ac_place("a", "k").len() == 67);
        assert_eq!(remote("k").shown(), "http://cache.example:8080/team");
        assert_eq!(quote("a\"b\\c\nd"), "a\\\"b\\\\cd");
    }
}
