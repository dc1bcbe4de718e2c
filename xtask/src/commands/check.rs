//! `cargo xtask check` (also `lock --check`): offline verification, no resolver, no spawn.
//! Every lock is fresh and intact (its body is what was compiled); every lock has each
//! package of the layers it is on at exactly that layer's version, where the layer's pin
//! applies to its Python; every venv that exists matches its lock; no lock is left over
//! from a deleted project; the graphs are acyclic (the workspace would not have loaded
//! otherwise). A report per lock, a hint per finding.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::{Failed, hinted};
use crate::lock::{self, LockId, LockSpec, Plan};
use crate::lockfile::{self, Freshness, Lock, Pin};
use crate::markers::{self, Environment};
use crate::ui;
use crate::venv::{self, State};
use crate::workspace::Workspace;

/// One thing wrong, and its fix.
pub struct Finding {
    pub what: String,
    pub hint: String,
}

const RELOCK: &str = "run `cargo xtask lock` and commit the locks it writes";

pub fn run(ws: &Workspace) -> Result<()> {
    let start = std::time::Instant::now();
    let plan = lock::plan(ws);
    // Each lock is read and parsed once; every check of it and of its venv is its own, so
    // they are spread over the CPUs.
    let specs: Vec<&LockSpec> = plan.iter().collect();
    let read = crate::sched::map(&specs, |&spec| {
        let text = lockfile::read_text(&ws.root.join(&spec.lock));
        let lock = text.as_ref().ok().and_then(|t| lockfile::parse(t.as_deref()?).ok());
        (spec, text, lock)
    });
    let locks: BTreeMap<LockId, &Lock> =
        read.iter().filter_map(|(spec, _, lock)| Some((spec.id, lock.as_ref()?))).collect();
    let checked = crate::sched::map(&read, |(spec, text, _)| {
        spec_findings(ws, spec, lockfile::freshness_of(text, &spec.digest), &locks)
    });
    let mut rows = Vec::new();
    let mut total = 0;
    let mut venvs = 0;
    for (spec, (findings, has_venv)) in specs.iter().zip(checked) {
        venvs += usize::from(has_venv);
        total += findings.len();
        let result = if findings.is_empty() { "ok".to_owned() } else { ui::count(findings.len(), "finding") };
        rows.push(vec![spec.name.clone(), result]);
        push_findings(&mut rows, findings);
    }
    let orphans = orphans(ws, &plan);
    if !orphans.is_empty() {
        total += orphans.len();
        rows.push(vec!["(left over)".into(), ui::count(orphans.len(), "finding")]);
        push_findings(
            &mut rows,
            orphans
                .into_iter()
                .map(|o| Finding {
                    what: format!("{o} is a lock that no project or layer has (deleted or renamed?)"),
                    hint: "run `cargo xtask lock` (it removes it), or delete it".into(),
                })
                .collect(),
        );
    }
    ui::out(&ui::table(&["lock / env", "result"], &rows));
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

/// What is wrong with one lock (against its spec and the layers it follows) and with its
/// env's venv; and whether that venv exists.
fn spec_findings(
    ws: &Workspace,
    spec: &LockSpec,
    freshness: Freshness,
    locks: &BTreeMap<LockId, &Lock>,
) -> (Vec<Finding>, bool) {
    let mut findings: Vec<Finding> = lock_finding(ws, spec, freshness).into_iter().collect();
    let mut has_venv = false;
    if let Some(lock) = locks.get(&spec.id) {
        for &layer in &spec.after {
            let Some(layer_lock) = locks.get(&LockId::Layer(layer)) else { continue };
            findings.extend(misaligned(lock, layer_lock, &spec.python).into_iter().map(|(package, found, pinned)| {
                Finding {
                    what: format!(
                        "{} has {package}{}, but {} pins {package}=={pinned}",
                        spec.lock,
                        found.map_or(" missing".to_owned(), |v| format!("=={v}")),
                        ws.layers[layer].lock()
                    ),
                    hint: "run `cargo xtask lock` (a lock edited by hand is recompiled from its inputs)".into(),
                }
            }));
        }
        if let LockId::Env(e) = spec.id
            && let Some(found) = venv_findings(ws, e, lock)
        {
            has_venv = true;
            findings.extend(found);
        }
    }
    (findings, has_venv)
}

/// What is wrong with a lock, given its `freshness` against its spec, if anything: what
/// `lock` would compile again (or, for one it cannot read, refuses to).
fn lock_finding(ws: &Workspace, spec: &LockSpec, freshness: Freshness) -> Option<Finding> {
    let lock = &spec.lock;
    Some(match freshness {
        Freshness::Fresh => return None,
        Freshness::Missing if ws.root.join(lock).is_dir() => Finding {
            what: format!("{lock} is a folder, not a lock"),
            hint: format!("move {lock} away (it is not the tool's), then run `cargo xtask lock`"),
        },
        Freshness::Missing => Finding { what: format!("{lock} is missing"), hint: RELOCK.into() },
        Freshness::Stale => Finding { what: format!("{lock} is stale: its inputs changed"), hint: RELOCK.into() },
        Freshness::Edited => Finding {
            what: format!("{lock} was edited by hand or merged: its body does not match its digest"),
            hint: "run `cargo xtask lock`: it compiles the lock again from its inputs".into(),
        },
        Freshness::Unreadable(err) => Finding { what: err.describe(lock), hint: err.hint(lock) },
    })
}

/// `--locked`: the locks among `ids` that are not fresh, each with why and its fix; with
/// `orphans`, also the locks of deleted projects that `lock` would remove. Empty when
/// `lock` would write nothing.
pub fn would_change(ws: &Workspace, ids: &BTreeSet<LockId>, orphans: bool) -> Vec<Finding> {
    let plan = lock::plan(ws);
    let mut out: Vec<Finding> =
        ids.iter().filter_map(|&id| lock_finding(ws, &plan[id], lock::freshness(&ws.root, &plan[id]))).collect();
    if orphans {
        out.extend(self::orphans(ws, &plan).into_iter().map(|o| Finding {
            what: format!("{o} is a lock that no project or layer has: `cargo xtask lock` would remove it"),
            hint: RELOCK.into(),
        }));
    }
    out
}

/// The error of a command run with `--locked` when `findings` (from [`would_change`]) is
/// not empty: each lock and why, and how to update them. `what` is the command, as typed.
pub fn locked_error(what: &str, findings: &[Finding]) -> anyhow::Error {
    let mut lines = String::new();
    for f in findings {
        lines += &format!("\n  - {}", f.what);
        if f.hint != RELOCK {
            lines += &format!("\n    ({})", f.hint);
        }
    }
    hinted(
        format!(
            "`{what} --locked`: {} not up to date, and --locked never writes a lock:{lines}",
            if findings.len() == 1 { "1 lock is".to_owned() } else { format!("{} locks are", findings.len()) }
        ),
        "run `cargo xtask lock` and commit the locks it writes (that is what CI tests); or run without --locked to compile them on the fly",
    )
}

/// `lock --locked`: the locks `lock` would write (those of `ids`, and with `orphans` the
/// leftovers it would remove), named on stderr with how to update them; exit 1 on any, as
/// `lock --check`. Nothing is compiled or written.
pub fn locked(ws: &Workspace, ids: &BTreeSet<LockId>, orphans: bool) -> Result<()> {
    let start = std::time::Instant::now();
    let findings = would_change(ws, ids, orphans);
    if findings.is_empty() {
        ui::status(
            "Fresh",
            &format!("{}: `lock` would write nothing ({})", ui::count(ids.len(), "lock"), ui::elapsed(start.elapsed())),
        );
        return Ok(());
    }
    let mut text = String::new();
    for f in &findings {
        text += &format!("  - {}\n    hint: {}\n", f.what, f.hint);
    }
    ui::err(&text);
    ui::status(
        "Checked",
        &format!(
            "{}: {} would change; run `cargo xtask lock` and commit them ({})",
            ui::count(ids.len(), "lock"),
            findings.len(),
            ui::elapsed(start.elapsed())
        ),
    );
    Err(Failed.into())
}

/// A lock the file system refuses to read is not missing: compiling over it would lose its
/// pins (the resolver's starting point). The first among `ids`, as an error with its fix.
pub fn refuse_unreadable(ws: &Workspace, ids: &BTreeSet<LockId>) -> Result<()> {
    let plan = lock::plan(ws);
    for &id in ids {
        let spec = &plan[id];
        if let Freshness::Unreadable(err @ lockfile::ReadError::Io { .. }) = lock::freshness(&ws.root, spec) {
            return Err(hinted(
                format!("cannot lock `{}`: {}", spec.name, err.describe(&spec.lock)),
                err.hint(&spec.lock),
            ));
        }
    }
    Ok(())
}

/// Locks in the requirements folder, written by this tool, that `plan` has no spec for.
pub fn orphans(ws: &Workspace, plan: &Plan) -> Vec<Utf8PathBuf> {
    let dir = ws.root.join(crate::config::REQUIREMENTS_DIR);
    let Ok(entries) = dir.read_dir_utf8() else { return Vec::new() };
    let planned: HashSet<&Utf8Path> = plan.iter().map(|s| s.lock.as_path()).collect();
    let mut out: Vec<Utf8PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().ends_with(".txt"))
        .map(|e| Utf8PathBuf::from(format!("{}/{}", crate::config::REQUIREMENTS_DIR, e.file_name())))
        .filter(|rel| !planned.contains(rel.as_path()))
        .filter(|rel| std::fs::read_to_string(ws.root.join(rel)).is_ok_and(|t| lockfile::is_ours(&t)))
        .collect();
    out.sort();
    out
}

fn push_findings(rows: &mut Vec<Vec<String>>, findings: Vec<Finding>) {
    for f in findings {
        rows.push(vec![format!("  - {}", f.what), String::new()]);
        rows.push(vec![format!("    hint: {}", f.hint), String::new()]);
    }
}

/// The packages of `layer` that `lock` (compiled for Python `python` and up) does not pin
/// as the layer does: (package, what the lock has, what the layer pins). Only pins whose
/// markers can hold for that Python count, on both sides: a layer pin under
/// `python_version < "3.12"` says nothing about a lock for 3.12.
fn misaligned(lock: &Lock, layer: &Lock, python: &str) -> Vec<(String, Option<String>, String)> {
    let env = Environment::of_python(python);
    let applies =
        |r: &&lockfile::Requirement| r.marker.as_deref().is_none_or(|m| markers::evaluate(m, &env) != Some(false));
    let versions = |lock: &Lock| {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in lock.requirements.iter().filter(applies) {
            let shown = match &r.pin {
                Pin::Version(v) => v.clone(),
                Pin::Url(url) => format!("@ {url}"),
            };
            out.entry(r.name.clone()).or_default().insert(shown);
        }
        out
    };
    let ours = versions(lock);
    let join = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(lockfile::PIN_SEPARATOR);
    let mut out = Vec::new();
    for (package, pinned) in versions(layer) {
        match ours.get(&package) {
            Some(found) if found.is_subset(&pinned) => {}
            found => out.push((package, found.map(join), join(&pinned))),
        }
    }
    out
}

/// What is wrong with env `e`'s venv against its lock: moved, for another Python, half-made,
/// in someone else's way, not synced, or changed by hand. `None` when there is no venv yet.
fn venv_findings(ws: &Workspace, e: usize, lock: &Lock) -> Option<Vec<Finding>> {
    let env = &ws.envs[e];
    let locals = env.locals(&ws.members);
    let fix = format!("run `cargo xtask setup-envs -p {}`", ws.members[env.members[0]].name);
    let state = venv::state(&ws.root.join(&env.venv), lock, &locals, &env.python);
    let finding = |what: String, hint: String| Finding { what: format!("{} {what}", env.venv), hint };
    Some(match state {
        State::Missing => return None,
        State::Fresh => Vec::new(),
        State::Drifted(drift) => drift
            .into_iter()
            .map(|d| {
                let hint = match d {
                    venv::Drift::Extraneous { .. } => {
                        format!("{fix} to sync it to its lock, or add it to the project's requirements and lock")
                    }
                    _ => format!("{fix} to sync it to its lock"),
                };
                finding(d.to_string(), hint)
            })
            .collect(),
        State::Unsynced => vec![finding(state.problem().unwrap_or_default(), format!("{fix} to sync it"))],
        State::Remake(_) => {
            vec![finding(state.problem().unwrap_or_default(), format!("{fix}: it makes the venv anew"))]
        }
        State::Foreign(why) => {
            vec![finding(why, format!("move {} away: the xtask never deletes what it did not create", env.venv))]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_pin_for_other_pythons_is_not_required() {
        let layer = lockfile::parse("tomli==2.0.1 ; python_version < '3.12'\npytest==9.0.0\n").unwrap();
        let env312 = lockfile::parse("pytest==9.0.0\n").unwrap();
        assert!(misaligned(&env312, &layer, "3.12").is_empty());
        assert_eq!(misaligned(&env312, &layer, "3.11"), [("tomli".to_owned(), None, "2.0.1".to_owned())]);
        let moved = lockfile::parse("pytest==8.0.0\n").unwrap();
        assert_eq!(misaligned(&moved, &layer, "3.12"), [("pytest".into(), Some("8.0.0".into()), "9.0.0".into())]);
    }
}
