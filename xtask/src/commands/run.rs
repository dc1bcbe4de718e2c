//! `cargo xtask run PROJECT -- CMD...`: a command in a project's venv.

use anyhow::Result;
use camino::Utf8Path;

use crate::Workspace;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// The project whose venv runs the command
    pub project: String,
    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

pub fn run(_ws: &Workspace, _cwd: &Utf8Path, _options: &Options) -> Result<()> {
    anyhow::bail!("`run` is not built yet")
}
