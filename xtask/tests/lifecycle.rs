//! The layered lifecycle end to end: edit, lock, check, update-base; upgrades; conflicts;
//! shared envs; Python per project; export. Real uv, venvs and pytest on temp monorepos.

mod support;

use support::{PYTEST_8, PYTEST_9, Repo, TINY_A_NEWEST, TINY_B_NEWEST, path_without_uv, pin_in};

fn version_of(pin: &str) -> &str {
    pin.split_once("==").expect("a pin").1
}

#[test]
fn update_base_moves_the_base_pin_in_every_lock_and_venv_and_prints_what_moved() {
    let repo = Repo::sample();
    repo.expect(&["setup-envs"], 0);
    let old = repo.pin("base", "pytest").unwrap();
    assert_eq!(version_of(&old), PYTEST_9, "the wheelhouse's newest pytest");
    repo.write("_meta/requirements/base.in", "pytest>=8,<9\n");
    let run = repo.expect(&["update-base"], 0);
    let new = repo.pin("base", "pytest").unwrap();
    assert_eq!(version_of(&new), PYTEST_8, "the wheelhouse's only pytest 8");
    for lock in ["extra", "core", "lib", "app", "solo"] {
        assert_eq!(repo.pin(lock, "pytest").as_ref(), Some(&new), "{lock}");
    }
    for project in ["core", "lib", "app", "solo"] {
        assert_eq!(
            repo.python(project, "import pytest; print(pytest.__version__)"),
            version_of(&new),
            "{project}'s venv"
        );
    }
    let row =
        run.stdout.lines().find(|l| l.starts_with("pytest ")).unwrap_or_else(|| panic!("no pytest row\n{}", run.all()));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[..3], ["pytest", version_of(&old), version_of(&new)], "{row}");
    assert!(row.ends_with("all 4 envs"), "{row}");
    // pytest 8 does not need pygments: its pin is gone from every lock.
    let row = run.stdout.lines().find(|l| l.starts_with("pygments ")).unwrap_or_else(|| panic!("{}", run.all()));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[..3], ["pygments", "2.21.0", "-"], "{row}");
    assert!(row.ends_with("all 4 envs"), "{row}");
    assert!(repo.pin("base", "pygments").is_none() && repo.pin("app", "pygments").is_none());
    // Nothing left to do: said so, and no uv needed.
    std::fs::remove_file(repo.path("_meta/.tools")).unwrap();
    let again = repo.xtask_with_path(&["update-base"], path_without_uv());
    assert!(again.code == 0 && again.stderr.contains("nothing to do"), "{}", again.all());
}

#[test]
fn an_unrelated_edit_keeps_every_other_pin_and_upgrades_move_only_what_they_name() {
    let repo = Repo::sample();
    // Pins as they look a while after locking: older than the index's newest. lib is locked
    // while it caps tiny-a below the wheelhouse's newest, then lifts the cap: lib's and
    // app's existing pins are where the resolver starts, so they stay.
    repo.edit("projects/lib/pyproject.toml", "\"tiny-a>=1.16\"", "\"tiny-a>=1.16,<1.17\"");
    repo.expect(&["lock"], 0);
    repo.edit("projects/lib/pyproject.toml", "\"tiny-a>=1.16,<1.17\"", "\"tiny-a>=1.16\"");
    repo.expect(&["lock"], 0);
    for lock in ["lib", "app"] {
        assert_eq!(repo.pin(lock, "tiny-a").as_deref(), Some("tiny-a==1.16.0"), "{lock}");
    }
    let untouched: Vec<(&str, String)> = ["base", "extra", "core", "solo"]
        .iter()
        .map(|l| (*l, repo.read(&format!("_meta/requirements/{l}.txt"))))
        .collect();
    // An edit of lib (a new dependency) re-locks lib and app, and moves nothing else.
    repo.edit("projects/lib/pyproject.toml", "\"tiny-a>=1.16\"", "\"tiny-a>=1.16\", \"tiny-b>=3\"");
    let run = repo.expect(&["lock"], 0);
    assert!(
        run.stderr.contains("Locked lib") && run.stderr.contains("Locked app") && !run.stderr.contains("Locked core"),
        "{}",
        run.all()
    );
    for lock in ["lib", "app"] {
        assert_eq!(repo.pin(lock, "tiny-a").as_deref(), Some("tiny-a==1.16.0"), "{lock} kept its pin");
    }
    assert_eq!(repo.pin("lib", "tiny-b"), Some(format!("tiny-b=={TINY_B_NEWEST}")));
    for (lock, before) in &untouched {
        assert_eq!(&repo.read(&format!("_meta/requirements/{lock}.txt")), before, "{lock} must not change");
    }
    // An upgrade of one package for one project moves that pin there only.
    repo.expect(&["lock", "--upgrade-package", "tiny-a", "-p", "lib"], 0);
    assert_eq!(repo.pin("lib", "tiny-a"), Some(format!("tiny-a=={TINY_A_NEWEST}")));
    assert_eq!(repo.pin("app", "tiny-a").as_deref(), Some("tiny-a==1.16.0"));
}

#[test]
fn a_requirement_against_a_base_pin_is_explained_and_changes_nothing() {
    let repo = Repo::sample();
    repo.expect(&["setup-envs"], 0);
    let snapshot = |repo: &Repo| -> Vec<String> {
        let mut files: Vec<String> = ["base", "extra", "core", "lib", "app", "solo"]
            .iter()
            .map(|l| repo.read(&format!("_meta/requirements/{l}.txt")))
            .collect();
        files.extend(
            ["core", "lib", "app", "solo"].iter().map(|p| repo.read(&format!("projects/{p}/.venv/.xtask-stamp"))),
        );
        files
    };
    let before = snapshot(&repo);
    let base_pytest = repo.pin("base", "pytest").unwrap();
    assert_eq!(base_pytest, format!("pytest=={PYTEST_9}"));

    repo.edit("projects/solo/pyproject.toml", "dependencies = []", "dependencies = [\"pytest<8\"]");
    let run = repo.expect(&["setup-envs"], 2);
    let expected = format!(
        "projects/solo/pyproject.toml requires `pytest<8`, but layer `base` pins {base_pytest} (_meta/requirements/base.txt)"
    );
    assert!(run.stderr.starts_with("error: cannot lock `solo`") && run.stderr.contains(&expected), "{}", run.all());
    assert!(
        run.stderr.contains("caused by: ") && run.stderr.contains("No solution found"),
        "uv's reason follows\n{}",
        run.all()
    );
    assert!(
        run.stderr.contains("hint: allow pytest==") && run.stderr.contains("cargo xtask update-base"),
        "{}",
        run.all()
    );
    assert_eq!(snapshot(&repo), before);

    // The same from the other side: base.in moves under a project's requirement. Base
    // itself locks fine, lib cannot: base.txt is put back as it was.
    repo.edit("projects/solo/pyproject.toml", "dependencies = [\"pytest<8\"]", "dependencies = []");
    repo.write("_meta/requirements/base.in", "pytest>=8\ntiny-a<1.16\n");
    let run = repo.expect(&["update-base"], 2);
    assert!(
        run.stderr.contains(
            "projects/lib/pyproject.toml requires `tiny-a>=1.16`, but layer `base` pins tiny-a==1.15.0 (_meta/requirements/base.txt)"
        ),
        "{}",
        run.all()
    );
    assert_eq!(snapshot(&repo), before, "every lock and venv is as it was");
}

#[test]
fn check_finds_a_package_installed_by_hand_and_setup_envs_removes_it() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    repo.expect(&["setup-envs", "-p", "core"], 0);
    let clean = repo.expect(&["check"], 0);
    assert!(clean.stderr.contains("0 findings"), "{}", clean.all());
    repo.pip_install("core", &["tiny-b"]);
    let drift = repo.expect(&["check"], 1);
    assert!(
        drift.stdout.contains(&format!("projects/core/.venv has tiny-b=={TINY_B_NEWEST}"))
            && drift.stdout.contains("installed by hand"),
        "{}",
        drift.all()
    );
    assert!(drift.stdout.contains("hint: run `cargo xtask setup-envs -p core`"), "{}", drift.all());
    let lock_check = repo.expect(&["lock", "--check"], 1);
    assert!(lock_check.stdout.contains("installed by hand"), "lock --check runs the same check\n{}", lock_check.all());
    let fix = repo.expect(&["setup-envs", "-p", "core"], 0);
    assert!(fix.stderr.contains("Synced core"), "{}", fix.all());
    repo.expect(&["check"], 0);
}

#[test]
fn a_shared_env_serves_two_members_whose_suites_both_pass() {
    let repo = Repo::new();
    repo.project("alpha", &["tiny-a"], &[], "import tiny_a\n\ndef test_alpha():\n    assert tiny_a.VERSION\n");
    // beta does not ask for tiny-a: it has it because it shares alpha's venv.
    repo.project(
        "beta",
        &["tiny-b"],
        &["extra"],
        "import tiny_a, tiny_b\n\ndef test_beta():\n    assert tiny_a.VERSION and tiny_b.VERSION\n",
    );
    repo.project("solo", &[], &[], "def test_solo():\n    pass\n");
    repo.append("projects/alpha/pyproject.toml", "\n[tool.monorepo]\nenv = \"pair\"\n");
    repo.edit("projects/beta/pyproject.toml", "[tool.monorepo]\n", "[tool.monorepo]\nenv = \"pair\"\n");
    let run = repo.expect(&["test-all"], 0);
    assert!(run.stderr.contains("3 projects: 3 passed"), "{}", run.all());
    assert!(run.stderr.contains("Synced pair (_meta/venvs/pair)"), "{}", run.all());
    assert!(repo.path("_meta/requirements/pair.txt").is_file() && !repo.path("_meta/requirements/alpha.txt").exists());
    assert_eq!(repo.pin("pair", "tiny-a"), Some(format!("tiny-a=={TINY_A_NEWEST}")));
    assert_eq!(repo.pin("pair", "tiny-b"), Some(format!("tiny-b=={TINY_B_NEWEST}")));
    let pair = std::fs::canonicalize(repo.path("_meta/venvs/pair")).unwrap();
    for member in ["alpha", "beta"] {
        let link = repo.path(&format!("projects/{member}/.venv"));
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "{member}/.venv is a link");
        assert_eq!(std::fs::canonicalize(&link).unwrap(), pair);
    }
    assert_eq!(repo.python("alpha", "import e2e_alpha, e2e_beta; print('both')"), "both");
}

#[test]
fn each_project_gets_the_python_it_asks_for_and_a_missing_one_is_named() {
    let repo = Repo::sample();
    repo.edit("projects/solo/pyproject.toml", "requires-python = \">=3.11\"", "requires-python = \">=3.12\"");
    repo.expect(&["setup-envs", "-p", "solo", "-p", "core"], 0);
    assert_eq!(repo.python("solo", "import sys; print(*sys.version_info[:2])"), "3 12");
    assert_eq!(repo.python("core", "import sys; print(*sys.version_info[:2])"), "3 11");
    // Asking for another Python makes the venv anew with it.
    repo.edit("projects/solo/pyproject.toml", "requires-python = \">=3.12\"", "requires-python = \">=3.11\"");
    let run = repo.expect(&["setup-envs", "-p", "solo"], 0);
    assert!(run.stderr.contains("Locked solo") && run.stderr.contains("Synced solo"), "{}", run.all());
    assert_eq!(repo.python("solo", "import sys; print(*sys.version_info[:2])"), "3 11");

    repo.append("projects/core/pyproject.toml", "\n[tool.monorepo]\npython = \"3.99\"\n");
    let run = repo.expect(&["setup-envs", "-p", "core"], 2);
    assert!(run.stderr.contains("no Python 3.99 found"), "{}", run.all());
    assert!(run.stderr.contains("hint: install Python 3.99"), "{}", run.all());
}

#[test]
fn export_writes_requirements_without_local_projects_or_a_pylock() {
    let repo = Repo::sample();
    let run = repo.expect(&["export", "app"], 0);
    assert!(run.stdout.starts_with("# Exported by `cargo xtask export app`"), "{}", run.all());
    assert!(run.stdout.contains("e2e-lib (projects/lib)") && !run.stdout.contains("-e "), "{}", run.all());
    assert_eq!(pin_in(&run.stdout, "tiny-a"), Some(format!("tiny-a=={TINY_A_NEWEST}")), "{}", run.all());
    assert_eq!(pin_in(&run.stdout, "tiny-b"), Some(format!("tiny-b=={TINY_B_NEWEST}")), "{}", run.all());
    repo.expect(&["export", "app", "--format", "pylock", "-o", "pylock.toml"], 0);
    let pylock = repo.read("pylock.toml");
    assert!(pylock.contains("lock-version = ") && pylock.contains("name = \"tiny-a\""), "{pylock}");
    let leftovers = std::fs::read_dir(repo.path("_meta/requirements"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("xtask-tmp"))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn two_members_of_a_shared_env_that_disagree_are_explained() {
    let repo = Repo::new();
    repo.project("alpha", &["tiny-a<1.16"], &[], "def test():\n    pass\n");
    repo.project("beta", &["tiny-a>=1.16"], &[], "def test():\n    pass\n");
    for member in ["alpha", "beta"] {
        repo.append(&format!("projects/{member}/pyproject.toml"), "\n[tool.monorepo]\nenv = \"pair\"\n");
    }
    let run = repo.expect(&["lock"], 2);
    assert!(
        run.stderr.contains("projects/alpha/pyproject.toml requires `tiny-a<1.16` and projects/beta/pyproject.toml requires `tiny-a>=1.16`, and both are installed in env `pair`"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("hint: ") && run.stderr.contains("separate envs"), "{}", run.all());
    assert!(
        !repo.path("_meta/requirements/pair.txt").exists() && !repo.path("_meta/requirements/base.txt").exists(),
        "all or nothing"
    );
}

#[test]
fn extended_layers_extras_and_dependency_groups_are_installed() {
    let repo = Repo::sample();
    // gpu extends extra: opting into gpu brings extra's pins too, shared with app.
    repo.write("_meta/requirements/gpu.in", "tiny-a>=1.16\n");
    repo.append("_meta/monorepo.toml", "\n[layers.gpu]\nextends = [\"extra\"]\n");
    repo.project("kit", &[], &["gpu"], "import tiny_a, tiny_b, tiny_c, tiny_d, tiny_e\n\ndef test_kit():\n    pass\n");
    repo.edit(
        "projects/kit/pyproject.toml",
        "dependencies = []",
        "dependencies = []\n[project.optional-dependencies]\nfast = [\"tiny-c\"]\n[dependency-groups]\ntest = [\"tiny-d\"]\nlint = [\"tiny-e\"]",
    );
    repo.edit(
        "projects/kit/pyproject.toml",
        "[tool.monorepo]\n",
        "[tool.monorepo]\nextras = [\"fast\"]\ngroups = [\"lint\"]\n",
    );
    let run = repo.expect(&["test", "kit"], 0);
    assert!(run.stdout.contains("1 passed"), "{}", run.all());
    let lock = repo.read("_meta/requirements/kit.txt");
    assert!(lock.contains("-c _meta/requirements/gpu.txt"), "{lock}");
    for (package, from) in [("tiny-c", "the fast extra"), ("tiny-d", "the test group"), ("tiny-e", "the lint group")] {
        assert_eq!(repo.pin("kit", package), Some(format!("{package}==1.0.0")), "{package} ({from}):\n{lock}");
    }
    repo.expect(&["lock"], 0);
    for package in ["tiny-c", "tiny-d", "tiny-e"] {
        assert!(repo.pin("app", package).is_none(), "{package} leaked into app");
    }
    assert_eq!(repo.pin("kit", "tiny-b"), repo.pin("app", "tiny-b"), "extra's pin is shared");
    assert_eq!(repo.pin("kit", "tiny-b"), Some(format!("tiny-b=={TINY_B_NEWEST}")));
    assert_eq!(repo.pin("kit", "tiny-a"), repo.pin("gpu", "tiny-a"));
    assert_eq!(repo.pin("kit", "tiny-a"), Some(format!("tiny-a=={TINY_A_NEWEST}")));
}
