//! `cargo xtask clean`: removes venvs the xtask made, and nothing else.

use anyhow::Result;

use crate::Workspace;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Only venvs of envs that no longer exist, and leftovers of interrupted runs
    #[arg(long)]
    pub stale: bool,
    /// Only the venvs of these projects
    #[arg(value_name = "PROJECT")]
    pub projects: Vec<String>,
}

pub fn run(_ws: &Workspace, _options: &Options) -> Result<()> {
    anyhow::bail!("`clean` is not built yet")
}
