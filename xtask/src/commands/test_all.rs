//! `cargo xtask test-all` and `cargo xtask test PROJECT`: pytest in each project's own venv.
//!
//! Envs are set up first (a no-op when fresh). Suites run dependencies before dependants,
//! independent ones in parallel; each suite's output is printed whole when it finishes.
//! When a suite fails, the suites of its dependants are skipped and listed. On a signal,
//! the running suites are stopped (their output so far is printed), nothing new starts, and
//! the table says what finished, what was stopped and what never started.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::error::Failed;
use crate::exec;
use crate::interrupt::signal_name;
use crate::pytest::{self, Counts, NO_TESTS_COLLECTED};
use crate::sched::{self, Status};
use crate::ui;
use crate::workspace::Workspace;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub jobs: usize,
    /// After a failure, keep starting suites that do not depend on it.
    pub keep_going: bool,
    pub pytest_args: Vec<String>,
}

/// What one suite did.
struct Suite {
    counts: Counts,
    code: Option<i32>,
    elapsed: Duration,
    /// Stopped by a signal before it finished.
    stopped: bool,
}

pub fn run(ws: &Workspace, members: &[usize], options: &Options) -> Result<()> {
    let start = Instant::now();
    if members.is_empty() {
        ui::status("Finished", "nothing to test: no project selected");
        return Ok(());
    }
    let mut envs: Vec<usize> = members.iter().map(|&m| ws.members[m].env).collect();
    envs.sort_unstable();
    envs.dedup();
    super::setup_envs::ensure(ws, &envs, options.jobs)?;
    // Done writing: other runs may read while the suites run; a writer waits for them.
    crate::repo_lock::downgrade()?;

    let position = |m: usize| members.iter().position(|&x| x == m);
    let deps: Vec<Vec<usize>> =
        members.iter().map(|&m| ws.members[m].deps.iter().filter_map(|&d| position(d)).collect()).collect();
    let results = sched::run(&deps, options.jobs, options.keep_going, |k| {
        let member = &ws.members[members[k]];
        let cmd = pytest::command(&ws.root, &member.dir, &ws.env_of(members[k]).venv, &options.pytest_args);
        match exec::capture(&cmd) {
            Ok(done) => {
                let title = match crate::interrupt::received().filter(|_| done.stopped) {
                    Some(signal) => {
                        format!("{} ({}), stopped by {}", member.name, member.dir, signal_name(signal.signal))
                    }
                    None => format!("{} ({})", member.name, member.dir),
                };
                ui::block(&title, &done.output);
                let ok = !done.stopped && (done.success || done.code == Some(NO_TESTS_COLLECTED));
                let counts = pytest::parse_counts(&done.output);
                (Ok(Suite { counts, code: done.code, elapsed: done.elapsed, stopped: done.stopped }), ok)
            }
            Err(err) => (Err(err), false),
        }
    });

    let interrupted = crate::interrupt::received();
    let never_started = interrupted.map(|i| format!("never started: {i}"));
    // A suite skipped because of a dependency that was stopped never started because of
    // the signal; one skipped because a dependency failed says so, signal or not.
    let stopped_suite: Vec<bool> =
        results.iter().map(|s| matches!(s, Status::Ran { value: Ok(suite), .. } if suite.stopped)).collect();
    let cause = |mut job: usize| {
        while let Status::Skipped { because } = results[job] {
            job = because;
        }
        job
    };
    let by_signal: Vec<bool> = (0..results.len())
        .map(|k| match results[k] {
            Status::NotRun => interrupted.is_some(),
            Status::Skipped { because } => stopped_suite[cause(because)],
            _ => false,
        })
        .collect();
    let mut rows = Vec::new();
    let (mut passed, mut failed, mut skipped, mut stopped) = (0, 0, 0, 0);
    for (k, status) in results.into_iter().enumerate() {
        let name = ws.members[members[k]].name.clone();
        let (result, counts, seconds, note) = match status {
            Status::Ran { value: Ok(suite), ok } => {
                let result = match (ok, suite.code) {
                    _ if suite.stopped => "stopped",
                    (true, Some(NO_TESTS_COLLECTED)) => "no tests",
                    (true, _) => "ok",
                    (false, _) => "FAILED",
                };
                let note = if suite.stopped {
                    interrupted.map(|i| format!("{i}; its output so far is above")).unwrap_or_default()
                } else if ok {
                    String::new()
                } else {
                    format!("pytest exit code {}", suite.code.map_or("none".into(), |c| c.to_string()))
                };
                (result, Some(suite.counts), format!("{:.2}", suite.elapsed.as_secs_f64()), note)
            }
            Status::Ran { value: Err(err), .. } => {
                ("ERROR", None, String::new(), format!("{err:#}").lines().next().unwrap_or_default().to_owned())
            }
            Status::Panicked(message) => ("ERROR", None, String::new(), format!("the xtask panicked: {message}")),
            Status::Skipped { .. } | Status::NotRun if by_signal[k] => {
                ("not run", None, String::new(), never_started.clone().unwrap_or_default())
            }
            Status::Skipped { because } => (
                "skipped",
                None,
                String::new(),
                format!("needs {}, which did not pass", ws.members[members[because]].name),
            ),
            Status::NotRun => {
                ("not run", None, String::new(), "stopped after a failure; --keep-going runs it".to_owned())
            }
        };
        match result {
            "ok" | "no tests" => passed += 1,
            "skipped" | "not run" => skipped += 1,
            "stopped" => stopped += 1,
            _ => failed += 1,
        }
        let count = |f: fn(&Counts) -> u32| counts.as_ref().map_or(String::new(), |c| f(c).to_string());
        rows.push(vec![name, result.to_owned(), count(|c| c.passed), count(|c| c.failed + c.errors), seconds, note]);
    }
    ui::out(&format!("\n{}\n", ui::table(&["project", "result", "passed", "failed", "seconds", "note"], &rows)));
    let stopped = if interrupted.is_some() { format!(", {stopped} stopped") } else { String::new() };
    ui::status(
        if interrupted.is_some() { "Stopped" } else { "Finished" },
        &format!(
            "{}: {passed} passed, {failed} failed{stopped}, {skipped} skipped in {}",
            ui::count(members.len(), "project"),
            ui::elapsed(start.elapsed())
        ),
    );
    if let Some(interrupted) = interrupted {
        return Err(interrupted.into());
    }
    if failed + skipped > 0 { Err(Failed.into()) } else { Ok(()) }
}
