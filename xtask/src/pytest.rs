//! Running one member's pytest suite in its env, and reading pytest's closing line.

use std::ffi::OsString;

use camino::Utf8Path;

use crate::exec::Cmd;
use crate::venv;

/// The pytest command for a member: the env's interpreter, run from the member's folder,
/// with the venv active (`VIRTUAL_ENV`, its `bin` first on `PATH`) for any tool it spawns.
///
/// Bytecode is compiled lazily and kept in the venv (`PYTHONPYCACHEPREFIX=<venv>/.pycache`),
/// even where `PYTHONDONTWRITEBYTECODE` is set: a suite compiles what it imports once, the
/// next run reuses it, and the source tree gets no `__pycache__`. Compiling every module
/// at sync time instead costs far more (most of a venv's modules are never imported by a
/// test run: mypy, black...); see bench/RESULTS.md. pytest's cache (`--lf`, `--ff`) goes
/// there too (one per member: a shared venv serves several), for the same reason: a run
/// writes nothing into the project's folder. Given
/// before the caller's arguments, so a `-o cache_dir=...` of theirs still wins.
pub fn command(root: &Utf8Path, member_dir: &Utf8Path, venv_dir: &Utf8Path, args: &[String]) -> Cmd {
    let venv = root.join(venv_dir);
    let bin = venv::bin_dir(&venv);
    let mut paths = vec![bin.into_std_path_buf()];
    paths.extend(std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default());
    let path = std::env::join_paths(paths).unwrap_or_else(|_| OsString::from(venv::bin_dir(&venv).as_str()));
    Cmd::new(venv::python(&venv).as_str(), root.join(member_dir))
        .args(["-m", "pytest", "-o"])
        .arg(format!("cache_dir={}", venv.join(".pytest_cache").join(member_dir)))
        .args(args)
        .env("VIRTUAL_ENV", venv.as_str())
        .env("PATH", path)
        .env("PYTHONPYCACHEPREFIX", venv::bytecode_dir(&venv).as_str())
        .env_remove("PYTHONDONTWRITEBYTECODE")
}

/// pytest's exit code for "no tests were collected".
pub const NO_TESTS_COLLECTED: i32 = 5;

/// The counts from pytest's closing line (`3 passed, 1 failed, 2 skipped in 0.12s`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Counts {
    pub passed: u32,
    pub failed: u32,
    pub errors: u32,
    pub skipped: u32,
    pub xfailed: u32,
    pub xpassed: u32,
    pub deselected: u32,
}

/// `text` without ANSI escape sequences (pytest's colours, with `--color=yes`).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte in @..~.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads the last pytest summary line of `output`; all zero when there is none.
pub fn parse_counts(output: &str) -> Counts {
    let output = strip_ansi(output);
    let Some(line) = output.lines().rev().map(|l| l.trim().trim_matches('=').trim()).find(|l| is_summary(l)) else {
        return Counts::default();
    };
    let mut counts = Counts::default();
    let words: Vec<&str> = line.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    for pair in words.windows(2) {
        let Ok(n) = pair[0].parse::<u32>() else {
            continue;
        };
        match pair[1] {
            "passed" => counts.passed = n,
            "failed" => counts.failed = n,
            "error" | "errors" => counts.errors = n,
            "skipped" => counts.skipped = n,
            "xfailed" => counts.xfailed = n,
            "xpassed" => counts.xpassed = n,
            "deselected" => counts.deselected = n,
            _ => {}
        }
    }
    counts
}

fn is_summary(line: &str) -> bool {
    // A run over a minute ends `in 126.00s (0:02:06)`.
    let line = match line.trim_end().strip_suffix(')').and_then(|l| l.rsplit_once(" (")) {
        Some((before, clock)) if clock.chars().all(|c| c.is_ascii_digit() || c == ':') => before,
        _ => line,
    };
    let timed = line.contains(" in ") && line.trim_end().ends_with('s');
    let counted =
        ["passed", "failed", "error", "skipped", "no tests ran", "deselected"].iter().any(|w| line.contains(w));
    timed && counted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quiet_and_verbose_closing_lines() {
        assert_eq!(
            parse_counts("..F\n3 passed, 1 failed in 0.12s\n"),
            Counts { passed: 3, failed: 1, ..Counts::default() }
        );
        let verbose = "===== 10 passed, 2 skipped, 1 error in 1.05s =====\n";
        assert_eq!(parse_counts(verbose), Counts { passed: 10, skipped: 2, errors: 1, ..Counts::default() });
        assert_eq!(
            parse_counts("1 failed, 4 passed, 3 warnings in 2.00s"),
            Counts { passed: 4, failed: 1, ..Counts::default() }
        );
    }

    #[test]
    fn reads_a_long_run_and_every_kind_pytest_counts() {
        let long = "==== 3 passed, 1 failed, 2 xfailed, 1 xpassed, 4 deselected in 126.00s (0:02:06) ====";
        assert_eq!(
            parse_counts(long),
            Counts { passed: 3, failed: 1, xfailed: 2, xpassed: 1, deselected: 4, ..Counts::default() }
        );
    }

    #[test]
    fn reads_a_coloured_closing_line() {
        let coloured = "\x1b[31m==== \x1b[31m\x1b[1m1 failed\x1b[0m, \x1b[32m2 passed\x1b[0m\x1b[31m in 0.05s\x1b[0m\x1b[31m ====\x1b[0m\n";
        assert_eq!(parse_counts(coloured), Counts { passed: 2, failed: 1, ..Counts::default() });
        assert_eq!(strip_ansi("\x1b[1;32mok\x1b[0m done"), "ok done");
    }

    #[test]
    fn ignores_lines_that_are_not_the_summary() {
        let out = "test_x.py::test_a passed in a hurry\nno tests ran in 0.01s\n";
        assert_eq!(parse_counts(out), Counts::default());
        assert_eq!(parse_counts("ERROR: file not found: tests\n"), Counts::default());
        assert_eq!(parse_counts("3 passed in 0.1s\nsome trailing text"), Counts { passed: 3, ..Counts::default() });
    }
}
