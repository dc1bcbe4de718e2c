//! End-to-end: every result of `test-all` says what pytest did, on small real monorepos
//! with real pytest. A pass needs pytest's exit 0, its JUnit report and the end of its
//! session; a crash, an exit from inside a test, a signal, an empty collection and a fully
//! deselected run each get their own result, are never cached as a pass, and keep the tests
//! that finished, with the one that was running named by its file and line.
#![cfg(unix)]

mod support;

use serde_json::Value;
use support::{Repo, Run};

fn json_lines(run: &Run) -> Vec<Value> {
    run.stdout.lines().filter_map(|line| serde_json::from_str(line).ok()).collect()
}

fn finished(run: &Run, project: &str) -> Value {
    json_lines(run)
        .into_iter()
        .find(|e| e["event"] == "suite-finished" && e["project"] == project)
        .unwrap_or_else(|| panic!("no suite-finished for {project}\n{}", run.all()))
}

/// Each test of a finished suite as (id, outcome, line).
fn tests_of(suite: &Value) -> Vec<(String, String, Option<u64>)> {
    suite["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap().to_owned(), t["outcome"].as_str().unwrap().to_owned(), t["line"].as_u64()))
        .collect()
}

fn json_run(repo: &Repo, extra: &[&str], code: i32) -> Run {
    let mut args = vec!["test-all", "--keep-going", "--message-format", "json"];
    args.extend(extra);
    repo.expect(&args, code)
}

#[test]
fn an_exit_from_inside_a_test_is_a_crash_that_keeps_what_finished_and_is_never_cached() {
    let repo = Repo::new();
    // A failure first, then a test that ends the process with 0: pytest's exit code says
    // nothing went wrong, and no JUnit report is written.
    repo.project(
        "quits",
        &[],
        &[],
        "import os\n\n\ndef test_fails():\n    assert 1 == 2\n\n\ndef test_passes():\n    pass\n\n\ndef test_quits():\n    os._exit(0)\n",
    );
    repo.project("three", &[], &[], "import os\n\n\ndef test_quits_with_3():\n    os._exit(3)\n");
    repo.git_init();
    for _ in 0..2 {
        let run = json_run(&repo, &["--junit", "report.xml"], 1);
        let quits = finished(&run, "quits");
        assert_eq!(quits["result"], "crashed", "{}", run.all());
        assert_eq!(
            quits["note"],
            "the process exited with code 0 before pytest's session ended while running tests/test_quits.py::test_quits"
        );
        assert_eq!(
            tests_of(&quits),
            [
                ("tests/test_quits.py::test_fails".to_owned(), "failed".to_owned(), Some(4)),
                ("tests/test_quits.py::test_passes".to_owned(), "passed".to_owned(), Some(8)),
                ("tests/test_quits.py::test_quits".to_owned(), "error".to_owned(), Some(12)),
            ],
            "{quits}"
        );
        assert_eq!((quits["counts"]["passed"].as_u64(), quits["counts"]["failed"].as_u64()), (Some(1), Some(1)));
        // Not pytest's internal error (its own 3): the process, inside a test.
        let three = finished(&run, "three");
        assert_eq!(three["result"], "crashed", "{}", run.all());
        assert!(three["note"].as_str().unwrap().starts_with("the process exited with code 3"), "{three}");
        // The merged JUnit keeps each finished test and the running one as an error.
        let xml = repo.read("report.xml");
        let report = support::xml::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let suite = report.suite("quits");
        assert_eq!((suite.count("tests"), suite.count("failures"), suite.count("errors")), (3, 1, 1), "{xml}");
        // The second run is no different: nothing was cached.
    }
}

#[test]
fn a_segfault_is_named_by_its_signal_and_its_test() {
    let repo = Repo::new();
    repo.project(
        "segv",
        &[],
        &[],
        "import ctypes\n\n\ndef test_ok():\n    pass\n\n\ndef test_segv():\n    ctypes.string_at(0)\n",
    );
    let run = json_run(&repo, &[], 1);
    let segv = finished(&run, "segv");
    assert_eq!(segv["result"], "crashed", "{}", run.all());
    assert_eq!(segv["note"], "killed by SIGSEGV while running tests/test_segv.py::test_segv", "{segv}");
    assert_eq!(tests_of(&segv).last().unwrap().2, Some(8), "the running test's line: {segv}");
    assert!(!run.all().contains("exit code none"), "{}", run.all());
}

#[test]
fn no_tests_is_its_own_result_never_a_pass_and_a_run_without_any_test_fails_with_5() {
    let repo = Repo::new();
    repo.project("one", &[], &[], "def test_one():\n    pass\n");
    repo.project("two", &[], &[], "def test_two():\n    pass\n");
    repo.git_init();
    // Every test deselected by the caller's own -k: no tests selected, and no test ran at
    // all, which fails the run with pytest's code for it; twice, as nothing is cached.
    for _ in 0..2 {
        let run = json_run(&repo, &["--", "-k", "nomatch"], 5);
        for name in ["one", "two"] {
            let suite = finished(&run, name);
            assert_eq!(suite["result"], "no-tests-selected", "{}", run.all());
            assert_eq!(suite["counts"]["deselected"], 1, "{suite}");
        }
        assert!(run.stderr.contains("no test ran in any suite"), "{}", run.all());
    }
    let warned = repo.expect(&["test-all", "--no-tests=warn", "--", "-k", "nomatch"], 0);
    assert!(warned.stderr.contains("Warning no test ran in any suite"), "{}", warned.all());
    repo.expect(&["test-all", "--no-tests=pass", "--", "-k", "nomatch"], 0);
    // Selected in one suite only: the run ran tests, the other suite is fine.
    let run = json_run(&repo, &["--", "-k", "test_one"], 0);
    assert_eq!(finished(&run, "one")["result"], "passed");
    assert_eq!(finished(&run, "two")["result"], "no-tests-selected");
}

#[test]
fn test_files_that_collect_nothing_fail_and_a_member_without_tests_warns_unless_declared() {
    let repo = Repo::new();
    repo.project("good", &[], &[], "def test_good():\n    pass\n");
    // A python_files typo: the test file is there, pytest collects nothing from it.
    repo.project("typo", &[], &[], "def test_typo():\n    pass\n");
    repo.append("projects/typo/pyproject.toml", "\n[tool.pytest.ini_options]\npython_files = [\"tests_*.py\"]\n");
    repo.write("projects/typo/tests/tests_helpers.py", "HELP = 1\n");
    std::fs::remove_file(repo.path("projects/typo/tests/test_typo.py")).unwrap();
    repo.write("projects/typo/tests/test_typo.py", "def test_typo():\n    pass\n");
    repo.edit("projects/typo/pyproject.toml", "tests_*.py", "tset_*.py");
    // No test files at all: a warning; declared, nothing.
    repo.project("bare", &[], &[], "");
    std::fs::remove_file(repo.path("projects/bare/tests/test_bare.py")).unwrap();
    repo.project("declared", &[], &[], "");
    std::fs::remove_file(repo.path("projects/declared/tests/test_declared.py")).unwrap();
    repo.append("projects/declared/pyproject.toml", "\n[tool.monorepo]\nno-tests = \"pass\"\n");
    repo.git_init();
    let run = json_run(&repo, &[], 1);
    let typo = finished(&run, "typo");
    assert_eq!(typo["result"], "failed", "{}", run.all());
    assert!(typo["note"].as_str().unwrap().starts_with("collected no test from 1 test file"), "{typo}");
    assert_eq!(finished(&run, "bare")["result"], "no-tests");
    assert_eq!(finished(&run, "declared")["result"], "no-tests");
    assert!(run.stderr.contains("Warning bare has no test files"), "{}", run.all());
    assert!(!run.stderr.contains("declared has no test files"), "{}", run.all());
    // The summary counts them apart from passes.
    let summary = run.stderr.lines().find(|l| l.contains("Finished 4 projects")).unwrap_or_default();
    assert!(
        summary.contains("1 passed") && summary.contains("2 with no tests") && summary.contains("1 failed"),
        "{summary}"
    );
    // Without the typo, the run passes; the no-test suites stay uncached, the passing one is cached.
    std::fs::remove_dir_all(repo.path("projects/typo")).unwrap();
    repo.expect(&["test-all"], 0);
    let again = json_run(&repo, &[], 0);
    assert_eq!(finished(&again, "good")["result"], "cached", "{}", again.all());
    assert_eq!(finished(&again, "bare")["result"], "no-tests", "{}", again.all());
}

#[test]
fn a_timed_out_suite_keeps_the_tests_that_passed_and_points_at_the_one_running() {
    let repo = Repo::new();
    repo.project(
        "slow",
        &[],
        &[],
        "import time\n\n\ndef test_a():\n    pass\n\n\ndef test_b():\n    pass\n\n\ndef test_hangs():\n    time.sleep(300)\n",
    );
    let run = json_run(&repo, &["--timeout", "20", "--junit", "report.xml"], 1);
    let slow = finished(&run, "slow");
    assert_eq!(slow["result"], "timed-out", "{}", run.all());
    assert_eq!(slow["note"], "timed out after 20s while running tests/test_slow.py::test_hangs");
    assert_eq!(slow["counts"]["passed"], 2, "{slow}");
    let xml = repo.read("report.xml");
    let report = support::xml::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suite = report.suite("slow");
    assert_eq!(
        (suite.count("tests"), suite.count("errors")),
        (3, 1),
        "the two passes kept, the running test the error\n{xml}"
    );
    assert!(xml.contains("line=\"12\""), "the hanging test's line\n{xml}");
}
