//! `cargo xtask envrc`: a direnv `.envrc` per member and a VS Code workspace.

use anyhow::Result;

use crate::Workspace;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Write nothing: exit 1 if a file is missing or differs
    #[arg(long)]
    pub check: bool,
}

pub fn run(_ws: &Workspace, _options: &Options) -> Result<()> {
    anyhow::bail!("`envrc` is not built yet")
}
