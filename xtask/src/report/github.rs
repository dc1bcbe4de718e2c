//! GitHub Actions (`GITHUB_ACTIONS=true`): an `::error` annotation per failing test, on its
//! file and line (a collection error's line read from its traceback), and a Markdown table
//! appended to `$GITHUB_STEP_SUMMARY`, its names, ids and messages escaped. Also the
//! workflow-command forms the terminal reporter puts each suite's output in: a
//! `::group::` whose body is wrapped in `::stop-commands::`, so a test's output cannot
//! close the group or post an annotation.

use std::io::Write as _;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use super::{Event, Outcome, Reporter, Suite, SuiteResult, describe};
use crate::junit::Outcome as TestOutcome;
use crate::ui;

pub struct GitHub {
    /// Annotation paths are relative to this: the checkout (`GITHUB_WORKSPACE`), else the root.
    base: Utf8PathBuf,
    /// The repository's root, which members' folders are relative to.
    root: Utf8PathBuf,
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
        GitHub { base, root: root.to_owned(), to_stderr, rows: Vec::new() }
    }

    fn annotations(&self, suite: &Suite, result: &SuiteResult) -> String {
        let mut text = String::new();
        for test in result.tests.iter().filter(|t| failing(t)) {
            let mut properties = Vec::new();
            if let Some(file) = result.file_of(test, &self.base) {
                properties.push(format!("file={}", property(file.as_str())));
                if let Some(line) = result.line_of(test) {
                    properties.push(format!("line={line}"));
                }
            }
            let id = result.id_in(test, &self.root, &suite.dir);
            properties.push(format!("title={}", property(&format!("{}: {id}", suite.project))));
            let message = if test.details.trim().is_empty() { &test.message } else { &test.details };
            text += &format!("::error {}::{}\n", properties.join(","), data(message.trim_end()));
        }
        // A suite that failed with no failing test to show (it crashed, timed out, could not
        // start) still gets one annotation.
        let unexplained = result.result.failed() && !result.tests.iter().any(failing);
        if unexplained {
            let title = property(&format!("{} {}", suite.project, result.result.word()));
            let tail: Vec<&str> = result.output.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            let message = if result.note.is_empty() { String::new() } else { format!("{}\n", result.note) };
            text += &format!("::error title={title}::{}\n", data(&(message + &tail.join("\n"))));
        }
        text
    }

    /// The step summary's Markdown: a row per suite, then the failing tests.
    fn summary(&self) -> String {
        let mut text = String::from(
            "### cargo xtask test-all\n\n| project | result | tests | seconds | note |\n|---|---|---|---|---|\n",
        );
        for (suite, result) in &self.rows {
            let seconds = match result.result {
                Outcome::Cached => "cached".to_owned(),
                _ => result.seconds.map_or(String::new(), |s| format!("{s:.2}")),
            };
            let mut note = result.note.clone();
            if let Some(dep) = &result.after_failure_of {
                note = format!("ran after {dep} failed. {note}");
            }
            text += &format!(
                "| {} | {} {} | {} | {seconds} | {} |\n",
                inline(&suite.project),
                icon(result.result),
                result.result.word(),
                result.counts.as_ref().map(describe).unwrap_or_default(),
                inline(&note)
            );
        }
        let failures: Vec<String> = self
            .rows
            .iter()
            .flat_map(|(suite, result)| {
                result.tests.iter().filter(|t| failing(t)).map(move |t| {
                    let id = result.id_in(t, &self.root, &suite.dir);
                    format!("- {}: {} {}", code(&suite.project), code(&id), inline(first_line(&t.message)))
                })
            })
            .collect();
        if !failures.is_empty() {
            text += &format!("\n**Failing tests**\n\n{}\n", failures.join("\n"));
        }
        text
    }

    fn step_summary(&self) -> Result<()> {
        let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
            return Ok(());
        };
        let path = std::path::PathBuf::from(path);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open GITHUB_STEP_SUMMARY ({})", path.display()))?;
        file.write_all(self.summary().as_bytes()).with_context(|| format!("cannot write {}", path.display()))
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
            // The summary is a courtesy: one that cannot be written is a warning, never a
            // run's result.
            Event::RunFinished { .. } => {
                if let Err(err) = self.step_summary() {
                    let causes: Vec<String> = err.chain().map(ToString::to_string).collect();
                    ui::status(
                        "Warning",
                        &format!("no step summary: {}; the run's result does not depend on it", causes.join(": ")),
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn failing(test: &crate::junit::TestCase) -> bool {
    matches!(test.outcome, TestOutcome::Failed | TestOutcome::Error)
}

/// A suite's mark in the step summary: a failure of any kind is ❌ (its word says which).
fn icon(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed | Outcome::Cached => "✅",
        Outcome::Failed | Outcome::TimedOut | Outcome::Crashed | Outcome::Error | Outcome::SetupFailed => "❌",
        Outcome::NoTests => "⚠️",
        Outcome::NoTestsSelected => "➖",
        Outcome::Stopped => "⏹️",
        Outcome::Skipped | Outcome::NotRun => "⏭️",
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Text as Markdown shows it literally, on one line: `&`, `<` and `>` as entities (no raw
/// HTML, no `<...>` link), the punctuation that opens Markdown's inline forms (emphasis, links,
/// code, math, table cells) backslash-escaped, line breaks as spaces.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '|' | '~' | '$' | '#' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A code span that shows `text` as it is (CommonMark): fenced by one backtick more than
/// its longest run of backticks, padded with a space on each side when it starts or ends
/// with a backtick or a space (a parser strips one from each side), on one line. Not for a
/// table cell: there GitHub reads a `|` inside the span as a column break.
fn code(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    if text.is_empty() {
        return String::new();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let edge = |c: Option<char>| matches!(c, Some('`' | ' '));
    let pad = if (edge(text.chars().next()) || edge(text.chars().last())) && !text.chars().all(|c| c == ' ') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A workflow command's message, escaped as the runner reads it (its `escapeData`).
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: also no `:` or `,` (its `escapeProperty`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A collapsed group titled `title` around `body`, which the runner reads as text only:
/// between `::stop-commands::TOKEN` and `::TOKEN::` no line is a workflow command, so a
/// test that prints `::endgroup::` or `::error ...` cannot close the group or annotate.
pub(super) fn group(title: &str, body: &str) -> String {
    let mut token = stop_token();
    // Not guessable, but a body may not hold it either way.
    while body.contains(&token) {
        token = stop_token();
    }
    format!("::group::{}\n::stop-commands::{token}\n{body}\n::{token}::\n::endgroup::\n", data(title))
}

/// A fresh token for `::stop-commands::`, which nothing printed before it tells: the
/// SHA-256 (64 hex digits) of std's per-process random hash keys (from the OS), the time,
/// the process id and a counter.
fn stop_token() -> String {
    use std::hash::BuildHasher as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let random = std::collections::hash_map::RandomState::new().hash_one((n, nanos));
    let mut hasher = crate::digest::Hasher::default();
    hasher
        .part(&random.to_string())
        .part(&nanos.to_string())
        .part(&std::process::id().to_string())
        .part(&n.to_string());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::junit::TestCase;

    fn case(id: &str, file: Option<&str>, line: Option<u32>, outcome: TestOutcome, message: &str) -> TestCase {
        TestCase {
            id: id.to_owned(),
            file: file.map(str::to_owned),
            line,
            outcome,
            seconds: 0.0,
            message: message.to_owned(),
            details: String::new(),
            output: String::new(),
        }
    }

    fn settled(tests: Vec<TestCase>, rootdir: &str) -> SuiteResult {
        SuiteResult {
            tests,
            rootdir: Some(rootdir.into()),
            seconds: Some(1.0),
            ..SuiteResult::not_run(Outcome::Failed, String::new())
        }
    }

    fn reporter(rows: Vec<(Suite, SuiteResult)>) -> GitHub {
        GitHub { base: "/repo".into(), root: "/repo".into(), to_stderr: false, rows }
    }

    #[test]
    fn escapes_what_the_runner_would_misread() {
        assert_eq!(data("50% off\r\nnext"), "50%25 off%0D%0Anext");
        assert_eq!(property("web: tests/t.py::test_a[1,2]"), "web%3A tests/t.py%3A%3Atest_a[1%2C2]");
    }

    #[test]
    fn a_groups_body_cannot_end_it_or_annotate() {
        let body = "ok\n::endgroup::\n::error file=README.md,line=1::x\n  ::warning::indented";
        let block = group("web (projects/web)\n::error::title%", body);
        let lines: Vec<&str> = block.lines().collect();
        // The title is data: its line break escaped, so it stays on the group's line.
        assert_eq!(lines[0], "::group::web (projects/web)%0A::error::title%25");
        let token = lines[1].strip_prefix("::stop-commands::").expect("commands stopped first");
        assert!(token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()), "{token}");
        assert_eq!(lines[2..6], body.lines().collect::<Vec<_>>()[..]);
        assert_eq!(lines[6], format!("::{token}::"), "commands resume after the body only");
        assert_eq!(lines[7], "::endgroup::");
        assert_eq!(lines.len(), 8);
        // A fresh token each time: one block's does not open the next.
        let next = group("t", "b");
        assert!(!next.contains(token), "{next}");
    }

    #[test]
    fn code_spans_hold_any_backticks() {
        assert_eq!(code("tests/t.py::test_a"), "`tests/t.py::test_a`");
        assert_eq!(code("test_x[a`b]"), "``test_x[a`b]``");
        assert_eq!(code("t[``x`]"), "```t[``x`]```");
        // Starting or ending with a backtick (or a space): padded, as CommonMark strips one.
        assert_eq!(code("`start"), "`` `start ``");
        assert_eq!(code("end`"), "`` end` ``");
        assert_eq!(code(" x"), "`  x `");
        assert_eq!(code("a\nb"), "`a b`");
        // No escape inside a span: `<b>` is shown, not rendered.
        assert_eq!(code("t[<b>|&]"), "`t[<b>|&]`");
    }

    #[test]
    fn inline_text_has_no_markdown_or_html() {
        assert_eq!(inline("a|b\nc"), "a\\|b c");
        assert_eq!(
            inline("<img src=x onerror=alert(1)> & *b* [l](u) `c`"),
            "&lt;img src=x onerror=alert\\(1\\)&gt; &amp; \\*b\\* \\[l\\]\\(u\\) \\`c\\`"
        );
        assert_eq!(inline(r"C:\dir _x_ ~s~ $m$"), r"C:\\dir \_x\_ \~s\~ \$m\$");
    }

    #[test]
    fn every_outcome_has_a_fitting_icon() {
        assert_eq!(icon(Outcome::Passed), "✅");
        assert_eq!(icon(Outcome::Cached), "✅");
        for failed in [Outcome::Failed, Outcome::TimedOut, Outcome::Crashed, Outcome::Error, Outcome::SetupFailed] {
            assert_eq!(icon(failed), "❌", "{failed:?}");
        }
        assert_eq!(icon(Outcome::NoTests), "⚠️");
        assert_eq!(icon(Outcome::NoTestsSelected), "➖");
        assert_eq!(icon(Outcome::Skipped), "⏭️");
    }

    #[test]
    fn the_step_summary_escapes_names_ids_and_messages() {
        let tests = vec![
            case(
                "tests/t.py::test_a[`x`]",
                Some("tests/t.py"),
                Some(3),
                TestOutcome::Failed,
                "<script>x</script> | *no*",
            ),
            case("tests/t.py::test_ok", Some("tests/t.py"), Some(9), TestOutcome::Passed, ""),
        ];
        let mut crashed = settled(Vec::new(), "/repo/projects/b");
        crashed.result = Outcome::Crashed;
        crashed.note = "SIGSEGV <core> | dumped".into();
        let mut none = SuiteResult::not_run(Outcome::NoTestsSelected, String::new());
        none.seconds = Some(0.5);
        let rows = vec![
            (Suite { project: "we|b_<x>".into(), dir: "projects/web".into() }, settled(tests, "/repo/projects/web")),
            (Suite { project: "b".into(), dir: "projects/b".into() }, crashed),
            (Suite { project: "c".into(), dir: "projects/c".into() }, none),
        ];
        let text = reporter(rows).summary();
        assert!(text.contains("| we\\|b\\_&lt;x&gt; | ❌ FAILED |"), "{text}");
        assert!(text.contains("| b | ❌ CRASHED |") && text.contains("SIGSEGV &lt;core&gt; \\| dumped |"), "{text}");
        assert!(text.contains("| c | ➖ no tests selected |"), "{text}");
        assert!(
            text.contains("- `we|b_<x>`: ``tests/t.py::test_a[`x`]`` &lt;script&gt;x&lt;/script&gt; \\| \\*no\\*\n"),
            "{text}"
        );
        assert!(!text.contains("test_ok"), "{text}");
        assert!(!text.contains("<script>"), "{text}");
    }

    #[test]
    fn annotations_name_the_file_the_line_and_a_pasteable_id() {
        let mut broken =
            case("tests/test_syn.py", Some("tests/test_syn.py"), None, TestOutcome::Error, "collection failure");
        broken.details = "../.venv/lib/python3.11/site-packages/_pytest/python.py:507: in importtestmodule\n    mod = import_path(\n/usr/lib/python3.11/ast.py:50: in parse\nE     File \"/repo/projects/web/tests/test_syn.py\", line 3\nE       def f(:\nE   SyntaxError: invalid syntax".into();
        let tests = vec![
            broken,
            // A timeout's running test, or any failure without a line: still on its file.
            case("tests/test_a.py::test_slow", Some("tests/test_a.py"), None, TestOutcome::Error, "timed out"),
            // pytest's rootdir is the repository's: the id is made relative to the member.
            case(
                "projects/web/tests/x.py::test_b",
                Some("projects/web/tests/x.py"),
                Some(4),
                TestOutcome::Failed,
                "boom",
            ),
        ];
        let mut result = settled(tests, "/repo/projects/web");
        let web = Suite { project: "web".into(), dir: "projects/web".into() };
        let text = reporter(Vec::new()).annotations(&web, &result);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("::error file=projects/web/tests/test_syn.py,line=3,title=web%3A tests/test_syn.py::"),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains("SyntaxError") && !lines[0].contains('\n'), "{}", lines[0]);
        assert_eq!(
            lines[1],
            "::error file=projects/web/tests/test_a.py,title=web%3A tests/test_a.py%3A%3Atest_slow::timed out"
        );
        // With the repository's root as rootdir.
        result.rootdir = Some("/repo".into());
        let text = reporter(Vec::new()).annotations(&web, &result);
        let last = text.lines().last().unwrap();
        assert!(
            last.starts_with("::error file=projects/web/tests/x.py,line=4,title=web%3A tests/x.py%3A%3Atest_b::boom"),
            "{last}"
        );
    }
}
