//! End-to-end: `affected` and `test-all --affected` on small real monorepos under real git.

mod support;

use support::{Repo, projects};

/// The projects `affected --since <base>` prints, checking it succeeds.
fn affected(repo: &Repo, base: &str) -> Vec<String> {
    let run = repo.expect(&["affected", "--since", base], 0);
    run.stdout.lines().map(str::to_owned).collect()
}

#[test]
fn affected_lists_changed_projects_then_their_dependants() {
    let repo = Repo::sample();
    repo.git_init();
    let none: Vec<String> = Vec::new();
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    assert_eq!(run.stdout, "", "{}", run.all());
    assert!(run.stderr.contains("Affected 0 of 4 projects by 0 changed files since HEAD"), "{}", run.all());

    // An uncommitted edit in core reaches everything that imports it, in dependency order.
    repo.append("projects/core/src/e2e_core/__init__.py", "\n# touched\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    assert_eq!(run.stdout, "core\nlib\napp\n", "{}", run.all());
    assert!(run.stderr.contains("core: projects/core/src/e2e_core/__init__.py changed"), "{}", run.all());
    assert!(run.stderr.contains("app: depends on lib"), "{}", run.all());
    repo.git(&["checkout", "--quiet", "--", "."]);

    // Untracked files count; files outside projects and requirements do not.
    repo.write("projects/solo/tests/test_more.py", "def test_more():\n    pass\n");
    repo.write("README.md", "# docs\n");
    assert_eq!(affected(&repo, "HEAD"), ["solo"]);
    std::fs::remove_file(repo.path("projects/solo/tests/test_more.py")).unwrap();
    assert_eq!(affected(&repo, "HEAD"), none);

    // A layer's input affects the envs on it; base affects all.
    repo.append("_meta/requirements/extra.in", "tiny-a\n");
    assert_eq!(affected(&repo, "HEAD"), ["app"]);
    repo.append("_meta/requirements/base.in", "# a comment\n");
    assert_eq!(affected(&repo, "HEAD"), ["core", "lib", "app", "solo"]);
}

#[test]
fn affected_compares_against_the_merge_base_so_other_branches_work_is_not_counted() {
    let repo = Repo::sample();
    repo.git_init();
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    repo.append("projects/lib/src/e2e_lib/__init__.py", "\nVALUE = 1\n");
    repo.commit("change lib on the branch");
    repo.git(&["checkout", "--quiet", "main"]);
    repo.append("projects/solo/src/e2e_solo/__init__.py", "\nVALUE = 2\n");
    repo.commit("change solo on main after the branch point");
    repo.git(&["checkout", "--quiet", "feature"]);
    // Committed and uncommitted changes since the branch point, not main's later work.
    assert_eq!(affected(&repo, "main"), ["lib", "app"]);
    repo.append("projects/core/tests/test_core.py", "\n");
    assert_eq!(affected(&repo, "main"), ["core", "lib", "app"]);
    // A renamed file touches the folder it left and the one it went to.
    repo.git(&["checkout", "--quiet", "--", "."]);
    repo.git(&["mv", "projects/core/tests/test_core.py", "projects/solo/tests/test_moved.py"]);
    assert_eq!(affected(&repo, "main"), ["core", "lib", "app", "solo"]);
}

#[test]
fn affected_explains_a_missing_ref_and_a_missing_repository() {
    let repo = Repo::sample();
    let outside = repo.expect(&["affected", "--since", "main"], 2);
    assert!(outside.stderr.contains("is not in a git repository"), "{}", outside.all());
    assert!(outside.stderr.contains("hint: "), "{}", outside.all());

    repo.git_init();
    let run = repo.expect(&["affected", "--since", "nope"], 2);
    assert!(run.stderr.contains("error: git knows no commit `nope` to compare against"), "{}", run.all());
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.all());
    // Without --since it compares against the remote's default branch, which this repo lacks.
    let run = repo.expect(&["test-all", "--affected"], 2);
    assert!(run.stderr.contains("no commit `origin/HEAD`"), "{}", run.all());
    assert!(!repo.path("projects/core/.venv").exists(), "an error must come before any setup");
}

#[test]
fn test_all_affected_sets_up_and_runs_only_the_affected_suites() {
    let repo = Repo::sample();
    repo.git_init();
    let nothing = repo.expect(&["test-all", "--since", "HEAD"], 0);
    assert!(nothing.stderr.contains("nothing to test"), "{}", nothing.all());
    assert!(!repo.path("_meta/requirements/base.txt").exists(), "nothing to test needs no lock");

    repo.append("projects/lib/tests/test_lib.py", "\ndef test_more():\n    assert True\n");
    let run = repo.expect(&["test-all", "--affected", "--since", "HEAD"], 0);
    let rows: Vec<&str> = run.stdout.lines().filter_map(|l| l.split_whitespace().next()).collect();
    // A test of lib's changed, not what lib installs: app, which installs lib, is unaffected.
    for (project, wanted) in [("lib", true), ("app", false), ("core", false), ("solo", false)] {
        assert_eq!(rows.contains(&project), wanted, "{project} in the table?\n{}", run.all());
        assert_eq!(repo.path(&format!("projects/{project}/.venv")).exists(), wanted, "{project}'s venv");
    }
    assert!(run.stderr.contains("Finished 1 project: 1 passed, 0 failed, 0 skipped"), "{}", run.all());
}

/// Runs `affected` without `--since` in `dir` as a GitHub Actions push build would: with
/// `GITHUB_EVENT_NAME=push` and `GITHUB_EVENT_PATH` naming a file holding `event`.
fn affected_on_push(dir: &std::path::Path, event: &str) -> support::Run {
    let events = tempfile::tempdir().unwrap();
    let path = events.path().join("event.json");
    std::fs::write(&path, event).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("affected")
        .current_dir(dir)
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &path)
        .env_remove("GITHUB_BASE_REF")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A push event: the branch was at `before`; the repository's default branch is `main`.
fn push_event(before: &str) -> String {
    format!(
        r#"{{"ref": "refs/heads/main", "before": "{before}", "after": "x", "repository": {{"default_branch": "main"}}}}"#
    )
}

#[test]
fn a_push_build_lists_the_projects_changed_since_the_commit_before_the_push() {
    let repo = Repo::sample();
    repo.git_init();
    let before = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.append("projects/lib/src/e2e_lib/__init__.py", "\nVALUE = 1\n");
    repo.commit("change lib");
    repo.append("projects/app/tests/test_app.py", "\n");
    repo.commit("change app");

    let run = affected_on_push(&repo.path(""), &push_event(&before));
    assert_eq!((run.code, run.stdout.as_str()), (0, "lib\napp\n"), "{}", run.all());
    assert!(run.stderr.contains(&format!("since {before}")), "{}", run.all());

    // A push that made the branch compares against the default branch.
    let zeros = "0".repeat(40);
    let run = affected_on_push(&repo.path(""), &push_event(&zeros));
    assert_eq!(run.code, 2, "no origin/main yet\n{}", run.all());
    assert!(run.stderr.contains("no commit `origin/main`"), "{}", run.all());
    repo.git(&["update-ref", "refs/remotes/origin/main", &before]);
    let run = affected_on_push(&repo.path(""), &push_event(&zeros));
    assert_eq!((run.code, run.stdout.as_str()), (0, "lib\napp\n"), "{}", run.all());

    // An event file that says nothing usable: as outside CI, silently.
    let run = affected_on_push(&repo.path(""), "not json");
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("no commit `origin/HEAD`"), "{}", run.all());
    assert!(!run.stderr.contains("event"), "{}", run.all());
}

#[test]
fn a_push_build_in_a_shallow_clone_says_the_base_is_missing_and_how_to_fetch_it() {
    let repo = Repo::sample();
    repo.git_init();
    let before = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.append("projects/lib/src/e2e_lib/__init__.py", "\nVALUE = 1\n");
    repo.commit("change lib");
    let clones = tempfile::tempdir().unwrap();
    let clone = clones.path().join("clone");
    let url = format!("file://{}", repo.path("").display());
    repo.git(&["clone", "--quiet", "--depth", "1", &url, clone.to_str().unwrap()]);

    let run = affected_on_push(&clone, &push_event(&before));
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains(&format!("error: git knows no commit `{before}`")), "{}", run.all());
    assert!(run.stderr.contains("this clone is shallow"), "{}", run.all());
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.all());
    assert!(run.stderr.contains(&format!("git fetch origin {before}")), "{}", run.all());
    assert_eq!(run.stdout, "", "{}", run.all());
}

#[test]
fn pytest_config_above_the_members_affects_every_member_below_it() {
    let repo = projects(&[("one", ""), ("two", "")]);
    // A member outside `projects/`.
    repo.edit("_meta/monorepo.toml", "members = [\"projects/*\"]", "members = [\"projects/*\", \"tools/*\"]");
    repo.write("tools/lint/pyproject.toml", "[project]\nname = \"lint\"\nversion = \"0.1.0\"\n");
    repo.write("pytest.ini", "[pytest]\n");
    repo.git_init();

    repo.append("pytest.ini", "addopts = -q\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    assert_eq!(run.stdout, "one\ntwo\nlint\n", "{}", run.all());
    assert!(run.stderr.contains("lint: pytest config pytest.ini applies to it"), "{}", run.all());
    repo.git(&["checkout", "--quiet", "--", "."]);

    // A conftest.py in `projects/` (untracked) reaches the members under it only.
    repo.write("projects/conftest.py", "import pytest\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    assert_eq!(run.stdout, "one\ntwo\n", "{}", run.all());
    assert!(run.stderr.contains("one: pytest config projects/conftest.py applies to it"), "{}", run.all());
    std::fs::remove_file(repo.path("projects/conftest.py")).unwrap();

    // Other files there are no member's.
    repo.write("projects/NOTES.md", "notes\n");
    repo.write("tools/lint.cfg", "[x]\n");
    assert_eq!(affected(&repo, "HEAD"), Vec::<String>::new());
}

#[test]
fn a_file_matching_an_input_glob_affects_the_member_that_reads_it() {
    let repo = projects(&[("one", "inputs = [\"fixtures/*.json\"]"), ("two", "")]);
    repo.write("fixtures/cases.json", "[]\n");
    repo.write("fixtures/deep/other.json", "[]\n");
    repo.git_init();

    repo.write("fixtures/cases.json", "[1]\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    assert_eq!(run.stdout, "one\n", "{}", run.all());
    assert!(
        run.stderr.contains("one: fixtures/cases.json changed: an input of it ([tool.monorepo].inputs)"),
        "{}",
        run.all()
    );
    repo.git(&["checkout", "--quiet", "--", "."]);
    repo.write("fixtures/new.json", "{}\n");
    assert_eq!(affected(&repo, "HEAD"), ["one"], "an untracked input");
    std::fs::remove_file(repo.path("fixtures/new.json")).unwrap();
    repo.write("fixtures/deep/other.json", "[2]\n");
    repo.write("fixtures/cases.yaml", "x: 1\n");
    assert_eq!(affected(&repo, "HEAD"), Vec::<String>::new(), "`*` is one folder level, and only .json");
}

#[test]
fn an_invalid_input_glob_fails_every_command_naming_the_pyproject() {
    let repo = projects(&[("one", "inputs = [\"fixtures/[x\"]")]);
    repo.git_init();
    // Every command stops on it before any work, naming where it is written.
    let run = repo.expect(&["affected", "--since", "HEAD"], 2);
    assert!(run.stderr.contains("`fixtures/[x` is not a valid glob"), "{}", run.all());
    let run = repo.expect(&["test-all"], 2);
    assert!(
        run.stderr
            .contains("error: projects/one/pyproject.toml: [tool.monorepo].inputs: `fixtures/[x` is not a valid glob"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("hint: "), "{}", run.all());
}

#[test]
fn a_shared_folder_on_two_pythonpaths_affects_exactly_those_two() {
    let path = "pythonpath = [\"../../shared\"]";
    let repo = projects(&[("one", path), ("two", path), ("three", "")]);
    repo.write("shared/util.py", "def helper():\n    return 1\n");
    repo.git_init();

    repo.append("shared/util.py", "\n# touched\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    assert_eq!(run.stdout, "one\ntwo\n", "{}", run.all());
    assert!(run.stderr.contains("one: shared/util.py changed: on its pythonpath: shared"), "{}", run.all());
    repo.git(&["checkout", "--quiet", "--", "."]);
    repo.write("shared/data/table.csv", "a,b\n");
    assert_eq!(affected(&repo, "HEAD"), ["one", "two"], "a folder named on the pythonpath counts whole");
}

#[test]
fn the_root_on_a_pythonpath_counts_only_python_files_outside_the_members() {
    let repo = projects(&[("one", "pythonpath = [\"../..\"]"), ("two", "")]);
    repo.write("helpers.py", "X = 1\n");
    repo.git_init();

    repo.append("helpers.py", "Y = 2\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    assert_eq!(run.stdout, "one\n", "{}", run.all());
    assert!(run.stderr.contains("one: helpers.py changed: on its pythonpath: the root"), "{}", run.all());
    repo.git(&["checkout", "--quiet", "--", "."]);
    // Another member's code, and files that are not Python, are not read through the root.
    repo.append("projects/two/src/e2e_two/__init__.py", "\n# touched\n");
    repo.write("README.md", "# docs\n");
    repo.write("scripts/run.sh", "echo\n");
    assert_eq!(affected(&repo, "HEAD"), ["two"]);
}

#[test]
fn a_change_inside_a_nested_member_affects_it_and_not_its_parent() {
    let repo = projects(&[("big", "")]);
    repo.edit(
        "_meta/monorepo.toml",
        "members = [\"projects/*\"]",
        "members = [\"projects/*\", \"projects/big/plugins/*\"]",
    );
    repo.write("projects/big/plugins/child/pyproject.toml", "[project]\nname = \"child\"\nversion = \"0.1.0\"\n");
    repo.write("projects/big/plugins/child/tests/test_child.py", "def test():\n    pass\n");
    repo.git_init();

    repo.append("projects/big/plugins/child/tests/test_child.py", "\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    assert_eq!(run.stdout, "child\n", "{}", run.all());
    assert!(run.stderr.contains("child: projects/big/plugins/child/tests/test_child.py changed"), "{}", run.all());
    repo.git(&["checkout", "--quiet", "--", "."]);
    repo.append("projects/big/tests/test_big.py", "\n");
    assert_eq!(affected(&repo, "HEAD"), ["big"]);
    // The parent's conftest.py is above the child's folder, but the child's pyproject is its
    // rootdir: pytest does not load it for the child. With a pytest.ini at the root, the
    // root is both members' rootdir, and it applies to both.
    repo.write("projects/big/conftest.py", "import pytest\n");
    assert_eq!(affected(&repo, "HEAD"), ["big"]);
    repo.write("pytest.ini", "[pytest]\n");
    let mut both = affected(&repo, "HEAD");
    both.sort();
    assert_eq!(both, ["big", "child"]);
}

#[test]
fn a_member_imported_by_path_carries_its_changes_to_those_that_import_it() {
    // one imports two's code by path; three imports one's; two and three import each other.
    let repo = projects(&[
        ("one", "pythonpath = [\"../two/src\"]"),
        ("two", "pythonpath = [\"../three\"]"),
        ("three", "pythonpath = [\"../one\"]"),
        ("four", ""),
    ]);
    repo.git_init();
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.contains("one -> two (by path)"), "{}", graph.all());
    repo.write("projects/two/NOTES.md", "not on anyone's pythonpath\n");
    assert_eq!(affected(&repo, "HEAD"), ["two"], "one reads two/src only");
    repo.write("projects/two/src/util.py", "X = 1\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    assert!(
        run.stderr.contains("one: projects/two/src/util.py changed: on its pythonpath: projects/two/src"),
        "{}",
        run.all()
    );
    repo.write("projects/one/x.py", "X = 1\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    let mut listed: Vec<&str> = run.stdout.lines().collect();
    listed.sort_unstable();
    assert_eq!(listed, ["one", "three", "two"], "a cycle of path imports is fine\n{}", run.all());
    assert!(run.stderr.contains("three: projects/one/x.py changed: on its pythonpath: projects/one"), "{}", run.all());
}
