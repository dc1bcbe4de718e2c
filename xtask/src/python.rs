//! Python on disk, found without running it: where a venv or an install keeps its
//! executables (the only place that knows the platform's layout), whether an interpreter
//! request is a version, and the pyenv install that serves a version. `venv` re-exports
//! these; they sit below `uv`, whose bootstrap is a venv and whose compiles take an
//! interpreter.

use camino::{Utf8Path, Utf8PathBuf};

use crate::pep440::Version;

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

/// Whether an interpreter request (or what an interpreter printed) is a version, `3.11`,
/// rather than a path or a name.
pub fn is_version(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// An interpreter for a version request: pyenv's newest matching install when there is one
/// (uv would stop at pyenv's shims, which fail for versions other than the global one),
/// else the request itself for uv to look up.
pub fn interpreter(request: &str) -> String {
    if !is_version(request) {
        return request.to_owned();
    }
    let root = std::env::var_os("PYENV_ROOT")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".pyenv")));
    let Some(versions) = root.map(|r| r.join("versions")) else { return request.to_owned() };
    let Ok(entries) = std::fs::read_dir(&versions) else { return request.to_owned() };
    let prefix = format!("{request}.");
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| *name == request || name.starts_with(&prefix))
        .filter_map(|name| Some((Version::parse(&name)?, name)))
        .max()
        .and_then(|(_, name)| {
            let install = Utf8PathBuf::from_path_buf(versions.join(name)).ok()?;
            let python = python(&install);
            python.is_file().then(|| python.into_string())
        })
        .unwrap_or_else(|| request.to_owned())
}
