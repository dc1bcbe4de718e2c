//! End-to-end: `test-all` as a CI's test runner, on small real monorepos with real uv,
//! venvs, pytest and git: merged JUnit, JSON events, GitHub Actions annotations and step
//! summary, the result cache, timeouts, speculative starts, shards, and `test` with the
//! terminal attached.
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use support::xml::Element;
use support::{Repo, Run};

/// A conftest that logs every pytest start to `$XTASK_E2E_LOG` (not an input of the cache
/// key): how a test sees which suites really ran.
const LOGGING_CONFTEST: &str = "import os\n\n\ndef pytest_configure(config):\n    log = os.environ.get('XTASK_E2E_LOG')\n    if log:\n        with open(log, 'a') as f:\n            f.write(os.path.basename(os.getcwd()) + '\\n')\n";

/// Every kind of result pytest counts, with the failing assert on line 12.
const MIXED: &str = "import pytest\n\n\ndef test_one():\n    assert True\n\n\ndef test_two():\n    assert True\n\n\ndef test_fail():\n    assert 1 + 1 == 3\n\n\n@pytest.mark.skip(reason='not today')\ndef test_skip():\n    pass\n\n\n@pytest.mark.xfail(reason='known')\ndef test_xfail():\n    assert False\n";

fn json_lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{}", run.all())))
        .collect()
}

fn finished<'a>(events: &'a [Value], project: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["event"] == "suite-finished" && e["project"] == project)
        .unwrap_or_else(|| panic!("no suite-finished for {project}: {events:?}"))
}

/// The projects whose pytest started, in the order they did, from the conftest's log.
fn started(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log).unwrap_or_default().lines().map(str::to_owned).collect()
}

#[test]
fn merged_junit_and_json_events_count_what_pytest_counted() {
    let repo = Repo::new();
    repo.project("mixed", &[], &[], MIXED);
    repo.project("fine", &[], &[], "def test_fine():\n    assert True\n");
    let run = repo.expect(&["test-all", "--keep-going", "--junit", "out/report.xml", "--message-format", "json"], 1);
    let events = json_lines(&run);
    assert_eq!(events.first().map(|e| e["event"].clone()), Some("run-started".into()), "{}", run.all());
    assert_eq!(events.last().map(|e| e["event"].clone()), Some("run-finished".into()), "{}", run.all());
    let mixed = finished(&events, "mixed");
    assert_eq!(mixed["result"], "failed");
    let closing = xtask::pytest::parse_counts(mixed["output"].as_str().unwrap());
    assert_eq!(
        (closing.passed, closing.failed, closing.skipped, closing.xfailed),
        (2, 1, 1, 1),
        "pytest's own closing line\n{}",
        run.all()
    );
    for (key, n) in [("passed", 2), ("failed", 1), ("skipped", 1), ("xfailed", 1), ("errors", 0)] {
        assert_eq!(mixed["counts"][key], n, "{key} in {mixed}");
    }
    let failing: Vec<&Value> = mixed["tests"].as_array().unwrap().iter().filter(|t| t["outcome"] == "failed").collect();
    assert_eq!(failing.len(), 1, "{mixed}");
    assert_eq!(failing[0]["id"], "tests/test_mixed.py::test_fail");

    let xml = repo.read("out/report.xml");
    let report = support::xml::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(report.name, "testsuites", "{xml}");
    let suites: BTreeMap<&str, &Element> =
        report.all("testsuite").map(|s| (s.attr("name").expect("a suite's name"), s)).collect();
    assert_eq!(suites.keys().copied().collect::<Vec<_>>(), ["fine", "mixed"], "{xml}");
    let mixed = suites["mixed"];
    let cases: Vec<&Element> = mixed.all("testcase").collect();
    // JUnit has no xfail: pytest writes it as skipped, as it does a skip.
    let skipped = cases.iter().filter(|c| c.one("skipped").is_some()).count();
    assert_eq!((mixed.count("tests"), mixed.count("failures"), mixed.count("errors"), skipped), (5, 1, 0, 2), "{xml}");
    assert_eq!(cases.len(), 5, "{xml}");
    assert_eq!((suites["fine"].count("tests"), suites["fine"].count("failures")), (1, 0), "{xml}");
    // Each case names its file relative to the repository's root, and has a classname.
    for case in &cases {
        assert_eq!(case.attr("file").unwrap_or_default(), "projects/mixed/tests/test_mixed.py", "{xml}");
        assert_eq!(case.attr("classname"), Some("tests/test_mixed.py"), "{xml}");
    }
}

#[test]
fn github_actions_gets_groups_annotations_on_the_failing_line_and_a_step_summary() {
    let repo = Repo::new();
    repo.project("mixed", &[], &[], MIXED);
    let summary = repo.path("step-summary.md");
    let root = repo.path("");
    let run = repo.xtask_in(
        "",
        &["test-all"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ("GITHUB_WORKSPACE", root.to_str().unwrap()),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    // The group's body is text only: between `::stop-commands::TOKEN` and `::TOKEN::`.
    let group = run.stdout.split("::group::mixed (projects/mixed)\n").nth(1).unwrap_or_else(|| panic!("{}", run.all()));
    let token =
        group.lines().next().and_then(|l| l.strip_prefix("::stop-commands::")).unwrap_or_else(|| panic!("{group}"));
    assert!(token.len() >= 32, "{token}");
    let body = group.split_once(&format!("\n::{token}::\n::endgroup::\n")).map(|(body, _)| body);
    assert!(body.is_some_and(|b| b.contains("test_fail")), "{}", run.all());
    // After the table, the failing tests as `cargo xtask test PROJECT -- ID` takes them.
    assert!(run.stdout.contains("failing tests:\n  mixed  tests/test_mixed.py::test_fail\n"), "{}", run.all());
    assert!(
        run.stdout.contains("rerun one with: cargo xtask test mixed -- tests/test_mixed.py::test_fail\n"),
        "{}",
        run.all()
    );
    let annotation = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no annotation\n{}", run.all()));
    let expected =
        "::error file=projects/mixed/tests/test_mixed.py,line=13,title=mixed%3A tests/test_mixed.py%3A%3Atest_fail::";
    assert!(annotation.starts_with(expected), "{annotation}");
    assert!(annotation.contains("assert 1 + 1 == 3"), "the message shows the failure: {annotation}");
    let file = annotation.split("file=").nth(1).unwrap().split(',').next().unwrap();
    assert!(repo.path(file).is_file(), "{file} is not a file relative to the repository's root");
    let line = repo.read(file).lines().nth(12).unwrap().to_owned();
    assert_eq!(line.trim(), "assert 1 + 1 == 3", "line=13 points at the failing assert");
    let table = std::fs::read_to_string(&summary).unwrap();
    assert!(table.contains("| project | result |") && table.contains("| mixed | ❌ FAILED |"), "{table}");
    assert!(table.contains("`tests/test_mixed.py::test_fail`"), "{table}");
}

/// The workflow commands GitHub's runner would act on in `log`: every line starting with
/// `::`, except those between `::stop-commands::TOKEN` and `::TOKEN::`.
fn workflow_commands(log: &str) -> Vec<&str> {
    let mut stopped: Option<String> = None;
    let mut commands = Vec::new();
    for line in log.lines().map(str::trim) {
        match &stopped {
            Some(token) if line == format!("::{token}::") => stopped = None,
            Some(_) => {}
            None if line.starts_with("::") => {
                stopped = line.strip_prefix("::stop-commands::").map(str::to_owned);
                if stopped.is_none() {
                    commands.push(line);
                }
            }
            None => {}
        }
    }
    commands
}

#[test]
fn a_tests_output_cannot_forge_workflow_commands_and_a_syntax_error_is_annotated_on_its_line() {
    let repo = Repo::new();
    repo.project(
        "noisy",
        &[],
        &[],
        "def test_forges():\n    print('::endgroup::')\n    print('::error file=README.md,line=1::forged')\n    assert False\n",
    );
    // A collection error ends pytest's session: the syntax error is a project of its own.
    repo.project("broken", &[], &[], "x = 1\n\ndef f(:\n    pass\n");
    let root = repo.path("");
    let run = repo.xtask_in(
        "",
        &["test-all", "--keep-going"],
        &[("GITHUB_ACTIONS", "true"), ("GITHUB_WORKSPACE", root.to_str().unwrap())],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("::error file=README.md,line=1::forged"), "the test printed it\n{}", run.all());
    let commands = workflow_commands(&run.stdout);
    assert_eq!(commands.iter().filter(|c| c.starts_with("::group::")).count(), 2, "{commands:#?}");
    assert_eq!(commands.iter().filter(|c| **c == "::endgroup::").count(), 2, "{commands:#?}");
    // The forged line is only inside a group (and, escaped, in the test's own annotation).
    assert!(!commands.iter().any(|c| c.starts_with("::error file=README.md")), "{commands:#?}");
    assert!(
        commands.iter().any(|c| c.starts_with(
            "::error file=projects/broken/tests/test_broken.py,line=3,title=broken%3A tests/test_broken.py::"
        )),
        "a collection error on the line its traceback names: {commands:#?}"
    );
    assert!(
        commands.iter().any(|c| c.starts_with("::error file=projects/noisy/tests/test_noisy.py,line=")),
        "{commands:#?}"
    );
}

#[test]
fn an_unchanged_suite_is_cached_and_a_change_reruns_it_and_its_dependants_only() {
    let repo = Repo::new();
    repo.project("core", &[], &[], "from e2e_core import double\n\ndef test_double():\n    assert double(2) == 4\n");
    repo.project(
        "lib",
        &["e2e-core"],
        &[],
        "from e2e_core import double\n\ndef test_lib():\n    assert double(3) == 6\n",
    );
    repo.project("leaf", &[], &[], "def test_leaf():\n    assert True\n");
    for p in ["core", "lib", "leaf"] {
        repo.write(&format!("projects/{p}/conftest.py"), LOGGING_CONFTEST);
    }
    repo.git_init();
    let log = repo.path("started.log");
    let env = [("XTASK_E2E_LOG", log.to_str().unwrap())];
    let test_all = |args: &[&str]| {
        let run = repo.xtask_in("", args, &env);
        assert_eq!(run.code, 0, "{}", run.all());
        run
    };
    test_all(&["test-all"]);
    assert_eq!(started(&log).len(), 3);

    // Colour (pytest's `--color=yes` with ours) changes no result: still a hit.
    let again = test_all(&["test-all", "--message-format", "json", "--color", "always"]);
    assert_eq!(started(&log).len(), 3, "a second run with nothing changed starts no pytest");
    let events = json_lines(&again);
    assert!(!events.iter().any(|e| e["event"] == "suite-started"), "{}", again.all());
    for p in ["core", "lib", "leaf"] {
        assert_eq!(finished(&events, p)["result"], "cached");
        assert_eq!(finished(&events, p)["counts"]["passed"], 1, "the recorded counts");
    }

    // A change to the leaf runs the leaf alone; one to core runs core and its dependant.
    repo.append("projects/leaf/tests/test_leaf.py", "\n\ndef test_more():\n    assert True\n");
    let run = test_all(&["test-all"]);
    assert_eq!(started(&log)[3..], ["leaf"], "{}", run.all());
    assert!(run.stdout.lines().any(|l| l.starts_with("core ") && l.contains(" cached ")), "{}", run.all());
    repo.edit("projects/core/src/e2e_core/__init__.py", "return 2 * x", "return x + x");
    test_all(&["test-all"]);
    let mut rerun = started(&log)[4..].to_vec();
    rerun.sort();
    assert_eq!(rerun, ["core", "lib"]);

    test_all(&["test-all", "--no-cache"]);
    assert_eq!(started(&log).len(), 9, "--no-cache runs every suite");
}

/// Whether a process exists (a zombie counts until its parent reaps it).
fn alive(pid: i32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks that the process exists; pid > 1.
    pid > 1 && unsafe { libc::kill(pid, 0) } == 0
}

#[test]
fn a_suite_past_its_timeout_is_stopped_with_everything_it_started() {
    let repo = Repo::new();
    let hang = |pids: &str| {
        format!(
            "import os, subprocess, time\n\ndef test_hang():\n    child = subprocess.Popen(['sleep', '300'])\n    with open({pids:?}, 'w') as f:\n        f.write(f'{{os.getpid()}} {{child.pid}}')\n    time.sleep(300)\n"
        )
    };
    let (a, b) = (repo.path("a.pids"), repo.path("b.pids"));
    repo.project("flagged", &[], &[], &hang(a.to_str().unwrap()));
    repo.project("own", &[], &[], &hang(b.to_str().unwrap()));
    // Long enough for pytest to reach the test on a loaded machine: the pids must be written.
    // (pytest's start takes seconds when the machine is busy running other tests).
    repo.append("projects/own/pyproject.toml", "\n[tool.monorepo]\ntimeout = 20\n");
    let run = repo.expect(&["test-all", "--keep-going", "--timeout", "25"], 1);
    let row = |p: &str| run.stdout.lines().find(|l| l.starts_with(&format!("{p} "))).unwrap_or_default().to_owned();
    assert!(row("flagged").contains("TIMED OUT") && row("flagged").contains("timed out after 25s"), "{}", run.all());
    assert!(row("own").contains("TIMED OUT") && row("own").contains("timed out after 20s"), "{}", run.all());
    assert!(run.stdout.contains("KeyboardInterrupt"), "pytest's output so far shows where it hung\n{}", run.all());
    for file in [a, b] {
        let pids: Vec<i32> = std::fs::read_to_string(&file).unwrap().split(' ').map(|p| p.parse().unwrap()).collect();
        let gone = support::eventually(std::time::Duration::from_secs(10), || pids.iter().all(|&p| !alive(p)));
        assert!(gone, "processes {pids:?} outlived the timed-out suite");
    }
}

#[test]
fn a_dependant_starts_while_its_dependency_runs_and_is_cancelled_when_it_fails() {
    let repo = Repo::new();
    let marker = repo.path("lib-started");
    // core fails only once lib's suite has started, which it can only do speculatively; lib
    // then hangs until it is cancelled.
    repo.project(
        "core",
        &[],
        &[],
        &format!(
            "import os, time\n\ndef test_core():\n    for _ in range(600):\n        if os.path.exists({m:?}):\n            break\n        time.sleep(0.1)\n    assert os.path.exists({m:?}), 'lib never started'\n    assert False, 'core fails'\n",
            m = marker.to_str().unwrap()
        ),
    );
    repo.project(
        "lib",
        &["e2e-core"],
        &[],
        &format!(
            "import os, time\n\ndef test_lib():\n    with open({m:?}, 'w') as f:\n        f.write(str(os.getpid()))\n    time.sleep(300)\n",
            m = marker.to_str().unwrap()
        ),
    );
    let run = repo.expect(&["test-all", "-j", "2", "--message-format", "json"], 1);
    let events = json_lines(&run);
    let core = finished(&events, "core");
    assert_eq!(core["result"], "failed", "{}", run.all());
    assert!(core["output"].as_str().unwrap().contains("core fails"), "{core}");
    let lib = finished(&events, "lib");
    assert_eq!(lib["result"], "skipped");
    assert_eq!(lib["note"], "needs core, which did not pass");
    let pid: i32 = std::fs::read_to_string(&marker).unwrap().parse().unwrap();
    assert!(
        support::eventually(std::time::Duration::from_secs(10), || !alive(pid)),
        "lib's pytest outlived its cancel"
    );
}

#[test]
fn ci_matrix_lists_every_project_once_and_a_shard_runs_its_share() {
    let repo = Repo::new();
    let names = ["a1", "b2", "c3", "d4", "e5"];
    for name in names {
        repo.project(name, &[], &[], "def test_it():\n    assert True\n");
    }
    let matrix = repo.expect(&["ci-matrix", "--shards", "3"], 0);
    let matrix: Value = serde_json::from_str(matrix.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", matrix.all()));
    let include = matrix["include"].as_array().unwrap();
    assert_eq!(include.len(), 3, "{matrix}");
    let mut listed: Vec<String> = include
        .iter()
        .flat_map(|shard| shard["projects"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()))
        .collect();
    listed.sort();
    assert_eq!(listed, names, "every project exactly once: {matrix}");

    let second: Vec<&str> = include.iter().find(|s| s["shard"] == "2/3").unwrap()["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let run = repo.expect(&["test-all", "--shard", "2/3", "--message-format", "json"], 0);
    let mut ran: Vec<String> = json_lines(&run)
        .iter()
        .filter(|e| e["event"] == "suite-finished")
        .map(|e| e["project"].as_str().unwrap().to_owned())
        .collect();
    ran.sort();
    let mut second: Vec<String> = second.iter().map(|s| (*s).to_owned()).collect();
    second.sort();
    assert_eq!(ran, second, "--shard 2/3 runs what the matrix's shard 2/3 lists");

    // Projects by name and by folder.
    let run = repo.expect(&["test-all", "a1", "-p", "projects/c3", "--message-format", "json"], 0);
    let ran: Vec<String> = json_lines(&run)
        .iter()
        .filter(|e| e["event"] == "suite-finished")
        .map(|e| e["project"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ran.len(), 2, "{}", run.all());
    assert!(ran.contains(&"a1".to_owned()) && ran.contains(&"c3".to_owned()), "{ran:?}");
}

#[test]
fn test_runs_one_suite_with_the_terminal_attached_and_exits_as_pytest_did() {
    let repo = Repo::new();
    repo.project(
        "solo",
        &[],
        &[],
        "import sys\n\ndef test_reads_the_terminal():\n    assert sys.stdin.readline().strip() == 'typed'\n",
    );
    // From inside the project's folder, with no name; stdin is the caller's, as for --pdb.
    let mut cmd = repo.command(&["test", "--", "-s"]);
    cmd.current_dir(repo.path("projects/solo/tests")).stdin(std::process::Stdio::piped());
    let mut child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"typed\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("1 passed"), "{all}");
    // By folder, with pytest's own exit code: 5 when nothing is collected.
    let none = repo.xtask(&["test", "projects/solo", "--", "-k", "nothing_matches"]);
    assert_eq!(none.code, 5, "{}", none.all());
    let outside = repo.expect(&["test"], 2);
    assert!(outside.stderr.contains("`test` needs a project: the current folder is in none"), "{}", outside.all());
}

#[test]
fn pytest_junitxml_is_refused_for_the_merged_report() {
    let repo = Repo::new();
    repo.project("solo", &[], &[], "def test_solo():\n    assert True\n");
    let run = repo.expect(&["test-all", "--", "--junitxml=out.xml"], 2);
    assert!(
        run.stderr.contains("error: `--junitxml=out.xml` would have every suite overwrite the same file"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("hint: use `cargo xtask test-all --junit FILE`"), "{}", run.all());
}

#[test]
fn a_failing_suite_is_never_cached() {
    let repo = Repo::new();
    repo.project("flaky", &[], &[], "def test_it():\n    assert False\n");
    repo.write("projects/flaky/conftest.py", LOGGING_CONFTEST);
    repo.git_init();
    let log = repo.path("started.log");
    let env = [("XTASK_E2E_LOG", log.to_str().unwrap())];
    for _ in 0..2 {
        let run = repo.xtask_in("", &["test-all"], &env);
        assert_eq!(run.code, 1, "{}", run.all());
    }
    assert_eq!(started(&log).len(), 2, "a failure is run again, never shown as cached");
    repo.edit("projects/flaky/tests/test_flaky.py", "assert False", "assert True");
    for _ in 0..2 {
        let run = repo.xtask_in("", &["test-all"], &env);
        assert_eq!(run.code, 0, "{}", run.all());
    }
    assert_eq!(started(&log).len(), 3, "once it passed, the same inputs are cached");
}

#[test]
fn colour_quiet_and_verbose_show_what_they_say() {
    let repo = Repo::new();
    repo.project("solo", &[], &[], "def test_solo():\n    print('said by the test')\n");
    let plain = repo.expect(&["test-all", "--color", "never", "-v", "--", "-s"], 0);
    assert!(!plain.all().contains('\x1b'), "no escape codes with --color never\n{}", plain.all());
    assert!(
        plain.stdout.contains("──── solo (projects/solo) ────"),
        "-v shows a passing suite's output\n{}",
        plain.all()
    );
    assert!(plain.stdout.contains("said by the test"), "{}", plain.all());
    let normal = repo.expect(&["test-all", "--color", "never"], 0);
    assert!(normal.stdout.contains("PASS") && !normal.stdout.contains("────"), "{}", normal.all());
    let coloured = repo.expect(&["test-all", "--color", "always", "-v"], 0);
    assert!(coloured.stdout.contains("\x1b[1;32m        PASS\x1b[0m"), "{}", coloured.all());
    let block = coloured.stdout.split("──── solo").nth(1).unwrap_or_default();
    assert!(block.contains("\x1b["), "pytest keeps its colour when ours is on\n{}", coloured.all());
    let quiet = repo.expect(&["test-all", "-q"], 0);
    assert!(!quiet.stdout.contains("PASS") && !quiet.stdout.contains("project "), "{}", quiet.all());
    assert!(quiet.stderr.contains("Finished 1 project: 1 passed"), "{}", quiet.all());
}
