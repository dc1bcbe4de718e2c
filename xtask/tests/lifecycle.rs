//! The layered lifecycle end to end: edit, lock, check, update-base; upgrades; conflicts;
//! shared envs; Python per project; export. Real uv, venvs and pytest on temp monorepos.

mod support;

use std::process::Command;

use support::{Repo, path_without_uv};

fn version_of(pin: &str) -> &str {
    pin.split_once("==").expect("a pin").1
}

#[test]
fn update_base_moves_the_base_pin_in_every_lock_and_venv_and_prints_what_moved() {
    let repo = Repo::sample();
    repo.expect(&["setup-envs"], 0);
    let old = repo.pin("base", "pytest").unwrap();
    assert!(version_of(&old).starts_with('9'), "the test expects pytest 9 to be the newest: {old}");
    repo.write("_meta/requirements/base.in", "pytest>=8,<9\n");
    let run = repo.expect(&["update-base"], 0);
    let new = repo.pin("base", "pytest").unwrap();
    assert!(version_of(&new).starts_with("8."), "{new}");
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
    // Nothing left to do: said so, and no uv needed.
    std::fs::remove_file(repo.path("_meta/.tools")).unwrap();
    let again = repo.xtask_with_path(&["update-base"], path_without_uv());
    assert!(again.code == 0 && again.stderr.contains("nothing to do"), "{}", again.all());
}

#[test]
fn an_unrelated_edit_keeps_every_other_pin_and_upgrades_move_only_what_they_name() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    // Pins as they look a while after locking: older than the index's newest.
    for lock in ["lib", "app"] {
        let path = format!("_meta/requirements/{lock}.txt");
        let current = repo.pin(lock, "six").unwrap();
        repo.edit(&path, &format!("{current}\n"), "six==1.16.0\n");
    }
    let untouched: Vec<(&str, String)> = ["base", "extra", "core", "solo"]
        .iter()
        .map(|l| (*l, repo.read(&format!("_meta/requirements/{l}.txt"))))
        .collect();
    // An edit of lib (a new dependency) re-locks lib and app, and moves nothing else.
    repo.edit("projects/lib/pyproject.toml", "\"six>=1.16\"", "\"six>=1.16\", \"idna>=3\"");
    let run = repo.expect(&["lock"], 0);
    assert!(
        run.stderr.contains("Locked lib") && run.stderr.contains("Locked app") && !run.stderr.contains("Locked core"),
        "{}",
        run.all()
    );
    for lock in ["lib", "app"] {
        assert_eq!(repo.pin(lock, "six").as_deref(), Some("six==1.16.0"), "{lock} kept its pin");
    }
    assert!(repo.pin("lib", "idna").is_some());
    for (lock, before) in &untouched {
        assert_eq!(&repo.read(&format!("_meta/requirements/{lock}.txt")), before, "{lock} must not change");
    }
    // An upgrade of one package for one project moves that pin there only.
    repo.expect(&["lock", "--upgrade-package", "six", "-p", "lib"], 0);
    assert_ne!(repo.pin("lib", "six").as_deref(), Some("six==1.16.0"));
    assert_eq!(repo.pin("app", "six").as_deref(), Some("six==1.16.0"));
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
    repo.write("_meta/requirements/base.in", "pytest>=8\nsix<1.16\n");
    let run = repo.expect(&["update-base"], 2);
    assert!(
        run.stderr.contains("projects/lib/pyproject.toml requires `six>=1.16`, but layer `base` pins six==1.15"),
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
    let out = Command::new(repo.uv())
        .args(["pip", "install", "--quiet", "--python"])
        .arg(repo.path("projects/core/.venv/bin/python"))
        .arg("idna")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let drift = repo.expect(&["check"], 1);
    assert!(
        drift.stdout.contains("projects/core/.venv has idna==") && drift.stdout.contains("installed by hand"),
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
    repo.project("alpha", &["six"], &[], "import six\n\ndef test_alpha():\n    assert six.PY3\n");
    // beta does not ask for six: it has it because it shares alpha's venv.
    repo.project(
        "beta",
        &["idna"],
        &["extra"],
        "import idna, six\n\ndef test_beta():\n    assert six.PY3 and idna.encode('b') == b'b'\n",
    );
    repo.project("solo", &[], &[], "def test_solo():\n    pass\n");
    repo.append("projects/alpha/pyproject.toml", "\n[tool.monorepo]\nenv = \"pair\"\n");
    repo.edit("projects/beta/pyproject.toml", "[tool.monorepo]\n", "[tool.monorepo]\nenv = \"pair\"\n");
    let run = repo.expect(&["test-all"], 0);
    assert!(run.stderr.contains("3 projects: 3 passed"), "{}", run.all());
    assert!(run.stderr.contains("Synced pair (_meta/venvs/pair)"), "{}", run.all());
    assert!(repo.path("_meta/requirements/pair.txt").is_file() && !repo.path("_meta/requirements/alpha.txt").exists());
    assert!(repo.pin("pair", "six").is_some() && repo.pin("pair", "idna").is_some());
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
    assert!(run.stdout.contains("e2e-lib (projects/lib)") && !run.stdout.contains("-e projects/"), "{}", run.all());
    assert!(
        run.stdout.lines().any(|l| l.starts_with("six==")) && run.stdout.lines().any(|l| l.starts_with("idna==")),
        "{}",
        run.all()
    );
    repo.expect(&["export", "app", "--format", "pylock", "-o", "pylock.toml"], 0);
    let pylock = repo.read("pylock.toml");
    assert!(pylock.contains("lock-version = ") && pylock.contains("name = \"six\""), "{pylock}");
    let leftovers = std::fs::read_dir(repo.path("_meta/requirements"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("xtask-tmp"))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn two_members_of_a_shared_env_that_disagree_are_explained() {
    let repo = Repo::new();
    repo.project("alpha", &["six<1.16"], &[], "def test():\n    pass\n");
    repo.project("beta", &["six>=1.16"], &[], "def test():\n    pass\n");
    for member in ["alpha", "beta"] {
        repo.append(&format!("projects/{member}/pyproject.toml"), "\n[tool.monorepo]\nenv = \"pair\"\n");
    }
    let run = repo.expect(&["lock"], 2);
    assert!(
        run.stderr.contains("projects/alpha/pyproject.toml requires `six<1.16` and projects/beta/pyproject.toml requires `six>=1.16`, and both are installed in env `pair`"),
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
    repo.write("_meta/requirements/gpu.in", "six>=1.16\n");
    repo.append("_meta/monorepo.toml", "\n[layers.gpu]\nextends = [\"extra\"]\n");
    repo.project("kit", &[], &["gpu"], "import attrs, idna, six, sniffio, tomli\n\ndef test_kit():\n    pass\n");
    repo.edit(
        "projects/kit/pyproject.toml",
        "dependencies = []",
        "dependencies = []\n[project.optional-dependencies]\nfast = [\"attrs\"]\n[dependency-groups]\ntest = [\"sniffio\"]\nlint = [\"tomli\"]",
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
    for (package, from) in [("attrs", "the fast extra"), ("sniffio", "the test group"), ("tomli", "the lint group")] {
        assert!(repo.pin("kit", package).is_some(), "{package} ({from}) is not in the lock:\n{lock}");
    }
    repo.expect(&["lock"], 0);
    for package in ["attrs", "sniffio", "tomli"] {
        assert!(repo.pin("app", package).is_none(), "{package} leaked into app");
    }
    assert_eq!(repo.pin("kit", "idna"), repo.pin("app", "idna"), "extra's pin is shared");
    assert_eq!(repo.pin("kit", "six"), repo.pin("gpu", "six"));
}
