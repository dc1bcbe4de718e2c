//! Ctrl-C, SIGTERM and SIGHUP: stop the children, keep the promises, say what happened.
//!
//! Children run in their own process group (see `exec`), so a signal sent to the xtask
//! alone (an IDE's stop button, `docker stop`, a cancelled CI job) would leave them running:
//! on a signal, the xtask forwards SIGINT to every child's group (pytest then prints where
//! it was, uv stops), and SIGKILLs any group still there after [`GRACE`]. It does not exit
//! from the handler: each command sees [`received`] at its next step, starts nothing new,
//! puts back what all-or-nothing promises (locks), reports, and exits 128 + the signal.
//!
//! On Windows, a console's Ctrl-C reaches every process attached to it, children included:
//! the flag is kept, and each child's Job Object (see `exec`) still running after [`GRACE`]
//! is terminated, which ends its whole tree.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

/// How long children get to stop on their own before they are killed.
pub const GRACE: Duration = Duration::from_secs(5);

static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// The process groups (unix: the leader's pid) of the children running now.
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());
/// Windows: the Job Objects (raw handles) holding the children running now.
#[cfg(windows)]
static JOBS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// A run stopped by a signal: `main` exits with 128 + `signal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    pub signal: i32,
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interrupted by {}", signal_name(self.signal))
    }
}

impl std::error::Error for Interrupted {}

impl Interrupted {
    /// 130 for SIGINT, 143 for SIGTERM, as a shell reports a process killed by it.
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.signal).unwrap_or(130)
    }
}

/// A signal's name (`SIGSEGV`), or its number where it has none here.
pub fn signal_name(signal: i32) -> String {
    #[cfg(unix)]
    let names = [
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
        (libc::SIGILL, "SIGILL"),
        (libc::SIGTRAP, "SIGTRAP"),
        (libc::SIGABRT, "SIGABRT"),
        (libc::SIGBUS, "SIGBUS"),
        (libc::SIGFPE, "SIGFPE"),
        (libc::SIGKILL, "SIGKILL"),
        (libc::SIGSEGV, "SIGSEGV"),
        (libc::SIGPIPE, "SIGPIPE"),
        (libc::SIGALRM, "SIGALRM"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGXCPU, "SIGXCPU"),
    ];
    #[cfg(not(unix))]
    let names = [(1, "SIGHUP"), (2, "SIGINT"), (15, "SIGTERM")];
    names.iter().find(|(n, _)| *n == signal).map_or_else(|| format!("signal {signal}"), |(_, name)| (*name).to_owned())
}

/// Installs the handler. `main` calls it once, first.
pub fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        // A signal ignored at start stays ignored: `nohup` ignores SIGHUP, and a shell
        // script's `cmd &` ignores SIGINT; handling them would undo what the caller asked.
        let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP].into_iter().filter(|&s| !is_ignored(s)).collect();
        let Ok(mut signals) = signal_hook::iterator::Signals::new(wanted) else { return };
        std::thread::spawn(move || {
            for signal in signals.forever() {
                let first = SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst).is_ok();
                stop_children(if first { libc::SIGINT } else { libc::SIGKILL });
                if first {
                    std::thread::spawn(|| {
                        std::thread::sleep(GRACE);
                        stop_children(libc::SIGKILL);
                    });
                }
            }
        });
    }
    #[cfg(windows)]
    {
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register(signal, Arc::clone(&flag));
        }
        std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
            SIGNAL.store(2, Ordering::SeqCst);
            // The console's Ctrl-C reached every child too; what still runs after GRACE
            // (a child that ignores it, or one not on the console) is ended with its tree.
            std::thread::sleep(GRACE);
            stop_jobs();
        });
    }
}

/// The signal received, if one was.
pub fn received() -> Option<Interrupted> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(Interrupted { signal }),
    }
}

/// `Err(Interrupted)` once a signal was received: a command calls it before each step.
pub fn check() -> anyhow::Result<()> {
    match received() {
        Some(interrupted) => Err(interrupted.into()),
        None => Ok(()),
    }
}

/// The signal in an error's chain, if a signal is what stopped it.
pub fn of(err: &anyhow::Error) -> Option<Interrupted> {
    // anyhow's downcast sees through every layer of context; the chain, through sources.
    err.downcast_ref::<Interrupted>()
        .or_else(|| err.chain().find_map(|cause| cause.downcast_ref::<Interrupted>()))
        .copied()
}

/// Records a running child's process group; a signal received meanwhile is forwarded to it.
pub(crate) fn register(group: u32) {
    CHILDREN.lock().unwrap_or_else(|p| p.into_inner()).push(group);
    // A signal that came between the spawn and now found no group to forward to.
    if received().is_some() {
        #[cfg(unix)]
        kill_group(group, libc::SIGINT);
    }
}

pub(crate) fn unregister(group: u32) {
    CHILDREN.lock().unwrap_or_else(|p| p.into_inner()).retain(|&g| g != group);
}

/// Windows: records a running child's Job Object (its raw handle, valid until it is
/// unregistered). A signal received meanwhile ends its tree at once: the console's Ctrl-C
/// came before the child did.
#[cfg(windows)]
pub(crate) fn register_job(job: usize) {
    JOBS.lock().unwrap_or_else(|p| p.into_inner()).push(job);
    if received().is_some() {
        terminate_job(job);
    }
}

#[cfg(windows)]
pub(crate) fn unregister_job(job: usize) {
    JOBS.lock().unwrap_or_else(|p| p.into_inner()).retain(|&j| j != job);
}

/// Ends every process in a Job Object, with the exit code Windows gives a console process
/// that Ctrl-C ended (`STATUS_CONTROL_C_EXIT`).
#[cfg(windows)]
pub(crate) fn terminate_job(job: usize) {
    // SAFETY: `job` is an open Job Object's handle: exec keeps each open while it is
    // registered (and passes only its own), and `stop_jobs` holds the registry's lock.
    unsafe {
        windows_sys::Win32::System::JobObjects::TerminateJobObject(
            job as windows_sys::Win32::Foundation::HANDLE,
            0xC000_013A,
        );
    }
}

#[cfg(windows)]
fn stop_jobs() {
    for &job in JOBS.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        terminate_job(job);
    }
}

/// Whether `signal`'s disposition is "ignore" (as inherited from the parent).
#[cfg(unix)]
fn is_ignored(signal: i32) -> bool {
    // SAFETY: sigaction(2) with a null new action only reads the current one into `old`,
    // a zeroed struct of the right type.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
    }
}

#[cfg(unix)]
fn stop_children(signal: i32) {
    for &group in CHILDREN.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        kill_group(group, signal);
    }
}

#[cfg(unix)]
pub(crate) fn kill_group(group: u32, signal: i32) {
    // Never 0 or 1: kill(0) and kill(-1) would signal this group or every process.
    if let Ok(pid) = i32::try_from(group).map_err(drop).and_then(|p| if p > 1 { Ok(p) } else { Err(()) }) {
        // SAFETY: kill(2) with a negative pid signals a process group; it touches no memory.
        unsafe {
            libc::kill(-pid, signal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_signal_under_any_context() {
        let err = anyhow::anyhow!("uv was stopped").context(Interrupted { signal: 15 }).context("cannot lock `web`");
        assert_eq!(of(&err), Some(Interrupted { signal: 15 }));
        assert_eq!(of(&err).unwrap().exit_code(), 143);
        assert_eq!(of(&anyhow::anyhow!("plain")), None);
        let direct: anyhow::Error = Interrupted { signal: 2 }.into();
        assert_eq!(of(&direct.context("outer")).map(Interrupted::exit_code), Some(130));
    }
}
