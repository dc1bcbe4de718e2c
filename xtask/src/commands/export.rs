//! `cargo xtask export PROJECT [--format requirements|pylock] [-o FILE] [--locked | --frozen]
//! [--offline]`: an env's resolution for use outside the monorepo.

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::lock::{self, LockId};
use crate::lockfile::{self, IndexOptions, Lock};
use crate::uv::Uv;
use crate::workspace::Workspace;
use crate::{fsutil, ui};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The lock's pins as a plain requirements file, without the monorepo's local projects.
    Requirements,
    /// PEP 751 `pylock.toml`, written by uv from the same inputs and pins.
    Pylock,
}

/// What `export` was asked for, beside the project.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    pub format: Format,
    /// `-o FILE` (absolute), else stdout.
    pub output: Option<&'a Utf8Path>,
    pub jobs: usize,
    pub modes: super::setup_envs::Modes,
}

pub fn run(ws: &Workspace, project: &str, options: &Options) -> Result<()> {
    let Options { format, output, jobs, modes } = *options;
    // A path it cannot write to fails before any lock is compiled.
    if let Some(path) = output {
        fsutil::check_file_path(path, "-o")?;
    }
    let env_ix = ws.members[ws.member(project)?].env;
    let env = &ws.envs[env_ix];
    let needed = super::lock::needed_by(ws, &[env_ix]);
    super::setup_envs::ensure_locks(ws, &needed, jobs, "export", modes)?;
    let lock = match lockfile::read(&ws.root.join(&env.lock)) {
        Ok(Some((_, lock))) => lock,
        Ok(None) => return Err(crate::error::hinted(format!("{} is missing", env.lock), "run `cargo xtask lock`")),
        Err(err) => return Err(crate::error::hinted(err.describe(&env.lock), err.hint(&env.lock))),
    };
    // Paths in the export are relative to where it is written (the root for stdout).
    let out_dir = output.and_then(Utf8Path::parent).map_or_else(|| ws.root.clone(), Utf8Path::to_owned);
    if let Some(path) = output.filter(|_| !out_dir.exists()) {
        std::fs::create_dir_all(&out_dir).map_err(|err| fsutil::write_error(path, err))?;
    }
    let text = match format {
        Format::Requirements => requirements(ws, env_ix, &lock),
        Format::Pylock => pylock(ws, &lock::plan(ws)[LockId::Env(env_ix)], &lock, &out_dir)?,
    };
    match output {
        Some(path) => {
            fsutil::write_atomic(path, &text)?;
            ui::status("Exported", &format!("{} to {path}", env.name));
        }
        None => ui::out(&text),
    }
    Ok(())
}

/// The lock's index options and pins (with their hashes), without the local projects
/// (they are not on an index). Local find-links folders are absolute: the file is for
/// use outside the monorepo.
fn requirements(ws: &Workspace, env_ix: usize, lock: &Lock) -> String {
    let env = &ws.envs[env_ix];
    let locals: Vec<String> =
        env.editables.iter().map(|&m| format!("{} ({})", ws.members[m].pyproject.package, ws.members[m].dir)).collect();
    let mut out = format!(
        "# Exported by `cargo xtask export {}` from {}.\n# Not included, as they are this monorepo's own projects: {}.\n",
        ws.members[env.members[0]].name,
        env.lock,
        locals.join(", ")
    );
    let lock_dir = ws.root.join(env.lock.parent().unwrap_or(Utf8Path::new("")));
    out.push_str(&absolute(&lock.index, &lock_dir).lines());
    for req in &lock.requirements {
        out.push_str(&req.text);
        out.push('\n');
    }
    out
}

/// `index` with each relative find-links folder (relative to `dir`) made absolute.
fn absolute(index: &IndexOptions, dir: &Utf8Path) -> IndexOptions {
    let mut out = index.clone();
    out.find_links = index
        .find_links
        .iter()
        .map(|link| {
            if lockfile::is_local_relative(link) {
                let parts = lockfile::clean(&dir.join(link));
                let joined = parts.join("/");
                if dir.as_str().starts_with('/') { format!("/{joined}") } else { joined }
            } else {
                link.clone()
            }
        })
        .collect();
    out
}

/// A `pylock.toml` compiled by uv from the env's inputs, with its lock's pins as
/// constraints so both agree. uv writes it next to where it goes (`out_dir`), so the
/// paths of the local projects in it are right there.
fn pylock(ws: &Workspace, spec: &lock::LockSpec, lock: &Lock, out_dir: &Utf8Path) -> Result<String> {
    let uv = Uv::locate(&ws.root, &ws.config)?;
    // uv wants the file named `pylock.<name>.toml`.
    let out = out_dir.join(format!("pylock.xtask-export-{}.toml", std::process::id()));
    let constraints: Utf8PathBuf = fsutil::temp_path(&out_dir.join("constraints.txt"));
    let pins: String = lock.requirements.iter().map(|r| format!("{}\n", r.text)).collect();
    fsutil::write_atomic(&constraints, &pins)?;
    let input = format!("{}-c {constraints}\n", lock::input(ws, spec).0);
    let cmd = uv
        .pip_compile(&spec.python, &out, input)
        .args(["--format", "pylock.toml", "--no-header"])
        .args(crate::uv::index_args(&spec.index));
    let result = crate::exec::run_ok(&cmd).and_then(|_| fsutil::read(&out));
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&constraints);
    result.with_context(|| format!("cannot export `{}` as pylock.toml", spec.name))
}
