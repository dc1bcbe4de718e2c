//! `cargo xtask test-all`: pytest in each project's own venv, as a CI's test runner.
//!
//! Envs are set up first (a no-op when fresh). Suites run dependencies before dependants,
//! independent ones in parallel; a slot that would sit idle starts a dependant early, and
//! cancels it if a dependency then fails. A suite whose inputs are unchanged since it passed
//! is not run (`results`). Each suite writes pytest's JUnit XML to a private file, which is
//! where its per-test results come from. Suites are reported as events to the reporters
//! (`report`): the terminal, GitHub Actions, a merged JUnit file, JSON lines. On a signal,
//! the running suites are stopped (their output so far is shown), nothing new starts, and
//! the table says what finished, what was stopped and what never started.

use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::{ExitCode, Failed, hinted};
use crate::exec::{self, Watch};
use crate::junit::{self, TestCase};
use crate::keys::{self, Keys, SuiteKey};
use crate::progress::Session;
use crate::pyproject::NoTests;
use crate::pytest;
use crate::remote::Remote;
use crate::report::{self, Event, Outcome, Reporters, Suite, SuiteResult, Totals};
use crate::results::{Record, ResultCache};
use crate::sched::{self, Status};
use crate::ui;
use crate::verdict::{self, Verdict};
use crate::workspace::Workspace;

#[derive(Debug, Clone)]
pub struct Options {
    pub jobs: usize,
    /// Run every suite, dependants of failures included (they are marked).
    pub keep_going: bool,
    /// Start a dependant before its dependencies' suites pass when a slot is idle.
    pub speculate: bool,
    /// Skip suites whose inputs are unchanged since they passed.
    pub cache: bool,
    /// Run the suites the cache would skip too, and fail where a result differs.
    pub verify_cache: bool,
    /// For suites whose project sets none (`[tool.monorepo].timeout`).
    pub timeout: Option<Duration>,
    pub pytest_args: Vec<String>,
    pub report: report::Options,
    /// What a run in which no test ran at all is.
    pub no_tests: NoTestsRun,
    /// `--no-remote-cache`, `--remote-cache-read-only`.
    pub remote: crate::remote::Options,
    /// `--locked`, `--frozen`, `--offline`.
    pub modes: super::setup_envs::Modes,
}

/// `--no-tests`: what a run is when no test ran in any suite (as nextest's `--no-tests`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NoTestsRun {
    /// Exit 5, pytest's own code for it.
    #[default]
    Fail,
    /// A warning, exit 0.
    Warn,
    /// Exit 0.
    Pass,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            jobs: 1,
            keep_going: false,
            speculate: true,
            cache: true,
            verify_cache: false,
            timeout: None,
            pytest_args: Vec::new(),
            report: report::Options::default(),
            no_tests: NoTestsRun::Fail,
            remote: crate::remote::Options::default(),
            modes: super::setup_envs::Modes::default(),
        }
    }
}

pub fn run(ws: &Workspace, members: &[usize], options: &Options) -> Result<()> {
    let start = Instant::now();
    check_pytest_args(&options.pytest_args)?;
    if let Some(junit) = &options.report.junit {
        crate::fsutil::check_file_path(junit, "--junit")?;
    }
    if members.is_empty() {
        ui::status("Finished", "nothing to test: no project selected");
        return Ok(());
    }
    let mut envs: Vec<usize> = members.iter().map(|&m| ws.members[m].env).collect();
    envs.sort_unstable();
    envs.dedup();
    // With --keep-going an env that cannot be set up fails its own suites only.
    let failures = if options.keep_going {
        super::setup_envs::ensure_keep_going(ws, &envs, options.jobs, "test-all", options.modes)?
    } else {
        super::setup_envs::ensure_with(ws, &envs, options.jobs, "test-all", options.modes)?;
        super::setup_envs::Failures::new()
    };
    // Done writing: other runs may read while the suites run; a writer waits for them.
    crate::repo_lock::downgrade()?;

    for &m in members {
        let member = &ws.members[m];
        for nested in &member.nested {
            ui::status(
                "Note",
                &format!("{}'s run ignores {}: a project of its own", member.name, member.dir.join(nested)),
            );
        }
    }
    // pytest's output is captured through a pipe: it keeps its colour only when told.
    let mut args: Vec<String> = Vec::new();
    if Reporters::colored(&options.report) {
        args.push("--color=yes".to_owned());
    }
    args.extend(options.pytest_args.iter().cloned());
    // The caller's arguments, not our colour flag: colour changes no result, and a run in a
    // terminal must hit what a piped run recorded.
    let keys = if options.cache {
        match keys::suites(ws, members, &options.pytest_args)? {
            Keys::Known(keys) => Some(keys),
            Keys::Off(why) => {
                ui::status("Note", &format!("the result cache is off: {why}"));
                None
            }
        }
    } else {
        None
    };
    let cache = ResultCache::open(ws);
    // The team's cache, when one is configured and the local one is in use.
    let remote = match (&keys, Remote::open(ws.config.remote_cache.as_deref(), &options.remote)) {
        (Some(_), Ok(remote)) => Some(remote),
        (Some(_), Err(why)) if !why.is_empty() => {
            ui::status("Note", &format!("the remote cache is {why}"));
            None
        }
        _ => None,
    };
    // Every local miss is asked of the team's cache at once, before the first suite starts.
    if let (Some(remote), Some(keys)) = (&remote, &keys) {
        let wanted: Vec<(&str, &str)> = members
            .iter()
            .zip(keys)
            .map(|(&m, key)| (ws.members[m].name.as_str(), key.key.as_str()))
            .filter(|(name, key)| !cache.holds(name, key))
            .collect();
        remote.prefetch(&wanted);
    }
    let reporters = Reporters::new(&ws.root, &options.report);
    let names: Vec<&str> = members.iter().map(|&m| ws.members[m].name.as_str()).collect();
    reporters.emit(&Event::RunStarted { projects: names.clone() });

    let suites: Vec<Suite> = members
        .iter()
        .map(|&m| Suite { project: ws.members[m].name.clone(), dir: ws.members[m].shown_dir().to_owned() })
        .collect();
    let position = |m: usize| members.iter().position(|&x| x == m);
    let mut deps: Vec<Vec<usize>> =
        members.iter().map(|&m| ws.members[m].deps.iter().filter_map(|&d| position(d)).collect()).collect();
    // A project that imports another's folder by path runs after it, as after any
    // dependency; an edge that would close a circle orders nothing.
    for (k, &m) in members.iter().enumerate() {
        for d in ws.members[m].path_deps.iter().filter_map(|&d| position(d)) {
            if !deps[k].contains(&d) && !reaches(&deps, d, k) {
                deps[k].push(d);
            }
        }
    }
    // The durations recorded by earlier runs order the suites: the longest chain first.
    let weights: Vec<f64> = crate::shard::weigh(&names, &cache.durations()).into_iter().map(|(_, w)| w).collect();
    let schedule = sched::Options {
        jobs: options.jobs,
        keep_going: options.keep_going,
        run_dependants: options.keep_going,
        speculate: options.speculate,
        weights: &weights,
    };
    // Each suite that runs records its session (the evidence its result rests on) and lists
    // what it imports (so files no input declares still key its result).
    let plugin = OnceLock::new();
    let runner = Runner {
        ws,
        args: &args,
        timeout: options.timeout,
        cache: &cache,
        remote: remote.as_ref(),
        reporters: &reporters,
        plugin: &plugin,
        observed_digests: &keys::ObservedDigests::default(),
        verify: options.verify_cache,
    };
    let unset = not_set_up(ws, members, &deps, &failures);
    let work = |k: usize, cancel: &AtomicBool| {
        if let Some(result) = &unset[k] {
            return (result.clone(), false);
        }
        let key = keys.as_ref().map(|keys| &keys[k]);
        let result = runner.suite(members[k], &suites[k], key, cancel);
        let ok = result.result.ok();
        (result, ok)
    };
    let mut settled: Vec<Option<SuiteResult>> = vec![None; members.len()];
    // Every status is reported (and kept) as it settles; the returned list adds nothing.
    sched::run_with(&deps, schedule, work, |k, status| {
        let result = settle(ws, members, &deps, &settled, k, status);
        reporters.emit(&Event::SuiteFinished { suite: &suites[k], result: &result });
        settled[k] = Some(result);
    });

    if let Some(Some(dir)) = plugin.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
    let results: Vec<SuiteResult> = settled.into_iter().map(|r| r.expect("every job settles")).collect();
    let interrupted = crate::interrupt::received();
    let mut totals = Totals {
        projects: members.len(),
        seconds: start.elapsed().as_secs_f64(),
        interrupted: interrupted.map(|i| i.to_string()),
        ..Totals::default()
    };
    for result in &results {
        match result.result {
            Outcome::Cached => {
                totals.passed += 1;
                totals.cached += 1;
            }
            Outcome::Passed => totals.passed += 1,
            Outcome::NoTests | Outcome::NoTestsSelected => totals.no_tests += 1,
            r if r.failed() => totals.failed += 1,
            Outcome::Stopped => totals.stopped += 1,
            _ => totals.skipped += 1,
        }
    }
    for (&m, result) in members.iter().zip(&results) {
        if result.result == Outcome::NoTests && ws.members[m].pyproject.tests.no_tests == NoTests::Warn {
            let name = &ws.members[m].name;
            let declare = "declare `no-tests = \"pass\"` in its [tool.monorepo] if that is expected";
            ui::status("Warning", &format!("{name} has no test files: {declare}"));
        }
    }
    reporters.emit(&Event::RunFinished { totals: &totals });
    reporters.finish()?;
    if let Some(interrupted) = interrupted {
        return Err(interrupted.into());
    }
    if totals.failed + totals.skipped > 0 {
        return Err(Failed.into());
    }
    no_test_ran(ws, members, &results, options.no_tests)
}

/// The run passed, or had nothing to pass: when no test ran in any suite (each one's tests
/// deselected or absent), that is `--no-tests`'s call, unless every suite declared it has
/// none (`no-tests = "pass"`).
fn no_test_ran(ws: &Workspace, members: &[usize], results: &[SuiteResult], policy: NoTestsRun) -> Result<()> {
    let ran = |r: &SuiteResult| {
        r.result == Outcome::Cached
            || r.counts.is_some_and(|c| c.passed + c.failed + c.errors + c.skipped + c.xfailed + c.xpassed > 0)
    };
    let declared = |(&m, r): (&usize, &SuiteResult)| {
        r.result == Outcome::NoTests && ws.members[m].pyproject.tests.no_tests == NoTests::Pass
    };
    if results.iter().any(ran) || members.iter().zip(results).all(declared) {
        return Ok(());
    }
    let message = "no test ran in any suite (each one's tests were deselected, or it has none)";
    match policy {
        NoTestsRun::Fail => {
            ui::err(&format!(
                "error: {message}\nhint: check `-k` / `-m`; `--no-tests=warn` or `--no-tests=pass` accepts a run without tests\n"
            ));
            Err(ExitCode(pytest::NO_TESTS_COLLECTED).into())
        }
        NoTestsRun::Warn => {
            ui::status("Warning", message);
            Ok(())
        }
        NoTestsRun::Pass => Ok(()),
    }
}

/// What every suite of a run shares.
struct Runner<'a> {
    ws: &'a Workspace,
    /// pytest's arguments, ours (colour) and the caller's.
    args: &'a [String],
    timeout: Option<Duration>,
    cache: &'a ResultCache,
    remote: Option<&'a Remote>,
    reporters: &'a Reporters,
    /// Where the xtask's pytest plugin is, once written (`None`: it could not be).
    plugin: &'a OnceLock<Option<Utf8PathBuf>>,
    /// The observed inputs' digests, each file read once for the run's cache lookups.
    observed_digests: &'a keys::ObservedDigests,
    /// Run a cached suite too, and fail when its result is not the cached one.
    verify: bool,
}

impl Runner<'_> {
    /// One suite: from the cache when its key has a passing record, else pytest.
    fn suite(&self, member: usize, suite: &Suite, key: Option<&SuiteKey>, cancel: &AtomicBool) -> SuiteResult {
        let Runner { ws, args, timeout, cache, remote, reporters, plugin, observed_digests, verify } = *self;
        let name = suite.project.as_str();
        let local = key.and_then(|key| cache.lookup(name, &key.key));
        // On a local miss, the team's cache; a hit is kept locally for the next run.
        let fetched = match (local.is_none(), key, remote) {
            (true, Some(key), Some(remote)) => remote.fetch(name, &key.key),
            _ => None,
        };
        let from_remote = fetched.is_some();
        let hit = local
            .or_else(|| {
                let fetched = fetched?;
                let from = remote.map(Remote::shown).unwrap_or_default();
                let _ = cache.store_fetched(name, &fetched.record, fetched.junit.as_deref(), &from);
                Some(fetched.record)
            })
            .filter(|r| observed_digests.change(ws, &r.observed).is_none());
        if !verify && let Some(record) = hit {
            // Its tests all passed: only a JUnit file lists them, so only then are they read.
            let tests = reporters
                .lists_passing_tests
                .then(|| cache.junit_of(name, &record.key).and_then(|xml| junit::read(&xml).ok()))
                .flatten();
            let note = match (from_remote, remote) {
                (true, Some(remote)) => format!("from the remote cache at {}", remote.shown()),
                _ => String::new(),
            };
            return SuiteResult {
                counts: Some(record.counts),
                seconds: Some(record.seconds),
                note,
                tests: tests.unwrap_or_default(),
                ..SuiteResult::not_run(Outcome::Cached, String::new())
            };
        }
        reporters.emit(&Event::SuiteStarted { project: name, dir: &suite.dir });
        let xml = private_junit_path(member);
        let _ = std::fs::remove_file(&xml);
        let mut all_args = junit::pytest_args(&xml);
        all_args.extend(args.iter().cloned());
        let member_ref = &ws.members[member];
        // The plugin, written when the first suite runs (a cached run writes nothing), and a
        // folder of the suite's own for its record (pytest-xdist's workers write one each).
        let plugin = plugin.get_or_init(|| {
            let dir = plugin_dir();
            pytest::install_plugin(&dir).is_ok().then_some(dir)
        });
        let folder = plugin.as_ref().map(|dir| dir.join(member.to_string()));
        let folder = folder.filter(|f| std::fs::create_dir_all(f).is_ok());
        let progress_file = folder.as_ref().map(|f| f.join("progress.jsonl"));
        // What it imports is listed (in a folder: each pytest-xdist worker writes its own
        // list) only when its result may be recorded.
        let imports = folder.as_ref().filter(|_| key.is_some()).map(|f| f.join("imports"));
        let imports = imports.filter(|i| std::fs::create_dir_all(i).is_ok());
        let list = imports.as_ref().map(|i| i.join("list"));
        let cmd = pytest::command(ws, member, &all_args).and_then(|cmd| match (plugin, &progress_file) {
            (Some(dir), Some(progress)) => pytest::with_plugin(cmd, dir, progress, list.as_deref()),
            _ => Ok(cmd),
        });
        let cmd = match cmd {
            Ok(cmd) => cmd,
            Err(err) => {
                let first = format!("{err:#}").lines().next().unwrap_or_default().to_owned();
                return SuiteResult { output: format!("{err:#}"), ..SuiteResult::not_run(Outcome::Error, first) };
            }
        };
        let timeout = member_ref.pyproject.timeout.map(Duration::from_secs).or(timeout);
        let watch = Watch { deadline: timeout.map(|t| Instant::now() + t), cancel: Some(cancel) };
        let done = match exec::capture_watched(&cmd, watch) {
            Ok(done) => done,
            Err(err) => {
                let first = format!("{err:#}").lines().next().unwrap_or_default().to_owned();
                return SuiteResult { output: format!("{err:#}"), ..SuiteResult::not_run(Outcome::Error, first) };
            }
        };
        let ended = verdict::Ended {
            code: done.code,
            signal: done.signal,
            cut: done.cut,
            stopped_by: crate::interrupt::received().filter(|_| done.stopped).map(|i| i.signal),
            timeout,
        };
        let junit_cases = junit::read(&xml).map_err(|err| format!("{err:#}"));
        let session = progress_file.as_deref().and_then(Session::read);
        let no_tests = member_ref.pyproject.tests.no_tests;
        let Verdict { outcome: result, note, tests, counts } =
            verdict::judge(&ended, junit_cases, session.as_ref(), &done.output, no_tests);
        let seconds = done.elapsed.as_secs_f64();
        if done.cut.is_none() && !done.stopped {
            // Best effort: a cache that cannot be written only costs a rerun.
            let _ = cache.record_duration(name, seconds);
        }
        let rootdir = session
            .as_ref()
            .and_then(|s| s.rootdir.clone())
            .or_else(|| rootdir_of(&done.output, &ws.root.join(&member_ref.dir), &ws.root, &tests));
        // What it imported; a run whose imports are unknown is not recorded: its result
        // would rest on inputs no one looked at.
        let imported = imports.as_deref().and_then(keys::read_imported);
        if let Some(folder) = &folder {
            let _ = std::fs::remove_dir_all(folder);
        }
        if result == Outcome::Passed
            && let Some(key) = key
            && let Some(imported) = imported
        {
            let observed = keys::observed(ws, member, &imported);
            let record = Record {
                key: key.key.clone(),
                counts,
                seconds,
                items: key.items.clone(),
                observed,
                fetched_from: None,
            };
            let junit_file = Some(&xml).filter(|x| x.exists()).map(|x| x.as_path());
            if let Err(err) = cache.store(name, &record, junit_file) {
                ui::status("Warning", &format!("cannot record {name}'s result: {err:#}"));
            }
            // Shared as it passes; a run stopped by a signal shares nothing more.
            if let Some(remote) = remote
                && crate::interrupt::received().is_none()
            {
                remote.upload(name, &record, junit_file);
            }
        }
        let _ = std::fs::remove_file(&xml);
        // `--verify-cache`: the cache would have said passed; a run that does not is a
        // false `cached`, which names what the key was made of.
        let (result, note, output) = match (&hit, key) {
            (Some(record), Some(key)) if result != Outcome::Passed || counts.passed != record.counts.passed => (
                Outcome::Failed,
                format!(
                    "the cache disagrees: recorded passed ({} passed), this run {} ({} passed)",
                    record.counts.passed,
                    result.word(),
                    counts.passed
                ),
                format!("{}\n{}", done.output, describe_items(&key.items)),
            ),
            _ => (result, note, done.output),
        };
        SuiteResult {
            result,
            counts: Some(counts),
            seconds: Some(seconds),
            exit_code: done.code,
            note,
            after_failure_of: None,
            tests,
            rootdir,
            output,
        }
    }
}

/// Whether `from` depends on `to`, directly or through others, in `deps`.
fn reaches(deps: &[Vec<usize>], from: usize, to: usize) -> bool {
    let mut seen = vec![false; deps.len()];
    let mut stack = vec![from];
    while let Some(k) = stack.pop() {
        if k == to {
            return true;
        }
        if !std::mem::replace(&mut seen[k], true) {
            stack.extend(deps[k].iter().copied());
        }
    }
    false
}

/// For each suite, the result it gets without running when its env could not be set up
/// (`setup failed`, with the cause), or when a dependency's could not (skipped).
fn not_set_up(
    ws: &Workspace,
    members: &[usize],
    deps: &[Vec<usize>],
    failures: &super::setup_envs::Failures,
) -> Vec<Option<SuiteResult>> {
    let mut unset: Vec<Option<SuiteResult>> = vec![None; members.len()];
    if failures.is_empty() {
        return unset;
    }
    // The blocked suite's name for each, in dependency order (members are topological).
    let mut blocked_by: Vec<Option<String>> = vec![None; members.len()];
    for (k, &m) in members.iter().enumerate() {
        let member = &ws.members[m];
        if let Some(err) = failures.get(&member.env) {
            let cause = format!("{err:#}");
            // The note is the root cause: uv's last word (`cause: Expected a Python module
            // at ...`), the output has the whole story.
            let last = cause.lines().rev().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
            let first = last.trim_start_matches("cause:").trim_start_matches("error:").trim().to_owned();
            let env = &ws.envs[member.env].name;
            let note = if env == &member.name { first } else { format!("env `{env}`: {first}") };
            unset[k] = Some(SuiteResult { output: cause, ..SuiteResult::not_run(Outcome::SetupFailed, note) });
            blocked_by[k] = Some(member.name.clone());
        }
    }
    // Dependants, to a fixpoint (whatever the order of `members`).
    loop {
        let mut changed = false;
        for k in 0..members.len() {
            if blocked_by[k].is_some() {
                continue;
            }
            if let Some(d) = deps[k].iter().find(|&&d| blocked_by[d].is_some()) {
                let name = ws.members[members[*d]].name.clone();
                let why = if unset[*d].as_ref().is_some_and(|r| r.result == Outcome::SetupFailed) {
                    format!("needs {name}, whose setup failed")
                } else {
                    format!("needs {name}, which did not run")
                };
                unset[k] = Some(SuiteResult::not_run(Outcome::Skipped, why));
                blocked_by[k] = Some(name);
                changed = true;
            }
        }
        if !changed {
            return unset;
        }
    }
}

/// A job's final status as the reporters see it: why it did not run, or what it did, and
/// whether it ran after a dependency failed.
fn settle(
    ws: &Workspace,
    members: &[usize],
    deps: &[Vec<usize>],
    settled: &[Option<SuiteResult>],
    k: usize,
    status: &Status<SuiteResult>,
) -> SuiteResult {
    let name = |j: usize| ws.members[members[j]].name.clone();
    let interrupted = crate::interrupt::received();
    let never_started = || format!("never started: {}", interrupted.map(|i| i.to_string()).unwrap_or_default());
    match status {
        Status::Ran { value, .. } => {
            let mut result = value.clone();
            if result.seconds.is_none() && matches!(result.result, Outcome::SetupFailed | Outcome::Skipped) {
                return result; // never ran: its env, or a dependency's, could not be set up
            }
            // With --keep-going a dependant of a failure runs: say which failure it ran after.
            result.after_failure_of = deps[k].iter().find_map(|&d| {
                let dep = settled[d].as_ref()?;
                if dep.result.failed() { Some(name(d)) } else { dep.after_failure_of.clone() }
            });
            result
        }
        Status::Panicked(message) => SuiteResult::not_run(Outcome::Error, format!("the xtask panicked: {message}")),
        Status::Skipped { because } => {
            // Skipped because a dependency was stopped by the signal: it never started because of it.
            let cause = settled[*because].as_ref();
            if cause.is_some_and(|c| matches!(c.result, Outcome::Stopped | Outcome::NotRun)) && interrupted.is_some() {
                SuiteResult::not_run(Outcome::NotRun, never_started())
            } else {
                SuiteResult::not_run(Outcome::Skipped, format!("needs {}, which did not pass", name(*because)))
            }
        }
        Status::NotRun if interrupted.is_some() => SuiteResult::not_run(Outcome::NotRun, never_started()),
        Status::NotRun => {
            SuiteResult::not_run(Outcome::NotRun, "stopped after a failure; --keep-going runs it".to_owned())
        }
    }
}

/// pytest's rootdir, which its node ids and files are relative to: from its header
/// (`rootdir: /path`), else the first of the member's folder and its ancestors that holds
/// the tests' files.
fn rootdir_of(output: &str, member_dir: &Utf8Path, root: &Utf8Path, tests: &[TestCase]) -> Option<Utf8PathBuf> {
    let output = pytest::strip_ansi(output);
    if let Some(dir) = output.lines().find_map(|l| l.strip_prefix("rootdir: ")) {
        let dir = dir.split(", ").next().unwrap_or(dir).trim();
        return Some(Utf8PathBuf::from(dir));
    }
    let file = tests.iter().find_map(|t| t.file.as_deref())?;
    member_dir.ancestors().take_while(|d| d.starts_with(root)).find(|d| d.join(file).is_file()).map(Utf8Path::to_owned)
}

/// The input items of a suite's key, one a line, for a `--verify-cache` failure.
fn describe_items(items: &crate::inputs::Items) -> String {
    let mut out = String::from("The cached result was keyed on these inputs; one that is not listed changed:\n");
    for item in &items.0 {
        out.push_str(&format!("  {} {} ({})\n", item.kind.as_str(), item.name, item.from));
    }
    out
}

/// A folder of this process's own for the xtask's pytest plugin and each suite's records.
fn plugin_dir() -> Utf8PathBuf {
    let dir = Utf8PathBuf::try_from(std::env::temp_dir()).unwrap_or_else(|_| Utf8PathBuf::from("."));
    dir.join(format!("xtask-pytest-{}", std::process::id()))
}

/// A file of this process's own for a suite's JUnit XML: never shared with a parallel suite
/// or another run.
fn private_junit_path(member: usize) -> Utf8PathBuf {
    let dir = Utf8PathBuf::try_from(std::env::temp_dir()).unwrap_or_else(|_| Utf8PathBuf::from("."));
    dir.join(format!("xtask-junit-{}-{member}.xml", std::process::id()))
}

/// pytest's own JUnit option would be written by every suite to the same file.
fn check_pytest_args(args: &[String]) -> Result<()> {
    if let Some(arg) = args.iter().find(|a| a.starts_with("--junitxml") || a.starts_with("--junit-xml")) {
        return Err(hinted(
            format!("`{arg}` would have every suite overwrite the same file"),
            "use `cargo xtask test-all --junit FILE`: one merged report, a <testsuite> per project",
        ));
    }
    Ok(())
}
