//! `--junit FILE`: one merged JUnit XML, a `<testsuite>` per project, written at the end.

use anyhow::Result;
use camino::Utf8PathBuf;

use super::{Event, Outcome, Reporter, Suite, SuiteResult};
use crate::junit;

pub struct JunitFile {
    path: Utf8PathBuf,
    suites: Vec<(Suite, SuiteResult)>,
}

impl JunitFile {
    pub fn new(path: Utf8PathBuf) -> JunitFile {
        JunitFile { path, suites: Vec::new() }
    }
}

impl Reporter for JunitFile {
    fn event(&mut self, event: &Event) -> Result<()> {
        match event {
            // Suites that did not run have no tests to report.
            Event::SuiteFinished { suite, result } if result.seconds.is_some() || result.result == Outcome::Cached => {
                self.suites.push(((*suite).clone(), (*result).clone()));
            }
            Event::RunFinished { .. } => {
                let suites: Vec<junit::Suite> = self
                    .suites
                    .iter()
                    .map(|(suite, result)| junit::Suite {
                        name: &suite.project,
                        cases: &result.tests,
                        seconds: result.seconds.unwrap_or_default(),
                        cached: result.result == Outcome::Cached,
                        // A failure no test accounts for (a crash, a timeout) is the suite's own.
                        failure: (!result.result.passed()
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
