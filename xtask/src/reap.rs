//! A killed xtask's children, ended by the next run where the OS does not end them with it.
//!
//! Linux kills each child with the xtask (`PR_SET_PDEATHSIG`, `exec.rs`) and Windows with
//! its Job Object's handle; macOS has neither, so a `kill -9`'d run's uv would go on writing
//! a venv under the next run. There, each run keeps a record of the process groups it has
//! running (`_meta/.state/children/<pid>`), and the next run, as it takes the repository
//! lock (before it reads or writes anything), ends the groups of runs that are gone.
//!
//! A pid is reused, so a record names each process with its start time, and nothing is
//! signalled unless the process with that pid started at that time: the recording run is
//! gone (else its children are its own business), and the group's leader is the one it
//! started. A group whose leader has ended is left alone: nothing tells its members from a
//! newer group's.

use std::collections::BTreeMap;
use std::sync::Mutex;

use camino::{Utf8Path, Utf8PathBuf};

/// A pid and that process's start time: one process, even after the pid is reused.
type Process = (u32, u64);

/// This run's record: its file, this run's start time, and the groups it has running with
/// their start times.
struct Record {
    file: Utf8PathBuf,
    started: Option<u64>,
    groups: BTreeMap<u32, u64>,
}

static RECORD: Mutex<Option<Record>> = Mutex::new(None);

/// Whether children need recording here: everywhere the OS does not end them with us.
pub const NEEDED: bool = cfg!(all(unix, not(target_os = "linux")));

/// Ends what runs that are gone left running, by their records in `dir`, then starts this
/// run's record there (once: `repo_lock` calls it each time it takes the lock, with
/// `_meta/.state/children`).
pub fn begin(dir: &Utf8Path) {
    let mut record = RECORD.lock().unwrap_or_else(|p| p.into_inner());
    if record.is_none() {
        reap(dir);
        let me = std::process::id();
        *record = Some(Record { file: dir.join(me.to_string()), started: start_time(me), groups: BTreeMap::new() });
    }
}

/// Records `groups` as this run's, before they can outlive it.
pub fn record(groups: &[u32]) {
    update(|record| {
        for &group in groups {
            if let Some(started) = start_time(group) {
                record.groups.insert(group, started);
            }
        }
    });
}

/// Forgets `groups`: they have ended, or are being waited for.
pub fn forget(groups: &[u32]) {
    update(|record| {
        for group in groups {
            record.groups.remove(group);
        }
    });
}

fn update(change: impl FnOnce(&mut Record)) {
    let mut record = RECORD.lock().unwrap_or_else(|p| p.into_inner());
    let Some(record) = record.as_mut() else { return };
    change(record);
    // Best effort: a record that cannot be written only means nothing to reap later.
    if record.groups.is_empty() {
        let _ = std::fs::remove_file(&record.file);
    } else if let (Some(me), Some(dir)) = (record.started, record.file.parent()) {
        let mut text = format!("run {} {me}\n", std::process::id());
        for (group, started) in &record.groups {
            text.push_str(&format!("group {group} {started}\n"));
        }
        let _ = std::fs::create_dir_all(dir);
        let _ = crate::fsutil::write_atomic(&record.file, &text);
    }
}

/// Ends the process groups that runs which are gone left running, and removes their
/// records; says what it ended. Two runs doing it at once do no harm: each checks the start
/// time before each signal.
fn reap(dir: &Utf8Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let Ok(path) = Utf8PathBuf::from_path_buf(entry.path()) else { continue };
        // A record is named by its run's pid (not a half-written `*.xtask-tmp`).
        if path.file_name().is_none_or(|name| name.parse::<u32>().is_err()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let (run, groups) = parse(&text);
        if run.is_some_and(|(pid, started)| start_time(pid) == Some(started)) {
            continue; // the run is alive: its children are its own
        }
        for (group, started) in groups {
            if start_time(group) == Some(started) {
                kill_group(group);
                crate::ui::status("Stopped", &format!("process group {group}, left running by a killed run"));
            }
        }
        let _ = std::fs::remove_file(&path);
    }
}

/// A record's run and groups, each `(pid, start time)`; lines that do not parse (a record
/// cut short) are skipped.
fn parse(text: &str) -> (Option<Process>, Vec<Process>) {
    let mut run = None;
    let mut groups = Vec::new();
    for line in text.lines() {
        let mut words = line.split(' ');
        let (Some(kind), Some(Ok(pid)), Some(Ok(started)), None) =
            (words.next(), words.next().map(str::parse), words.next().map(str::parse), words.next())
        else {
            continue;
        };
        match kind {
            "run" => run = Some((pid, started)),
            "group" => groups.push((pid, started)),
            _ => {}
        }
    }
    (run, groups)
}

#[cfg(unix)]
fn kill_group(group: u32) {
    crate::interrupt::kill_group(group, libc::SIGKILL);
}

#[cfg(not(unix))]
fn kill_group(_group: u32) {}

/// When process `pid` started, in the OS's own unit; `None` when there is no such process.
/// Two processes with one pid never have one start time.
#[cfg(target_os = "macos")]
pub fn start_time(pid: u32) -> Option<u64> {
    let pid = i32::try_from(pid).ok()?;
    let mut info: libc::proc_bsdinfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::proc_bsdinfo>() as libc::c_int;
    // SAFETY: proc_pidinfo writes at most `size` bytes into `info`, which is that large.
    let written =
        unsafe { libc::proc_pidinfo(pid, libc::PROC_PIDTBSDINFO, 0, (&raw mut info).cast::<libc::c_void>(), size) };
    (written == size).then(|| info.pbi_start_tvsec * 1_000_000 + info.pbi_start_tvusec)
}

/// When process `pid` started, in clock ticks since boot (`/proc/<pid>/stat`'s 22nd field).
#[cfg(target_os = "linux")]
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(not(any(target_os = "macos", target_os = "linux")))]
pub fn start_time(_pid: u32) -> Option<u64> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt as _;

    fn sleeper() -> std::process::Child {
        std::process::Command::new("sleep").arg("60").process_group(0).spawn().unwrap()
    }

    /// A run that has ended: its pid and start time, as its record would hold them.
    fn gone_run() -> Process {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let started = start_time(pid).unwrap_or(1);
        child.wait().unwrap();
        (pid, started)
    }

    fn ended_by_a_signal(child: &mut std::process::Child) -> bool {
        for _ in 0..100 {
            if let Some(status) = child.try_wait().unwrap() {
                return std::os::unix::process::ExitStatusExt::signal(&status) == Some(libc::SIGKILL);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }

    #[test]
    fn start_times_tell_processes_apart() {
        let me = start_time(std::process::id()).unwrap();
        assert_eq!(start_time(std::process::id()), Some(me));
        let (pid, _) = gone_run();
        assert_eq!(start_time(pid), None, "an ended process has no start time");
    }

    #[test]
    fn a_gone_runs_groups_are_ended_and_a_reused_pid_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = Utf8Path::from_path(tmp.path()).unwrap();
        let (mut left, mut other) = (sleeper(), sleeper());
        let (run, run_started) = gone_run();
        let record = format!(
            "run {run} {run_started}\ngroup {} {}\ngroup {} {}\n",
            left.id(),
            start_time(left.id()).unwrap(),
            other.id(),
            start_time(other.id()).unwrap() + 1, // a pid now used by another process
        );
        std::fs::write(dir.join(run.to_string()), record).unwrap();
        reap(dir);
        assert!(ended_by_a_signal(&mut left), "the gone run's child is still running");
        assert!(other.try_wait().unwrap().is_none(), "a process with a reused pid was signalled");
        assert!(!dir.join(run.to_string()).exists(), "the record was kept");
        other.kill().unwrap();
        other.wait().unwrap();
    }

    #[test]
    fn a_live_runs_groups_are_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = Utf8Path::from_path(tmp.path()).unwrap();
        let mut child = sleeper();
        // The run is this test's process, under another record name: alive.
        let record = format!(
            "run {} {}\ngroup {} {}\n",
            std::process::id(),
            start_time(std::process::id()).unwrap(),
            child.id(),
            start_time(child.id()).unwrap()
        );
        std::fs::write(dir.join("1"), record).unwrap();
        reap(dir);
        assert!(child.try_wait().unwrap().is_none(), "a live run's child was signalled");
        assert!(dir.join("1").exists());
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn a_record_cut_short_still_parses_its_whole_lines() {
        assert_eq!(parse("run 10 5\ngroup 11 6\ngroup 1"), (Some((10, 5)), vec![(11, 6)]));
        assert_eq!(parse(""), (None, vec![]));
    }
}
