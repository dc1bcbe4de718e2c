//! `cargo xtask lock [--check] [--upgrade] [--upgrade-package P]... [-p NAME]...`: compile
//! every stale lock, layers before the envs on them; all or nothing.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Result, anyhow};
use camino::Utf8PathBuf;

use crate::error::hinted;
use crate::lock::{self, LockId, Upgrade};
use crate::lockfile::{self, Freshness};
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
    let locked = compile(ws, &named, &selected, &options.upgrade, options.jobs, &|| Ok(()))?;
    let removed = if options.names.is_empty() { remove_orphans(ws)? } else { 0 };
    if locked.is_empty() && removed == 0 {
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

/// The locks for the given names: (the named ones, those plus every layer they are
/// constrained by and every lock constrained by a named layer).
pub fn scope(ws: &Workspace, names: &[String]) -> Result<(BTreeSet<LockId>, BTreeSet<LockId>)> {
    let plan = lock::plan(ws);
    if names.is_empty() {
        let all: BTreeSet<LockId> = plan.ids().collect();
        return Ok((all.clone(), all));
    }
    let mut named = BTreeSet::new();
    for name in names {
        match ws.layers.iter().position(|l| &l.name == name) {
            Some(layer) => named.insert(LockId::Layer(layer)),
            None => named.insert(LockId::Env(ws.members[ws.member(name).map_err(|_| unknown_name(ws, name))?].env)),
        };
    }
    let mut selected = named.clone();
    for &id in &named {
        selected.extend(plan[id].after.iter().map(|&l| LockId::Layer(l)));
        if let LockId::Layer(layer) = id {
            selected.extend(plan.on_layer(layer));
        }
    }
    Ok((named, selected))
}

/// `-p NAME` that is neither a project nor a layer.
fn unknown_name(ws: &Workspace, name: &str) -> anyhow::Error {
    let projects: Vec<&str> = ws.members.iter().map(|m| m.name.as_str()).collect();
    let layers: Vec<&str> = ws.layers.iter().map(|l| l.name.as_str()).collect();
    let closest = crate::suggest::closest(name, projects.iter().chain(&layers).copied());
    let known = format!("the projects are: {}; the layers are: {}", projects.join(", "), layers.join(", "));
    hinted(
        format!("no project or layer named `{name}`"),
        match closest {
            Some(close) => format!("did you mean `{close}`? ({known})"),
            None => known,
        },
    )
}

/// The locks that `envs` need: each env's, and those of the layers under it.
pub fn needed_by(ws: &Workspace, envs: &[usize]) -> BTreeSet<LockId> {
    envs.iter().flat_map(|&e| ws.envs[e].layers.iter().map(|&l| LockId::Layer(l)).chain([LockId::Env(e)])).collect()
}

/// Compiles the stale locks among `selected` (and, with an upgrade, the `named` ones even
/// when fresh), in waves: each wave re-plans (a lock's digest covers the locks it is
/// constrained by) and compiles, in parallel, the pending locks whose constraints are
/// settled. On any failure every lock written is put back as it was, byte for byte, so a
/// run changes all its locks or none. `before_writing` runs once, only when there is
/// something to compile, before the first lock is written: a command checks there what it
/// will need afterwards (a Python), so a missing one changes nothing. Returns the locks it
/// compiled.
pub fn compile(
    ws: &Workspace,
    named: &BTreeSet<LockId>,
    selected: &BTreeSet<LockId>,
    upgrade: &Upgrade,
    jobs: usize,
    before_writing: &dyn Fn() -> Result<()>,
) -> Result<Vec<LockId>> {
    check_upgrade_packages(ws, named, upgrade)?;
    // A lock the file system will not let us read is not missing: never compiled over.
    super::check::refuse_unreadable(ws, selected)?;
    let backups: Mutex<Vec<(Utf8PathBuf, Option<Vec<u8>>)>> = Mutex::new(Vec::new());
    let mut uv = None;
    let mut locked: Vec<LockId> = Vec::new();
    let result = (|| -> Result<()> {
        loop {
            // A signal between waves stops here, and the locks of earlier waves are put back.
            crate::interrupt::check()?;
            let plan = lock::plan(ws);
            let pending: BTreeSet<LockId> = selected
                .iter()
                .copied()
                .filter(|id| !locked.contains(id))
                .filter(|&id| {
                    (upgrade.any() && named.contains(&id)) || lock::freshness(&ws.root, &plan[id]) != Freshness::Fresh
                })
                .collect();
            let ready: Vec<LockId> = pending
                .iter()
                .copied()
                .filter(|&id| plan[id].after.iter().all(|&l| !pending.contains(&LockId::Layer(l))))
                .collect();
            if ready.is_empty() {
                return Ok(());
            }
            let uv: &Uv = match &uv {
                Some(uv) => uv,
                None => {
                    before_writing()?;
                    uv.insert(Uv::locate(&ws.root, &ws.config)?)
                }
            };
            let none = Upgrade::default();
            let results = sched::run(&vec![Vec::new(); ready.len()], jobs, true, |k| {
                let id = ready[k];
                let spec = &plan[id];
                let path = ws.root.join(&spec.lock);
                backups.lock().unwrap_or_else(|p| p.into_inner()).push((spec.lock.clone(), std::fs::read(&path).ok()));
                let started = Instant::now();
                let result = lock::compile(ws, uv, spec, if named.contains(&id) { upgrade } else { &none });
                let result = result.map_err(|err| {
                    if crate::interrupt::of(&err).is_some() {
                        return err; // stopped, not refused: nothing to explain
                    }
                    match crate::conflict::explain(ws, &plan, id, &format!("{err:#}")) {
                        Some(explained) => anyhow!("{}", uv_part(&err)).context(explained),
                        None => err,
                    }
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
            super::first_error(results.into_iter().filter_map(Status::error))?;
            crate::interrupt::check()?; // jobs that never started are not locked
            locked.extend(ready);
        }
    })();
    if result.is_ok() {
        let plan = lock::plan(ws);
        for &id in &locked {
            lock::record_inputs(ws, &plan[id]);
        }
    }
    if result.is_err() {
        let restored = restore(ws, backups.into_inner().unwrap_or_else(|p| p.into_inner()));
        if restored > 0 {
            ui::status("Restored", &format!("{} as they were before this run", ui::count(restored, "lock")));
        }
    }
    result.map(|()| locked)
}

/// The locks among `ids` whose lock file pins one of `packages` (an upgrade of them moves
/// something there).
pub fn pinning(ws: &Workspace, ids: &BTreeSet<LockId>, packages: &[String]) -> BTreeSet<LockId> {
    let plan = lock::plan(ws);
    let wanted: Vec<String> = packages.iter().map(|p| crate::pep508::normalize(p)).collect();
    ids.iter()
        .copied()
        .filter(|&id| {
            std::fs::read_to_string(ws.root.join(&plan[id].lock))
                .ok()
                .and_then(|text| lockfile::parse(&text).ok())
                .is_some_and(|lock| lock.requirements.iter().any(|r| wanted.contains(&r.name)))
        })
        .collect()
}

/// `--upgrade-package P` where no lock in scope pins P is a typo until shown otherwise:
/// uv would re-lock and move nothing, without a word.
fn check_upgrade_packages(ws: &Workspace, named: &BTreeSet<LockId>, upgrade: &Upgrade) -> Result<()> {
    if upgrade.packages.is_empty() {
        return Ok(());
    }
    let plan = lock::plan(ws);
    let pinned: BTreeSet<String> = named
        .iter()
        .filter_map(|&id| std::fs::read_to_string(ws.root.join(&plan[id].lock)).ok())
        .filter_map(|text| lockfile::parse(&text).ok())
        .flat_map(|lock| lock.requirements.into_iter().map(|r| r.name))
        .collect();
    for package in &upgrade.packages {
        let wanted = crate::pep508::normalize(package);
        if !pinned.contains(&wanted) {
            let hint = match crate::suggest::closest(&wanted, pinned.iter().map(String::as_str)) {
                Some(close) => format!("did you mean `{close}`? (`--upgrade-package {close}`)"),
                None => "name a package that one of the locks pins (see _meta/requirements/*.txt)".to_owned(),
            };
            return Err(hinted(format!("--upgrade-package {package}: no lock in scope pins `{wanted}`"), hint));
        }
    }
    Ok(())
}

/// Removes the locks this tool wrote that no layer or env has any more (a project deleted
/// or renamed). Returns how many.
pub fn remove_orphans(ws: &Workspace) -> Result<usize> {
    let orphans = super::check::orphans(ws, &lock::plan(ws));
    for orphan in &orphans {
        std::fs::remove_file(ws.root.join(orphan)).map_err(|err| anyhow!("cannot remove {orphan}: {err}"))?;
        ui::status("Removed", &format!("{orphan} (no project or layer has this lock any more)"));
    }
    Ok(orphans.len())
}

/// uv's own explanation, from a failed compile's error chain (the innermost cause).
fn uv_part(err: &anyhow::Error) -> String {
    err.chain().last().map(ToString::to_string).unwrap_or_default()
}

/// Puts every lock back as it was before this run, byte for byte (removing those it
/// created). Returns how many had changed.
fn restore(ws: &Workspace, backups: Vec<(Utf8PathBuf, Option<Vec<u8>>)>) -> usize {
    let mut changed = 0;
    for (lock, before) in backups {
        let path = ws.root.join(&lock);
        if std::fs::read(&path).ok() == before {
            continue;
        }
        changed += 1;
        let restored = match before {
            Some(bytes) => crate::fsutil::write_atomic_bytes(&path, &bytes),
            None => std::fs::remove_file(&path)
                .or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) })
                .map_err(Into::into),
        };
        if let Err(err) = restored {
            crate::ui::err(&format!("warning: could not restore {lock}: {err:#}\n"));
        }
    }
    changed
}
