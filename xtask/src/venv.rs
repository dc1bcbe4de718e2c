//! Venvs: where they keep their executables, what state one is in, and the sync.
//!
//! The truth about a venv is read from the venv, never assumed: its interpreter from
//! `pyvenv.cfg`, its location from the file system. A venv is fresh when its stamp names the
//! lock content it was synced to, that interpreter and that location, and its installed
//! packages match the lock. A marker, written before anything else, says the tool made the
//! folder, so a half-made venv (a kill, a full disk) is ours to repair. The stamp is removed
//! before a sync and written only after it completed, so an interrupted run leaves a venv
//! that the next one makes anew.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::{Hinted, hinted};
use crate::exec::Captured;
use crate::fsutil;
use crate::lockfile::{Lock, Pin};
/// Where a venv keeps its executables, and which interpreter a request stands for: defined
/// below `uv`, whose bootstrap is a venv and whose compiles take an interpreter.
pub use crate::python::{bin_dir, executable, interpreter, is_version, python};
use crate::uv::Uv;

pub const STAMP_FILE: &str = ".xtask-stamp";
/// Written first into every venv this tool creates.
pub const MARKER_FILE: &str = ".xtask-venv";
const MARKER_TEXT: &str =
    "This venv is managed by `cargo xtask`: it is synced to its lock, and may be made anew at any time.\n";

/// Where test runs keep compiled bytecode (`PYTHONPYCACHEPREFIX`): inside the venv, so it
/// goes with it and never lands in the source tree.
pub fn bytecode_dir(venv: &Utf8Path) -> Utf8PathBuf {
    venv.join(".pycache")
}

/// What a venv is, against what it should be (its lock's content and Python request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Nothing there (or an empty folder): created by the next sync.
    Missing,
    Fresh,
    /// Sound and at its place, but synced to another lock (or made by another tool): a sync fixes it.
    Unsynced,
    /// Synced to its lock, but packages were installed, removed or changed by hand since.
    Drifted(Vec<Drift>),
    /// Ours, but it must be made anew.
    Remake(Remake),
    /// Something at the venv's path that this tool did not make: never touched.
    Foreign(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remake {
    /// The repository was moved or copied: its editables and scripts point at `from`.
    Moved { from: String },
    /// Its interpreter is not the one asked for.
    Python { has: String, wants: String },
    /// Half-made or damaged.
    Broken(String),
    /// Stamped by an older xtask, whose stamp does not say where it was made.
    Outdated,
    /// Its stamp cannot be read (not text, garbage, or the file system refuses): why.
    Stamp(String),
}

impl std::fmt::Display for Remake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Remake::Moved { from } => {
                write!(f, "was made at {from} (the repository was moved or copied): its editables load the code there")
            }
            Remake::Python { has, wants } => write!(f, "runs Python {has}, but its env asks for Python {wants}"),
            Remake::Broken(why) => write!(f, "is broken: {why}"),
            Remake::Outdated => write!(f, "was stamped by an older xtask, which did not record where it was made"),
            Remake::Stamp(why) => write!(
                f,
                "has an unreadable stamp ({STAMP_FILE} {why}), so what it was synced to is unknown: the venv will be made anew and re-synced"
            ),
        }
    }
}

impl State {
    /// Whether a sync has work to do.
    pub fn is_fresh(&self) -> bool {
        *self == State::Fresh
    }

    /// What is wrong, for `check`; `None` when fresh or missing (a venv not made yet is not wrong).
    pub fn problem(&self) -> Option<String> {
        match self {
            State::Missing | State::Fresh => None,
            State::Unsynced => Some("is not synced to its lock (it changed since, or a sync was interrupted)".into()),
            State::Drifted(_) => None, // one finding per package, listed by the caller
            State::Remake(why) => Some(why.to_string()),
            State::Foreign(why) => Some(why.clone()),
        }
    }
}

/// A venv's state against `lock` and `python_request`. Reads a
/// few small files and lists site-packages; spawns nothing.
pub fn state(venv: &Utf8Path, lock: &Lock, locals: &[&str], python_request: &str) -> State {
    // A stamp is there in the common case (a venv synced before): it proves the folder is
    // ours and a folder, so the checks of what else might be at the path are skipped.
    let stamp = read_stamp(venv);
    if stamp.is_none()
        && let Some(state) = unstamped(venv, python_request)
    {
        return state;
    }
    let cfg = std::fs::read_to_string(venv.join("pyvenv.cfg")).ok();
    let Some(cfg) = cfg else {
        return State::Remake(Remake::Broken(
            "it has no pyvenv.cfg (its creation was interrupted, or the disk was full)".into(),
        ));
    };
    let Some(version) = cfg_version(&cfg) else {
        return State::Remake(Remake::Broken("its pyvenv.cfg does not say its Python version".into()));
    };
    if !python(venv).is_file() {
        return State::Remake(Remake::Broken(format!("its interpreter {} is gone", python(venv))));
    }
    if !version_matches(python_request, &version) {
        return State::Remake(Remake::Python { has: version, wants: python_request.to_owned() });
    }
    let stamp = match stamp {
        None => return State::Remake(Remake::Broken("its last sync did not complete".into())),
        Some(Err(why)) => return State::Remake(Remake::Stamp(why)),
        Some(Ok(text)) => text,
    };
    let Some(stamp) = Stamp::parse(&stamp) else {
        return State::Remake(if Stamp::is_older(&stamp) {
            Remake::Outdated
        } else {
            Remake::Stamp("holds no lock digest, Python, interpreter and location".into())
        });
    };
    // The path as given is usually the canonical one already (the root comes from the
    // working directory): resolve links only when it differs.
    if stamp.location != venv.as_str() && stamp.location != location(venv) {
        return State::Remake(Remake::Moved { from: stamp.location.to_owned() });
    }
    if stamp.interpreter != version || stamp.python != python_request {
        return State::Remake(Remake::Python { has: version, wants: python_request.to_owned() });
    }
    if stamp.lock != lock.body_digest() {
        return State::Unsynced;
    }
    match drift_at(venv, &version, lock, locals) {
        Ok(drift) if drift.is_empty() => State::Fresh,
        Ok(drift) => State::Drifted(drift),
        Err(err) => State::Remake(Remake::Broken(format!("{err:#}"))),
    }
}

/// The venv's stamp: `None` when there is none, else its text or why it cannot be read.
fn read_stamp(venv: &Utf8Path) -> Option<Result<String, String>> {
    match std::fs::read(venv.join(STAMP_FILE)) {
        Ok(bytes) => Some(String::from_utf8(bytes).map_err(|_| "is not text".to_owned())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        // A venv that is not there, or a file where it should be: not a stamp problem.
        Err(_) if !venv.is_dir() => None,
        Err(err) => Some(Err(format!("cannot be read: {}", err.to_string().split(" (os error").next().unwrap_or("")))),
    }
}

/// What is at an unstamped venv's path, where that alone decides its state: nothing (or an
/// empty folder), something this tool did not make (`Foreign`), or a venv another tool made
/// for the requested Python (adopted: synced in place). `None` for a folder of ours, which
/// the caller reads on.
fn unstamped(venv: &Utf8Path, python_request: &str) -> Option<State> {
    let meta = match std::fs::symlink_metadata(venv) {
        Err(_) => return Some(State::Missing),
        Ok(meta) => meta,
    };
    if meta.file_type().is_symlink() && !venv.is_dir() {
        let target = std::fs::read_link(venv).map(|t| t.display().to_string()).unwrap_or_default();
        return Some(State::Foreign(format!("is a link to {target}, which is not a folder")));
    }
    if !venv.is_dir() {
        return Some(State::Foreign("is a file, not a venv".into()));
    }
    if std::fs::read_dir(venv).is_ok_and(|mut d| d.next().is_none()) {
        return Some(State::Missing);
    }
    if is_ours(venv) {
        return None;
    }
    let cfg = std::fs::read_to_string(venv.join("pyvenv.cfg")).ok();
    Some(match cfg.as_deref().and_then(cfg_version) {
        Some(v) if version_matches(python_request, &v) => State::Unsynced,
        Some(v) => State::Foreign(format!(
            "is a venv for Python {v} that this tool did not make (its env asks for Python {python_request})"
        )),
        None => State::Foreign("exists but is not a venv".into()),
    })
}

/// Why the venv's path holds something this tool must not touch, if it does: checked before
/// any lock is written, whatever the lock will say.
pub fn in_the_way(venv: &Utf8Path, python_request: &str) -> Option<String> {
    if venv.join(STAMP_FILE).is_file() {
        return None;
    }
    match unstamped(venv, python_request) {
        Some(State::Foreign(why)) => Some(why),
        _ => None,
    }
}

/// Whether this tool made the folder: its marker, or the stamp of a venv made before markers.
/// Why `path` (a member's `.venv`) is not the xtask's to use, if it is not: a venv or a
/// folder another tool or script made, a file, a link elsewhere. `None` when nothing is
/// there, an empty folder, a venv of ours, or a link into the shared venvs.
pub fn not_ours(root: &Utf8Path, path: &Utf8Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).ok()?;
        let shared = root.join(crate::config::VENVS_DIR);
        let resolved = path.parent().map(|p| p.as_std_path().join(&target)).unwrap_or_else(|| target.clone());
        // The link as written first: resolving both paths costs a syscall per component.
        let ours = target.to_string_lossy().replace('\\', "/").contains(crate::config::VENVS_DIR)
            || std::fs::canonicalize(&resolved)
                .ok()
                .zip(std::fs::canonicalize(&shared).ok())
                .is_some_and(|(t, s)| t.starts_with(s));
        return (!ours).then(|| format!("is a link to {}", target.display()));
    }
    if !meta.is_dir() {
        return Some("is a file".to_owned());
    }
    // Empty, or holding only the temp files of a run of ours writing its marker right now
    // (this is read before the repository lock is taken): ours, or free.
    let in_progress = std::fs::read_dir(path)
        .is_ok_and(|entries| entries.flatten().all(|e| e.file_name().to_string_lossy().ends_with(".xtask-tmp")));
    if is_ours(path) || in_progress {
        return None;
    }
    Some(if path.join("pyvenv.cfg").is_file() {
        "is a venv the xtask did not make (an old script's?)".to_owned()
    } else {
        "is a folder the xtask did not make".to_owned()
    })
}

pub fn is_ours(venv: &Utf8Path) -> bool {
    venv.join(MARKER_FILE).is_file() || venv.join(STAMP_FILE).is_file()
}

/// The stamp's fields: the lock content it was synced to, the Python request, the
/// interpreter version and the venv's absolute location at the time.
struct Stamp<'a> {
    lock: &'a str,
    python: &'a str,
    interpreter: &'a str,
    location: &'a str,
}

impl<'a> Stamp<'a> {
    fn parse(text: &'a str) -> Option<Stamp<'a>> {
        let field = |key: &str| text.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix(' '));
        Some(Stamp {
            // A stamp from before body digests names the whole lock: synced again, not remade.
            lock: field("lock-body").or_else(|| field("lock-sha256").map(|_| ""))?,
            python: field("python")?,
            interpreter: field("interpreter")?,
            location: field("location")?,
        })
    }

    /// Whether `text` is the stamp of an xtask from before locations were recorded: its
    /// other fields are there.
    fn is_older(text: &str) -> bool {
        let has = |key: &str| text.lines().any(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(' ')));
        (has("lock-body") || has("lock-sha256")) && has("python") && has("interpreter") && !has("location")
    }

    fn render(&self) -> String {
        format!(
            "lock-body {}\npython {}\ninterpreter {}\nlocation {}\n",
            self.lock, self.python, self.interpreter, self.location
        )
    }
}

/// The venv's absolute location with links resolved: what its editables and scripts hold.
fn location(venv: &Utf8Path) -> String {
    std::fs::canonicalize(venv).map(|p| p.display().to_string()).unwrap_or_else(|_| venv.to_string())
}

/// Whether interpreter `version` (`3.11.7`) is what `request` asks for (`3.11`). A request
/// that is not a version (a name) is taken at its word.
fn version_matches(request: &str, version: &str) -> bool {
    if !is_version(request) {
        return true;
    }
    version == request || version.starts_with(&format!("{request}."))
}

/// The interpreter version a `pyvenv.cfg` records (`version_info` from uv, `version` from
/// the stdlib's venv).
pub(crate) fn cfg_version(cfg: &str) -> Option<String> {
    cfg.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| matches!(k.trim(), "version_info" | "version"))
        .map(|(_, v)| v.trim().to_owned())
}

/// Brings the venv from `state` to fresh: makes it (anew, when it must be) and syncs it
/// exactly to `lock` (extraneous packages removed), then stamps it with what it now is.
/// Bytecode is not compiled here but on first import (see `pytest::command`). Paths are
/// absolute.
pub fn sync(uv: &Uv, venv: &Utf8Path, lock: &Utf8Path, python_request: &str, state: &State) -> Result<Vec<Captured>> {
    let mut steps = Vec::new();
    let lock_text = fsutil::read(lock)?;
    match state {
        State::Foreign(why) => return Err(foreign(venv, why)),
        State::Fresh => return Ok(steps),
        State::Missing | State::Remake(_) => steps.push(create(uv, venv, python_request)?),
        State::Unsynced | State::Drifted(_) => {}
    }
    match std::fs::remove_file(venv.join(STAMP_FILE)) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            return Err(err).context(format!("cannot remove the stamp of {venv}"));
        }
        _ => {}
    }
    // A lock pins exact versions, so a warm cache needs no index: try offline first, which
    // spares a revalidation round trip per package, and go online only for what it lacks.
    // `--no-sources`: the lock says where everything comes from; a project's
    // `[tool.uv.sources]` would only get in the way of building its editable.
    // Run `--offline`, every uv command is offline already: once, and no network after.
    let sync = uv.cmd(&["pip", "sync", "--no-sources", "--python"]).arg(python(venv).as_str()).arg(lock.as_str());
    let warm = if crate::uv::offline() { None } else { Some(crate::exec::capture(&sync.clone().arg("--offline"))?) };
    steps.push(match warm {
        Some(warm) if warm.success => warm,
        _ => crate::exec::run_ok(&sync).map_err(|err| match hash_mismatch(&format!("{err:#}")) {
            Some(package) => err.context(Hinted::new(
                format!("cannot sync {venv} to {lock}: the artifact of {package} does not have the hash the lock pins"),
                format!(
                    "the file served for {package} is not the one that was locked (a swapped wheel on an index or mirror, or a rebuilt local wheel); restore it, or re-lock on purpose with `cargo xtask lock --upgrade-package {}`",
                    package.split("==").next().unwrap_or(&package)
                ),
            )),
            None if format!("{err:#}").contains("No space left on device") => err.context(Hinted::new(
                format!("cannot sync {venv} to {lock}: the disk is full"),
                "free some space, then run again: the half-synced venv is repaired",
            )),
            None if crate::uv::offline() && crate::uv::is_offline_miss(&format!("{err:#}")) => {
                err.context(Hinted::new(
                    format!(
                        "--offline: cannot sync {venv} to {lock}: a package it pins is neither in uv's cache nor in a find-links folder"
                    ),
                    OFFLINE_HINT,
                ))
            }
            None if format!("{err:#}").contains("there is no version of") => err.context(Hinted::new(
                format!("cannot sync {venv} to {lock}: the lock pins a version that no index or find-links folder has"),
                "compile the lock again with `cargo xtask lock` (it was edited by hand, or is used --frozen though stale)",
            )),
            None if format!("{err:#}").contains("Permission denied") => {
                let dir = venv.parent().unwrap_or(venv);
                err.context(Hinted::new(
                    format!("cannot sync {venv} to {lock}: permission denied"),
                    fsutil::permission_hint(dir, venv),
                ))
            }
            None => err.context(format!("cannot sync {venv} to {lock}")),
        })?
    });
    let cfg = fsutil::read(&venv.join("pyvenv.cfg"))?;
    let stamp = Stamp {
        lock: &crate::lockfile::body_digest(&lock_text),
        python: python_request,
        interpreter: &cfg_version(&cfg)
            .with_context(|| format!("{venv}/pyvenv.cfg does not say its Python version"))?,
        location: &location(venv),
    };
    if !is_ours(venv) {
        fsutil::write_atomic(&venv.join(MARKER_FILE), MARKER_TEXT)?; // adopted: ours from now on
    }
    fsutil::write_atomic(&venv.join(STAMP_FILE), &stamp.render())?;
    Ok(steps)
}

/// How to get what an `--offline` run found missing.
pub const OFFLINE_HINT: &str = "run once without --offline, with the network, to fill uv's cache (the same machine, or a CI cache of UV_CACHE_DIR); or put the wheels in a find-links folder of _meta/monorepo.toml";

/// The error for something at a venv's path that this tool did not make.
pub fn foreign(venv: &Utf8Path, why: &str) -> anyhow::Error {
    hinted(
        format!("{venv} {why}"),
        format!(
            "move {venv} away (or delete it if you do not need it): the xtask never deletes what it did not create"
        ),
    )
}

/// Makes the venv, anew if one of ours is there: the old one is first renamed out of the
/// way (a temp name that a later run sweeps if this one is killed), the folder and its
/// marker are written, and only then does uv fill it. At no moment is there a folder at the
/// venv's path that is neither empty nor marked as ours.
fn create(uv: &Uv, venv: &Utf8Path, python_request: &str) -> Result<Captured> {
    if venv.exists() {
        let old = fsutil::temp_path(venv);
        std::fs::rename(venv, &old).with_context(|| format!("cannot move {venv} out of the way to make it anew"))?;
        let _ = std::fs::remove_dir_all(&old);
    }
    std::fs::create_dir_all(venv).with_context(|| format!("cannot create {venv}"))?;
    fsutil::write_atomic(&venv.join(MARKER_FILE), MARKER_TEXT)?;
    let interpreter = interpreter(python_request);
    let create = uv.cmd(&["venv", "--quiet", "--allow-existing", "--python", &interpreter]).arg(venv.as_str());
    crate::exec::run_ok(&create).map_err(|err| {
        let output = format!("{err:#}");
        if output.contains("No interpreter found") || output.contains("not found in") {
            err.context(missing_python(python_request, &format!("cannot create {venv}")))
        } else if output.contains("Permission denied") || output.contains("Read-only file system") {
            err.context(Hinted::new(
                format!("cannot create {venv}: permission denied"),
                format!("make {} writable, or run where you may write", venv.parent().unwrap_or(venv)),
            ))
        } else if output.contains("No space left") {
            err.context(Hinted::new(
                format!("cannot create {venv}: the disk is full"),
                "free some space, then run again: the half-made venv is repaired",
            ))
        } else {
            err.context(format!("cannot create {venv}"))
        }
    })
}

/// Whether syncing `venv` to a lock for `python_request` means creating it, which needs
/// that interpreter: it is missing, or must be made anew.
pub fn needs_interpreter(venv: &Utf8Path, python_request: &str) -> bool {
    let version = std::fs::read_to_string(venv.join("pyvenv.cfg")).ok().and_then(|c| cfg_version(&c));
    !python(venv).is_file() || version.is_none_or(|v| !version_matches(python_request, &v))
}

/// Finds the interpreter for `request` (pyenv's, else through `uv python find`) without
/// changing anything: commands check it before they write a lock. `what` says what needs
/// it, for the message.
pub fn find_interpreter(uv: &Uv, request: &str, what: &str) -> Result<String> {
    let found = interpreter(request);
    if Utf8Path::new(&found).is_absolute() {
        return Ok(found);
    }
    // Its answer on stdout, a warning (if any) apart on stderr.
    let out = crate::exec::read(&uv.cmd(&["python", "find", &found]))?;
    let path = out.stdout.lines().last().unwrap_or("").trim();
    if out.success && !path.is_empty() {
        return Ok(path.to_owned());
    }
    Err(anyhow::anyhow!("{}", out.stderr.trim()).context(missing_python(request, what)))
}

fn missing_python(request: &str, what: &str) -> Hinted {
    crate::python::missing(request, what)
}

/// The `name==version` of uv's "Hash mismatch for `name==version`", if it says that.
fn hash_mismatch(output: &str) -> Option<String> {
    let rest = &output[output.find("Hash mismatch for `")? + "Hash mismatch for `".len()..];
    Some(rest[..rest.find('`')?].to_owned())
}

/// The `major.minor` an interpreter request stands for: the request itself when it is a
/// version (`3.11`); else, for a path or a name on PATH (`/usr/bin/python3.11`,
/// `python3.11`), what that interpreter says it is, asked once per run; else the request
/// as written (its locks then read stale, and making its venv says what is missing).
pub fn version_of_request(request: &str) -> String {
    static SEEN: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    if is_version(request) {
        return request.to_owned();
    }
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, version)) = seen.iter().find(|(r, _)| r == request) {
        return version.clone();
    }
    let ask = crate::exec::Cmd::new(request, ".").args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]);
    let asked = crate::exec::read_ok(&ask).ok().map(|out| out.trim().to_owned()).filter(|v| is_version(v));
    let version = asked.unwrap_or_else(|| request.to_owned());
    seen.push((request.to_owned(), version.clone()));
    version
}

/// Points `link` (a member's `.venv`) at the shared venv `venv`. Replaces only a link or a
/// venv of ours; anything else there is an error. Where the platform has no
/// symlinks for us, does nothing.
pub fn link(venv: &Utf8Path, link: &Utf8Path) -> Result<()> {
    let target = relative_to(venv, link.parent().unwrap_or(link));
    match std::fs::symlink_metadata(link) {
        Ok(meta) if meta.file_type().is_symlink() => {
            if std::fs::read_link(link).is_ok_and(|t| t == target.as_std_path()) {
                return Ok(());
            }
            std::fs::remove_file(link).with_context(|| format!("cannot replace the link {link}"))?;
        }
        Ok(_) if is_ours(link) => {
            // The member's own venv from before it joined a shared env: ours to remove.
            std::fs::remove_dir_all(link).with_context(|| format!("cannot remove the old venv {link}"))?;
        }
        Ok(_) => {
            return Err(hinted(
                format!("{link} is in the way of the link to the shared venv {venv}"),
                format!("move {link} away: the xtask never deletes what it did not create"),
            ));
        }
        Err(_) => {}
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, link).with_context(|| format!("cannot link {link} to {target}"))?;
    Ok(())
}

/// `path` relative to the folder `from` (both relative to the same root, or both absolute).
fn relative_to(path: &Utf8Path, from: &Utf8Path) -> Utf8PathBuf {
    let common = path.components().zip(from.components()).take_while(|(a, b)| a == b).count();
    let ups = from.components().count() - common;
    let mut out = Utf8PathBuf::new();
    for _ in 0..ups {
        out.push("..");
    }
    for part in path.components().skip(common) {
        out.push(part);
    }
    out
}

/// The distributions installed in a venv (normalised name -> version), read from the
/// `.dist-info` folders of its site-packages: no interpreter is started.
pub fn installed(venv: &Utf8Path) -> Result<BTreeMap<String, String>> {
    let lib = if cfg!(windows) { venv.join("Lib") } else { venv.join("lib") };
    let mut out = BTreeMap::new();
    let site_dirs: Vec<Utf8PathBuf> = if cfg!(windows) {
        vec![lib.join("site-packages")]
    } else {
        lib.read_dir_utf8()
            .with_context(|| format!("cannot list {lib}"))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().starts_with("python"))
            .map(|e| e.path().join("site-packages"))
            .collect()
    };
    for site in site_dirs {
        for entry in site.read_dir_utf8().with_context(|| format!("cannot list {site}"))? {
            let entry = entry?;
            if let Some((name, version)) = entry.file_name().strip_suffix(".dist-info").and_then(|s| s.split_once('-'))
            {
                out.insert(crate::pep508::normalize(name), version.to_owned());
            }
        }
    }
    Ok(out)
}

/// How a venv differs from its lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// Installed, but the lock does not list it (installed by hand?).
    Extraneous { package: String, version: String },
    /// The lock lists it (unconditionally), but it is not installed.
    Missing { package: String },
    /// Installed at a version the lock does not pin.
    Changed { package: String, installed: String, pinned: String },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Extraneous { package, version } => {
                write!(f, "has {package}=={version}, which its lock does not list (installed by hand?)")
            }
            Drift::Missing { package } => write!(f, "lacks {package}, which its lock lists"),
            Drift::Changed { package, installed, pinned } => {
                write!(f, "has {package}=={installed}, but its lock pins {package}=={pinned}")
            }
        }
    }
}

/// Compares what a venv has installed with its lock. `locals` are the package names of the
/// editables the lock installs. A line under an environment marker counts where its marker
/// holds for this venv; one whose marker cannot be read may be present or not. A package
/// pinned by URL (`name @ git+...`) may be installed at any version.
pub fn drift(venv: &Utf8Path, lock: &Lock, locals: &[&str]) -> Result<Vec<Drift>> {
    drift_at(venv, &python_version(venv)?, lock, locals)
}

/// [`drift`] of a venv whose interpreter's version is known (read from its `pyvenv.cfg`).
fn drift_at(venv: &Utf8Path, version: &str, lock: &Lock, locals: &[&str]) -> Result<Vec<Drift>> {
    let installed = installed(venv)?;
    let env = crate::markers::Environment::of_venv(version.to_owned());
    let mut expected: BTreeMap<&str, Vec<&Pin>> = BTreeMap::new();
    let mut maybe: BTreeMap<&str, Vec<&Pin>> = BTreeMap::new();
    for req in &lock.requirements {
        let bucket = match req.marker.as_deref().map(|m| crate::markers::evaluate(m, &env)) {
            None | Some(Some(true)) => &mut expected,
            Some(None) => &mut maybe,
            Some(Some(false)) => continue,
        };
        bucket.entry(req.name.as_str()).or_default().push(&req.pin);
    }
    let mut out = Vec::new();
    for (package, version) in &installed {
        match expected.get(package.as_str()).or_else(|| maybe.get(package.as_str())) {
            Some(pins) if !pins.iter().any(|p| matches!(p, Pin::Url(_)) || **p == Pin::Version(version.clone())) => out
                .push(Drift::Changed {
                    package: package.clone(),
                    installed: version.clone(),
                    pinned: pins
                        .iter()
                        .map(|p| match p {
                            Pin::Version(v) => v.clone(),
                            Pin::Url(url) => format!("@ {url}"),
                        })
                        .collect::<Vec<_>>()
                        .join(crate::lockfile::PIN_SEPARATOR),
                }),
            None if !locals.contains(&package.as_str()) => {
                out.push(Drift::Extraneous { package: package.clone(), version: version.clone() })
            }
            _ => {}
        }
    }
    for package in expected.keys().copied().chain(locals.iter().copied()) {
        if !installed.contains_key(package) {
            out.push(Drift::Missing { package: package.to_owned() });
        }
    }
    Ok(out)
}

/// The venv's interpreter version, from its `pyvenv.cfg`.
fn python_version(venv: &Utf8Path) -> Result<String> {
    cfg_version(&fsutil::read(&venv.join("pyvenv.cfg"))?)
        .with_context(|| format!("{venv}/pyvenv.cfg does not say its Python version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_climb_out_of_the_member_folder() {
        assert_eq!(
            relative_to(Utf8Path::new("_meta/venvs/web"), Utf8Path::new("projects/api")),
            "../../_meta/venvs/web"
        );
        assert_eq!(relative_to(Utf8Path::new("/r/_meta/venvs/x"), Utf8Path::new("/r/p/a")), "../../_meta/venvs/x");
    }

    #[test]
    fn finds_packages_added_removed_or_changed_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        let venv = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        let site = venv.join(if cfg!(windows) { "Lib/site-packages" } else { "lib/python3.11/site-packages" });
        for d in ["six-1.17.0.dist-info", "numpy-2.4.6.dist-info", "idna-3.9.dist-info", "ideas_model-0.1.0.dist-info"]
        {
            std::fs::create_dir_all(site.join(d)).unwrap();
        }
        std::fs::write(venv.join("pyvenv.cfg"), "home = /usr/bin\nversion_info = 3.11.7\n").unwrap();
        let lock = "-e projects/model\nnumpy==2.4.6 ; python_full_version < '3.12'\nnumpy==2.5.5 ; python_full_version >= '3.12'\n\
                    idna==3.10\npytest==9.0.0\ncolorama==0.4.6 ; sys_platform == 'win32'\n";
        let lock = &crate::lockfile::parse(lock).unwrap();
        let drift = drift(&venv, lock, &["ideas-model"]).unwrap();
        let mut wanted = vec![
            Drift::Changed { package: "idna".into(), installed: "3.9".into(), pinned: "3.10".into() },
            Drift::Extraneous { package: "six".into(), version: "1.17.0".into() },
            Drift::Missing { package: "pytest".into() },
        ];
        if cfg!(windows) {
            wanted.insert(2, Drift::Missing { package: "colorama".into() }); // its marker holds there
        }
        assert_eq!(drift, wanted);
        // A package pinned only under markers is still required where they hold.
        std::fs::remove_dir_all(site.join("numpy-2.4.6.dist-info")).unwrap();
        let drift = super::drift(&venv, lock, &["ideas-model"]).unwrap();
        assert!(drift.contains(&Drift::Missing { package: "numpy".into() }), "{drift:?}");
        // And one whose marker fails here is extraneous if installed.
        std::fs::create_dir_all(site.join("colorama-0.4.6.dist-info")).unwrap();
        let drift = super::drift(&venv, lock, &["ideas-model"]).unwrap();
        assert_eq!(
            drift.iter().any(|d| matches!(d, Drift::Extraneous { package, .. } if package == "colorama")),
            !cfg!(windows),
            "{drift:?}"
        );
        // A package pinned by URL may be installed at any version.
        std::fs::create_dir_all(site.join("mylib-0.3.0.dist-info")).unwrap();
        let with_url = crate::lockfile::parse("mylib @ git+https://example.org/mylib.git@abc\n").unwrap();
        assert!(!super::drift(&venv, &with_url, &[]).unwrap().iter().any(|d| d.to_string().contains("mylib")));
    }

    #[test]
    fn a_stamp_that_cannot_be_read_is_named_so_and_remade() {
        let dir = tempfile::tempdir().unwrap();
        let venv = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        std::fs::write(venv.join(MARKER_FILE), MARKER_TEXT).unwrap();
        std::fs::write(venv.join("pyvenv.cfg"), "home = /usr/bin\nversion_info = 3.11.7\n").unwrap();
        let bin = python(&venv);
        std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
        std::fs::write(&bin, "").unwrap();
        let lock = crate::lockfile::parse("six==1.17.0\n").unwrap();
        let state_with = |stamp: &[u8]| {
            std::fs::write(venv.join(STAMP_FILE), stamp).unwrap();
            state(&venv, &lock, &[], "3.11")
        };
        let garbage = state_with(b"garbage\n");
        assert_eq!(
            garbage,
            State::Remake(Remake::Stamp("holds no lock digest, Python, interpreter and location".into()))
        );
        let said = garbage.problem().unwrap();
        assert!(said.starts_with("has an unreadable stamp (.xtask-stamp holds no lock digest"), "{said}");
        assert!(said.ends_with("the venv will be made anew and re-synced"), "{said}");
        assert_eq!(state_with(b"\xff\xfe"), State::Remake(Remake::Stamp("is not text".into())));
        assert_eq!(state_with(b"lock-sha256 ab\npython 3.11\ninterpreter 3.11.7\n"), State::Remake(Remake::Outdated));
    }

    #[test]
    fn reads_installed_distributions_from_dist_info() {
        let dir = tempfile::tempdir().unwrap();
        let venv = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        let site = venv.join(if cfg!(windows) { "Lib/site-packages" } else { "lib/python3.11/site-packages" });
        for d in ["typing_extensions-4.12.2.dist-info", "Ideas_Model-0.1.0.dist-info", "numpy", "__pycache__"] {
            std::fs::create_dir_all(site.join(d)).unwrap();
        }
        let installed = installed(&venv).unwrap();
        assert_eq!(installed.len(), 2);
        assert_eq!(installed["typing-extensions"], "4.12.2");
        assert_eq!(installed["ideas-model"], "0.1.0");
    }

    #[test]
    fn a_members_venv_is_ours_when_empty_marked_or_being_marked() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let venv = root.join("p/.venv");
        assert_eq!(not_ours(root, &venv), None, "nothing there");
        std::fs::create_dir_all(&venv).unwrap();
        assert_eq!(not_ours(root, &venv), None, "an empty folder");
        std::fs::write(venv.join("..xtask-venv.4242.xtask-tmp"), "").unwrap();
        assert_eq!(not_ours(root, &venv), None, "a run of ours writing its marker now");
        std::fs::write(venv.join("notes.md"), "mine").unwrap();
        assert_eq!(not_ours(root, &venv).as_deref(), Some("is a folder the xtask did not make"));
        std::fs::write(venv.join(MARKER_FILE), MARKER_TEXT).unwrap();
        assert_eq!(not_ours(root, &venv), None, "marked");
    }
}
