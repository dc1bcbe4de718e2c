//! The human reporter: a live line of what runs (on a terminal), a line per settled suite,
//! the output of failing suites (all with `-v`; in GitHub Actions, every suite's in a
//! collapsed group), then the table, the failing tests (their ids as pytest takes them in
//! the member's folder, with the command that reruns one) and the closing line.

use std::io::IsTerminal as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use super::{Event, Outcome, Reporter, Suite, SuiteResult, Totals, describe};
use crate::junit::Outcome as TestOutcome;
use crate::ui;

/// How much the terminal shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Failing suites and the closing line only (`-q`).
    Quiet,
    #[default]
    Normal,
    /// Every suite's output (`-v`).
    Verbose,
}

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

/// Colour when asked, or on a terminal unless `NO_COLOR` is set (<https://no-color.org>).
pub fn use_color(color: Color, to_stderr: bool) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            let terminal = if to_stderr { std::io::stderr().is_terminal() } else { std::io::stdout().is_terminal() };
            terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

pub struct Terminal {
    /// The repository's root, which members' folders are relative to.
    root: Utf8PathBuf,
    verbosity: Verbosity,
    color: bool,
    /// Human output goes to stderr: stdout carries JSON.
    to_stderr: bool,
    github: bool,
    live: Option<Arc<Mutex<Live>>>,
    order: Vec<String>,
    settled: Vec<(Suite, SuiteResult)>,
}

/// The live line: what runs, for how long.
struct Live {
    running: Vec<(String, Instant)>,
    done: usize,
    total: usize,
    shown: bool,
    over: bool,
}

impl Live {
    fn draw(&mut self) {
        if self.running.is_empty() || self.over {
            self.clear();
            return;
        }
        let now = Instant::now();
        let names: Vec<String> =
            self.running.iter().map(|(name, since)| format!("{name} ({}s)", (now - *since).as_secs())).collect();
        let mut line = format!("{:>12} {} [{}/{} done]", "Running", names.join(", "), self.done, self.total);
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100usize);
        if line.chars().count() >= width {
            line = line.chars().take(width.saturating_sub(2)).collect::<String>() + "…";
        }
        ui::err(&format!("\r\x1b[2K{line}"));
        self.shown = true;
    }

    fn clear(&mut self) {
        if std::mem::take(&mut self.shown) {
            ui::err("\r\x1b[2K");
        }
    }
}

impl Terminal {
    pub fn new(root: &Utf8Path, verbosity: Verbosity, color: Color, to_stderr: bool, github: bool) -> Terminal {
        // The live line is redrawn in place: only on a terminal, and not in a CI log.
        let live = (std::io::stderr().is_terminal() && !github && std::env::var_os("CI").is_none()).then(|| {
            let live = Arc::new(Mutex::new(Live { running: Vec::new(), done: 0, total: 0, shown: false, over: false }));
            let ticking = Arc::clone(&live);
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    let mut live = ticking.lock().unwrap_or_else(|p| p.into_inner());
                    if live.over {
                        break;
                    }
                    live.draw();
                }
            });
            live
        });
        Terminal {
            root: root.to_owned(),
            verbosity,
            color: use_color(color, to_stderr),
            to_stderr,
            github,
            live,
            order: Vec::new(),
            settled: Vec::new(),
        }
    }

    /// Prints `text` with the live line out of the way, then puts it back.
    fn print(&self, text: &str) {
        let print = |text: &str| if self.to_stderr { ui::err(text) } else { ui::out(text) };
        match &self.live {
            Some(live) => {
                let mut live = live.lock().unwrap_or_else(|p| p.into_inner());
                live.clear();
                print(text);
                live.draw();
            }
            None => print(text),
        }
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }

    fn settled_line(&self, suite: &Suite, result: &SuiteResult) -> String {
        let (verb, code) = match result.result {
            Outcome::Passed => ("PASS", "1;32"),
            Outcome::NoTests | Outcome::NoTestsSelected => ("NO TESTS", "1;33"),
            Outcome::Cached => ("CACHED", "1;36"),
            Outcome::Failed => ("FAIL", "1;31"),
            Outcome::TimedOut => ("TIMEOUT", "1;31"),
            Outcome::Crashed => ("CRASH", "1;31"),
            Outcome::Error => ("ERROR", "1;31"),
            Outcome::SetupFailed => ("SETUP FAILED", "1;31"),
            Outcome::Stopped => ("STOPPED", "1;33"),
            Outcome::Skipped => ("SKIP", "1;33"),
            Outcome::NotRun => ("NOT RUN", "1;33"),
        };
        let time = match (result.result, result.seconds) {
            (Outcome::Cached, _) | (_, None) => " ".repeat(10),
            (_, Some(s)) => format!("[{s:>7.2}s]"),
        };
        let mut detail: Vec<String> = result.counts.iter().map(describe).collect();
        if let Some(dep) = &result.after_failure_of {
            detail.push(format!("ran after {dep} failed"));
        }
        if !result.note.is_empty() {
            detail.push(result.note.clone());
        }
        let verb = self.paint(&format!("{verb:>12}"), code);
        format!("{verb} {time} {}: {}\n", suite.project, detail.join("; "))
    }

    fn block(&self, suite: &Suite, result: &SuiteResult) -> String {
        let mut title = format!("{} ({})", suite.project, suite.dir);
        match result.result {
            Outcome::TimedOut | Outcome::Stopped => title += &format!(", {}", result.note),
            _ => {}
        }
        let body = result.output.trim_end();
        if self.github {
            super::github::group(&title, body)
        } else {
            format!("\n──── {title} ────\n{body}\n\n")
        }
    }

    fn finished(&mut self, suite: &Suite, result: &SuiteResult) {
        if let Some(live) = &self.live {
            let mut live = live.lock().unwrap_or_else(|p| p.into_inner());
            live.running.retain(|(name, _)| name != &suite.project);
            live.done += 1;
        }
        // A suite that ran and failed, or whose env could not be set up (its cause).
        let failing = !result.result.ok() && (result.seconds.is_some() || result.result == Outcome::SetupFailed);
        let show_output = !result.output.trim().is_empty()
            && (failing || self.verbosity == Verbosity::Verbose || (self.github && result.seconds.is_some()));
        let mut text = String::new();
        if self.verbosity != Verbosity::Quiet || result.result != Outcome::Passed && result.result != Outcome::Cached {
            text += &self.settled_line(suite, result);
        }
        if show_output {
            text += &self.block(suite, result);
        }
        if !text.is_empty() {
            self.print(&text);
        }
        self.settled.push((suite.clone(), result.clone()));
    }

    fn summary(&mut self, totals: &Totals) {
        if let Some(live) = &self.live {
            let mut live = live.lock().unwrap_or_else(|p| p.into_inner());
            live.over = true;
            live.clear();
        }
        let position: std::collections::HashMap<&str, usize> =
            self.order.iter().enumerate().map(|(k, name)| (name.as_str(), k)).collect();
        self.settled
            .sort_by_cached_key(|(suite, _)| position.get(suite.project.as_str()).copied().unwrap_or(usize::MAX));
        let rows: Vec<Vec<String>> = self
            .settled
            .iter()
            .filter(|(_, r)| {
                self.verbosity != Verbosity::Quiet || r.result != Outcome::Passed && r.result != Outcome::Cached
            })
            .map(|(suite, result)| row(suite, result))
            .collect();
        if !rows.is_empty() {
            let header =
                ["project", "result", "passed", "failed", "errors", "skipped", "deselected", "seconds", "note"];
            self.print(&format!("\n{}\n", ui::table(&header, &rows)));
        }
        let failing = failing_tests(&self.settled, &self.root);
        if !failing.is_empty() {
            self.print(&format!("{failing}\n"));
        }
        let cached = if totals.cached > 0 {
            format!(" ({} cached: unchanged since they passed; --no-cache runs them)", totals.cached)
        } else {
            String::new()
        };
        let stopped =
            if totals.interrupted.is_some() { format!(", {} stopped", totals.stopped) } else { String::new() };
        let no_tests = if totals.no_tests > 0 { format!(", {} with no tests", totals.no_tests) } else { String::new() };
        ui::status(
            if totals.interrupted.is_some() { "Stopped" } else { "Finished" },
            &format!(
                "{}: {} passed{cached}{no_tests}, {} failed{stopped}, {} skipped in {}",
                ui::count(totals.projects, "project"),
                totals.passed,
                totals.failed,
                totals.skipped,
                ui::elapsed(Duration::from_secs_f64(totals.seconds))
            ),
        );
    }
}

/// At most this many failing tests are listed.
const FAILING_SHOWN: usize = 20;

/// The failing tests, a line each (`PROJECT  ID`, the id as pytest takes it in the member's
/// folder), then how to rerun one; empty when none failed.
fn failing_tests(settled: &[(Suite, SuiteResult)], root: &Utf8Path) -> String {
    let mut failing: Vec<(&str, String)> = Vec::new();
    for (suite, result) in settled {
        let tests = result.tests.iter().filter(|t| matches!(t.outcome, TestOutcome::Failed | TestOutcome::Error));
        for test in tests {
            let id = result.id_in(test, root, &suite.dir);
            // A failure and its teardown's error are one test.
            if !failing.iter().any(|(p, i)| *p == suite.project && *i == id) {
                failing.push((&suite.project, id));
            }
        }
    }
    let Some((project, id)) = failing.first() else { return String::new() };
    let width = failing.iter().map(|(p, _)| p.chars().count()).max().unwrap_or(0);
    let mut text = String::from("failing tests:\n");
    for (project, id) in failing.iter().take(FAILING_SHOWN) {
        text += &format!("  {project:<width$}  {}\n", printable(id));
    }
    if failing.len() > FAILING_SHOWN {
        text += &format!("  ... and {} more\n", failing.len() - FAILING_SHOWN);
    }
    text += &format!(
        "rerun one with: cargo xtask test {} -- {}\n",
        crate::exec::shell_word(project),
        crate::exec::shell_word(&printable(id))
    );
    text
}

/// `text` with its control characters (a line break, an escape sequence) shown escaped, so
/// one id prints as one line.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// A row of the table.
fn row(suite: &Suite, result: &SuiteResult) -> Vec<String> {
    let count =
        |f: fn(&crate::pytest::Counts) -> u32| result.counts.as_ref().map_or(String::new(), |c| f(c).to_string());
    let mut note = Vec::new();
    if let Some(c) = &result.counts {
        if c.xfailed > 0 {
            note.push(format!("{} xfailed", c.xfailed));
        }
        if c.xpassed > 0 {
            note.push(format!("{} xpassed", c.xpassed));
        }
    }
    if let Some(dep) = &result.after_failure_of {
        note.push(format!("ran after {dep} failed"));
    }
    if !result.note.is_empty() {
        note.push(result.note.clone());
    }
    let seconds = match result.result {
        Outcome::Cached => String::new(),
        _ => result.seconds.map_or(String::new(), |s| format!("{s:.2}")),
    };
    vec![
        suite.project.clone(),
        result.result.word().to_owned(),
        count(|c| c.passed),
        count(|c| c.failed),
        count(|c| c.errors),
        count(|c| c.skipped),
        count(|c| c.deselected),
        seconds,
        note.join("; "),
    ]
}

impl Reporter for Terminal {
    fn event(&mut self, event: &Event) -> Result<()> {
        match event {
            Event::RunStarted { projects } => {
                self.order = projects.iter().map(|p| (*p).to_owned()).collect();
                if let Some(live) = &self.live {
                    live.lock().unwrap_or_else(|p| p.into_inner()).total = projects.len();
                }
            }
            Event::SuiteStarted { project, .. } => {
                if let Some(live) = &self.live {
                    let mut live = live.lock().unwrap_or_else(|p| p.into_inner());
                    live.running.push(((*project).to_owned(), Instant::now()));
                    live.draw();
                }
            }
            Event::SuiteFinished { suite, result } => self.finished(suite, result),
            Event::RunFinished { totals } => self.summary(totals),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::junit::TestCase;

    fn case(id: &str, outcome: TestOutcome) -> TestCase {
        TestCase {
            id: id.to_owned(),
            file: None,
            line: None,
            outcome,
            seconds: 0.0,
            message: String::new(),
            details: String::new(),
            output: String::new(),
        }
    }

    fn suite(project: &str, rootdir: &str, tests: Vec<TestCase>) -> (Suite, SuiteResult) {
        let result = SuiteResult {
            tests,
            rootdir: Some(rootdir.into()),
            ..SuiteResult::not_run(Outcome::Failed, String::new())
        };
        (Suite { project: project.to_owned(), dir: format!("projects/{project}").into() }, result)
    }

    #[test]
    fn failing_tests_are_listed_as_the_members_folder_names_them() {
        let settled = vec![
            // pytest's rootdir is the repository's (a pytest.ini at the top).
            suite(
                "web",
                "/repo",
                vec![
                    case("projects/web/tests/t.py::test_a[1 2]", TestOutcome::Failed),
                    case("projects/web/tests/t.py::test_a[1 2]", TestOutcome::Error),
                    case("projects/web/tests/t.py::test_ok", TestOutcome::Passed),
                ],
            ),
            suite("model", "/repo/projects/model", vec![case("tests/test_broken.py", TestOutcome::Error)]),
        ];
        let text = failing_tests(&settled, Utf8Path::new("/repo"));
        assert_eq!(
            text,
            "failing tests:\n  web    tests/t.py::test_a[1 2]\n  model  tests/test_broken.py\n\
             rerun one with: cargo xtask test web -- 'tests/t.py::test_a[1 2]'\n"
        );
        assert_eq!(failing_tests(&settled[..0], Utf8Path::new("/repo")), "");
    }

    #[test]
    fn a_long_list_is_cut_and_ids_stay_on_their_line() {
        let tests = (0..23).map(|i| case(&format!("tests/t.py::test_{i}"), TestOutcome::Failed)).collect();
        let mut settled = vec![suite("web", "/repo/projects/web", tests)];
        let text = failing_tests(&settled, Utf8Path::new("/repo"));
        assert_eq!(text.lines().filter(|l| l.starts_with("  web  ")).count(), FAILING_SHOWN, "{text}");
        assert!(text.contains("\n  ... and 3 more\n"), "{text}");
        settled[0].1.tests = vec![case("tests/t.py::test[a\n::error::x]", TestOutcome::Failed)];
        let text = failing_tests(&settled, Utf8Path::new("/repo"));
        assert!(text.contains("  web  tests/t.py::test[a\\n::error::x]\n"), "{text}");
    }
}
