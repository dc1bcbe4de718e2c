//! Every project's pytest tests as trials named `<project>::<pytest node id>`, so that
//! `cargo test` and `cargo nextest run` run, filter (`--exact`, name filters) and partition
//! the Python suites like Rust tests.
//!
//! The venvs are set up first (a no-op when fresh). Locks must be fresh: tests never write
//! tracked files. Trials of one project share one pytest run over the selected node ids,
//! so `cargo test` spawns one pytest per project and nextest one per test. Each trial's
//! result is its own node's, from the JUnit XML that run writes.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

use camino::{Utf8Path, Utf8PathBuf};
use libtest_mimic::{Arguments, Failed, Trial};
use xtask::exec::{self, Captured};
use xtask::junit::{self, Outcome, TestCase};
use xtask::lock;
use xtask::lockfile::Freshness;
use xtask::sched::{self, Status};
use xtask::{Workspace, commands, pytest};

/// One project's tests, and the single pytest run its selected trials share.
struct Project {
    member: usize,
    selected: Vec<String>,
    run: OnceLock<Result<Run, String>>,
}

/// A finished pytest run: how it ended, and its JUnit entries by node id (or why they
/// could not be read).
struct Run {
    done: Captured,
    cases: Result<HashMap<String, Vec<TestCase>>, String>,
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    // The repository is the nearest folder above this package with `_meta/monorepo.toml`: the
    // harness may live anywhere inside it (`tests/`, or `_meta/harness/` where `tests/` is
    // the repository's own Python tests).
    let root = Utf8Path::new(env!("CARGO_MANIFEST_DIR"));
    match trials(root, &args) {
        Ok(trials) => libtest_mimic::run(&args, trials).exit_code(),
        Err(err) => {
            eprintln!("error: {err:#}");
            if let Some(hint) = xtask::error::hint_of(&err) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(2)
        }
    }
}

/// The workspace, with the envs `which` names set up, under the repository lock: nextest
/// lists with `--list` and `--list --ignored` at once, and both would set the venvs up. The
/// one that waited while the other wrote reads the workspace again and finds them fresh, as
/// `cargo xtask` does.
fn set_up(
    root: &Utf8Path,
    jobs: usize,
    which: impl Fn(&Workspace) -> anyhow::Result<Vec<usize>>,
) -> anyhow::Result<Workspace> {
    let mut attempts = 0;
    loop {
        let ws = Workspace::discover(root)?;
        let stale: Vec<String> = lock::plan(&ws)
            .iter()
            .filter(|s| lock::freshness(&ws.root, s) != Freshness::Fresh)
            .map(|s| s.lock.to_string())
            .collect();
        if !stale.is_empty() {
            return Err(xtask::error::hinted(
                format!("stale locks: {}", stale.join(", ")),
                "run `cargo xtask lock` (tests never write tracked files)",
            ));
        }
        match commands::setup_envs::ensure(&ws, &which(&ws)?, jobs) {
            Err(err) if xtask::repo_lock::is_changed(&err) && attempts < 5 => attempts += 1,
            result => {
                result?;
                xtask::repo_lock::downgrade()?;
                return Ok(ws);
            }
        }
    }
}

fn trials(root: &Utf8Path, args: &Arguments) -> anyhow::Result<Vec<Trial>> {
    // nextest runs each trial in its own process as `--exact NAME`: the name says which
    // project and node, so there is nothing to collect.
    if let (true, Some(name)) = (args.exact, &args.filter) {
        let (project, id) = name.split_once("::").unwrap_or((name, ""));
        let ws = Arc::new(set_up(root, 1, |ws| Ok(vec![ws.members[ws.member(project)?].env]))?);
        let member = ws.member(project)?;
        let shared = Arc::new(Project { member, selected: vec![id.to_owned()], run: OnceLock::new() });
        let (id, ws) = (id.to_owned(), Arc::clone(&ws));
        return Ok(vec![Trial::test(name.clone(), move || outcome(&ws, &shared, &id))]);
    }
    let ws = Arc::new(set_up(root, commands::default_jobs(), |ws| Ok((0..ws.envs.len()).collect()))?);

    // Collect every project's node ids, projects in parallel.
    let collected = sched::run(&vec![Vec::new(); ws.members.len()], commands::default_jobs(), true, |m| {
        let args = ["--collect-only".into(), "--verbosity=0".into(), "-q".into()];
        let captured = pytest::command(&ws, m, &args).and_then(|cmd| exec::capture(&cmd));
        let result = captured.map_err(|e| format!("{e:#}")).and_then(|done| {
            let ids: Vec<String> = done
                .output
                .lines()
                .take_while(|l| !l.is_empty())
                .filter(|l| l.contains("::"))
                .map(str::to_owned)
                .collect();
            if done.success || done.code == Some(pytest::NO_TESTS_COLLECTED) { Ok(ids) } else { Err(done.output) }
        });
        let ok = result.is_ok();
        (result, ok)
    });

    let mut trials = Vec::new();
    for (m, status) in collected.into_iter().enumerate() {
        let name = ws.members[m].name.clone();
        let ids = match status {
            Status::Ran { value: Ok(ids), .. } => ids,
            Status::Ran { value: Err(output), .. } => {
                trials.push(Trial::test(format!("{name}::<collection>"), move || {
                    Err(format!("pytest could not collect:\n{output}").into())
                }));
                continue;
            }
            Status::Panicked(message) => {
                trials.push(Trial::test(format!("{name}::<collection>"), move || {
                    Err(format!("collecting panicked: {message}").into())
                }));
                continue;
            }
            Status::Skipped { .. } | Status::NotRun => {
                return Err(anyhow::anyhow!("the collection of {name} did not run"));
            }
        };
        let names: Vec<String> = ids.iter().map(|id| format!("{name}::{id}")).collect();
        let selected: Vec<String> = ids
            .iter()
            .zip(&names)
            .filter(|(_, n)| {
                let probe = Trial::test(n.as_str(), || Ok(()));
                !args.is_filtered_out(&probe) && !args.is_ignored(&probe)
            })
            .map(|(id, _)| id.clone())
            .collect();
        let all_selected = selected.len() == ids.len();
        let project = Arc::new(Project {
            member: m,
            selected: if all_selected { Vec::new() } else { selected },
            run: OnceLock::new(),
        });
        for (id, trial_name) in ids.into_iter().zip(names) {
            let (ws, project) = (Arc::clone(&ws), Arc::clone(&project));
            trials.push(Trial::test(trial_name, move || outcome(&ws, &project, &id)));
        }
    }
    Ok(trials)
}

/// The outcome of node `id`, from its project's shared run (started by the first trial to ask).
fn outcome(ws: &Workspace, project: &Project, id: &str) -> Result<(), Failed> {
    let run = project.run.get_or_init(|| {
        let member = &ws.members[project.member];
        let xml = junit_path(&member.name)?;
        let mut args = junit::pytest_args(&xml);
        args.push("--verbosity=0".into());
        args.extend(project.selected.iter().cloned());
        let done = pytest::command(ws, project.member, &args)
            .and_then(|cmd| exec::capture(&cmd))
            .map_err(|e| format!("{e:#}"));
        let cases = junit::read(&xml).map_err(|e| format!("{e:#}"));
        // Gone whatever happened: it is this run's alone (missing if pytest never started).
        let _ = std::fs::remove_file(&xml);
        let mut by_id: HashMap<String, Vec<TestCase>> = HashMap::new();
        for case in cases.iter().flatten() {
            by_id.entry(case.id.clone()).or_default().push(case.clone());
        }
        Ok(Run { done: done?, cases: cases.map(|_| by_id) })
    });
    let run = run.as_ref().map_err(|e| Failed::from(e.as_str()))?;
    let entries = run.cases.as_ref().ok().and_then(|cases| cases.get(id)).map(Vec::as_slice);
    verdict(id, entries, &run.done, run.cases.as_ref().err().map(String::as_str)).map_err(Failed::from)
}

/// A private JUnit file for one project's run in this process: nextest runs many of these
/// processes at once, each with its own pid.
fn junit_path(project: &str) -> Result<Utf8PathBuf, String> {
    let dir = Utf8PathBuf::try_from(std::env::temp_dir()).map_err(|e| format!("the temp folder is not UTF-8: {e}"))?;
    Ok(dir.join(format!("xtask-junit-{}-{project}.xml", std::process::id())))
}

/// A trial's result from its node's JUnit entries (two for a failure followed by an error in
/// teardown) and how pytest ended; `junit_error` is why the JUnit XML could not be read.
///
/// Passed, skipped and xfailed are successes. A failure, an error or an xpass (a strict one
/// is a failure in JUnit) is a failure with that test's message, traceback and captured
/// output, not the whole suite's output.
fn verdict(id: &str, entries: Option<&[TestCase]>, pytest: &Captured, junit_error: Option<&str>) -> Result<(), String> {
    let Some(entries) = entries else {
        // pytest succeeded, so every test it ran passed: a node it did not report was
        // deselected by the project's own options (`-k`, `-m` in addopts), or its id was
        // not recoverable from the JUnit XML (see `junit::parse`'s fallback).
        if pytest.success {
            return Ok(());
        }
        let why = junit_error.map(|e| format!(" ({e})")).unwrap_or_default();
        let code = pytest.code.map_or("none: stopped by a signal".to_owned(), |c| c.to_string());
        return Err(format!(
            "pytest failed (exit code {code}) before reporting {id}{why}; its output:\n{}",
            pytest.output
        ));
    };
    let failed: Vec<String> = entries
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Failed | Outcome::Error | Outcome::XPassed))
        .map(|e| {
            // A strict xpass's text is its message again.
            let details = if e.details.trim() == e.message.trim() { "" } else { e.details.as_str() };
            let parts = [e.message.as_str(), details, e.output.as_str()];
            parts.into_iter().map(str::trim_end).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n")
        })
        .collect();
    if failed.is_empty() { Ok(()) } else { Err(failed.join("\n\n")) }
}
