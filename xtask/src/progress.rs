//! The record of a pytest session that the xtask's plugin (`pytest::PLUGIN`) writes as it
//! goes, one JSON object a line, and its one reader. It is the evidence that outlives a
//! crash or a stop: which tests finished and how, which one was running, whether the
//! session reached its end and with what status, and what was collected.

use camino::{Utf8Path, Utf8PathBuf};
use serde_core::de::{Deserialize, Deserializer, Error};

use crate::junit::{Outcome, TestCase};
use crate::shape;

/// One line of the record: `{"event": "collected", "items": 3, ...}`.
#[derive(Debug)]
enum Line {
    Configure { rootdir: Utf8PathBuf },
    Collected { items: u32, deselected: u32, test_files: Option<u32> },
    CollectError { id: String, file: Option<String>, line: Option<u32>, message: String },
    Start { id: String, file: Option<String>, line: Option<u32> },
    Report { id: String, when: String, outcome: String, seconds: f64, xfail: bool, message: String, details: String },
    Finish { status: i32 },
}

/// A line's keys, whatever its event; [`Line`] takes those of its event. Other keys are
/// skipped, a missing key without a default is an error, as serde_derive's internally
/// tagged enum reads them.
struct Keys {
    event: String,
    rootdir: Option<Utf8PathBuf>,
    items: Option<u32>,
    deselected: Option<u32>,
    test_files: Option<u32>,
    id: Option<String>,
    file: Option<String>,
    line: Option<u32>,
    when: Option<String>,
    outcome: Option<String>,
    seconds: f64,
    xfail: bool,
    message: String,
    details: String,
    status: Option<i32>,
}

shape::deserialize_struct! { Keys {
    event: "event",
    rootdir: "rootdir",
    items: "items",
    deselected: "deselected",
    test_files: "test-files",
    id: "id",
    file: "file",
    line: "line",
    when: "when",
    outcome: "outcome",
    seconds: "seconds" = default,
    xfail: "xfail" = default,
    message: "message" = default,
    details: "details" = default,
    status: "status",
} }

impl<'de> Deserialize<'de> for Line {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Line, D::Error> {
        fn need<T, E: Error>(value: Option<T>, key: &'static str) -> Result<T, E> {
            value.ok_or_else(|| E::missing_field(key))
        }
        const EVENTS: &[&str] = &["configure", "collected", "collect-error", "start", "report", "finish"];
        let k = Keys::deserialize(deserializer)?;
        Ok(match k.event.as_str() {
            "configure" => Line::Configure { rootdir: need(k.rootdir, "rootdir")? },
            "collected" => Line::Collected {
                items: need(k.items, "items")?,
                deselected: need(k.deselected, "deselected")?,
                test_files: k.test_files,
            },
            "collect-error" => {
                Line::CollectError { id: need(k.id, "id")?, file: k.file, line: k.line, message: k.message }
            }
            "start" => Line::Start { id: need(k.id, "id")?, file: k.file, line: k.line },
            "report" => Line::Report {
                id: need(k.id, "id")?,
                when: need(k.when, "when")?,
                outcome: need(k.outcome, "outcome")?,
                seconds: k.seconds,
                xfail: k.xfail,
                message: k.message,
                details: k.details,
            },
            "finish" => Line::Finish { status: need(k.status, "status")? },
            other => return Err(D::Error::unknown_variant(other, EVENTS)),
        })
    }
}

/// What was collected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Collected {
    /// Tests selected to run.
    pub items: u32,
    /// Tests the caller's `-k` / `-m` (or a plugin) deselected.
    pub deselected: u32,
    /// With nothing collected at all: how many files under the suite's folder match
    /// pytest's `python_files` (so "collects nothing" can tell a typo from no tests).
    pub test_files: Option<u32>,
}

/// A test that started, with what its phases reported.
#[derive(Debug, Clone, Default)]
pub struct Test {
    pub id: String,
    /// Relative to pytest's rootdir.
    pub file: Option<String>,
    /// 1-based line of its definition.
    pub line: Option<u32>,
    pub seconds: f64,
    /// The worst phase's result so far; `None` until a phase reported.
    pub outcome: Option<Outcome>,
    pub message: String,
    pub details: String,
    /// Its teardown reported: nothing more will come.
    pub finished: bool,
}

/// A pytest session, as far as it got.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub rootdir: Option<Utf8PathBuf>,
    pub collected: Option<Collected>,
    /// Collection errors, as test cases (`Error`, with the file and line pytest names).
    pub collect_errors: Vec<TestCase>,
    /// Every test that started, in order.
    pub tests: Vec<Test>,
    /// The session's exit status, once it reached its end.
    pub finish: Option<i32>,
}

impl Session {
    /// The record at `path`; `None` when there is none (the plugin never loaded). A last
    /// line cut short by a crash is ignored.
    pub fn read(path: &Utf8Path) -> Option<Session> {
        std::fs::read_to_string(path).ok().map(|text| Session::parse(&text))
    }

    pub fn parse(text: &str) -> Session {
        let mut session = Session::default();
        for line in text.lines() {
            let Ok(line) = serde_json::from_str::<Line>(line) else { continue };
            match line {
                Line::Configure { rootdir } => session.rootdir = Some(rootdir),
                Line::Collected { items, deselected, test_files } => {
                    session.collected = Some(Collected { items, deselected, test_files });
                }
                Line::CollectError { id, file, line, message } => session.collect_errors.push(TestCase {
                    id,
                    file,
                    line,
                    outcome: Outcome::Error,
                    seconds: 0.0,
                    message: "collection failure".to_owned(),
                    details: message,
                    output: String::new(),
                }),
                Line::Start { id, file, line } => session.tests.push(Test { id, file, line, ..Test::default() }),
                Line::Report { id, when, outcome, seconds, xfail, message, details } => {
                    let Some(test) = session.tests.iter_mut().rev().find(|t| t.id == id) else { continue };
                    test.seconds += seconds;
                    let phase = match (when.as_str(), outcome.as_str(), xfail) {
                        (_, "skipped", true) => Outcome::XFailed,
                        (_, "skipped", false) => Outcome::Skipped,
                        ("call", "passed", true) => Outcome::XPassed,
                        (_, "passed", _) => Outcome::Passed,
                        ("call", _, _) => Outcome::Failed,
                        _ => Outcome::Error, // a failing setup or teardown
                    };
                    if test.outcome.is_none_or(|o| severity(phase) > severity(o)) {
                        test.outcome = Some(phase);
                        test.message = message;
                        test.details = details;
                    }
                    test.finished |= when == "teardown";
                }
                Line::Finish { status } => session.finish = Some(status),
            }
        }
        session
    }

    /// The test that started and never finished: the one running when the process died
    /// or was stopped.
    pub fn running(&self) -> Option<&Test> {
        self.tests.iter().rev().find(|t| !t.finished)
    }

    /// Each collection error and each test that finished, as test cases.
    pub fn finished_cases(&self) -> Vec<TestCase> {
        let finished = self.tests.iter().filter(|t| t.finished).map(|t| TestCase {
            id: t.id.clone(),
            file: t.file.clone(),
            line: t.line,
            outcome: t.outcome.unwrap_or(Outcome::Passed),
            seconds: t.seconds,
            message: t.message.clone(),
            details: t.details.clone(),
            output: String::new(),
        });
        self.collect_errors.iter().cloned().chain(finished).collect()
    }
}

/// The test that was running, as an error test case saying what ended it.
pub fn cut_case(test: &Test, why: &str) -> TestCase {
    TestCase {
        id: test.id.clone(),
        file: test.file.clone(),
        line: test.line,
        outcome: Outcome::Error,
        seconds: test.seconds,
        message: format!("{why} while this test was running"),
        details: String::new(),
        output: String::new(),
    }
}

/// The worst phase wins, as in the JUnit reader.
fn severity(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Passed => 0,
        Outcome::Skipped => 1,
        Outcome::XFailed => 2,
        Outcome::XPassed => 3,
        Outcome::Failed => 4,
        Outcome::Error => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRASHED: &str = r#"{"event": "configure", "rootdir": "/r/projects/a"}
{"event": "collected", "items": 3, "deselected": 1}
{"event": "start", "id": "tests/test_a.py::test_one", "file": "tests/test_a.py", "line": 3}
{"event": "report", "id": "tests/test_a.py::test_one", "when": "setup", "outcome": "passed", "seconds": 0.1}
{"event": "report", "id": "tests/test_a.py::test_one", "when": "call", "outcome": "passed", "seconds": 0.2}
{"event": "report", "id": "tests/test_a.py::test_one", "when": "teardown", "outcome": "passed", "seconds": 0.0}
{"event": "start", "id": "tests/test_a.py::test_two", "file": "tests/test_a.py", "line": 7}
{"event": "report", "id": "tests/test_a.py::test_two", "when": "setup", "outcome": "passed", "seconds": 0.0}
{"event": "report", "id": "tests/test_a.py::test_two", "when": "call", "outcome": "failed", "message": "assert 1 == 2", "details": "E assert"}
{"event": "report", "id": "tests/test_a.py::test_two", "when": "teardown", "outcome": "passed"}
{"event": "start", "id": "tests/test_a.py::test_three", "file": "tests/test_a.py", "line": 11}
{"event": "report", "id": "tests/test_a.py::test_three", "when": "setup", "outcome": "passed"}
{"event": "report", "id": "tests/test_a.py::test_thr"#;

    #[test]
    fn a_crashed_session_says_what_finished_and_what_was_running() {
        let session = Session::parse(CRASHED);
        assert_eq!(session.rootdir.as_deref(), Some(Utf8Path::new("/r/projects/a")));
        assert_eq!(session.collected, Some(Collected { items: 3, deselected: 1, test_files: None }));
        assert_eq!(session.finish, None);
        let cases = session.finished_cases();
        let outcomes: Vec<(&str, Outcome)> = cases.iter().map(|c| (c.id.as_str(), c.outcome)).collect();
        assert_eq!(
            outcomes,
            [("tests/test_a.py::test_one", Outcome::Passed), ("tests/test_a.py::test_two", Outcome::Failed)]
        );
        assert_eq!(cases[1].message, "assert 1 == 2");
        let running = session.running().expect("one was running");
        assert_eq!((running.id.as_str(), running.line), ("tests/test_a.py::test_three", Some(11)));
        let cut = cut_case(running, "SIGSEGV");
        assert_eq!((cut.outcome, cut.file.as_deref()), (Outcome::Error, Some("tests/test_a.py")));
    }

    #[test]
    fn phases_combine_to_the_worst_and_xfail_is_its_own() {
        let text = r#"{"event": "start", "id": "t::a", "file": "t.py", "line": 1}
{"event": "report", "id": "t::a", "when": "call", "outcome": "passed"}
{"event": "report", "id": "t::a", "when": "teardown", "outcome": "failed", "message": "boom"}
{"event": "start", "id": "t::b", "file": "t.py", "line": 5}
{"event": "report", "id": "t::b", "when": "call", "outcome": "skipped", "xfail": true}
{"event": "report", "id": "t::b", "when": "teardown", "outcome": "passed"}
{"event": "start", "id": "t::c", "file": "t.py", "line": 9}
{"event": "report", "id": "t::c", "when": "setup", "outcome": "skipped", "message": "no db"}
{"event": "report", "id": "t::c", "when": "teardown", "outcome": "passed"}
{"event": "finish", "status": 1}"#;
        let session = Session::parse(text);
        let outcomes: Vec<Outcome> = session.finished_cases().iter().map(|c| c.outcome).collect();
        assert_eq!(outcomes, [Outcome::Error, Outcome::XFailed, Outcome::Skipped]);
        assert_eq!(session.finished_cases()[2].message, "no db");
        assert_eq!(session.finish, Some(1));
        assert!(session.running().is_none());
    }

    #[test]
    fn collection_errors_and_an_empty_collection_are_kept() {
        let text = r#"{"event": "collect-error", "id": "tests/test_b.py", "file": "tests/test_b.py", "line": 2, "message": "SyntaxError"}
{"event": "collected", "items": 0, "deselected": 0, "test-files": 4}
{"event": "finish", "status": 2}"#;
        let session = Session::parse(text);
        assert_eq!(session.collected.and_then(|c| c.test_files), Some(4));
        let errors = session.finished_cases();
        assert_eq!((errors[0].file.as_deref(), errors[0].line), (Some("tests/test_b.py"), Some(2)));
        assert_eq!(errors[0].outcome, Outcome::Error);
    }
}
