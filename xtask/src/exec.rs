//! The one module that spawns processes, in two ways.
//!
//! - Long-running children, and those run in parallel (uv's compiles and syncs, pytest):
//!   duct, with their output captured (stdout and stderr merged, in order) so parallel work
//!   never interleaves on the terminal, each in its own process group, which `interrupt`
//!   stops on a signal: a hung pytest and the processes it started go with it
//!   ([`capture`], [`run_ok`], [`interactive`]).
//! - Short sequential calls whose stdout is the answer (git, an interpreter asked its
//!   version, the uv bootstrap's venv and pip): xshell, with stdout and stderr apart, so a
//!   warning never lands in `git -z` output ([`read`], [`read_ok`]).

use std::ffi::OsString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::hinted;

/// A command to run: program, arguments, working directory, extra environment, stdin.
#[derive(Debug, Clone)]
pub struct Cmd {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub cwd: Utf8PathBuf,
    pub env: Vec<(OsString, OsString)>,
    /// Variables of ours the child must not inherit.
    pub env_remove: Vec<OsString>,
    pub stdin: Option<String>,
}

impl Cmd {
    pub fn new(program: impl Into<OsString>, cwd: impl Into<Utf8PathBuf>) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            cwd: cwd.into(),
            env: Vec::new(),
            env_remove: Vec::new(),
            stdin: None,
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Cmd {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Cmd {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets a variable; the last call for a name wins, over an earlier `env_remove` too.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Cmd {
        let key = key.into();
        self.env_remove.retain(|k| *k != key);
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.into()));
        self
    }

    /// Removes a variable the child would inherit, or one set earlier.
    pub fn env_remove(mut self, key: impl Into<OsString>) -> Cmd {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env_remove.push(key);
        self
    }

    pub fn stdin(mut self, text: String) -> Cmd {
        self.stdin = Some(text);
        self
    }

    /// The command line as a user would type it, for messages.
    pub fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|s| s.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What a finished child did.
#[derive(Debug)]
pub struct Captured {
    pub success: bool,
    pub code: Option<i32>,
    /// The signal that ended it (unix), when one did: `code` is then `None`.
    pub signal: Option<i32>,
    /// stdout and stderr, merged in the order they were written.
    pub output: String,
    pub elapsed: Duration,
    /// It was stopped because the xtask received a signal: `output` is what it wrote so far.
    pub stopped: bool,
    /// The xtask cut it short (its deadline passed, or it was cancelled): `output` is what
    /// it wrote so far.
    pub cut: Option<Cut>,
}

/// Why the xtask stopped a child that it had not been signalled about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// It ran past its deadline.
    TimedOut,
    /// Its caller no longer wanted its result (a speculative suite whose dependency failed).
    Cancelled,
}

/// What may cut a running child short.
#[derive(Debug, Default, Clone, Copy)]
pub struct Watch<'a> {
    pub deadline: Option<Instant>,
    pub cancel: Option<&'a AtomicBool>,
}

/// How long a cut child gets between SIGINT (pytest then prints where it was) and SIGKILL.
pub const CUT_GRACE: Duration = Duration::from_secs(3);

/// Runs `cmd` to completion; a non-zero exit is not an error here (see [`run_ok`]). After a
/// signal, nothing new starts: that is an [`Interrupted`](crate::interrupt::Interrupted) error.
pub fn capture(cmd: &Cmd) -> Result<Captured> {
    capture_watched(cmd, Watch::default())
}

/// [`capture`], stopping the child's whole process group when `watch` says so: SIGINT first,
/// SIGKILL after [`CUT_GRACE`], so nothing it started outlives it.
pub fn capture_watched(cmd: &Cmd, watch: Watch) -> Result<Captured> {
    crate::interrupt::check()?;
    let start = Instant::now();
    let mut expr = duct::cmd(&cmd.program, &cmd.args).dir(&cmd.cwd).stderr_to_stdout().stdout_capture().unchecked();
    #[cfg(unix)]
    {
        expr = expr.before_spawn(|command| {
            std::os::unix::process::CommandExt::process_group(command, 0);
            die_with_us(command);
            Ok(())
        });
    }
    for key in &cmd.env_remove {
        expr = expr.env_remove(key);
    }
    for (key, value) in &cmd.env {
        expr = expr.env(key, value);
    }
    expr = match &cmd.stdin {
        Some(text) => expr.stdin_bytes(text.as_bytes()),
        None => expr.stdin_null(),
    };
    let handle = expr.start().map_err(|err| {
        let program = cmd.program.to_string_lossy();
        if err.kind() == std::io::ErrorKind::NotFound {
            hinted(
                format!("cannot run `{program}`: not found"),
                format!("install {program} or put it on PATH; `{}` needs it", cmd.display()),
            )
        } else {
            anyhow!(err).context(format!("cannot run `{}`", cmd.display()))
        }
    })?;
    let groups = handle.pids();
    for &group in &groups {
        crate::interrupt::register(group);
    }
    let mut cut = None;
    if watch.deadline.is_some() || watch.cancel.is_some() {
        let mut sent: Option<Instant> = None;
        // Polled: a child blocks nothing else while it runs, and 20 ms is nothing next to a suite.
        while handle.try_wait().map(|done| done.is_none()).unwrap_or(false) {
            let now = Instant::now();
            if cut.is_none() {
                if watch.deadline.is_some_and(|d| now >= d) {
                    cut = Some(Cut::TimedOut);
                } else if watch.cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
                    cut = Some(Cut::Cancelled);
                }
            }
            if cut.is_some() {
                match sent {
                    None => {
                        stop(&handle, &groups, false);
                        sent = Some(now);
                    }
                    Some(at) if now - at >= CUT_GRACE => stop(&handle, &groups, true),
                    Some(_) => {}
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let output = handle.into_output();
    for &group in &groups {
        crate::interrupt::unregister(group);
    }
    let output = output.with_context(|| format!("cannot wait for `{}`", cmd.display()))?;
    Ok(Captured {
        stopped: crate::interrupt::received().is_some() && !output.status.success(),
        success: output.status.success(),
        code: output.status.code(),
        signal: signal_of(&output.status),
        output: String::from_utf8_lossy(&output.stdout).into_owned(),
        elapsed: start.elapsed(),
        cut,
    })
}

/// The signal that ended a process, where the OS says (unix).
fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    #[cfg(unix)]
    {
        std::os::unix::process::ExitStatusExt::signal(status)
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

/// On Linux, the child is killed when the xtask dies, however it dies: a SIGKILL runs no
/// handler, and a uv left running would write on into a venv under the next run. (In its
/// own process group, a child gets no signal meant for ours; elsewhere only SIGINT and
/// SIGTERM are forwarded, by `interrupt`.) Every child is waited for by the thread that
/// started it, which is what the kernel watches.
#[cfg(unix)]
fn die_with_us(command: &mut std::process::Command) {
    #[cfg(target_os = "linux")]
    {
        let parent = std::process::id();
        // SAFETY: between fork and exec the closure calls only async-signal-safe functions
        // (prctl, getppid, _exit) and allocates nothing.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(command, move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The xtask died before the request was made: nobody would kill this one.
                if libc::getppid() as u32 != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

/// Stops a child's process group: politely first (SIGINT), then for good.
fn stop(handle: &duct::Handle, groups: &[u32], kill: bool) {
    #[cfg(unix)]
    for &group in groups {
        crate::interrupt::kill_group(group, if kill { libc::SIGKILL } else { libc::SIGINT });
    }
    #[cfg(not(unix))]
    {
        let _ = (groups, kill);
        let _ = handle.kill();
    }
    #[cfg(unix)]
    let _ = handle;
}

/// Runs `cmd` with the terminal attached (stdin, stdout and stderr inherited, in the
/// terminal's foreground process group so `--pdb` can read it) and returns its exit code,
/// 128 + the signal for a child killed by one.
pub fn interactive(cmd: &Cmd) -> Result<i32> {
    crate::interrupt::check()?;
    let mut command = std::process::Command::new(&cmd.program);
    command.args(&cmd.args).current_dir(&cmd.cwd);
    for key in &cmd.env_remove {
        command.env_remove(key);
    }
    for (key, value) in &cmd.env {
        command.env(key, value);
    }
    let mut child = command.spawn().map_err(|err| {
        if err.kind() == std::io::ErrorKind::NotFound {
            hinted(
                format!("cannot run `{}`: not found", cmd.program.to_string_lossy()),
                "set the env up again: `cargo xtask setup-envs`",
            )
        } else {
            anyhow!(err).context(format!("cannot run `{}`", cmd.display()))
        }
    })?;
    // Ctrl-C at the terminal reaches the child by itself (it shares the terminal's
    // foreground group, so `--pdb` gets it); a SIGTERM or SIGHUP sent to the xtask alone
    // (an IDE's stop button) is passed on, once.
    let mut passed_on = false;
    let status = loop {
        if let Some(status) = child.try_wait().with_context(|| format!("cannot wait for `{}`", cmd.display()))? {
            break status;
        }
        #[cfg(unix)]
        if let Some(interrupted) = crate::interrupt::received().filter(|i| i.signal != libc::SIGINT && !passed_on) {
            passed_on = true;
            if let Ok(pid) = i32::try_from(child.id()) {
                // SAFETY: kill(2) on the child's own pid (never 0 or -1: a spawned child's id).
                unsafe {
                    libc::kill(pid, interrupted.signal);
                }
            }
        }
        #[cfg(not(unix))]
        let _ = &mut passed_on;
        std::thread::sleep(Duration::from_millis(50));
    };
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return Ok(128 + signal);
    }
    Ok(status.code().unwrap_or(1))
}

/// The executable `name` would start: a path relative to `dir` when it has a separator,
/// else the first match along `search` (a `PATH` value).
pub fn find_program(name: &str, dir: &Utf8Path, search: &std::ffi::OsStr) -> Option<Utf8PathBuf> {
    if name.contains('/') || (cfg!(windows) && name.contains('\\')) {
        let path = dir.join(name);
        return is_executable(&path).then_some(path);
    }
    let suffixes: &[&str] = if cfg!(windows) { &["", ".exe", ".cmd", ".bat"] } else { &[""] };
    std::env::split_paths(search)
        .filter_map(|d| Utf8PathBuf::from_path_buf(d).ok())
        .find_map(|d| suffixes.iter().map(|s| d.join(format!("{name}{s}"))).find(|p| is_executable(p)))
}

fn is_executable(path: &Utf8Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// `text` as one POSIX shell word, for a message or a script: as it is when a shell reads
/// nothing in it, else in single quotes.
pub fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// What a short call printed, its streams apart.
#[derive(Debug)]
pub struct Read {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a short sequential command with xshell and keeps its stdout and stderr apart; a
/// non-zero exit is not an error here (see [`read_ok`]). Nothing new starts after a signal.
pub fn read(cmd: &Cmd) -> Result<Read> {
    crate::interrupt::check()?;
    let shell = xshell::Shell::new().context("cannot start a shell")?;
    shell.change_dir(&cmd.cwd);
    let mut command = shell.cmd(&cmd.program).args(&cmd.args).quiet().ignore_status();
    for key in &cmd.env_remove {
        command = command.env_remove(key);
    }
    for (key, value) in &cmd.env {
        command = command.env(key, value);
    }
    if let Some(text) = &cmd.stdin {
        command = command.stdin(text);
    }
    let output = command.output().map_err(|err| {
        let program = cmd.program.to_string_lossy();
        // xshell says what failed, not why in a kind we can match: a program that is not on
        // PATH is by far the likeliest.
        anyhow!(err).context(crate::error::Hinted::new(
            format!("cannot run `{program}`"),
            format!("install {program} or put it on PATH; `{}` needs it", cmd.display()),
        ))
    })?;
    Ok(Read {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// [`read`], with a non-zero exit an error carrying the command line and what it said.
pub fn read_ok(cmd: &Cmd) -> Result<String> {
    let done = read(cmd)?;
    if !done.success {
        let said = format!("{}{}", done.stderr, done.stdout);
        return Err(anyhow!("`{}` failed:\n{}", cmd.display(), said.trim_end()));
    }
    Ok(done.stdout)
}

/// Runs `cmd`; a non-zero exit is an error carrying the command line and its output.
pub fn run_ok(cmd: &Cmd) -> Result<Captured> {
    let done = capture(cmd)?;
    if done.stopped {
        let interrupted = crate::interrupt::received().expect("stopped means a signal was received");
        return Err(anyhow!("`{}` was stopped:\n{}", cmd.display(), done.output.trim_end()).context(interrupted));
    }
    if !done.success {
        let code = done.code.map_or("a signal".to_owned(), |c| format!("exit code {c}"));
        return Err(anyhow!("`{}` failed with {code}:\n{}", cmd.display(), done.output.trim_end()));
    }
    Ok(done)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_short_call_keeps_its_streams_apart() {
        let cmd = Cmd::new("sh", ".").args(["-c", "printf 'a\\0b\\0'; echo warning >&2"]);
        let done = read(&cmd).unwrap();
        assert!(done.success);
        assert_eq!((done.stdout.as_str(), done.stderr.as_str()), ("a\0b\0", "warning\n"));
        let failed = read_ok(&Cmd::new("sh", ".").args(["-c", "echo why >&2; exit 3"])).unwrap_err();
        assert!(format!("{failed:#}").contains("why"), "{failed:#}");
        let missing = read(&Cmd::new("no-such-program-xtask", ".")).unwrap_err();
        assert!(crate::error::hint_of(&missing).is_some_and(|h| h.contains("put it on PATH")), "{missing:#}");
    }

    #[test]
    fn quotes_what_a_shell_would_split() {
        let shown: Vec<String> =
            ["python", "-c", "import x; print('hi')", "", "a=b"].iter().map(|a| shell_word(a)).collect();
        assert_eq!(shown.join(" "), "python -c 'import x; print('\\''hi'\\'')' '' a=b");
    }

    #[test]
    fn finds_a_program_along_the_path_in_order_or_by_path_from_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let script = |rel: &str, mode: u32| {
            crate::fsutil::write_test_file(root, rel, "#!/bin/sh\n");
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(root.join(rel), std::fs::Permissions::from_mode(mode)).unwrap();
        };
        script("venv/bin/tool", 0o755);
        script("usr/bin/tool", 0o755);
        script("usr/bin/other", 0o755);
        script("venv/bin/notes", 0o644);
        script("project/manage.py", 0o755);
        let search = std::env::join_paths([root.join("venv/bin"), root.join("usr/bin")]).unwrap();
        let found = |name: &str| find_program(name, &root.join("project"), &search);
        assert_eq!(found("tool"), Some(root.join("venv/bin/tool")), "the venv first");
        assert_eq!(found("other"), Some(root.join("usr/bin/other")));
        assert_eq!(found("notes"), None, "not executable");
        assert_eq!(found("missing"), None);
        assert_eq!(found("./manage.py"), Some(root.join("project/./manage.py")));
        assert_eq!(found("./tool"), None, "a path is not looked up on PATH");
    }
}
