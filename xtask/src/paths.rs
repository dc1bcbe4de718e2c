//! The fixed paths of the tool's files in a repository, relative to its root. They sit below
//! every module that names them (`pyproject` names the config in its errors, and `config`
//! reads pyproject tables), and `config` re-exports them.

pub const CONFIG_PATH: &str = "_meta/monorepo.toml";
pub const REQUIREMENTS_DIR: &str = "_meta/requirements";
/// Where shared envs keep their venvs (git-ignored); members get a `.venv` link to theirs.
pub const VENVS_DIR: &str = "_meta/venvs";
/// Where the pinned uv is bootstrapped when PATH has no uv at that version (git-ignored).
pub const TOOLS_DIR: &str = "_meta/.tools";
