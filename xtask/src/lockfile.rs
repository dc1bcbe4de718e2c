//! The lock file format: the one reader and the one writer of `_meta/requirements/*.txt`.
//!
//! A lock is a plain requirements file (pip, pip-sync and uv can install it) under a header
//! of `#` lines:
//!
//! ```text
//! # Locked by `cargo xtask lock` from the inputs below: edit them and run it again, never this file.
//! # inputs-digest: <sha256 of every input>
//! # body-digest: <sha256 of everything below the header>
//! # inputs:
//! #   _meta/requirements/base.in
//! --find-links ../../wheels          index options, for the sync
//! -e ./projects/model                 local projects, editable
//! numpy==2.4.6 ; python_full_version < '3.12' \
//!     --hash=sha256:...               every artifact's hash, verified by the sync
//!     # via ...
//! ```
//!
//! The body digest makes a lock edited by hand, cut short or merged by git detectable
//! without a resolver. Digests read `\r\n` as `\n`, so every checkout agrees.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use camino::{Utf8Path, Utf8PathBuf};

use crate::digest;
use crate::pep508::{normalize, requirement_name};

const TITLE: &str =
    "# Locked by `cargo xtask lock` from the inputs below: edit them and run it again, never this file.";
const INPUTS_DIGEST: &str = "# inputs-digest: ";
const BODY_DIGEST: &str = "# body-digest: ";
const INPUTS: &str = "# inputs:";

/// Joins the versions of a package pinned under several markers; see [`Lock::pins`].
pub const PIN_SEPARATOR: &str = " | ";

/// Where packages come from, as a lock records them for its sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexOptions {
    pub no_index: bool,
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    /// Folders or URLs of wheels. In a lock, a relative folder is relative to the lock's
    /// folder (as pip and uv read it); elsewhere, to the repository root.
    pub find_links: Vec<String>,
}

impl IndexOptions {
    /// The config's options, relative folders cleaned (`/`, no `..` where avoidable).
    pub fn from_config(config: &crate::config::Config) -> IndexOptions {
        IndexOptions {
            no_index: config.no_index,
            index_url: config.index_url.clone(),
            extra_index_urls: config.extra_index_url.clone(),
            find_links: config
                .find_links
                .iter()
                .map(|link| if is_local_relative(link) { clean(Utf8Path::new(link)).join("/") } else { link.clone() })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == IndexOptions::default()
    }

    /// Adds `other`'s options, keeping the first index URL and dropping repeats.
    pub fn merge(&mut self, other: &IndexOptions) {
        self.no_index |= other.no_index;
        if self.index_url.is_none() {
            self.index_url.clone_from(&other.index_url);
        }
        for url in &other.extra_index_urls {
            if !self.extra_index_urls.contains(url) {
                self.extra_index_urls.push(url.clone());
            }
        }
        for link in &other.find_links {
            if !self.find_links.contains(link) {
                self.find_links.push(link.clone());
            }
        }
    }

    /// The options as requirements-file lines (also the canonical form that digests hash).
    pub fn lines(&self) -> String {
        let mut out = String::new();
        if self.no_index {
            out.push_str("--no-index\n");
        }
        if let Some(url) = &self.index_url {
            let _ = writeln!(out, "--index-url {url}");
        }
        for url in &self.extra_index_urls {
            let _ = writeln!(out, "--extra-index-url {url}");
        }
        for link in &self.find_links {
            let _ = writeln!(out, "--find-links {link}");
        }
        out
    }

    /// The same options with each relative folder of `find_links` (relative to the root)
    /// made relative to `dir` (a folder relative to the root), with `/` separators.
    pub fn relative_to(&self, dir: &Utf8Path) -> IndexOptions {
        let mut out = self.clone();
        out.find_links = self
            .find_links
            .iter()
            .map(|link| if is_local_relative(link) { relative_path(Utf8Path::new(link), dir) } else { link.clone() })
            .collect();
        out
    }
}

/// A folder written relative (no scheme, not absolute).
pub fn is_local_relative(link: &str) -> bool {
    !link.contains("://") && !Utf8Path::new(link).is_absolute() && !link.starts_with('/') && !has_drive(link)
}

fn has_drive(link: &str) -> bool {
    let bytes = link.as_bytes();
    bytes.len() > 1 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// `path` relative to `from`, both relative to the same root, lexically (`..` resolved).
pub fn relative_path(path: &Utf8Path, from: &Utf8Path) -> String {
    let path = clean(path);
    let from = clean(from);
    let common = path.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(path[common..].iter().map(String::as_str));
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}

/// The parts of a relative path with `.` dropped and `..` applied where it can be.
pub fn clean(path: &Utf8Path) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for part in path.as_str().split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            _ => parts.push(part.to_owned()),
        }
    }
    parts
}

/// A pinned requirement's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    Version(String),
    /// `name @ URL`: a git repository, a local wheel, an archive.
    Url(String),
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pin::Version(v) => write!(f, "=={v}"),
            Pin::Url(url) => write!(f, " @ {url}"),
        }
    }
}

/// One pinned requirement of a lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// PEP 503-normalised.
    pub name: String,
    pub pin: Pin,
    pub marker: Option<String>,
    /// `sha256:<hex>` for each artifact.
    pub hashes: Vec<String>,
    /// The requirement as written, continuation lines included, comments not.
    pub text: String,
    /// Its first line in the file, from 1.
    pub line: usize,
}

/// A lock, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    pub inputs_digest: Option<String>,
    pub body_digest: Option<String>,
    /// The input files the header lists.
    pub inputs: Vec<String>,
    pub index: IndexOptions,
    /// Editable paths as written (relative to the root, `./`-prefixed).
    pub editables: Vec<String>,
    pub requirements: Vec<Requirement>,
    /// The digest of the body as it is now.
    actual_body_digest: String,
}

/// Why a lock cannot be read.
pub type ParseError = crate::error::LineError;

/// What a lock on disk is, against the inputs digest it should carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Nothing at its path (or a folder, which `check` and `lock` name as such).
    Missing,
    /// Its inputs changed since it was compiled (or it was compiled by an older recipe).
    Stale,
    /// Its body does not match the body digest: edited by hand, cut short, or merged.
    Edited,
    /// It is there but cannot be read at all.
    Unreadable(ReadError),
}

/// Why a lock that is there cannot be read; each with its fix ([`ReadError::hint`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file system refused (permissions, a link to itself): its words, as `ls` says them.
    Io { kind: std::io::ErrorKind, message: String },
    /// Git's merge conflict markers: merged by git and not resolved. The first marker's
    /// line and text.
    Conflict { line: usize, marker: String },
    /// Not a lock: not UTF-8, or a line that is neither a pin nor an option.
    Invalid(ParseError),
}

impl ReadError {
    fn io(err: &std::io::Error) -> ReadError {
        ReadError::Io { kind: err.kind(), message: io_words(err) }
    }

    /// What is wrong, naming the lock: `_meta/requirements/x.txt cannot be read (permission denied)`.
    pub fn describe(&self, lock: &Utf8Path) -> String {
        match self {
            ReadError::Io { message, .. } => format!("{lock} cannot be read ({message})"),
            ReadError::Conflict { line, marker } => format!(
                "{lock} has unresolved git merge conflicts (line {line}: `{marker}`): a lock is never merged by hand"
            ),
            ReadError::Invalid(err) => format!("{lock} cannot be read: {err}"),
        }
    }

    /// The fix.
    pub fn hint(&self, lock: &Utf8Path) -> String {
        match self {
            ReadError::Io { kind: std::io::ErrorKind::PermissionDenied, .. } => format!(
                "make it readable for this user (`chmod u+rw {lock}`), or, if another user made it (a run with sudo?), give it back (`ls -l {lock}` shows its owner; `sudo chown $USER {lock}`)"
            ),
            ReadError::Io { .. } => {
                format!(
                    "look at it (`ls -l {lock}`): a lock is a plain file; remove what is there, then `cargo xtask lock` writes it"
                )
            }
            ReadError::Conflict { .. } => format!(
                "take either side of the lock (`git checkout --theirs -- {lock}`, or `--ours`), resolve the merge of its inputs (pyproject.toml, .in files), then run `cargo xtask lock`: it compiles the lock again from the merged inputs"
            ),
            ReadError::Invalid(_) => "run `cargo xtask lock`: it compiles the lock again from its inputs".to_owned(),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { message, .. } => f.write_str(message),
            ReadError::Conflict { line, marker } => write!(f, "line {line}: `{marker}`: unresolved git merge conflict"),
            ReadError::Invalid(err) => err.fmt(f),
        }
    }
}

/// An I/O error in the words `ls` would use: `permission denied`, without `(os error 13)`.
fn io_words(err: &std::io::Error) -> String {
    let text = err.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text.to_owned(),
    }
}

/// The first line (from 1) that is one of git's merge conflict markers, and the marker:
/// `<<<<<<< ours`, `||||||| base`, `=======`, `>>>>>>> theirs`.
pub fn conflict_marker(text: &str) -> Option<(usize, String)> {
    text.lines().enumerate().find_map(|(ix, line)| {
        let line = line.trim_end_matches('\r');
        let is_marker = ["<<<<<<<", ">>>>>>>", "|||||||"]
            .iter()
            .any(|m| line.strip_prefix(m).is_some_and(|rest| rest.is_empty() || rest.starts_with(' ')))
            || line == "=======";
        is_marker.then(|| (ix + 1, line.to_owned()))
    })
}

/// Reads the lock at `path`: `None` when nothing is there (or a folder), else its text and
/// what it says, or why it cannot be read. The one way this crate reads a lock to use it.
pub fn read(path: &Utf8Path) -> Result<Option<(String, Lock)>, ReadError> {
    let text = match read_text(path)? {
        Some(text) => text,
        None => return Ok(None),
    };
    if let Some((line, marker)) = conflict_marker(&text) {
        return Err(ReadError::Conflict { line, marker });
    }
    let lock = parse(&text).map_err(ReadError::Invalid)?;
    Ok(Some((text, lock)))
}

/// The text of the file at `path`: `None` when there is none (or a folder there).
pub fn read_text(path: &Utf8Path) -> Result<Option<String>, ReadError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound || path.is_dir() => return Ok(None),
        Err(err) => return Err(ReadError::io(&err)),
    };
    String::from_utf8(bytes).map(Some).map_err(|err| {
        ReadError::Invalid(ParseError {
            line: 1 + err.as_bytes()[..err.utf8_error().valid_up_to()].iter().filter(|&&b| b == b'\n').count(),
            message: "not UTF-8 text".into(),
        })
    })
}

impl Lock {
    /// Whether this lock is what `inputs_digest` describes and its body is intact.
    pub fn freshness(&self, inputs_digest: &str) -> Freshness {
        if self.body_digest.as_deref() != Some(self.actual_body_digest.as_str()) && self.body_digest.is_some() {
            Freshness::Edited
        } else if self.inputs_digest.as_deref() != Some(inputs_digest) || self.body_digest.is_none() {
            Freshness::Stale
        } else {
            Freshness::Fresh
        }
    }

    /// The digest of its body as read ([`body_digest`] of its text, computed once).
    pub fn body_digest(&self) -> &str {
        &self.actual_body_digest
    }

    /// Whether its pins may be a compile's starting point: its body is what was written
    /// with it, or it predates body digests (nothing to check it against). A lock edited by
    /// hand is not: its edits would be kept as preferences.
    pub fn can_seed(&self) -> bool {
        self.body_digest.as_deref().is_none_or(|d| d == self.actual_body_digest)
    }

    /// The pins: normalised name -> version. A universal lock may pin a package twice
    /// under different markers (numpy 2.4 below Python 3.12, 2.5 from it): the versions
    /// are then sorted and joined with ` | `. A URL pin shows as `@ URL`.
    pub fn pins(&self) -> BTreeMap<String, String> {
        pins_of(self.requirements.iter())
    }
}

/// [`Lock::pins`] of some requirements.
pub fn pins_of<'a>(requirements: impl Iterator<Item = &'a Requirement>) -> BTreeMap<String, String> {
    let mut all: BTreeMap<String, Vec<&Pin>> = BTreeMap::new();
    for req in requirements {
        let pins = all.entry(req.name.clone()).or_default();
        if !pins.contains(&&req.pin) {
            pins.push(&req.pin);
        }
    }
    all.into_iter()
        .map(|(name, mut pins)| {
            pins.sort_by(|a, b| match (a, b) {
                (Pin::Version(a), Pin::Version(b)) => {
                    crate::pep440::Version::parse(a).cmp(&crate::pep440::Version::parse(b)).then(a.cmp(b))
                }
                _ => a.to_string().cmp(&b.to_string()),
            });
            let shown: Vec<String> = pins
                .iter()
                .map(|p| match p {
                    Pin::Version(v) => v.clone(),
                    Pin::Url(url) => format!("@ {url}"),
                })
                .collect();
            (name, shown.join(PIN_SEPARATOR))
        })
        .collect()
}

/// Reads a lock file from disk: `Missing` when absent, else its [`Lock::freshness`]. Only
/// the header is read and the body hashed: a body that matches its digest is what was
/// written, so it needs no parse (this is on every command's no-op path).
pub fn freshness(path: &Utf8Path, inputs_digest: &str) -> Freshness {
    freshness_of(&read_text(path), inputs_digest)
}

/// [`freshness`] of a lock as [`read_text`] read it, for a caller that reads it anyway.
pub fn freshness_of(text: &Result<Option<String>, ReadError>, inputs_digest: &str) -> Freshness {
    let text = match text {
        Ok(Some(text)) => text,
        Ok(None) => return Freshness::Missing,
        Err(err) => return Freshness::Unreadable(err.clone()),
    };
    let (header, body) = split(text);
    let value = |prefix: &str| header.lines().find_map(|l| l.strip_prefix(prefix)).map(str::trim);
    let intact = value(BODY_DIGEST).is_some_and(|d| d == digest::text(body));
    if intact && value(INPUTS_DIGEST) == Some(inputs_digest) {
        return Freshness::Fresh;
    }
    if let Some((line, marker)) = conflict_marker(text) {
        return Freshness::Unreadable(ReadError::Conflict { line, marker });
    }
    match parse(text) {
        Ok(lock) => lock.freshness(inputs_digest),
        Err(err) => Freshness::Unreadable(ReadError::Invalid(err)),
    }
}

/// [`freshness`], and the lock as parsed when it parses: for a caller that uses the lock
/// next (`setup-envs` checks each venv against it), so each lock is read and hashed once.
/// The same rule as [`freshness`]: [`Lock::freshness`], of which its fast path is a shortcut.
pub fn freshness_and_lock(path: &Utf8Path, inputs_digest: &str) -> (Freshness, Option<Lock>) {
    let text = read_text(path);
    let Ok(Some(body)) = &text else { return (freshness_of(&text, inputs_digest), None) };
    if let Some((line, marker)) = conflict_marker(body) {
        return (Freshness::Unreadable(ReadError::Conflict { line, marker }), None);
    }
    match parse(body) {
        Ok(lock) => (lock.freshness(inputs_digest), Some(lock)),
        Err(err) => (Freshness::Unreadable(ReadError::Invalid(err)), None),
    }
}

/// The digest of what a lock installs: its body (index options, editables, pins and their
/// hashes), not its header. A venv is stamped with it, and a suite's key holds it, so a
/// lock whose inputs changed in a way that moves nothing (a comment, a new recipe) leaves
/// every venv synced and every result cached.
pub fn body_digest(text: &str) -> String {
    digest::text(split(text).1)
}

/// The header and the body, split. The header is the lines [`render`] writes (so a body
/// that starts with a comment is still body); in a file it did not write, the leading
/// `#` lines.
fn split(text: &str) -> (&str, &str) {
    let ours = text.starts_with(TITLE);
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        let is_header = if ours {
            end == 0
                || [INPUTS_DIGEST, BODY_DIGEST, "#   "].iter().any(|p| line.starts_with(p))
                || line.trim_end() == INPUTS
        } else {
            line.starts_with('#')
        };
        if !is_header {
            break;
        }
        end += line.len();
    }
    text.split_at(end)
}

pub fn parse(text: &str) -> Result<Lock, ParseError> {
    let (header, body) = split(text);
    let mut lock = Lock {
        inputs_digest: None,
        body_digest: None,
        inputs: Vec::new(),
        index: IndexOptions::default(),
        editables: Vec::new(),
        requirements: Vec::new(),
        actual_body_digest: digest::text(body),
    };
    let mut in_inputs = false;
    for line in header.lines().map(|l| l.trim_end_matches('\r')) {
        if let Some(d) = line.strip_prefix(INPUTS_DIGEST) {
            lock.inputs_digest = Some(d.trim().to_owned());
        } else if let Some(d) = line.strip_prefix(BODY_DIGEST) {
            lock.body_digest = Some(d.trim().to_owned());
        } else if line == INPUTS {
            in_inputs = true;
        } else if let Some(input) = line.strip_prefix("#   ").filter(|_| in_inputs) {
            lock.inputs.push(input.trim().to_owned());
        }
    }
    let first_body_line = header.lines().count() + 1;
    let lines: Vec<&str> = body.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut ix = 0;
    while ix < lines.len() {
        let (start, number) = (ix, first_body_line + ix);
        let error = |message: String| ParseError { line: number, message };
        let first = strip_comment(lines[ix]).trim();
        let mut continued = first.ends_with('\\');
        let head = first.trim_end_matches('\\').trim_end();
        // Continuation lines: hashes as uv writes them, one a line; anything else joins the head.
        let mut hashes = Vec::new();
        let mut rest = String::new();
        while continued {
            ix += 1;
            let Some(next) = lines.get(ix) else {
                return Err(error("the last line ends with `\\`".into()));
            };
            let part = strip_comment(next).trim();
            continued = part.ends_with('\\');
            let part = part.trim_end_matches('\\').trim();
            match part.strip_prefix("--hash=") {
                Some(hash) if hash.contains(':') && !hash.contains(' ') => hashes.push(hash.to_owned()),
                _ if !part.is_empty() => {
                    rest.push(' ');
                    rest.push_str(part);
                }
                _ => {}
            }
        }
        ix += 1;
        let logical = if rest.is_empty() { head.to_owned() } else { format!("{head}{rest}") };
        if logical.is_empty() {
            continue;
        }
        if logical.starts_with('-') {
            option(&mut lock, &logical).map_err(error)?;
        } else {
            let mut req = requirement(&logical).map_err(error)?;
            req.hashes.extend(hashes);
            req.text = lines[start..ix].join("\n").trim_end().to_owned();
            req.line = number;
            lock.requirements.push(req);
        }
    }
    Ok(lock)
}

/// A line without its comment: `#` at the start or after white space (a URL's `#fragment`
/// stays).
fn strip_comment(line: &str) -> &str {
    if !line.contains('#') {
        return line;
    }
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(at) => &line[..at],
        None => line,
    }
}

fn option(lock: &mut Lock, line: &str) -> Result<(), String> {
    let (flag, value) = match line.split_once([' ', '=']) {
        Some((flag, value)) => (flag, value.trim()),
        None => (line, ""),
    };
    let need = |value: &str| {
        if value.is_empty() { Err(format!("`{flag}` needs a value")) } else { Ok(value.to_owned()) }
    };
    match flag {
        "--no-index" => lock.index.no_index = true,
        "-i" | "--index-url" => lock.index.index_url = Some(need(value)?),
        "--extra-index-url" => lock.index.extra_index_urls.push(need(value)?),
        "-f" | "--find-links" => lock.index.find_links.push(need(value)?),
        "-e" | "--editable" => lock.editables.push(need(value)?),
        _ => return Err(format!("`{line}`: a lock holds no `{flag}` option")),
    }
    Ok(())
}

/// `name==version [; marker] [--hash=...]...` or `name @ url [; marker] [--hash=...]...`.
fn requirement(line: &str) -> Result<Requirement, String> {
    let not_pinned = || format!("`{line}` is not a pinned requirement (`name==version` or `name @ url`)");
    let mut hashes = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.rfind("--hash") {
        let hash = rest[at..].trim();
        let value = hash
            .strip_prefix("--hash=")
            .or_else(|| hash.strip_prefix("--hash "))
            .map(str::trim)
            .filter(|v| v.contains(':') && !v.contains(' '))
            .ok_or_else(|| format!("`{hash}` is not a hash (`--hash=sha256:<hex>`)"))?;
        hashes.push(value.to_owned());
        rest = rest[..at].trim_end();
    }
    hashes.reverse();
    let name = requirement_name(rest).ok_or_else(not_pinned)?;
    let after = rest.trim_start()[name.len()..].trim_start();
    // Extras (`name[a,b]`) say nothing about the pin.
    let after = match after.strip_prefix('[') {
        Some(extras) => extras.split_once(']').ok_or_else(not_pinned)?.1.trim_start(),
        None => after,
    };
    let (pin, marker) = if let Some(url) = after.strip_prefix('@') {
        // A URL may hold `;`: only ` ;` starts its marker.
        let (url, marker) = match url.split_once(" ;") {
            Some((url, marker)) => (url, Some(marker)),
            None => (url, None),
        };
        let url = url.trim();
        if url.is_empty() {
            return Err(not_pinned());
        }
        (Pin::Url(url.to_owned()), marker)
    } else if let Some(version) = after.strip_prefix("==").filter(|v| !v.starts_with('=')) {
        let (version, marker) = match version.split_once(';') {
            Some((version, marker)) => (version, Some(marker)),
            None => (version, None),
        };
        let version = version.trim();
        if version.is_empty() || version.contains([' ', ',', '<', '>', '=', '!']) {
            return Err(not_pinned());
        }
        (Pin::Version(version.to_owned()), marker)
    } else {
        return Err(not_pinned());
    };
    let marker = marker.map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned);
    Ok(Requirement { name: normalize(name), pin, marker, hashes, text: String::new(), line: 0 })
}

/// A whole lock file: the header (with the body's digest), then `index` and uv's output.
pub fn render(inputs_digest: &str, inputs: &[Utf8PathBuf], index: &IndexOptions, uv_output: &str) -> String {
    let uv_output = digest::normalize_newlines(uv_output);
    let mut body = index.lines();
    if !body.is_empty() {
        body.push('\n');
    }
    body.push_str(uv_output.trim_start_matches('\n'));
    if !body.is_empty() && !body.ends_with('\n') {
        body.push('\n');
    }
    let mut out = format!("{TITLE}\n{INPUTS_DIGEST}{inputs_digest}\n{BODY_DIGEST}{}\n{INPUTS}\n", digest::text(&body));
    for input in inputs {
        let _ = writeln!(out, "#   {input}");
    }
    out + &body
}

/// Whether `text` starts like a lock this tool wrote (so a stray one is ours to remove).
pub fn is_ours(text: &str) -> bool {
    text.starts_with(TITLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UV: &str = "-e ./projects/model\nnumpy==2.4.6 ; python_full_version < '3.12' \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via x\nnumpy==2.5.5 ; python_full_version >= '3.12' \\\n    --hash=sha256:cc\ncolorama==0.4.6 ; sys_platform == 'win32'\n    # via pytest\nmylib @ git+https://example.org/mylib.git@abc#egg=mylib ; python_version >= '3.8'\n";

    fn written() -> String {
        let index = IndexOptions { find_links: vec!["../../wheels".into()], ..IndexOptions::default() };
        render("d1", &["_meta/requirements/base.in".into()], &index, UV)
    }

    #[test]
    fn reads_what_it_writes() {
        let lock = parse(&written()).unwrap();
        assert_eq!(lock.freshness("d1"), Freshness::Fresh);
        assert_eq!(lock.freshness("d2"), Freshness::Stale);
        assert_eq!(lock.inputs, ["_meta/requirements/base.in"]);
        assert_eq!(lock.index.find_links, ["../../wheels"]);
        assert_eq!(lock.editables, ["./projects/model"]);
        let numpy = &lock.requirements[0];
        assert_eq!((numpy.name.as_str(), &numpy.pin), ("numpy", &Pin::Version("2.4.6".into())));
        assert_eq!(numpy.marker.as_deref(), Some("python_full_version < '3.12'"));
        assert_eq!(numpy.hashes, ["sha256:aa", "sha256:bb"]);
        assert!(numpy.text.starts_with("numpy==2.4.6") && numpy.text.ends_with("sha256:bb"), "{}", numpy.text);
        let pins = lock.pins();
        assert_eq!(pins["numpy"], "2.4.6 | 2.5.5");
        assert_eq!(pins["colorama"], "0.4.6");
        assert_eq!(pins["mylib"], "@ git+https://example.org/mylib.git@abc#egg=mylib");
        assert_eq!(lock.requirements[3].marker.as_deref(), Some("python_version >= '3.8'"));
    }

    #[test]
    fn an_edited_or_truncated_body_is_detected() {
        let text = written();
        let edited = text.replace("numpy==2.4.6", "numpy==2.3.0");
        assert_eq!(parse(&edited).unwrap().freshness("d1"), Freshness::Edited);
        let cut = &text[..text.len() / 2];
        let cut = &cut[..cut.rfind('\n').unwrap() + 1];
        assert_eq!(parse(cut).map(|l| l.freshness("d1")), Ok(Freshness::Edited));
    }

    #[test]
    fn a_body_that_starts_with_a_comment_is_still_covered() {
        let text = render("d1", &[], &IndexOptions::default(), "# a note from uv\nsix==1.17.0\n");
        assert_eq!(parse(&text).unwrap().freshness("d1"), Freshness::Fresh);
        let edited = text.replace("# a note from uv", "# another note");
        assert_eq!(parse(&edited).unwrap().freshness("d1"), Freshness::Edited);
    }

    #[test]
    fn line_endings_do_not_matter() {
        let crlf = written().replace('\n', "\r\n");
        let lock = parse(&crlf).unwrap();
        assert_eq!(lock.freshness("d1"), Freshness::Fresh);
        assert_eq!(lock.pins(), parse(&written()).unwrap().pins());
    }

    #[test]
    fn garbage_names_its_line() {
        let text = written() + "this is not a requirement\n";
        let err = parse(&text).unwrap_err();
        assert_eq!(err.line, text.lines().count());
        assert!(err.message.contains("not a pinned requirement"), "{err}");
        assert!(parse("-r other.txt\n").unwrap_err().message.contains("no `-r` option"));
        assert!(parse("six>=1\n").is_err());
        assert!(parse("six==1 \\\n").is_err());
    }

    #[test]
    fn merge_conflicts_and_refused_reads_are_named_for_what_they_are() {
        let conflicted = format!("{}<<<<<<< HEAD\nsix==1.0\n=======\nsix==2.0\n>>>>>>> topic\n", written());
        let line = written().lines().count() + 1;
        assert_eq!(conflict_marker(&conflicted), Some((line, "<<<<<<< HEAD".to_owned())));
        assert_eq!(conflict_marker("a\r\n=======\r\n"), Some((2, "=======".to_owned())));
        assert_eq!(conflict_marker("six==1 # <<<<<<< not at the start\n========\n"), None);
        let dir = tempfile::tempdir().unwrap();
        let path = Utf8Path::from_path(dir.path()).unwrap().join("x.txt");
        std::fs::write(&path, &conflicted).unwrap();
        let lock = Utf8Path::new("_meta/requirements/x.txt");
        let Freshness::Unreadable(err) = freshness(&path, "d1") else { panic!("not unreadable") };
        assert_eq!(err, ReadError::Conflict { line, marker: "<<<<<<< HEAD".into() });
        assert!(err.describe(lock).starts_with("_meta/requirements/x.txt has unresolved git merge conflicts (line"));
        assert!(err.hint(lock).contains("git checkout --theirs -- _meta/requirements/x.txt"));
        assert_eq!(read(&path), Err(err));
        assert_eq!(read(&path.with_file_name("none.txt")), Ok(None));
        let denied = ReadError::io(&std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert_eq!(denied.describe(lock), "_meta/requirements/x.txt cannot be read (permission denied)");
        assert!(
            denied.hint(lock).starts_with("make it readable for this user (`chmod u+rw _meta/requirements/x.txt`)")
        );
        #[cfg(unix)]
        {
            std::fs::remove_file(&path).unwrap();
            std::os::unix::fs::symlink("x.txt", &path).unwrap();
            let Freshness::Unreadable(ReadError::Io { message, .. }) = freshness(&path, "d1") else { panic!() };
            assert_eq!(message, "too many levels of symbolic links", "not missing");
        }
    }

    #[test]
    fn freshness_and_lock_agrees_with_freshness() {
        let dir = tempfile::tempdir().unwrap();
        let path = Utf8Path::from_path(dir.path()).unwrap().join("x.txt");
        let text = written();
        let cases = [
            text.clone(),
            text.replace("numpy==2.4.6", "numpy==2.3.0"),
            text.replace('\n', "\r\n"),
            format!("{text}<<<<<<< HEAD\nsix==1.0\n"),
            format!("{text}this is not a requirement\n"),
            "six==1.17.0\n".to_owned(),
        ];
        for (i, case) in cases.iter().enumerate() {
            std::fs::write(&path, case).unwrap();
            for inputs in ["d1", "d2"] {
                let (freshness_of_both, lock) = freshness_and_lock(&path, inputs);
                assert_eq!(freshness_of_both, freshness(&path, inputs), "case {i}, inputs {inputs}");
                assert_eq!(lock.is_some(), parse(case).is_ok() && conflict_marker(case).is_none(), "case {i}");
            }
        }
        std::fs::remove_file(&path).unwrap();
        assert_eq!(freshness_and_lock(&path, "d1").0, Freshness::Missing);
    }

    #[test]
    fn paths_are_made_relative_with_slashes() {
        assert_eq!(relative_path(Utf8Path::new("wheels"), Utf8Path::new("_meta/requirements")), "../../wheels");
        assert_eq!(relative_path(Utf8Path::new("_meta/requirements/../wh"), Utf8Path::new("_meta")), "wh");
        assert_eq!(relative_path(Utf8Path::new("a\\b"), Utf8Path::new("")), "a/b");
        assert!(!is_local_relative("https://x/simple") && !is_local_relative("/abs") && !is_local_relative("C:\\w"));
        assert!(is_local_relative("wheels"));
    }
}
