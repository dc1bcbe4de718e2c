//! Every project's pytest tests as trials named `<project>::<pytest node id>`, so that
//! `cargo test` and `cargo nextest run` run, filter (`--exact`, name filters) and partition
//! the Python suites like Rust tests.
//!
//! The venvs are set up first (a no-op when fresh). Locks must be fresh: tests never write
//! tracked files. Trials of one project share one pytest run over the selected node ids,
//! so `cargo test` spawns one pytest per project and nextest one per test.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

use camino::Utf8Path;
use libtest_mimic::{Arguments, Failed, Trial};
use xtask::exec::{self, Captured};
use xtask::lock;
use xtask::lockfile::Freshness;
use xtask::sched::{self, Status};
use xtask::{Workspace, commands, pytest};

/// One project's tests, and the single pytest run its selected trials share.
struct Project {
    member: usize,
    selected: Vec<String>,
    run: OnceLock<Result<Captured, String>>,
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the repository");
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

fn trials(root: &Utf8Path, args: &Arguments) -> anyhow::Result<Vec<Trial>> {
    let ws = Arc::new(Workspace::load(root)?);
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
    // nextest runs each trial in its own process as `--exact NAME`: the name says which
    // project and node, so there is nothing to collect.
    if let (true, Some(name)) = (args.exact, &args.filter) {
        let (project, id) = name.split_once("::").unwrap_or((name, ""));
        let member = ws.member(project)?;
        commands::setup_envs::ensure(&ws, &[ws.members[member].env], 1)?;
        xtask::repo_lock::downgrade()?;
        let shared = Arc::new(Project { member, selected: vec![id.to_owned()], run: OnceLock::new() });
        let (id, ws) = (id.to_owned(), Arc::clone(&ws));
        return Ok(vec![Trial::test(name.clone(), move || outcome(&ws, &shared, &id))]);
    }
    let all: Vec<usize> = (0..ws.envs.len()).collect();
    // Under the repository lock: nextest lists with `--list` and `--list --ignored` at once,
    // and both would set the venvs up; the second waits, then finds them fresh.
    commands::setup_envs::ensure(&ws, &all, commands::default_jobs())?;
    xtask::repo_lock::downgrade()?;

    // Collect every project's node ids, projects in parallel.
    let collected = sched::run(&vec![Vec::new(); ws.members.len()], commands::default_jobs(), true, |m| {
        let member = &ws.members[m];
        let cmd = pytest::command(
            &ws.root,
            &member.dir,
            &ws.env_of(m).venv,
            &["--collect-only".into(), "--verbosity=0".into(), "-q".into()],
        );
        let result = exec::capture(&cmd).map_err(|e| format!("{e:#}")).and_then(|done| {
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
        let mut args: Vec<String> = vec!["-rA".into(), "--verbosity=0".into()];
        args.extend(project.selected.iter().cloned());
        exec::capture(&pytest::command(&ws.root, &member.dir, &ws.env_of(project.member).venv, &args))
            .map_err(|e| format!("{e:#}"))
    });
    let done = run.as_ref().map_err(|e| Failed::from(e.as_str()))?;
    let outcomes = summary(&done.output);
    match outcomes.get(id).map(String::as_str) {
        Some("FAILED" | "ERROR" | "XPASS") => Err(format!("{id} failed; pytest's output:\n{}", done.output).into()),
        Some(_) => Ok(()),
        // Skipped tests are reported by location, not node id: fine when pytest succeeded.
        None if done.success => Ok(()),
        None => {
            Err(format!("pytest failed (exit code {:?}) before reporting {id}:\n{}", done.code, done.output).into())
        }
    }
}

/// Node id -> outcome word, from the `-rA` short test summary (`FAILED tests/x.py::t - msg`).
fn summary(output: &str) -> HashMap<String, String> {
    let words: HashSet<&str> = ["PASSED", "FAILED", "ERROR", "XFAIL", "XPASS"].into();
    output
        .lines()
        .filter_map(|line| {
            let (word, rest) = line.split_once(' ')?;
            words.contains(word).then(|| (rest.split(" - ").next().unwrap_or(rest).to_owned(), word.to_owned()))
        })
        .collect()
}
