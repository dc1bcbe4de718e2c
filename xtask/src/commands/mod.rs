//! One file per subcommand. Each borrows the loaded [`Workspace`](crate::Workspace).

pub mod affected;
pub mod check;
pub mod ci_matrix;
pub mod export;
pub mod graph;
pub mod lock;
pub mod setup_envs;
pub mod test_all;
pub mod update_base;

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
