//! `cargo xtask check` (also `lock --check`): offline verification, no resolver, no spawn.
//! Every lock is fresh; every lock has each package of the layers it is on at exactly that
//! layer's version; every venv that exists matches its lock; the graphs are acyclic (the
//! workspace would not have loaded otherwise). A report per lock, a hint per finding.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::error::Failed;
use crate::lock::{self, Freshness};
use crate::ui;
use crate::venv;
use crate::workspace::Workspace;

struct Finding {
    what: String,
    hint: String,
}

pub fn run(ws: &Workspace) -> Result<()> {
    let start = std::time::Instant::now();
    let plan = lock::plan(ws);
    let texts: Vec<Option<String>> = plan.iter().map(|s| std::fs::read_to_string(ws.root.join(&s.lock)).ok()).collect();
    let layer_pins: Vec<BTreeMap<String, String>> =
        (0..ws.layers.len()).map(|l| texts[l].as_deref().map(lock::pins).unwrap_or_default()).collect();
    let mut rows = Vec::new();
    let mut total = 0;
    let mut venvs = 0;
    for (ix, spec) in plan.iter().enumerate() {
        let mut findings = Vec::new();
        match lock::freshness(&ws.root, spec) {
            Freshness::Fresh => {}
            Freshness::Missing => findings.push(Finding {
                what: format!("{} is missing", spec.lock),
                hint: "run `cargo xtask lock` and commit the locks it writes".into(),
            }),
            Freshness::Stale => findings.push(Finding {
                what: format!("{} is stale: its inputs changed", spec.lock),
                hint: "run `cargo xtask lock` and commit the locks it writes".into(),
            }),
        }
        if let Some(text) = &texts[ix] {
            let pins = lock::pins(text);
            for &layer in &spec.after {
                for (package, version) in &layer_pins[layer] {
                    match pins.get(package) {
                        Some(v) if v == version => {}
                        found => findings.push(Finding {
                            what: format!(
                                "{} has {package}{}, but {} pins {package}=={version}",
                                spec.lock,
                                found.map_or(" missing".to_owned(), |v| format!("=={v}")),
                                ws.layers[layer].lock()
                            ),
                            hint: "run `cargo xtask lock` (a lock edited by hand is recompiled from its inputs)".into(),
                        }),
                    }
                }
            }
            if let Some(e) = ix.checked_sub(ws.layers.len()) {
                let env = &ws.envs[e];
                let dir = ws.root.join(&env.venv);
                if venv::python(&dir).is_file() {
                    venvs += 1;
                    findings.extend(drift(ws, e, text)?);
                }
            }
        }
        total += findings.len();
        let result = if findings.is_empty() { "ok".to_owned() } else { ui::count(findings.len(), "finding") };
        rows.push(vec![spec.name.clone(), result]);
        for f in findings {
            rows.push(vec![format!("  - {}", f.what), String::new()]);
            rows.push(vec![format!("    hint: {}", f.hint), String::new()]);
        }
    }
    print!("{}", ui::table(&["lock / env", "result"], &rows));
    let summary = format!(
        "{}, {} and the graphs of {} and {}: {} ({})",
        ui::count(plan.len(), "lock"),
        ui::count(venvs, "venv"),
        ui::count(ws.members.len(), "project"),
        ui::count(ws.layers.len(), "layer"),
        ui::count(total, "finding"),
        ui::elapsed(start.elapsed())
    );
    ui::status("Checked", &summary);
    if total > 0 { Err(Failed.into()) } else { Ok(()) }
}

/// What differs between env `e`'s venv and its lock.
fn drift(ws: &Workspace, e: usize, lock_text: &str) -> Result<Vec<Finding>> {
    let env = &ws.envs[e];
    let locals: Vec<&str> = env.editables.iter().map(|&m| ws.members[m].pyproject.package.as_str()).collect();
    let fix = format!("run `cargo xtask setup-envs -p {}` to sync it to its lock", ws.members[env.members[0]].name);
    Ok(venv::drift(&ws.root.join(&env.venv), lock_text, &locals)?
        .into_iter()
        .map(|d| {
            let hint = match d {
                venv::Drift::Extraneous { .. } => format!("{fix}, or add it to the project's requirements and lock"),
                _ => fix.clone(),
            };
            Finding { what: format!("{} {d}", env.venv), hint }
        })
        .collect())
}
