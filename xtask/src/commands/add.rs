//! `cargo xtask add` / `remove`: edit a project's pyproject (or a layer's `.in`), then
//! re-lock and sync what the edit touches.

use anyhow::Result;
use camino::Utf8Path;

use crate::Workspace;

#[derive(Debug, Clone, clap::Args)]
pub struct AddOptions {
    /// The project, then the requirements (PEP 508); with --layer, the requirements only
    #[arg(required = true, value_name = "PROJECT REQ")]
    pub args: Vec<String>,
    /// Into this dependency group instead of the dependencies
    #[arg(long, value_name = "GROUP", conflicts_with = "layer")]
    pub group: Option<String>,
    /// Into this layer's .in file (base, ...) instead of a project
    #[arg(long, value_name = "LAYER")]
    pub layer: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RemoveOptions {
    /// The project, then the package names; with --layer, the names only
    #[arg(required = true, value_name = "PROJECT PKG")]
    pub args: Vec<String>,
    /// From this dependency group instead of the dependencies
    #[arg(long, value_name = "GROUP", conflicts_with = "layer")]
    pub group: Option<String>,
    /// From this layer's .in file instead of a project
    #[arg(long, value_name = "LAYER")]
    pub layer: Option<String>,
}

pub fn add(_ws: &Workspace, _cwd: &Utf8Path, _options: &AddOptions) -> Result<()> {
    anyhow::bail!("`add` is not built yet")
}

pub fn remove(_ws: &Workspace, _cwd: &Utf8Path, _options: &RemoveOptions) -> Result<()> {
    anyhow::bail!("`remove` is not built yet")
}
