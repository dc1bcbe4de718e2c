//! End-to-end: the everyday commands around the venvs, on small real monorepos: `run` (a
//! command in a project's venv, its environment and exit code), `status` (what each env's
//! lock and venv are, as JSON and as a table, as they change) and `clean` (only what the
//! xtask made goes; `--stale` for what no env uses and what interrupted runs left).
#![cfg(unix)]

mod support;

use std::path::Path;

use serde_json::Value;
use support::{Repo, path_without_uv};

/// A pid no process has (above Linux's `pid_max` limit and macOS's): a killed run's.
const DEAD_PID: &str = "999999999";

/// Runs `status --format json` and returns each env's entry by name.
fn status(repo: &Repo) -> std::collections::BTreeMap<String, Value> {
    let run = repo.expect(&["status", "--format", "json"], 0);
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.all()));
    report["envs"]
        .as_array()
        .unwrap_or_else(|| panic!("no `envs` array\n{}", run.all()))
        .iter()
        .map(|env| (env["name"].as_str().unwrap().to_owned(), env.clone()))
        .collect()
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

#[test]
fn run_runs_in_the_projects_venv_with_its_environment_and_exit_code() {
    let repo = Repo::new();
    repo.project("web", &["tiny-a>=1.16"], &[], "def test():\n    pass\n");
    repo.append(
        "projects/web/pyproject.toml",
        "\n[tool.monorepo]\npythonpath = [\"../../libs\"]\nenvironment = { FROM_SETTINGS = \"settings\" }\n",
    );
    repo.write("libs/helpers.py", "NAME = 'helpers'\n");
    repo.write(
        "projects/web/.env",
        "# local settings\nGREETING=\"hello from .env\"\nexport SINGLE='a $literal'\nSHADOWED=from-file\nVIRTUAL_ENV=/nowhere\n",
    );

    // Its package, its dependency and its pythonpath import; a failure's code is ours.
    let imports = repo.expect(&["run", "web", "--", "python", "-c", "import e2e_web, tiny_a, helpers"], 0);
    assert!(imports.stderr.contains("Synced web"), "set up first:\n{}", imports.all());
    let failed = repo.xtask(&["run", "web", "--", "python", "-c", "raise SystemExit(7)"]);
    assert_eq!(failed.code, 7, "{}", failed.all());

    // The venv active, the project's folder, the .env under the real environment, and
    // PYTHONHOME (which would break the venv's interpreter) gone.
    let show = "import json, os, sys; print(json.dumps({k: os.environ.get(k) for k in \
                ['VIRTUAL_ENV', 'GREETING', 'SINGLE', 'SHADOWED', 'FROM_SETTINGS', 'PYTHONHOME']} \
                | {'cwd': os.getcwd(), 'prefix': sys.prefix, 'path0': os.environ['PATH'].split(os.pathsep)[0]}))";
    let seen = repo.xtask_in(
        "projects",
        &["run", "web", "--", "python", "-c", show],
        &[("SHADOWED", "from-environment"), ("PYTHONHOME", "/nonexistent")],
    );
    assert_eq!(seen.code, 0, "{}", seen.all());
    let env: Value = serde_json::from_str(seen.stdout.trim()).unwrap_or_else(|e| panic!("{e}\n{}", seen.all()));
    let real = |rel: &str| std::fs::canonicalize(repo.path(rel)).unwrap();
    let venv = real("projects/web/.venv");
    assert_eq!(Path::new(env["VIRTUAL_ENV"].as_str().unwrap()), repo.path("projects/web/.venv"), "{env}");
    assert_eq!(std::fs::canonicalize(env["prefix"].as_str().unwrap()).unwrap(), venv, "{env}");
    assert_eq!(std::fs::canonicalize(env["cwd"].as_str().unwrap()).unwrap(), real("projects/web"), "{env}");
    assert_eq!(std::fs::canonicalize(env["path0"].as_str().unwrap()).unwrap(), venv.join("bin"), "{env}");
    assert_eq!(env["GREETING"], "hello from .env");
    assert_eq!(env["SINGLE"], "a $literal");
    assert_eq!(env["SHADOWED"], "from-environment", "the real environment wins over .env");
    assert_eq!(env["FROM_SETTINGS"], "settings");
    assert_eq!(env["PYTHONHOME"], Value::Null);
    assert!(seen.stderr.contains(".env sets VIRTUAL_ENV, which `run` sets itself: ignored"), "{}", seen.all());

    // The project by its folder, from inside it; a path is taken from the project's folder.
    repo.write("projects/web/tool.sh", "#!/bin/sh\nexit 3\n");
    std::fs::set_permissions(repo.path("projects/web/tool.sh"), std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .unwrap();
    let by_path = repo.xtask_in("projects/web", &["run", ".", "--", "./tool.sh"], &[]);
    assert_eq!(by_path.code, 3, "{}", by_path.all());

    // A command that is nowhere: the closest script of the venv, and what to do.
    let typo = repo.expect(&["run", "web", "--", "pytset", "-q"], 2);
    assert!(typo.stderr.contains("error: cannot run `pytset`: it is not in the venv of `web`"), "{}", typo.all());
    assert!(typo.stderr.contains("hint: did you mean `pytest`?"), "{}", typo.all());
    let missing = repo.expect(&["run", "web", "--", "./no-such-script"], 2);
    assert!(missing.stderr.contains("there is no executable projects/web/./no-such-script"), "{}", missing.all());

    // A .env it cannot read names its line.
    repo.write("projects/web/.env", "OK=1\nnot a variable\n");
    let bad = repo.expect(&["run", "web", "--", "python", "-c", "pass"], 2);
    assert!(bad.stderr.contains("cannot read projects/web/.env: line 2:"), "{}", bad.all());
}

#[test]
fn status_reports_lock_and_venv_states_as_they_change() {
    let repo = Repo::new();
    repo.project("web", &["tiny-a>=1.16"], &[], "def test():\n    pass\n");
    repo.project("api", &[], &[], "def test():\n    pass\n");

    let before = status(&repo);
    assert_eq!(before.keys().collect::<Vec<_>>(), ["api", "web"]);
    let web = &before["web"];
    assert_eq!((web["lock"].as_str(), web["venv"].as_str()), (Some("missing"), Some("missing")), "{web}");
    assert_eq!((&web["packages"], &web["size_bytes"]), (&Value::Null, &Value::Null), "{web}");
    assert_eq!((web["python"].as_str(), web["venv_path"].as_str()), (Some("3.11"), Some("projects/web/.venv")));
    assert_eq!(web["members"], serde_json::json!(["web"]));

    repo.expect(&["setup-envs", "-p", "web"], 0);
    let after = status(&repo);
    let web = &after["web"];
    assert_eq!((web["lock"].as_str(), web["venv"].as_str()), (Some("fresh"), Some("in-sync")), "{web}");
    assert!(web["python"].as_str().unwrap().starts_with("3.11."), "the venv's own version: {web}");
    let packages = web["packages"].as_u64().unwrap();
    assert!(packages >= 5, "pytest and its dependencies, tiny-a, the project: {web}");
    assert!(web["size_bytes"].as_u64().unwrap() > 100_000, "{web}");
    assert_eq!(after["api"]["venv"], "missing", "api was not set up");

    // A package installed by hand: drifted, one package more; the lock is still fresh.
    repo.pip_install("web", &["tiny-c"]);
    let drifted = &status(&repo)["web"];
    assert_eq!((drifted["lock"].as_str(), drifted["venv"].as_str()), (Some("fresh"), Some("drifted")), "{drifted}");
    assert_eq!(drifted["packages"].as_u64(), Some(packages + 1));

    // An edited pyproject: the lock is stale; the venv is judged against the lock on disk.
    repo.edit("projects/web/pyproject.toml", "\"tiny-a>=1.16\"", "\"tiny-a>=1.16\", \"tiny-d\"");
    let edited = &status(&repo)["web"];
    assert_eq!((edited["lock"].as_str(), edited["venv"].as_str()), (Some("stale"), Some("drifted")), "{edited}");

    // The table, on stdout, with the same words; always exit 0.
    let table = repo.expect(&["status"], 0);
    let header = table.stdout.lines().next().unwrap_or_default();
    assert!(header.starts_with("env") && header.contains("venv") && header.ends_with("size"), "{}", table.all());
    let row = table.stdout.lines().find(|l| l.starts_with("web ")).unwrap_or_else(|| panic!("{}", table.all()));
    assert!(row.contains("stale") && row.contains("drifted") && row.contains("iB"), "{}", table.all());
    assert!(table.stderr.contains("hint: `cargo xtask setup-envs`"), "{}", table.all());

    // Offline, spawning nothing: no uv on PATH and none bootstrapped, and none made.
    std::fs::remove_file(repo.path("_meta/.tools")).unwrap();
    let offline = repo.xtask_with_path(&["status", "--format", "json"], path_without_uv());
    assert_eq!(offline.code, 0, "{}", offline.all());
    assert!(!exists(&repo.path("_meta/.tools")), "status bootstrapped uv:\n{}", offline.all());

    // Only a workspace that does not load is an error.
    repo.write("_meta/monorepo.toml", "[monorepo\n");
    repo.expect(&["status"], 2);
}

#[test]
fn clean_removes_only_the_venvs_the_xtask_made() {
    let repo = Repo::new();
    repo.project("web", &[], &[], "def test():\n    pass\n");
    repo.project("old", &[], &[], "def test():\n    pass\n");
    repo.project("alpha", &[], &[], "def test():\n    pass\n");
    repo.project("beta", &[], &[], "def test():\n    pass\n");
    for shared in ["alpha", "beta"] {
        repo.append(&format!("projects/{shared}/pyproject.toml"), "\n[tool.monorepo]\nenv = \"pair\"\n");
    }
    // An old script's venv: no marker, so the xtask puts old's venv in _meta/venvs/.
    repo.write("projects/old/.venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.11.0\n");
    repo.write("projects/old/.venv/mine.txt", "keep me\n");
    repo.expect(&["setup-envs"], 0);
    for venv in ["projects/web/.venv", "_meta/venvs/old", "_meta/venvs/pair"] {
        assert!(repo.path(venv).join(".xtask-venv").is_file(), "{venv}");
    }
    assert!(std::fs::symlink_metadata(repo.path("projects/alpha/.venv")).unwrap().file_type().is_symlink());

    // By name: that project's venv, with its size and the space freed.
    let web = repo.expect(&["clean", "web"], 0);
    assert!(web.stderr.contains("Removed projects/web/.venv ("), "{}", web.all());
    let summary = web.stderr.lines().find(|l| l.contains("Cleaned")).unwrap_or_else(|| panic!("{}", web.all()));
    assert!(summary.contains("1 path") && summary.contains("iB freed"), "{}", web.all());
    assert!(!exists(&repo.path("projects/web/.venv")));
    assert!(repo.path("_meta/venvs/old").is_dir(), "only what was named");

    // A name whose `.venv` is not the xtask's: its managed venv goes, the folder stays, exit 2.
    let old = repo.expect(&["clean", "old"], 2);
    assert!(old.stderr.contains("Removed _meta/venvs/old ("), "{}", old.all());
    assert!(old.stderr.contains("Left alone projects/old/.venv is a venv the xtask did not make"), "{}", old.all());
    assert!(old.stderr.contains("hint: the xtask removes only venvs with its .xtask-venv marker"), "{}", old.all());
    assert_eq!(repo.read("projects/old/.venv/mine.txt"), "keep me\n");

    // All: the shared venv and the links to it (links, not what they point at), never the
    // old script's venv; exit 0, the refusal said.
    repo.expect(&["setup-envs"], 0);
    let all = repo.expect(&["clean"], 0);
    for removed in ["projects/alpha/.venv", "projects/beta/.venv", "_meta/venvs/pair", "projects/web/.venv"] {
        assert!(all.stderr.contains(&format!("Removed {removed} (")), "{removed}\n{}", all.all());
        assert!(!exists(&repo.path(removed)), "{removed}");
    }
    assert!(all.stderr.contains("Left alone projects/old/.venv"), "{}", all.all());
    assert!(repo.path("projects/old/.venv/pyvenv.cfg").is_file() && repo.path("projects/alpha/src").is_dir());
    // Links left dangling by a shared venv deleted by hand still go, as links.
    repo.expect(&["setup-envs", "-p", "alpha"], 0);
    std::fs::remove_dir_all(repo.path("_meta/venvs/pair")).unwrap();
    let dangling = repo.expect(&["clean", "beta"], 0);
    assert!(dangling.stderr.contains("Removed projects/alpha/.venv ("), "{}", dangling.all());
    assert!(!exists(&repo.path("projects/alpha/.venv")) && !exists(&repo.path("projects/beta/.venv")));
    let nothing = repo.expect(&["clean", "web"], 0);
    assert!(nothing.stderr.contains("nothing to remove"), "{}", nothing.all());
    // Unknown names are usage errors, as everywhere.
    repo.expect(&["clean", "wbe"], 2);
    repo.expect(&["clean", "--stale", "web"], 2);
}

#[test]
fn clean_stale_removes_what_no_env_uses_and_what_interrupted_runs_left() {
    let repo = Repo::new();
    repo.project("keep", &[], &[], "def test():\n    pass\n");
    repo.project("gone", &[], &[], "def test():\n    pass\n");
    repo.append("projects/gone/pyproject.toml", "\n[tool.monorepo]\nenv = \"legacy\"\n");
    repo.expect(&["setup-envs"], 0);
    assert!(repo.path("_meta/venvs/legacy/.xtask-venv").is_file());
    // `gone` stops being a member: its shared env no longer exists.
    repo.edit(
        "_meta/monorepo.toml",
        "members = [\"projects/*\"]\n",
        "members = [\"projects/*\"]\nexclude = [\"projects/gone\"]\n",
    );
    // What killed runs leave, where the xtask writes; one of a live process; and a folder
    // in _meta/venvs/ that is not the xtask's.
    let leftovers = [
        format!("_meta/.cache/metadata/.record.json.{DEAD_PID}.xtask-tmp"),
        format!("_meta/.cache/test-results/keep-0/.k.json.{DEAD_PID}.3.xtask-tmp"),
        format!("..gitignore.{DEAD_PID}.xtask-tmp"),
        format!("_meta/requirements/.keep.txt.{DEAD_PID}.xtask-tmp"),
    ];
    for rel in &leftovers {
        repo.write(rel, "half-written\n");
    }
    repo.write(&format!("projects/keep/..venv.{DEAD_PID}.xtask-tmp/bin/python"), "an old venv being replaced\n");
    let live = format!("_meta/.cache/metadata/.other.json.{}.xtask-tmp", std::process::id());
    repo.write(&live, "being written\n");
    repo.write("_meta/venvs/handmade/notes.txt", "mine\n");

    let run = repo.expect(&["clean", "--stale"], 0);
    assert!(run.stderr.contains("Removed _meta/venvs/legacy ("), "{}", run.all());
    assert!(run.stderr.contains("no env is named `legacy` any more"), "{}", run.all());
    assert!(
        run.stderr.contains("Removed projects/gone/.venv ("),
        "the link of a folder no longer a member\n{}",
        run.all()
    );
    assert!(run.stderr.contains("iB freed"), "{}", run.all());
    for rel in
        leftovers.iter().map(String::as_str).chain([format!("projects/keep/..venv.{DEAD_PID}.xtask-tmp").as_str()])
    {
        assert!(!exists(&repo.path(rel)), "{rel} is still there\n{}", run.all());
        assert!(run.stderr.contains(&format!("Removed {rel}")), "{rel}\n{}", run.all());
    }
    assert!(!exists(&repo.path("_meta/venvs/legacy")) && !exists(&repo.path("projects/gone/.venv")));
    assert!(repo.path("projects/gone/pyproject.toml").is_file(), "only the link went");
    assert!(repo.path(&live).is_file(), "a live process's temp file stays");
    assert_eq!(repo.read("_meta/venvs/handmade/notes.txt"), "mine\n");
    assert!(run.stderr.contains("Left alone _meta/venvs/handmade"), "{}", run.all());
    // The current venv is untouched, and still in sync.
    assert_eq!(status(&repo)["keep"]["venv"], "in-sync");
    let again = repo.expect(&["clean", "--stale"], 0);
    assert!(again.stderr.contains("nothing to remove"), "{}", again.all());
}

#[test]
fn graph_prints_mermaid_and_json_with_every_edge_kind() {
    let repo = Repo::sample();
    // A test group naming core: a group edge beside the runtime ones (app -> lib -> core).
    repo.append("projects/solo/pyproject.toml", "\n[dependency-groups]\ntest = [\"e2e-core\"]\n");
    let json = repo.expect(&["graph", "--format", "json"], 0);
    let graph: serde_json::Value = serde_json::from_str(&json.stdout).expect("graph --format json is JSON");
    let project =
        |name: &str| graph["projects"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap().clone();
    assert_eq!(project("lib")["deps"], serde_json::json!(["core"]));
    assert_eq!(project("app")["layers"], serde_json::json!(["extra"]));
    assert_eq!(project("solo")["group_deps"], serde_json::json!(["core"]));
    assert_eq!(project("core")["dir"], "projects/core");
    let mermaid = repo.expect(&["graph", "--format", "mermaid"], 0).stdout;
    assert!(mermaid.starts_with("flowchart BT\n"), "{mermaid}");
    let id = |name: &str| {
        let line = mermaid.lines().find(|l| l.ends_with(&format!("[\"{name}\"]"))).unwrap();
        line.trim().split('[').next().unwrap().to_owned()
    };
    assert!(mermaid.contains(&format!("{} --> {}", id("lib"), id("core"))), "{mermaid}");
    assert!(mermaid.contains(&format!("{} -.->|group| {}", id("solo"), id("core"))), "{mermaid}");
}
