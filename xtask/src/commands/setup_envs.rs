//! `cargo xtask setup-envs [-p PROJECT]...`: each env's venv synced exactly to its lock.

use std::collections::BTreeSet;
use std::time::Instant;

use anyhow::Result;

use crate::lock::{self, Freshness};
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
/// not match its lock. When everything is fresh this reads a few files and spawns nothing.
pub fn ensure(ws: &Workspace, envs: &[usize], jobs: usize) -> Result<()> {
    let start = Instant::now();
    let plan = lock::plan(ws);
    let layers = ws.layers.len();
    let needed: BTreeSet<usize> =
        envs.iter().flat_map(|&e| ws.envs[e].layers.iter().copied().chain([layers + e])).collect();
    let stale: Vec<usize> =
        needed.into_iter().filter(|&ix| lock::freshness(&ws.root, &plan[ix]) != Freshness::Fresh).collect();
    super::lock::compile(ws, &plan, &stale, jobs)?;

    let mut todo = Vec::new();
    for &e in envs {
        let env = &ws.envs[e];
        let stamp = venv::stamp_for(&fsutil::read(&ws.root.join(&env.lock))?, &ws.config.python);
        if !venv::is_fresh(&ws.root.join(&env.venv), &stamp) {
            todo.push((env, stamp));
        }
    }
    if todo.is_empty() {
        ui::status("Fresh", &format!("{} envs, nothing to do ({})", envs.len(), ui::elapsed(start.elapsed())));
        return Ok(());
    }
    let uv = Uv::locate(&ws.root, &ws.config.uv)?;
    let results = sched::run(&vec![Vec::new(); todo.len()], jobs, true, |k| {
        let (env, stamp) = &todo[k];
        let started = Instant::now();
        let venv_dir = ws.root.join(&env.venv);
        let result = venv::sync(&uv, &venv_dir, &ws.root.join(&env.lock), &ws.config.python, stamp);
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
    ui::status(
        "Finished",
        &format!(
            "synced {} envs in {}; {} were fresh",
            todo.len(),
            ui::elapsed(start.elapsed()),
            envs.len() - todo.len()
        ),
    );
    Ok(())
}
