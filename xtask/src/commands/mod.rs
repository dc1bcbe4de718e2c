//! One file per subcommand. Each borrows the loaded [`Workspace`](crate::Workspace).

pub mod graph;
pub mod lock;
pub mod setup_envs;
pub mod test_all;

/// `-j` when not given: one job per CPU.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The first error among jobs' results, with how many others failed alongside it.
fn first_error<I: IntoIterator<Item = anyhow::Error>>(errors: I) -> anyhow::Result<()> {
    let mut errors = errors.into_iter();
    match (errors.next(), errors.count()) {
        (None, _) => Ok(()),
        (Some(first), 0) => Err(first),
        (Some(first), more) => Err(first.context(format!(
            "{} more failed as well (fix this one first; each is reported the same way)",
            more
        ))),
    }
}
