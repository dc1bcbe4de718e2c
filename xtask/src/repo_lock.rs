//! One writer at a time: an advisory lock on the repository, held until the process exits.
//!
//! Every command takes it shared to read; a command that will write (a lock, a venv, a
//! stamp) takes it exclusive first, so two terminals, an editor and `cargo nextest`'s
//! parallel `--list` runs never write over each other. A second run that has to wait says
//! what it waits for, as cargo does, then proceeds. The lock is the operating system's
//! (`flock`, `LockFileEx`): a killed process holds nothing, so no stale lock ever blocks.
//!
//! It lives in the process, not in a guard: a command may take it shared, find work, and
//! upgrade; nested calls are no-ops. Under the exclusive lock, no other run is writing, so
//! whatever temp files lie about were left by a killed run and are swept away. (On macOS,
//! taking the lock also ends what a killed run left running: `reap.rs`.)
//!
//! `main` takes it before it reads the workspace, so what a run acts on is what it read
//! under the lock. Upgrading (and downgrading) lets go of the lock for a moment, as `flock`
//! does, and another writer may run in between: every exclusive holder leaves a fresh
//! writer mark in the lock file, and a run that finds the mark changed when it takes the
//! lock back returns [`Changed`], on which `main` loads the workspace again and starts the
//! command over (still holding the lock).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Seek as _, Write as _};
use std::sync::Mutex;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::workspace::Workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    Shared,
    Exclusive,
}

struct Held {
    root: Utf8PathBuf,
    file: File,
    mode: Mode,
    /// The writer mark when this run took the lock (its own, once exclusive).
    mark: String,
    /// Whether the leftovers of killed runs were swept (once, under the exclusive lock).
    swept: bool,
}

/// Another run wrote while this one let go of the repository lock (to upgrade or
/// downgrade it): the workspace this run loaded may be out of date. `main` loads it again
/// and starts the command over; the lock is held as asked.
#[derive(Debug)]
pub struct Changed;

impl std::fmt::Display for Changed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("another run changed the repository while this one waited for the repository lock")
    }
}

impl std::error::Error for Changed {}

/// Whether `err` is (or wraps) [`Changed`].
pub fn is_changed(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.is::<Changed>())
}

static HELD: Mutex<Option<Held>> = Mutex::new(None);

/// The tool's own state, per checkout and git-ignored (`_meta/.tools` may be shared or
/// cached across checkouts; this may not).
pub const STATE_DIR: &str = "_meta/.state";

/// The lock file.
pub fn path(root: &Utf8Path) -> Utf8PathBuf {
    root.join(STATE_DIR).join("repo.lock")
}

/// Takes the repository lock in `mode` (or keeps a stronger one already held); under the
/// exclusive lock, sweeps what killed runs left (once). [`Changed`] when it had to let go
/// of a shared lock to upgrade and another run wrote in between.
pub fn acquire(ws: &Workspace, mode: Mode) -> Result<()> {
    take(&ws.root, mode)?;
    let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(h) = held.as_mut().filter(|h| h.root == ws.root && h.mode == Mode::Exclusive && !h.swept) {
        h.swept = true;
        sweep_temp_files(ws);
    }
    Ok(())
}

/// [`acquire`] before the workspace is loaded (`main`): the lock alone, no sweep.
pub fn take(root: &Utf8Path, mode: Mode) -> Result<()> {
    let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
    if held.as_ref().is_some_and(|h| h.root == root && h.mode >= mode) {
        return Ok(());
    }
    // Upgrading from shared: the shared lock is let go first (as `flock` itself does), so
    // two runs upgrading at once cannot deadlock; a writer that ran in between is found by
    // its mark.
    let before = held.take().map(|h| {
        let _ = h.file.unlock();
        h.mark
    });
    let path = path(root);
    let opened = std::fs::create_dir_all(path.parent().expect("the lock is in a folder"))
        .and_then(|()| OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path));
    let mut file = match opened {
        Ok(file) => file,
        // A checkout nobody may write to (mounted read-only for a lint job): nothing can
        // be written there, so a reader has nothing to wait for.
        Err(err) if mode == Mode::Shared && is_read_only(&err) => return Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => {
            let dir = path.parent().expect("the lock is in a folder");
            return Err(anyhow::Error::new(err).context(crate::error::Hinted::new(
                format!("cannot open the repository lock {path}: permission denied"),
                crate::fsutil::permission_hint(dir, &path),
            )));
        }
        Err(err) => return Err(err).with_context(|| format!("cannot open the repository lock {path}")),
    };
    let try_lock = |f: &File| match mode {
        Mode::Shared => f.try_lock_shared(),
        Mode::Exclusive => f.try_lock(),
    };
    match try_lock(&file) {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let by = holder(&path).unwrap_or_else(|| "another run".to_owned());
            crate::ui::status("Blocking", &format!("waiting for the repository lock ({path}), held by {by}"));
            match mode {
                Mode::Shared => file.lock_shared(),
                Mode::Exclusive => file.lock(),
            }
            .with_context(|| format!("cannot lock {path}"))?;
        }
        Err(TryLockError::Error(err)) => {
            return Err(err).with_context(|| format!("cannot lock {path}"));
        }
    }
    let found = mark_in(&read_all(&mut file));
    let mark = if mode == Mode::Exclusive { new_mark() } else { found.clone() };
    write_holder(&mut file, &mark);
    let changed = before.is_some_and(|before| before != found);
    *held = Some(Held { root: root.to_owned(), file, mode, mark, swept: false });
    if crate::reap::NEEDED {
        crate::reap::begin(&root.join(STATE_DIR).join("children"));
    }
    if changed { Err(Changed.into()) } else { Ok(()) }
}

/// The lock file's text: the writer mark (fixed width), then who holds it.
fn read_all(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(std::io::SeekFrom::Start(0)).and_then(|_| std::io::Read::read_to_string(file, &mut text));
    text
}

const MARK_PREFIX: &str = "writer ";
const MARK_LEN: usize = 32;

/// The last exclusive holder's mark; zeros when there is none (a lock file of an older
/// xtask, or one cut short by two readers rewriting it at once: at worst a needless reload).
fn mark_in(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(MARK_PREFIX))
        .map(str::trim)
        .filter(|m| m.len() == MARK_LEN && m.bytes().all(|b| b.is_ascii_hexdigit()))
        .map_or_else(|| "0".repeat(MARK_LEN), str::to_owned)
}

/// A mark no other exclusive holder has had: this process and the time.
fn new_mark() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{:016x}{:016x}", nanos as u64, u64::from(std::process::id()))
}

/// Writes the mark and who holds the lock, for the message of a run that waits (the last
/// of several readers): over the old text, then cut to length, so a reader never sees it
/// empty. The mark's line has the same length in every run, so readers rewriting it at
/// once cannot cut it.
fn write_holder(file: &mut File, mark: &str) {
    let text = format!("{MARK_PREFIX}{mark}\n`{}` (pid {})\n", this_run(), std::process::id());
    let _ = file.seek(std::io::SeekFrom::Start(0)).and_then(|_| file.write_all(text.as_bytes()));
    let _ = file.set_len(text.len() as u64);
}

/// The run the lock file names, if that process is still alive (a killed one leaves its
/// name behind, and holds nothing).
fn holder(path: &Utf8Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.contains("(pid "))?.trim();
    let pid: u32 = line.rsplit_once("(pid ")?.1.strip_suffix(')')?.parse().ok()?;
    (pid != std::process::id() && is_alive(pid)).then(|| line.to_owned())
}

#[cfg(unix)]
fn is_alive(pid: u32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks that the process exists.
    i32::try_from(pid).is_ok_and(|pid| unsafe { libc::kill(pid, 0) } == 0)
}

#[cfg(windows)]
fn is_alive(pid: u32) -> bool {
    // OpenProcess, then GetExitCodeProcess is STILL_ACTIVE.
    crate::exec::is_alive(pid)
}

/// This process's command line, as the user typed it: `cargo xtask setup-envs -j 2`.
fn this_run() -> String {
    let mut args = std::env::args();
    let program = args.next().unwrap_or_default();
    let stem = std::path::Path::new(&program).file_stem().map(|s| s.to_string_lossy().into_owned());
    let program = if stem.as_deref() == Some("xtask") { "cargo xtask".to_owned() } else { program };
    std::iter::once(program).chain(args).collect::<Vec<_>>().join(" ")
}

fn is_read_only(err: &std::io::Error) -> bool {
    err.kind() == std::io::ErrorKind::PermissionDenied || err.kind() == std::io::ErrorKind::ReadOnlyFilesystem
}

/// From exclusive to shared, once a command is done writing (test-all, before its suites
/// run): other runs may read again, and a writer waits until the suites are done.
/// [`Changed`] when a writer slipped in while the lock was let go.
pub fn downgrade() -> Result<()> {
    let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(h) = held.as_mut().filter(|h| h.mode == Mode::Exclusive) {
        h.file.unlock().context("cannot unlock the repository lock")?;
        h.file.lock_shared().context("cannot lock the repository lock")?;
        h.mode = Mode::Shared;
        if mark_in(&read_all(&mut h.file)) != h.mark {
            return Err(Changed.into());
        }
    }
    Ok(())
}

/// Removes what killed runs left: `*.xtask-tmp` files and folders (half-written locks and
/// stamps, venvs being replaced) in the folders this tool writes to. Only names of that
/// pattern, which only this tool makes, are touched.
fn sweep_temp_files(ws: &Workspace) {
    // Not `_meta/.tools`: it may be shared with other checkouts, whose runs this lock does
    // not order (the uv bootstrap cleans up after itself).
    let mut dirs: Vec<Utf8PathBuf> =
        [crate::config::REQUIREMENTS_DIR, crate::config::VENVS_DIR, STATE_DIR, crate::lock::INPUTS_CACHE]
            .map(|d| ws.root.join(d))
            .into();
    for env in &ws.envs {
        let venv = ws.root.join(&env.venv);
        dirs.extend(venv.parent().map(Utf8Path::to_owned));
        dirs.push(venv);
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            if !entry.file_name().to_string_lossy().ends_with(".xtask-tmp") {
                continue;
            }
            let path = entry.path();
            let removed = match entry.file_type() {
                Ok(t) if t.is_dir() => std::fs::remove_dir_all(&path),
                _ => std::fs::remove_file(&path),
            };
            if removed.is_ok() {
                let shown = path.strip_prefix(&ws.root).unwrap_or(&path).display().to_string();
                crate::ui::status("Removed", &format!("{shown} (left by an interrupted run)"));
            }
        }
    }
}
