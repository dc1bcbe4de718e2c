//! Venvs and runs that survive anything: a moved or copied repository, venvs for another
//! Python or half-made, kills at random moments, two runs at once, signals, a closed pipe,
//! and user files that no command may touch. Unix only: it sends signals and kills
//! process groups (Windows has neither; there the console's Ctrl-C reaches every child).
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Repo, Run};

/// Runs the built xtask in `dir` (a repository that is not a [`Repo`]'s own folder any more).
fn xtask_in(dir: &Path, args: &[&str]) -> Run {
    let out = command_in(dir, args).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn command_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args).current_dir(dir).env_remove("VIRTUAL_ENV").env_remove("GITHUB_ACTIONS");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("UV_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn expect_in(dir: &Path, args: &[&str], code: i32) -> Run {
    let run = xtask_in(dir, args);
    assert_eq!(run.code, code, "`xtask {}` in {} exited {}\n{}", args.join(" "), dir.display(), run.code, run.all());
    run
}

/// Two projects: `core`, and `app` whose test calls core's code.
fn two_projects() -> Repo {
    let repo = Repo::new();
    repo.project("core", &[], &[], "from e2e_core import double\n\ndef test_double():\n    assert double(2) == 4\n");
    repo.project(
        "app",
        &["e2e-core"],
        &[],
        "from e2e_core import double\n\ndef test_app():\n    assert double(3) == 6\n",
    );
    repo
}

#[test]
fn a_moved_and_a_copied_repository_each_test_their_own_source() {
    let repo = two_projects();
    repo.expect(&["lock"], 0);
    repo.expect(&["setup-envs"], 0);
    let original = repo.path("");
    let parent = tempfile::tempdir().unwrap();
    let moved = parent.path().join("moved repo");
    std::fs::rename(&original, &moved).unwrap();

    // Moved: the venvs' editables point at the old place. check says so, and setup-envs
    // makes them anew instead of calling them fresh.
    let check = expect_in(&moved, &["check"], 1);
    assert!(check.stdout.contains("was made at") && check.stdout.contains("moved or copied"), "{}", check.all());
    let setup = expect_in(&moved, &["setup-envs"], 0);
    assert!(setup.stderr.contains("Remaking") && setup.stderr.contains("Synced core"), "{}", setup.all());
    expect_in(&moved, &["check"], 0);
    expect_in(&moved, &["test-all"], 0);

    // Copied: the copy's tests import the copy's source, not the original's.
    let copy = parent.path().join("copy");
    let status = Command::new("cp").arg("-a").arg(&moved).arg(&copy).status().unwrap();
    assert!(status.success());
    std::fs::write(
        copy.join("projects/core/src/e2e_core/__init__.py"),
        "def double(x: int) -> int:\n    raise RuntimeError('the copy is broken')\n",
    )
    .unwrap();
    expect_in(&copy, &["setup-envs"], 0);
    let broken = expect_in(&copy, &["test-all"], 1);
    assert!(broken.stdout.contains("the copy is broken"), "{}", broken.all());
    expect_in(&moved, &["setup-envs"], 0);
    expect_in(&moved, &["test-all"], 0);

    std::fs::rename(&moved, &original).unwrap(); // for the Repo's own clean-up
}

#[test]
fn a_venv_is_made_anew_for_another_python_even_after_a_failed_run() {
    let repo = Repo::new();
    repo.project("solo", &[], &[], "import sys\n\ndef test_py():\n    assert sys.version_info >= (3, 11)\n");
    repo.expect(&["lock"], 0);
    repo.expect(&["setup-envs"], 0);
    repo.edit("_meta/monorepo.toml", "python = \"3.11\"", "python = \"3.99\"");
    let missing = repo.expect(&["setup-envs"], 2);
    assert!(missing.stderr.contains("no Python 3.99 found"), "{}", missing.all());
    repo.edit("_meta/monorepo.toml", "python = \"3.99\"", "python = \"3.12\"");
    let check = repo.expect(&["check"], 1);
    assert!(check.stdout.contains("runs Python 3.11") || check.stdout.contains("is stale"), "{}", check.all());
    repo.expect(&["setup-envs"], 0);
    assert!(repo.python("solo", "import sys; print(sys.version)").starts_with("3.12."));
    assert!(repo.read("projects/solo/.venv/pyvenv.cfg").contains("version_info = 3.12."));
    repo.expect(&["lock"], 0); // the unused `extra` layer, which setup-envs leaves alone
    repo.expect(&["check"], 0);

    // A venv whose interpreter was swapped behind the stamp's back is found from pyvenv.cfg.
    let cfg = repo.read("projects/solo/.venv/pyvenv.cfg");
    let version = cfg.lines().find_map(|l| l.strip_prefix("version_info = ")).unwrap().to_owned();
    repo.write("projects/solo/.venv/pyvenv.cfg", &cfg.replace(&version, "3.11.7"));
    let check = repo.expect(&["check"], 1);
    assert!(check.stdout.contains("runs Python 3.11.7, but its env asks for Python 3.12"), "{}", check.all());
}

#[test]
fn half_made_and_damaged_venvs_are_repaired_and_leftovers_swept() {
    let repo = two_projects();
    repo.expect(&["lock"], 0);
    repo.expect(&["setup-envs"], 0);

    // site-packages gone: check names it, every command repairs it.
    std::fs::remove_dir_all(repo.path("projects/core/.venv/lib")).unwrap();
    let check = repo.expect(&["check"], 1);
    assert!(
        check.stdout.contains("projects/core/.venv is broken") && check.stdout.contains("setup-envs"),
        "{}",
        check.all()
    );
    let run = repo.expect(&["test-all"], 0);
    assert!(run.stderr.contains("Remaking projects/core/.venv"), "{}", run.all());

    // A venv killed before uv wrote pyvenv.cfg: only the marker (and some files) are there.
    let venv = repo.path("projects/app/.venv");
    std::fs::remove_dir_all(&venv).unwrap();
    repo.write("projects/app/.venv/.xtask-venv", "made by the xtask\n");
    repo.write("projects/app/.venv/bin/half", "");
    let check = repo.expect(&["check"], 1);
    assert!(check.stdout.contains("has no pyvenv.cfg"), "{}", check.all());
    repo.expect(&["setup-envs"], 0);
    repo.expect(&["check"], 0);

    // An interrupted sync (no stamp) is made anew; leftovers of killed runs are swept.
    std::fs::remove_file(repo.path("projects/app/.venv/.xtask-stamp")).unwrap();
    repo.write("_meta/requirements/.app.txt.4242.xtask-tmp", "half a lock");
    repo.write("projects/app/.venv/..xtask-stamp.4242.xtask-tmp", "half a stamp");
    std::fs::create_dir_all(repo.path("projects/app/..venv.4242.xtask-tmp/lib")).unwrap();
    let run = repo.expect(&["setup-envs"], 0);
    assert!(run.stderr.contains("its last sync did not complete"), "{}", run.all());
    assert!(!repo.path("_meta/requirements/.app.txt.4242.xtask-tmp").exists(), "{}", run.all());
    assert!(!repo.path("projects/app/.venv/..xtask-stamp.4242.xtask-tmp").exists());
    assert!(!repo.path("projects/app/..venv.4242.xtask-tmp").exists());

    // A folder the tool did not make is never removed, whatever is in it: the venv goes
    // elsewhere.
    std::fs::remove_dir_all(&venv).unwrap();
    repo.write("projects/app/.venv/notes.txt", "mine");
    let run = repo.expect(&["setup-envs"], 0);
    assert!(run.stderr.contains("projects/app/.venv is a folder the xtask did not make"), "{}", run.all());
    assert!(run.stderr.contains("so the venv of `app` is _meta/venvs/app"), "{}", run.all());
    assert_eq!(repo.read("projects/app/.venv/notes.txt"), "mine");
}

/// A small deterministic generator: the kill moments are the same on every run.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn spawn_in_group(repo: &Repo, args: &[&str]) -> Child {
    use std::os::unix::process::CommandExt as _;
    command_in(&repo.path(""), args).process_group(0).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
}

/// Sends `signal` to the process group led by `child` (never through a `kill` program:
/// procps reads `kill -9 -PID` as two signals, and no pid).
fn kill_group(child: &Child, signal: i32) {
    let group = i32::try_from(child.id()).unwrap();
    assert!(group > 1);
    // SAFETY: kill(2) on a process group we created; it touches no memory.
    unsafe { libc::kill(-group, signal) };
}

fn send(pid: u32, signal: i32) {
    let pid = i32::try_from(pid).unwrap();
    assert!(pid > 1);
    // SAFETY: kill(2) on a process we started.
    unsafe { libc::kill(pid, signal) };
}

#[test]
fn setup_envs_killed_at_twenty_moments_always_ends_matching_its_locks() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let first = Instant::now();
    repo.expect(&["setup-envs"], 0);
    // The kills fall anywhere in the time a run with work takes, and a bit after.
    let span = (first.elapsed().as_millis() as u64).clamp(500, 4000);
    let mut random = XorShift(0x5eed_1234_abcd_ef01);
    let venvs = ["core", "lib", "app", "solo"];
    for round in 0..20 {
        // Give the run work: venvs deleted (a `git clean -fdx`), or a lock input changed.
        if round % 2 == 0 {
            for name in &venvs[..1 + round % 4] {
                let _ = std::fs::remove_dir_all(repo.path(&format!("projects/{name}/.venv")));
            }
        } else {
            let deps = if round % 4 == 1 { "\"tiny-c\"" } else { "" };
            let text = repo.read("projects/solo/pyproject.toml");
            let start = text.find("dependencies = [").unwrap();
            let end = start + text[start..].find(']').unwrap();
            repo.write(
                "projects/solo/pyproject.toml",
                &format!("{}dependencies = [{deps}{}", &text[..start], &text[end..]),
            );
        }
        let mut child = spawn_in_group(&repo, &["setup-envs"]);
        std::thread::sleep(Duration::from_millis(random.below(span)));
        kill_group(&child, libc::SIGKILL);
        child.wait().unwrap();
        if round % 5 == 4 {
            repo.expect(&["setup-envs"], 0);
            repo.expect(&["check"], 0);
        }
    }
    let run = repo.expect(&["setup-envs"], 0);
    let check = repo.expect(&["check"], 0);
    assert!(check.stdout.lines().filter(|l| l.ends_with(" ok")).count() >= 5, "{}\n{}", run.all(), check.all());
    repo.expect(&["test-all"], 0);
    // What killed runs left is swept by the next run that writes (under the exclusive lock,
    // when no other run can be writing); a no-op run does not look.
    repo.expect(&["lock"], 0);
    assert!(leftovers(&repo.path("")).is_empty(), "{:?}", leftovers(&repo.path("")));
}

/// Temp files or folders of killed runs anywhere in the tree (not following links).
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().ends_with(".xtask-tmp") {
            out.push(path.clone());
        }
        if entry.file_type().unwrap().is_dir() && !entry.file_type().unwrap().is_symlink() {
            out.extend(leftovers(&path));
        }
    }
    out
}

#[test]
fn two_setup_envs_at_once_both_succeed_and_one_waits() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let spawn =
        || command_in(&repo.path(""), &["setup-envs"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let both = format!("--- first\n{}--- second\n{}", text(&a), text(&b));
    assert!(a.status.success() && b.status.success(), "{both}");
    assert!(both.contains("Blocking waiting for the repository lock"), "{both}");
    // Who it waits for, when the holder is known (the other run may not have named itself yet).
    assert!(both.contains("held by `cargo xtask setup-envs`") || both.contains("held by another run"), "{both}");
    // The venvs were made once: the run that waited found them fresh.
    assert_eq!(both.matches("Synced ").count(), 4, "{both}");
    repo.expect(&["check"], 0);
}

/// A child whose stderr is read as it comes, so a test can wait for a line of it.
struct Watched {
    child: Child,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

impl Watched {
    fn spawn(repo: &Repo, args: &[&str]) -> Watched {
        use std::io::BufRead as _;
        let mut child = command_in(&repo.path(""), args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (pipe, sink) = (child.stderr.take().unwrap(), stderr.clone());
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        Watched { child, stderr, reader }
    }

    fn said(&self, text: &str) -> bool {
        self.stderr.lock().unwrap().contains(text)
    }

    /// Waits for the end: its exit code and everything it printed on stderr.
    fn finish(mut self) -> (i32, String) {
        let code = self.child.wait().unwrap().code().unwrap_or(-1);
        self.reader.join().unwrap();
        let text = self.stderr.lock().unwrap().clone();
        (code, text)
    }
}

/// One run edits (`add`, `remove`: a project's requirements, its lock and its venv), another
/// syncs (`setup-envs`), at once. Each reads the workspace under the repository lock, and a
/// run that let go of the lock to upgrade it reads again when the other wrote meanwhile:
/// whichever goes first, every lock ends fresh and the edit is in the lock. (Reading before
/// taking the lock left the locks stale 2 times in 10.) Both runs are started while the lock
/// is held, as by a third run, so both are past anything they read before waiting; which
/// goes first when it is let go is the kernel's call, so the rounds see both orders. In
/// a third kind of round the lock is held shared: the sync reads, finds work and waits to
/// upgrade, and the edit may go between.
#[test]
fn an_edit_and_a_sync_at_once_leave_every_lock_fresh() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let lock_file = repo.path("_meta/.state/repo.lock");
    std::fs::create_dir_all(lock_file.parent().unwrap()).unwrap();
    for round in 0..6 {
        // The sync has work: venvs removed (a `git clean -fdx`), and a lock to compile (solo's
        // requirements changed).
        for name in ["core", "lib", "app", "solo"] {
            let _ = std::fs::remove_dir_all(repo.path(&format!("projects/{name}/.venv")));
        }
        let solo = repo.read("projects/solo/pyproject.toml");
        let toggled = if solo.contains("\"tiny-d\"") {
            ("\"tiny-d\"", "")
        } else {
            ("dependencies = [", "dependencies = [\"tiny-d\"")
        };
        repo.edit("projects/solo/pyproject.toml", toggled.0, toggled.1);
        let holder =
            std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&lock_file).unwrap();
        let kind = (round / 2) % 3;
        if kind == 2 {
            holder.lock_shared().unwrap()
        } else {
            holder.lock().unwrap()
        };
        let edit_args: &[&str] = if round % 2 == 0 { &["add", "lib", "tiny-c"] } else { &["remove", "lib", "tiny-c"] };
        // Which one asks first alternates too.
        let (first, second): (&[&str], &[&str]) =
            if kind == 1 { (edit_args, &["setup-envs"]) } else { (&["setup-envs"], edit_args) };
        let a = Watched::spawn(&repo, first);
        wait_until(Duration::from_secs(60), || format!("`{}` never waited", first.join(" ")), || a.said("Blocking"));
        let b = Watched::spawn(&repo, second);
        wait_until(Duration::from_secs(60), || format!("`{}` never waited", second.join(" ")), || b.said("Blocking"));
        holder.unlock().unwrap();
        drop(holder);
        let (a, b) = (a.finish(), b.finish());
        let both = format!("--- `{}`: {}\n{}--- `{}`: {}\n{}", first.join(" "), a.0, a.1, second.join(" "), b.0, b.1);
        assert_eq!((a.0, b.0), (0, 0), "round {round}\n{both}");
        let check = repo.xtask(&["check"]);
        assert_eq!(check.code, 0, "round {round}: the locks are not what the tree says\n{both}\n{}", check.all());
        let pinned = repo.pin("lib", "tiny-c").is_some();
        assert_eq!(pinned, round % 2 == 0, "round {round}: lib's lock and the edit disagree\n{both}");
    }
}

/// The step summary is a courtesy of GitHub Actions: one that cannot be written (a folder,
/// a full or read-only disk) is a warning, and a passing run still passes.
#[test]
fn an_unwritable_step_summary_never_fails_a_passing_run() {
    let repo = Repo::sample();
    let summary = repo.path("summary-is-a-folder");
    std::fs::create_dir(&summary).unwrap();
    let env = [("GITHUB_ACTIONS", "true"), ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())];
    let run = repo.xtask_in("", &["test-all", "solo"], &env);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("Warning no step summary: cannot open GITHUB_STEP_SUMMARY ("), "{}", run.all());
    assert!(run.stderr.contains("the run's result does not depend on it"), "{}", run.all());
    assert!(!run.stderr.contains("error:"), "{}", run.all());
}

#[test]
fn a_signal_stops_test_all_its_pytest_and_prints_the_summary() {
    for (signal, code) in [(15, 143), (2, 130), (1, 129)] {
        let repo = Repo::new();
        let pid_file = repo.path("hang.pid");
        repo.project(
            "hang",
            &[],
            &[],
            &format!(
                "import os, time\n\ndef test_hangs():\n    open({:?}, 'w').write(str(os.getpid()))\n    time.sleep(600)\n",
                pid_file.to_str().unwrap()
            ),
        );
        repo.project("quick", &[], &[], "def test_quick():\n    assert True\n");
        repo.project("later", &["e2e-hang"], &[], "def test_later():\n    assert True\n");
        repo.expect(&["lock"], 0);
        repo.expect(&["setup-envs"], 0);
        // The signal goes to the xtask alone, as an IDE's stop button or `docker stop` sends it.
        let mut child = command_in(&repo.path(""), &["test-all", "-j", "2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_until(
            Duration::from_secs(60),
            || "the hanging test never started".into(),
            || std::fs::read_to_string(&pid_file).is_ok_and(|pid| !pid.is_empty()),
        );
        let pytest: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        send(child.id(), signal);
        let out = wait_with_timeout(&mut child, Duration::from_secs(30));
        let all = format!("--- stdout\n{}--- stderr\n{}", out.0, out.1);
        assert_eq!(out.2, code, "{all}");
        assert!(!alive(pytest), "pytest {pytest} survived the xtask\n{all}");
        assert!(out.0.contains("hang (projects/hang), stopped by"), "{all}");
        assert!(out.0.contains("test_hang.py:5: KeyboardInterrupt"), "where it hung:\n{all}");
        let row = |name: &str| out.0.lines().find(|l| l.starts_with(name)).unwrap_or_default().to_owned();
        assert!(row("hang").contains("stopped"), "{all}");
        assert!(row("later").contains("not run") && row("later").contains("never started"), "{all}");
        assert!(out.1.contains("Stopped 3 projects"), "{all}");
    }
}

/// Polls `done` until it holds; fails with `why()` after `timeout`.
fn wait_until(timeout: Duration, why: impl Fn() -> String, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "{}", why());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> (String, String, i32) {
    use std::io::Read as _;
    let deadline = Instant::now() + timeout;
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).unwrap();
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the xtask did not exit within {timeout:?} of the signal");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (out.join().unwrap(), err.join().unwrap(), status.code().unwrap_or(-1))
}

fn alive(pid: i32) -> bool {
    assert!(pid > 1);
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let repo = two_projects();
    repo.expect(&["lock"], 0);
    for args in [&["check"][..], &["graph"], &["--help"]] {
        let mut child = command_in(&repo.path(""), args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take()); // the reader is gone before the first line
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// Every file and folder under `dir` (links not followed): path -> what it is and holds.
fn snapshot(dir: &Path, rel: &str, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir.join(rel)).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            out.insert(path.clone(), format!("link {}", std::fs::read_link(entry.path()).unwrap().display()));
        } else if kind.is_dir() {
            out.insert(path.clone(), "dir".into());
            snapshot(dir, &path, out);
        } else {
            out.insert(path.clone(), format!("file {:?}", std::fs::read(entry.path()).unwrap()));
        }
    }
}

/// Whether `path` is one of the things a command may write: a managed venv (own or shared,
/// and its link), a lock, the tool's own state.
fn managed(path: &str) -> bool {
    let own_venv = path.split('/').any(|part| part == ".venv");
    let lock = path.starts_with("_meta/requirements/") && path.ends_with(".txt");
    let state = ["_meta/venvs", "_meta/.state", "_meta/.cache"].iter().any(|dir| path.starts_with(dir));
    own_venv || lock || state
}

#[test]
fn no_command_touches_anything_but_venvs_locks_and_its_state() {
    let repo = Repo::sample();
    repo.append("projects/app/pyproject.toml", "env = \"shared\"\n");
    repo.project("also", &[], &[], "def test_also():\n    assert True\n");
    repo.append("projects/also/pyproject.toml", "\n[tool.monorepo]\nenv = \"shared\"\n");
    // What a user keeps around: notes, data, an old scripts' venv, editor folders.
    repo.write("projects/core/NOTES.md", "mine\n");
    repo.write("projects/lib/data/input.csv", "a,b\n1,2\n");
    repo.write("projects/solo/venv/pyvenv.cfg", "home = /usr/bin\n");
    repo.write(".idea/workspace.xml", "<xml/>\n");
    repo.write("scripts/setup_all_envs.sh", "#!/bin/sh\n");
    repo.git_init();
    let export = repo.path("exported.txt");
    let export = export.to_str().unwrap();
    let suite: &[&[&str]] = &[
        &["lock"],
        &["check"],
        &["setup-envs"],
        &["test-all"],
        &["test", "core"],
        &["graph"],
        &["affected"],
        &["update-base"],
        &["lock", "--upgrade"],
        &["export", "lib", "-o", export],
        &["setup-envs"],
    ];
    for args in suite {
        let mut before = BTreeMap::new();
        snapshot(&repo.path(""), "", &mut before);
        let run = repo.xtask(args);
        assert!(run.code == 0 || (args[0] == "affected" && run.code == 2), "{args:?}\n{}", run.all());
        let mut after = BTreeMap::new();
        snapshot(&repo.path(""), "", &mut after);
        let changed: Vec<&String> = before
            .keys()
            .chain(after.keys())
            .filter(|p| before.get(*p) != after.get(*p))
            .filter(|p| !managed(p) && !p.starts_with(".git/") && p.as_str() != "exported.txt")
            .collect();
        assert!(changed.is_empty(), "`xtask {}` changed {changed:?}\n{}", args.join(" "), run.all());
    }
    assert_eq!(repo.read("projects/solo/venv/pyvenv.cfg"), "home = /usr/bin\n");
}

#[test]
fn a_signal_during_lock_puts_back_every_lock_it_wrote() {
    let repo = Repo::new();
    repo.write("_meta/requirements/slow.in", "tiny-c\n");
    repo.append("_meta/monorepo.toml", "\n[layers.slow]\n");
    repo.project("solo", &[], &["slow"], "def test_solo():\n    assert True\n");
    repo.expect(&["lock"], 0);
    let names = ["base", "extra", "slow", "solo"];
    let locks = names.map(|l| (l, std::fs::read(repo.path(&format!("_meta/requirements/{l}.txt"))).unwrap()));

    // base changes and compiles first; then the `slow` layer's compile hangs on a package
    // source that accepts connections and never answers.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let _hold = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in server.incoming() {
            open.push(stream);
        }
    });
    repo.write("_meta/requirements/base.in", "pytest>=8\ntiny-d\n");
    repo.write("_meta/requirements/slow.in", &format!("--find-links http://127.0.0.1:{port}/wheels/\ntiny-c\n"));
    let mut child = command_in(&repo.path(""), &["lock"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let (mut pipe, stderr) = (child.stderr.take().unwrap(), std::sync::Arc::clone(&stderr));
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = std::io::Read::read(&mut pipe, &mut buf) {
                if n == 0 {
                    break;
                }
                stderr.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    let printed = || stderr.lock().unwrap().clone();
    wait_until(
        Duration::from_secs(60),
        || format!("base was never locked:\n{}", printed()),
        || printed().contains("Locked base"),
    );
    assert_ne!(std::fs::read(repo.path("_meta/requirements/base.txt")).unwrap(), locks[0].1, "base.txt was rewritten");
    std::thread::sleep(Duration::from_millis(500)); // the compile of `slow` is waiting now
    send(child.id(), libc::SIGINT);
    wait_until(
        Duration::from_secs(30),
        || format!("lock did not stop:\n{}", printed()),
        || child.try_wait().unwrap().is_some(),
    );
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let stderr = stderr.lock().unwrap().clone();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Restored") && stderr.contains("error: interrupted by SIGINT"), "{stderr}");
    for (name, before) in &locks {
        let after = std::fs::read(repo.path(&format!("_meta/requirements/{name}.txt"))).unwrap();
        assert!(after == *before, "{name}.txt is not what it was before the run\n{stderr}");
    }
    assert!(!stderr.contains("Locked slow") && !stderr.contains("Locked solo"), "{stderr}");
    assert!(leftovers(&repo.path("")).is_empty(), "{:?}", leftovers(&repo.path("")));
}

/// A small tmpfs, unmounted when dropped (after the repo in it).
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = std::env::temp_dir().join(format!("xtask-small-disk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| SmallDisk(dir))
    }

    fn resize(&self, megabytes: u32) {
        let status =
            Command::new("mount").args(["-o", &format!("remount,size={megabytes}m")]).arg(&self.0).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn a_full_disk_is_named_found_by_check_and_repaired_once_there_is_room() {
    let Some(disk) = SmallDisk::mount(6) else {
        // Mounting needs privileges; CI's machine has them.
        eprintln!("note: cannot mount a tmpfs here, so the full-disk case is not exercised");
        return;
    };
    let repo = Repo::new_in(&disk.0);
    repo.project("core", &[], &[], "def test_core():\n    assert True\n");
    repo.project("app", &["e2e-core"], &[], "def test_app():\n    assert True\n");
    repo.expect(&["lock"], 0);
    let full = repo.expect(&["setup-envs"], 2);
    assert!(full.stderr.contains("the disk is full") || full.stderr.contains("No space left"), "{}", full.all());
    let check = repo.expect(&["check"], 1);
    assert!(check.stdout.contains(".venv"), "check names the broken venvs\n{}", check.all());
    disk.resize(400);
    repo.expect(&["setup-envs"], 0);
    repo.expect(&["check"], 0);
    repo.expect(&["test-all"], 0);
    drop(repo);
}

#[test]
fn a_signal_ignored_by_the_caller_stays_ignored() {
    // `nohup cargo xtask test-all &` ignores SIGHUP: closing the terminal must not stop it.
    let repo = Repo::new();
    let started = repo.path("started");
    repo.project(
        "slow",
        &[],
        &[],
        &format!(
            "import time\n\ndef test_slow():\n    open({:?}, 'w').close()\n    time.sleep(600)\n",
            started.to_str().unwrap()
        ),
    );
    repo.expect(&["lock"], 0);
    repo.expect(&["setup-envs"], 0);
    let mut cmd = Command::new("nohup");
    cmd.arg(env!("CARGO_BIN_EXE_xtask")).arg("test-all").current_dir(repo.path(""));
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    wait_until(Duration::from_secs(60), || "the slow test never started".into(), || started.exists());
    send(child.id(), libc::SIGHUP);
    std::thread::sleep(Duration::from_secs(1));
    assert!(child.try_wait().unwrap().is_none(), "SIGHUP stopped a run that ignores it");
    send(child.id(), libc::SIGTERM);
    let (stdout, stderr, code) = wait_with_timeout(&mut child, Duration::from_secs(30));
    assert_eq!(code, 143, "--- stdout\n{stdout}--- stderr\n{stderr}");
}

#[test]
fn check_works_on_a_checkout_nobody_may_write_to() {
    let repo = two_projects();
    repo.expect(&["lock"], 0);
    repo.expect(&["setup-envs"], 0);
    let view = tempfile::tempdir().unwrap();
    let bind =
        |args: &[&str]| Command::new("mount").args(args).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    let (src, dst) = (repo.path(""), view.path().to_owned());
    let mounted = bind(&["--bind", src.to_str().unwrap(), dst.to_str().unwrap()])
        && bind(&["-o", "remount,ro,bind", dst.to_str().unwrap()]);
    if !mounted {
        let _ = Command::new("umount").arg(&dst).status();
        eprintln!("note: cannot bind-mount read-only here, so the read-only checkout is not exercised");
        return;
    }
    let check = xtask_in(&dst, &["check"]);
    let graph = xtask_in(&dst, &["graph"]);
    let _ = Command::new("umount").arg(&dst).status();
    // It reads and reports (the view is another location, so its venvs read as moved);
    // it does not fail for want of a lock file it cannot create.
    assert_eq!(check.code, 1, "{}", check.all());
    assert!(check.stdout.contains("was made at") && !check.stderr.contains("error:"), "{}", check.all());
    assert_eq!(graph.code, 0, "{}", graph.all());
}

/// SIGKILL runs no handler, so `interrupt` cannot stop the children: on Linux the kernel
/// does (each child asks to die with the process that started it), on macOS the next run
/// (`reap.rs`). Otherwise a killed run's uv would write on into a venv under the next run,
/// which would call it fresh.
#[cfg(any(target_os = "linux", target_os = "macos"))]
#[test]
fn a_killed_xtask_leaves_no_child_running() {
    let repo = Repo::new();
    let pid_file = repo.path("hang.pid");
    repo.project(
        "hang",
        &[],
        &[],
        &format!(
            "import os, time\n\ndef test_hangs():\n    open({:?}, 'w').write(str(os.getpid()))\n    time.sleep(600)\n",
            pid_file.to_str().unwrap()
        ),
    );
    repo.expect(&["setup-envs"], 0);
    let mut child =
        command_in(&repo.path(""), &["test-all"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    wait_until(
        Duration::from_secs(60),
        || "the hanging test never started".into(),
        || std::fs::read_to_string(&pid_file).is_ok_and(|pid| !pid.is_empty()),
    );
    let pytest: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    send(child.id(), libc::SIGKILL);
    child.wait().unwrap();
    if cfg!(target_os = "macos") {
        let next = repo.xtask(&["check"]);
        assert!(next.stderr.contains("left running by a killed run"), "{}", next.all());
    }
    // Gone, or a zombie waiting for whoever adopted it to reap it.
    let gone =
        || !alive(pytest) || std::fs::read_to_string(format!("/proc/{pytest}/stat")).is_ok_and(|s| s.contains(") Z "));
    wait_until(Duration::from_secs(10), || format!("pytest {pytest} outlived the killed xtask"), gone);
}
