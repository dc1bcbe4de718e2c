//! Venvs: where they keep their executables, the stamp that marks one fresh, and the sync.
//!
//! A venv is fresh when its stamp names the exact lock content (and Python request) it was
//! synced to. The stamp is removed before a sync and written only after it completed, so an
//! interrupted run leaves a venv that the next run syncs again.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::{Hinted, hinted};
use crate::exec::Captured;
use crate::fsutil;
use crate::lockfile::{Lock, Pin};
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

/// Where test runs keep compiled bytecode (`PYTHONPYCACHEPREFIX`): inside the venv, so it
/// goes with it and never lands in the source tree.
pub fn bytecode_dir(venv: &Utf8Path) -> Utf8PathBuf {
    venv.join(".pycache")
}

/// What a venv's stamp says when it is synced to the lock with this content.
pub fn stamp_for(lock_content: &str, python_request: &str) -> String {
    format!("lock-sha256 {}\npython {python_request}\n", crate::digest::text(lock_content))
}

/// Fresh: the stamp is the expected one and the interpreter is still there. Reads two
/// paths; spawns nothing.
pub fn is_fresh(venv: &Utf8Path, expected_stamp: &str) -> bool {
    std::fs::read_to_string(venv.join(STAMP_FILE)).is_ok_and(|s| s == expected_stamp) && python(venv).is_file()
}

/// Creates the venv if needed and syncs it exactly to `lock` (extraneous packages removed),
/// then stamps it. Bytecode is not compiled here but on first import (see `pytest::command`). A venv made for another Python is made anew. Paths
/// are absolute.
pub fn sync(uv: &Uv, venv: &Utf8Path, lock: &Utf8Path, python_request: &str, stamp: &str) -> Result<Vec<Captured>> {
    let mut steps = Vec::new();
    let is_venv = venv.join("pyvenv.cfg").is_file();
    if venv.exists() && !is_venv {
        return Err(hinted(
            format!("{venv} exists but is not a venv"),
            format!("move {venv} away: the xtask never deletes what it did not create"),
        ));
    }
    let create = needs_interpreter(venv, python_request);
    match std::fs::remove_file(venv.join(STAMP_FILE)) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            return Err(err).context(format!("cannot remove the stamp of {venv}"));
        }
        _ => {}
    }
    if create {
        let interpreter = interpreter(python_request);
        let mut create = uv.cmd(&["venv", "--quiet", "--python", &interpreter]);
        if is_venv {
            create = create.arg("--clear"); // ours, for another Python or without its interpreter
        }
        steps.push(
            crate::exec::run_ok(&create.arg(venv.as_str()))
                .map_err(|err| err.context(missing_python(python_request, &format!("cannot create {venv}"))))?,
        );
    }
    // A lock pins exact versions, so a warm cache needs no index: try offline first, which
    // spares a revalidation round trip per package, and go online only for what it lacks.
    let sync = uv.cmd(&["pip", "sync", "--python"]).arg(python(venv).as_str()).arg(lock.as_str());
    let offline = crate::exec::capture(&sync.clone().arg("--offline"))?;
    steps.push(if offline.success {
        offline
    } else {
        crate::exec::run_ok(&sync).map_err(|err| match hash_mismatch(&format!("{err:#}")) {
            Some(package) => err.context(Hinted::new(
                format!("cannot sync {venv} to {lock}: the artifact of {package} does not have the hash the lock pins"),
                format!(
                    "the file served for {package} is not the one that was locked (a swapped wheel on an index or mirror, or a rebuilt local wheel); restore it, or re-lock on purpose with `cargo xtask lock --upgrade-package {}`",
                    package.split("==").next().unwrap_or(&package)
                ),
            )),
            None => err.context(format!("cannot sync {venv} to {lock}")),
        })?
    });
    fsutil::write_atomic(&venv.join(STAMP_FILE), stamp)?;
    Ok(steps)
}

/// Whether syncing `venv` for `python_request` means creating it, which needs that
/// interpreter: it has none, or its stamp names another Python.
pub fn needs_interpreter(venv: &Utf8Path, python_request: &str) -> bool {
    let old_stamp = std::fs::read_to_string(venv.join(STAMP_FILE)).ok();
    !python(venv).is_file() || old_stamp.is_some_and(|s| !s.contains(&format!("\npython {python_request}\n")))
}

/// Finds the interpreter for `request` (pyenv's, else through `uv python find`) without
/// changing anything: commands check it before they write a lock.
pub fn find_interpreter(uv: &Uv, request: &str) -> Result<String> {
    let found = interpreter(request);
    if Utf8Path::new(&found).is_absolute() {
        return Ok(found);
    }
    let out = crate::exec::capture(&uv.cmd(&["python", "find", &found]))?;
    if out.success {
        return Ok(out.output.trim().to_owned());
    }
    Err(anyhow::anyhow!("{}", out.output.trim()).context(missing_python(request, "cannot set up the venvs")))
}

fn missing_python(request: &str, what: &str) -> Hinted {
    Hinted::new(
        format!("{what}: no Python {request} found (looked in uv's managed Pythons, pyenv's versions and PATH)"),
        format!(
            "install Python {request} (for example `pyenv install {request}`), or change `python` in _meta/monorepo.toml or the project's [tool.monorepo].python"
        ),
    )
}

/// The `name==version` of uv's "Hash mismatch for `name==version`", if it says that.
fn hash_mismatch(output: &str) -> Option<String> {
    let rest = &output[output.find("Hash mismatch for `")? + "Hash mismatch for `".len()..];
    Some(rest[..rest.find('`')?].to_owned())
}

/// An interpreter for a version request: pyenv's newest matching install when there is one
/// (uv would stop at pyenv's shims, which fail for versions other than the global one),
/// else the request itself for uv to look up.
pub fn interpreter(request: &str) -> String {
    if !request.chars().all(|c| c.is_ascii_digit() || c == '.') {
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
        .filter_map(|name| Some((crate::pep440::Version::parse(&name)?, name)))
        .max()
        .and_then(|(_, name)| {
            let install = Utf8PathBuf::from_path_buf(versions.join(name)).ok()?;
            let python = python(&install);
            python.is_file().then(|| python.into_string())
        })
        .unwrap_or_else(|| request.to_owned())
}

/// Points `link` (a member's `.venv`) at the shared venv `venv`. Replaces only a link or a
/// venv of ours (stamped); anything else there is an error. Where the platform has no
/// symlinks for us, does nothing.
pub fn link(venv: &Utf8Path, link: &Utf8Path) -> Result<()> {
    let target = relative_to(venv, link.parent().unwrap_or(link));
    match std::fs::symlink_metadata(link) {
        Ok(meta) if meta.file_type().is_symlink() => {
            if std::fs::read_link(link).is_ok_and(|t| t == target.as_std_path()) {
                return Ok(());
            }
            std::fs::remove_file(link).with_context(|| format!("cannot replace the link {link}"))?;
        }
        Ok(_) if link.join(STAMP_FILE).is_file() => {
            // The member's own venv from before it joined a shared env: ours to remove.
            std::fs::remove_dir_all(link).with_context(|| format!("cannot remove the old venv {link}"))?;
        }
        Ok(_) => {
            return Err(hinted(
                format!("{link} is in the way of the link to the shared venv {venv}"),
                format!("move {link} away: the xtask never deletes what it did not create"),
            ));
        }
        Err(_) => {}
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, link).with_context(|| format!("cannot link {link} to {target}"))?;
    Ok(())
}

/// `path` relative to the folder `from` (both relative to the same root, or both absolute).
fn relative_to(path: &Utf8Path, from: &Utf8Path) -> Utf8PathBuf {
    let common = path.components().zip(from.components()).take_while(|(a, b)| a == b).count();
    let ups = from.components().count() - common;
    let mut out = Utf8PathBuf::new();
    for _ in 0..ups {
        out.push("..");
    }
    for part in path.components().skip(common) {
        out.push(part);
    }
    out
}

/// The distributions installed in a venv (normalised name -> version), read from the
/// `.dist-info` folders of its site-packages: no interpreter is started.
pub fn installed(venv: &Utf8Path) -> Result<BTreeMap<String, String>> {
    let lib = if cfg!(windows) { venv.join("Lib") } else { venv.join("lib") };
    let mut out = BTreeMap::new();
    let site_dirs: Vec<Utf8PathBuf> = if cfg!(windows) {
        vec![lib.join("site-packages")]
    } else {
        lib.read_dir_utf8()
            .with_context(|| format!("cannot list {lib}"))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().starts_with("python"))
            .map(|e| e.path().join("site-packages"))
            .collect()
    };
    for site in site_dirs {
        for entry in site.read_dir_utf8().with_context(|| format!("cannot list {site}"))? {
            let entry = entry?;
            if let Some((name, version)) = entry.file_name().strip_suffix(".dist-info").and_then(|s| s.split_once('-'))
            {
                out.insert(crate::pyproject::normalize(name), version.to_owned());
            }
        }
    }
    Ok(out)
}

/// How a venv differs from its lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// Installed, but the lock does not list it (installed by hand?).
    Extraneous { package: String, version: String },
    /// The lock lists it (unconditionally), but it is not installed.
    Missing { package: String },
    /// Installed at a version the lock does not pin.
    Changed { package: String, installed: String, pinned: String },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Extraneous { package, version } => {
                write!(f, "has {package}=={version}, which its lock does not list (installed by hand?)")
            }
            Drift::Missing { package } => write!(f, "lacks {package}, which its lock lists"),
            Drift::Changed { package, installed, pinned } => {
                write!(f, "has {package}=={installed}, but its lock pins {package}=={pinned}")
            }
        }
    }
}

/// Compares what a venv has installed with its lock. `locals` are the package names of the
/// editables the lock installs. A line under an environment marker counts where its marker
/// holds for this venv; one whose marker cannot be read may be present or not. A package
/// pinned by URL (`name @ git+...`) may be installed at any version.
pub fn drift(venv: &Utf8Path, lock: &Lock, locals: &[&str]) -> Result<Vec<Drift>> {
    let installed = installed(venv)?;
    let env = crate::markers::Environment::of_venv(python_version(venv)?);
    let mut expected: BTreeMap<&str, Vec<&Pin>> = BTreeMap::new();
    let mut maybe: BTreeMap<&str, Vec<&Pin>> = BTreeMap::new();
    for req in &lock.requirements {
        let bucket = match req.marker.as_deref().map(|m| crate::markers::evaluate(m, &env)) {
            None | Some(Some(true)) => &mut expected,
            Some(None) => &mut maybe,
            Some(Some(false)) => continue,
        };
        bucket.entry(req.name.as_str()).or_default().push(&req.pin);
    }
    let mut out = Vec::new();
    for (package, version) in &installed {
        match expected.get(package.as_str()).or_else(|| maybe.get(package.as_str())) {
            Some(pins) if !pins.iter().any(|p| matches!(p, Pin::Url(_)) || **p == Pin::Version(version.clone())) => out
                .push(Drift::Changed {
                    package: package.clone(),
                    installed: version.clone(),
                    pinned: pins
                        .iter()
                        .map(|p| match p {
                            Pin::Version(v) => v.clone(),
                            Pin::Url(url) => format!("@ {url}"),
                        })
                        .collect::<Vec<_>>()
                        .join(crate::lockfile::PIN_SEPARATOR),
                }),
            None if !locals.contains(&package.as_str()) => {
                out.push(Drift::Extraneous { package: package.clone(), version: version.clone() })
            }
            _ => {}
        }
    }
    for package in expected.keys().copied().chain(locals.iter().copied()) {
        if !installed.contains_key(package) {
            out.push(Drift::Missing { package: package.to_owned() });
        }
    }
    Ok(out)
}

/// The venv's interpreter version, from its `pyvenv.cfg` (`version_info` from uv, `version`
/// from the stdlib's venv).
fn python_version(venv: &Utf8Path) -> Result<String> {
    let cfg = fsutil::read(&venv.join("pyvenv.cfg"))?;
    cfg.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| matches!(k.trim(), "version_info" | "version"))
        .map(|(_, v)| v.trim().to_owned())
        .with_context(|| format!("{venv}/pyvenv.cfg does not say its Python version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_climb_out_of_the_member_folder() {
        assert_eq!(
            relative_to(Utf8Path::new("_meta/venvs/web"), Utf8Path::new("projects/api")),
            "../../_meta/venvs/web"
        );
        assert_eq!(relative_to(Utf8Path::new("/r/_meta/venvs/x"), Utf8Path::new("/r/p/a")), "../../_meta/venvs/x");
    }

    #[test]
    fn finds_packages_added_removed_or_changed_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        let venv = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        let site = venv.join("lib/python3.11/site-packages");
        for d in ["six-1.17.0.dist-info", "numpy-2.4.6.dist-info", "idna-3.9.dist-info", "ideas_model-0.1.0.dist-info"]
        {
            std::fs::create_dir_all(site.join(d)).unwrap();
        }
        std::fs::write(venv.join("pyvenv.cfg"), "home = /usr/bin\nversion_info = 3.11.7\n").unwrap();
        let lock = "-e projects/model\nnumpy==2.4.6 ; python_full_version < '3.12'\nnumpy==2.5.5 ; python_full_version >= '3.12'\n\
                    idna==3.10\npytest==9.0.0\ncolorama==0.4.6 ; sys_platform == 'win32'\n";
        let lock = &crate::lockfile::parse(lock).unwrap();
        let drift = drift(&venv, lock, &["ideas-model"]).unwrap();
        assert_eq!(
            drift,
            [
                Drift::Changed { package: "idna".into(), installed: "3.9".into(), pinned: "3.10".into() },
                Drift::Extraneous { package: "six".into(), version: "1.17.0".into() },
                Drift::Missing { package: "pytest".into() },
            ]
        );
        // A package pinned only under markers is still required where they hold.
        std::fs::remove_dir_all(site.join("numpy-2.4.6.dist-info")).unwrap();
        let drift = super::drift(&venv, lock, &["ideas-model"]).unwrap();
        assert!(drift.contains(&Drift::Missing { package: "numpy".into() }), "{drift:?}");
        // And one whose marker fails here is extraneous if installed.
        std::fs::create_dir_all(site.join("colorama-0.4.6.dist-info")).unwrap();
        let drift = super::drift(&venv, lock, &["ideas-model"]).unwrap();
        assert_eq!(
            drift.iter().any(|d| matches!(d, Drift::Extraneous { package, .. } if package == "colorama")),
            !cfg!(windows),
            "{drift:?}"
        );
        // A package pinned by URL may be installed at any version.
        std::fs::create_dir_all(site.join("mylib-0.3.0.dist-info")).unwrap();
        let with_url = crate::lockfile::parse("mylib @ git+https://example.org/mylib.git@abc\n").unwrap();
        assert!(!super::drift(&venv, &with_url, &[]).unwrap().iter().any(|d| d.to_string().contains("mylib")));
    }

    #[test]
    fn reads_installed_distributions_from_dist_info() {
        let dir = tempfile::tempdir().unwrap();
        let venv = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        let site = venv.join("lib/python3.11/site-packages");
        for d in ["typing_extensions-4.12.2.dist-info", "Ideas_Model-0.1.0.dist-info", "numpy", "__pycache__"] {
            std::fs::create_dir_all(site.join(d)).unwrap();
        }
        let installed = installed(&venv).unwrap();
        assert_eq!(installed.len(), 2);
        assert_eq!(installed["typing-extensions"], "4.12.2");
        assert_eq!(installed["ideas-model"], "0.1.0");
    }
}
