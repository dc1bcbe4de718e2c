//! `cargo xtask new NAME`: a new member with a pyproject, a `src/` package and a first test.

use anyhow::Result;

use crate::Workspace;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// The project's name (its folder's and, prefixed as the others are, its package's)
    pub name: String,
    /// A project it depends on (repeatable)
    #[arg(long = "depends-on", value_name = "PROJECT")]
    pub depends_on: Vec<String>,
    /// A layer it opts into (repeatable)
    #[arg(long = "layer", value_name = "LAYER")]
    pub layers: Vec<String>,
}

pub fn run(_ws: &Workspace, _options: &Options) -> Result<()> {
    anyhow::bail!("`new` is not built yet")
}
