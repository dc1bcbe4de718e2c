//! End-to-end: the shapes of a modern repository (issue 13, in progress): the `dev` group
//! installed by default as uv does, and the groups chosen for all members.
#![cfg(unix)]

mod support;

use support::Repo;

#[test]
fn the_dev_group_is_installed_by_default_and_the_config_can_choose_others() {
    let repo = Repo::new();
    repo.project("api", &[], &[], "import tiny_a\n\ndef test_needs_dev():\n    assert tiny_a.VERSION\n");
    repo.append(
        "projects/api/pyproject.toml",
        "\n[dependency-groups]\ndev = [\"tiny-a>=1.16\"]\nextras = [\"tiny-b>=3\"]\n",
    );
    repo.expect(&["test-all"], 0);
    assert!(repo.read("_meta/requirements/api.txt").contains("tiny-a=="), "the dev group is in the lock");
    assert!(!repo.read("_meta/requirements/api.txt").contains("tiny-b=="), "other groups are not, by default");
    // For every member: these groups instead of dev (test is always installed).
    repo.edit("_meta/monorepo.toml", "[monorepo]\n", "[monorepo]\ndefault-groups = [\"extras\"]\n");
    repo.expect(&["lock"], 0);
    let lock = repo.read("_meta/requirements/api.txt");
    assert!(lock.contains("tiny-b==") && !lock.contains("tiny-a=="), "{lock}");
    let run = repo.expect(&["test-all"], 1);
    assert!(run.stdout.contains("No module named 'tiny_a'"), "without dev, the suite misses it\n{}", run.all());
}

/// The real interpreter behind `python3` (not a shim), as a path.
fn python3_path() -> String {
    let out = std::process::Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn an_interpreter_given_by_path_keeps_the_locks_of_its_version() {
    let repo = Repo::new();
    repo.project("solo", &[], &[], "import sys\n\ndef test_where():\n    assert sys.version_info[:2] == (3, 11)\n");
    repo.expect(&["lock"], 0);
    let path = python3_path();
    repo.edit("_meta/monorepo.toml", "python = \"3.11\"", &format!("python = {path:?}"));
    // The same Python by its path: every lock stays fresh, no version moves.
    repo.expect(&["lock", "--check"], 0);
    repo.expect(&["test-all"], 0);
    let cfg = repo.read("projects/solo/.venv/pyvenv.cfg");
    let home = std::path::Path::new(&path).parent().unwrap().to_str().unwrap().to_owned();
    assert!(cfg.contains(&format!("home = {home}")), "the venv runs that interpreter\n{cfg}");
    // One that does not run is named, with what to write instead.
    repo.edit("_meta/monorepo.toml", &format!("python = {path:?}"), "python = \"/nowhere/python3\"");
    let run = repo.expect(&["lock"], 2);
    assert!(run.stderr.contains("the interpreter `/nowhere/python3` does not run"), "{}", run.all());
}

#[test]
fn a_test_group_may_close_a_cycle_and_both_ends_are_installed() {
    let repo = Repo::new();
    // b needs a at run time; a's tests need b: a cycle only through a's test group.
    repo.project(
        "a",
        &[],
        &[],
        "from e2e_b import double as b_double\n\ndef test_a_with_b():\n    assert b_double(2) == 4\n",
    );
    repo.append("projects/a/pyproject.toml", "\n[dependency-groups]\ntest = [\"e2e-b\"]\n");
    repo.project("b", &["e2e-a"], &[], "from e2e_a import double\n\ndef test_b():\n    assert double(3) == 6\n");
    repo.git_init();
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.contains("a -> b (group)") && graph.stdout.contains("b -> a"), "{}", graph.all());
    repo.expect(&["test-all"], 0);
    assert!(repo.read("_meta/requirements/a.txt").contains("-e ./projects/b"), "a's env installs b");
    repo.write("projects/b/src/e2e_b/extra.py", "X = 1\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    let mut listed: Vec<&str> = run.stdout.lines().collect();
    listed.sort_unstable();
    assert_eq!(listed, ["a", "b"], "affected follows the group edge\n{}", run.all());
    // A cycle of runtime edges stays an error.
    repo.edit("projects/a/pyproject.toml", "dependencies = []", "dependencies = [\"e2e-b\"]");
    let cycle = repo.expect(&["graph"], 2);
    assert!(cycle.stderr.contains("cycle"), "{}", cycle.all());
}

#[test]
fn uv_sources_by_path_and_workspace_name_local_dependencies_with_root_relative_paths() {
    let repo = Repo::new();
    repo.project("core", &[], &[], "def test_core():\n    pass\n");
    // A package the repository keeps outside its members, and one that app names by path.
    repo.write(
        "vendor/prebuilt/pyproject.toml",
        "[project]\nname = \"prebuilt\"\nversion = \"1.0.0\"\n\n[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
    );
    repo.write("vendor/prebuilt/src/prebuilt/__init__.py", "VALUE = 7\n");
    repo.project(
        "app",
        &["prebuilt", "e2e-core"],
        &[],
        "import prebuilt\nfrom e2e_core import double\n\ndef test_app():\n    assert double(prebuilt.VALUE) == 14\n",
    );
    repo.append(
        "projects/app/pyproject.toml",
        "\n[tool.uv.sources]\nprebuilt = { path = \"../../vendor/prebuilt\" }\ne2e-core = { workspace = true }\n",
    );
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.contains("app -> core"), "a workspace source is a local dependency\n{}", graph.all());
    repo.expect(&["lock"], 0);
    repo.expect(&["test-all"], 0);
    let lock = repo.read("_meta/requirements/app.txt");
    assert!(lock.contains("-e ./vendor/prebuilt"), "the path is relative to the root\n{lock}");
    assert!(!lock.contains("../"), "{lock}");
    repo.expect(&["check"], 0);
    // The folder's pyproject is an input of the lock.
    repo.edit("vendor/prebuilt/pyproject.toml", "version = \"1.0.0\"", "version = \"1.0.1\"");
    assert_eq!(repo.xtask(&["lock", "--check"]).code, 1);
}
