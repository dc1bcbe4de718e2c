//! Python on disk, found without running it: where a venv or an install keeps its
//! executables (the only place that knows the platform's layout), what an interpreter
//! request is (a version, a path or a name: `request_kind`, which the config's checks
//! use), the pyenv install that serves a version, and the error for a request nothing
//! serves (`missing`, whose fix is always by version). `venv` re-exports these; they sit
//! below `uv`, whose bootstrap is a venv and whose compiles take an interpreter.

use camino::{Utf8Path, Utf8PathBuf};

use crate::error::Hinted;
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

/// What an interpreter request (`python` in the config or a member's settings) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// `3.11`, `3.11.7`: found by version (pyenv's installs, then uv's discovery).
    Version,
    /// `/usr/bin/python3.11`, `tools/python`: that file.
    Path,
    /// `python3.11`, `pypy3`: a program looked up on PATH.
    Name,
}

/// The kind of interpreter request `text` is, or why it is none: a phrase that follows
/// "`python` is `TEXT`, " in a message.
pub fn request_kind(text: &str) -> Result<Request, String> {
    const SHAPES: &str = "neither a version (3.11), the path of an interpreter, nor its name on PATH (python3.11)";
    if text.trim().is_empty() {
        return Err("empty".to_owned());
    }
    if text.trim() != text {
        return Err("with spaces around it".to_owned());
    }
    if text.contains(['/', '\\']) || Utf8Path::new(text).is_absolute() {
        return Ok(Request::Path);
    }
    if text.starts_with(['<', '>', '=', '~', '!', '^']) || text.contains(',') {
        return Err("a range, not a version: a range belongs in a project's requires-python".to_owned());
    }
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        let parts: Vec<&str> = text.split('.').collect();
        let numbers = parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !numbers || !(2..=3).contains(&parts.len()) {
            return Err("not a version of the form major.minor (3.11) or major.minor.patch (3.11.7)".to_owned());
        }
        if parts[0].parse::<u32>().is_ok_and(|major| major < 3) {
            return Err(format!("Python {text}, which uv cannot make a venv for (it needs Python 3)"));
        }
        return Ok(Request::Version);
    }
    let lower = text.to_ascii_lowercase();
    let program = ["python", "pypy", "graalpy"].iter().any(|p| lower.starts_with(p));
    let plain = text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'));
    if program && plain {
        return Ok(Request::Name);
    }
    Err(SHAPES.to_owned())
}

/// The version an interpreter's name or path carries (`python3.12`, `/usr/bin/pypy3.10`
/// give `3.12`, `3.10`), when it says one with at least a major and a minor.
pub fn version_in(request: &str) -> Option<&str> {
    let name = request.rsplit(['/', '\\']).next().unwrap_or(request);
    let name = name.strip_suffix(".exe").unwrap_or(name);
    let start = name.find(|c: char| c.is_ascii_digit())?;
    let version = &name[start..];
    let end = version.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(version.len());
    let version = version[..end].trim_end_matches('.');
    (version.contains('.') && is_version(version)).then_some(version)
}

/// The error for an interpreter request that nothing on this machine serves: what was
/// looked for, and how to install it (by its version: `pyenv install 3.12`, never
/// `pyenv install python3.12`). `what` says who needs it.
pub fn missing(request: &str, what: &str) -> Hinted {
    let change = "or change what asks for it: `python` in _meta/monorepo.toml, the project's [tool.monorepo].python, or its requires-python";
    let message = match request_kind(request) {
        Ok(Request::Version) => {
            format!("{what}: no Python {request} found (looked in uv's managed Pythons, pyenv's versions and PATH)")
        }
        Ok(Request::Path) => format!("{what}: no interpreter at {request}"),
        _ => format!("{what}: no interpreter `{request}` found on PATH"),
    };
    let install = match (request_kind(request), version_in(request)) {
        (Ok(Request::Version), _) => format!("install Python {request} (for example `pyenv install {request}`)"),
        (Ok(Request::Path), Some(version)) => {
            format!("install Python {version} at {request} (for example `pyenv install {version}`, then name its path)")
        }
        (_, Some(version)) => {
            format!("install Python {version} (for example `pyenv install {version}`) so that `{request}` is on PATH")
        }
        (Ok(Request::Path), None) => format!("put an interpreter at {request}"),
        (_, None) => format!(
            "`{request}` is not a version: put an interpreter named `{request}` on PATH, or ask for a version (python = \"3.11\")"
        ),
    };
    Hinted::new(message, format!("{install}, {change}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_versions_paths_and_names_apart() {
        for (text, kind) in [
            ("3.11", Request::Version),
            ("3.11.7", Request::Version),
            ("/usr/bin/python3.11", Request::Path),
            ("tools/python", Request::Path),
            ("C:\\Python311\\python.exe", Request::Path),
            ("python3.11", Request::Name),
            ("python", Request::Name),
            ("PyPy3", Request::Name),
            ("graalpy", Request::Name),
        ] {
            assert_eq!(request_kind(text), Ok(kind), "{text}");
        }
        for bad in ["", " 3.11", "3", "3.11.7.1", "3.x", "3.13t", ">=3.11", "3.11,<3.12", "2.7", "latest", "py 3"] {
            assert!(request_kind(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_the_version_a_name_or_path_carries() {
        assert_eq!(version_in("python3.99"), Some("3.99"));
        assert_eq!(version_in("/usr/bin/python3.11"), Some("3.11"));
        assert_eq!(version_in("C:\\Python\\pypy3.10.exe"), Some("3.10"));
        assert_eq!(version_in("python3"), None, "no minor: nothing to install by");
        assert_eq!(version_in("python"), None);
    }

    #[test]
    fn a_missing_python_is_installed_by_its_version_never_by_its_name() {
        let version = missing("3.99", "cannot set up env `a`");
        assert_eq!(
            version.message,
            "cannot set up env `a`: no Python 3.99 found (looked in uv's managed Pythons, pyenv's versions and PATH)"
        );
        assert!(version.hint.starts_with("install Python 3.99 (for example `pyenv install 3.99`), or change"));
        let name = missing("python3.99", "x");
        assert_eq!(name.message, "x: no interpreter `python3.99` found on PATH");
        assert!(
            name.hint
                .starts_with("install Python 3.99 (for example `pyenv install 3.99`) so that `python3.99` is on PATH"),
            "{}",
            name.hint
        );
        assert!(!name.hint.contains("pyenv install python"), "{}", name.hint);
        let path = missing("/opt/py/bin/python3.12", "x");
        assert_eq!(path.message, "x: no interpreter at /opt/py/bin/python3.12");
        assert!(path.hint.starts_with("install Python 3.12 at /opt/py/bin/python3.12"), "{}", path.hint);
        let bare = missing("mypython", "x");
        assert!(bare.hint.starts_with("`mypython` is not a version: put an interpreter named `mypython` on PATH"));
    }
}
