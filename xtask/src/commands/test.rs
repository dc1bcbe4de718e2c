//! `cargo xtask test [PROJECT] [-- PYTEST_ARGS]`: one project's suite with the terminal
//! attached, so `--pdb`, `-s` and pytest's colours work as they do outside the xtask.
//!
//! The env is set up first. pytest runs in the terminal's foreground: Ctrl-C reaches it as
//! it would without us, and its exit code is ours. Never cached: asking for one suite by
//! name means wanting it run.

use anyhow::Result;

use crate::error::ExitCode;
use crate::workspace::Workspace;
use crate::{exec, pytest, ui};

pub fn run(ws: &Workspace, member: usize, pytest_args: &[String], modes: super::setup_envs::Modes) -> Result<()> {
    super::setup_envs::ensure_with(ws, &[ws.members[member].env], 1, "test", modes)?;
    crate::repo_lock::downgrade()?;
    let m = &ws.members[member];
    let venv = &ws.env_of(member).venv;
    ui::status("Testing", &format!("{} ({}) in {venv}", m.name, m.dir));
    let code = exec::interactive(&pytest::command(ws, member, pytest_args)?)?;
    if code == 0 { Ok(()) } else { Err(ExitCode(code).into()) }
}
