//! End-to-end: a repository adopted as it is, the workspace side: an env that cannot be set
//! up is a result of its own, a member's requirements files are installed with it, the
//! root project is a member, imports by path order the run, and `clean --stale` removes a
//! removed member's venv.
#![cfg(unix)]

mod support;

use serde_json::Value;
use support::Repo;

fn events(stdout: &str) -> Vec<Value> {
    stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

fn result<'a>(events: &'a [Value], project: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["event"] == "suite-finished" && e["project"] == project)
        .unwrap_or_else(|| panic!("no result for {project}: {events:?}"))
}

/// The sample, with `broken`'s build failing (its package folder does not exist) and `user`
/// depending on it.
fn with_a_broken_build() -> Repo {
    let repo = Repo::sample();
    repo.project("broken", &[], &[], "def test_broken():\n    assert True\n");
    std::fs::remove_dir_all(repo.path("projects/broken/src")).unwrap();
    repo.project("user", &["e2e-broken"], &[], "def test_user():\n    assert True\n");
    repo
}

#[test]
fn keep_going_runs_every_suite_whose_env_sets_up() {
    let repo = with_a_broken_build();
    let junit = repo.path("report.xml");
    let run = repo.xtask(&[
        "test-all",
        "--keep-going",
        "--message-format",
        "json",
        "--junit",
        junit.to_str().unwrap(),
        "-j",
        "4",
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    let events = events(&run.stdout);
    for ok in ["core", "lib", "app", "solo"] {
        assert_eq!(result(&events, ok)["result"], "passed", "{ok}: {}", run.all());
    }
    let broken = result(&events, "broken");
    assert_eq!(broken["result"], "setup-failed", "{}", run.all());
    assert!(!broken["note"].as_str().unwrap().is_empty(), "{broken}");
    let user = result(&events, "user");
    assert!(
        matches!(user["result"].as_str(), Some("setup-failed" | "skipped")),
        "a dependant of a failed setup does not run: {user}"
    );
    let finished = events.iter().find(|e| e["event"] == "run-finished").unwrap();
    assert_eq!(finished["passed"], 4, "{finished}");
    // The table says so, the cause is printed, and the JUnit file is written.
    assert!(run.stderr.contains("SETUP FAILED"), "{}", run.all());
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file is written");
    assert!(xml.contains("name=\"broken\""), "{xml}");
    assert!(xml.contains("setup failed"), "{xml}");
    for ok in ["core", "lib", "app", "solo"] {
        assert!(xml.contains(&format!("name=\"{ok}\"")), "{ok}: {xml}");
    }
}

#[test]
fn without_keep_going_a_failed_setup_stops_the_run_naming_it() {
    let repo = with_a_broken_build();
    let run = repo.xtask(&["test-all", "-j", "4"]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("error:"), "{}", run.all());
    assert!(!run.stderr.contains("PASS"), "no suite ran: {}", run.all());
}

#[test]
fn a_members_requirements_files_are_installed_with_it_and_key_its_lock() {
    let repo = Repo::new();
    repo.project(
        "web",
        &[],
        &[],
        "import tiny_c\nimport tiny_d\n\ndef test_web():\n    assert tiny_c.VERSION and tiny_d.VERSION\n",
    );
    // As the repository's scripts install them: `pip install -r requirements*.txt`.
    repo.write("projects/web/requirements.txt", "tiny-c\n");
    repo.write("projects/web/requirements-test.txt", "-r ../../shared/test.txt\n");
    repo.write("shared/test.txt", "tiny-d\n");
    let run = repo.xtask(&["test-all", "--message-format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(result(&events(&run.stdout), "web")["counts"]["passed"], 1, "{}", run.all());
    // The file and what it includes are inputs of the lock.
    repo.expect(&["lock"], 0);
    repo.expect(&["lock", "--check"], 0);
    repo.write("shared/test.txt", "tiny-d\ntiny-e\n");
    assert_eq!(repo.xtask(&["lock", "--check"]).code, 1, "an included file is an input of the lock");
    repo.expect(&["lock"], 0);
    assert!(repo.read("_meta/requirements/web.txt").contains("tiny-e=="));
}

/// A uv workspace whose root is the main package: `members = [".", "libs/*"]` (or a
/// `[member."."]` table), a local dependency with an extra.
fn root_package(repo: &Repo, members: &str, table: &str) {
    repo.edit("_meta/monorepo.toml", "members = [\"projects/*\"]", members);
    repo.append("_meta/monorepo.toml", table);
    let build = "[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n";
    repo.write(
        "pyproject.toml",
        &format!(
            "[project]\nname = \"rootpkg\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\n\
             dependencies = [\"helper[fast]\"]\n\n[tool.uv.sources]\nhelper = {{ workspace = true }}\n\n{build}"
        ),
    );
    repo.write("src/rootpkg/__init__.py", "");
    repo.write(
        "tests/test_root.py",
        "import helper\nimport tiny_c\n\ndef test_root():\n    assert helper.X == 1 and tiny_c.VERSION\n",
    );
    repo.write(
        "libs/helper/pyproject.toml",
        &format!(
            "[project]\nname = \"helper\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = []\n\n\
             [project.optional-dependencies]\nfast = [\"tiny-c\"]\n\n{build}"
        ),
    );
    repo.write("libs/helper/src/helper/__init__.py", "X = 1\n");
    repo.write("libs/helper/tests/test_helper.py", "def test_a():\n    pass\n\ndef test_b():\n    pass\n");
}

#[test]
fn the_root_project_is_a_member_named_by_its_package_with_the_extras_it_asks_of_local_ones() {
    for (members, table) in [("members = [\".\", \"libs/*\"]", ""), ("members = [\"libs/*\"]", "\n[member.\".\"]\n")] {
        let repo = Repo::new();
        root_package(&repo, members, table);
        let run = repo.xtask(&["test-all", "--message-format", "json"]);
        assert_eq!(run.code, 0, "{members}: {}", run.all());
        let events = events(&run.stdout);
        // Its own test only: the nested member's are its own suite's.
        let root = result(&events, "rootpkg");
        assert_eq!((root["counts"]["passed"].as_u64(), root["dir"].as_str()), (Some(1), Some(".")), "{root}");
        assert_eq!(result(&events, "helper")["counts"]["passed"], 2, "{}", run.all());
    }
}

#[test]
fn a_project_that_imports_another_by_path_runs_after_it() {
    let repo = Repo::new();
    repo.project("shared", &[], &[], "import time\n\ndef test_slow():\n    time.sleep(1)\n");
    repo.project("user", &[], &[], "import e2e_shared\n\ndef test_user():\n    assert e2e_shared.double(2) == 4\n");
    repo.append("projects/user/pyproject.toml", "\n[tool.monorepo]\npythonpath = [\"../shared/src\"]\n");
    let run = repo.xtask(&["test-all", "--message-format", "json", "--no-speculate", "-j", "4"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let events = events(&run.stdout);
    let at = |event: &str, project: &str| {
        events
            .iter()
            .position(|e| e["event"] == event && e["project"] == project)
            .unwrap_or_else(|| panic!("{event} {project}"))
    };
    assert!(at("suite-finished", "shared") < at("suite-started", "user"), "{}", run.all());
}

#[test]
fn clean_stale_removes_the_venv_of_a_unit_removed_from_the_config() {
    let repo = Repo::new();
    repo.project("web", &[], &[], "def test_web():\n    pass\n");
    repo.write("tools/legacy/test_legacy.py", "def test_legacy():\n    pass\n");
    repo.append("_meta/monorepo.toml", "\n[member.\"tools/legacy\"]\n");
    repo.expect(&["setup-envs"], 0);
    assert!(repo.path("tools/legacy/.venv").is_dir());
    let config = repo.read("_meta/monorepo.toml").replace("\n[member.\"tools/legacy\"]\n", "");
    repo.write("_meta/monorepo.toml", &config);
    let run = repo.expect(&["clean", "--stale"], 0);
    assert!(!repo.path("tools/legacy/.venv").exists(), "{}", run.all());
    assert!(repo.path("projects/web/.venv").is_dir(), "a member's venv stays\n{}", run.all());
}
