//! `cargo xtask run PROJECT -- CMD...`: a command in a project's venv, as if activated.
//!
//! The env is set up first (locked and synced when stale, as `test` does). Then CMD runs
//! with the terminal attached and in its foreground (an editor, a REPL, `--pdb` work), from
//! the project's folder, and its exit code is ours. The repository lock stays held shared
//! while it runs, as for `test`: a `setup-envs` elsewhere waits rather than remake the venv
//! under it.
//!
//! Its environment, from strongest to weakest:
//! 1. What `run` sets, the very environment the project's suite gets
//!    ([`pytest::command`]): `VIRTUAL_ENV`, the venv's scripts first on `PATH`, the
//!    project's `pythonpath` as `PYTHONPATH`, its `[tool.monorepo] environment`,
//!    bytecode kept in the venv (`PYTHONPYCACHEPREFIX`); and the caller's `PYTHONPATH`,
//!    `PYTHONHOME`, `PYTHONSTARTUP` and `PYTHONUSERBASE` removed, user site-packages off.
//! 2. The environment `cargo xtask run` was started in.
//! 3. The project's `.env` file, when it has one ([`crate::dotenv`]): a value is set only
//!    when neither of the above sets that variable. That is the dotenv convention
//!    (python-dotenv's and node's default, direnv's `dotenv_if_exists` in a shell that
//!    has none of them): a variable given on the command line (`DEBUG=1 cargo xtask run
//!    ...`) beats the file, and the file never changes where the venv is.
//!
//! CMD is looked up as the child would: the venv's scripts, then the rest of `PATH`; a
//! path (`./manage.py`, `bin/tool`) is relative to the project's folder, where it runs.

use std::ffi::OsString;

use anyhow::{Context, Result};
use camino::Utf8Path;

use crate::Workspace;
use crate::error::{ExitCode, hinted};
use crate::exec::{self, Cmd};
use crate::{pytest, ui, venv};

/// What `cargo xtask run` was given (`flags` describes the command line).
#[derive(Debug, Clone)]
pub struct Options {
    /// The project whose venv runs the command
    pub project: String,
    /// The command and its arguments, after `--`
    pub command: Vec<String>,
    pub modes: super::setup_envs::Modes,
}

pub fn run(ws: &Workspace, cwd: &Utf8Path, options: &Options) -> Result<()> {
    let m = ws.member_named(cwd, &options.project)?;
    let member = &ws.members[m];
    let (name, args) = options.command.split_first().context("`run` needs a command after `--`")?;
    // Read first: a `.env` it cannot read fails before any lock or sync.
    let dotenv = pytest::dotenv(ws, m)?;
    super::setup_envs::ensure_with(ws, &[member.env], super::default_jobs(), "run", options.modes)?;
    crate::repo_lock::downgrade()?;
    let venv_rel = &ws.env_of(m).venv;
    // The suite's environment and folder, with CMD in place of pytest.
    let suite = pytest::command(ws, m, &[])?;
    let search = suite.env.iter().rev().find(|(k, _)| k == "PATH").map(|(_, v)| v.clone()).unwrap_or_default();
    let program = exec::find_program(name, &suite.cwd, &search).ok_or_else(|| not_found(ws, m, name))?;
    let cmd = Cmd { program: program.into_string().into(), args: args.iter().map(OsString::from).collect(), ..suite };
    // The suite's environment took the `.env` values nothing else sets.
    for (key, value) in dotenv {
        let set = cmd.env.iter().rev().find(|(k, _)| *k == *key).map(|(_, v)| v.clone());
        let ours = set.is_some_and(|v| v != *value) || cmd.env_remove.iter().any(|k| *k == *key);
        if ours {
            ui::status("Note", &format!("{}/.env sets {key}, which `run` sets itself: ignored", member.dir));
        }
    }
    let shown: Vec<String> = options.command.iter().map(|a| exec::shell_word(a)).collect();
    ui::status("Running", &format!("`{}` in {} ({venv_rel})", shown.join(" "), member.dir));
    let code = exec::interactive(&cmd)?;
    if code == 0 { Ok(()) } else { Err(ExitCode(code).into()) }
}

/// The error for a command that is neither in the venv nor on `PATH`, with the closest
/// script of the venv when there is one (`pytset`: `pytest`).
fn not_found(ws: &Workspace, m: usize, name: &str) -> anyhow::Error {
    let member = &ws.members[m];
    let bin = venv::bin_dir(&ws.env_of(m).venv);
    if name.contains('/') || (cfg!(windows) && name.contains('\\')) {
        return hinted(
            format!("cannot run `{name}`: there is no executable {}/{name}", member.dir),
            format!(
                "a path is taken from the project's folder, where the command runs ({}); make the file executable, or run it through its interpreter (`-- python {name}`)",
                member.dir
            ),
        );
    }
    let scripts: Vec<String> = ws
        .root
        .join(&bin)
        .read_dir_utf8()
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_owned()).collect())
        .unwrap_or_default();
    let close = crate::suggest::closest(name, scripts.iter().map(String::as_str))
        .map(|c| format!("did you mean `{c}`? "))
        .unwrap_or_default();
    hinted(
        format!("cannot run `{name}`: it is not in the venv of `{}` ({bin}) nor on PATH", member.name),
        format!(
            "{close}if a package provides it, add that package to {}/pyproject.toml (or, for every env, to _meta/requirements/base.in) and run again: `run` syncs the venv first",
            member.dir
        ),
    )
}
