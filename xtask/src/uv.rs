//! The uv tool: the pinned version, found on PATH or bootstrapped into `_meta/.tools/`.
//!
//! Every uv command is built by [`Uv::cmd`], which sets the binary, the working directory
//! (the root: paths in locks are relative to it) and the environment. uv runs with
//! `--no-config` and without the `UV_*` variables that change what it resolves or installs,
//! so a lock depends on its hashed inputs only, not on a `uv.toml` or a shell's settings.
//!
//! A bootstrapped uv is verified, not trusted ([`verify`]: it is run, once, and the pass
//! stamped by the binary's size and mtime), and a broken one is bootstrapped again. uv's and
//! the bootstrap's failures are read here: an index that cannot be reached
//! ([`is_network_failure`]), a direct URL whose file cannot be had ([`url_failure`]), a uv
//! version the index does not have.

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

/// `--offline`: set once by `main`, for the whole run.
static OFFLINE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--offline`: from now on every uv command gets uv's `--offline` (its cache and local
/// find-links folders only, never the network), and the bootstrap's pip `--no-index`.
pub fn set_offline() {
    OFFLINE.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether this run is `--offline`.
pub fn offline() -> bool {
    OFFLINE.load(std::sync::atomic::Ordering::Relaxed)
}

/// What uv says, run `--offline`, of a package it would have to download: the failure is
/// the missing network, not the requirements.
pub fn is_offline_miss(uv_output: &str) -> bool {
    const SIGNS: &[&str] = &[
        "network was disabled",
        "network connectivity is disabled",
        "not found in the cache",
        "not found in the provided package locations",
        "Network connectivity is disabled",
        "there is no version of",
    ];
    SIGNS.iter().any(|s| uv_output.contains(s))
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

    /// A bootstrapped uv is verified before use ([`verify`]: cheap once it passed); a
    /// broken one is bootstrapped again, with a line saying so.
    fn find_or_bootstrap(root: &Utf8Path, version: &str, config: &Config) -> Result<Uv> {
        let tools = root.join(TOOLS_DIR).join(format!("uv-{version}"));
        let program = match installed(root, version) {
            Installed::Bootstrapped(program) => match verify(&program, version) {
                Ok(()) => program,
                Err(why) => {
                    crate::interrupt::check()?; // stopped while it ran: nothing is known of it
                    let shown = program.strip_prefix(root).unwrap_or(&program);
                    crate::ui::status(
                        "Replacing",
                        &format!("the uv at {shown}, which is broken ({why}): bootstrapping uv {version} again"),
                    );
                    bootstrap(root, &tools, version, config)?;
                    executable(&tools, "uv")
                }
            },
            Installed::OnPath => return Ok(Uv { program: "uv".into(), root: root.to_owned() }),
            Installed::Absent { .. } => {
                crate::ui::status(
                    "Bootstrapping",
                    &format!("uv {version} into {TOOLS_DIR}/ (once; PATH has no uv {version})"),
                );
                bootstrap(root, &tools, version, config)?;
                executable(&tools, "uv")
            }
        };
        if let Err(why) = verify(&program, version) {
            crate::interrupt::check()?;
            let shown = program.strip_prefix(root).unwrap_or(&program);
            return Err(crate::error::hinted(
                format!("the uv {version} just bootstrapped at {shown} does not work: {why}"),
                format!(
                    "run `{shown} --version` to see why; to put uv on PATH instead, see https://docs.astral.sh/uv/getting-started/installation/"
                ),
            ));
        }
        Ok(Uv { program, root: root.to_owned() })
    }

    /// A uv command run from the root; never downloads a Python (a missing interpreter is
    /// an error to report, not a surprise download).
    pub fn cmd(&self, subcommand: &[&str]) -> Cmd {
        // `--offline` before the subcommand's arguments, whose last may want a value.
        let offline = offline().then_some("--offline");
        let mut cmd = Cmd::new(self.program.as_str(), &self.root).arg("--no-config").args(offline).args(subcommand);
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
    /// Bootstrapped into `_meta/.tools/`: the program (something is at its path; whether
    /// it works is [`verify`]'s to say).
    Bootstrapped(Utf8PathBuf),
    /// On PATH at the pinned version.
    OnPath,
    /// Not there: the version of the uv on PATH, if there is one.
    Absent { on_path: Option<String> },
}

/// Looks for uv `version` as [`Uv::locate`] does: bootstrapped, then on PATH.
pub fn installed(root: &Utf8Path, version: &str) -> Installed {
    let bootstrapped = executable(&root.join(TOOLS_DIR).join(format!("uv-{version}")), "uv");
    // Anything at the path (a folder, a dangling link): a broken bootstrap, not an absent one.
    if bootstrapped.symlink_metadata().is_ok() {
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

/// The stamp of a passed [`verify`], beside the binary: its version, size and modification
/// time.
const VERIFIED: &str = ".xtask-verified";
/// How long each command of [`verify`] may take: a working uv answers in milliseconds.
const VERIFY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether the uv at `program` is uv `version` and works: `uv --version` answers that
/// version and `uv pip --help` runs. A pass is recorded in a stamp beside it keyed by the
/// binary's size and modification time (written only after a pass), so later runs read
/// two pieces of metadata and run nothing. `Err` says what is wrong, in a phrase.
pub fn verify(program: &Utf8Path, version: &str) -> std::result::Result<(), String> {
    let meta = match std::fs::metadata(program) {
        Ok(meta) => meta,
        Err(_) if program.symlink_metadata().is_ok() => return Err("a link to a file that does not exist".into()),
        Err(err) => return Err(format!("it cannot be read: {err}")),
    };
    if meta.is_dir() {
        return Err("a folder, not a program".into());
    }
    if meta.len() == 0 {
        return Err("an empty file".into());
    }
    let stamp = program.with_file_name(VERIFIED);
    let key = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|mtime| format!("uv {version} {} {}.{:09}\n", meta.len(), mtime.as_secs(), mtime.subsec_nanos()));
    if key.as_ref().is_some_and(|key| std::fs::read_to_string(&stamp).is_ok_and(|s| s == *key)) {
        return Ok(());
    }
    run_checks(program, version)?;
    if let Some(key) = key {
        // A folder it cannot write in only costs the check again next time.
        let _ = crate::fsutil::write_atomic(&stamp, &key);
    }
    Ok(())
}

/// [`verify`]'s commands, run under a deadline.
fn run_checks(program: &Utf8Path, version: &str) -> std::result::Result<(), String> {
    let dir = program.parent().unwrap_or(program);
    let run = |args: &[&str]| -> std::result::Result<String, String> {
        let cmd = Cmd::new(program.as_str(), dir).args(args);
        let watch = exec::Watch { deadline: Some(std::time::Instant::now() + VERIFY_DEADLINE), cancel: None };
        let done = exec::capture_watched(&cmd, watch).map_err(|err| {
            let missing = err.chain().any(|e| e.to_string().ends_with(": not found"));
            if missing {
                // The file is there: what starts it is not (a `#!` line's program, a loader).
                "it cannot be run: what starts it is missing (its `#!` line's program, or its loader)".to_owned()
            } else {
                format!("it cannot be run: {}", err.root_cause())
            }
        })?;
        let shown = format!("`uv {}`", args.join(" "));
        if done.cut.is_some() {
            return Err(format!("{shown} gives no answer within {} s", VERIFY_DEADLINE.as_secs()));
        }
        if !done.success {
            return Err(match done.code {
                Some(code) => format!("{shown} exits with code {code}"),
                None => format!("{shown} is killed by a signal"),
            });
        }
        Ok(done.output)
    };
    let answer = run(&["--version"])?;
    let line = answer.lines().next().unwrap_or("").trim();
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some("uv"), Some(found)) if found == version => {}
        (Some("uv"), Some(found)) => return Err(format!("it is uv {found}, not the pinned {version}")),
        _ if line.is_empty() => return Err("`uv --version` prints nothing".into()),
        _ => return Err(format!("`uv --version` answers `{line}`, not uv {version}")),
    }
    if !run(&["pip", "--help"])?.contains("Usage:") {
        return Err("`uv pip --help` prints no usage".into());
    }
    Ok(())
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
                .args(index_args(&IndexOptions::from_config(config)))
                .args(offline().then_some("--no-index")),
        )
        .map_err(|err| {
            // `--offline` is `--no-index` to pip: only the find-links folders.
            let index = IndexOptions { no_index: config.no_index || offline(), ..IndexOptions::from_config(config) };
            pip_failure(err, version, &index)
        })?;
        if tools.symlink_metadata().is_ok() {
            // A concurrent run finished first: its copy is as good as ours.
            if verify(&executable(tools, "uv"), version).is_ok() {
                return Ok(());
            }
            // A broken one (ours never renames an incomplete one, but a file can be cut
            // short or edited): moved aside first, so the path is never half-removed.
            let aside = tools.with_file_name(format!("uv-{version}.broken.{}.xtask-tmp", std::process::id()));
            std::fs::rename(tools, &aside).with_context(|| format!("cannot move the broken {tools} aside"))?;
            let _ = std::fs::remove_dir_all(&aside).or_else(|_| std::fs::remove_file(&aside));
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

/// Where pip or uv looks for packages with `index`, for a message: `https://pypi.org/simple`,
/// `no-index; find-links wheels`.
fn index_places(index: &IndexOptions) -> String {
    let mut places = Vec::new();
    if index.no_index {
        places.push("no-index".to_owned());
    } else {
        places.push(index.index_url.clone().unwrap_or_else(|| "https://pypi.org/simple".to_owned()));
        places.extend(index.extra_index_urls.iter().cloned());
    }
    if !index.find_links.is_empty() {
        places.push(format!("find-links {}", index.find_links.join(", ")));
    }
    places.join("; ")
}

/// pip's failure to install uv `version`, in the monorepo's terms: an index it cannot
/// reach; a version the index does not have (pip lists every version it has: only the
/// newest are named); no uv there at all; else pip's own words.
fn pip_failure(err: anyhow::Error, version: &str, index: &IndexOptions) -> anyhow::Error {
    const NETWORK: &[&str] = &[
        "NewConnectionError",
        "Failed to establish a new connection",
        "Could not fetch URL",
        "ProxyError",
        "SSLError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "Name or service not known",
        "Temporary failure in name resolution",
        "nodename nor servname",
    ];
    let said = format!("{err:#}");
    let places = index_places(index);
    let config = crate::config::CONFIG_PATH;
    if NETWORK.iter().any(|sign| said.contains(sign)) {
        return err.context(Hinted::new(
            format!("cannot bootstrap uv {version}: pip cannot reach the index ({places})"),
            format!(
                "check the network (and any proxy: `HTTPS_PROXY`), then the index settings in {config}; or put uv {version} on PATH"
            ),
        ));
    }
    let listed = said.split("(from versions: ").nth(1).and_then(|rest| rest.split(')').next()).map(str::trim);
    match listed {
        Some("none") => Hinted::new(
            format!("cannot bootstrap uv {version}: the index has no uv at all ({places})"),
            if index.no_index {
                format!(
                    "put uv {version}'s wheel in a find-links folder (`pip download uv=={version} -d DIR`), or put uv {version} on PATH"
                )
            } else {
                format!("check the index settings in {config} (this index has no uv), or put uv {version} on PATH")
            },
        )
        .into(),
        Some(list) => {
            let all: Vec<&str> = list.split(',').map(str::trim).filter(|v| !v.is_empty()).collect();
            let newest = &all[all.len().saturating_sub(3)..];
            Hinted::new(
                format!(
                    "cannot bootstrap uv {version}: uv {version} does not exist on the index ({places}); the newest there: {}",
                    newest.join(", ")
                ),
                format!(
                    "set `uv` in {config} to a version that exists, like uv = \"{}\"",
                    newest.last().copied().unwrap_or(crate::config::DEFAULT_UV_VERSION)
                ),
            )
            .into()
        }
        None => err.context(Hinted::new(
            format!("cannot install uv {version} from the index ({places})"),
            "check the network or the index pip uses, or put uv on PATH at that version",
        )),
    }
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
/// network's or the index settings', not the requirements'. A direct URL's file that
/// cannot be had is not: that is the URL's ([`url_failure`]).
pub fn is_network_failure(uv_output: &str) -> bool {
    has_network_sign(uv_output) && url_failure(uv_output).is_none()
}
/// A direct URL requirement (`name @ https://host/name.whl`) whose file uv could not get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlFailure {
    /// The requirement as uv quotes it, or the URL alone when uv names no requirement.
    pub requirement: String,
    pub url: String,
    /// Why, as a phrase after "its URL": `answers HTTP 404 Not Found`, `cannot be reached`.
    pub why: String,
}

/// What uv prints when the file of a direct URL requirement cannot be had: `Failed to
/// download `name @ URL`` (or `download and build`) with the HTTP status or the network's
/// error under it, or `Distribution not found at: file:///...`. Such a failure is the
/// URL's, not the index's nor the requirements'.
pub fn url_failure(uv_output: &str) -> Option<UrlFailure> {
    let status = |output: &str| {
        ["HTTP status client error (", "HTTP status server error ("].iter().find_map(|sign| {
            let rest = &output[output.find(sign)? + sign.len()..];
            Some(rest[..rest.find(')')?].to_owned())
        })
    };
    for line in uv_output.lines() {
        if let Some(at) = line.find("Failed to download") {
            let Some(requirement) = line[at..].split('`').nth(1) else { continue };
            let Some((_, url)) = requirement.split_once(" @ ") else { continue };
            let why = match status(uv_output) {
                Some(status) => format!("answers HTTP {status}"),
                None if has_network_sign(uv_output) => "cannot be reached".to_owned(),
                None => "gives no file uv can read".to_owned(),
            };
            return Some(UrlFailure { requirement: requirement.to_owned(), url: url.trim().to_owned(), why });
        }
        if let Some(url) = line.split("Distribution not found at: ").nth(1) {
            let url = url.trim().to_owned();
            return Some(UrlFailure {
                requirement: url.clone(),
                url,
                why: "names a file that does not exist".to_owned(),
            });
        }
    }
    None
}

fn has_network_sign(uv_output: &str) -> bool {
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

    #[test]
    fn a_direct_url_that_fails_is_the_urls_fault_not_the_index() {
        let not_found = "error: Failed to download `tiny-zz @ http://127.0.0.1:8765/w/tiny_zz-1.0-py3-none-any.whl`\n  cause: Failed to fetch: http://127.0.0.1:8765/w/tiny_zz-1.0-py3-none-any.whl\n  cause: HTTP status client error (404 Not Found) for url (http://127.0.0.1:8765/w/tiny_zz-1.0-py3-none-any.whl)";
        assert_eq!(
            url_failure(not_found),
            Some(UrlFailure {
                requirement: "tiny-zz @ http://127.0.0.1:8765/w/tiny_zz-1.0-py3-none-any.whl".into(),
                url: "http://127.0.0.1:8765/w/tiny_zz-1.0-py3-none-any.whl".into(),
                why: "answers HTTP 404 Not Found".into(),
            })
        );
        assert!(!is_network_failure(not_found), "`Failed to fetch` here is the URL's");
        let refused = "error: Failed to download and build `x @ http://127.0.0.1:9/x-1.0.tar.gz`\n  cause: Failed to fetch: http://127.0.0.1:9/x-1.0.tar.gz\n  cause: error sending request for url (http://127.0.0.1:9/x-1.0.tar.gz)\n  cause: client error (Connect)\n  cause: tcp connect error\n  cause: Connection refused (os error 111)";
        assert_eq!(url_failure(refused).map(|f| f.why), Some("cannot be reached".to_owned()));
        assert!(!is_network_failure(refused));
        let server = "error: Failed to download `x @ https://h/x.whl`\n  cause: HTTP status server error (503 Service Unavailable) for url (https://h/x.whl)";
        assert_eq!(url_failure(server).map(|f| f.why), Some("answers HTTP 503 Service Unavailable".to_owned()));
        let file = "error: Distribution not found at: file:///nowhere/x-1.0-py3-none-any.whl";
        assert_eq!(
            url_failure(file).map(|f| (f.url, f.why)),
            Some(("file:///nowhere/x-1.0-py3-none-any.whl".to_owned(), "names a file that does not exist".to_owned()))
        );
        // An index's failure names no requirement with a URL.
        let index = "error: Request failed after 3 retries\n  cause: Failed to fetch: `http://127.0.0.1:9/simple/pytest/`\n  cause: error sending request for url (http://127.0.0.1:9/simple/pytest/)\n  cause: Connection refused (os error 111)";
        assert_eq!(url_failure(index), None);
        assert!(is_network_failure(index));
        let by_name = "error: Failed to download `pytest==9.0.3`\n  cause: Failed to fetch: `https://files/pytest.whl`";
        assert_eq!(url_failure(by_name), None, "a pin from the index is not a direct URL");
    }

    #[test]
    fn a_uv_version_the_index_lacks_is_said_so_without_pips_list() {
        let index = IndexOptions::default();
        let listed: Vec<String> = (0..300).map(|n| format!("0.{}.{}", n / 10, n % 10)).collect();
        let pip = anyhow::anyhow!(
            "`pip install uv==0.0.99` failed:\nERROR: Could not find a version that satisfies the requirement uv==0.0.99 (from versions: {})\nERROR: No matching distribution found for uv==0.0.99",
            listed.join(", ")
        );
        let err = pip_failure(pip, "0.0.99", &index);
        assert_eq!(
            format!("{err:#}"),
            "cannot bootstrap uv 0.0.99: uv 0.0.99 does not exist on the index (https://pypi.org/simple); the newest there: 0.29.7, 0.29.8, 0.29.9"
        );
        assert_eq!(
            crate::error::hint_of(&err),
            Some("set `uv` in _meta/monorepo.toml to a version that exists, like uv = \"0.29.9\"")
        );

        let offline = IndexOptions { no_index: true, find_links: vec!["wheels".into()], ..IndexOptions::default() };
        let none = anyhow::anyhow!(
            "ERROR: Could not find a version that satisfies the requirement uv==0.13.9 (from versions: none)"
        );
        let err = pip_failure(none, "0.13.9", &offline);
        assert_eq!(
            format!("{err:#}"),
            "cannot bootstrap uv 0.13.9: the index has no uv at all (no-index; find-links wheels)"
        );
        assert!(crate::error::hint_of(&err).unwrap().contains("pip download uv==0.13.9 -d DIR"));

        let refused = anyhow::anyhow!(
            "WARNING: Retrying (Retry(total=0)) after connection broken by 'NewConnectionError(...: Failed to establish a new connection: [Errno 111] Connection refused')': /simple/uv/\nERROR: Could not find a version that satisfies the requirement uv==0.13.9 (from versions: none)"
        );
        let err = pip_failure(refused, "0.13.9", &index);
        assert!(
            format!("{err:#}")
                .starts_with("cannot bootstrap uv 0.13.9: pip cannot reach the index (https://pypi.org/simple)")
        );
        assert!(crate::error::hint_of(&err).unwrap().starts_with("check the network"));
    }

    /// A fake uv in a fresh folder: `script` as `bin/uv`, executable.
    #[cfg(unix)]
    fn fake_uv(script: &str) -> (tempfile::TempDir, Utf8PathBuf) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let program = Utf8PathBuf::from_path_buf(dir.path().join("bin/uv")).unwrap();
        std::fs::create_dir_all(program.parent().unwrap()).unwrap();
        std::fs::write(&program, script).unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        (dir, program)
    }

    #[cfg(unix)]
    const WORKS: &str = "#!/bin/sh\ncase \"$1\" in --version) echo 'uv 0.13.9 (fake)';; pip) echo 'Usage: uv pip [OPTIONS] <COMMAND>';; *) exit 2;; esac\n";

    #[cfg(unix)]
    #[test]
    fn a_uv_is_verified_by_running_it() {
        let cases = [
            ("", "an empty file"),
            ("#!/bin/sh\necho 'uv 0.13.9'\nexit 0\n", "`uv pip --help` prints no usage"),
            (
                "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'uv 0.13.9'; exit 0; }\nexit 3\n",
                "`uv pip --help` exits with code 3",
            ),
            ("#!/bin/sh\necho 'uv 0.12.0 (abc)'\n", "it is uv 0.12.0, not the pinned 0.13.9"),
            ("#!/bin/sh\necho hello\n", "`uv --version` answers `hello`, not uv 0.13.9"),
            ("#!/bin/sh\nexit 0\n", "`uv --version` prints nothing"),
            ("#!/bin/sh\nexit 7\n", "`uv --version` exits with code 7"),
            ("#!/nowhere/sh\n", "it cannot be run: what starts it is missing (its `#!` line's program, or its loader)"),
        ];
        for (script, why) in cases {
            let (_dir, program) = fake_uv(script);
            assert_eq!(verify(&program, "0.13.9"), Err(why.to_owned()), "{script}");
            assert!(!program.with_file_name(VERIFIED).exists(), "no stamp without a pass");
        }
        let (dir, program) = fake_uv(WORKS);
        std::fs::remove_file(&program).unwrap();
        std::fs::create_dir(&program).unwrap();
        assert_eq!(verify(&program, "0.13.9"), Err("a folder, not a program".to_owned()));
        drop(dir);
        let (_dir, program) = fake_uv(WORKS);
        std::fs::remove_file(&program).unwrap();
        std::os::unix::fs::symlink("/nowhere/uv", &program).unwrap();
        assert_eq!(verify(&program, "0.13.9"), Err("a link to a file that does not exist".to_owned()));
    }

    #[cfg(unix)]
    #[test]
    fn a_pass_is_stamped_by_size_and_mtime() {
        let (_dir, program) = fake_uv(WORKS);
        assert_eq!(verify(&program, "0.13.9"), Ok(()));
        let stamp = program.with_file_name(VERIFIED);
        assert!(std::fs::read_to_string(&stamp).unwrap().starts_with(&format!("uv 0.13.9 {} ", WORKS.len())));
        // Same size and mtime: trusted without running (this one would fail).
        let mtime = std::fs::metadata(&program).unwrap().modified().unwrap();
        let broken = WORKS.replacen("exit 2", "exit 9", 1);
        assert_eq!(broken.len(), WORKS.len());
        std::fs::write(&program, &broken).unwrap();
        std::fs::File::options().write(true).open(&program).unwrap().set_modified(mtime).unwrap();
        assert_eq!(verify(&program, "0.13.9"), Ok(()));
        // Another pinned version is another key.
        assert_eq!(verify(&program, "0.14.0"), Err("it is uv 0.13.9, not the pinned 0.14.0".to_owned()));
        // Touched: checked again.
        std::fs::write(&program, "#!/bin/sh\nexit 1\n").unwrap();
        assert_eq!(verify(&program, "0.13.9"), Err("`uv --version` exits with code 1".to_owned()));
    }
}
