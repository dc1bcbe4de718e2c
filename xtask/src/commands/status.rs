//! `cargo xtask status`: per env, whether its lock is fresh and its venv in sync, its
//! Python, package count and size on disk.
//!
//! A report, not a gate: it exits 0 whatever it finds (`check` is the gate). Offline and
//! quick: it reads the locks' headers, each venv's `pyvenv.cfg`, stamp and `.dist-info`
//! folders, and walks the venv for its size; it starts no process and takes no lock (it
//! writes nothing; a venv being synced meanwhile shows what it was at that moment).
//!
//! `--format json` prints one object on stdout, with these keys in this order (added to,
//! never changed):
//!
//! ```json
//! {"envs": [{"name": "web", "members": ["web"], "lock": "fresh", "venv": "in-sync",
//!            "python": "3.11.7", "packages": 12, "size_bytes": 31457280,
//!            "venv_path": "projects/web/.venv"}]}
//! ```
//!
//! - `lock`: `fresh` (it and every layer lock under it match their inputs), `stale` (one of
//!   them does not, or was edited by hand or cannot be read: `lock` compiles it again), or
//!   `missing` (the env's lock is not there).
//! - `venv`, against the lock as it is on disk: `in-sync`, `drifted` (packages installed,
//!   removed or changed by hand since its sync), `stale` (synced to another lock, half-made,
//!   moved with the repository, or on another Python: `setup-envs` syncs or remakes it),
//!   `missing`, or `foreign` (something the xtask did not make is at its path, which it
//!   never touches).
//! - `python`: the venv's interpreter version from its `pyvenv.cfg`, else the env's request.
//! - `packages`, `size_bytes`: the distributions installed and the space the venv takes on
//!   disk (each hard link once, links not followed); `null` without a venv.
//! - `venv_path`: relative to the root, with `/`.

use anyhow::Result;
use camino::Utf8Path;
use serde_core::Serialize;

use crate::Workspace;
use crate::lock::{self, LockId};
use crate::lockfile::Freshness;
use crate::{shape, ui};

use super::Format;
use crate::venv::{self, State};

/// What `cargo xtask status` was given (`flags` describes the command line).
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LockState {
    Fresh,
    Stale,
    Missing,
}

shape::unit_enum! { LockState { Fresh = "fresh", Stale = "stale", Missing = "missing" } }

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VenvState {
    InSync,
    Drifted,
    Stale,
    Missing,
    Foreign,
}

shape::unit_enum! { VenvState {
    InSync = "in-sync",
    Drifted = "drifted",
    Stale = "stale",
    Missing = "missing",
    Foreign = "foreign",
} }

/// One env's line of the report; its fields are the JSON keys, in order.
#[derive(Debug)]
struct EnvStatus {
    name: String,
    members: Vec<String>,
    lock: LockState,
    venv: VenvState,
    python: String,
    packages: Option<usize>,
    size_bytes: Option<u64>,
    venv_path: String,
}

shape::serialize_struct! { EnvStatus {
    name: "name",
    members: "members",
    lock: "lock",
    venv: "venv",
    python: "python",
    packages: "packages",
    size_bytes: "size_bytes",
    venv_path: "venv_path",
} }

#[derive(Debug)]
struct Report {
    envs: Vec<EnvStatus>,
}

shape::serialize_struct! { Report { envs: "envs" } }

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    let start = std::time::Instant::now();
    let plan = lock::plan(ws);
    let envs: Vec<EnvStatus> = (0..ws.envs.len()).map(|e| env_status(ws, &plan, e)).collect();
    for why in ws.envs.iter().flat_map(|env| &env.displaced) {
        ui::status("Note", why);
    }
    match options.format {
        Format::Json => {
            let report = Report { envs };
            ui::out(&(serde_json::to_string_pretty(&report).expect("plain values") + "\n"));
        }
        Format::Text => {
            let rows: Vec<Vec<String>> = envs.iter().map(row).collect();
            ui::out(&ui::table(&["env", "members", "lock", "venv", "python", "packages", "size"], &rows));
            let fresh = envs.iter().filter(|s| s.lock == LockState::Fresh).count();
            let synced = envs.iter().filter(|s| s.venv == VenvState::InSync).count();
            ui::status(
                "Status",
                &format!(
                    "{}: {fresh} with a fresh lock, {synced} with a venv in sync ({})",
                    ui::count(envs.len(), "env"),
                    ui::elapsed(start.elapsed())
                ),
            );
            if envs.iter().any(|s| s.lock != LockState::Fresh || s.venv != VenvState::InSync) {
                ui::err(
                    "hint: `cargo xtask setup-envs` locks and syncs them; `cargo xtask check` names each difference\n",
                );
            }
        }
    }
    Ok(())
}

fn env_status(ws: &Workspace, plan: &lock::Plan, e: usize) -> EnvStatus {
    let env = &ws.envs[e];
    let own = &plan[LockId::Env(e)];
    let lock = match lock::freshness(&ws.root, own) {
        Freshness::Missing => LockState::Missing,
        Freshness::Fresh
            if super::lock::needed_by(ws, &[e])
                .into_iter()
                .all(|id| lock::freshness(&ws.root, &plan[id]) == Freshness::Fresh) =>
        {
            LockState::Fresh
        }
        _ => LockState::Stale,
    };
    let path = ws.root.join(&env.venv);
    let venv = venv_state(ws, e, &path);
    let exists = venv != VenvState::Missing;
    let python = std::fs::read_to_string(path.join("pyvenv.cfg"))
        .ok()
        .and_then(|cfg| venv::cfg_version(&cfg))
        .filter(|_| exists)
        .unwrap_or_else(|| env.python.clone());
    EnvStatus {
        name: env.name.clone(),
        members: env.members.iter().map(|&m| ws.members[m].name.clone()).collect(),
        lock,
        venv,
        python,
        packages: venv::installed(&path).ok().filter(|_| exists).map(|p| p.len()),
        size_bytes: exists.then(|| crate::fsutil::Usage::of(&path).total()),
        venv_path: env.venv.as_str().replace('\\', "/"),
    }
}

/// The venv's state as `check` reads it ([`venv::state`]), against the lock on disk; with
/// no readable lock, whatever is there cannot match it.
fn venv_state(ws: &Workspace, e: usize, path: &Utf8Path) -> VenvState {
    let env = &ws.envs[e];
    let Some(state) = ws.venv_state(e) else {
        return if venv::in_the_way(path, &env.python).is_some() {
            VenvState::Foreign
        } else if std::fs::symlink_metadata(path).is_err()
            || std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
        {
            VenvState::Missing
        } else {
            VenvState::Stale
        };
    };
    match state {
        State::Missing => VenvState::Missing,
        State::Fresh => VenvState::InSync,
        State::Drifted(_) => VenvState::Drifted,
        State::Unsynced | State::Remake(_) => VenvState::Stale,
        State::Foreign(_) => VenvState::Foreign,
    }
}

/// A state as the JSON spells it, for the table: one spelling everywhere.
fn word(state: &impl Serialize) -> String {
    serde_json::to_value(state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn row(s: &EnvStatus) -> Vec<String> {
    vec![
        s.name.clone(),
        s.members.join(", "),
        word(&s.lock),
        word(&s.venv),
        s.python.clone(),
        s.packages.map(|n| n.to_string()).unwrap_or_default(),
        s.size_bytes.map(crate::fsutil::human_bytes).unwrap_or_default(),
    ]
}
