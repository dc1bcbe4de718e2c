//! `cargo xtask explain [PROJECT]... [--format json] [-- PYTEST_ARGS]`: for each selected
//! suite and each lock it needs, whether it would run or is fresh, and why: the input items
//! (`keys.rs`) that changed since the last pass (or the last compile), each with its kind,
//! name, where it is declared, and its old and new digest; a tree's or glob's changed files
//! are named. The answer to "why did CI rerun this?" and "why is this cached?".
//!
//! It reads and computes; it writes nothing and starts no suite. A suite's last passing
//! record and a lock's last compile are kept in `_meta/.cache/`, so on a fresh clone it can
//! say only that there is none to compare with.
//!
//! `--format json` prints one object: `{"suites": [{"project", "state": "cached" | "run" |
//! "off", "reason", "changed": [CHANGE]}], "locks": [{"name", "lock", "state": "fresh" |
//! "stale" | "missing" | "edited" | "unreadable", "changed": [CHANGE]}]}`, where CHANGE is
//! `{"kind", "name", "from", "old", "new", "files"}` (`old` null: new; `new` null: gone).

use anyhow::Result;

use crate::Workspace;
use crate::inputs::{self, Change, Kind};
use crate::keys::{self, Keys};
use crate::lock::{self, LockId};
use crate::lockfile::Freshness;
use crate::results::ResultCache;
use crate::{shape, ui};

use super::Format;

/// What `cargo xtask explain` was given (`flags` describes the command line).
#[derive(Debug, Clone)]
pub struct Options {
    /// The projects to explain (all when none)
    pub projects: Vec<String>,
    pub format: Format,
    /// The pytest arguments `test-all` would be given (they are an input)
    pub pytest_args: Vec<String>,
}

#[derive(Debug)]
struct SuiteReport {
    project: String,
    state: &'static str,
    reason: String,
    changed: Vec<Change>,
}

shape::serialize_struct! { SuiteReport { project: "project", state: "state", reason: "reason", changed: "changed" } }

#[derive(Debug)]
struct LockReport {
    name: String,
    lock: String,
    state: &'static str,
    changed: Vec<Change>,
}

shape::serialize_struct! { LockReport { name: "name", lock: "lock", state: "state", changed: "changed" } }

#[derive(Debug)]
struct Report {
    suites: Vec<SuiteReport>,
    locks: Vec<LockReport>,
}

shape::serialize_struct! { Report { suites: "suites", locks: "locks" } }

pub fn run(ws: &Workspace, cwd: &camino::Utf8Path, options: &Options) -> Result<()> {
    let members: Vec<usize> = if options.projects.is_empty() {
        (0..ws.members.len()).collect()
    } else {
        options.projects.iter().map(|name| ws.member_named(cwd, name)).collect::<Result<_>>()?
    };
    let report = Report { suites: suites(ws, &members, &options.pytest_args)?, locks: locks(ws, &members) };
    match options.format {
        Format::Json => ui::out(&format!("{}\n", serde_json::to_string(&report)?)),
        Format::Text => print_text(&report),
    }
    Ok(())
}

fn suites(ws: &Workspace, members: &[usize], pytest_args: &[String]) -> Result<Vec<SuiteReport>> {
    let cache = ResultCache::open(ws);
    let remote =
        crate::remote::Remote::open(ws.config.remote_cache.as_deref(), &crate::remote::Options::default()).ok();
    let keys = match keys::suites(ws, members, pytest_args)? {
        Keys::Known(keys) => keys,
        Keys::Off(why) => {
            let off = |&m: &usize| SuiteReport {
                project: ws.members[m].name.clone(),
                state: "off",
                reason: format!("the result cache is off: {why}"),
                changed: Vec::new(),
            };
            return Ok(members.iter().map(off).collect());
        }
    };
    Ok(members
        .iter()
        .zip(keys)
        .map(|(&m, key)| {
            let name = &ws.members[m].name;
            let project = name.clone();
            if let Some(record) = cache.lookup(name, &key.key) {
                return match keys::observed_change(ws, &record.observed) {
                    None => SuiteReport {
                        project,
                        state: "cached",
                        reason: format!(
                            "its {} inputs are those of a passing run {} ({} imported files unchanged too)",
                            key.items.0.len(),
                            record.fetched_from.as_ref().map_or_else(
                                || "recorded here".to_owned(),
                                |url| format!("fetched from the remote cache at {url}")
                            ),
                            record.observed.len()
                        ),
                        changed: Vec::new(),
                    },
                    Some((path, old, new)) => SuiteReport {
                        project,
                        state: "run",
                        reason: format!("{path}, which its last passing run imported, changed"),
                        changed: vec![Change {
                            kind: Kind::Observed,
                            name: path,
                            from: "imported by its last passing run".to_owned(),
                            old: Some(old),
                            new: Some(new),
                            files: Vec::new(),
                        }],
                    },
                };
            }
            // The team's cache would answer a local miss: asked, never written.
            let fetched = remote.as_ref().and_then(|r| r.fetch(name, &key.key).map(|hit| (r.shown(), hit.record)));
            if let Some((url, record)) = fetched
                && keys::observed_change(ws, &record.observed).is_none()
            {
                return SuiteReport {
                    project,
                    state: "cached",
                    reason: format!(
                        "its {} inputs are those of a passing run in the remote cache at {url} (test-all fetches it)",
                        key.items.0.len()
                    ),
                    changed: Vec::new(),
                };
            }
            match cache.last(name) {
                None => SuiteReport {
                    project,
                    state: "run",
                    reason: "no passing run is recorded here".to_owned(),
                    changed: Vec::new(),
                },
                Some(last) => {
                    let changed = key.items.changes(&last.items);
                    let reason = match changed.len() {
                        0 => "its inputs are described differently than at its last pass (an older xtask)".to_owned(),
                        n => format!("{} changed since its last pass", ui::count(n, "input")),
                    };
                    SuiteReport { project, state: "run", reason, changed }
                }
            }
        })
        .collect())
}

/// The locks the selected members' envs need: their layers' and their own.
fn locks(ws: &Workspace, members: &[usize]) -> Vec<LockReport> {
    let plan = lock::plan(ws);
    let mut ids: Vec<LockId> = Vec::new();
    for &m in members {
        let env = ws.members[m].env;
        ids.extend(ws.envs[env].layers.iter().map(|&l| LockId::Layer(l)));
        ids.push(LockId::Env(env));
    }
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let spec = &plan[id];
            let state = match lock::freshness(&ws.root, spec) {
                Freshness::Fresh => "fresh",
                Freshness::Missing => "missing",
                Freshness::Stale => "stale",
                Freshness::Edited => "edited",
                Freshness::Unreadable(_) => "unreadable",
            };
            let changed = match (state, lock::recorded_inputs(ws, spec)) {
                ("fresh", _) | (_, None) => Vec::new(),
                (_, Some(last)) => spec.items.changes(&last),
            };
            LockReport { name: spec.name.clone(), lock: spec.lock.to_string(), state, changed }
        })
        .collect()
}

fn print_text(report: &Report) {
    for suite in &report.suites {
        ui::out(&format!("{} {}: {}\n", suite.project, suite.state, suite.reason));
        print_changes(&suite.changed);
    }
    for lock in &report.locks {
        let why = if lock.state != "fresh" && lock.changed.is_empty() && lock.state == "stale" {
            " (no earlier compile recorded here to compare with)"
        } else {
            ""
        };
        ui::out(&format!("lock {} ({}): {}{why}\n", lock.name, lock.lock, lock.state));
        print_changes(&lock.changed);
    }
}

fn print_changes(changes: &[Change]) {
    for change in changes {
        let digest = |d: &Option<String>| d.as_deref().map_or_else(|| "none".to_owned(), inputs::show);
        ui::out(&format!(
            "    {} {} ({}): {} -> {}\n",
            change.kind.as_str(),
            change.name,
            change.from,
            digest(&change.old),
            digest(&change.new)
        ));
        for file in change.files.iter().take(10) {
            ui::out(&format!("        {file}\n"));
        }
        if change.files.len() > 10 {
            ui::out(&format!("        and {} more\n", change.files.len() - 10));
        }
    }
}
