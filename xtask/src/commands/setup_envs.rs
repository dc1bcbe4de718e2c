//! `cargo xtask setup-envs [-p PROJECT]...`: each env's venv synced exactly to its lock.

use std::collections::BTreeSet;
use std::time::Instant;

use anyhow::Result;

use crate::error::hinted;
use crate::lock::Upgrade;
use crate::lockfile;
use crate::sched::{self, Status};
use crate::uv::Uv;
use crate::workspace::Workspace;
use crate::{fsutil, ui, venv};

pub fn run(ws: &Workspace, projects: &[String], jobs: usize) -> Result<()> {
    let envs: BTreeSet<usize> = if projects.is_empty() {
        (0..ws.envs.len()).collect()
    } else {
        projects.iter().map(|p| ws.member(p).map(|m| ws.members[m].env)).collect::<Result<_>>()?
    };
    ensure(ws, &envs.into_iter().collect::<Vec<_>>(), jobs)
}

/// Makes the given envs fresh: locks what is stale, then syncs every venv whose stamp does
/// not match its lock, and links shared venvs into their members. When everything is fresh
/// this reads a few files and spawns nothing.
pub fn ensure(ws: &Workspace, envs: &[usize], jobs: usize) -> Result<()> {
    let start = Instant::now();
    let needed = super::lock::needed_by(ws, envs);
    // What the syncs will need, checked before any lock changes: a missing Python fails
    // there, with every lock as it was.
    super::lock::compile(ws, &needed, &needed, &Upgrade::default(), jobs, &|| preflight(ws, envs))?;

    let mut todo = Vec::new();
    for &e in envs {
        let env = &ws.envs[e];
        let lock_path = ws.root.join(&env.lock);
        let lock_text = fsutil::read(&lock_path)?;
        let lock = lockfile::parse(&lock_text).map_err(|err| {
            hinted(format!("{} cannot be read: {err}", env.lock), "run `cargo xtask lock` to compile it again")
        })?;
        let stamp = venv::stamp_for(&lock_text, &env.python);
        let venv_dir = ws.root.join(&env.venv);
        // Fresh: synced to this lock, and nothing installed or removed by hand since.
        let locals: Vec<&str> = env.editables.iter().map(|&m| ws.members[m].pyproject.package.as_str()).collect();
        if !venv::is_fresh(&venv_dir, &stamp) || !venv::drift(&venv_dir, &lock, &locals)?.is_empty() {
            todo.push((env, stamp));
        }
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
    let uv = Uv::locate(&ws.root, &ws.config)?;
    let results = sched::run(&vec![Vec::new(); todo.len()], jobs, true, |k| {
        let (env, stamp) = &todo[k];
        let started = Instant::now();
        let venv_dir = ws.root.join(&env.venv);
        let result = venv::sync(&uv, &venv_dir, &ws.root.join(&env.lock), &env.python, stamp);
        if result.is_ok() {
            ui::status("Synced", &format!("{} ({}) in {}", env.name, env.venv, ui::elapsed(started.elapsed())));
        }
        let ok = result.is_ok();
        (result, ok)
    });
    super::first_error(results.into_iter().filter_map(|s| match s {
        Status::Ran { value: Err(err), .. } => Some(err),
        _ => None,
    }))?;
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

/// Checks that every interpreter a sync of `envs` would create a venv with is there.
pub(crate) fn preflight(ws: &Workspace, envs: &[usize]) -> Result<()> {
    let mut pythons: Vec<&str> = envs
        .iter()
        .map(|&e| &ws.envs[e])
        .filter(|env| venv::needs_interpreter(&ws.root.join(&env.venv), &env.python))
        .map(|env| env.python.as_str())
        .collect();
    pythons.sort_unstable();
    pythons.dedup();
    if pythons.is_empty() {
        return Ok(());
    }
    let uv = Uv::locate(&ws.root, &ws.config)?;
    for python in pythons {
        venv::find_interpreter(&uv, python)?;
    }
    Ok(())
}
