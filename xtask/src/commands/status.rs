//! `cargo xtask status`: per env, whether its lock is fresh and its venv in sync, its
//! Python, package count and size on disk.

use anyhow::Result;

use crate::Workspace;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(_ws: &Workspace, _options: &Options) -> Result<()> {
    anyhow::bail!("`status` is not built yet")
}
