//! End-to-end: `affected` and `test-all --affected` on small real monorepos under real git.

mod support;

use support::Repo;

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
    for (project, wanted) in [("lib", true), ("app", true), ("core", false), ("solo", false)] {
        assert_eq!(rows.contains(&project), wanted, "{project} in the table?\n{}", run.all());
        assert_eq!(repo.path(&format!("projects/{project}/.venv")).exists(), wanted, "{project}'s venv");
    }
    assert!(run.stderr.contains("Finished 2 projects: 2 passed, 0 failed, 0 skipped"), "{}", run.all());
}
