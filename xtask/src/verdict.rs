//! What a suite's run proves. A suite passes only on evidence: pytest's exit 0, its JUnit
//! report, and the plugin's record that its session reached its end with status 0. A run
//! without all three is an error, a crash, a timeout or a stop, never a pass; a run in which
//! no test ran is one of the "no tests" results, never a pass either. The tests of a run
//! cut short come from the plugin's record: each that finished, and the one that was
//! running, as an error at its file and line.

use std::time::Duration;

use crate::exec::Cut;
use crate::interrupt::signal_name;
use crate::junit::{self, TestCase};
use crate::progress::{self, Session};
use crate::pyproject::NoTests;
use crate::pytest::{self, Counts};
use crate::report::Outcome;

/// How the process ended.
#[derive(Debug, Clone, Default)]
pub struct Ended {
    /// Its exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    /// The signal that ended it, when one did.
    pub signal: Option<i32>,
    /// The xtask cut it short.
    pub cut: Option<Cut>,
    /// The signal the xtask received, when that is what stopped it.
    pub stopped_by: Option<i32>,
    /// The suite's timeout, for the note.
    pub timeout: Option<Duration>,
}

/// A suite's result with what it rests on.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub outcome: Outcome,
    /// Why, in a few words ("" for a pass).
    pub note: String,
    pub tests: Vec<TestCase>,
    pub counts: Counts,
}

/// Judges a run from how it ended, its JUnit report (`junit`: its test cases, or why it
/// could not be read), the plugin's record (`session`; `None`: no record at all), the
/// closing line of its output, and the member's `no-tests`.
pub fn judge(
    ended: &Ended,
    junit: Result<Vec<TestCase>, String>,
    session: Option<&Session>,
    output: &str,
    no_tests: NoTests,
) -> Verdict {
    let finished = session.and_then(|s| s.finish);
    // The run's tests: the JUnit report's when the session ended and it could be read,
    // else what the plugin saw finish (a crash or a stop writes no JUnit).
    let mut tests = match (&junit, session) {
        (Ok(cases), Some(s)) if s.finish.is_some() => cases.clone(),
        (_, Some(s)) => s.finished_cases(),
        (Ok(cases), None) => cases.clone(),
        (Err(_), None) => Vec::new(),
    };
    let running = session.and_then(Session::running);
    let code = ended.code.map_or_else(|| "none".to_owned(), |c| c.to_string());
    let cut: Option<(Outcome, String)> = if let Some(signal) = ended.stopped_by {
        Some((Outcome::Stopped, format!("stopped by {}", signal_name(signal))))
    } else if ended.cut == Some(Cut::TimedOut) {
        let after = ended.timeout.unwrap_or_default().as_secs();
        Some((Outcome::TimedOut, format!("timed out after {after}s")))
    } else if ended.cut == Some(Cut::Cancelled) {
        Some((Outcome::Skipped, "cancelled".to_owned()))
    } else if let Some(signal) = ended.signal {
        Some((Outcome::Crashed, format!("killed by {}", signal_name(signal))))
    } else if session.is_none() {
        Some((
            Outcome::Error,
            format!("pytest exited with code {code} and left no record of its session{}", usage(ended.code)),
        ))
    } else if finished.is_none() {
        Some((Outcome::Crashed, format!("the process exited with code {code} before pytest's session ended")))
    } else if finished != ended.code {
        let status = finished.unwrap_or_default();
        Some((
            Outcome::Crashed,
            format!("pytest's session ended with status {status}, then the process exited with code {code}"),
        ))
    } else {
        None
    };
    if let Some((outcome, mut note)) = cut {
        if let Some(test) = running.filter(|t| !tests.iter().any(|c| c.id == t.id)) {
            note = format!("{note} while running {}", test.id);
            if outcome != Outcome::Skipped {
                tests.push(progress::cut_case(test, &note_reason(&note)));
            }
        }
        let counts = counts_of(&tests, pytest::parse_counts(output), session);
        return Verdict { outcome, note, tests, counts };
    }
    // The session ended, and the process with its status.
    let counts = counts_of(&tests, pytest::parse_counts(output), session);
    let collected = session.and_then(|s| s.collected);
    let (outcome, note) = match ended.code {
        Some(0) => match &junit {
            Err(why) => (Outcome::Error, format!("no readable JUnit report: {why}")),
            Ok(cases) if cases.is_empty() => {
                (Outcome::Error, "the JUnit report lists no test, though pytest says tests ran".to_owned())
            }
            Ok(_) => (Outcome::Passed, String::new()),
        },
        Some(pytest::NO_TESTS_COLLECTED) => match collected {
            Some(c) if c.deselected > 0 => {
                (Outcome::NoTestsSelected, format!("all {} tests deselected by -k / -m", c.deselected))
            }
            Some(c) if c.test_files.unwrap_or(0) > 0 => (
                Outcome::Failed,
                format!(
                    "collected no test from {} test {}: check testpaths, python_files and the import mode",
                    c.test_files.unwrap_or(0),
                    if c.test_files == Some(1) { "file" } else { "files" }
                ),
            ),
            Some(_) => match no_tests {
                NoTests::Warn => {
                    (Outcome::NoTests, "no test files (`no-tests = \"pass\"` says that is expected)".to_owned())
                }
                NoTests::Pass => (Outcome::NoTests, "no test files, as declared".to_owned()),
                NoTests::Fail => (Outcome::Failed, "no test files, and `no-tests = \"fail\"`".to_owned()),
            },
            None => (Outcome::Error, "pytest collected nothing and left no record of its collection".to_owned()),
        },
        Some(1) => (Outcome::Failed, "tests failed".to_owned()),
        Some(2) => match session.map_or(0, |s| s.collect_errors.len()) {
            0 => (Outcome::Failed, "pytest was interrupted (exit code 2)".to_owned()),
            1 => (Outcome::Failed, "1 collection error".to_owned()),
            n => (Outcome::Failed, format!("{n} collection errors")),
        },
        Some(3) => (Outcome::Error, "pytest's internal error (exit code 3)".to_owned()),
        Some(4) => (Outcome::Error, "pytest's usage error (exit code 4)".to_owned()),
        _ => (Outcome::Failed, format!("pytest exit code {code}")),
    };
    Verdict { outcome, note, tests, counts }
}

/// `" (a usage error: ...)"` for pytest's own codes.
fn usage(code: Option<i32>) -> &'static str {
    match code {
        Some(4) => ": a usage error, see its output",
        Some(3) => ": an internal error, see its output",
        _ => ": see its output",
    }
}

/// "killed by SIGSEGV" from "killed by SIGSEGV while running x": the test's own message.
fn note_reason(note: &str) -> String {
    note.split(" while running ").next().unwrap_or(note).to_owned()
}

/// The counts as pytest counts them: each test's outcome, and what tests cannot tell: the
/// deselected (from the plugin, else the closing line), and a non-strict xpass that JUnit
/// writes as a pass (from the closing line).
fn counts_of(tests: &[TestCase], closing: Counts, session: Option<&Session>) -> Counts {
    let mut counts = Counts::default();
    for test in tests {
        match test.outcome {
            junit::Outcome::Passed => counts.passed += 1,
            junit::Outcome::Failed => counts.failed += 1,
            junit::Outcome::Error => counts.errors += 1,
            junit::Outcome::Skipped => counts.skipped += 1,
            junit::Outcome::XFailed => counts.xfailed += 1,
            junit::Outcome::XPassed => counts.xpassed += 1,
        }
    }
    if closing.xpassed > counts.xpassed {
        let unseen = (closing.xpassed - counts.xpassed).min(counts.passed);
        counts.passed -= unseen;
        counts.xpassed += unseen;
    }
    counts.deselected = session.and_then(|s| s.collected).map_or(closing.deselected, |c| c.deselected);
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(id: &str) -> TestCase {
        TestCase {
            id: id.to_owned(),
            file: Some("tests/test_a.py".to_owned()),
            line: Some(1),
            outcome: junit::Outcome::Passed,
            seconds: 0.0,
            message: String::new(),
            details: String::new(),
            output: String::new(),
        }
    }

    fn session(text: &str) -> Session {
        Session::parse(text)
    }

    const TWO_RAN: &str = r#"{"event": "configure", "rootdir": "/r"}
{"event": "collected", "items": 3, "deselected": 0}
{"event": "start", "id": "tests/test_a.py::test_1", "file": "tests/test_a.py", "line": 1}
{"event": "report", "id": "tests/test_a.py::test_1", "when": "call", "outcome": "passed"}
{"event": "report", "id": "tests/test_a.py::test_1", "when": "teardown", "outcome": "passed"}
{"event": "start", "id": "tests/test_a.py::test_2", "file": "tests/test_a.py", "line": 4}
"#;

    fn exited(code: i32) -> Ended {
        Ended { code: Some(code), ..Ended::default() }
    }

    #[test]
    fn a_pass_needs_the_exit_code_the_junit_report_and_the_sessions_end() {
        let whole = session(&format!("{TWO_RAN}{}", r#"{"event": "finish", "status": 0}"#));
        let ok = judge(&exited(0), Ok(vec![pass("a")]), Some(&whole), "", NoTests::Warn);
        assert_eq!(ok.outcome, Outcome::Passed);
        // No JUnit: an error, however green the exit code.
        let no_junit = judge(&exited(0), Err("missing".into()), Some(&whole), "", NoTests::Warn);
        assert_eq!((no_junit.outcome, no_junit.note.as_str()), (Outcome::Error, "no readable JUnit report: missing"));
        // No record of the session at all (the plugin did not load).
        let unrecorded = judge(&exited(0), Ok(vec![pass("a")]), None, "1 passed in 0.1s", NoTests::Warn);
        assert_eq!(unrecorded.outcome, Outcome::Error);
        // An empty JUnit report with exit 0.
        let empty = judge(&exited(0), Ok(vec![]), Some(&whole), "", NoTests::Warn);
        assert_eq!(empty.outcome, Outcome::Error);
    }

    #[test]
    fn an_exit_inside_a_test_is_a_crash_naming_the_test_with_what_had_finished() {
        let cut = session(TWO_RAN);
        let verdict = judge(&exited(0), Err("missing".into()), Some(&cut), "", NoTests::Warn);
        assert_eq!(verdict.outcome, Outcome::Crashed);
        assert_eq!(
            verdict.note,
            "the process exited with code 0 before pytest's session ended while running tests/test_a.py::test_2"
        );
        let ids: Vec<(&str, junit::Outcome)> = verdict.tests.iter().map(|t| (t.id.as_str(), t.outcome)).collect();
        assert_eq!(
            ids,
            [("tests/test_a.py::test_1", junit::Outcome::Passed), ("tests/test_a.py::test_2", junit::Outcome::Error)]
        );
        assert_eq!(verdict.tests[1].line, Some(4));
        assert_eq!((verdict.counts.passed, verdict.counts.errors), (1, 1));
    }

    #[test]
    fn a_signal_is_named_and_a_timeout_and_a_stop_keep_the_tests_that_finished() {
        let cut = session(TWO_RAN);
        #[cfg(unix)]
        let segv = Ended { code: None, signal: Some(11), ..Ended::default() };
        #[cfg(unix)]
        assert_eq!(
            judge(&segv, Err("missing".into()), Some(&cut), "", NoTests::Warn).note,
            "killed by SIGSEGV while running tests/test_a.py::test_2"
        );
        let timed_out = Ended {
            code: Some(2),
            cut: Some(Cut::TimedOut),
            timeout: Some(Duration::from_secs(5)),
            ..Ended::default()
        };
        let verdict = judge(&timed_out, Err("missing".into()), Some(&cut), "", NoTests::Warn);
        assert_eq!(verdict.outcome, Outcome::TimedOut);
        assert_eq!(verdict.note, "timed out after 5s while running tests/test_a.py::test_2");
        assert_eq!((verdict.counts.passed, verdict.counts.errors), (1, 1));
        assert_eq!(verdict.tests[1].message, "timed out after 5s while this test was running");
        let stopped = Ended { code: Some(2), stopped_by: Some(15), ..Ended::default() };
        assert_eq!(judge(&stopped, Err("x".into()), Some(&cut), "", NoTests::Warn).outcome, Outcome::Stopped);
    }

    #[test]
    fn no_tests_is_told_apart_by_why() {
        let finish = r#"{"event": "finish", "status": 5}"#;
        let deselected = session(&format!("{}\n{finish}", r#"{"event": "collected", "items": 0, "deselected": 7}"#));
        let v = judge(&exited(5), Ok(vec![]), Some(&deselected), "", NoTests::Warn);
        assert_eq!((v.outcome, v.counts.deselected), (Outcome::NoTestsSelected, 7));
        let typo = session(&format!(
            "{}\n{finish}",
            r#"{"event": "collected", "items": 0, "deselected": 0, "test-files": 3}"#
        ));
        let v = judge(&exited(5), Ok(vec![]), Some(&typo), "", NoTests::Pass);
        assert_eq!(v.outcome, Outcome::Failed);
        assert!(v.note.starts_with("collected no test from 3 test files"), "{}", v.note);
        let none = session(&format!(
            "{}\n{finish}",
            r#"{"event": "collected", "items": 0, "deselected": 0, "test-files": 0}"#
        ));
        assert_eq!(judge(&exited(5), Ok(vec![]), Some(&none), "", NoTests::Warn).outcome, Outcome::NoTests);
        assert_eq!(judge(&exited(5), Ok(vec![]), Some(&none), "", NoTests::Pass).outcome, Outcome::NoTests);
        assert_eq!(judge(&exited(5), Ok(vec![]), Some(&none), "", NoTests::Fail).outcome, Outcome::Failed);
    }

    #[test]
    fn pytests_own_codes_are_not_read_as_a_process_exit() {
        let status = |s: i32| session(&format!(r#"{{"event": "finish", "status": {s}}}"#));
        assert_eq!(
            judge(&exited(3), Ok(vec![]), Some(&status(3)), "", NoTests::Warn).note,
            "pytest's internal error (exit code 3)"
        );
        // `os._exit(3)` after the session ended with 1: not pytest's internal error.
        let v = judge(&exited(3), Ok(vec![]), Some(&status(1)), "", NoTests::Warn);
        assert_eq!(
            (v.outcome, v.note.as_str()),
            (Outcome::Crashed, "pytest's session ended with status 1, then the process exited with code 3")
        );
    }
}
