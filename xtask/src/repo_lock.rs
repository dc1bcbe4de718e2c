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
//! whatever temp files lie about were left by a killed run and are swept away.

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
}

static HELD: Mutex<Option<Held>> = Mutex::new(None);

/// The tool's own state, per checkout and git-ignored (`_meta/.tools` may be shared or
/// cached across checkouts; this may not).
pub const STATE_DIR: &str = "_meta/.state";

/// The lock file.
pub fn path(root: &Utf8Path) -> Utf8PathBuf {
    root.join(STATE_DIR).join("repo.lock")
}

/// Takes the repository lock in `mode` (or keeps a stronger one already held).
pub fn acquire(ws: &Workspace, mode: Mode) -> Result<()> {
    let root = ws.root.as_path();
    let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
    if held.as_ref().is_some_and(|h| h.root == root && h.mode >= mode) {
        return Ok(());
    }
    // Upgrading from shared: the shared lock is let go first (as `flock` itself does), so
    // two runs upgrading at once cannot deadlock; the caller re-reads what it decided on.
    if let Some(h) = held.take() {
        let _ = h.file.unlock();
    }
    let path = path(root);
    let opened = std::fs::create_dir_all(path.parent().expect("the lock is in a folder"))
        .and_then(|()| OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path));
    let mut file = match opened {
        Ok(file) => file,
        // A checkout nobody may write to (mounted read-only for a lint job): nothing can
        // be written there, so a reader has nothing to wait for.
        Err(err) if mode == Mode::Shared && is_read_only(&err) => return Ok(()),
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
    // Who holds it, for the message of a run that waits (the last of several readers):
    // written over the old text, then cut to length, so a reader never sees it empty.
    let text = format!("`{}` (pid {})\n", this_run(), std::process::id());
    let _ = file.seek(std::io::SeekFrom::Start(0)).and_then(|_| file.write_all(text.as_bytes()));
    let _ = file.set_len(text.len() as u64);
    if mode == Mode::Exclusive {
        sweep_temp_files(ws);
    }
    *held = Some(Held { root: root.to_owned(), file, mode });
    Ok(())
}

/// The run the lock file names, if that process is still alive (a killed one leaves its
/// name behind, and holds nothing).
fn holder(path: &Utf8Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().next()?.trim();
    let pid: u32 = line.rsplit_once("(pid ")?.1.strip_suffix(')')?.parse().ok()?;
    (pid != std::process::id() && is_alive(pid)).then(|| line.to_owned())
}

#[cfg(unix)]
fn is_alive(pid: u32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks that the process exists.
    i32::try_from(pid).is_ok_and(|pid| unsafe { libc::kill(pid, 0) } == 0)
}

#[cfg(not(unix))]
fn is_alive(_pid: u32) -> bool {
    true
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
pub fn downgrade() -> Result<()> {
    let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(h) = held.as_mut().filter(|h| h.mode == Mode::Exclusive) {
        h.file.unlock().context("cannot unlock the repository lock")?;
        h.file.lock_shared().context("cannot lock the repository lock")?;
        h.mode = Mode::Shared;
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
        [crate::config::REQUIREMENTS_DIR, crate::config::VENVS_DIR, STATE_DIR].map(|d| ws.root.join(d)).into();
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
