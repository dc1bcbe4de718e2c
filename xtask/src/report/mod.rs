//! Events of a test run, and the reporters that show them (the shape of nextest's runner
//! and reporters): `test_all` runs suites and emits an [`Event`] as each starts and settles;
//! each reporter turns the events into one output. The terminal is always one of them;
//! GitHub Actions annotations and step summary, a merged JUnit file and JSON lines are
//! added as asked.

mod github;
mod json;
mod junit_file;
mod terminal;

use std::sync::Mutex;

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};
use serde::Serialize;

use crate::junit::TestCase;
use crate::pytest::Counts;

pub use terminal::{Color, Verbosity};

/// What became of one suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Passed,
    /// pytest collected nothing (exit code 5): not a failure.
    NoTests,
    Failed,
    /// It ran past its timeout and was stopped.
    TimedOut,
    /// A signal to the xtask stopped it.
    Stopped,
    /// It could not be run (pytest missing, the xtask panicked...).
    Error,
    /// Not run: its inputs are unchanged since it passed; the counts are the recorded ones.
    Cached,
    /// Not run, or cancelled, because a dependency did not pass.
    Skipped,
    /// Not run: a signal, or an earlier failure without --keep-going.
    NotRun,
}

impl Outcome {
    /// Whether the run counts it as passing.
    pub fn passed(self) -> bool {
        matches!(self, Outcome::Passed | Outcome::NoTests | Outcome::Cached)
    }

    /// Whether the run counts it as failing.
    pub fn failed(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::TimedOut | Outcome::Error)
    }

    /// The word in the table.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Passed => "ok",
            Outcome::NoTests => "no tests",
            Outcome::Failed => "FAILED",
            Outcome::TimedOut => "TIMED OUT",
            Outcome::Stopped => "stopped",
            Outcome::Error => "ERROR",
            Outcome::Cached => "cached",
            Outcome::Skipped => "skipped",
            Outcome::NotRun => "not run",
        }
    }
}

/// One suite, as the reporters see it.
#[derive(Debug, Clone, Serialize)]
pub struct Suite {
    pub project: String,
    /// The member's folder, relative to the root.
    pub dir: Utf8PathBuf,
}

/// A settled suite.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteResult {
    pub result: Outcome,
    /// As pytest counts them: from its JUnit XML, and its closing line for what JUnit
    /// cannot tell (deselected, non-strict xpassed). None when it did not run.
    pub counts: Option<Counts>,
    pub seconds: Option<f64>,
    pub exit_code: Option<i32>,
    /// Why, in a few words: "needs lib, which did not pass", "pytest exit code 1".
    pub note: String,
    /// It ran although a dependency failed (`--keep-going`): the dependency's name.
    pub after_failure_of: Option<String>,
    /// Each test, from pytest's JUnit XML (for a cached suite, the recorded run's).
    pub tests: Vec<TestCase>,
    /// pytest's rootdir, against which the tests' files are relative.
    pub rootdir: Option<Utf8PathBuf>,
    /// Everything pytest printed (its output so far when stopped or timed out).
    pub output: String,
}

impl SuiteResult {
    /// A suite that did not run, with why.
    pub fn not_run(result: Outcome, note: String) -> SuiteResult {
        SuiteResult {
            result,
            counts: None,
            seconds: None,
            exit_code: None,
            note,
            after_failure_of: None,
            tests: Vec::new(),
            rootdir: None,
            output: String::new(),
        }
    }

    /// A test's file relative to `root`, when it is inside it.
    pub fn file_of(&self, test: &TestCase, root: &Utf8Path) -> Option<Utf8PathBuf> {
        let file = self.rootdir.as_ref()?.join(test.file.as_deref()?);
        file.strip_prefix(root).ok().map(|rel| Utf8PathBuf::from(rel.as_str().replace('\\', "/")))
    }
}

/// The run's totals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub projects: usize,
    pub passed: usize,
    pub cached: usize,
    pub failed: usize,
    pub skipped: usize,
    pub stopped: usize,
    pub seconds: f64,
    /// The signal that stopped the run, if one did.
    pub interrupted: Option<String>,
}

/// What happens during a run, in order: one `Started` per suite that runs (none for a
/// cached one), one `Finished` per suite, then `RunFinished`.
#[derive(Debug, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event<'a> {
    RunStarted {
        projects: Vec<&'a str>,
    },
    SuiteStarted {
        project: &'a str,
        dir: &'a Utf8Path,
    },
    SuiteFinished {
        #[serde(flatten)]
        suite: &'a Suite,
        #[serde(flatten)]
        result: &'a SuiteResult,
    },
    RunFinished {
        #[serde(flatten)]
        totals: &'a Totals,
    },
}

/// One output of a run.
pub trait Reporter: Send {
    /// Takes one event; an error (a file that cannot be written) fails the run at its end.
    fn event(&mut self, event: &Event) -> Result<()>;
}

/// What the run should report, beside the terminal.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub verbosity: Verbosity,
    pub color: Color,
    /// `--message-format json`: JSON lines on stdout, the human output on stderr.
    pub json: bool,
    /// `--junit FILE`: the merged JUnit XML, written at the end.
    pub junit: Option<Utf8PathBuf>,
}

/// Every reporter of a run, fed each event in turn (from the threads that run suites,
/// hence the lock).
pub struct Reporters {
    all: Mutex<Vec<Box<dyn Reporter>>>,
    errors: Mutex<Vec<anyhow::Error>>,
}

impl Reporters {
    /// The reporters `options` and the environment ask for: the terminal; in GitHub
    /// Actions (`GITHUB_ACTIONS=true`) annotations and the step summary; JUnit; JSON.
    pub fn new(root: &Utf8Path, options: &Options) -> Reporters {
        let github = std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true");
        let mut all: Vec<Box<dyn Reporter>> =
            vec![Box::new(terminal::Terminal::new(options.verbosity, options.color, options.json, github))];
        if github {
            all.push(Box::new(github::GitHub::new(root, options.json)));
        }
        if let Some(path) = &options.junit {
            all.push(Box::new(junit_file::JunitFile::new(path.clone())));
        }
        if options.json {
            all.push(Box::new(json::Json));
        }
        Reporters { all: Mutex::new(all), errors: Mutex::new(Vec::new()) }
    }

    /// Whether pytest's own output should keep its colour (ours has colour).
    pub fn colored(options: &Options) -> bool {
        terminal::use_color(options.color, options.json)
    }

    pub fn emit(&self, event: &Event) {
        let mut all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        for reporter in all.iter_mut() {
            if let Err(err) = reporter.event(event) {
                self.errors.lock().unwrap_or_else(|p| p.into_inner()).push(err);
            }
        }
    }

    /// The first error a reporter met, if any.
    pub fn finish(self) -> Result<()> {
        match self.errors.into_inner().unwrap_or_else(|p| p.into_inner()).into_iter().next() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

/// `3 passed, 1 failed, 2 skipped`: the non-zero counts, as pytest says them.
pub fn describe(counts: &Counts) -> String {
    let parts = [
        (counts.passed, "passed"),
        (counts.failed, "failed"),
        (counts.errors, if counts.errors == 1 { "error" } else { "errors" }),
        (counts.skipped, "skipped"),
        (counts.xfailed, "xfailed"),
        (counts.xpassed, "xpassed"),
        (counts.deselected, "deselected"),
    ];
    let said: Vec<String> = parts.iter().filter(|(n, _)| *n > 0).map(|(n, w)| format!("{n} {w}")).collect();
    if said.is_empty() { "no tests ran".to_owned() } else { said.join(", ") }
}
