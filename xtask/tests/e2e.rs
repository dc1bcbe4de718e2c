//! End-to-end: the built xtask on small real monorepos, with real uv, venvs and pytest.

mod support;

use support::{PYTEST_9, Repo, TINY_A_NEWEST, TINY_B_NEWEST, path_without_uv, wheelhouse};

#[test]
fn lock_compiles_layers_then_envs_with_base_pins_identical_everywhere() {
    let repo = Repo::sample();
    let run = repo.expect(&["lock"], 0);
    for lock in ["base", "extra", "core", "lib", "app", "solo"] {
        assert!(run.stderr.contains(&format!("Locked {lock} ")), "{}", run.all());
        let text = repo.read(&format!("_meta/requirements/{lock}.txt"));
        assert!(text.starts_with("# Locked by `cargo xtask lock`"), "{lock}: {text}");
        assert!(text.contains("# inputs-digest: ") && text.contains("# body-digest: "), "{lock}: {text}");
        // Resolved from the wheelhouse alone, and synced from it alone: the index options
        // come right after the header, and no other line is one.
        let after_header: Vec<&str> = text.lines().skip_while(|l| l.starts_with('#')).take(2).collect();
        let wanted = ["--no-index".to_owned(), format!("--find-links {}", wheelhouse().display())];
        assert_eq!(after_header, wanted, "{lock}: {text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("--")).count(), 2, "{lock}: {text}");
    }
    // The newest of each in the wheelhouse, every pin with its hash.
    let base_pytest = repo.pin("base", "pytest").expect("base pins pytest");
    assert_eq!(base_pytest, format!("pytest=={PYTEST_9}"));
    assert_eq!(repo.pin("lib", "tiny-a"), Some(format!("tiny-a=={TINY_A_NEWEST}")));
    assert_eq!(repo.pin("app", "tiny-b"), Some(format!("tiny-b=={TINY_B_NEWEST}")));
    let base = repo.read("_meta/requirements/base.txt");
    assert!(base.contains(&format!("pytest=={PYTEST_9} \\\n    --hash=sha256:")), "{base}");
    assert_eq!(repo.pin("base", "colorama").as_deref(), Some("colorama==0.4.6"), "a universal lock: {base}");
    for lock in ["extra", "core", "lib", "app", "solo"] {
        assert_eq!(repo.pin(lock, "pytest").as_ref(), Some(&base_pytest), "{lock} drifted from base");
    }
    // Local dependencies are editable paths relative to the root; layers only where opted in.
    let app = repo.read("_meta/requirements/app.txt");
    for editable in ["-e ./projects/app", "-e ./projects/lib", "-e ./projects/core"] {
        assert!(app.lines().any(|l| l == editable), "{editable} missing from\n{app}");
    }
    assert!(repo.pin("app", "tiny-b").is_some() && repo.pin("lib", "tiny-b").is_none());
    assert!(repo.pin("lib", "tiny-a").is_some() && repo.pin("core", "tiny-a").is_none());
    // A second lock has nothing to do.
    let again = repo.expect(&["lock"], 0);
    assert!(again.stderr.contains("nothing to do") && !again.stderr.contains("Locked"), "{}", again.all());
}

#[test]
fn lock_check_passes_when_fresh_and_names_exactly_the_stale_locks() {
    let repo = Repo::sample();
    let missing = repo.expect(&["lock", "--check"], 1);
    assert!(missing.stdout.contains("- _meta/requirements/base.txt is missing"), "{}", missing.all());
    repo.expect(&["lock"], 0);
    let before = repo.read("_meta/requirements/app.txt");
    // Offline and resolver-free: the check runs without any uv.
    let fresh = repo.xtask_with_path(&["lock", "--check"], path_without_uv());
    std::fs::remove_file(repo.path("_meta/.tools")).unwrap();
    let fresh_without_tools = repo.xtask_with_path(&["lock", "--check"], path_without_uv());
    assert_eq!((fresh.code, fresh_without_tools.code), (0, 0), "{}", fresh_without_tools.all());

    // Editing a leaf project's pyproject makes exactly its lock stale.
    let pyproject = repo.read("projects/solo/pyproject.toml");
    repo.write("projects/solo/pyproject.toml", &pyproject.replace("dependencies = []", "dependencies = [\"tiny-a\"]"));
    let stale = repo.xtask_with_path(&["lock", "--check"], path_without_uv());
    assert_eq!(stale.code, 1, "{}", stale.all());
    let stale_lines: Vec<&str> = stale.stdout.lines().filter(|l| l.contains(" is stale")).map(str::trim).collect();
    assert_eq!(stale_lines, ["- _meta/requirements/solo.txt is stale: its inputs changed"], "{}", stale.all());
    assert!(stale.stdout.contains("hint: run `cargo xtask lock`"), "{}", stale.all());
    assert_eq!(repo.read("_meta/requirements/app.txt"), before, "--check must write nothing");

    // Editing a dependency's pyproject makes it and its dependants stale, nothing else.
    repo.write("projects/solo/pyproject.toml", &pyproject);
    let core = repo.read("projects/core/pyproject.toml");
    repo.write("projects/core/pyproject.toml", &core.replace("version = \"0.1.0\"", "version = \"0.2.0\""));
    let stale = repo.xtask_with_path(&["lock", "--check"], path_without_uv());
    let names: Vec<&str> = stale.stdout.lines().filter(|l| l.contains(" is stale")).collect();
    assert_eq!(names.len(), 3, "{}", stale.all());
    for lock in ["app", "core", "lib"] {
        assert!(stale.stdout.contains(&format!("_meta/requirements/{lock}.txt is stale")), "{}", stale.all());
    }
}

#[test]
fn setup_envs_syncs_each_venv_exactly_and_a_second_run_needs_no_uv() {
    let repo = Repo::sample();
    // setup-envs locks first when locks are missing.
    let run = repo.expect(&["setup-envs"], 0);
    assert!(run.stderr.contains("Locked base") && run.stderr.contains("Synced app"), "{}", run.all());
    let version = |p: &str| repo.python(p, "import importlib.metadata as m; print(m.version('pytest'))");
    let pytest = version("core");
    assert_eq!(pytest, PYTEST_9);
    for project in ["lib", "app", "solo"] {
        assert_eq!(version(project), pytest, "pytest differs in {project}");
    }
    // Local dependencies are importable editable installs; isolation keeps others out.
    assert_eq!(
        repo.python("app", "import e2e_lib, tiny_b; print(e2e_lib.double(4), tiny_b.VERSION)"),
        format!("8 {TINY_B_NEWEST}")
    );
    assert_eq!(repo.python("core", "import importlib.util as u; print(u.find_spec('tiny_a') is None)"), "True");
    // Fresh: no uv needed at all (neither on PATH nor bootstrapped), nothing spawned.
    std::fs::remove_file(repo.path("_meta/.tools")).unwrap();
    let noop = repo.xtask_with_path(&["setup-envs"], path_without_uv());
    assert_eq!(noop.code, 0, "{}", noop.all());
    assert!(noop.stderr.contains("4 envs, nothing to do"), "{}", noop.all());
}

#[test]
fn setup_envs_removes_what_the_lock_no_longer_lists() {
    let repo = Repo::sample();
    repo.expect(&["setup-envs", "-p", "lib"], 0);
    assert!(!repo.path("projects/app/.venv").exists(), "-p lib must set up lib only");
    assert_eq!(repo.python("lib", "import tiny_a; print(tiny_a.VERSION)"), TINY_A_NEWEST);
    let pyproject = repo.read("projects/lib/pyproject.toml");
    repo.write("projects/lib/pyproject.toml", &pyproject.replace(", \"tiny-a>=1.16\"", ""));
    let run = repo.expect(&["setup-envs", "-p", "lib"], 0);
    assert!(run.stderr.contains("Locked lib") && run.stderr.contains("Synced lib"), "{}", run.all());
    assert_eq!(repo.python("lib", "import importlib.util as u; print(u.find_spec('tiny_a') is None)"), "True");
}

#[test]
fn an_interrupted_sync_is_redone_by_the_next_run() {
    let repo = Repo::sample();
    repo.expect(&["setup-envs", "-p", "core"], 0);
    // A sync that did not complete leaves no stamp; simulate one that died half-way.
    std::fs::remove_file(repo.path("projects/core/.venv/.xtask-stamp")).unwrap();
    let site = repo.path("projects/core/.venv/lib/python3.11/site-packages");
    std::fs::remove_dir_all(site.join("_pytest")).unwrap();
    for entry in std::fs::read_dir(&site).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("pytest-") {
            std::fs::remove_dir_all(path).unwrap();
        }
    }
    let run = repo.expect(&["setup-envs", "-p", "core"], 0);
    assert!(run.stderr.contains("Synced core"), "{}", run.all());
    assert_eq!(repo.python("core", "import _pytest; print('ok')"), "ok");
    assert!(repo.path("projects/core/.venv/.xtask-stamp").is_file());
}

#[test]
fn test_all_runs_every_suite_in_its_own_venv() {
    let repo = Repo::sample();
    let run = repo.expect(&["test-all"], 0);
    for project in ["core", "lib", "app", "solo"] {
        let row = run
            .stdout
            .lines()
            .find(|l| l.starts_with(project) && l.contains(" ok "))
            .unwrap_or_else(|| panic!("no ok row for {project}\n{}", run.all()));
        assert!(row.split_whitespace().nth(2) == Some("1"), "{row}");
    }
    assert!(run.stderr.contains("4 projects: 4 passed, 0 failed, 0 skipped"), "{}", run.all());
    // Bytecode is compiled on first import and kept in the venv, never in the source tree,
    // even though these machines set PYTHONDONTWRITEBYTECODE=1.
    let cached = |p: &str| {
        std::fs::read_dir(repo.path(&format!("projects/{p}/.venv/.pycache"))).is_ok_and(|mut d| d.next().is_some())
    };
    assert!(cached("lib") && cached("app"), "no bytecode cached in the venvs");
    let stray: Vec<_> = ["core", "lib", "app", "solo"]
        .iter()
        .flat_map(|p| ["src", "tests"].map(|d| repo.path(&format!("projects/{p}/{d}/__pycache__"))))
        .filter(|d| d.exists())
        .collect();
    assert!(stray.is_empty(), "bytecode in the source tree: {stray:?}");
    // Each suite ran from its own folder, in its own venv.
    repo.write("projects/solo/tests/test_where.py", "import os, sys\n\ndef test_where():\n    assert os.getcwd().endswith('projects/solo')\n    assert sys.prefix.endswith('projects/solo/.venv')\n");
    let one = repo.expect(&["test", "solo", "--", "-k", "where"], 0);
    assert!(one.stdout.contains("1 passed, 1 deselected"), "{}", one.all());
}

#[test]
fn test_all_skips_the_dependants_of_a_failing_project_and_exits_1() {
    let repo = Repo::sample();
    repo.write("projects/lib/tests/test_broken.py", "def test_broken():\n    assert 1 + 1 == 3\n");
    let run = repo.expect(&["test-all"], 1);
    let row = |p: &str| row_of(&run, p);
    assert!(row("lib").contains("FAILED"), "{}", run.all());
    assert!(row("app").contains("skipped") && row("app").contains("needs lib"), "{}", run.all());
    assert!(run.stdout.contains("assert 1 + 1 == 3"), "the failing suite's output is shown\n{}", run.all());
    assert!(run.stderr.contains("1 failed"), "{}", run.all());
}

#[test]
fn keep_going_runs_the_dependants_of_a_failure_and_marks_them() {
    let repo = Repo::sample();
    repo.write("projects/lib/tests/test_broken.py", "def test_broken():\n    assert 1 + 1 == 3\n");
    let run = repo.expect(&["test-all", "--keep-going"], 1);
    let row = |p: &str| row_of(&run, p);
    assert!(row("lib").contains("FAILED"), "{}", run.all());
    assert!(row("app").contains(" ok ") && row("app").contains("ran after lib failed"), "{}", run.all());
    assert!(row("core").contains(" ok ") && row("solo").contains(" ok "), "{}", run.all());
    assert!(run.stderr.contains("4 projects: 3 passed, 1 failed, 0 skipped"), "{}", run.all());
}

/// The table row of project `p`.
fn row_of(run: &support::Run, p: &str) -> String {
    run.stdout
        .lines()
        .find(|l| l.starts_with(&format!("{p} ")))
        .unwrap_or_else(|| panic!("no row for {p}\n{}", run.all()))
        .to_owned()
}

#[test]
fn a_lock_that_cannot_be_resolved_leaves_every_lock_as_it_was() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let before = repo.read("_meta/requirements/solo.txt");
    let pyproject = repo.read("projects/solo/pyproject.toml");
    repo.write(
        "projects/solo/pyproject.toml",
        &pyproject.replace("dependencies = []", "dependencies = [\"pytest<8\"]"),
    );
    let run = repo.expect(&["lock"], 2);
    assert!(run.stderr.contains("error: cannot lock `solo` (_meta/requirements/solo.txt)"), "{}", run.all());
    assert!(run.stderr.contains("pytest"), "the resolver's reason is shown\n{}", run.all());
    assert!(run.stderr.contains("hint: ") && run.stderr.contains("projects/solo/pyproject.toml"), "{}", run.all());
    assert_eq!(repo.read("_meta/requirements/solo.txt"), before);
    let leftovers: Vec<_> = std::fs::read_dir(repo.path("_meta/requirements"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".xtask-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn bootstraps_the_pinned_uv_when_path_has_none() {
    let repo = Repo::sample();
    std::fs::remove_file(repo.path("_meta/.tools")).unwrap();
    let run = repo.xtask_with_path(&["lock"], path_without_uv());
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("Bootstrapping uv 0.13.9"), "{}", run.all());
    assert!(repo.path("_meta/.tools/uv-0.13.9/bin/uv").is_file());
    // Once is enough.
    std::fs::remove_file(repo.path("_meta/requirements/solo.txt")).unwrap();
    let again = repo.xtask_with_path(&["lock"], path_without_uv());
    assert!(again.code == 0 && !again.stderr.contains("Bootstrapping"), "{}", again.all());
}
