//! `cargo xtask doctor`: what this machine and this repository need, a line per check.

use anyhow::Result;
use camino::Utf8Path;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {}

pub fn run(_cwd: &Utf8Path, _options: &Options) -> Result<()> {
    anyhow::bail!("`doctor` is not built yet")
}
