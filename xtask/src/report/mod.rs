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
use serde_core::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::junit::TestCase;
use crate::pytest::Counts;
use crate::shape::{self, Flatten};

pub use terminal::{Color, Verbosity};

/// What became of one suite. A suite passes only on evidence (see `verdict`): pytest's
/// exit 0, its JUnit report and the record of its session's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// The member has no test files at all: a warning, or fine where it declares
    /// `no-tests = "pass"`. Never counted as passed, never cached.
    NoTests,
    /// Its tests were all deselected by the caller's own `-k` / `-m`: fine, but not a pass.
    NoTestsSelected,
    Failed,
    /// It ran past its timeout and was stopped.
    TimedOut,
    /// The process died before its session ended: a signal (`SIGSEGV`), or an exit from
    /// inside a test (`os._exit`).
    Crashed,
    /// A signal to the xtask stopped it.
    Stopped,
    /// It could not be run, or left no evidence of its result (pytest missing, no JUnit
    /// report, the xtask panicked...).
    Error,
    /// Not run: its env could not be locked, built or synced (`--keep-going`); the note and
    /// the output say why.
    SetupFailed,
    /// Not run: its inputs are unchanged since it passed; the counts are the recorded ones.
    Cached,
    /// Not run, or cancelled, because a dependency did not pass.
    Skipped,
    /// Not run: a signal, or an earlier failure without --keep-going.
    NotRun,
}

shape::unit_enum! { Outcome {
    Passed = "passed",
    NoTests = "no-tests",
    NoTestsSelected = "no-tests-selected",
    Failed = "failed",
    TimedOut = "timed-out",
    Crashed = "crashed",
    Stopped = "stopped",
    Error = "error",
    SetupFailed = "setup-failed",
    Cached = "cached",
    Skipped = "skipped",
    NotRun = "not-run",
} }

impl Outcome {
    /// Whether the run may go on as if it passed: its dependants run, it fails nothing.
    pub fn ok(self) -> bool {
        matches!(self, Outcome::Passed | Outcome::NoTests | Outcome::NoTestsSelected | Outcome::Cached)
    }

    /// Whether the run counts it as failing.
    pub fn failed(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::TimedOut | Outcome::Crashed | Outcome::Error | Outcome::SetupFailed)
    }

    /// The word in the table.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Passed => "ok",
            Outcome::NoTests => "no tests",
            Outcome::NoTestsSelected => "no tests selected",
            Outcome::Failed => "FAILED",
            Outcome::TimedOut => "TIMED OUT",
            Outcome::Crashed => "CRASHED",
            Outcome::Stopped => "stopped",
            Outcome::Error => "ERROR",
            Outcome::SetupFailed => "setup failed",
            Outcome::Cached => "cached",
            Outcome::Skipped => "skipped",
            Outcome::NotRun => "not run",
        }
    }
}

/// One suite, as the reporters see it.
#[derive(Debug, Clone)]
pub struct Suite {
    pub project: String,
    /// The member's folder, relative to the root.
    pub dir: Utf8PathBuf,
}

shape::serialize_struct! { Suite { project: "project", dir: "dir" } }

/// A settled suite.
#[derive(Debug, Clone)]
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

shape::serialize_struct! { SuiteResult {
    result: "result",
    counts: "counts",
    seconds: "seconds",
    exit_code: "exit_code",
    note: "note",
    after_failure_of: "after_failure_of",
    tests: "tests",
    rootdir: "rootdir",
    output: "output",
} }

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

    /// A test's line: pytest's (its failure's, else its definition's), else, for a
    /// collection error (whose XML has no `line`), the last line of its traceback that
    /// names its file (`tests/test_x.py:3: in <module>`, or a SyntaxError's
    /// `File "/abs/tests/test_x.py", line 3`).
    pub fn line_of(&self, test: &TestCase) -> Option<u32> {
        if test.line.is_some() {
            return test.line;
        }
        let collection_error = test.outcome == crate::junit::Outcome::Error && !test.id.contains("::");
        if !collection_error {
            return None;
        }
        traceback_line(&test.details, test.file.as_deref()?)
    }

    /// A test's node id as pytest takes it in the member's folder (`member_dir`, relative to
    /// `root`), where `cargo xtask test PROJECT -- ID` runs it: its path part made relative
    /// to that folder instead of pytest's rootdir. Kept as it is when that path is outside
    /// the folder, or pytest's rootdir is unknown.
    pub fn id_in(&self, test: &TestCase, root: &Utf8Path, member_dir: &Utf8Path) -> String {
        let Some(rootdir) = &self.rootdir else { return test.id.clone() };
        let (path, rest) = test.id.split_at(test.id.find("::").unwrap_or(test.id.len()));
        let path = crate::fsutil::lexical(&rootdir.join(path));
        let folder = crate::fsutil::lexical(&root.join(member_dir));
        match path.strip_prefix(&folder) {
            Ok(rel) if !rel.as_str().is_empty() => format!("{}{rest}", rel.as_str().replace('\\', "/")),
            _ => test.id.clone(),
        }
    }
}

/// The 1-based line of the last line of a traceback that names `file` (relative to pytest's
/// rootdir, so possibly the end of an absolute path): `tests/test_x.py:3: in <module>`, or
/// `File "/abs/tests/test_x.py", line 3`.
fn traceback_line(details: &str, file: &str) -> Option<u32> {
    let file = file.replace('\\', "/");
    // The whole path, or its end after a separator: not the end of a longer name.
    let names = |path: &str| path == file || path.strip_suffix(file.as_str()).is_some_and(|head| head.ends_with('/'));
    let number = |text: &str| -> Option<u32> {
        let digits: &str = &text[..text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len())];
        digits.parse().ok().filter(|&n| n > 0)
    };
    details.lines().rev().find_map(|line| {
        let line = line.replace('\\', "/");
        let quoted = line.split("File \"").skip(1).find_map(|rest| {
            let (path, after) = rest.split_once("\", line ")?;
            if names(path) { number(after) } else { None }
        });
        quoted.or_else(|| {
            let needle = format!("{file}:");
            line.match_indices(&needle).find_map(|(at, _)| {
                let head = &line[..at];
                if !(head.is_empty() || head.ends_with(['/', ' ', '\t'])) {
                    return None;
                }
                let rest = &line[at + needle.len()..];
                let n = number(rest)?;
                rest.trim_start_matches(|c: char| c.is_ascii_digit()).starts_with(':').then_some(n)
            })
        })
    })
}

/// The run's totals.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub projects: usize,
    /// Suites that ran their tests and passed, and cached ones.
    pub passed: usize,
    pub cached: usize,
    /// Suites in which no test ran (`no tests`, `no tests selected`): not passed.
    pub no_tests: usize,
    pub failed: usize,
    pub skipped: usize,
    pub stopped: usize,
    pub seconds: f64,
    /// The signal that stopped the run, if one did.
    pub interrupted: Option<String>,
}

shape::serialize_struct! { Totals {
    projects: "projects",
    passed: "passed",
    cached: "cached",
    no_tests: "no_tests",
    failed: "failed",
    skipped: "skipped",
    stopped: "stopped",
    seconds: "seconds",
    interrupted: "interrupted",
} }

/// What happens during a run, in order: one `Started` per suite that runs (none for a
/// cached one), one `Finished` per suite, then `RunFinished`.
///
/// In JSON, an object whose `event` is the variant's name in kebab case (`suite-finished`),
/// then its fields; a suite's, a result's and the totals' fields are inline.
#[derive(Debug)]
pub enum Event<'a> {
    RunStarted { projects: Vec<&'a str> },
    SuiteStarted { project: &'a str, dir: &'a Utf8Path },
    SuiteFinished { suite: &'a Suite, result: &'a SuiteResult },
    RunFinished { totals: &'a Totals },
}

/// As serde_derive writes `#[serde(tag = "event")]`: a struct, or a map where fields are
/// flattened.
impl Serialize for Event<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Event::RunStarted { projects } => {
                let mut state = serializer.serialize_struct("Event", 2)?;
                state.serialize_field("event", "run-started")?;
                state.serialize_field("projects", projects)?;
                state.end()
            }
            Event::SuiteStarted { project, dir } => {
                let mut state = serializer.serialize_struct("Event", 3)?;
                state.serialize_field("event", "suite-started")?;
                state.serialize_field("project", project)?;
                state.serialize_field("dir", dir)?;
                state.end()
            }
            Event::SuiteFinished { suite, result } => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("event", "suite-finished")?;
                suite.serialize_entries(&mut map)?;
                result.serialize_entries(&mut map)?;
                map.end()
            }
            Event::RunFinished { totals } => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("event", "run-finished")?;
                totals.serialize_entries(&mut map)?;
                map.end()
            }
        }
    }
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
    /// A JUnit file is written: the only report that lists a passing suite's tests.
    pub lists_passing_tests: bool,
}

impl Reporters {
    /// The reporters `options` and the environment ask for: the terminal; in GitHub
    /// Actions (`GITHUB_ACTIONS=true`) annotations and the step summary; JUnit; JSON.
    pub fn new(root: &Utf8Path, options: &Options) -> Reporters {
        let github = std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true");
        let mut all: Vec<Box<dyn Reporter>> =
            vec![Box::new(terminal::Terminal::new(root, options.verbosity, options.color, options.json, github))];
        if github {
            all.push(Box::new(github::GitHub::new(root, options.json)));
        }
        if let Some(path) = &options.junit {
            all.push(Box::new(junit_file::JunitFile::new(path.clone(), root)));
        }
        if options.json {
            all.push(Box::new(json::Json));
        }
        Reporters { all: Mutex::new(all), errors: Mutex::new(Vec::new()), lists_passing_tests: options.junit.is_some() }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::junit::Outcome as TestOutcome;

    fn case(id: &str, file: Option<&str>, line: Option<u32>, outcome: TestOutcome, details: &str) -> TestCase {
        TestCase {
            id: id.to_owned(),
            file: file.map(str::to_owned),
            line,
            outcome,
            seconds: 0.0,
            message: String::new(),
            details: details.to_owned(),
            output: String::new(),
        }
    }

    fn ran_in(rootdir: Option<&str>) -> SuiteResult {
        SuiteResult { rootdir: rootdir.map(Utf8PathBuf::from), ..SuiteResult::not_run(Outcome::Failed, String::new()) }
    }

    #[test]
    fn ids_as_the_members_folder_names_them() {
        let root = Utf8Path::new("/repo");
        let dir = Utf8Path::new("projects/web");
        let id = |rootdir: Option<&str>, id: &str| {
            ran_in(rootdir).id_in(&case(id, None, None, TestOutcome::Failed, ""), root, dir)
        };
        // pytest's rootdir is the member's folder: as pytest wrote it.
        assert_eq!(id(Some("/repo/projects/web"), "tests/t.py::T::test_a[x::y]"), "tests/t.py::T::test_a[x::y]");
        // The repository's root, or a folder between (a shared ini file): made relative.
        assert_eq!(id(Some("/repo"), "projects/web/tests/t.py::test_a[a/b]"), "tests/t.py::test_a[a/b]");
        assert_eq!(id(Some("/repo/projects"), "web/tests/t.py::test_a"), "tests/t.py::test_a");
        // A collection error: the id is the module's path.
        assert_eq!(id(Some("/repo"), "projects/web/tests/test_broken.py"), "tests/test_broken.py");
        // A file outside the member's folder, or no rootdir known: kept.
        assert_eq!(id(Some("/repo"), "shared/tests/t.py::test_a"), "shared/tests/t.py::test_a");
        assert_eq!(id(Some("/repo/projects/web/sub/.."), "tests/t.py::test_a"), "tests/t.py::test_a");
        assert_eq!(id(None, "projects/web/tests/t.py::test_a"), "projects/web/tests/t.py::test_a");
        // pytest's internal error has no path.
        assert_eq!(id(Some("/repo"), "pytest::internal"), "pytest::internal");
    }

    #[test]
    fn a_collection_errors_line_comes_from_its_traceback() {
        let result = ran_in(Some("/repo/projects/web"));
        let file = Some("tests/test_x.py");
        let line = |details: &str| result.line_of(&case("tests/test_x.py", file, None, TestOutcome::Error, details));
        // An import error: pytest's traceback entries, the last that names the file.
        assert_eq!(
            line(
                "ImportError while importing test module '/repo/projects/web/tests/test_x.py'.\nTraceback:\n/usr/lib/python3.11/importlib/__init__.py:126: in import_module\n    return _bootstrap._gcd_import(name[level:], package, level)\ntests/test_x.py:1: in <module>\n    import helper\ntests/test_x.py:3: in <module>\n    import nope\nhelper.py:2: in <module>\nE   ModuleNotFoundError: No module named 'nope'"
            ),
            Some(3)
        );
        // A syntax error: Python's own `File "...", line N`, the path absolute.
        let syntax = "../.venv/lib/python3.11/site-packages/_pytest/python.py:507: in importtestmodule\n    mod = import_path(\n/usr/lib/python3.11/ast.py:50: in parse\n    return compile(source, filename, mode, flags,\nE     File \"/repo/projects/web/tests/test_x.py\", line 12\nE       def f(:\nE             ^\nE   SyntaxError: invalid syntax";
        assert_eq!(line(syntax), Some(12));
        assert_eq!(line(&syntax.replace('/', "\\")), Some(12), "Windows paths");
        // Another file whose name ends the same, or no line at all: none.
        assert_eq!(line("E     File \"/repo/projects/web/tests/my_tests/test_x.py\", line 4"), None);
        assert_eq!(line("mytests/test_x.py:4: in <module>\nE   ValueError"), None);
        assert_eq!(line("ImportError while importing test module '/repo/projects/web/tests/test_x.py'."), None);
        // pytest's own line wins; a test that is not a collection error gets none from text.
        let known = case("tests/test_x.py", file, Some(1), TestOutcome::Error, syntax);
        assert_eq!(result.line_of(&known), Some(1));
        let test = case("tests/test_x.py::test_a", file, None, TestOutcome::Error, syntax);
        assert_eq!(result.line_of(&test), None);
    }
}
