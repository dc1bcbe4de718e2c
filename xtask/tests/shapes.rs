//! End-to-end: three shapes of repository that were not made for the tool, each adopted
//! with `init` and run with `test-all --keep-going`, no file of theirs edited: every suite
//! runs, with the counts pytest gives by hand in the venv the xtask made.
//!
//! - legacy: requirements.txt everywhere, code shared through `sys.path`, a root
//!   `pytest.ini`, folders named alike, a folder of tests nested in another unit, a module
//!   found in several folders of which one has all of it;
//! - modern: a uv workspace with `[tool.uv.sources]` and a `uv.lock` whose pins differ by
//!   Python, example projects both named `shared` under a package's folder, a CLI test
//!   fixture, a namespace package split across two packages, and a folder named like a
//!   distribution a package requires;
//! - root package: a uv workspace whose root is itself the main package, with a member that
//!   names it `workspace = true`, and the root's own tests.
//!
//! The fixtures are this suite's own inventions. Each resolves from the tests' wheelhouse:
//! the one line added to the config init writes (the machine's index, not the repository).
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use camino::Utf8PathBuf;
use serde_json::Value;
use support::Repo;

/// A repository with none of the tool's files (`Repo::new`'s config and layers removed; its
/// `_meta/.tools` link to the shared uv stays).
fn bare() -> Repo {
    let repo = Repo::new();
    for file in ["_meta/monorepo.toml", "_meta/requirements/base.in", "_meta/requirements/extra.in"] {
        std::fs::remove_file(repo.path(file)).unwrap();
    }
    repo
}

/// The `[build-system]` of the fixtures' packages (uv builds them from the wheelhouse).
const UV_BUILD: &str = "[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n";

/// `init`, the wheelhouse line, then `test-all --keep-going`: the init run, the test-all
/// run, and each suite's `suite-finished` event by its folder.
fn adopt_and_run(repo: &Repo, code: i32) -> (support::Run, support::Run, BTreeMap<String, Value>) {
    repo.git_init();
    let init = repo.expect(&["init"], 0);
    let wheels = support::wheelhouse();
    repo.edit(
        "_meta/monorepo.toml",
        "[monorepo]\n",
        &format!("[monorepo]\nno-index = true\nfind-links = [{:?}]\n", wheels.to_str().unwrap()),
    );
    let run = repo.xtask(&["test-all", "--keep-going", "--message-format", "json"]);
    assert_eq!(
        run.code,
        code,
        "test-all --keep-going\n{}\n{}\n{}",
        init.all(),
        repo.read("_meta/monorepo.toml"),
        run.all()
    );
    let finished = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["event"] == "suite-finished")
        .map(|e| (e["dir"].as_str().unwrap().to_owned(), e))
        .collect();
    (init, run, finished)
}

/// (passed, failed, skipped) of a suite's event.
fn counts(event: &Value) -> (u64, u64, u64) {
    let c = &event["counts"];
    (c["passed"].as_u64().unwrap(), c["failed"].as_u64().unwrap(), c["skipped"].as_u64().unwrap())
}

/// pytest's (passed, failed, skipped) run by hand from `dir` in the venv the xtask made
/// for it, with `args`, leaving out the members nested in it (their own suites), and
/// without the xtask: no PYTHONPATH, no plugin.
fn by_hand(repo: &Repo, dir: &str, args: &[&str]) -> (u64, u64, u64) {
    let root = Utf8PathBuf::try_from(repo.path("")).unwrap();
    let ws = xtask::Workspace::load(&root).unwrap();
    let m = ws
        .members
        .iter()
        .position(|m| m.dir == dir || (dir.is_empty() && m.dir == "."))
        .unwrap_or_else(|| panic!("no member at {dir:?}"));
    let venv = root.join(&ws.env_of(m).venv);
    let out = Command::new(venv.join("bin/python"))
        .args(["-m", "pytest", "-p", "no:cacheprovider"])
        .args(ws.members[m].nested.iter().map(|n| format!("--ignore={n}")))
        .args(args)
        .current_dir(repo.path(dir))
        .env_remove("PYTEST_ADDOPTS")
        .env_remove("PYTHONPATH")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let c = xtask::pytest::parse_counts(&text);
    (c.passed.into(), c.failed.into(), c.skipped.into())
}

/// A suite's folder, its (passed, failed, skipped), and the arguments pytest by hand takes.
type Expected<'a> = (&'a str, (u64, u64, u64), &'a [&'a str]);

/// Every suite in `expected` ran, with those counts, and pytest by hand agrees.
fn assert_counts(repo: &Repo, finished: &BTreeMap<String, Value>, expected: &[Expected], said: &str) {
    let dirs: Vec<&str> = finished.keys().map(String::as_str).collect();
    let mut wanted: Vec<&str> = expected.iter().map(|(d, _, _)| if d.is_empty() { "." } else { *d }).collect();
    wanted.sort_unstable();
    assert_eq!(dirs, wanted, "every suite ran, and no other\n{said}");
    for (dir, ours, args) in expected {
        let event = &finished[if dir.is_empty() { "." } else { *dir }];
        assert_eq!(counts(event), *ours, "{dir}: the xtask's counts\n{event}\n{said}");
        assert_eq!(by_hand(repo, dir, args), *ours, "{dir}: pytest's by hand\n{said}");
    }
}

/// The version of `dist` in the venv of the member at `dir`.
fn installed(repo: &Repo, dir: &str, dist: &str) -> String {
    let out = Command::new(repo.path(&format!("{dir}/.venv/bin/python")))
        .args(["-c", &format!("import importlib.metadata as m; print(m.version('{dist}'))")])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

// ---------------------------------------------------------------------------------------
// Legacy

/// `sys.path.insert(0, <the folder `up` levels above the file>)`, as legacy tests do.
fn insert_parents(up: usize) -> String {
    format!("import sys\nfrom pathlib import Path\n\nsys.path.insert(0, str(Path(__file__).resolve().parents[{up}]))\n")
}

fn legacy_tree(repo: &Repo) {
    repo.write(".python-version", "3.11\n");
    repo.write("pytest.ini", "[pytest]\naddopts = --strict-markers\nmarkers =\n    slow: a slow test\n");
    // The shared code: `Model/Database.py` at the root (a namespace folder), and two
    // packages named `Model` elsewhere that have no `Database`.
    repo.write("Model/Database.py", "def connect():\n    return 'db'\n");
    repo.write("Ideas/Model/__init__.py", "NAME = 'ideas'\n");
    repo.write("Ideas/Model/requirements.txt", "tiny-a>=1.16\n");
    repo.write(
        "Ideas/Model/tests/test_ideas_model.py",
        "import tiny_a\n\n\ndef test_ideas():\n    assert tiny_a.VERSION\n\n\ndef test_known_failure():\n    assert tiny_a.VERSION == '0'\n",
    );
    repo.write("Apps/Model/__init__.py", "NAME = 'apps'\n");
    // A unit that imports Model.Database: only the root has all of it.
    repo.write("T/Review/requirements.txt", "tiny-b>=3\n");
    repo.write(
        "T/Review/tests/test_review.py",
        &format!(
            "{}\nimport pytest\nimport tiny_b\nimport Model.Database\n\n\ndef test_database():\n    assert Model.Database.connect() == 'db'\n\n\n\
             @pytest.mark.slow\ndef test_slow():\n    assert tiny_b.VERSION\n\n\n@pytest.mark.skip(reason='later')\ndef test_later():\n    pass\n",
            insert_parents(3)
        ),
    );
    // A folder of tests nested in it, with tests of its own.
    repo.write(
        "T/Review/Model/_meta/tests/test_review_model.py",
        "def test_review_model():\n    assert True\n\n\ndef test_again():\n    assert 1 + 1 == 2\n",
    );
    // Code shared through a conftest's sys.path.insert: `helpers` is in two folders, and the
    // unit puts one of them on the path.
    repo.write("Common/helpers.py", "def shout(x):\n    return x.upper()\n");
    repo.write("Old/Common/helpers.py", "def whisper(x):\n    return x.lower()\n");
    repo.write("Tools/Report/requirements.txt", "tiny-c\n");
    repo.write(
        "Tools/Report/conftest.py",
        "import os\nimport sys\n\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'Common'))\n",
    );
    repo.write(
        "Tools/Report/test_report.py",
        "import helpers\nimport tiny_c\n\n\ndef test_report():\n    assert helpers.shout('a') == 'A' and tiny_c.VERSION\n",
    );
    // Noise: the old scripts, a venv, node_modules.
    for script in ["setup_all_envs.sh", "setup_all_envs.ps1", "setup_all_envs.bat"] {
        repo.write(script, "pip install -r T/Review/requirements.txt\n");
    }
    repo.write("node_modules/x/test_x.py", "def test_never():\n    assert False\n");
    repo.write("venv/pyvenv.cfg", "home = /usr/bin\n");
}

#[test]
fn a_legacy_repository_is_adopted_and_every_suite_runs_as_by_hand() {
    let repo = bare();
    legacy_tree(&repo);
    let (init, run, finished) = adopt_and_run(&repo, 1);
    let said = format!("{}\n{}\n{}", init.all(), repo.read("_meta/monorepo.toml"), run.all());
    assert_counts(
        &repo,
        &finished,
        &[
            ("Ideas/Model", (1, 1, 0), &[]),
            ("T/Review", (2, 0, 1), &[]),
            ("T/Review/Model", (2, 0, 0), &[]),
            ("Tools/Report", (1, 0, 0), &[]),
        ],
        &said,
    );
    let config: toml::Table = repo.read("_meta/monorepo.toml").parse().unwrap();
    let member = |dir: &str| config["member"][dir].as_table().unwrap().clone();
    let strings = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(toml::Value::as_array)
            .map_or_else(Vec::new, |a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
    };
    assert_eq!(strings(member("T/Review").get("pythonpath")), ["../.."], "the root, which has Model/Database\n{said}");
    assert_eq!(
        strings(member("Tools/Report").get("pythonpath")),
        ["../../Common"],
        "the folder it puts on sys.path\n{said}"
    );
    assert_eq!(member("Ideas/Model")["name"].as_str(), Some("Ideas-Model"));
    assert_eq!(member("T/Review/Model")["name"].as_str(), Some("Review-Model"));
    assert_eq!(config["monorepo"]["python"].as_str(), Some("3.11"));
    assert!(repo.read("_meta/monorepo.toml").contains("the one .python-version names"), "{said}");
    assert!(!init.stderr.contains("Undecided"), "{said}");
    repo.expect(&["init", "--check"], 0);

    // A unit added by hand renames none: its lock and cached result stay theirs.
    let before: Vec<String> = finished.values().map(|e| e["project"].as_str().unwrap().to_owned()).collect();
    repo.write("Other/Model/tests/test_other.py", "def test_other():\n    pass\n");
    repo.append("_meta/monorepo.toml", "\n[member.\"Other/Model\"]\n");
    repo.expect(&["init", "--check"], 0);
    let root = Utf8PathBuf::try_from(repo.path("")).unwrap();
    let ws = xtask::Workspace::load(&root).unwrap();
    for name in &before {
        assert!(ws.member(name).is_ok(), "{name} is still named so\n{said}");
    }
}

// ---------------------------------------------------------------------------------------
// Modern

/// A uv package at `dir`: module `module` (with `VALUE`), `deps`, and the tables `extra`.
fn uv_package(repo: &Repo, dir: &str, name: &str, module: &str, deps: &str, extra: &str) {
    repo.write(
        &format!("{dir}/pyproject.toml"),
        &format!(
            "[project]\nname = \"{name}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [{deps}]\n\n{UV_BUILD}{extra}"
        ),
    );
    repo.write(&format!("{dir}/src/{module}/__init__.py"), "VALUE = 5\n");
}

/// The workspace's `uv.lock`: tiny-a resolved apart per Python (the first entry for 3.12 up,
/// the second below it), pytest and its own.
const MODERN_UV_LOCK: &str = r#"version = 1
revision = 3
requires-python = ">=3.11"
resolution-markers = [
    "python_full_version >= '3.12'",
    "python_full_version < '3.12'",
]

[manifest]
members = ["api", "cli", "core", "nsa", "nsb", "worker"]

[[package]]
name = "core"
version = "0.1.0"
source = { editable = "packages/core" }

[[package]]
name = "iniconfig"
version = "2.3.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.3.5"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tiny-a"
version = "1.15.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = [
    "python_full_version >= '3.12'",
]

[[package]]
name = "tiny-a"
version = "1.16.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = [
    "python_full_version < '3.12'",
]

[[package]]
name = "tiny-b"
version = "3.0.0"
source = { registry = "https://pypi.org/simple" }
"#;

fn modern_tree(repo: &Repo) {
    repo.write("pyproject.toml", "[tool.uv.workspace]\nmembers = [\"packages/*\"]\n");
    repo.write("uv.lock", MODERN_UV_LOCK);
    repo.write("_meta/requirements/base.in", "pytest>=8\n");
    uv_package(repo, "packages/core", "core", "core", "", "");
    repo.write("packages/core/tests/test_core.py", "import core\n\n\ndef test_core():\n    assert core.VALUE == 5\n");
    // api: a workspace source, tiny-a from uv.lock, and two example projects both named
    // `shared` under its folder, which its pytest configuration does not collect.
    uv_package(
        repo,
        "packages/api",
        "api",
        "api",
        "\"core\", \"tiny-a>=1.15\"",
        "\n[tool.uv.sources]\ncore = { workspace = true }\n\n[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n",
    );
    repo.write(
        "packages/api/tests/test_api.py",
        "import core\nimport tiny_a\n\n\ndef test_api():\n    assert core.VALUE == 5\n\n\ndef test_pinned():\n    assert tiny_a.VERSION == '1.16.0'\n",
    );
    for example in ["one", "two"] {
        uv_package(repo, &format!("packages/api/examples/{example}/shared"), "shared", "shared", "\"api\"", "");
        repo.write(
            &format!("packages/api/examples/{example}/shared/tests/test_shared.py"),
            "def test_example():\n    assert False, 'an example, not a suite'\n",
        );
    }
    // cli: a test fixture project (`-e .` of a pin that does not exist) in its tests.
    uv_package(repo, "packages/cli", "cli", "cli", "\"core\"", "\n[tool.uv.sources]\ncore = { workspace = true }\n");
    repo.write(
        "packages/cli/tests/fixtures/proj/pyproject.toml",
        &format!("[project]\nname = \"proj\"\nversion = \"0.0.1\"\ndependencies = [\"tiny-a==0.0.0\"]\n\n{UV_BUILD}"),
    );
    repo.write("packages/cli/tests/fixtures/proj/requirements.txt", "-e .\n");
    repo.write(
        "packages/cli/tests/test_cli.py",
        "from pathlib import Path\n\nimport cli\n\nFIXTURE = Path(__file__).parent / 'fixtures' / 'proj'\n\n\n\
         def test_fixture():\n    assert (FIXTURE / 'pyproject.toml').is_file() and cli.VALUE == 5\n",
    );
    // A namespace package split across two packages: each imports its own part.
    let namespace = |part: &str| format!("\n[tool.uv.build-backend]\nmodule-name = \"acme.{part}\"\n");
    uv_package(repo, "packages/nsa", "nsa", "acme/a", "", &namespace("a"));
    repo.write(
        "packages/nsa/tests/test_nsa.py",
        "import acme.a\nfrom acme import a\n\n\ndef test_nsa():\n    assert a.VALUE == acme.a.VALUE == 5\n",
    );
    uv_package(repo, "packages/nsb", "nsb", "acme/b", "", &namespace("b"));
    repo.write("packages/nsb/tests/test_nsb.py", "from acme import b\n\n\ndef test_nsb():\n    assert b.VALUE == 5\n");
    // worker requires tiny-b; a folder named tiny_b elsewhere is not it.
    uv_package(repo, "packages/worker", "worker", "worker", "\"tiny-b>=3\"", "");
    repo.write("scripts/tiny_b/__init__.py", "NOT_THE_DISTRIBUTION = True\n");
    repo.write(
        "packages/worker/tests/test_worker.py",
        "import tiny_b\n\n\ndef test_worker():\n    assert tiny_b.VERSION == '3.0.0'\n",
    );
}

#[test]
fn a_modern_uv_workspace_is_adopted_and_every_suite_runs_as_by_hand() {
    let repo = bare();
    modern_tree(&repo);
    let (init, run, finished) = adopt_and_run(&repo, 0);
    let said = format!("{}\n{}\n{}", init.all(), repo.read("_meta/monorepo.toml"), run.all());
    assert_counts(
        &repo,
        &finished,
        &[
            ("packages/api", (2, 0, 0), &[]),
            ("packages/cli", (1, 0, 0), &[]),
            ("packages/core", (1, 0, 0), &[]),
            ("packages/nsa", (1, 0, 0), &[]),
            ("packages/nsb", (1, 0, 0), &[]),
            ("packages/worker", (1, 0, 0), &[]),
        ],
        &said,
    );
    let config = repo.read("_meta/monorepo.toml");
    for commented in [
        "    # \"packages/api/examples/one/shared\",\n",
        "    # \"packages/api/examples/two/shared\",\n",
        "    # \"packages/cli/tests/fixtures/proj\",\n",
    ] {
        assert!(config.contains(commented), "`{commented}` not adopted\n{said}");
    }
    assert!(config.contains("test data in packages/api's examples folder"), "{said}");
    assert!(
        !config.contains("pythonpath"),
        "no folder for acme (its own namespace) nor tiny_b (a distribution)\n{said}"
    );
    assert!(
        init.stderr.contains(
            "Review packages/cli/tests/fixtures/proj is not adopted: test data in packages/cli's tests folder"
        ),
        "{said}"
    );
    // The pins of uv.lock for the env's Python (3.11), not the first entry's.
    assert_eq!(installed(&repo, "packages/api", "tiny-a"), "1.16.0", "{said}");
    assert_eq!(installed(&repo, "packages/api", "pytest"), "8.3.5", "{said}");
    repo.expect(&["init", "--check"], 0);

    // `--exclude GLOB`: left out with why, kept as `exclude` by `--check` and `--force`.
    let run = repo.expect(&["init", "--force", "--exclude", "packages/ns*"], 0);
    let config = repo.read("_meta/monorepo.toml");
    assert!(config.contains("exclude = [\"packages/ns*\"]\n"), "{config}");
    assert!(config.contains("    # Not adopted: excluded by `packages/ns*`\n    # \"packages/nsa\",\n"), "{config}");
    assert!(run.stderr.contains("Loaded 4 members"), "{}", run.all());
    repo.expect(&["init", "--check"], 0);
    repo.expect(&["init", "--force"], 0);
    assert_eq!(repo.read("_meta/monorepo.toml"), config, "the same bytes");
}

// ---------------------------------------------------------------------------------------
// Root package

fn root_package_tree(repo: &Repo) {
    repo.write(
        "pyproject.toml",
        &format!(
            "[project]\nname = \"rootpkg\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [\"tiny-a>=1.16\"]\n\n\
             {UV_BUILD}\n[tool.uv.workspace]\nmembers = [\"clai\"]\n\n[dependency-groups]\ndev = [\"tiny-c\"]\n"
        ),
    );
    repo.write("src/rootpkg/__init__.py", "VALUE = 1\n");
    repo.write(
        "tests/test_root.py",
        "import rootpkg\nimport tiny_a\nimport tiny_c\n\n\ndef test_root():\n    assert rootpkg.VALUE == 1\n\n\n\
         def test_its_dependencies_and_groups():\n    assert tiny_a.VERSION and tiny_c.VERSION\n",
    );
    repo.write(
        "clai/pyproject.toml",
        &format!(
            "[project]\nname = \"clai\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [\"rootpkg\"]\n\n\
             {UV_BUILD}\n[tool.uv.sources]\nrootpkg = {{ workspace = true }}\n"
        ),
    );
    repo.write("clai/src/clai/__init__.py", "import rootpkg\n\nVALUE = rootpkg.VALUE + 1\n");
    repo.write("clai/tests/test_clai.py", "import clai\n\n\ndef test_clai():\n    assert clai.VALUE == 2\n");
}

#[test]
fn a_workspace_whose_root_is_the_main_package_is_adopted_and_every_suite_runs_as_by_hand() {
    let repo = bare();
    root_package_tree(&repo);
    let (init, run, finished) = adopt_and_run(&repo, 0);
    let said = format!("{}\n{}\n{}", init.all(), repo.read("_meta/monorepo.toml"), run.all());
    assert_counts(&repo, &finished, &[("", (2, 0, 0), &["tests"]), ("clai", (1, 0, 0), &[])], &said);
    let config: toml::Table = repo.read("_meta/monorepo.toml").parse().unwrap();
    let root = config["member"]["."].as_table().unwrap();
    assert_eq!(root["name"].as_str(), Some("rootpkg"), "{said}");
    assert_eq!(root["testpaths"].as_array().unwrap().len(), 1, "its own tests, not clai's\n{said}");
    assert!(init.stderr.contains("Found the root: package"), "{said}");
    repo.expect(&["init", "--check"], 0);
}
