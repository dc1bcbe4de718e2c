//! GitHub Actions (`GITHUB_ACTIONS=true`): an `::error` annotation per failing test, on its
//! file and line, and a Markdown table appended to `$GITHUB_STEP_SUMMARY`.
//! (Each suite's output in a `::group::` is the terminal reporter's.)

use std::io::Write as _;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use super::{Event, Outcome, Reporter, Suite, SuiteResult, describe};
use crate::junit::Outcome as TestOutcome;
use crate::ui;

pub struct GitHub {
    /// Annotation paths are relative to this: the checkout (`GITHUB_WORKSPACE`), else the root.
    base: Utf8PathBuf,
    to_stderr: bool,
    rows: Vec<(Suite, SuiteResult)>,
}

impl GitHub {
    pub fn new(root: &Utf8Path, to_stderr: bool) -> GitHub {
        let base = std::env::var("GITHUB_WORKSPACE")
            .ok()
            .filter(|w| !w.is_empty())
            .and_then(|w| std::fs::canonicalize(w).ok())
            .and_then(|w| Utf8PathBuf::try_from(w).ok())
            .unwrap_or_else(|| root.to_owned());
        GitHub { base, to_stderr, rows: Vec::new() }
    }

    fn annotations(&self, suite: &Suite, result: &SuiteResult) -> String {
        let mut text = String::new();
        let failing = |t: &&crate::junit::TestCase| matches!(t.outcome, TestOutcome::Failed | TestOutcome::Error);
        for test in result.tests.iter().filter(failing) {
            let mut properties = Vec::new();
            if let Some(file) = result.file_of(test, &self.base) {
                properties.push(format!("file={}", property(file.as_str())));
                if let Some(line) = test.line {
                    properties.push(format!("line={line}"));
                }
            }
            properties.push(format!("title={}", property(&format!("{}: {}", suite.project, test.id))));
            let message = if test.details.trim().is_empty() { &test.message } else { &test.details };
            text += &format!("::error {}::{}\n", properties.join(","), data(message.trim_end()));
        }
        // A suite that failed with no failing test to show (it crashed, timed out, could not
        // start) still gets one annotation.
        let unexplained = result.result.failed() && !result.tests.iter().any(|t| failing(&t));
        if unexplained {
            let title = property(&format!("{} {}", suite.project, result.result.word()));
            let tail: Vec<&str> = result.output.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            let message = if result.note.is_empty() { String::new() } else { format!("{}\n", result.note) };
            text += &format!("::error title={title}::{}\n", data(&(message + &tail.join("\n"))));
        }
        text
    }

    fn step_summary(&self) -> Result<()> {
        let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
            return Ok(());
        };
        let mut text = String::from(
            "### cargo xtask test-all\n\n| project | result | tests | seconds | note |\n|---|---|---|---|---|\n",
        );
        for (suite, result) in &self.rows {
            let icon = match result.result {
                r if r.passed() => "✅",
                r if r.failed() => "❌",
                _ => "⏭️",
            };
            let seconds = match result.result {
                Outcome::Cached => "cached".to_owned(),
                _ => result.seconds.map_or(String::new(), |s| format!("{s:.2}")),
            };
            let mut note = result.note.clone();
            if let Some(dep) = &result.after_failure_of {
                note = format!("ran after {dep} failed. {note}");
            }
            text += &format!(
                "| {} | {icon} {} | {} | {seconds} | {} |\n",
                cell(&suite.project),
                result.result.word(),
                result.counts.as_ref().map(describe).unwrap_or_default(),
                cell(&note)
            );
        }
        let failures: Vec<String> = self
            .rows
            .iter()
            .flat_map(|(suite, result)| {
                result
                    .tests
                    .iter()
                    .filter(|t| matches!(t.outcome, TestOutcome::Failed | TestOutcome::Error))
                    .map(move |t| format!("- `{}`: `{}` {}", suite.project, t.id, cell(first_line(&t.message))))
            })
            .collect();
        if !failures.is_empty() {
            text += &format!("\n**Failing tests**\n\n{}\n", failures.join("\n"));
        }
        let path = std::path::PathBuf::from(path);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open GITHUB_STEP_SUMMARY ({})", path.display()))?;
        file.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))
    }
}

impl Reporter for GitHub {
    fn event(&mut self, event: &Event) -> Result<()> {
        match event {
            Event::SuiteFinished { suite, result } => {
                let text = self.annotations(suite, result);
                if !text.is_empty() {
                    if self.to_stderr { ui::err(&text) } else { ui::out(&text) }
                }
                self.rows.push(((*suite).clone(), (*result).clone()));
            }
            Event::RunFinished { .. } => self.step_summary()?,
            _ => {}
        }
        Ok(())
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// A Markdown table cell: one line, no column breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A workflow command's message, escaped as the runner reads it.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: also no `:` or `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_runner_would_misread() {
        assert_eq!(data("50% off\nnext"), "50%25 off%0Anext");
        assert_eq!(property("web: tests/t.py::test_a[1,2]"), "web%3A tests/t.py%3A%3Atest_a[1%2C2]");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
