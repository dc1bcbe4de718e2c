//! Running one member's pytest suite in its env, and reading pytest's closing line.

use std::ffi::OsString;

use anyhow::Result;
use camino::Utf8Path;

use crate::exec::Cmd;
use crate::pyproject::TestRunner;
use crate::venv;
use crate::workspace::Workspace;

/// The pytest command for member `m`: the env's interpreter, run from the member's folder,
/// with the venv active (`VIRTUAL_ENV`, its `bin` first on `PATH`) for any tool it spawns,
/// and the member's own settings (`[tool.monorepo]`): its `pythonpath` as `PYTHONPATH`, its
/// `environment`, `pytest-args` and `testpaths`, `python -m pytest` or the `pytest` script,
/// `--ignore` for each member nested in its folder (they run on their own), and its `.env`
/// file (a value is used only when neither this nor the caller's environment sets it). The
/// caller's `args` come after the member's, so theirs win.
///
/// The run is isolated from the caller's Python: `PYTHONPATH`, `PYTHONHOME`,
/// `PYTHONSTARTUP` and `PYTHONUSERBASE` are removed and user site-packages are off
/// (`PYTHONNOUSERSITE`), so the venv and the member's settings are all it imports from,
/// and its inputs (`keys.rs`) are the whole truth.
///
/// Bytecode is compiled lazily and kept in the venv (`PYTHONPYCACHEPREFIX=<venv>/.pycache`),
/// even where `PYTHONDONTWRITEBYTECODE` is set: a suite compiles what it imports once, the
/// next run reuses it, and the source tree gets no `__pycache__`. Compiling every module
/// at sync time instead costs far more (most of a venv's modules are never imported by a
/// test run: mypy, black...); see bench/RESULTS.md. pytest's cache (`--lf`, `--ff`) goes
/// there too (one per member: a shared venv serves several), for the same reason: a run
/// writes nothing into the project's folder. Given before the caller's arguments, so a
/// `-o cache_dir=...` of theirs still wins.
pub fn command(ws: &Workspace, m: usize, args: &[String]) -> Result<Cmd> {
    let member = &ws.members[m];
    let settings = &member.pyproject.tests;
    let venv = ws.root.join(&ws.env_of(m).venv);
    let bin = venv::bin_dir(&venv);
    let path = prepend_path(&[bin.into_std_path_buf()], "PATH");
    let mut cmd = match settings.runner {
        TestRunner::PythonModule => {
            Cmd::new(venv::python(&venv).as_str(), ws.root.join(&member.dir)).args(["-m", "pytest"])
        }
        TestRunner::Script => Cmd::new(venv::executable(&venv, "pytest").as_str(), ws.root.join(&member.dir)),
    };
    cmd = cmd
        .arg("-o")
        .arg(format!("cache_dir={}", venv.join(".pytest_cache").join(&member.dir)))
        .args(member_args(member))
        .args(args)
        .args(if names_tests(&ws.root.join(&member.dir), args) { &[][..] } else { &settings.testpaths[..] })
        .env("VIRTUAL_ENV", venv.as_str())
        .env("PATH", path)
        .env("PYTHONPYCACHEPREFIX", venv::bytecode_dir(&venv).as_str())
        .env("PYTHONNOUSERSITE", "1")
        .env_remove("PYTHONDONTWRITEBYTECODE");
    for isolated in ISOLATED {
        cmd = cmd.env_remove(isolated);
    }
    if !member.pythonpath.is_empty() {
        let dirs: Vec<std::path::PathBuf> =
            member.pythonpath.iter().map(|d| ws.root.join(d).into_std_path_buf()).collect();
        cmd = cmd.env("PYTHONPATH", std::env::join_paths(&dirs).unwrap_or_default());
    }
    for (key, value) in &settings.environment {
        cmd = cmd.env(key, value);
    }
    for (key, value) in dotenv(ws, m)? {
        let ours = cmd.env.iter().any(|(k, _)| *k == *key) || cmd.env_remove.iter().any(|k| *k == *key);
        if !ours && std::env::var_os(&key).is_none() {
            cmd = cmd.env(key, value);
        }
    }
    Ok(cmd)
}

/// The caller's variables a suite never sees: each would import or run something the
/// suite's inputs do not hold.
pub const ISOLATED: [&str; 4] = ["PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE"];

/// The variables of the member's `.env` file, if it has one; an error naming it when it
/// cannot be read.
pub fn dotenv(ws: &Workspace, m: usize) -> Result<Vec<(String, String)>> {
    let shown = ws.members[m].dir.join(".env");
    let path = ws.root.join(&shown);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text = crate::fsutil::read(&path)?;
    crate::dotenv::parse(&text).map_err(|err| {
        crate::error::hinted(
            format!("cannot read {shown}: {err}"),
            "write each line as KEY=VALUE (or `export KEY=VALUE`), quote a value with spaces or `#`, and start comments with `#`",
        )
    })
}

/// The plugin `test-all` loads into each suite (`-p xtask_pytest`). It keeps the evidence
/// a result rests on, where a crash cannot take it back:
///
/// - `$XTASK_PROGRESS_OUT`: the session as it goes, one JSON object a line, each written
///   and flushed as it happens (read by [`crate::progress`]): the rootdir, what was
///   collected and deselected (and, when nothing was, how many files look like tests),
///   collection errors, each test as it starts and each phase's report, and the session's
///   end with its exit status. A stopped or crashed run still says which tests finished
///   and which one was running. Written by pytest-xdist's controller only, which hears
///   every worker's reports.
/// - `$XTASK_OBSERVE_OUT`: at the end, the files of every module the process imported, one
///   a line (a pytest-xdist worker writes a file of its own beside it).
pub const PLUGIN: &str = r#"import fnmatch, json, os, sys

_out = None
_deselected = 0


def _write(record):
    if _out is not None:
        try:
            _out.write(json.dumps(record) + "\n")
            _out.flush()
        except (OSError, ValueError):
            pass


def pytest_configure(config):
    global _out
    path = os.environ.get("XTASK_PROGRESS_OUT")
    if path and not hasattr(config, "workerinput"):
        _out = open(path, "a", encoding="utf-8", errors="surrogateescape")
        _write({"event": "configure", "rootdir": str(config.rootpath)})


def pytest_deselected(items):
    global _deselected
    _deselected += len(items)


def _line_in(text, path):
    # The last line of a traceback that names `path`: `path:3: in <module>` or
    # `File ".../path", line 3`.
    line = None
    name = path.replace("\\", "/")
    for row in text.replace("\\", "/").splitlines():
        row = row.strip().lstrip("E").strip()
        if row.startswith(name + ":"):
            head = row[len(name) + 1:].split(":", 1)[0]
            line = int(head) if head.isdigit() else line
        elif row.startswith("File \"") and ("/" + name + "\"") in ("/" + row):
            tail = row.rsplit("line ", 1)[-1].split(",", 1)[0].strip()
            line = int(tail) if tail.isdigit() else line
    return line


def pytest_collectreport(report):
    if report.failed:
        text = report.longreprtext
        path = report.nodeid.split("::")[0]
        _write({"event": "collect-error", "id": report.nodeid, "file": path, "line": _line_in(text, path),
                "message": text[-20000:]})


def _test_files(config):
    # pytest's defaults too: a `python_files` typo must not hide the files it misses.
    patterns = list(config.getini("python_files")) + ["test_*.py", "*_test.py"]
    norecurse = config.getini("norecursedirs")
    ignored = {os.path.abspath(p) for p in (config.getoption("ignore") or [])}
    count = 0
    for top, dirs, files in os.walk(str(config.invocation_params.dir)):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in ignored
                   and not any(fnmatch.fnmatch(d, p) for p in norecurse)
                   and not os.path.exists(os.path.join(top, d, "pyvenv.cfg"))]
        count += sum(1 for f in files if f.endswith(".py") and os.path.join(top, f) not in ignored
                     and any(fnmatch.fnmatch(f, p) for p in patterns))
        if count >= 1000:
            break
    return count


def pytest_collection_finish(session):
    record = {"event": "collected", "items": len(session.items), "deselected": _deselected}
    if not session.items and not _deselected:
        try:
            record["test-files"] = _test_files(session.config)
        except Exception:
            pass
    _write(record)


def pytest_runtest_logstart(nodeid, location):
    line = None if location[1] is None else location[1] + 1
    _write({"event": "start", "id": nodeid, "file": location[0], "line": line})


def pytest_runtest_logreport(report):
    record = {"event": "report", "id": report.nodeid, "when": report.when, "outcome": report.outcome,
              "seconds": report.duration}
    if hasattr(report, "wasxfail"):
        record["xfail"] = True
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        record["message"] = getattr(crash, "message", "") or ""
        record["details"] = report.longreprtext[-20000:]
    elif report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        record["message"] = str(report.longrepr[2])
    _write(record)


def pytest_sessionfinish(session, exitstatus):
    _write({"event": "finish", "status": int(exitstatus)})


def pytest_unconfigure(config):
    out = os.environ.get("XTASK_OBSERVE_OUT")
    if not out:
        return
    if hasattr(config, "workerinput"):
        out = "%s.%d" % (out, os.getpid())
    files = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())} - {""})
    with open(out, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("\n".join(files))
"#;

/// Writes the plugin [`with_plugin`] loads into `plugin_dir` (a folder of this run's own).
pub fn install_plugin(plugin_dir: &Utf8Path) -> Result<()> {
    std::fs::create_dir_all(plugin_dir)?;
    crate::fsutil::write_atomic(&plugin_dir.join("xtask_pytest.py"), PLUGIN)
}

/// `cmd` with the xtask's plugin loaded, recording the session to `progress` and, when
/// given, what the run imports to `imports`. The plugin's folder goes last on
/// `PYTHONPATH`, after the member's own.
pub fn with_plugin(
    mut cmd: Cmd,
    plugin_dir: &Utf8Path,
    progress: &Utf8Path,
    imports: Option<&Utf8Path>,
) -> Result<Cmd> {
    let mut paths: Vec<std::path::PathBuf> = match cmd.env.iter().rev().find(|(k, _)| k == "PYTHONPATH") {
        Some((_, v)) => std::env::split_paths(v).collect(),
        None => Vec::new(),
    };
    paths.push(plugin_dir.as_std_path().to_path_buf());
    let joined = std::env::join_paths(&paths)?;
    cmd = cmd.env("PYTHONPATH", joined).env("XTASK_PROGRESS_OUT", progress.as_str());
    if let Some(imports) = imports {
        cmd = cmd.env("XTASK_OBSERVE_OUT", imports.as_str());
    }
    // After the program's own first arguments (`-m pytest`), before the rest.
    let at = usize::from(cmd.args.first().is_some_and(|a| a == "-m")) * 2;
    cmd.args.splice(at..at, ["-p".into(), "xtask_pytest".into()]);
    Ok(cmd)
}

/// The member's own arguments, before the caller's: `--ignore` for each member nested in
/// its folder (they run on their own), then its `pytest-args`.
pub fn member_args(member: &crate::workspace::Member) -> Vec<String> {
    let nested = member.nested.iter().map(|n| format!("--ignore={n}"));
    nested.chain(member.pyproject.tests.pytest_args.iter().cloned()).collect()
}

/// Whether the caller's arguments name what to collect (a node id, or a file or folder of
/// the member's): then the member's `testpaths` would add to it, and are left out.
fn names_tests(dir: &camino::Utf8Path, args: &[String]) -> bool {
    args.iter().any(|a| !a.starts_with('-') && (a.contains("::") || dir.join(a).exists()))
}

/// `dirs`, then what the variable `name` holds now, as one path list.
fn prepend_path(dirs: &[std::path::PathBuf], name: &str) -> OsString {
    let mut paths = dirs.to_vec();
    paths.extend(std::env::var_os(name).map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default());
    std::env::join_paths(&paths)
        .unwrap_or_else(|_| dirs.first().map(|d| d.clone().into_os_string()).unwrap_or_default())
}

/// pytest's exit code for "no tests were collected".
pub const NO_TESTS_COLLECTED: i32 = 5;

/// The counts from pytest's closing line (`3 passed, 1 failed, 2 skipped in 0.12s`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u32,
    pub failed: u32,
    pub errors: u32,
    pub skipped: u32,
    pub xfailed: u32,
    pub xpassed: u32,
    pub deselected: u32,
}

crate::shape::serde_struct! { Counts {
    passed: "passed" = default,
    failed: "failed" = default,
    errors: "errors" = default,
    skipped: "skipped" = default,
    xfailed: "xfailed" = default,
    xpassed: "xpassed" = default,
    deselected: "deselected" = default,
} }

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
