//! `cargo xtask clean [--stale] [PROJECT]...`: removes venvs the xtask made, and nothing else.
//!
//! A venv is the xtask's when it carries its marker ([`venv::MARKER_FILE`], or the stamp of
//! a venv made before markers: [`venv::is_ours`]). Anything else at a venv's path (an old
//! script's venv, a folder, a file, a link elsewhere) is left alone, and the run says so and
//! why. Links are removed, never followed: a member's `.venv` link to a shared venv goes
//! only when it points at that env's venv.
//!
//! - Without arguments: every env's venv, and the `.venv` links of shared envs.
//! - With `PROJECT`s: the venvs of those projects' envs. One that is not the xtask's is an
//!   error (exit 2) once the others are removed: the caller asked for it by name.
//! - `--stale`: only what no env uses any more, and what interrupted runs left:
//!   - folders under `_meta/venvs/` with the marker that are no env's venv now (a shared
//!     env that was renamed or lost its members, a venv moved back into its member);
//!   - a marked `.venv` (or a link into `_meta/venvs/`) in a folder that is no longer a
//!     member (with a `pyproject.toml` or not: a unit removed from the config), found by a walk of the first [`MAX_DEPTH`] levels that
//!     skips hidden folders, venvs, `node_modules` and build output (as `init` does). A
//!     member's venv can be anywhere its folder was, and the tree is not walked whole: a
//!     folder that lost its pyproject, or lies deeper, is not found (`clean` it while it is
//!     a member);
//!   - `*.xtask-tmp` names (half-written files, venvs being replaced, uv's bootstrap being
//!     staged), only in the places the xtask writes them: `_meta/` (walked, not into
//!     venvs), `_meta/.tools/`, the top level of every venv, member folder and the root. One
//!     whose name ends with the pid of a live process is being written right now by a
//!     writer the repository lock does not order (`_meta/.tools` may be shared with other
//!     checkouts; the metadata cache is written as a workspace loads): it is left for a
//!     later run.
//!
//! Each path removed is printed with its size, then the space freed in total. A file
//! hard-linked from elsewhere (uv links packages from its cache) frees nothing while its
//! other links remain, so the total counts only files whose every link was removed.
//! `main` holds the repository lock exclusive: no run of ours is writing meanwhile.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::Workspace;
use crate::config::{TOOLS_DIR, VENVS_DIR};
use crate::error::hinted;
use crate::fsutil::{Usage, human_bytes};
use crate::{ui, venv};

/// What `cargo xtask clean` was given (`flags` describes the command line).
#[derive(Debug, Clone)]
pub struct Options {
    /// Only venvs of envs that no longer exist, and leftovers of interrupted runs
    pub stale: bool,
    /// Only the venvs of these projects
    pub projects: Vec<String>,
}

/// How deep `--stale` looks for folders that were members (`tools/a/Review` is 3).
pub const MAX_DEPTH: usize = 4;

/// The suffix of every temp name the xtask writes (`fsutil::temp_path`, the uv bootstrap).
const TEMP_SUFFIX: &str = ".xtask-tmp";

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    let start = std::time::Instant::now();
    let mut clean = Cleaner { root: &ws.root, usage: Usage::default(), removed: 0, left: Vec::new() };
    if options.stale {
        stale_venvs(ws, &mut clean)?;
        former_members(ws, &mut clean)?;
        leftovers(ws, &mut clean)?;
    } else {
        let envs: BTreeSet<usize> = if options.projects.is_empty() {
            (0..ws.envs.len()).collect()
        } else {
            let cwd = std::env::current_dir()
                .ok()
                .and_then(|d| Utf8PathBuf::from_path_buf(d).ok())
                .unwrap_or_else(|| ws.root.clone());
            options.projects.iter().map(|p| Ok(ws.members[ws.member_named(&cwd, p)?].env)).collect::<Result<_>>()?
        };
        for e in envs {
            clean_env(ws, e, &mut clean)?;
        }
    }
    let total = clean.usage.total();
    let freed = clean.usage.freed();
    let shared = if total > freed {
        format!(
            " ({} more is hard-linked from elsewhere, uv's cache most likely, and stays)",
            human_bytes(total - freed)
        )
    } else {
        String::new()
    };
    if clean.removed == 0 {
        ui::status("Cleaned", &format!("nothing to remove ({})", ui::elapsed(start.elapsed())));
    } else {
        ui::status(
            "Cleaned",
            &format!(
                "{}, {} freed{shared} ({})",
                ui::count(clean.removed, "path"),
                human_bytes(freed),
                ui::elapsed(start.elapsed())
            ),
        );
    }
    if !options.projects.is_empty() && !clean.left.is_empty() {
        let paths: Vec<&str> = clean.left.iter().map(|p| p.as_str()).collect();
        let (they, them) = if paths.len() == 1 { ("it", "it") } else { ("they", "them") };
        return Err(hinted(
            format!("left alone, as the xtask did not make {them}: {}", paths.join(", ")),
            format!(
                "the xtask removes only venvs with its {} marker; if {they} can go, delete {them} yourself (`rm -rf {}`), and `cargo xtask setup-envs` makes the xtask's own",
                venv::MARKER_FILE,
                paths.join(" ")
            ),
        ));
    }
    Ok(())
}

/// What a run removed and refused.
struct Cleaner<'w> {
    root: &'w Utf8Path,
    usage: Usage,
    removed: usize,
    /// Paths left alone (relative to the root).
    left: Vec<Utf8PathBuf>,
}

impl Cleaner<'_> {
    /// Removes `rel` (a link as a link, a folder with what it holds, never following a
    /// link), after measuring it; `why` is shown after it.
    fn remove(&mut self, rel: &Utf8Path, why: &str) -> Result<()> {
        let path = self.root.join(rel);
        let Ok(meta) = std::fs::symlink_metadata(&path) else { return Ok(()) };
        let usage = Usage::of(&path);
        let removed = if meta.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.with_context(|| format!("cannot remove {rel}"))?;
        let size = usage.total();
        self.usage.merge(usage);
        self.removed += 1;
        let why = if why.is_empty() { String::new() } else { format!(", {why}") };
        ui::status("Removed", &format!("{rel} ({}{why})", human_bytes(size)));
        Ok(())
    }

    fn leave(&mut self, rel: &Utf8Path, why: &str) {
        ui::status(
            "Left alone",
            &format!(
                "{rel} {why}: it has no {} marker, and the xtask never deletes what it did not create",
                venv::MARKER_FILE
            ),
        );
        self.left.push(rel.to_owned());
    }
}

/// Env `e`'s venv and its members' links to it; what is there but not the xtask's is left.
fn clean_env(ws: &Workspace, e: usize, clean: &mut Cleaner) -> Result<()> {
    let env = &ws.envs[e];
    let venv_path = ws.root.join(&env.venv);
    // Links first: each is judged by where it points, which is about to go.
    for link in &env.links {
        let path = ws.root.join(link);
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).unwrap_or_default();
            let same = std::fs::canonicalize(&path)
                .ok()
                .zip(std::fs::canonicalize(&venv_path).ok())
                .is_some_and(|(a, b)| a == b);
            // A link left dangling (its venv removed by hand) is judged by what it names.
            let dangling_to_it = !path.exists() && target.ends_with(&env.venv);
            if same || dangling_to_it {
                clean.remove(link, &format!("the link to {}", env.venv))?;
            } else {
                let target = target.display();
                ui::status("Left alone", &format!("{link}: a link to {target}, not to the venv of `{}`", env.name));
            }
        } else if meta.is_dir() && venv::is_ours(&path) {
            // The member's own venv from before it joined the shared env.
            clean.remove(link, "")?;
        } else if !is_empty_dir(&path) {
            let why = venv::not_ours(&ws.root, &path).unwrap_or_else(|| "is not the xtask's".to_owned());
            clean.leave(link, &why);
        }
    }
    // A member's `.venv` that the workspace moved aside from (it was not the xtask's).
    for &m in &env.members {
        let own = ws.members[m].dir.join(".venv");
        if own != env.venv
            && !env.links.contains(&own)
            && let Some(why) = venv::not_ours(&ws.root, &ws.root.join(&own))
        {
            clean.leave(&own, &why);
        }
    }
    let Ok(meta) = std::fs::symlink_metadata(&venv_path) else { return Ok(()) };
    if meta.file_type().is_symlink() {
        // A member's `.venv` linking into `_meta/venvs/`: the link goes, its target is another env's.
        match venv::not_ours(&ws.root, &venv_path) {
            None => clean.remove(&env.venv, "a link")?,
            Some(why) => clean.leave(&env.venv, &why),
        }
    } else if meta.is_dir() && venv::is_ours(&venv_path) {
        clean.remove(&env.venv, "")?;
    } else if !is_empty_dir(&venv_path) {
        let why = venv::not_ours(&ws.root, &venv_path).unwrap_or_else(|| "is not the xtask's".to_owned());
        clean.leave(&env.venv, &why);
    }
    Ok(())
}

fn is_empty_dir(path: &Utf8Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}

/// Marked venvs under `_meta/venvs/` that no env has now.
fn stale_venvs(ws: &Workspace, clean: &mut Cleaner) -> Result<()> {
    let dir = ws.root.join(VENVS_DIR);
    let Ok(entries) = dir.read_dir_utf8() else { return Ok(()) };
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_owned()).collect();
    names.sort();
    for name in names.into_iter().filter(|n| !n.ends_with(TEMP_SUFFIX)) {
        let rel = Utf8PathBuf::from(format!("{VENVS_DIR}/{name}"));
        if ws.envs.iter().any(|env| env.venv == rel) {
            continue;
        }
        let path = ws.root.join(&rel);
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if is_dir && venv::is_ours(&path) {
            let why = match ws.envs.iter().find(|env| env.name == name) {
                Some(env) => format!("the venv of `{name}` is {} now", env.venv),
                None => format!("no env is named `{name}` any more"),
            };
            clean.remove(&rel, &why)?;
        } else {
            let why = if is_dir { "is a folder the xtask did not make" } else { "is not a folder of the xtask's" };
            clean.leave(&rel, why);
        }
    }
    Ok(())
}

/// The `.venv` of folders that are not members (any more), where it is the xtask's: a
/// marked venv, or a link into `_meta/venvs/`; one that is not is named only in a folder
/// with a `pyproject.toml` (a package that may have been a member).
fn former_members(ws: &Workspace, clean: &mut Cleaner) -> Result<()> {
    let members: BTreeSet<&Utf8Path> = ws.members.iter().map(|m| m.dir.as_path()).collect();
    let mut stack = vec![(Utf8PathBuf::new(), 0)];
    let mut found = Vec::new();
    while let Some((rel, depth)) = stack.pop() {
        let dir = ws.root.join(&rel);
        let Ok(entries) = dir.read_dir_utf8() else { continue };
        let (mut has_pyproject, mut has_venv) = (false, false);
        for entry in entries.filter_map(|e| e.ok()) {
            let Ok(kind) = entry.file_type() else { continue };
            let name = entry.file_name();
            has_venv |= name == ".venv";
            if kind.is_file() && name == "pyproject.toml" {
                has_pyproject = true;
            } else if kind.is_dir() && depth < MAX_DEPTH && crate::discover::skip_of(&ws.root, &rel, name).is_none() {
                stack.push((crate::discover::join(&rel, name), depth + 1));
            }
        }
        // A member removed from the config (a unit without a pyproject too) left its venv.
        if has_venv && !members.contains(rel.as_path()) {
            found.push((crate::discover::join(&rel, ".venv"), has_pyproject));
        }
    }
    found.sort();
    for (rel, has_pyproject) in found {
        let path = ws.root.join(&rel);
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        let ours = if meta.file_type().is_symlink() {
            venv::not_ours(&ws.root, &path).is_none()
        } else {
            meta.is_dir() && venv::is_ours(&path)
        };
        if ours {
            clean.remove(&rel, "its folder is not a member any more")?;
        } else if has_pyproject && !is_empty_dir(&path) {
            // A folder without a pyproject was maybe never a member: its venv is not ours to name.
            let why = venv::not_ours(&ws.root, &path).unwrap_or_else(|| "is not the xtask's".to_owned());
            clean.leave(&rel, &why);
        }
    }
    Ok(())
}

/// `*.xtask-tmp` names left by interrupted runs, in the places the xtask writes them.
fn leftovers(ws: &Workspace, clean: &mut Cleaner) -> Result<()> {
    // Folders whose top level is looked at.
    let mut dirs: BTreeSet<Utf8PathBuf> = BTreeSet::from([Utf8PathBuf::new(), Utf8PathBuf::from(TOOLS_DIR)]);
    for env in &ws.envs {
        dirs.insert(env.venv.clone());
        dirs.insert(env.venv.parent().map(Utf8Path::to_owned).unwrap_or_default());
        dirs.insert(env.lock.parent().map(Utf8Path::to_owned).unwrap_or_default());
    }
    dirs.extend(ws.members.iter().map(|m| m.dir.clone()));
    dirs.extend(ws.layers.iter().filter_map(|l| l.lock().parent().map(Utf8Path::to_owned)));
    // `_meta/` whole, except into venvs (only their top level is ours to write) and the
    // tools (looked at above, and maybe a link to a folder shared with other checkouts).
    let mut stack = vec![Utf8PathBuf::from("_meta")];
    while let Some(rel) = stack.pop() {
        dirs.insert(rel.clone());
        let Ok(entries) = ws.root.join(&rel).read_dir_utf8() else { continue };
        for entry in entries.filter_map(|e| e.ok()) {
            let child = rel.join(entry.file_name());
            let walk = entry.file_type().is_ok_and(|t| t.is_dir())
                && !entry.file_name().ends_with(TEMP_SUFFIX)
                && child != TOOLS_DIR
                && !matches!(entry.file_name(), "node_modules" | ".git" | "target");
            if walk && (entry.path().join("pyvenv.cfg").exists() || venv::is_ours(entry.path())) {
                dirs.insert(child);
            } else if walk {
                stack.push(child);
            }
        }
    }
    let mut found = BTreeSet::new();
    for rel in &dirs {
        let Ok(entries) = ws.root.join(rel).read_dir_utf8() else { continue };
        for entry in entries.filter_map(|e| e.ok()) {
            // The result cache is written by `test-all` alone, under the repository lock,
            // with a counter after the pid (`.<key>.json.<pid>.<n>.xtask-tmp`).
            let locked = rel.starts_with(crate::results::CACHE_DIR);
            if entry.file_name().ends_with(TEMP_SUFFIX) && (locked || !being_written(entry.file_name())) {
                found.insert(rel.join(entry.file_name()));
            }
        }
    }
    for rel in found {
        clean.remove(&rel, "left by an interrupted run")?;
    }
    Ok(())
}

/// Whether a temp name belongs to a process still running: every writer that does not
/// hold the repository lock (`_meta/.tools` is shared with other checkouts; the workspace
/// writes its metadata cache as it loads, before any lock; `init` and `envrc` run without
/// one) names its temp files `<name>.<pid>.xtask-tmp` (`fsutil::temp_path`, the uv
/// bootstrap). A dead writer's pid reused by another process only keeps the file until a
/// later run.
fn being_written(name: &str) -> bool {
    let stem = name.strip_suffix(TEMP_SUFFIX).unwrap_or(name);
    stem.rsplit('.').next().and_then(|pid| pid.parse::<u32>().ok()).is_some_and(is_alive)
}

#[cfg(unix)]
fn is_alive(pid: u32) -> bool {
    // 0 and 1 are never an xtask (and 0 would signal our own group).
    let Ok(pid) = i32::try_from(pid) else { return false };
    if pid <= 1 || pid == std::process::id() as i32 {
        return false;
    }
    // SAFETY: kill(2) with signal 0 only checks that the process exists; EPERM means it
    // exists but is another user's.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn is_alive(_pid: u32) -> bool {
    false
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_temp_name_of_a_live_process_is_being_written() {
        let me = std::process::id();
        let parent = std::os::unix::process::parent_id();
        assert!(being_written(&format!(".base.txt.{parent}.xtask-tmp")), "a live pid");
        assert!(being_written(&format!("uv-0.13.9.{parent}.xtask-tmp")));
        assert!(!being_written(&format!(".base.txt.{me}.xtask-tmp")), "ours: this process writes none");
        assert!(!being_written(".base.txt.999999999.xtask-tmp"), "no such pid");
        assert!(!being_written(".lock.txt.1.xtask-tmp"), "pid 1 is no xtask");
        assert!(!being_written("odd.xtask-tmp"));
    }
}
