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
//! never on its command line.

use std::sync::atomic::{AtomicBool, Ordering};

use camino::Utf8Path;
use serde::{Deserialize, Serialize};

use crate::digest;
use crate::exec::Cmd;
use crate::results::Record;
use crate::ui;

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
#[derive(Serialize, Deserialize)]
struct Entry {
    format: String,
    record: String,
    /// SHA-256 of the JUnit XML under `/cas/`, if the run wrote one.
    junit: Option<String>,
    signature: String,
}

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

    /// The record of a passing run of `member` with `key`, if the cache holds one whose
    /// signature holds.
    pub fn fetch(&self, member: &str, key: &str) -> Option<Hit> {
        let place = ac_place(member, key);
        let body = self.get(&place)?;
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
        if let (Some(xml), Some(sha)) = (&xml, &sha)
            && !self.put(&format!("cas/{sha}"), xml)
        {
            return;
        }
        let Ok(record_json) = serde_json::to_string(record) else { return };
        let place = ac_place(member, &record.key);
        let signature = self.sign(&place, &record_json, sha.as_deref());
        let entry = Entry { format: FORMAT.to_owned(), record: record_json, junit: sha, signature };
        if let Ok(body) = serde_json::to_string(&entry) {
            self.put(&place, &body);
        }
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
        let (code, body) = self.request("GET", path, None)?;
        match code {
            200 => Some(body),
            404 => None,
            _ => self.fail(&format!("GET /{path} answered HTTP {code}")),
        }
    }

    /// `PUT url/path`; whether it was stored.
    fn put(&self, path: &str, body: &str) -> bool {
        let Some((code, _)) = self.request("PUT", path, Some(body)) else { return false };
        match code {
            200..=299 => true,
            _ => self.fail::<()>(&format!("PUT /{path} answered HTTP {code}")).is_some(),
        }
    }

    /// One request through curl: (HTTP status, body), or `None` when the cache is down or
    /// the request failed (which turns it off).
    fn request(&self, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
        if self.down.load(Ordering::SeqCst) {
            return None;
        }
        let upload = match body {
            Some(body) => Some(temp_body(body).ok()?),
            None => None,
        };
        let mut config = format!("url = \"{}\"\n", quote(&format!("{}/{path}", self.url)));
        if let Some(token) = &self.token {
            config += &format!("header = \"{}\"\n", quote(&format!("Authorization: Bearer {token}")));
        }
        let mut cmd = Cmd::new("curl", Utf8Path::new("."))
            .args(["--silent", "--config", "-", "--connect-timeout", CONNECT_TIMEOUT, "--max-time", MAX_TIME])
            .args(["--request", method, "--write-out", "\n%{http_code}"]);
        if let Some(file) = &upload {
            cmd = cmd.arg("--upload-file").arg(file.0.to_string_lossy().into_owned());
        }
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

/// A request's body in a file of this process's own, removed when dropped.
struct TempBody(std::path::PathBuf);

impl Drop for TempBody {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn temp_body(body: &str) -> std::io::Result<TempBody> {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!("xtask-remote-{}-{n}", std::process::id()));
    std::fs::write(&path, body)?;
    Ok(TempBody(path))
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
    #[derive(Deserialize)]
    struct Event {
        pull_request: Option<Pull>,
        repository: Option<Repo>,
    }
    #[derive(Deserialize)]
    struct Pull {
        head: Head,
    }
    #[derive(Deserialize)]
    struct Head {
        repo: Option<Repo>,
    }
    #[derive(Deserialize)]
    struct Repo {
        full_name: String,
    }
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
