//! One file per subcommand. Each borrows the loaded [`Workspace`](crate::Workspace).

pub mod add;
pub mod affected;
pub mod check;
pub mod ci_matrix;
pub mod clean;
pub mod doctor;
pub mod envrc;
pub mod explain;
pub mod export;
pub mod graph;
pub mod init;
pub mod lock;
pub mod new;
pub mod run;
pub mod setup_envs;
pub mod status;
pub mod test;
pub mod test_all;
pub mod update_base;

/// `--format` of the commands that print a report: for people, or one JSON object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// Which projects a test run takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Named ones (none: all).
    pub projects: Vec<String>,
    /// Only those `affected` lists, since `since` (or the default base).
    pub affected: bool,
    pub since: Option<String>,
    /// `--shard K/N`.
    pub shard: Option<(usize, usize)>,
}

/// The projects a test run (or a CI matrix) takes, in the workspace's order: those named
/// (by name or folder, relative to `cwd`), else the affected ones, else all; then one shard.
pub fn selected(ws: &crate::Workspace, cwd: &camino::Utf8Path, select: &Selection) -> anyhow::Result<Vec<usize>> {
    let mut members: Vec<usize> = if !select.projects.is_empty() {
        select.projects.iter().map(|name| ws.member_named(cwd, name)).collect::<anyhow::Result<_>>()?
    } else if select.affected {
        let base = select.since.clone().unwrap_or_else(crate::affected::default_base);
        affected::select(ws, &base)?
    } else {
        (0..ws.members.len()).collect()
    };
    members.sort_unstable();
    members.dedup();
    Ok(match select.shard {
        Some((k, n)) => ci_matrix::shard_members(ws, &members, k, n),
        None => members,
    })
}

/// `-j` when not given: one job per CPU.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The first error among jobs' results, which `main` prints; the others only counted, as
/// they often share its cause.
fn first_error<I: IntoIterator<Item = anyhow::Error>>(errors: I) -> anyhow::Result<()> {
    let mut errors = errors.into_iter();
    let Some(first) = errors.next() else { return Ok(()) };
    let more = errors.count();
    if more > 0 {
        crate::ui::err(&format!("note: {more} more failed as well; fix the error below first, then run again\n"));
    }
    Err(first)
}
