//! `--junit FILE`: one merged JUnit XML, a `<testsuite>` per project, written at the end;
//! each test's `file` relative to the repository's root.

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use super::{Event, Outcome, Reporter, Suite, SuiteResult};
use crate::junit;

pub struct JunitFile {
    path: Utf8PathBuf,
    /// The repository's root, which the report's files are relative to.
    root: Utf8PathBuf,
    suites: Vec<(Suite, SuiteResult)>,
}

impl JunitFile {
    pub fn new(path: Utf8PathBuf, root: &Utf8Path) -> JunitFile {
        JunitFile { path, root: root.to_owned(), suites: Vec::new() }
    }
}

/// Where each of a suite's tests is, relative to the root, in its order.
fn places(result: &SuiteResult, root: &Utf8Path) -> Vec<junit::Place> {
    result
        .tests
        .iter()
        .map(|test| junit::Place { file: result.file_of(test, root), line: result.line_of(test) })
        .collect()
}

impl Reporter for JunitFile {
    fn event(&mut self, event: &Event) -> Result<()> {
        match event {
            // Suites that did not run have no tests to report; one whose env could not be set
            // up is a failure of its own.
            Event::SuiteFinished { suite, result }
                if result.seconds.is_some() || matches!(result.result, Outcome::Cached | Outcome::SetupFailed) =>
            {
                self.suites.push(((*suite).clone(), (*result).clone()));
            }
            Event::RunFinished { .. } => {
                let places: Vec<Vec<junit::Place>> =
                    self.suites.iter().map(|(_, result)| places(result, &self.root)).collect();
                let suites: Vec<junit::Suite> = self
                    .suites
                    .iter()
                    .zip(&places)
                    .map(|((suite, result), places)| junit::Suite {
                        name: &suite.project,
                        cases: &result.tests,
                        places,
                        seconds: result.seconds.unwrap_or_default(),
                        cached: result.result == Outcome::Cached,
                        // A failure no test accounts for (a crash, a timeout) is the suite's own.
                        failure: (result.result.failed()
                            && !result
                                .tests
                                .iter()
                                .any(|t| matches!(t.outcome, junit::Outcome::Failed | junit::Outcome::Error)))
                        .then(|| (format!("{}: {}", result.result.word(), result.note), result.output.clone())),
                    })
                    .collect();
                junit::write_merged(&self.path, "cargo xtask test-all", &suites)?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::junit::{Outcome as TestOutcome, TestCase};

    #[test]
    fn files_are_relative_to_the_root_whatever_pytests_rootdir() {
        let case = |id: &str, file: &str, line: Option<u32>| TestCase {
            id: id.to_owned(),
            file: Some(file.to_owned()),
            line,
            outcome: TestOutcome::Error,
            seconds: 0.0,
            message: "collection failure".to_owned(),
            details: "E     File \"/repo/projects/web/tests/test_syn.py\", line 7\nE   SyntaxError: x".to_owned(),
            output: String::new(),
        };
        let result = SuiteResult {
            tests: vec![case("tests/test_syn.py", "tests/test_syn.py", None), case("t.py::test_a", "t.py", Some(2))],
            rootdir: Some("/repo/projects/web".into()),
            ..SuiteResult::not_run(Outcome::Failed, String::new())
        };
        let found = places(&result, Utf8Path::new("/repo"));
        assert_eq!(
            found,
            [
                junit::Place { file: Some("projects/web/tests/test_syn.py".into()), line: Some(7) },
                junit::Place { file: Some("projects/web/t.py".into()), line: Some(2) },
            ]
        );
        // A rootdir outside the repository: no file to name.
        let outside = SuiteResult { rootdir: Some("/elsewhere".into()), ..result };
        assert!(places(&outside, Utf8Path::new("/repo")).iter().all(|p| p.file.is_none()));
    }
}
