//! Venvs: where they keep their executables, the stamp that marks one fresh, and the sync.
//!
//! A venv is fresh when its stamp names the exact lock content (and Python request) it was
//! synced to. The stamp is removed before a sync and written only after it completed, so an
//! interrupted run leaves a venv that the next run syncs again.

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::{Hinted, hinted};
use crate::exec::Captured;
use crate::fsutil;
use crate::uv::Uv;

pub const STAMP_FILE: &str = ".xtask-stamp";

/// The folder of a venv's executables. The only place that knows the platform's layout.
pub fn bin_dir(venv: &Utf8Path) -> Utf8PathBuf {
    if cfg!(windows) { venv.join("Scripts") } else { venv.join("bin") }
}

pub fn executable(venv: &Utf8Path, name: &str) -> Utf8PathBuf {
    let dir = bin_dir(venv);
    if cfg!(windows) { dir.join(format!("{name}.exe")) } else { dir.join(name) }
}

pub fn python(venv: &Utf8Path) -> Utf8PathBuf {
    executable(venv, "python")
}

/// What a venv's stamp says when it is synced to the lock with this content.
pub fn stamp_for(lock_content: &str, python_request: &str) -> String {
    format!("lock-sha256 {}\npython {python_request}\n", crate::lock::sha256(lock_content.as_bytes()))
}

/// Fresh: the stamp is the expected one and the interpreter is still there. Reads two
/// paths; spawns nothing.
pub fn is_fresh(venv: &Utf8Path, expected_stamp: &str) -> bool {
    std::fs::read_to_string(venv.join(STAMP_FILE)).is_ok_and(|s| s == expected_stamp) && python(venv).is_file()
}

/// Creates the venv if needed and syncs it exactly to `lock` (extraneous packages removed,
/// bytecode compiled), then stamps it. Paths are absolute.
pub fn sync(uv: &Uv, venv: &Utf8Path, lock: &Utf8Path, python_request: &str, stamp: &str) -> Result<Vec<Captured>> {
    let mut steps = Vec::new();
    let is_venv = venv.join("pyvenv.cfg").is_file();
    if venv.exists() && !is_venv {
        return Err(hinted(
            format!("{venv} exists but is not a venv"),
            format!("move {venv} away: the xtask never deletes what it did not create"),
        ));
    }
    match std::fs::remove_file(venv.join(STAMP_FILE)) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            return Err(err).context(format!("cannot remove the stamp of {venv}"));
        }
        _ => {}
    }
    if !python(venv).is_file() {
        let mut create = uv.cmd(&["venv", "--quiet", "--python", python_request]);
        if is_venv {
            create = create.arg("--clear"); // a venv whose interpreter is gone: rebuild it
        }
        steps.push(crate::exec::run_ok(&create.arg(venv.as_str())).map_err(|err| {
            err.context(Hinted::new(format!("cannot create {venv} with Python {python_request}"), format!("install Python {python_request} (for example with pyenv), or change `python` in _meta/monorepo.toml")))
        })?);
    }
    let sync = uv.cmd(&["pip", "sync", "--compile-bytecode", "--python"]).arg(python(venv).as_str()).arg(lock.as_str());
    steps.push(crate::exec::run_ok(&sync).with_context(|| format!("cannot sync {venv} to {lock}"))?);
    fsutil::write_atomic(&venv.join(STAMP_FILE), stamp)?;
    Ok(steps)
}
