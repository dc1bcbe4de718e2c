//! `cargo xtask export PROJECT [--format requirements|pylock] [-o FILE]`: an env's resolution
//! for use outside the monorepo.

use anyhow::{Context, Result};
use camino::Utf8Path;

use crate::lock::{self, Upgrade};
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

pub fn run(ws: &Workspace, project: &str, format: Format, output: Option<&Utf8Path>, jobs: usize) -> Result<()> {
    let env_ix = ws.members[ws.member(project)?].env;
    let env = &ws.envs[env_ix];
    let spec_ix = ws.layers.len() + env_ix;
    let needed = env.layers.iter().copied().chain([spec_ix]).collect();
    super::lock::compile(ws, &needed, &needed, &Upgrade::default(), jobs)?;
    let text = match format {
        Format::Requirements => requirements(ws, env_ix, &fsutil::read(&ws.root.join(&env.lock))?),
        Format::Pylock => pylock(ws, &lock::plan(ws)[spec_ix])?,
    };
    match output {
        Some(path) => {
            fsutil::write_atomic(path, &text)?;
            ui::status("Exported", &format!("{} to {path}", env.name));
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// The lock without its header and without the local projects (they are not on an index).
fn requirements(ws: &Workspace, env_ix: usize, lock_text: &str) -> String {
    let env = &ws.envs[env_ix];
    let locals: Vec<String> =
        env.editables.iter().map(|&m| format!("{} ({})", ws.members[m].pyproject.package, ws.members[m].dir)).collect();
    let mut out = format!(
        "# Exported by `cargo xtask export {}` from {}.\n# Not included, as they are this monorepo's own projects: {}.\n",
        ws.members[env.members[0]].name,
        env.lock,
        locals.join(", ")
    );
    let mut in_editable = false;
    for line in lock_text.lines().skip_while(|l| l.starts_with('#')) {
        if line.starts_with("-e ") {
            in_editable = true;
            continue;
        }
        if in_editable && line.starts_with(' ') {
            continue; // the editable's `# via` annotation
        }
        in_editable = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A `pylock.toml` compiled by uv from the env's inputs, with its lock's pins as the
/// starting point so both agree.
fn pylock(ws: &Workspace, spec: &lock::LockSpec) -> Result<String> {
    let uv = Uv::locate(&ws.root, &ws.config.uv)?;
    // uv wants the file named `pylock.<name>.toml`: a private folder keeps it apart.
    let dir = ws.root.join(crate::config::REQUIREMENTS_DIR).join(format!(".export-{}.xtask-tmp", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {dir}"))?;
    let out = dir.join("pylock.export.toml");
    // The lock's pins as constraints (uv takes no editables there), so both agree.
    let pins: String = fsutil::read(&ws.root.join(&spec.lock))?
        .lines()
        .filter(|l| !l.starts_with("-e "))
        .map(|l| format!("{l}\n"))
        .collect();
    let constraints = dir.join("constraints.txt");
    fsutil::write_atomic(&constraints, &pins)?;
    let input = format!("{}-c {constraints}\n", lock::input(ws, spec).0);
    let cmd = uv.pip_compile(&spec.python, &out, input).args(["--format", "pylock.toml"]);
    let result = crate::exec::run_ok(&cmd).and_then(|_| fsutil::read(&out));
    let _ = std::fs::remove_dir_all(&dir);
    result.with_context(|| format!("cannot export `{}` as pylock.toml", spec.name))
}
