//! End-to-end: a new hire's first day. `doctor` on set-up, stale, misconfigured and broken
//! repos, and `envrc`'s direnv and VS Code files: written, checked, kept in step with the
//! envs, and never over a file it did not write. Real uv, venvs and bash on temp monorepos
//! that resolve from the local wheelhouse (which `doctor` takes as the offline cache).
#![cfg(unix)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{Repo, path_without_uv, wheelhouse};

/// The checks `doctor` runs on a repository whose config loads, in order.
const CHECKS: &[&str] = &["cargo", "rustc", "git", "config", "python 3.11", "uv", "index", "disk", "locks", "venvs"];

/// The line of check `name` in doctor's output: its level and its detail.
fn check<'a>(stdout: &'a str, name: &str) -> (&'a str, &'a str) {
    let line = stdout
        .lines()
        .find(|l| l.strip_prefix(name).is_some_and(|rest| rest.starts_with("  ")))
        .unwrap_or_else(|| panic!("no `{name}` line in\n{stdout}"));
    let mut rest = line[name.len()..].trim_start().splitn(2, "  ");
    (rest.next().unwrap(), rest.next().unwrap_or("").trim_start())
}

fn canonical(path: impl AsRef<Path>) -> PathBuf {
    std::fs::canonicalize(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// The JSONC file `rel` parsed as VS Code reads it: JSON once its `//` lines are dropped.
fn jsonc(repo: &Repo, rel: &str) -> serde_json::Value {
    let text = repo.read(rel);
    assert!(text.starts_with("// Written by `cargo xtask envrc`"), "{rel}:\n{text}");
    let json: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).map(|l| format!("{l}\n")).collect();
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{rel} is not JSON after its comments: {e}\n{text}"))
}

#[test]
fn doctor_on_a_set_up_repo_passes_with_a_line_per_check() {
    let repo = Repo::sample();
    repo.git_init();
    repo.expect(&["setup-envs"], 0);
    let run = repo.expect(&["doctor"], 0);
    assert_eq!(run.stdout.lines().count(), CHECKS.len(), "one line per check:\n{}", run.all());
    for name in CHECKS {
        let (level, detail) = check(&run.stdout, name);
        // Free space is the machine's, not the repository's: a full disk only warns.
        let allowed: &[&str] = if *name == "disk" { &["ok", "warn"] } else { &["ok"] };
        assert!(allowed.contains(&level), "`{name}` is {level}: {detail}\n{}", run.all());
    }
    // What was found is named: the pinned uv, the offline cache, every lock and venv.
    assert!(check(&run.stdout, "uv").1.starts_with("uv 0.13.9 at _meta/.tools/uv-0.13.9/bin/uv"), "{}", run.stdout);
    let index = check(&run.stdout, "index").1;
    assert!(index.starts_with("offline (no-index): find-links ") && index.contains(wheelhouse().to_str().unwrap()));
    assert!(check(&run.stdout, "python 3.11").1.contains("Python 3.11."), "{}", run.stdout);
    assert_eq!(check(&run.stdout, "locks").1, "6 locks fresh");
    assert_eq!(check(&run.stdout, "venvs").1, "4 venvs fresh");
    assert!(run.stderr.contains("Checked 10 checks: 10 ok") || run.stderr.contains("Checked 10 checks: 9 ok"));
}

#[test]
fn doctor_names_cargo_xtask_lock_for_a_stale_lock() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    // A fresh clone: locks committed, no venv made yet, no git. Worth a warning, no more.
    let clone = repo.expect(&["doctor"], 0);
    let (level, detail) = check(&clone.stdout, "venvs");
    assert_eq!(level, "warn", "{}", clone.all());
    assert_eq!(
        detail,
        "not made yet: core, lib, app, solo; run `cargo xtask setup-envs` (`cargo xtask test-all` makes them too)"
    );
    assert_eq!(check(&clone.stdout, "git").0, "warn", "not a git repository: {}", clone.all());

    repo.edit("projects/solo/pyproject.toml", "dependencies = []", "dependencies = [\"tiny-a\"]");
    let stale = repo.expect(&["doctor"], 1);
    let (level, detail) = check(&stale.stdout, "locks");
    assert_eq!(level, "FAIL", "{}", stale.all());
    assert_eq!(detail, "stale: _meta/requirements/solo.txt; run `cargo xtask lock` and commit the locks it writes");
    assert!(stale.stderr.contains("1 failed"), "{}", stale.all());
    // The other checks still ran.
    for name in CHECKS {
        check(&stale.stdout, name);
    }
}

#[test]
fn doctor_names_a_python_the_machine_lacks_and_how_to_install_it() {
    let repo = Repo::sample();
    repo.edit("_meta/monorepo.toml", "python = \"3.11\"", "python = \"3.99\"");
    let run = repo.expect(&["doctor"], 1);
    let (level, detail) = check(&run.stdout, "python 3.99");
    assert_eq!(level, "FAIL", "{}", run.all());
    assert!(detail.starts_with("no Python 3.99 (for the config and 4 envs; looked in "), "{detail}");
    assert!(detail.contains("python install 3.99`"), "the fix is a command: {detail}");
    assert!(!run.stdout.contains("python 3.11"), "nothing asks for 3.11 now:\n{}", run.stdout);
    // Looking is all it does: no venv, no lock, no Python installed.
    assert!(!repo.path("projects/core/.venv").exists() && !repo.path("_meta/requirements/base.txt").exists());
}

#[test]
fn doctor_reports_a_config_that_does_not_load_and_checks_the_machine_anyway() {
    let repo = Repo::sample();
    repo.edit("_meta/monorepo.toml", "members = [\"projects/*\"]", "members = [\"project/*\"]");
    let run = repo.expect(&["doctor"], 1);
    let (level, detail) = check(&run.stdout, "config");
    assert_eq!(level, "FAIL", "{}", run.all());
    // The error's message, then its hint.
    assert!(detail.starts_with("_meta/monorepo.toml: members pattern \"project/*\" matches no folder"), "{detail}");
    assert!(detail.contains("; did you mean \"projects/*\"?"), "{detail}");
    // The config itself parses: the machine checks read it; the repository's cannot run.
    assert_eq!(check(&run.stdout, "python 3.11").0, "ok", "{}", run.stdout);
    assert_eq!(check(&run.stdout, "index").0, "ok", "{}", run.stdout);
    assert_eq!(check(&run.stdout, "locks").0, "n/a", "{}", run.stdout);
    assert_eq!(check(&run.stdout, "venvs").0, "n/a", "{}", run.stdout);
}

#[test]
fn doctor_says_how_uv_will_be_bootstrapped_and_never_bootstraps_it() {
    let repo = Repo::sample();
    std::fs::remove_file(repo.path("_meta/.tools")).unwrap(); // no shared, bootstrapped uv
    let run = repo.xtask_with_path(&["doctor"], path_without_uv());
    let (level, detail) = check(&run.stdout, "uv");
    assert_eq!(level, "ok", "{}", run.all());
    assert!(detail.starts_with("uv 0.13.9 not installed yet: the first command that needs it bootstraps it into _meta/.tools/ with python3 3."), "{detail}");
    assert!(!repo.path("_meta/.tools").exists(), "doctor bootstrapped uv:\n{}", run.all());

    // Offline, the bootstrap installs uv from the find-links folders: without its wheel it cannot.
    let wheels = repo.path("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    let pytest = std::fs::read_dir(wheelhouse())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("pytest-"));
    std::fs::copy(pytest.as_ref().unwrap(), wheels.join(pytest.as_ref().unwrap().file_name().unwrap())).unwrap();
    let config = repo.read("_meta/monorepo.toml");
    let find_links = config.lines().find(|l| l.starts_with("find-links")).unwrap();
    repo.edit("_meta/monorepo.toml", find_links, "find-links = [\"wheels\"]");
    let run = repo.xtask_with_path(&["doctor"], path_without_uv());
    assert_eq!(run.code, 1, "{}", run.all());
    let (level, detail) = check(&run.stdout, "uv");
    assert_eq!(level, "FAIL", "{}", run.all());
    assert!(
        detail.contains("no find-links folder holds its wheel") && detail.contains("pip download uv==0.13.9"),
        "{detail}"
    );
    assert_eq!(check(&run.stdout, "index"), ("ok", "offline (no-index): find-links wheels (1 wheel)"));
    assert!(!repo.path("_meta/.tools").exists());
}

/// A uv at the bootstrap's path that answers `--version` and fails everything else is not
/// `ok`: doctor runs the check every command runs before it uses uv, says FAIL with the
/// fix, and the fix works.
#[test]
fn doctor_fails_a_broken_uv_and_its_fix_works() {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repo::sample();
    std::fs::remove_file(repo.path("_meta/.tools")).unwrap(); // a private tools folder
    let uv = repo.path("_meta/.tools/uv-0.13.9/bin/uv");
    std::fs::create_dir_all(uv.parent().unwrap()).unwrap();
    std::fs::write(&uv, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'uv 0.13.9'; exit 0; fi\nexit 3\n").unwrap();
    std::fs::set_permissions(&uv, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = repo.xtask_with_path(&["doctor"], path_without_uv());
    assert_eq!(run.code, 1, "{}", run.all());
    let (level, detail) = check(&run.stdout, "uv");
    assert_eq!(level, "FAIL", "{}", run.all());
    assert_eq!(
        detail,
        "uv 0.13.9 at _meta/.tools/uv-0.13.9/bin/uv is broken: `uv pip --help` exits with code 3; delete \
         _meta/.tools/uv-0.13.9 (`rm -rf _meta/.tools/uv-0.13.9`): the next command that needs uv bootstraps it \
         again, as it would replace this one"
    );
    // The fix, as written.
    let fix = Command::new("sh").args(["-c", "rm -rf _meta/.tools/uv-0.13.9"]).current_dir(repo.path("")).status();
    assert!(fix.unwrap().success());
    let run = repo.xtask_with_path(&["doctor"], path_without_uv());
    let (level, detail) = check(&run.stdout, "uv");
    assert_eq!(level, "ok", "{}", run.all());
    assert!(
        detail.starts_with("uv 0.13.9 not installed yet: the first command that needs it bootstraps it"),
        "{detail}"
    );
}

/// Sources `.envrc` in `dir` with bash, direnv's functions stubbed as direnv defines them
/// (`path_add` puts its folders first, made absolute), and prints what it set.
fn source_envrc(repo: &Repo, dir: &str) -> Vec<String> {
    let script = r#"
        watch_file() { :; }
        log_error() { echo "direnv: $*" >&2; }
        dotenv_if_exists() { :; }
        path_add() {
            local var=$1 out="" dir; shift
            for dir in "$@"; do out="${out:+$out:}$(cd "$dir" && pwd -P)"; done
            export "$var=$out${!var:+:${!var}}"
        }
        set -e
        source ./.envrc
        printf '%s\n' "$VIRTUAL_ENV" "$(command -v python)" "${PYTHONPATH-}" "${GREETING-}"
    "#;
    let out = Command::new("bash")
        .args(["-c", script])
        .current_dir(repo.path(dir))
        .env_remove("VIRTUAL_ENV")
        .env_remove("PYTHONPATH")
        .output()
        .unwrap();
    assert!(out.status.success(), "{dir}/.envrc does not source:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn envrc_writes_direnv_and_vscode_files_and_check_then_passes() {
    let repo = Repo::sample();
    repo.append(
        "projects/solo/pyproject.toml",
        "\n[tool.monorepo]\npythonpath = [\"../core/src\"]\nenvironment = { GREETING = \"it's here\" }\n",
    );
    repo.expect(&["setup-envs"], 0);
    let run = repo.expect(&["envrc"], 0);
    for project in ["core", "lib", "app", "solo"] {
        let dir = format!("projects/{project}");
        for file in [".envrc", ".vscode/settings.json"] {
            assert!(run.stderr.contains(&format!("Wrote {dir}/{file}\n")), "{}", run.all());
        }
        let envrc = repo.read(&format!("{dir}/.envrc"));
        assert!(envrc.starts_with("# Written by `cargo xtask envrc`"), "{envrc}");
        assert!(envrc.lines().any(|l| l.trim() == "source .venv/bin/activate"), "{envrc}");
        assert!(repo.path(&format!("{dir}/.venv/bin/activate")).is_file(), "setup-envs made what it sources");
        let lock = format!("watch_file ../../_meta/requirements/{project}.txt");
        assert!(envrc.lines().any(|l| l == lock), "{envrc}");
        assert!(envrc.lines().any(|l| l == "dotenv_if_exists .env"), "{envrc}");

        let settings = jsonc(&repo, &format!("{dir}/.vscode/settings.json"));
        let interpreter = settings["python.defaultInterpreterPath"].as_str().unwrap();
        assert_eq!(interpreter, "${workspaceFolder}/.venv/bin/python");
        let path = interpreter.replace("${workspaceFolder}", repo.path(&dir).to_str().unwrap());
        assert!(Path::new(&path).is_file(), "{path}");
    }
    assert!(run.stderr.contains("direnv allow"), "says how to allow them: {}", run.all());

    // Sourced as direnv would, it activates the venv and sets what the suite gets.
    let venv = canonical(repo.path("projects/solo/.venv"));
    let set = source_envrc(&repo, "projects/solo");
    assert_eq!(canonical(&set[0]), venv, "VIRTUAL_ENV: {set:?}");
    assert_eq!(canonical(&set[1]), canonical(venv.join("bin/python")), "python on PATH: {set:?}");
    assert_eq!(set[2], canonical(repo.path("projects/core/src")).to_str().unwrap(), "PYTHONPATH: {set:?}");
    assert_eq!(set[3], "it's here", "the project's environment: {set:?}");
    assert_eq!(source_envrc(&repo, "projects/core")[2], "", "no pythonpath, no PYTHONPATH");

    let workspace = jsonc(&repo, "monorepo.code-workspace");
    let folders: Vec<(String, String)> = workspace["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_owned(), f["path"].as_str().unwrap().to_owned()))
        .collect();
    let expected: Vec<(String, String)> =
        ["app", "core", "lib", "solo"].iter().map(|p| (p.to_string(), format!("projects/{p}"))).collect();
    assert_eq!(folders, expected);

    // Nothing changed, nothing written; the check agrees.
    let again = repo.expect(&["envrc"], 0);
    assert!(!again.stderr.contains("Wrote"), "{}", again.all());
    assert!(again.stderr.contains("wrote 0 files, 9 unchanged, 0 left alone"), "{}", again.all());
    repo.expect(&["envrc", "--check"], 0);
}

#[test]
fn envrc_leaves_files_it_did_not_write_alone() {
    let repo = Repo::sample();
    let mine = "# my own\nuse nix\nexport FOO=1\n";
    repo.write("projects/solo/.envrc", mine);
    let workspace = "{ \"folders\": [{ \"path\": \".\" }] }\n";
    repo.write("monorepo.code-workspace", workspace);
    let run = repo.expect(&["envrc"], 0);
    assert_eq!(std::fs::read(repo.path("projects/solo/.envrc")).unwrap(), mine.as_bytes(), "bytes unchanged");
    assert_eq!(repo.read("monorepo.code-workspace"), workspace);
    for file in ["projects/solo/.envrc", "monorepo.code-workspace"] {
        let said = format!(
            "warning: {file} was not written by `cargo xtask envrc` (its first line is not the marker): left alone"
        );
        assert!(run.stderr.contains(&said), "{}", run.all());
    }
    assert!(run.stderr.contains("Wrote projects/solo/.vscode/settings.json"), "the others are written: {}", run.all());
    assert!(!run.stderr.contains("Wrote projects/solo/.envrc"), "{}", run.all());

    // Skipped, not failed: the check passes and says what it skipped.
    let checked = repo.expect(&["envrc", "--check"], 0);
    assert!(checked.stdout.contains("- skipped: projects/solo/.envrc was not written by"), "{}", checked.all());
    assert!(checked.stderr.contains("0 to write, 2 skipped"), "{}", checked.all());
    assert_eq!(repo.read("projects/solo/.envrc"), mine);
}

#[test]
fn envrc_check_names_the_files_a_changed_env_makes_stale() {
    let repo = Repo::sample();
    repo.expect(&["envrc"], 0);
    repo.expect(&["envrc", "--check"], 0);

    // A layer more for lib: its .envrc says which layers its env has.
    repo.append("projects/lib/pyproject.toml", "\n[tool.monorepo]\nlayers = [\"extra\"]\n");
    let before = repo.read("projects/lib/.envrc");
    let layer = repo.expect(&["envrc", "--check"], 1);
    assert_eq!(
        layer.stdout.lines().collect::<Vec<_>>(),
        ["- projects/lib/.envrc differs from what `cargo xtask envrc` writes"],
        "{}",
        layer.all()
    );
    assert!(layer.stderr.contains("hint: run `cargo xtask envrc`"), "{}", layer.all());
    assert_eq!(repo.read("projects/lib/.envrc"), before, "--check writes nothing");

    // solo moves to an env of another name: another lock to watch, a venv linked as .venv.
    repo.append("projects/solo/pyproject.toml", "\n[tool.monorepo]\nenv = \"alone\"\n");
    std::fs::remove_file(repo.path("projects/core/.vscode/settings.json")).unwrap();
    let renamed = repo.expect(&["envrc", "--check"], 1);
    for finding in [
        "- projects/lib/.envrc differs",
        "- projects/solo/.envrc differs",
        "- projects/core/.vscode/settings.json is missing",
    ] {
        assert!(renamed.stdout.contains(finding), "{}", renamed.all());
    }
    assert_eq!(renamed.stdout.lines().count(), 3, "{}", renamed.all());

    let fixed = repo.expect(&["envrc"], 0);
    let mut wrote: Vec<&str> = fixed.stderr.lines().filter_map(|l| l.trim().strip_prefix("Wrote ")).collect();
    wrote.sort_unstable();
    assert_eq!(wrote, ["projects/core/.vscode/settings.json", "projects/lib/.envrc", "projects/solo/.envrc"]);
    let solo = repo.read("projects/solo/.envrc");
    assert!(solo.lines().any(|l| l == "watch_file ../../_meta/requirements/alone.txt"), "{solo}");
    assert!(solo.lines().any(|l| l.trim() == "source .venv/bin/activate"), "the link to the shared venv: {solo}");
    repo.expect(&["envrc", "--check"], 0);
}

#[test]
fn envrc_names_the_files_git_does_not_ignore() {
    let repo = Repo::sample();
    repo.git_init();
    let run = repo.expect(&["envrc"], 0);
    assert!(run.stderr.contains("warning: git does not ignore"), "{}", run.all());
    for line in ["/monorepo.code-workspace", "/projects/core/.envrc", "/projects/solo/.vscode/settings.json"] {
        assert!(run.stderr.contains(&format!("\n  {line}")), "`{line}` is named\n{}", run.all());
    }
    repo.append(".gitignore", "/monorepo.code-workspace\n/projects/*/.envrc\n/projects/*/.vscode/settings.json\n");
    let quiet = repo.expect(&["envrc"], 0);
    assert!(!quiet.stderr.contains("does not ignore"), "{}", quiet.all());
}
