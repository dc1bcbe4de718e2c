//! The one module that spawns processes, in two ways.
//!
//! - Long-running children, and those run in parallel (uv's compiles and syncs, pytest):
//!   duct, with their output captured (stdout and stderr merged, in order) so parallel work
//!   never interleaves on the terminal, each in its own process tree (a process group on
//!   unix, a Job Object on Windows), which `interrupt` stops on a signal: a hung pytest and
//!   the processes it started go with it ([`capture`], [`run_ok`], [`interactive`]).
//! - Short sequential calls whose stdout is the answer (git, an interpreter asked its
//!   version, the uv bootstrap's venv and pip): std's `Command` as it is, with stdout and
//!   stderr apart, so a warning never lands in `git -z` output ([`read`], [`read_ok`]).
//!
//! duct is the one process crate: std needs no help for a child that is waited for at once.

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

/// [`capture`], stopping the child's whole process tree when `watch` says so: on unix SIGINT
/// first, SIGKILL after [`CUT_GRACE`]; on Windows its Job Object at once (no signal reaches
/// one tree alone there). Nothing it started outlives it.
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
    #[cfg(windows)]
    {
        // Suspended until it is in its Job Object: it can start nothing outside it.
        expr = expr.before_spawn(|command| {
            std::os::windows::process::CommandExt::creation_flags(command, windows::CREATE_SUSPENDED);
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
    // A program written a moment ago may be "busy" while another thread's child still
    // holds the writer's descriptor between its fork and its exec: that passes in a moment.
    let mut started = expr.start();
    for _ in 0..20 {
        match &started {
            Err(err) if is_text_file_busy(err) => {
                std::thread::sleep(Duration::from_millis(25));
                started = expr.start();
            }
            _ => break,
        }
    }
    let handle = started.map_err(|err| {
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
    let tree = Tree::of(&handle.pids()).map_err(|err| {
        let _ = handle.kill();
        anyhow!(err).context(format!("cannot run `{}` in a Job Object of its own", cmd.display()))
    })?;
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
                        tree.stop(false);
                        sent = Some(now);
                    }
                    Some(at) if now - at >= CUT_GRACE => tree.stop(true),
                    Some(_) => {}
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let output = handle.into_output();
    // Unregisters it; on Windows, whatever it left running in its job (a daemon that let go
    // of the output) ends here.
    drop(tree);
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

/// `ETXTBSY`: the program is open for writing somewhere (unix).
fn is_text_file_busy(err: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        err.raw_os_error() == Some(libc::ETXTBSY)
    }
    #[cfg(not(unix))]
    {
        let _ = err;
        false
    }
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

/// A running child's whole process tree, registered with `interrupt` while it lives: on
/// unix its process group (the child's pid); on Windows also the Job Object that holds it
/// and everything it starts, which kills them all when its handle closes (when the call
/// that made it returns, or when the xtask dies, however it dies).
struct Tree {
    groups: Vec<u32>,
    #[cfg(windows)]
    job: windows::Job,
}

impl Tree {
    /// The tree of the children `pids` (on Windows, started suspended: they are put in a new
    /// job, then resumed).
    fn of(pids: &[u32]) -> std::io::Result<Tree> {
        #[cfg(windows)]
        let job = windows::Job::holding(pids)?;
        #[cfg(windows)]
        crate::interrupt::register_job(job.raw());
        for &group in pids {
            crate::interrupt::register(group);
        }
        if crate::reap::NEEDED {
            crate::reap::record(pids);
        }
        Ok(Tree {
            groups: pids.to_vec(),
            #[cfg(windows)]
            job,
        })
    }

    /// Stops the tree: on unix politely first (SIGINT), then for good (SIGKILL); on Windows
    /// for good at once.
    fn stop(&self, kill: bool) {
        #[cfg(unix)]
        for &group in &self.groups {
            crate::interrupt::kill_group(group, if kill { libc::SIGKILL } else { libc::SIGINT });
        }
        #[cfg(windows)]
        {
            let _ = kill;
            crate::interrupt::terminate_job(self.job.raw());
        }
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        for &group in &self.groups {
            crate::interrupt::unregister(group);
        }
        if crate::reap::NEEDED {
            crate::reap::forget(&self.groups);
        }
        // Before the job's handle closes (a field, dropped after this).
        #[cfg(windows)]
        crate::interrupt::unregister_job(self.job.raw());
    }
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
    // Windows: in a Job Object of its own, so that nothing of it outlives a killed xtask (the
    // console's Ctrl-C reaches it by itself, as the terminal's does on unix).
    #[cfg(windows)]
    std::os::windows::process::CommandExt::creation_flags(&mut command, windows::CREATE_SUSPENDED);
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
    #[cfg(windows)]
    let _job = windows::Job::holding(&[child.id()]).map_err(|err| {
        let _ = child.kill();
        let _ = child.wait();
        anyhow!(err).context(format!("cannot run `{}` in a Job Object of its own", cmd.display()))
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

/// Runs a short sequential command and keeps its stdout and stderr apart; a non-zero exit
/// is not an error here (see [`read_ok`]). Nothing new starts after a signal. The child is
/// std's, as is: no process tree of its own (a short call ends by itself, and Ctrl-C at the
/// terminal reaches it with us), stdin empty unless given, the program found as std finds it.
pub fn read(cmd: &Cmd) -> Result<Read> {
    use std::io::Write as _;
    use std::process::Stdio;

    crate::interrupt::check()?;
    let mut command = std::process::Command::new(&cmd.program);
    command.args(&cmd.args).current_dir(&cmd.cwd).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.stdin(if cmd.stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    for key in &cmd.env_remove {
        command.env_remove(key);
    }
    for (key, value) in &cmd.env {
        command.env(key, value);
    }
    let cannot_run = |err: anyhow::Error| {
        let program = cmd.program.to_string_lossy();
        // A program that is not on PATH is by far the likeliest cause.
        err.context(crate::error::Hinted::new(
            format!("cannot run `{program}`"),
            format!("install {program} or put it on PATH; `{}` needs it", cmd.display()),
        ))
    };
    let mut child = command.spawn().map_err(|err| {
        // A missing working directory fails as a missing program does: say which it is.
        let why = match std::fs::metadata(&cmd.cwd) {
            Err(missing) if err.kind() == std::io::ErrorKind::NotFound => {
                anyhow!("failed to get current directory `{}`: {missing}", cmd.cwd)
            }
            _ if err.kind() == std::io::ErrorKind::NotFound => {
                anyhow!("command not found: `{}`", cmd.program.to_string_lossy())
            }
            _ => anyhow!("io error when running command `{}`: {err}", cmd.display()),
        };
        cannot_run(why)
    })?;
    // Written from a thread while this one reads: a child that answers as it reads (git's
    // `--stdin-paths`) would otherwise fill its stdout pipe and both would wait forever.
    let writer = cmd.stdin.clone().zip(child.stdin.take()).map(|(text, mut stdin)| {
        std::thread::spawn(move || {
            stdin.write_all(text.as_bytes())?;
            stdin.flush()
        })
    });
    let output = child.wait_with_output();
    let written = writer.map(|thread| thread.join().expect("the stdin writer does not panic"));
    let output =
        output.map_err(|err| cannot_run(anyhow!("io error when running command `{}`: {err}", cmd.display())))?;
    if let Some(written) = written {
        written.map_err(|err| cannot_run(anyhow!("failed to write to stdin of command `{}`: {err}", cmd.display())))?;
    }
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

/// Whether process `pid` is running, as the OS says (the repository lock's "held by").
#[cfg(windows)]
pub(crate) fn is_alive(pid: u32) -> bool {
    windows::is_alive(pid)
}

/// The Windows twin of a process group: a Job Object (nextest holds its tests the same way).
#[cfg(windows)]
mod windows {
    use std::io;
    use std::os::windows::io::{AsRawHandle as _, FromRawHandle as _, OwnedHandle};

    use windows_sys::Win32::Foundation::{ERROR_ACCESS_DENIED, HANDLE, INVALID_HANDLE_VALUE, STILL_ACTIVE};
    use windows_sys::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, TH32CS_SNAPTHREAD, THREADENTRY32, Thread32First, Thread32Next,
    };
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation, SetInformationJobObject,
    };
    pub(super) use windows_sys::Win32::System::Threading::CREATE_SUSPENDED;
    use windows_sys::Win32::System::Threading::{
        GetExitCodeProcess, OpenProcess, OpenThread, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SET_QUOTA,
        PROCESS_TERMINATE, ResumeThread, THREAD_SUSPEND_RESUME,
    };

    /// A Job Object that kills every process in it when its last handle closes. The handle
    /// is not inheritable: no child keeps the job open after the xtask is gone.
    pub(crate) struct Job(OwnedHandle);

    impl Job {
        pub(crate) fn new() -> io::Result<Job> {
            // SAFETY: no attributes and no name are valid arguments; a non-null result is a
            // handle this process owns, closed once, by OwnedHandle.
            let job = unsafe {
                let raw = CreateJobObjectW(std::ptr::null(), std::ptr::null());
                if raw.is_null() {
                    return Err(io::Error::last_os_error());
                }
                Job(OwnedHandle::from_raw_handle(raw))
            };
            let mut limits = JOBOBJECT_EXTENDED_LIMIT_INFORMATION::default();
            limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
            // SAFETY: the information class matches the struct passed, with its own size.
            let set = unsafe {
                SetInformationJobObject(
                    job.handle(),
                    JobObjectExtendedLimitInformation,
                    (&raw const limits).cast(),
                    size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
                )
            };
            if set == 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(job)
        }

        /// A new job holding the processes `pids`, which were created suspended: each is put
        /// in it, then resumed, so that nothing they start is ever outside it.
        pub(crate) fn holding(pids: &[u32]) -> io::Result<Job> {
            let job = Job::new()?;
            for &pid in pids {
                job.adopt(pid)?;
                resume(pid)?;
            }
            Ok(job)
        }

        fn adopt(&self, pid: u32) -> io::Result<()> {
            let process = open_process(pid, PROCESS_SET_QUOTA | PROCESS_TERMINATE)?;
            // SAFETY: both handles are open, with the access rights the call needs.
            if unsafe { AssignProcessToJobObject(self.handle(), process.as_raw_handle()) } == 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        }

        fn handle(&self) -> HANDLE {
            self.0.as_raw_handle()
        }

        /// The handle as a number, for `interrupt`'s registry (valid while `self` lives).
        pub(crate) fn raw(&self) -> usize {
            self.handle() as usize
        }
    }

    fn open_process(pid: u32, access: u32) -> io::Result<OwnedHandle> {
        // SAFETY: OpenProcess takes any pid; a non-null result is ours to close.
        unsafe {
            let raw = OpenProcess(access, 0, pid);
            if raw.is_null() { Err(io::Error::last_os_error()) } else { Ok(OwnedHandle::from_raw_handle(raw)) }
        }
    }

    /// Resumes the threads of a process created suspended (std keeps the handle of its main
    /// thread to itself): the system's threads are listed, and those of `pid` resumed.
    fn resume(pid: u32) -> io::Result<()> {
        // SAFETY: a snapshot handle (checked) is closed by OwnedHandle; each entry is a plain
        // struct with its size set, as Thread32First/Next require; each thread handle
        // (checked) is closed by OwnedHandle.
        unsafe {
            let raw = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
            if raw == INVALID_HANDLE_VALUE {
                return Err(io::Error::last_os_error());
            }
            let snapshot = OwnedHandle::from_raw_handle(raw);
            let mut entry = THREADENTRY32 { dwSize: size_of::<THREADENTRY32>() as u32, ..Default::default() };
            let mut resumed = 0;
            let mut more = Thread32First(snapshot.as_raw_handle(), &mut entry) != 0;
            while more {
                if entry.th32OwnerProcessID == pid {
                    let thread = OpenThread(THREAD_SUSPEND_RESUME, 0, entry.th32ThreadID);
                    if !thread.is_null() {
                        let thread = OwnedHandle::from_raw_handle(thread);
                        if ResumeThread(thread.as_raw_handle()) != u32::MAX {
                            resumed += 1;
                        }
                    }
                }
                more = Thread32Next(snapshot.as_raw_handle(), &mut entry) != 0;
            }
            if resumed == 0 {
                return Err(io::Error::other(format!("found no thread of process {pid} to resume")));
            }
        }
        Ok(())
    }

    pub(super) fn is_alive(pid: u32) -> bool {
        match open_process(pid, PROCESS_QUERY_LIMITED_INFORMATION) {
            Ok(process) => {
                let mut code = 0u32;
                // SAFETY: an open handle with the query right, and a u32 to write to.
                let read = unsafe { GetExitCodeProcess(process.as_raw_handle(), &mut code) } != 0;
                // (A process that exited with code 259 reads as running: Windows' own quirk.)
                read && code == STILL_ACTIVE as u32
            }
            // Another user's process is there, closed to us; a pid that names nothing is
            // refused as a bad parameter.
            Err(err) => err.raw_os_error() == Some(ERROR_ACCESS_DENIED as i32),
        }
    }
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
        assert_eq!(
            format!("{missing:#}"),
            "cannot run `no-such-program-xtask`: command not found: `no-such-program-xtask`"
        );
        let nowhere = read(&Cmd::new("sh", "no-such-folder-xtask").arg("-c").arg("true")).unwrap_err();
        assert!(
            format!("{nowhere:#}").contains("failed to get current directory `no-such-folder-xtask`"),
            "{nowhere:#}"
        );
    }

    #[test]
    fn a_short_call_reads_its_stdin_while_it_answers() {
        // More than a pipe holds, each way: written and read at once, nothing waits forever.
        let text = "line of input\n".repeat(100_000);
        let cmd = Cmd::new("cat", ".").stdin(text.clone()).env("XTASK_SET", "1").env_remove("HOME");
        let done = read(&cmd).unwrap();
        assert!(done.success);
        assert_eq!(done.stdout, text);
        let env = read(
            &Cmd::new("sh", ".")
                .args(["-c", "echo \"$XTASK_SET${HOME-unset}\""])
                .env("XTASK_SET", "1")
                .env_remove("HOME"),
        )
        .unwrap();
        assert_eq!(env.stdout, "1unset\n");
        let quiet = read(&Cmd::new("sh", ".").args(["-c", "exit 4"])).unwrap();
        assert!(!quiet.success, "a non-zero exit is an answer, not an error");
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

/// Under Wine on Linux in CI (`.ci/windows-tests`), and on Windows itself.
#[cfg(all(test, windows))]
mod windows_tests {
    use super::*;

    /// Where a sleeper appends its pid, and how many sleepers deep its tree goes.
    const PIDS: &str = "XTASK_TEST_SLEEPER_PIDS";
    const DEPTH: &str = "XTASK_TEST_SLEEPER_DEPTH";

    /// Not a test: the process tree the tests below start (this binary, run with `--exact`
    /// on this name and the variables set). It writes its pid, starts the next sleeper
    /// (which shares its output), and sleeps.
    #[test]
    #[ignore = "not a test: a process of the trees that the job tests start and end"]
    fn sleeper() {
        let (Ok(pids), Ok(depth)) = (std::env::var(PIDS), std::env::var(DEPTH)) else { return };
        let depth: u32 = depth.parse().unwrap();
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&pids).unwrap();
        std::io::Write::write_all(&mut file, format!("{}\n", std::process::id()).as_bytes()).unwrap();
        let next = (depth > 1).then(|| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(sleeper_args())
                .env(DEPTH, (depth - 1).to_string())
                .spawn()
                .unwrap()
        });
        std::thread::sleep(Duration::from_secs(120));
        if let Some(mut next) = next {
            next.wait().unwrap();
        }
    }

    fn sleeper_args() -> [&'static str; 5] {
        ["--exact", "exec::windows_tests::sleeper", "--ignored", "--nocapture", "--test-threads=1"]
    }

    /// The pids the sleepers wrote, once `n` have (within a minute: Wine starts a process
    /// in a second or so).
    fn wait_for_pids(file: &Utf8Path, n: usize) -> Vec<u32> {
        let start = Instant::now();
        loop {
            let pids: Vec<u32> = std::fs::read_to_string(file)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect();
            if pids.len() >= n {
                return pids;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "only {} of {n} sleepers started", pids.len());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every one of `pids` is gone (within a few seconds: an ended process lingers while
    /// its handles close).
    fn assert_gone(pids: &[u32]) {
        let start = Instant::now();
        while pids.iter().any(|&pid| is_alive(pid)) && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let alive: Vec<u32> = pids.iter().copied().filter(|&pid| is_alive(pid)).collect();
        assert!(alive.is_empty(), "still running: {alive:?} of {pids:?}");
    }

    #[test]
    fn a_cut_ends_the_whole_tree_a_cmd_script_started() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let pids = root.join("pids");
        let exe = std::env::current_exe().unwrap();
        // cmd, the sleeper it starts, and the sleeper that one starts: a grandchild's child.
        let cmd = Cmd::new("cmd", root)
            .args(["/d", "/c"])
            .arg(exe.as_os_str())
            .args(sleeper_args())
            .env(PIDS, pids.as_str())
            .env(DEPTH, "2");
        let cancel = AtomicBool::new(false);
        let (done, sleepers) = std::thread::scope(|s| {
            let sleepers = s.spawn(|| {
                let found = wait_for_pids(&pids, 2);
                cancel.store(true, Ordering::SeqCst);
                found
            });
            let done = capture_watched(&cmd, Watch { deadline: None, cancel: Some(&cancel) }).unwrap();
            (done, sleepers.join().unwrap())
        });
        assert_eq!(done.cut, Some(Cut::Cancelled));
        assert!(!done.success);
        // A sleeper left running would hold the output pipe open for two minutes.
        assert!(done.elapsed < Duration::from_secs(60), "{:?}", done.elapsed);
        assert_gone(&sleepers);
    }

    #[test]
    fn a_deadline_ends_the_tree_and_keeps_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let pids = root.join("pids");
        let cmd = Cmd::new(std::env::current_exe().unwrap().into_os_string(), root)
            .args(sleeper_args())
            .env(PIDS, pids.as_str())
            .env(DEPTH, "2");
        let deadline = Instant::now() + Duration::from_secs(3);
        let done = capture_watched(&cmd, Watch { deadline: Some(deadline), cancel: None }).unwrap();
        assert_eq!(done.cut, Some(Cut::TimedOut));
        assert!(done.elapsed < Duration::from_secs(60), "{:?}", done.elapsed);
        assert!(done.output.contains("running 1 test"), "{}", done.output);
        // Both had started within the deadline (on a slow machine, at least the first).
        assert_gone(&wait_for_pids(&pids, 1));
    }

    #[test]
    fn closing_the_job_ends_the_tree_as_the_death_of_the_xtask_would() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let pids = root.join("pids");
        let mut command = std::process::Command::new(std::env::current_exe().unwrap());
        command.args(sleeper_args()).env(PIDS, pids.as_str()).env(DEPTH, "2");
        command.stdout(std::process::Stdio::null());
        std::os::windows::process::CommandExt::creation_flags(&mut command, windows::CREATE_SUSPENDED);
        let mut child = command.spawn().unwrap();
        let job = windows::Job::holding(&[child.id()]).unwrap();
        let sleepers = wait_for_pids(&pids, 2);
        assert_eq!(sleepers[0], child.id());
        // Ending the child alone, as the xtask did before jobs, leaves its child running:
        // neither Windows nor Wine ends a process with its parent.
        child.kill().unwrap();
        child.wait().unwrap();
        assert_gone(&sleepers[..1]);
        assert!(is_alive(sleepers[1]), "the grandchild ended with its parent: this test would prove nothing");
        // The job's last handle closing (as when the xtask dies) ends the rest.
        drop(job);
        assert_gone(&sleepers);
    }

    #[test]
    fn a_child_started_suspended_runs_once_in_its_job() {
        let done = capture(&Cmd::new("cmd", ".").args(["/d", "/c", "echo in a job"])).unwrap();
        assert!(done.success, "{}", done.output);
        assert_eq!(done.output.trim(), "in a job");
        assert_eq!(done.cut, None);
        assert_eq!(interactive(&Cmd::new("cmd", ".").args(["/d", "/c", "exit 7"])).unwrap(), 7);
        let missing = capture(&Cmd::new("no-such-program-xtask", ".")).unwrap_err();
        assert!(crate::error::hint_of(&missing).is_some_and(|h| h.contains("put it on PATH")), "{missing:#}");
    }

    #[test]
    fn is_alive_asks_the_os() {
        assert!(is_alive(std::process::id()));
        let mut child = std::process::Command::new("cmd").args(["/d", "/c", "exit 3"]).spawn().unwrap();
        let pid = child.id();
        assert_eq!(child.wait().unwrap().code(), Some(3));
        assert!(!is_alive(pid), "exited, its handle still open");
        drop(child);
        assert!(!is_alive(pid), "exited and closed");
        assert!(!is_alive(u32::MAX - 2), "no such process");
    }

    #[test]
    fn a_short_call_keeps_its_streams_apart_and_names_a_missing_program() {
        let cmd = Cmd::new("cmd", ".").args(["/d", "/c", "echo out& echo err 1>&2& exit 2"]);
        let done = read(&cmd).unwrap();
        assert!(!done.success, "a non-zero exit is an answer, not an error");
        assert_eq!((done.stdout.trim_end(), done.stderr.trim_end()), ("out", "err"));
        let missing = read(&Cmd::new("no-such-program-xtask", ".")).unwrap_err();
        assert!(crate::error::hint_of(&missing).is_some_and(|h| h.contains("put it on PATH")), "{missing:#}");
        assert!(format!("{missing:#}").contains("command not found"), "{missing:#}");
    }
}
