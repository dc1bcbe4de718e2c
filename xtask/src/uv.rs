//! The uv tool: the pinned version, found on PATH or bootstrapped into `_meta/.tools/`.
//!
//! Every uv command is built by [`Uv::cmd`], which sets the binary, the working directory
//! (the root: paths in locks are relative to it) and the environment. uv runs with
//! `--no-config` and without the `UV_*` variables that change what it resolves or installs,
//! so a lock depends on its hashed inputs only, not on a `uv.toml` or a shell's settings.

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::config::{Config, TOOLS_DIR};
use crate::error::Hinted;
use crate::exec::{self, Cmd};
use crate::lockfile::IndexOptions;
use crate::python::executable;

/// `UV_*` variables that change how uv works (where its cache is, how it talks to the
/// network, credentials) but not what it resolves or installs: the only ones passed on.
fn is_harmless(key: &str) -> bool {
    const KEPT: &[&str] = &[
        "UV_CACHE_DIR",
        "UV_NO_CACHE",
        "UV_NATIVE_TLS",
        "UV_HTTP_TIMEOUT",
        "UV_HTTP_RETRIES",
        "UV_REQUEST_TIMEOUT",
        "UV_CONCURRENT_DOWNLOADS",
        "UV_CONCURRENT_BUILDS",
        "UV_CONCURRENT_INSTALLS",
        "UV_LINK_MODE",
        "UV_KEYRING_PROVIDER",
        "UV_INSECURE_HOST",
        "UV_PYTHON_INSTALL_DIR",
        "UV_LOG_CONTEXT",
    ];
    KEPT.contains(&key) || (key.starts_with("UV_INDEX_") && (key.ends_with("_USERNAME") || key.ends_with("_PASSWORD")))
}

#[derive(Debug, Clone)]
pub struct Uv {
    program: Utf8PathBuf,
    root: Utf8PathBuf,
}

impl Uv {
    /// The pinned uv: already bootstrapped, else on PATH at that version, else bootstrapped
    /// now (once) with `python3 -m venv` and `pip install uv==VERSION`.
    /// Found once per process: a command that both locks and syncs asks twice.
    /// `config`'s index options apply to the bootstrap too: a repo on a private index or
    /// with `no-index` and `find-links` gets its uv from there.
    pub fn locate(root: &Utf8Path, config: &Config) -> Result<Uv> {
        let version = config.uv.as_str();
        static FOUND: std::sync::Mutex<Option<(Utf8PathBuf, String, Uv)>> = std::sync::Mutex::new(None);
        let mut found = FOUND.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, _, uv)) = found.as_ref().filter(|(r, v, _)| r == root && v == version) {
            return Ok(uv.clone());
        }
        let uv = Uv::find_or_bootstrap(root, version, config)?;
        *found = Some((root.to_owned(), version.to_owned(), uv.clone()));
        Ok(uv)
    }

    fn find_or_bootstrap(root: &Utf8Path, version: &str, config: &Config) -> Result<Uv> {
        let program = match installed(root, version) {
            Installed::Bootstrapped(program) => program,
            Installed::OnPath => "uv".into(),
            Installed::Absent { .. } => {
                crate::ui::status(
                    "Bootstrapping",
                    &format!("uv {version} into {TOOLS_DIR}/ (once; PATH has no uv {version})"),
                );
                let tools = root.join(TOOLS_DIR).join(format!("uv-{version}"));
                bootstrap(root, &tools, version, config)?;
                executable(&tools, "uv")
            }
        };
        Ok(Uv { program, root: root.to_owned() })
    }

    /// A uv command run from the root; never downloads a Python (a missing interpreter is
    /// an error to report, not a surprise download).
    pub fn cmd(&self, subcommand: &[&str]) -> Cmd {
        let mut cmd = Cmd::new(self.program.as_str(), &self.root).arg("--no-config").args(subcommand);
        for (key, _) in std::env::vars_os() {
            if key.to_str().is_some_and(|k| k.starts_with("UV_") && !is_harmless(k)) {
                cmd = cmd.env_remove(key);
            }
        }
        cmd.env("UV_PYTHON_DOWNLOADS", "never").env("UV_NO_PROGRESS", "1")
    }

    /// `uv pip compile` of `input` (given on stdin; paths relative to the root) for every
    /// platform, from Python `python` up, into `output`. Callers add format and upgrade flags.
    pub fn pip_compile(&self, python: &str, output: &Utf8Path, input: String) -> Cmd {
        let mut cmd = self.cmd(&["pip", "compile", "--universal", "--python-version", python]);
        // pyenv's install itself, when it has one: otherwise uv queries pyenv's shims (shell
        // scripts, 0.3 to 1 s, and more for a version the shims do not serve) in every
        // compile. The lock is the same: `--python-version` is the target, `--python` only
        // runs the builds of local projects' metadata.
        let interpreter = crate::python::interpreter(python);
        if Utf8Path::new(&interpreter).is_absolute() {
            cmd = cmd.args(["--python", &interpreter]);
        }
        cmd.args(["--quiet", "--output-file"]).arg(output.as_str()).arg("-").stdin(input)
    }
}

/// Where the pinned uv is, without bootstrapping it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// Bootstrapped into `_meta/.tools/`: the program.
    Bootstrapped(Utf8PathBuf),
    /// On PATH at the pinned version.
    OnPath,
    /// Not there: the version of the uv on PATH, if there is one.
    Absent { on_path: Option<String> },
}

/// Looks for uv `version` as [`Uv::locate`] does: bootstrapped, then on PATH.
pub fn installed(root: &Utf8Path, version: &str) -> Installed {
    let bootstrapped = executable(&root.join(TOOLS_DIR).join(format!("uv-{version}")), "uv");
    if bootstrapped.is_file() {
        return Installed::Bootstrapped(bootstrapped);
    }
    match path_version(root) {
        Some(found) if found == version => Installed::OnPath,
        on_path => Installed::Absent { on_path },
    }
}

/// The version of the `uv` on PATH, if there is one: `uv 0.13.9 (abc 2026-01-01)` gives `0.13.9`.
fn path_version(root: &Utf8Path) -> Option<String> {
    let out = exec::read_ok(&Cmd::new("uv", root).arg("--version")).ok()?;
    out.split_whitespace().nth(1).map(str::to_owned)
}

fn bootstrap(root: &Utf8Path, tools: &Utf8Path, version: &str, config: &Config) -> Result<()> {
    let staging = tools.with_file_name(format!("uv-{version}.{}.xtask-tmp", std::process::id()));
    let python = if cfg!(windows) { "python" } else { "python3" };
    let result = (|| -> Result<()> {
        exec::read_ok(&Cmd::new(python, root).args(["-m", "venv", staging.as_str()])).map_err(|err| {
            err.context(Hinted::new(
                format!("cannot create a venv to bootstrap uv {version}"),
                format!("install CPython 3.8+ with the venv module as `{python}`, or put uv {version} on PATH"),
            ))
        })?;
        let pip = crate::python::python(&staging);
        exec::read_ok(
            &Cmd::new(pip.as_str(), root)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", &format!("uv=={version}")])
                .args(index_args(&IndexOptions::from_config(config))),
        )
        .map_err(|err| {
            err.context(Hinted::new(
                format!("cannot install uv {version} from PyPI"),
                "check the network or the index pip uses, or put uv on PATH at that version",
            ))
        })?;
        if tools.exists() && !executable(tools, "uv").is_file() {
            // A broken bootstrap (ours never renames an incomplete one, but a user might edit it).
            std::fs::remove_dir_all(tools).with_context(|| format!("cannot replace {tools}"))?;
        }
        match std::fs::rename(&staging, tools) {
            // A concurrent run finished first: its copy is as good as ours.
            Err(_) if executable(tools, "uv").is_file() => Ok(()),
            result => result.with_context(|| format!("cannot move {staging} to {tools}")),
        }
    })();
    if staging.exists() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

/// uv's and pip's flags for `index` (relative `find_links` are relative to the root, where
/// both run).
pub fn index_args(index: &IndexOptions) -> Vec<String> {
    let mut args = Vec::new();
    if index.no_index {
        args.push("--no-index".to_owned());
    }
    if let Some(url) = &index.index_url {
        args.extend(["--index-url".to_owned(), url.clone()]);
    }
    for url in &index.extra_index_urls {
        args.extend(["--extra-index-url".to_owned(), url.clone()]);
    }
    for link in &index.find_links {
        args.extend(["--find-links".to_owned(), link.clone()]);
    }
    args
}

/// What uv prints when it cannot reach an index or a find-links page (a refused
/// connection, a name that does not resolve, a timeout, a TLS failure): the failure is the
/// network's or the index settings', not the requirements'.
pub fn is_network_failure(uv_output: &str) -> bool {
    const SIGNS: &[&str] = &[
        "error sending request",
        "dns error",
        "failed to lookup address",
        "client error (connect)",
        "tcp connect error",
        "connection refused",
        "network is unreachable",
        "operation timed out",
        "failed to fetch",
        "could not connect",
        "invalid peer certificate",
    ];
    let output = uv_output.to_lowercase();
    SIGNS.iter().any(|sign| output.contains(sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_a_network_failure_from_a_resolution_failure() {
        let refused = "error: Request failed after 3 retries in 9.7s\n  cause: Failed to fetch: http://127.0.0.1:9/simple/pytest/\n  cause: error sending request for url (http://127.0.0.1:9/simple/pytest/)\n  cause: client error (Connect)\n  cause: tcp connect error\n  cause: Connection refused (os error 111)";
        assert!(is_network_failure(refused));
        let dns = "cause: error sending request for url (https://pypi.invalid/simple/x/)\n  cause: dns error\n  cause: failed to lookup address information: Name or service not known";
        assert!(is_network_failure(dns));
        let conflict = "  × No solution found when resolving dependencies:\n  ╰─▶ Because you require pytest<8 and pytest==9.0.3, we can conclude that your requirements are unsatisfiable.";
        assert!(!is_network_failure(conflict));
        let missing = "  × No solution found when resolving dependencies:\n  ╰─▶ Because tiny-zzz was not found in the package registry and you require tiny-zzz, we can conclude that your requirements are unsatisfiable.";
        assert!(!is_network_failure(missing));
    }
}
