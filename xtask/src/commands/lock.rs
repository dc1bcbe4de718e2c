//! `cargo xtask lock [--check] [--upgrade] [--upgrade-package P]... [-p NAME]...`: compile
//! every stale lock, layers before the envs on them; all or nothing.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Result, anyhow};
use camino::Utf8PathBuf;

use crate::lock::{self, Freshness, Upgrade};
use crate::sched::{self, Status};
use crate::ui;
use crate::uv::Uv;
use crate::workspace::Workspace;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub check: bool,
    pub upgrade: Upgrade,
    /// Projects or layers to lock (with what they need and, for a layer, what is on it);
    /// empty means all. Upgrades apply to the named ones only.
    pub names: Vec<String>,
    pub jobs: usize,
}

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    if options.check {
        return super::check::run(ws);
    }
    let start = Instant::now();
    let (named, selected) = scope(ws, &options.names)?;
    let locked = compile(ws, &named, &selected, &options.upgrade, options.jobs)?;
    if locked.is_empty() {
        ui::status(
            "Fresh",
            &format!("{}, nothing to do ({})", ui::count(selected.len(), "lock"), ui::elapsed(start.elapsed())),
        );
    } else {
        ui::status(
            "Finished",
            &format!("locked {} of {} in {}", locked.len(), selected.len(), ui::elapsed(start.elapsed())),
        );
    }
    Ok(())
}

/// Plan indices for the given names: (the named specs, those plus every layer they are
/// constrained by and every spec constrained by a named layer).
pub fn scope(ws: &Workspace, names: &[String]) -> Result<(BTreeSet<usize>, BTreeSet<usize>)> {
    let layers = ws.layers.len();
    if names.is_empty() {
        let all: BTreeSet<usize> = (0..layers + ws.envs.len()).collect();
        return Ok((all.clone(), all));
    }
    let mut named = BTreeSet::new();
    for name in names {
        match ws.layers.iter().position(|l| &l.name == name) {
            Some(layer) => named.insert(layer),
            None => named.insert(layers + ws.members[ws.member(name)?].env),
        };
    }
    let plan = lock::plan(ws);
    let mut selected = named.clone();
    for &ix in &named {
        selected.extend(&plan[ix].after);
        if ix < layers {
            selected.extend((0..plan.len()).filter(|&other| plan[other].after.contains(&ix)));
        }
    }
    Ok((named, selected))
}

/// Compiles the stale specs among `selected` (and, with an upgrade, the `named` ones even
/// when fresh), in waves: each wave re-plans (a lock's digest covers the locks it is
/// constrained by) and compiles, in parallel, the pending specs whose constraints are
/// settled. On any failure every lock written is put back as it was, so a run changes all
/// its locks or none. Returns the plan indices it locked.
pub fn compile(
    ws: &Workspace,
    named: &BTreeSet<usize>,
    selected: &BTreeSet<usize>,
    upgrade: &Upgrade,
    jobs: usize,
) -> Result<Vec<usize>> {
    let backups: Mutex<Vec<(Utf8PathBuf, Option<Vec<u8>>)>> = Mutex::new(Vec::new());
    let mut uv = None;
    let mut locked: Vec<usize> = Vec::new();
    let result = (|| -> Result<()> {
        loop {
            let plan = lock::plan(ws);
            let pending: BTreeSet<usize> = selected
                .iter()
                .copied()
                .filter(|ix| !locked.contains(ix))
                .filter(|&ix| {
                    (upgrade.any() && named.contains(&ix)) || lock::freshness(&ws.root, &plan[ix]) != Freshness::Fresh
                })
                .collect();
            let ready: Vec<usize> =
                pending.iter().copied().filter(|&ix| plan[ix].after.iter().all(|a| !pending.contains(a))).collect();
            if ready.is_empty() {
                return Ok(());
            }
            let uv: &Uv = match &uv {
                Some(uv) => uv,
                None => uv.insert(Uv::locate(&ws.root, &ws.config.uv)?),
            };
            let none = Upgrade::default();
            let results = sched::run(&vec![Vec::new(); ready.len()], jobs, true, |k| {
                let ix = ready[k];
                let spec = &plan[ix];
                let path = ws.root.join(&spec.lock);
                backups.lock().expect("no job panics").push((spec.lock.clone(), std::fs::read(&path).ok()));
                let started = Instant::now();
                let result = lock::compile(ws, uv, spec, if named.contains(&ix) { upgrade } else { &none });
                let result = result.map_err(|err| match crate::conflict::explain(ws, &plan, ix, &format!("{err:#}")) {
                    Some(explained) => anyhow!("{}", uv_part(&err)).context(explained),
                    None => err,
                });
                if result.is_ok() {
                    ui::status(
                        "Locked",
                        &format!("{} ({}) in {}", spec.name, spec.lock, ui::elapsed(started.elapsed())),
                    );
                }
                let ok = result.is_ok();
                (result, ok)
            });
            super::first_error(results.into_iter().filter_map(|status| match status {
                Status::Ran { value: Err(err), .. } => Some(err),
                _ => None,
            }))?;
            locked.extend(ready);
        }
    })();
    if result.is_err() {
        restore(ws, backups.into_inner().expect("no job panics"));
    }
    result.map(|()| locked)
}

/// uv's own explanation, from a failed compile's error chain (the innermost cause).
fn uv_part(err: &anyhow::Error) -> String {
    err.chain().last().map(ToString::to_string).unwrap_or_default()
}

/// Puts every lock back as it was before this run (removing those it created).
fn restore(ws: &Workspace, backups: Vec<(Utf8PathBuf, Option<Vec<u8>>)>) {
    for (lock, before) in backups {
        let path = ws.root.join(&lock);
        let restored = match before {
            Some(bytes) => crate::fsutil::write_atomic(&path, &String::from_utf8_lossy(&bytes)),
            None => std::fs::remove_file(&path)
                .or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) })
                .map_err(Into::into),
        };
        if let Err(err) = restored {
            eprintln!("warning: could not restore {lock}: {err:#}");
        }
    }
}
