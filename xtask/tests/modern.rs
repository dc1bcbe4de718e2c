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
