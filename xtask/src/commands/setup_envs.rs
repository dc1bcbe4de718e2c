//! `cargo xtask setup-envs [-p PROJECT]... [--locked | --frozen] [--offline]`: each env's
//! venv synced exactly to its lock.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::Result;

use crate::error::{Hinted, hinted};
use crate::lock::{self, LockId, Upgrade};
use crate::lockfile::{self, Freshness, ReadError};
use crate::repo_lock::{self, Mode};
use crate::sched;
use crate::ui;
use crate::uv::Uv;
use crate::venv::{self, State};
use crate::workspace::{Env, Workspace};

/// `--locked`, `--frozen`, `--offline`: what a command that may lock or sync may do with a
/// lock that is not fresh, and with the network; uv's flags of those names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Modes {
    /// Fail, naming each lock, if any lock is not up to date, instead of compiling it (CI:
    /// test only what was committed)
    pub locked: bool,
    /// Use the locks as they are, even stale; never compile one (a missing one is an error)
    pub frozen: bool,
    /// No network: uv uses its cache and the find-links folders only
    pub offline: bool,
}

pub fn run(ws: &Workspace, projects: &[String], jobs: usize, modes: Modes) -> Result<()> {
    let envs: BTreeSet<usize> = if projects.is_empty() {
        (0..ws.envs.len()).collect()
    } else {
        projects.iter().map(|p| ws.member(p).map(|m| ws.members[m].env)).collect::<Result<_>>()?
    };
    ensure_with(ws, &envs.into_iter().collect::<Vec<_>>(), jobs, "setup-envs", modes)
}

/// [`ensure_with`] as a developer runs it: stale locks are compiled.
pub fn ensure(ws: &Workspace, envs: &[usize], jobs: usize) -> Result<()> {
    ensure_with(ws, envs, jobs, "", Modes::default())
}

/// Makes the given envs fresh: locks what is stale (with `--locked` fails instead, naming
/// each lock; with `--frozen` uses it as it is), then syncs every venv that is not fresh
/// (made anew where it was moved, is for another Python or is half-made), and links shared
/// venvs into their members. When everything is fresh this reads a few files and spawns
/// nothing, under the shared repository lock; with work to do it takes the lock exclusive
/// (`repo_lock::Changed` when another run wrote meanwhile: `main` starts over) and looks
/// again. `command` names the command for `--locked`'s message.
pub fn ensure_with(ws: &Workspace, envs: &[usize], jobs: usize, command: &str, modes: Modes) -> Result<()> {
    setup(ws, envs, jobs, command, modes, false).map(|_| ())
}

/// The envs a `--keep-going` setup could not lock, build or sync, by index, each with its
/// cause.
pub type Failures = BTreeMap<usize, anyhow::Error>;

/// [`ensure_with`] for `test-all --keep-going`: an env that cannot be locked, built or synced
/// is returned with its cause, and every other env is set up. What is no env's own (the
/// config, `--locked`, a signal) still fails the call.
pub fn ensure_keep_going(ws: &Workspace, envs: &[usize], jobs: usize, command: &str, modes: Modes) -> Result<Failures> {
    setup(ws, envs, jobs, command, modes, true)
}

/// [`ensure_with`], or with `keep_going` [`ensure_keep_going`].
fn setup(
    ws: &Workspace,
    envs: &[usize],
    jobs: usize,
    command: &str,
    modes: Modes,
    keep_going: bool,
) -> Result<Failures> {
    let start = Instant::now();
    let mut failures = Failures::new();
    repo_lock::acquire(ws, Mode::Shared)?;
    let needed = super::lock::needed_by(ws, envs);
    let (stale, read) = usable_locks(ws, &needed, command, modes)?;
    let compile = !stale.is_empty() && !modes.frozen;
    let mut todo = if compile { Vec::new() } else { assess(ws, envs, &read)? };
    if compile || !todo.is_empty() {
        repo_lock::acquire(ws, Mode::Exclusive)?;
        if compile {
            // What the syncs will need, checked before any lock changes: a missing Python or a
            // folder in a venv's way fails there, with every lock as it was.
            match super::lock::compile(ws, &needed, &needed, &Upgrade::default(), jobs, &|| preflight(ws, envs)) {
                Ok(locked) => warn_in_ci(ws, &locked),
                Err(err) if keep_going && crate::interrupt::of(&err).is_none() => {
                    // All or nothing failed: each env on its own, so those that lock are kept.
                    for &e in envs {
                        let own = super::lock::needed_by(ws, &[e]);
                        match super::lock::compile(ws, &own, &own, &Upgrade::default(), jobs, &|| preflight(ws, &[e])) {
                            Ok(locked) => warn_in_ci(ws, &locked),
                            Err(err) if crate::interrupt::of(&err).is_some() => return Err(err),
                            Err(err) => {
                                failures.insert(e, err);
                            }
                        }
                    }
                }
                Err(err) => return Err(err),
            }
        }
        let usable: Vec<usize> = envs.iter().copied().filter(|e| !failures.contains_key(e)).collect();
        // Read again: under the exclusive lock, and after the compile wrote some.
        todo = assess(ws, &usable, &Read::new())?;
    }
    let link_all = |failures: &Failures| -> Result<()> {
        for &e in envs.iter().filter(|e| !failures.contains_key(e)) {
            for link in &ws.envs[e].links {
                venv::link(&ws.root.join(&ws.envs[e].venv), &ws.root.join(link))?;
            }
        }
        Ok(())
    };
    if todo.is_empty() && failures.is_empty() {
        link_all(&failures)?;
        ui::status(
            "Fresh",
            &format!("{}, nothing to do ({})", ui::count(envs.len(), "env"), ui::elapsed(start.elapsed())),
        );
        return Ok(failures);
    }
    if !keep_going && let Some((_, env, state)) = todo.iter().find(|(_, _, s)| matches!(s, State::Foreign(_))) {
        return Err(venv::foreign(&env.venv, &state.problem().unwrap_or_default()));
    }
    // With --keep-going a foreign venv is its env's failure; the others are synced.
    let (foreign, todo): (Vec<_>, Vec<_>) = todo.into_iter().partition(|(_, _, s)| matches!(s, State::Foreign(_)));
    for (e, env, state) in foreign {
        failures.insert(e, venv::foreign(&env.venv, &state.problem().unwrap_or_default()));
    }
    let uv = if todo.is_empty() { None } else { Some(Uv::locate(&ws.root, &ws.config)?) };
    let results = sched::run(&vec![Vec::new(); todo.len()], jobs, true, |k| {
        let uv = uv.as_ref().expect("located when there is a sync");
        let (_, env, state) = &todo[k];
        let started = Instant::now();
        let venv_dir = ws.root.join(&env.venv);
        if let State::Remake(why) = state {
            ui::status("Remaking", &format!("{}: it {why}", env.venv));
        }
        for why in &env.displaced {
            ui::status("Note", why);
        }
        let result = venv::sync(uv, &venv_dir, &ws.root.join(&env.lock), &env.python, state);
        if result.is_ok() {
            ui::status("Synced", &format!("{} ({}) in {}", env.name, env.venv, ui::elapsed(started.elapsed())));
        }
        let ok = result.is_ok();
        (result, ok)
    });
    let (before, synced) = (failures.len(), todo.len());
    for ((e, _, _), status) in todo.into_iter().zip(results) {
        if let Some(err) = status.error() {
            let err = match crate::lock::build_failure(ws, &format!("{err:#}")) {
                Some((what, hint)) => err.context(crate::error::Hinted::new(what, hint)),
                None => err,
            };
            failures.insert(e, err);
        }
    }
    crate::interrupt::check()?;
    if !keep_going && !failures.is_empty() {
        return Err(every_failure(ws, failures));
    }
    link_all(&failures)?;
    let failed = if failures.is_empty() { String::new() } else { format!("; {} failed", failures.len()) };
    ui::status(
        "Finished",
        &format!(
            "synced {} in {}; {} fresh{failed}",
            ui::count(synced - (failures.len() - before), "env"),
            ui::elapsed(start.elapsed()),
            envs.len() - synced - before,
        ),
    );
    Ok(failures)
}

/// The error of a setup that failed: the first env's error, after a line per env that
/// failed, naming it with its cause, when there are more.
fn every_failure(ws: &Workspace, failures: Failures) -> anyhow::Error {
    let mut failures: Vec<(usize, anyhow::Error)> = failures.into_iter().collect();
    if failures.len() > 1 {
        for (e, err) in &failures {
            let cause = format!("{err:#}");
            ui::status(
                "Failed",
                &format!("cannot set up `{}`: {}", ws.envs[*e].name, cause.lines().next().unwrap_or_default()),
            );
        }
        ui::err(&format!(
            "note: {} envs failed; the first error follows (`test-all --keep-going` runs every other suite)\n",
            failures.len()
        ));
    }
    failures.remove(0).1
}

/// The locks `needed` made usable for a command that only reads them (`export`): compiled
/// where stale, under the exclusive repository lock, or as `--locked` / `--frozen` say.
pub fn ensure_locks(ws: &Workspace, needed: &BTreeSet<LockId>, jobs: usize, command: &str, modes: Modes) -> Result<()> {
    repo_lock::acquire(ws, Mode::Shared)?;
    let (stale, _) = usable_locks(ws, needed, command, modes)?;
    if stale.is_empty() || modes.frozen {
        return Ok(());
    }
    repo_lock::acquire(ws, Mode::Exclusive)?;
    let locked = super::lock::compile(ws, needed, needed, &Upgrade::default(), jobs, &|| Ok(()))?;
    warn_in_ci(ws, &locked);
    Ok(())
}

/// The locks read on the way, by path, as parsed: what [`assess`] checks each venv against.
type Read = BTreeMap<camino::Utf8PathBuf, lockfile::Lock>;

/// The locks among `needed` that are not fresh, and those read (each once). With `--locked`
/// any is an error naming each; with `--frozen` a missing or unreadable one is (the others
/// are used as they are, and said so).
fn usable_locks(ws: &Workspace, needed: &BTreeSet<LockId>, command: &str, modes: Modes) -> Result<(Vec<LockId>, Read)> {
    let plan = lock::plan(ws);
    let needed: Vec<LockId> = needed.iter().copied().collect();
    let checked =
        crate::sched::map(&needed, |&id| lockfile::freshness_and_lock(&ws.root.join(&plan[id].lock), &plan[id].digest));
    let mut read = Read::new();
    let mut stale: Vec<(LockId, Freshness)> = Vec::new();
    for (id, (freshness, lock)) in needed.into_iter().zip(checked) {
        if let Some(lock) = lock {
            read.insert(plan[id].lock.clone(), lock);
        }
        if freshness != Freshness::Fresh {
            stale.push((id, freshness));
        }
    }
    if stale.is_empty() {
        return Ok((Vec::new(), read));
    }
    if modes.locked {
        let ids: BTreeSet<LockId> = stale.iter().map(|(id, _)| *id).collect();
        return Err(super::check::locked_error(command, &super::check::would_change(ws, &ids, false)));
    }
    if modes.frozen {
        for (id, freshness) in &stale {
            let lock = &plan[*id].lock;
            match freshness {
                Freshness::Missing if ws.root.join(lock).is_dir() => {
                    return Err(hinted(
                        format!("`{command} --frozen`: {lock} is a folder, not a lock"),
                        format!(
                            "move {lock} away (it is not the tool's), then run `cargo xtask lock` and commit the lock"
                        ),
                    ));
                }
                Freshness::Missing => {
                    return Err(hinted(
                        format!("`{command} --frozen`: {lock} does not exist, and --frozen never compiles a lock"),
                        "run `cargo xtask lock` and commit the lock it writes; or run without --frozen to compile it",
                    ));
                }
                Freshness::Unreadable(err) => {
                    return Err(hinted(format!("`{command} --frozen`: {}", err.describe(lock)), err.hint(lock)));
                }
                _ => {}
            }
        }
        let names: Vec<&str> = stale.iter().map(|(id, _)| plan[*id].name.as_str()).collect();
        ui::status(
            "Frozen",
            &format!(
                "using {} as {}, though not up to date ({}): `cargo xtask lock` compiles {}",
                ui::count(stale.len(), "lock"),
                if stale.len() == 1 { "it is" } else { "they are" },
                names.join(", "),
                if stale.len() == 1 { "it" } else { "them" },
            ),
        );
    }
    Ok((stale.into_iter().map(|(id, _)| id).collect(), read))
}

/// In CI, a lock compiled on the fly is one nobody committed: said, with how to make CI fail
/// instead (`CI=true` does not imply `--locked`, as in uv: the workflow asks for it).
fn warn_in_ci(ws: &Workspace, locked: &[LockId]) {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    if !ci || locked.is_empty() {
        return;
    }
    let plan = lock::plan(ws);
    let names: Vec<&str> = locked.iter().map(|&id| plan[id].lock.as_str()).collect();
    ui::status(
        "Warning",
        &format!(
            "compiled {} that the commit does not hold ({}), so this CI run tests locks nobody committed: commit them, and pass --locked to make such a run fail",
            ui::count(locked.len(), "lock"),
            names.join(", ")
        ),
    );
}

/// A compile or sync that failed `--offline` for want of a package: said so, with the fix
/// (and the hint it had, for a name that is wrong). `main` applies it to every error.
pub fn offline_miss(err: anyhow::Error) -> anyhow::Error {
    let text = format!("{err:#}");
    if !crate::uv::offline()
        || !crate::uv::is_offline_miss(&text)
        || err.chain().any(|c| c.to_string().contains("--offline:"))
    {
        return err;
    }
    let hint = match crate::error::hint_of(&err) {
        Some(hint) => format!("{}; if a name or a version is wrong instead: {hint}", venv::OFFLINE_HINT),
        None => venv::OFFLINE_HINT.to_owned(),
    };
    err.context(Hinted::new(
        "--offline: a package this needs is neither in uv's cache nor in a find-links folder, and --offline never uses the network",
        hint,
    ))
}

/// The envs among `envs` whose venv is not fresh, with its state, each checked against its
/// lock in `read` (else read here). A missing lock counts as not fresh (the compile before
/// the sync makes it); one that cannot be read is an error.
fn assess<'w>(ws: &'w Workspace, envs: &[usize], read: &Read) -> Result<Vec<(usize, &'w Env, State)>> {
    // Each env's check reads its own few files: independent, so spread over the CPUs.
    let states = crate::sched::map(envs, |&e| {
        let env = &ws.envs[e];
        let state =
            |lock: &lockfile::Lock| venv::state(&ws.root.join(&env.venv), lock, &env.locals(&ws.members), &env.python);
        if let Some(lock) = read.get(&env.lock) {
            return Ok(state(lock));
        }
        match lockfile::read(&ws.root.join(&env.lock)) {
            Ok(Some((_, lock))) => Ok(state(&lock)),
            Ok(None) => Ok(State::Unsynced),
            Err(err) => Err(unreadable(&env.lock, &err)),
        }
    });
    let mut todo = Vec::new();
    for (&e, state) in envs.iter().zip(states) {
        let state = state?;
        if !state.is_fresh() {
            todo.push((e, &ws.envs[e], state));
        }
    }
    Ok(todo)
}

/// The error for a lock that cannot be read, with its fix.
fn unreadable(lock: &camino::Utf8Path, err: &ReadError) -> anyhow::Error {
    hinted(err.describe(lock), err.hint(lock))
}

/// Checks, before any lock is written, what the syncs of `envs` will need: the interpreter
/// of every venv that will be created, and no folder in a venv's way.
pub(crate) fn preflight(ws: &Workspace, envs: &[usize]) -> Result<()> {
    for env in envs.iter().map(|&e| &ws.envs[e]) {
        if let Some(why) = venv::in_the_way(&ws.root.join(&env.venv), &env.python) {
            return Err(venv::foreign(&env.venv, &why));
        }
    }
    // Each Python once, with the envs that ask for it (for the message).
    let mut pythons: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for env in envs.iter().map(|&e| &ws.envs[e]) {
        if venv::needs_interpreter(&ws.root.join(&env.venv), &env.python) {
            let members: Vec<&str> = env.members.iter().map(|&m| ws.members[m].dir.as_str()).collect();
            pythons.entry(env.python.as_str()).or_default().push(format!("`{}` ({})", env.name, members.join(", ")));
        }
    }
    if pythons.is_empty() {
        return Ok(());
    }
    let uv = Uv::locate(&ws.root, &ws.config)?;
    for (python, asking) in pythons {
        let envs = if asking.len() == 1 { "env" } else { "envs" };
        venv::find_interpreter(&uv, python, &format!("cannot set up {envs} {}", asking.join(", ")))?;
    }
    Ok(())
}
