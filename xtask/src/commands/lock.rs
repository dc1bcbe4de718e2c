//! `cargo xtask lock [--check]`: compile every stale lock, layers before the envs on them.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Result;

use crate::error::Failed;
use crate::lock::{self, Freshness, LockSpec};
use crate::sched::{self, Status};
use crate::ui;
use crate::uv::Uv;
use crate::workspace::Workspace;

pub fn run(ws: &Workspace, check: bool, jobs: usize) -> Result<()> {
    let start = Instant::now();
    let plan = lock::plan(ws);
    let stale: Vec<(usize, Freshness)> = plan
        .iter()
        .enumerate()
        .map(|(ix, spec)| (ix, lock::freshness(&ws.root, spec)))
        .filter(|(_, f)| *f != Freshness::Fresh)
        .collect();
    if stale.is_empty() {
        ui::status("Fresh", &format!("{} locks, nothing to do ({})", plan.len(), ui::elapsed(start.elapsed())));
        return Ok(());
    }
    if check {
        for (ix, freshness) in &stale {
            let why = if *freshness == Freshness::Missing { "missing" } else { "stale: its inputs changed" };
            eprintln!("error: {} is {why}", plan[*ix].lock);
        }
        eprintln!("hint: run `cargo xtask lock` and commit the locks it writes");
        return Err(Failed.into());
    }
    let stale: Vec<usize> = stale.into_iter().map(|(ix, _)| ix).collect();
    compile(ws, &plan, &stale, jobs)?;
    ui::status("Finished", &format!("locked {} of {} in {}", stale.len(), plan.len(), ui::elapsed(start.elapsed())));
    Ok(())
}

/// Compiles `stale` (indices into `plan`), each after the stale locks it is constrained
/// by; independent ones in parallel. One failure does not stop the others.
pub fn compile(ws: &Workspace, plan: &[LockSpec], stale: &[usize], jobs: usize) -> Result<()> {
    if stale.is_empty() {
        return Ok(());
    }
    let uv = Uv::locate(&ws.root, &ws.config.uv)?;
    let position: HashMap<usize, usize> = stale.iter().enumerate().map(|(pos, &ix)| (ix, pos)).collect();
    let deps: Vec<Vec<usize>> =
        stale.iter().map(|&ix| plan[ix].after.iter().filter_map(|a| position.get(a).copied()).collect()).collect();
    let results = sched::run(&deps, jobs, true, |pos| {
        let spec = &plan[stale[pos]];
        let start = Instant::now();
        let result = lock::compile(&ws.root, &uv, &ws.config.python, spec);
        if result.is_ok() {
            ui::status("Locked", &format!("{} ({}) in {}", spec.name, spec.lock, ui::elapsed(start.elapsed())));
        }
        let ok = result.is_ok();
        (result, ok)
    });
    super::first_error(results.into_iter().filter_map(|status| match status {
        Status::Ran { value: Err(err), .. } => Some(err),
        _ => None, // a skipped lock waits on a failure that is reported already
    }))
}
