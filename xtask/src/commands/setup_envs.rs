//! `cargo xtask setup-envs [-p PROJECT]...`: each env's venv synced exactly to its lock.

use std::collections::BTreeSet;
use std::time::Instant;

use anyhow::Result;

use crate::error::hinted;
use crate::lock::{self, Upgrade};
use crate::lockfile::{self, Freshness};
use crate::repo_lock::{self, Mode};
use crate::sched::{self, Status};
use crate::ui;
use crate::uv::Uv;
use crate::venv::{self, State};
use crate::workspace::{Env, Workspace};

pub fn run(ws: &Workspace, projects: &[String], jobs: usize) -> Result<()> {
    let envs: BTreeSet<usize> = if projects.is_empty() {
        (0..ws.envs.len()).collect()
    } else {
        projects.iter().map(|p| ws.member(p).map(|m| ws.members[m].env)).collect::<Result<_>>()?
    };
    ensure(ws, &envs.into_iter().collect::<Vec<_>>(), jobs)
}

/// Makes the given envs fresh: locks what is stale, then syncs every venv that is not fresh
/// (made anew where it was moved, is for another Python or is half-made), and links shared
/// venvs into their members. When everything is fresh this reads a few files and spawns
/// nothing, under the shared repository lock; with work to do it takes the lock exclusive
/// and looks again, since the run it waited for may have done that work.
pub fn ensure(ws: &Workspace, envs: &[usize], jobs: usize) -> Result<()> {
    let start = Instant::now();
    repo_lock::acquire(ws, Mode::Shared)?;
    let needed = super::lock::needed_by(ws, envs);
    let plan = lock::plan(ws);
    let locks_fresh = needed.iter().all(|&id| lock::freshness(&ws.root, &plan[id]) == Freshness::Fresh);
    let mut todo = if locks_fresh { assess(ws, envs)? } else { Vec::new() };
    if !locks_fresh || !todo.is_empty() {
        repo_lock::acquire(ws, Mode::Exclusive)?;
        // What the syncs will need, checked before any lock changes: a missing Python or a
        // folder in a venv's way fails there, with every lock as it was.
        super::lock::compile(ws, &needed, &needed, &Upgrade::default(), jobs, &|| preflight(ws, envs))?;
        todo = assess(ws, envs)?;
    }
    let link_all = || -> Result<()> {
        for &e in envs {
            for link in &ws.envs[e].links {
                venv::link(&ws.root.join(&ws.envs[e].venv), &ws.root.join(link))?;
            }
        }
        Ok(())
    };
    if todo.is_empty() {
        link_all()?;
        ui::status(
            "Fresh",
            &format!("{}, nothing to do ({})", ui::count(envs.len(), "env"), ui::elapsed(start.elapsed())),
        );
        return Ok(());
    }
    if let Some((env, state)) = todo.iter().find(|(_, s)| matches!(s, State::Foreign(_))) {
        return Err(venv::foreign(&env.venv, &state.problem().unwrap_or_default()));
    }
    let uv = Uv::locate(&ws.root, &ws.config)?;
    let results = sched::run(&vec![Vec::new(); todo.len()], jobs, true, |k| {
        let (env, state) = &todo[k];
        let started = Instant::now();
        let venv_dir = ws.root.join(&env.venv);
        if let State::Remake(why) = state {
            ui::status("Remaking", &format!("{}: it {why}", env.venv));
        }
        for why in &env.displaced {
            ui::status("Note", why);
        }
        let result = venv::sync(&uv, &venv_dir, &ws.root.join(&env.lock), &env.python, state);
        if result.is_ok() {
            ui::status("Synced", &format!("{} ({}) in {}", env.name, env.venv, ui::elapsed(started.elapsed())));
        }
        let ok = result.is_ok();
        (result, ok)
    });
    super::first_error(results.into_iter().filter_map(Status::error).map(|err| {
        match crate::lock::build_failure(ws, &format!("{err:#}")) {
            Some((what, hint)) => err.context(crate::error::Hinted::new(what, hint)),
            None => err,
        }
    }))?;
    crate::interrupt::check()?;
    link_all()?;
    ui::status(
        "Finished",
        &format!(
            "synced {} in {}; {} fresh",
            ui::count(todo.len(), "env"),
            ui::elapsed(start.elapsed()),
            envs.len() - todo.len()
        ),
    );
    Ok(())
}

/// The envs among `envs` whose venv is not fresh, with its state. A missing or unreadable
/// lock counts as not fresh (the compile before the sync makes it).
fn assess<'w>(ws: &'w Workspace, envs: &[usize]) -> Result<Vec<(&'w Env, State)>> {
    let mut todo = Vec::new();
    for &e in envs {
        let env = &ws.envs[e];
        let state = match std::fs::read_to_string(ws.root.join(&env.lock)) {
            Ok(text) => {
                let lock = lockfile::parse(&text).map_err(|err| {
                    hinted(format!("{} cannot be read: {err}", env.lock), "run `cargo xtask lock` to compile it again")
                })?;
                let locals = env.locals(&ws.members);
                venv::state(&ws.root.join(&env.venv), &text, &lock, &locals, &env.python)
            }
            Err(_) => State::Unsynced,
        };
        if !state.is_fresh() {
            todo.push((env, state));
        }
    }
    Ok(todo)
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
