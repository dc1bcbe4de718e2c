//! End-to-end: locks you can trust. A lock's body is covered by its digest; every input
//! (includes, index options, the config) is hashed and nothing else changes a compile; any
//! checkout gives the same digests; a failed run leaves every lock byte for byte as it was.

mod support;

use std::path::Path;
use std::process::Command;

use support::{Repo, Run, build_wheel, pinned};

/// Runs the xtask like `Repo::xtask`, with extra environment variables (which it must
/// ignore or honour, as the test says).
fn xtask_env(repo: &Repo, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args).current_dir(repo.path(""));
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.env_remove("VIRTUAL_ENV").env_remove("GITHUB_ACTIONS").output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every lock of the repo, by file name, as bytes.
fn locks(repo: &Repo) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(repo.path("_meta/requirements"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".txt"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn a_pin_edited_in_a_lock_body_fails_check_and_lock_repairs_it() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let original = repo.read("_meta/requirements/lib.txt");
    let newest = pinned("tiny-a", support::TINY_A_NEWEST);
    assert_eq!(repo.pin("lib", "tiny-a"), Some(newest.clone()));
    repo.edit("_meta/requirements/lib.txt", &newest, "tiny-a==1.16.0");

    let check = repo.expect(&["check"], 1);
    assert!(
        check
            .stdout
            .contains("- _meta/requirements/lib.txt was edited by hand or merged: its body does not match its digest"),
        "{}",
        check.all()
    );
    assert!(check.stdout.contains("hint: run `cargo xtask lock`"), "{}", check.all());
    assert_eq!(check.stdout.matches(" was edited by hand").count(), 1, "only lib's lock: {}", check.all());

    // The edit is not trusted as uv's starting point: the lock comes back as compiled.
    let lock = repo.expect(&["lock"], 0);
    assert!(lock.stderr.contains("Locked lib "), "{}", lock.all());
    assert_eq!(repo.read("_meta/requirements/lib.txt"), original);
    repo.expect(&["check"], 0);
}

#[test]
fn a_truncated_lock_is_recompiled_before_a_sync_instead_of_emptying_the_venv() {
    let repo = Repo::sample();
    repo.expect(&["setup-envs", "-p", "app"], 0);
    let text = repo.read("_meta/requirements/app.txt");
    let cut = &text[..text.find("pytest==").expect("app's lock pins pytest")];
    repo.write("_meta/requirements/app.txt", cut);
    let run = repo.expect(&["setup-envs", "-p", "app"], 0);
    assert!(run.stderr.contains("Locked app "), "{}", run.all());
    assert_eq!(repo.read("_meta/requirements/app.txt"), text);
    assert_eq!(repo.python("app", "import pytest; print(pytest.__version__)"), support::PYTEST_9);
}

#[test]
fn a_garbage_lock_names_its_line_and_lock_compiles_it_again() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let original = repo.read("_meta/requirements/solo.txt");
    // (Merge conflict markers are a finding of their own: see `check`'s tests.)
    repo.append("_meta/requirements/solo.txt", "pytest is great\n");
    let line = original.lines().count() + 1;
    let check = repo.expect(&["check"], 1);
    assert!(
        check.stdout.contains(&format!(
            "- _meta/requirements/solo.txt cannot be read: line {line}: `pytest is great` is not a pinned requirement"
        )),
        "{}",
        check.all()
    );
    let lock = repo.expect(&["lock"], 0);
    assert!(lock.stderr.contains("Locked solo "), "{}", lock.all());
    assert_eq!(repo.read("_meta/requirements/solo.txt"), original);
}

#[test]
fn a_url_requirement_is_fresh_once_synced() {
    let repo = Repo::sample();
    let wheels = repo.path("vendored");
    let wheel = build_wheel(&wheels, "tiny-url", "0.3.0", &[]);
    let url = format!("tiny-url @ file://{}", wheel.display());
    repo.project(
        "viaurl",
        &[&url],
        &[],
        "import tiny_url\n\ndef test_url():\n    assert tiny_url.VERSION == '0.3.0'\n",
    );
    repo.expect(&["setup-envs", "-p", "viaurl"], 0);
    assert!(repo.read("_meta/requirements/viaurl.txt").contains(&format!("tiny-url @ file://{}", wheel.display())));
    let again = repo.expect(&["setup-envs", "-p", "viaurl"], 0);
    assert!(again.stderr.contains("Fresh 1 env"), "{}", again.all());
    let check = repo.expect(&["check"], 1); // the other projects are not locked yet
    assert!(!check.stdout.contains("installed by hand"), "{}", check.all());
    assert!(check.stdout.lines().any(|l| l.starts_with("viaurl") && l.ends_with("ok")), "{}", check.all());
}

#[test]
fn find_links_in_a_layer_lock_and_set_up_and_the_lock_carries_them() {
    let repo = Repo::sample();
    build_wheel(&repo.path("vendored"), "tiny-local", "2.0.0", &[]);
    repo.write("_meta/requirements/extra.in", "--find-links ../../vendored\ntiny-b>=3\ntiny-local\n");
    repo.expect(&["setup-envs", "-p", "app"], 0);
    let extra = repo.read("_meta/requirements/extra.txt");
    assert!(extra.lines().any(|l| l == "--find-links ../../vendored"), "{extra}");
    let app = repo.read("_meta/requirements/app.txt");
    assert!(app.lines().any(|l| l == "--find-links ../../vendored"), "{app}");
    assert_eq!(repo.python("app", "import tiny_local; print(tiny_local.VERSION)"), "2.0.0");
}

#[test]
fn config_index_options_are_hashed_and_passed_to_compile() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    repo.expect(&["check"], 0);
    // A resolution cut-off is an input: every lock is stale until compiled with it.
    repo.edit(
        "_meta/monorepo.toml",
        "no-index = true\n",
        "no-index = true\nexclude-newer = \"2026-01-01T00:00:00Z\"\n",
    );
    let check = repo.expect(&["check"], 1);
    assert_eq!(check.stdout.matches(" is stale: its inputs changed").count(), 6, "{}", check.all());
    repo.edit("_meta/monorepo.toml", "exclude-newer = \"2026-01-01T00:00:00Z\"\n", "");
    repo.expect(&["check"], 0);
    // Without the index options, nothing resolves: they are what compile gets.
    repo.edit("_meta/monorepo.toml", "no-index = true\n", "no-index = true\nfind-links = []\n");
    let bad = repo.xtask(&["lock"]);
    assert_ne!(bad.code, 0, "{}", bad.all());
}

#[test]
fn an_included_file_is_an_input() {
    let repo = Repo::sample();
    repo.write("_meta/requirements/base.in", "-r common/tools.in\n");
    repo.write("_meta/requirements/common/tools.in", "pytest>=8\n-c pins.txt\n");
    repo.write("_meta/requirements/common/pins.txt", "tiny-a<1.17\n");
    repo.expect(&["lock"], 0);
    let base = repo.read("_meta/requirements/base.txt");
    for input in ["base.in", "common/tools.in", "common/pins.txt"] {
        assert!(base.contains(&format!("#   _meta/requirements/{input}\n")), "{base}");
    }
    repo.expect(&["check"], 0);
    repo.write("_meta/requirements/common/pins.txt", "tiny-a<1.16\n");
    let check = repo.expect(&["check"], 1);
    assert_eq!(
        check.stdout.matches(" is stale: its inputs changed").count(),
        6,
        "every lock is on base: {}",
        check.all()
    );
    let missing = {
        repo.write("_meta/requirements/common/tools.in", "pytest>=8\n-r nowhere.in\n");
        repo.expect(&["check"], 2)
    };
    assert!(
        missing.stderr.contains("_meta/requirements/common/tools.in:2 includes _meta/requirements/common/nowhere.in"),
        "{}",
        missing.all()
    );
}

#[test]
fn uv_settings_from_the_environment_or_a_uv_toml_change_no_pin() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let before = locks(&repo);
    for name in ["base", "lib", "app"] {
        std::fs::remove_file(repo.path(&format!("_meta/requirements/{name}.txt"))).unwrap();
    }
    repo.write("uv.toml", "resolution = \"lowest-direct\"\n");
    let run = xtask_env(&repo, &["lock"], &[("UV_RESOLUTION", Path::new("lowest-direct"))]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(repo.pin("lib", "tiny-a"), Some(pinned("tiny-a", support::TINY_A_NEWEST)));
    assert_eq!(locks(&repo), before);
}

#[test]
fn a_checkout_with_crlf_line_endings_is_fresh() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let mut files = vec![
        "_meta/monorepo.toml".to_owned(),
        "_meta/requirements/base.in".into(),
        "_meta/requirements/extra.in".into(),
    ];
    for project in ["core", "lib", "app", "solo"] {
        files.push(format!("projects/{project}/pyproject.toml"));
    }
    for (name, _) in locks(&repo) {
        files.push(format!("_meta/requirements/{name}"));
    }
    for file in &files {
        let text = repo.read(file);
        assert!(!text.contains('\r'));
        repo.write(file, &text.replace('\n', "\r\n"));
    }
    repo.expect(&["check"], 0);
    let lock = repo.expect(&["lock"], 0);
    assert!(lock.stderr.contains("nothing to do"), "{}", lock.all());
}

#[test]
fn a_layer_pin_for_an_older_python_does_not_fail_check_for_a_newer_one() {
    let repo = Repo::sample();
    repo.write("_meta/requirements/base.in", "pytest>=8\ntiny-c ; python_version < \"3.12\"\n");
    repo.project("newer", &[], &[], "def test_newer():\n    assert True\n");
    repo.edit("projects/newer/pyproject.toml", "requires-python = \">=3.11\"", "requires-python = \">=3.12\"");
    repo.expect(&["lock"], 0);
    assert!(repo.read("_meta/requirements/base.txt").contains("tiny-c==1.0.0 ; python_full_version < '3.12'"));
    assert!(repo.pin("newer", "tiny-c").is_none());
    repo.expect(&["check"], 0);
}

#[test]
fn an_env_is_constrained_by_the_layers_of_its_local_dependencies() {
    let repo = Repo::new();
    repo.project("lib", &[], &["extra"], "def test_lib():\n    assert True\n");
    repo.project("app", &["e2e-lib"], &[], "import tiny_b\n\ndef test_app():\n    assert tiny_b.VERSION\n");
    repo.expect(&["lock"], 0);
    let app = repo.read("_meta/requirements/app.txt");
    assert!(app.contains("#   _meta/requirements/extra.in\n"), "{app}");
    assert_eq!(repo.pin("app", "tiny-b"), repo.pin("extra", "tiny-b"));
    // Moving the layer's pin makes app's lock stale too.
    repo.write("_meta/requirements/extra.in", "tiny-b==3.0.0\n");
    let check = repo.expect(&["check"], 1);
    assert!(check.stdout.contains("_meta/requirements/app.txt is stale"), "{}", check.all());
}

#[test]
fn a_run_that_fails_leaves_every_lock_as_it_was_byte_for_byte() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let before = locks(&repo);
    // A Python that is not installed: nothing is re-locked for it.
    repo.edit("_meta/monorepo.toml", "python = \"3.11\"", "python = \"3.14\"");
    let run = repo.expect(&["setup-envs"], 2);
    assert!(run.stderr.contains("no Python 3.14 found"), "{}", run.all());
    assert!(!run.stderr.contains("Locked"), "{}", run.all());
    assert_eq!(locks(&repo), before);
    let run = repo.expect(&["update-base"], 2);
    assert!(run.stderr.contains("no Python 3.14 found") && !run.stderr.contains("Locked"), "{}", run.all());
    assert_eq!(locks(&repo), before);

    // A compile that fails after others succeeded puts them back, non-UTF-8 bytes and all.
    repo.edit("_meta/monorepo.toml", "python = \"3.14\"", "python = \"3.11\"");
    let mut base = std::fs::read(repo.path("_meta/requirements/base.txt")).unwrap();
    base.extend_from_slice(b"# caf\xe9\n");
    std::fs::write(repo.path("_meta/requirements/base.txt"), &base).unwrap();
    repo.edit("projects/solo/pyproject.toml", "dependencies = []", "dependencies = [\"tiny-a<1.0\"]");
    let before = locks(&repo);
    let run = repo.expect(&["lock"], 2);
    assert!(run.stderr.contains("Locked base "), "{}", run.all());
    assert_eq!(locks(&repo), before);
}

#[test]
fn a_lock_left_by_a_deleted_project_is_reported_and_removed() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    std::fs::remove_dir_all(repo.path("projects/solo")).unwrap();
    let check = repo.expect(&["check"], 1);
    assert!(
        check.stdout.contains("- _meta/requirements/solo.txt is a lock that no project or layer has"),
        "{}",
        check.all()
    );
    let lock = repo.expect(&["lock"], 0);
    assert!(lock.stderr.contains("Removed _meta/requirements/solo.txt"), "{}", lock.all());
    assert!(!repo.path("_meta/requirements/solo.txt").exists());
    // A requirements file the xtask did not write is not its to remove.
    repo.write("_meta/requirements/notes.txt", "six\n");
    repo.expect(&["lock"], 0);
    repo.expect(&["check"], 0);
    assert!(repo.path("_meta/requirements/notes.txt").exists());
}

#[test]
fn a_misspelt_upgrade_package_is_named_with_the_closest() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let before = locks(&repo);
    let run = repo.expect(&["lock", "--upgrade-package", "tiny-aa"], 2);
    assert!(run.stderr.contains("no lock in scope pins `tiny-aa`"), "{}", run.all());
    assert!(run.stderr.contains("hint: did you mean `tiny-a`?"), "{}", run.all());
    assert_eq!(locks(&repo), before);
}

#[test]
fn a_pylock_export_is_the_same_every_run_and_installs() {
    let repo = Repo::sample();
    repo.expect(&["export", "lib", "--format", "pylock", "-o", "pylock.lib.toml"], 0);
    let first = repo.read("pylock.lib.toml");
    repo.expect(&["export", "lib", "--format", "pylock", "-o", "pylock.lib.toml"], 0);
    assert_eq!(repo.read("pylock.lib.toml"), first);
    assert!(!first.contains("xtask-tmp") && !first.contains("xtask-export"), "{first}");
    assert!(first.contains("path = \"projects/lib\""), "{first}");
    let venv = repo.path("exported");
    let uv = repo.uv();
    let ok = |cmd: &mut Command| {
        let out = cmd.current_dir(repo.path("")).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    ok(Command::new(&uv).args(["venv", "--quiet", "--no-config", "--python", "3.11"]).arg(&venv));
    ok(Command::new(&uv)
        .args(["pip", "install", "--quiet", "--no-config", "--offline", "-r", "pylock.lib.toml", "--python"])
        .arg(venv.join("bin/python")));
    let out = Command::new(venv.join("bin/python"))
        .args(["-c", "import e2e_lib, tiny_a; print(e2e_lib.double(2))"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "4", "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_member_folder_whose_name_reads_as_a_package_is_locked_as_a_path() {
    let repo = Repo::new();
    repo.edit("_meta/monorepo.toml", "members = [\"projects/*\"]", "members = [\"projects/*\", \"_shared\"]");
    repo.project("app", &[], &[], "def test_app():\n    assert True\n");
    repo.write(
        "_shared/pyproject.toml",
        "[project]\nname = \"e2e-shared\"\nversion = \"0.1.0\"\ndependencies = []\n\n[build-system]\n\
         requires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
    );
    repo.write("_shared/src/e2e_shared/__init__.py", "");
    repo.expect(&["lock"], 0);
    assert!(repo.read("_meta/requirements/_shared.txt").lines().any(|l| l == "-e ./_shared"));
}

#[test]
fn an_impossible_requires_python_is_an_error_naming_the_file() {
    let repo = Repo::sample();
    repo.edit("projects/solo/pyproject.toml", "requires-python = \">=3.11\"", "requires-python = \">=3.12,<3.11\"");
    let run = repo.expect(&["lock"], 2);
    assert!(run.stderr.contains("projects/solo/pyproject.toml"), "{}", run.all());
    assert!(run.stderr.contains(">=3.12,<3.11"), "{}", run.all());
}

#[test]
fn locks_carry_hashes_and_a_swapped_wheel_fails_the_sync_naming_it() {
    let repo = Repo::sample();
    let vendored = repo.path("vendored");
    build_wheel(&vendored, "tiny-swap", "1.0.0", &[]);
    repo.write("_meta/requirements/extra.in", "--find-links ../../vendored\ntiny-b>=3\ntiny-swap\n");
    repo.expect(&["lock"], 0);
    let base = repo.read("_meta/requirements/base.txt");
    let pins: Vec<&str> = base.lines().filter(|l| l.contains("==")).collect();
    assert!(!pins.is_empty());
    for pin in pins {
        assert!(pin.ends_with(" \\"), "{pin} has no hash in\n{base}");
    }
    assert!(base.contains("    --hash=sha256:"), "{base}");
    // The same name and version, other bytes: a swapped artifact.
    build_wheel(&vendored, "tiny-swap", "1.0.0", &["tiny-a"]);
    let cache = tempfile::tempdir().unwrap();
    let run = xtask_env(&repo, &["setup-envs", "-p", "app"], &[("UV_CACHE_DIR", cache.path())]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("the artifact of tiny-swap==1.0.0 does not have the hash the lock pins"),
        "{}",
        run.all()
    );
}

/// The entry of `package` in a lock, from its pin to its last hash.
fn entry(lock: &str, package: &str) -> String {
    let start =
        lock.find(&format!("\n{package}==")).map(|at| at + 1).unwrap_or_else(|| panic!("no {package} in\n{lock}"));
    let rest = &lock[start..];
    let end = rest.find("\n    #").or_else(|| rest.find("\n\n")).unwrap_or(rest.len());
    rest[..end].to_owned()
}

#[test]
fn hashes_written_by_hand_are_kept_in_every_lock_on_their_layer_and_checked() {
    let repo = Repo::sample();
    let wheels = repo.path("wheels");
    let new = build_wheel(&wheels, "tiny-h", "1.0.0", &[]);
    let old = build_wheel(&wheels, "tiny-h", "0.9.0", &[]);
    let sha = |path: &Path| xtask::digest::sha256(&std::fs::read(path).unwrap());
    let base = "_meta/requirements/base.in";
    // Written in capitals, after a `\`: read as pip reads it, kept as uv writes hashes.
    repo.write(
        base,
        &format!(
            "--find-links ../../wheels\npytest>=8\ntiny-h==1.0.0 \\\n    --hash=sha256:{}\n",
            sha(&new).to_uppercase()
        ),
    );
    repo.expect(&["setup-envs"], 0);
    let kept = format!("tiny-h==1.0.0 \\\n    --hash=sha256:{}", sha(&new));
    for (lock, _) in locks(&repo) {
        let text = repo.read(&format!("_meta/requirements/{lock}"));
        assert_eq!(entry(&text, "tiny-h"), kept, "every lock on base carries it: {lock}");
    }
    repo.expect(&["check"], 0);
    assert_eq!(repo.python("solo", "import tiny_h; print(tiny_h.VERSION)"), "1.0.0");

    // The lock carries the hashes written, not the ones uv found: a second one, of another
    // file (it could be another platform's wheel), is kept beside the first.
    repo.write(
        base,
        &format!(
            "--find-links ../../wheels\npytest>=8\ntiny-h==1.0.0 --hash=sha256:{} --hash=sha256:{}\n",
            sha(&new),
            sha(&old)
        ),
    );
    repo.expect(&["lock"], 0);
    let both = format!("{kept} \\\n    --hash=sha256:{}", sha(&old));
    assert_eq!(entry(&repo.read("_meta/requirements/solo.txt"), "tiny-h"), both);

    // A hash of no file of the version the resolution picks: an error naming its line, and
    // every lock as it was.
    let before = locks(&repo);
    repo.write(base, &format!("--find-links ../../wheels\npytest>=8\ntiny-h>=0.9 --hash=sha256:{}\n", sha(&old)));
    let run = repo.expect(&["lock"], 2);
    assert!(
        run.stderr.contains(
            "the hash on line 3 of _meta/requirements/base.in (`tiny-h>=0.9`) does not match any file of tiny-h==1.0.0"
        ),
        "{}",
        run.all()
    );
    assert!(
        run.stderr.contains("hint: the resolution picked tiny-h==1.0.0: pin the version the hash is of"),
        "{}",
        run.all()
    );
    assert!(locks(&repo) == before, "every lock is put back");
    // Pinning the version the hash is of is the way out.
    repo.write(base, &format!("--find-links ../../wheels\npytest>=8\ntiny-h==0.9.0 --hash=sha256:{}\n", sha(&old)));
    repo.expect(&["setup-envs", "-p", "solo"], 0);
    assert_eq!(repo.python("solo", "import tiny_h; print(tiny_h.VERSION)"), "0.9.0");

    // A file uv does not list but the local folder holds (the sdist beside the wheel) is a
    // file of the version: its hash is checked against it, and kept.
    let sdist = wheels.join("tiny_h-1.0.0.tar.gz");
    let made = Command::new("python3")
        .args(["-c", "import sys, tarfile\nwith tarfile.open(sys.argv[1], 'w:gz') as t: t.add(sys.argv[2], 'tiny_h-1.0.0/PKG-INFO')"])
        .arg(&sdist)
        .arg(repo.path("_meta/monorepo.toml"))
        .status()
        .unwrap();
    assert!(made.success());
    repo.write(base, &format!("--find-links ../../wheels\npytest>=8\ntiny-h==1.0.0 --hash=sha256:{}\n", sha(&sdist)));
    repo.expect(&["lock"], 0);
    assert_eq!(
        entry(&repo.read("_meta/requirements/base.txt"), "tiny-h"),
        format!("tiny-h==1.0.0 \\\n    --hash=sha256:{}", sha(&sdist))
    );
}

#[test]
fn update_base_upgrades_a_package_that_only_env_locks_pin() {
    let repo = Repo::sample();
    repo.edit("projects/lib/pyproject.toml", "\"tiny-a>=1.16\"", "\"tiny-a>=1.16,<1.17\"");
    repo.expect(&["lock"], 0);
    repo.edit("projects/lib/pyproject.toml", "\"tiny-a>=1.16,<1.17\"", "\"tiny-a>=1.16\"");
    repo.expect(&["lock"], 0);
    assert_eq!(repo.pin("lib", "tiny-a"), Some(pinned("tiny-a", "1.16.0")), "a lock starts from its pins");
    assert_eq!(repo.pin("base", "tiny-a"), None, "base does not pin it; lib's and app's locks do");
    let run = repo.expect(&["update-base", "--no-sync", "--upgrade-package", "tiny-a"], 0);
    let newest = support::TINY_A_NEWEST;
    for lock in ["lib", "app"] {
        assert_eq!(repo.pin(lock, "tiny-a"), Some(pinned("tiny-a", newest)), "{lock}\n{}", run.all());
    }
    assert!(
        run.stdout.contains("tiny-a") && run.stdout.contains("1.16.0") && run.stdout.contains(newest),
        "{}",
        run.all()
    );
    // No other pin moved with it.
    assert_eq!(repo.pin("base", "pytest"), Some(pinned("pytest", support::PYTEST_9)));
}
