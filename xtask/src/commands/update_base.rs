//! `cargo xtask update-base [--upgrade] [--upgrade-package P]... [--no-sync]`: after
//! `base.in` changed, re-lock base and everything on it in layer order, show what moved,
//! and resync every affected venv.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;

use crate::lock::Upgrade;
use crate::lockfile;
use crate::ui;
use crate::workspace::Workspace;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub upgrade: Upgrade,
    pub no_sync: bool,
    pub jobs: usize,
}

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    let start = Instant::now();
    let before = env_pins(ws);
    // Base's name makes the scope: base, and every layer and env constrained by it.
    let (mut named, selected) = super::lock::scope(ws, &[crate::layers::BASE.to_owned()])?;
    // `--upgrade` moves base's pins; `--upgrade-package P` moves P in every lock of the
    // scope that pins it (base's, or the envs' where base does not pin it).
    named.extend(super::lock::pinning(ws, &selected, &options.upgrade.packages));
    let all: Vec<usize> = (0..ws.envs.len()).collect();
    // The resync needs every env's Python: a missing one fails before any lock changes.
    let preflight = || if options.no_sync { Ok(()) } else { super::setup_envs::preflight(ws, &all) };
    let locked = super::lock::compile(ws, &named, &selected, &options.upgrade, options.jobs, &preflight)?;
    if locked.is_empty() {
        ui::status(
            "Fresh",
            &format!("base and the {} on it are fresh: nothing to do", ui::count(selected.len() - 1, "lock")),
        );
    } else {
        let moved = moves(ws, &before, &env_pins(ws));
        if moved.is_empty() {
            ui::status("Locked", &format!("{}; no pin moved", ui::count(locked.len(), "lock")));
        } else {
            ui::out(&format!("{}\n", ui::table(&["package", "old", "new", "envs"], &moved)));
        }
    }
    if !options.no_sync {
        super::setup_envs::ensure(ws, &all, options.jobs)?;
    }
    ui::status("Finished", &format!("update-base in {}", ui::elapsed(start.elapsed())));
    Ok(())
}

/// Every env's pins, by env index.
fn env_pins(ws: &Workspace) -> Vec<BTreeMap<String, String>> {
    ws.envs
        .iter()
        .map(|e| {
            std::fs::read_to_string(ws.root.join(&e.lock))
                .ok()
                .and_then(|t| lockfile::parse(&t).ok())
                .map(|l| l.pins())
                .unwrap_or_default()
        })
        .collect()
}

/// Rows (package, old, new, envs) for every pin that changed, was added or was removed,
/// grouped by the same change across envs.
fn moves(ws: &Workspace, before: &[BTreeMap<String, String>], after: &[BTreeMap<String, String>]) -> Vec<Vec<String>> {
    let mut grouped: BTreeMap<(String, String, String), Vec<&str>> = BTreeMap::new();
    for (e, env) in ws.envs.iter().enumerate() {
        let (old, new) = (&before[e], &after[e]);
        for package in old.keys().chain(new.keys()).collect::<std::collections::BTreeSet<_>>() {
            let (o, n) = (old.get(package), new.get(package));
            if o != n {
                let show = |v: Option<&String>| v.map_or_else(|| "-".to_owned(), Clone::clone);
                grouped.entry((package.clone(), show(o), show(n))).or_default().push(&env.name);
            }
        }
    }
    let total = ws.envs.len();
    grouped
        .into_iter()
        .map(|((package, old, new), envs)| {
            let envs = if envs.len() == total && total > 1 { format!("all {total} envs") } else { envs.join(", ") };
            vec![package, old, new, envs]
        })
        .collect()
}
