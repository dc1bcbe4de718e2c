//! End-to-end: a matrix of changes against the result cache, `affected` and the locks, on
//! small real monorepos with real uv, venvs, pytest and git. Each row makes one change,
//! runs `test-all` and asserts exactly which suites ran again (every other one `cached`),
//! and, for the lock rows, which locks `lock --check` and `check` find stale.
//!
//! One repository per test function (its venvs cost seconds): a first `test-all` passes
//! everything, the locks are committed, then each row changes something and puts it back
//! (or commits it). A row that fails does not stop the others: every failing row of a
//! function is listed when it ends.
#![cfg(unix)]

mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use support::{Repo, Run};

fn json_lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{}", run.all())))
        .collect()
}

/// A `test-all` run's suites: (project, result), in the order they finished.
fn finished(events: &[Value]) -> Vec<(String, String)> {
    events
        .iter()
        .filter(|e| e["event"] == "suite-finished")
        .map(|e| (e["project"].as_str().unwrap().to_owned(), e["result"].as_str().unwrap().to_owned()))
        .collect()
}

/// `test-all --message-format json [ARGS]` with extra environment variables: the sorted
/// names of the suites that did not come back `cached`. Every suite must pass or be
/// cached (a failing suite means the fixture is broken, not the row).
fn test_all_with(repo: &Repo, args: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let mut all = vec!["test-all", "--message-format", "json"];
    all.extend(args);
    let run = repo.xtask_in("", &all, env);
    assert_eq!(run.code, 0, "`xtask {}` with {env:?} failed\n{}", all.join(" "), run.all());
    let suites = finished(&json_lines(&run));
    assert!(!suites.is_empty(), "no suite finished\n{}", run.all());
    for (project, result) in &suites {
        assert!(result == "passed" || result == "cached", "{project} was {result}\n{}", run.all());
    }
    let mut rerun: Vec<String> = suites.into_iter().filter(|(_, r)| r != "cached").map(|(p, _)| p).collect();
    rerun.sort();
    rerun
}

fn test_all(repo: &Repo) -> Vec<String> {
    test_all_with(repo, &[], &[])
}

/// `affected --since REF`: the projects it lists, sorted.
fn affected(repo: &Repo, base: &str) -> Vec<String> {
    let run = repo.expect(&["affected", "--since", base], 0);
    let mut names: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    names.sort();
    names
}

/// Puts the working tree back to HEAD: tracked files restored, untracked ones removed
/// (ignored ones, the venvs and caches, are kept).
fn restore(repo: &Repo) {
    repo.git(&["checkout", "--quiet", "--", "."]);
    repo.git(&["clean", "-fdq"]);
}

/// The rows of one test function: each is checked, every failure is kept, and
/// [`Matrix::finish`] fails the test with all of them.
struct Matrix {
    name: &'static str,
    rows: usize,
    failures: Vec<String>,
}

impl Matrix {
    fn new(name: &'static str) -> Matrix {
        Matrix { name, rows: 0, failures: Vec::new() }
    }

    /// A row whose outcome is a set of projects (rerun, or listed by `affected`).
    fn row(&mut self, what: &str, got: Vec<String>, expected: &[&str]) {
        self.rows += 1;
        let mut want: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        if got == want {
            eprintln!("[{}] ok   {what}: {got:?}", self.name);
        } else {
            eprintln!("[{}] FAIL {what}: got {got:?}, expected {want:?}", self.name);
            self.failures.push(format!("{what}: got {got:?}, expected {want:?}"));
        }
    }

    /// A row whose outcome is a yes or no (an exit code, a file's content).
    fn check(&mut self, what: &str, ok: bool, detail: impl FnOnce() -> String) {
        self.rows += 1;
        if ok {
            eprintln!("[{}] ok   {what}", self.name);
        } else {
            let detail = detail();
            eprintln!("[{}] FAIL {what}\n{detail}", self.name);
            self.failures.push(format!("{what}\n{detail}"));
        }
    }

    /// A command's exit code, as a row.
    fn exits(&mut self, what: &str, repo: &Repo, args: &[&str], code: i32) -> Run {
        let run = repo.xtask(args);
        self.check(&format!("{what}: `xtask {}` exits {code}", args.join(" ")), run.code == code, || {
            format!("it exited {}\n{}", run.code, run.all())
        });
        run
    }

    fn finish(self) {
        eprintln!("[{}] {} rows, {} failed", self.name, self.rows, self.failures.len());
        assert!(
            self.failures.is_empty(),
            "{} of {} rows of {} failed:\n- {}",
            self.failures.len(),
            self.rows,
            self.name,
            self.failures.join("\n- ")
        );
    }
}

/// Makes `repo` a git repository (ignoring `ignored` too), passes every suite once, commits
/// the locks that run wrote, and checks that a second run finds everything cached.
fn start(repo: &Repo, ignored: &str) {
    repo.git_init();
    if !ignored.is_empty() {
        repo.append(".gitignore", ignored);
        repo.git(&["rm", "-r", "-q", "--cached", "."]);
        repo.commit("ignore more");
    }
    let first = test_all(repo);
    assert!(!first.is_empty());
    repo.commit("locks");
    assert_eq!(test_all(repo), Vec::<String>::new(), "nothing changed since every suite passed");
}

const ALL: [&str; 4] = ["app", "core", "lib", "solo"];

#[test]
fn sources_and_dependencies() {
    let repo = Repo::sample();
    start(&repo, "");
    let mut m = Matrix::new("sources");

    repo.append("projects/core/src/e2e_core/__init__.py", "\n# touched\n");
    m.row("a project's source reruns it and its dependants", test_all(&repo), &["app", "core", "lib"]);
    m.row("... and `affected` lists them", affected(&repo, "HEAD"), &["app", "core", "lib"]);
    restore(&repo);

    repo.append("projects/solo/tests/test_solo.py", "\n\ndef test_more():\n    assert True\n");
    m.row("a project's test file reruns it", test_all(&repo), &["solo"]);
    restore(&repo);

    repo.write("projects/solo/tests/data/cases.json", "[1, 2]\n");
    m.row("a data file in a project's tests reruns it", test_all(&repo), &["solo"]);
    restore(&repo);

    repo.write("projects/core/src/e2e_core/table.csv", "a,b\n1,2\n");
    m.row("a data file in a dependency's package reruns its dependants", test_all(&repo), &["app", "core", "lib"]);
    restore(&repo);

    repo.append("projects/lib/src/e2e_lib/__init__.py", "\nVALUE = 1\n");
    m.row("a dependency's source reruns it and its dependants", test_all(&repo), &["app", "lib"]);
    restore(&repo);

    repo.append("projects/core/tests/test_core.py", "\n\ndef test_core_more():\n    assert double(0) == 0\n");
    m.row("a dependency's tests only rerun the dependency", test_all(&repo), &["core"]);
    m.row("... and `affected` lists the dependency only", affected(&repo, "HEAD"), &["core"]);
    restore(&repo);

    repo.write("projects/core/tests/conftest.py", "import pytest\n");
    m.row("a dependency's conftest.py reruns the dependency only", test_all(&repo), &["core"]);
    restore(&repo);

    repo.append("projects/app/src/e2e_app/__init__.py", "\n# touched\n");
    m.row("a dependant's source reruns it only", test_all(&repo), &["app"]);
    restore(&repo);

    repo.edit("projects/core/pyproject.toml", "version = \"0.1.0\"", "version = \"0.1.0\"\ndescription = \"core\"");
    m.row(
        "a dependency's pyproject.toml (a build file) reruns its dependants",
        test_all(&repo),
        &["app", "core", "lib"],
    );
    restore(&repo);

    repo.write("README.md", "# the monorepo\n");
    m.row("a README.md at the root reruns nothing", test_all(&repo), &[]);
    m.row("... and `affected` lists nothing", affected(&repo, "HEAD"), &[]);
    restore(&repo);

    repo.write("projects/core/README.md", "# core\n");
    m.row("a project's README.md reruns that project only", test_all(&repo), &["core"]);
    m.row("... and `affected` lists that project only", affected(&repo, "HEAD"), &["core"]);
    restore(&repo);

    repo.write("projects/core/docs/guide.md", "# guide\n");
    m.row("a project's docs rerun that project only", test_all(&repo), &["core"]);
    restore(&repo);

    repo.write(".github/workflows/ci.yml", "on: push\njobs: {}\n");
    repo.write("xtask/src/main.rs", "fn main() {}\n");
    repo.write("docs/index.md", "# docs\n");
    m.row("CI, xtask and docs files rerun nothing", test_all(&repo), &[]);
    m.row("... and `affected` lists nothing", affected(&repo, "HEAD"), &[]);
    restore(&repo);

    m.row("everything put back: all cached", test_all(&repo), &[]);
    m.finish();
}

#[test]
fn git_states() {
    let repo = Repo::sample();
    repo.write("projects/solo/tests/test_extra.py", "def test_extra():\n    assert True\n");
    repo.write("projects/solo/tests/helpers.txt", "help\n");
    start(&repo, "*.log\n");
    let mut m = Matrix::new("git");

    repo.write("projects/solo/tests/test_new.py", "def test_new():\n    assert True\n");
    m.row("an untracked new file reruns its project", test_all(&repo), &["solo"]);
    restore(&repo);

    std::fs::remove_file(repo.path("projects/solo/tests/test_extra.py")).unwrap();
    m.row("a deleted tracked file reruns its project", test_all(&repo), &["solo"]);
    restore(&repo);

    repo.git(&["rm", "--quiet", "projects/solo/tests/test_extra.py"]);
    m.row("the same deletion staged (git rm): cached, as it passed", test_all(&repo), &[]);
    repo.git(&["reset", "--quiet"]);
    restore(&repo);

    repo.git(&["rm", "--quiet", "--cached", "projects/solo/tests/helpers.txt"]);
    repo.append(".gitignore", "helpers.txt\n");
    m.row("a tracked file made ignored (no longer git's) reruns its project", test_all(&repo), &["solo"]);
    repo.git(&["reset", "--quiet"]);
    restore(&repo);

    repo.write("projects/solo/debug.log", "ignored\n");
    repo.write("projects/core/src/e2e_core/trace.log", "ignored\n");
    m.row("ignored files in projects rerun nothing", test_all(&repo), &[]);
    repo.write("projects/solo/debug.log", "ignored, changed\n");
    m.row("an ignored file changed reruns nothing", test_all(&repo), &[]);
    restore(&repo);

    let original = repo.read("projects/core/src/e2e_core/__init__.py");
    repo.append("projects/core/src/e2e_core/__init__.py", "\n# edited\n");
    repo.write("projects/core/src/e2e_core/__init__.py", &original);
    m.row("an edit reverted to identical content before a run reruns nothing", test_all(&repo), &[]);

    repo.append("projects/core/src/e2e_core/__init__.py", "\n# edited\n");
    m.row("an edit reruns its project and dependants", test_all(&repo), &["app", "core", "lib"]);
    repo.write("projects/core/src/e2e_core/__init__.py", &original);
    m.row("the edit reverted after it passed: cached again", test_all(&repo), &[]);

    repo.append("projects/solo/tests/test_solo.py", "\n\ndef test_committed():\n    assert True\n");
    m.row("a working-tree change reruns its project", test_all(&repo), &["solo"]);
    repo.git(&["add", "--all"]);
    m.row("the same change staged: cached", test_all(&repo), &[]);
    repo.commit("the change that passed");
    m.row("the same change committed: cached", test_all(&repo), &[]);

    repo.git(&["mv", "projects/solo/tests/test_extra.py", "projects/solo/tests/test_renamed.py"]);
    m.row("a file renamed in its project reruns it", test_all(&repo), &["solo"]);
    repo.commit("rename");

    repo.git(&["mv", "projects/core/tests/test_core.py", "projects/core/tests/test_core_moved.py"]);
    repo.git(&["mv", "projects/solo/tests/test_renamed.py", "projects/core/tests/test_from_solo.py"]);
    m.row("a test moved from one project to another reruns both", test_all(&repo), &["core", "solo"]);
    repo.git(&["reset", "--quiet", "--hard"]);

    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    repo.append("projects/lib/src/e2e_lib/__init__.py", "\nVALUE = 1\n");
    repo.commit("lib on a branch");
    m.row("a branch with a change to lib reruns lib and app", test_all(&repo), &["app", "lib"]);
    repo.git(&["checkout", "--quiet", "main"]);
    m.row("back on main: all cached", test_all(&repo), &[]);
    repo.git(&["checkout", "--quiet", "feature"]);
    m.row("on the branch again: all cached", test_all(&repo), &[]);
    repo.git(&["checkout", "--quiet", "main"]);

    m.row("everything put back: all cached", test_all(&repo), &[]);
    m.finish();
}

#[test]
fn pytest_config_files() {
    let repo = Repo::sample();
    start(&repo, "");
    let mut m = Matrix::new("pytest-config");

    // Each member's own pyproject.toml is its rootdir: a conftest.py above is not loaded,
    // which one that fails when loaded proves.
    repo.write("conftest.py", "raise RuntimeError('the root conftest.py was loaded')\n");
    m.row("a root conftest.py pytest does not read reruns nothing", test_all(&repo), &[]);
    m.row("... and pytest really does not read it", test_all_with(&repo, &["solo", "--no-cache"], &[]), &["solo"]);
    m.row("... and `affected` lists nothing", affected(&repo, "HEAD"), &[]);
    restore(&repo);

    repo.write("projects/tox.ini", "[tox]\nenvlist = py311\n");
    m.row("a tox.ini pytest looks at on its way up reruns every member", test_all(&repo), &ALL);
    restore(&repo);
    m.row("... removed again: all cached", test_all(&repo), &[]);

    repo.write("pytest.ini", "[pytest]\n");
    repo.write("conftest.py", "import os\n");
    m.row("a root pytest.ini (and the conftest.py it brings in) reruns every member", test_all(&repo), &ALL);
    m.row("... and `affected` lists every member", affected(&repo, "HEAD"), &ALL);
    repo.append("conftest.py", "\n# edited\n");
    m.row("the root conftest.py edited under a root pytest.ini reruns every member", test_all(&repo), &ALL);
    repo.write("projects/conftest.py", "import os\n");
    m.row("a conftest.py between the rootdir and the members reruns every member", test_all(&repo), &ALL);
    restore(&repo);
    m.row("the root config removed again: all cached", test_all(&repo), &[]);

    for p in ALL {
        repo.append(&format!("projects/{p}/pyproject.toml"), "\n[tool.pytest.ini_options]\naddopts = \"-ra\"\n");
    }
    m.row("every member given its own pytest config reruns every member", test_all(&repo), &ALL);
    repo.commit("own pytest configs");

    repo.write("pytest.ini", "[pytest]\naddopts = -x\n");
    m.row("a root pytest.ini when every member has its own config reruns nothing", test_all(&repo), &[]);
    m.row("... and `affected` lists nothing", affected(&repo, "HEAD"), &[]);
    repo.write("conftest.py", "raise RuntimeError('the root conftest.py was loaded')\n");
    repo.write("setup.cfg", "[tool:pytest]\naddopts = -x\n");
    repo.write("tox.ini", "[pytest]\naddopts = -x\n");
    m.row("root conftest.py, setup.cfg and tox.ini above members' own configs rerun nothing", test_all(&repo), &[]);
    restore(&repo);

    repo.edit("projects/solo/pyproject.toml", "addopts = \"-ra\"", "addopts = \"-rA\"");
    m.row("a member's own pytest config edited reruns it", test_all(&repo), &["solo"]);
    restore(&repo);

    m.row("everything put back: all cached", test_all(&repo), &[]);
    m.finish();
}

#[test]
fn settings_in_the_config_and_the_pyproject() {
    let repo = Repo::sample();
    repo.project(
        "solo",
        &[],
        &[],
        "import os\n\ndef test_solo():\n    assert os.environ['MATRIX_MODE'] in ('a', 'b')\n",
    );
    repo.append("_meta/monorepo.toml", "\n[member.\"projects/solo\"]\nenvironment = { MATRIX_MODE = \"a\" }\n");
    start(&repo, "");
    let mut m = Matrix::new("settings");
    const CONFIG: &str = "_meta/monorepo.toml";
    const SOLO: &str = "[member.\"projects/solo\"]\n";

    repo.edit(CONFIG, "MATRIX_MODE = \"a\"", "MATRIX_MODE = \"b\"");
    m.row("[member.DIR] environment in the config reruns that member", test_all(&repo), &["solo"]);
    m.row("... and `affected` lists every member (the config touches all)", affected(&repo, "HEAD"), &ALL);
    restore(&repo);

    repo.append(CONFIG, "\n# a comment\n");
    m.row("a comment in the config reruns nothing", test_all(&repo), &[]);
    restore(&repo);

    repo.edit(CONFIG, SOLO, &format!("{SOLO}pytest-args = [\"-ra\"]\n"));
    m.row("[member.DIR] pytest-args reruns that member", test_all(&repo), &["solo"]);
    restore(&repo);

    repo.edit(CONFIG, SOLO, &format!("{SOLO}testpaths = [\"tests\"]\n"));
    m.row("[member.DIR] testpaths reruns that member", test_all(&repo), &["solo"]);
    restore(&repo);

    repo.edit(CONFIG, SOLO, &format!("{SOLO}timeout = 300\n"));
    m.row("[member.DIR] timeout reruns that member", test_all(&repo), &["solo"]);
    restore(&repo);

    repo.edit(CONFIG, SOLO, &format!("{SOLO}runner = \"pytest\"\n"));
    m.row("[member.DIR] runner = \"pytest\" reruns that member", test_all(&repo), &["solo"]);
    restore(&repo);

    repo.append(CONFIG, "\n[member.\"projects/core\"]\nenvironment = { MATRIX_CORE = \"1\" }\n");
    m.row("a dependency's [member.DIR] environment reruns it only (not a package file)", test_all(&repo), &["core"]);
    restore(&repo);

    repo.append("projects/app/pyproject.toml", "environment = { MATRIX_APP = \"1\" }\n");
    m.row("[tool.monorepo] environment in a leaf's pyproject reruns it", test_all(&repo), &["app"]);
    restore(&repo);

    repo.append("projects/core/pyproject.toml", "\n[tool.monorepo]\nenvironment = { MATRIX_CORE = \"1\" }\n");
    m.row(
        "[tool.monorepo] environment in a dependency's pyproject reruns it and its dependants",
        test_all(&repo),
        &["app", "core", "lib"],
    );
    restore(&repo);

    repo.append("projects/app/pyproject.toml", "pytest-args = [\"-ra\"]\ntimeout = 300\n");
    m.row("[tool.monorepo] pytest-args and timeout in a pyproject rerun it", test_all(&repo), &["app"]);
    restore(&repo);

    m.row("everything put back: all cached", test_all(&repo), &[]);
    m.finish();
}

#[test]
fn environment_variables_and_isolation() {
    let repo = Repo::sample();
    repo.project(
        "solo",
        &[],
        &[],
        "import importlib.util, os\n\ndef test_solo():\n    assert importlib.util.find_spec('evil') is None\n    assert os.environ.get('MATRIX_DOTENV') in ('one', 'two')\n",
    );
    repo.append(
        "projects/solo/pyproject.toml",
        "\n[tool.monorepo]\nenv-inputs = [\"MATRIX_SOLO\", \"MATRIX_PFX_*\"]\n",
    );
    repo.edit("_meta/monorepo.toml", "[monorepo]\n", "[monorepo]\nenv-inputs = [\"MATRIX_ALL\"]\n");
    repo.write("projects/solo/.env", "MATRIX_DOTENV=one\n");
    repo.write("outside/evil.py", "raise RuntimeError('imported from the caller PYTHONPATH')\n");
    repo.write("outside/userbase/lib/python3.11/site-packages/evil.py", "X = 1\n");
    start(&repo, ".env\n");
    let mut m = Matrix::new("env");

    m.row("a declared variable set reruns its member", test_all_with(&repo, &[], &[("MATRIX_SOLO", "1")]), &["solo"]);
    m.row("... set to the same value again: cached", test_all_with(&repo, &[], &[("MATRIX_SOLO", "1")]), &[]);
    m.row("... set to another value: reruns", test_all_with(&repo, &[], &[("MATRIX_SOLO", "2")]), &["solo"]);
    m.row("... unset again: cached", test_all(&repo), &[]);
    m.row(
        "a variable matching a declared prefix reruns its member",
        test_all_with(&repo, &[], &[("MATRIX_PFX_X", "1")]),
        &["solo"],
    );
    m.row(
        "an undeclared variable reruns nothing",
        test_all_with(&repo, &[], &[("MATRIX_OTHER", "1"), ("MATRIX", "1"), ("MATRIX_SOLOX", "1")]),
        &[],
    );
    m.row(
        "a variable in the config's env-inputs reruns every member",
        test_all_with(&repo, &[], &[("MATRIX_ALL", "1")]),
        &ALL,
    );
    m.row("PYTEST_ADDOPTS reruns every member", test_all_with(&repo, &[], &[("PYTEST_ADDOPTS", "-ra")]), &ALL);
    m.row(
        "PYTEST_PLUGINS reruns every member",
        test_all_with(&repo, &[], &[("PYTEST_PLUGINS", "_pytest.pytester")]),
        &ALL,
    );

    let outside = repo.path("outside");
    let userbase = repo.path("outside/userbase");
    let isolated = [
        ("PYTHONPATH", outside.to_str().unwrap()),
        ("PYTHONHOME", "/nonexistent/python-home"),
        ("PYTHONSTARTUP", "/nonexistent/startup.py"),
        ("PYTHONUSERBASE", userbase.to_str().unwrap()),
    ];
    m.row(
        "the caller's PYTHONPATH, PYTHONHOME, PYTHONSTARTUP, PYTHONUSERBASE rerun nothing",
        test_all_with(&repo, &[], &isolated),
        &[],
    );
    m.row(
        "... and the suite really does not see them (--no-cache, still passes)",
        test_all_with(&repo, &["solo", "--no-cache"], &isolated),
        &["solo"],
    );

    repo.write("projects/solo/.env", "MATRIX_DOTENV=two\n");
    m.row("a member's .env (git-ignored) changed reruns it", test_all(&repo), &["solo"]);
    repo.write("projects/solo/.env", "MATRIX_DOTENV=one\n");
    m.row("... put back: cached", test_all(&repo), &[]);

    m.row(
        "the caller's pytest args (-- -k test) rerun every member",
        test_all_with(&repo, &["--", "-k", "test"], &[]),
        &ALL,
    );
    m.row("... the same args again: cached", test_all_with(&repo, &["--", "-k", "test"], &[]), &[]);
    m.row("... other args: rerun", test_all_with(&repo, &["--", "-k", "test_"], &[]), &ALL);
    m.row("... no args again: cached", test_all(&repo), &[]);
    m.finish();
}

#[test]
fn path_sources_inputs_and_imports_by_path() {
    let repo = Repo::new();
    repo.edit(
        "_meta/monorepo.toml",
        "members = [\"projects/*\"]",
        "members = [\"projects/*\", \"projects/big/plugins/*\"]",
    );
    // alpha: an `inputs` glob and a `pythonpath` folder outside it.
    repo.project(
        "alpha",
        &[],
        &[],
        "import os, util\n\ndef test_alpha():\n    here = os.path.dirname(__file__)\n    with open(os.path.join(here, '..', '..', '..', 'fixtures', 'cases.json')) as f:\n        assert f.read().strip()\n    assert util.ANSWER == 42\n",
    );
    repo.append(
        "projects/alpha/pyproject.toml",
        "\n[tool.monorepo]\ninputs = [\"fixtures/*.json\"]\npythonpath = [\"../../shared\"]\n",
    );
    repo.write("projects/alpha/tests/alpha_helpers.py", "VALUE = 1\n");
    repo.write("fixtures/cases.json", "[1]\n");
    repo.write("shared/util.py", "ANSWER = 42\n");
    // beta and gamma install libs/foo by path; gamma also imports shared_code by sys.path.
    repo.write(
        "libs/foo/pyproject.toml",
        "[project]\nname = \"foo\"\nversion = \"1.0.0\"\nrequires-python = \">=3.11\"\n\n[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
    );
    repo.write("libs/foo/src/foo/__init__.py", "VALUE = 1\n");
    let source = "\n[tool.uv.sources]\nfoo = { path = \"../../libs/foo\", editable = true }\n";
    repo.project("beta", &["foo"], &[], "import foo\n\ndef test_beta():\n    assert foo.VALUE\n");
    repo.append("projects/beta/pyproject.toml", source);
    repo.project(
        "gamma",
        &["foo"],
        &[],
        "import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared_code'))\nimport helper\nimport foo\n\ndef test_gamma():\n    assert helper.VALUE == 1 and foo.VALUE\n",
    );
    repo.append("projects/gamma/pyproject.toml", source);
    repo.write("shared_code/helper.py", "VALUE = 1\n");
    // delta: a link to a file outside it, and a helper imported from alpha's tests by path.
    repo.project(
        "delta",
        &[],
        &[],
        "import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'alpha', 'tests'))\nimport alpha_helpers\n\ndef test_delta():\n    with open(os.path.join(os.path.dirname(__file__), '..', 'data', 'link.txt')) as f:\n        assert f.read().strip()\n    assert alpha_helpers.VALUE == 1\n",
    );
    repo.write("outside/target.txt", "first\n");
    std::fs::create_dir_all(repo.path("projects/delta/data")).unwrap();
    std::os::unix::fs::symlink("../../../outside/target.txt", repo.path("projects/delta/data/link.txt")).unwrap();
    // big, with a member nested in its folder.
    repo.project("big", &[], &[], "def test_big():\n    assert True\n");
    repo.write(
        "projects/big/plugins/child/pyproject.toml",
        "[project]\nname = \"e2e-child\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = []\n\n[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
    );
    repo.write("projects/big/plugins/child/src/e2e_child/__init__.py", "VALUE = 1\n");
    repo.write("projects/big/plugins/child/tests/test_child.py", "def test_child():\n    assert True\n");
    start(&repo, "");
    let mut m = Matrix::new("paths");

    repo.write("fixtures/cases.json", "[1, 2]\n");
    m.row("a file matching an `inputs` glob reruns its member", test_all(&repo), &["alpha"]);
    m.row("... and `affected` lists it", affected(&repo, "HEAD"), &["alpha"]);
    restore(&repo);

    repo.write("fixtures/new.json", "{}\n");
    m.row("a new untracked file matching an `inputs` glob reruns its member", test_all(&repo), &["alpha"]);
    restore(&repo);

    repo.write("fixtures/deep/other.json", "{}\n");
    repo.write("fixtures/cases.yaml", "x: 1\n");
    m.row("files the glob does not match rerun nothing", test_all(&repo), &[]);
    restore(&repo);

    repo.append("shared/util.py", "\n# touched\n");
    m.row("a file in a `pythonpath` folder reruns its member", test_all(&repo), &["alpha"]);
    m.row("... and `affected` lists it", affected(&repo, "HEAD"), &["alpha"]);
    restore(&repo);

    repo.edit("libs/foo/src/foo/__init__.py", "VALUE = 1", "VALUE = 2");
    m.row("a path source's code reruns the members that install it", test_all(&repo), &["beta", "gamma"]);
    m.row("... and `affected` lists them", affected(&repo, "HEAD"), &["beta", "gamma"]);
    restore(&repo);

    repo.append("shared_code/helper.py", "\n# touched\n");
    m.row("a module imported by sys.path (declared nowhere) reruns its importer", test_all(&repo), &["gamma"]);
    m.row("... and once it passed, cached", test_all(&repo), &[]);
    restore(&repo);
    m.row("... put back: reruns its importer again", test_all(&repo), &["gamma"]);

    repo.append("projects/alpha/tests/alpha_helpers.py", "\n# touched\n");
    m.row("a test helper of one member imported by path by another reruns both", test_all(&repo), &["alpha", "delta"]);
    restore(&repo);
    m.row(
        "... put back: the importer reruns (its record saw the edit), its owner is cached",
        test_all(&repo),
        &["delta"],
    );

    repo.write("outside/target.txt", "second\n");
    m.row("a link's target outside the member changed reruns the member", test_all(&repo), &["delta"]);
    restore(&repo);
    m.row("... put back: cached", test_all(&repo), &[]);

    repo.append("projects/big/plugins/child/tests/test_child.py", "\n\ndef test_more():\n    assert True\n");
    m.row("a nested member's file reruns the nested member only", test_all(&repo), &["child"]);
    m.row("... and `affected` lists it only", affected(&repo, "HEAD"), &["child"]);
    restore(&repo);

    repo.append("projects/big/tests/test_big.py", "\n\ndef test_more():\n    assert True\n");
    m.row("the parent member's own file reruns the parent only", test_all(&repo), &["big"]);
    restore(&repo);

    repo.write("other/notes.py", "X = 1\n");
    m.row("a Python file nobody reads reruns nothing", test_all(&repo), &[]);
    restore(&repo);

    m.row("everything put back: all cached", test_all(&repo), &[]);
    m.finish();
}

/// The locks `lock --check` finds stale: `_meta/requirements/<name>.txt` named in its output.
fn stale_locks(run: &Run) -> Vec<String> {
    let names: BTreeSet<String> = run
        .all()
        .lines()
        .filter(|l| l.contains("is stale"))
        .filter_map(|l| l.split("_meta/requirements/").nth(1))
        .filter_map(|rest| rest.split(".txt").next())
        .map(str::to_owned)
        .collect();
    names.into_iter().collect()
}

#[test]
fn requirements_and_locks() {
    let repo = Repo::sample();
    repo.append("_meta/monorepo.toml", "\n[member.\"legacy/unit\"]\n");
    repo.write("legacy/unit/requirements.txt", "tiny-a>=1.16\n-r ../shared/req.txt\n");
    repo.write("legacy/shared/req.txt", "tiny-b>=3\n");
    repo.write(
        "legacy/unit/tests/test_unit.py",
        "import tiny_a, tiny_b\n\ndef test_unit():\n    assert tiny_a.VERSION and tiny_b.VERSION\n",
    );
    start(&repo, "");
    let all = ["app", "core", "lib", "solo", "unit"];
    let mut m = Matrix::new("locks");

    repo.append("_meta/requirements/base.in", "# a comment\n\n");
    m.exits("a comment in base.in", &repo, &["lock", "--check"], 0);
    m.exits("a comment in base.in", &repo, &["check"], 0);
    m.row("a comment in base.in reruns nothing", test_all(&repo), &[]);
    restore(&repo);

    repo.append("legacy/shared/req.txt", "# a comment\n");
    m.exits("a comment in a file a unit's requirements include", &repo, &["lock", "--check"], 0);
    m.row("a comment in a file a unit's requirements include reruns nothing", test_all(&repo), &[]);
    restore(&repo);

    repo.append("legacy/unit/requirements.txt", "# a comment\n");
    m.exits("a comment in a unit's requirements.txt", &repo, &["lock", "--check"], 0);
    m.row("a comment in a unit's requirements.txt (its own file) reruns it", test_all(&repo), &["unit"]);
    restore(&repo);

    repo.append("legacy/shared/req.txt", "tiny-d>=1\n");
    let run = m.exits("a requirement added to a file a unit's requirements include", &repo, &["lock", "--check"], 1);
    m.row("... `lock --check` names that unit's lock only", stale_locks(&run), &["unit"]);
    m.row("... and `affected` lists the unit", affected(&repo, "HEAD"), &["unit"]);
    m.exits("the include edited", &repo, &["lock"], 0);
    m.check("after `lock`, the unit's lock pins the new package", repo.pin("unit", "tiny-d").is_some(), || {
        repo.read("_meta/requirements/unit.txt")
    });
    // `lock --check` is `check`: the unit's venv is not synced to its new lock until a sync.
    let run = repo.xtask(&["lock", "--check"]);
    m.row("... after `lock`, no lock is stale", stale_locks(&run), &[]);
    m.row("... and the unit reruns, alone", test_all(&repo), &["unit"]);
    m.exits("the include edited, after `lock` and test-all", &repo, &["check"], 0);
    restore(&repo);
    m.row("... put back: cached (its venv synced back)", test_all(&repo), &[]);

    repo.edit("_meta/requirements/base.in", "pytest>=8", "pytest>=8.0");
    let run = m.exits("base.in rewritten to the same resolution", &repo, &["lock", "--check"], 1);
    m.row(
        "... every lock is stale (on base)",
        stale_locks(&run),
        &["app", "base", "core", "extra", "lib", "solo", "unit"],
    );
    m.row("... re-locked by test-all to the same pins: reruns nothing", test_all(&repo), &[]);
    m.exits("base.in rewritten, after test-all", &repo, &["check"], 0);
    restore(&repo);
    m.exits("the old headers back", &repo, &["check"], 0);
    m.row("... and still nothing reruns", test_all(&repo), &[]);

    repo.append("_meta/requirements/base.in", "tiny-c>=1\n");
    m.exits("a requirement added to base.in", &repo, &["lock", "--check"], 1);
    m.exits("a requirement added to base.in", &repo, &["check"], 1);
    m.row("... test-all re-locks and reruns every member", test_all(&repo), &all);
    m.check("... the base lock pins it", repo.pin("base", "tiny-c").is_some(), || {
        repo.read("_meta/requirements/base.txt")
    });
    m.exits("a requirement added to base.in, after test-all", &repo, &["check"], 0);
    restore(&repo);
    m.row("... put back: cached", test_all(&repo), &[]);

    repo.append("_meta/requirements/extra.in", "tiny-e>=1\n");
    let run = m.exits("a requirement added to extra.in", &repo, &["lock", "--check"], 1);
    m.row("... the extra layer's lock and its env's are stale", stale_locks(&run), &["app", "extra"]);
    m.row("... reruns the member on that layer only", test_all(&repo), &["app"]);
    restore(&repo);
    m.finish();
}

#[test]
fn env_locks_and_interpreters() {
    let repo = Repo::sample();
    start(&repo, "");
    let mut m = Matrix::new("interpreter");

    repo.edit("projects/solo/pyproject.toml", "dependencies = []", "dependencies = [\"tiny-c>=1\"]");
    m.row("a dependency added to a project reruns it (its lock changed)", test_all(&repo), &["solo"]);
    m.check("... its lock pins it", repo.pin("solo", "tiny-c").is_some(), || repo.read("_meta/requirements/solo.txt"));
    restore(&repo);
    m.row("... put back: cached", test_all(&repo), &[]);

    repo.edit("projects/lib/pyproject.toml", "\"tiny-a>=1.16\"", "\"tiny-a>=1.16\", \"tiny-c>=1\"");
    m.row(
        "a dependency added to a dependency reruns it and its dependants (their locks changed)",
        test_all(&repo),
        &["app", "lib"],
    );
    restore(&repo);

    std::fs::remove_dir_all(repo.path("projects/solo/.venv")).unwrap();
    m.row("a venv removed and made again the same reruns nothing", test_all(&repo), &[]);

    repo.append("_meta/monorepo.toml", "\n[member.\"projects/solo\"]\npython = \"3.12\"\n");
    m.row("another Python for a member reruns it", test_all(&repo), &["solo"]);
    m.check(
        "... in a venv of that Python",
        repo.python("solo", "import sys; print(*sys.version_info[:2])") == "3 12",
        || "not 3.12".to_owned(),
    );
    restore(&repo);
    m.row("... back to the first Python: cached", test_all(&repo), &[]);
    m.finish();
}
