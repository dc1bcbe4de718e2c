//! `cargo xtask doctor`: what this machine and this repository need, a line per check.
//!
//! It runs without a loaded workspace (the config may be what is broken): it loads one
//! itself and reports a failure to load as a failed check, then goes on with what it has.
//! Every check is read-only and quick: tools asked their version, files looked at, and at
//! most one network probe per index, under a deadline (none with `no-index`: then the
//! `find-links` folders are the offline cache, and they are looked at instead). The
//! bootstrapped uv gets the check every command gives it before use (`uv::verify`: it is
//! run), so a broken one fails here. It never bootstraps or replaces uv nor installs a
//! Python: it says what would, or the command that fixes it.
//! Venvs are read as `check` reads them (`venv::state`); a venv not made yet is a warning
//! (a fresh clone has none; `test-all` makes them), anything `check` fails on is a failure.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::config::{self, CONFIG_PATH, Config, TOOLS_DIR};
use crate::error::{Failed, hint_of};
use crate::exec::{self, Cmd};
use crate::lock;
use crate::lockfile::{Freshness, IndexOptions};
use crate::ui;
use crate::uv::{Installed, Uv};
use crate::venv::{self, State};
use crate::workspace::Workspace;

/// What `cargo xtask doctor` was given: nothing yet (`flags` describes the command line).
#[derive(Debug, Clone)]
pub struct Options {}

/// The index uv uses when the config names none.
const DEFAULT_INDEX: &str = "https://pypi.org/simple/";
/// Below this much free space where the venvs go, a warning: a venv takes 50 MB to 1 GB.
const LOW_DISK: u64 = 2 << 30;
/// How long the probe of an index may take: the socket timeout inside Python, and a
/// deadline around the whole process (name resolution is not under the socket timeout).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
const PROBE_DEADLINE: Duration = Duration::from_secs(8);

/// How a check came out, in order of gravity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// Does not apply here (another platform, nothing to check it against).
    Skipped,
    Ok,
    /// Worth knowing, not in the way.
    Warn,
    /// In the way: doctor exits 1.
    Fail,
}

impl Level {
    fn label(self) -> &'static str {
        match self {
            Level::Skipped => "n/a",
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        }
    }
}

/// A check's result: its level, and what was found or what is wrong and what fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    level: Level,
    detail: String,
}

fn ok(detail: impl Into<String>) -> Outcome {
    Outcome { level: Level::Ok, detail: detail.into() }
}

fn skipped(why: impl Into<String>) -> Outcome {
    Outcome { level: Level::Skipped, detail: why.into() }
}

fn warn(what: impl std::fmt::Display, fix: impl std::fmt::Display) -> Outcome {
    Outcome { level: Level::Warn, detail: format!("{what}; {fix}") }
}

fn fail(what: impl std::fmt::Display, fix: impl std::fmt::Display) -> Outcome {
    Outcome { level: Level::Fail, detail: format!("{what}; {fix}") }
}

/// Prints each check's line as it completes (the network probe may take seconds), aligned
/// on the longest name, and counts the levels.
struct Report {
    width: usize,
    counts: BTreeMap<Level, usize>,
}

impl Report {
    fn line(&mut self, name: &str, outcome: Outcome) {
        *self.counts.entry(outcome.level).or_default() += 1;
        let label = outcome.level.label();
        ui::out(&format!("{name:<width$}  {label:<4}  {}\n", outcome.detail, width = self.width));
    }

    fn count(&self, level: Level) -> usize {
        self.counts.get(&level).copied().unwrap_or(0)
    }
}

/// What doctor could load of the repository.
struct Loaded {
    /// The folder holding the config, when there is one at or above the current folder.
    root: Option<Utf8PathBuf>,
    /// The config, when it parses (even if the workspace does not load).
    config: Option<Config>,
    ws: Result<Workspace>,
}

fn load(cwd: &Utf8Path) -> Loaded {
    match Workspace::discover(cwd) {
        Ok(ws) => Loaded { root: Some(ws.root.clone()), config: Some(ws.config.clone()), ws: Ok(ws) },
        Err(err) => {
            let root = cwd.ancestors().find(|dir| dir.join(CONFIG_PATH).is_file()).map(Utf8Path::to_owned);
            // The config alone may be fine (a broken pyproject): the machine checks can use it.
            let config = root.as_ref().and_then(|root| {
                let text = std::fs::read_to_string(root.join(CONFIG_PATH)).ok()?;
                config::parse(Utf8Path::new(CONFIG_PATH), &text).ok()
            });
            Loaded { root, config, ws: Err(err) }
        }
    }
}

pub fn run(cwd: &Utf8Path, _options: &Options) -> Result<()> {
    let start = Instant::now();
    let loaded = load(cwd);
    let ws = loaded.ws.as_ref().ok();
    let pythons = python_requests(ws, loaded.config.as_ref());
    let python_names: Vec<String> = pythons.keys().map(|request| format!("python {request}")).collect();
    let names = ["cargo", "rustc", "git", "config", "uv", "index", "disk", "locks", "venvs"];
    let width = names.iter().map(|n| n.len()).chain(python_names.iter().map(String::len)).max().unwrap_or(0);
    let mut report = Report { width, counts: BTreeMap::new() };
    let here = loaded.root.clone().unwrap_or_else(|| cwd.to_owned());

    let (cargo, rustc) = rust_programs();
    report.line("cargo", check_cargo(&cargo, &here));
    report.line("rustc", check_rustc(&rustc, &here));
    report.line("git", check_git(&here));
    report.line("config", check_config(&loaded));

    // uv first (quietly): with it, a Python is looked for as every command looks for one.
    let uv = match (&loaded.root, &loaded.config) {
        (Some(root), Some(config)) => uv_state(root, config),
        _ => UvState::Unknown,
    };
    let located = match (&uv, &loaded.root, &loaded.config) {
        (UvState::Bootstrapped(_) | UvState::OnPath(_), Some(root), Some(config)) => Uv::locate(root, config).ok(),
        _ => None,
    };
    let mut interpreters = Vec::new();
    for ((request, askers), name) in pythons.iter().zip(&python_names) {
        let (outcome, found) = check_python(request, askers, &here, located.as_ref(), &uv);
        interpreters.extend(found);
        report.line(name, outcome);
    }

    match (&loaded.root, &loaded.config) {
        (Some(root), Some(config)) => {
            let index = index_options(ws, config);
            // The bootstrap's Python, asked only when the bootstrap or a probe needs it.
            let probes = !index.no_index || index.find_links.iter().any(|l| is_url(l));
            let needed = probes || matches!(uv, UvState::Absent(_));
            let python = if needed { bootstrap_python(root) } else { None };
            // The index first: a bootstrap needs it too, and its line says why it cannot.
            let prober = python.as_ref().map(|p| p.program.clone()).or_else(|| interpreters.first().cloned());
            let index_outcome = check_index(root, &index, prober.as_deref());
            let mut uv_outcome = check_uv(root, config, &uv, python.as_ref(), &index);
            if matches!(uv, UvState::Absent(_)) && uv_outcome.level == Level::Ok && index_outcome.level == Level::Fail {
                uv_outcome = fail(
                    format!("uv {} is not installed yet, and its bootstrap needs the package index", config.uv),
                    "see `index`",
                );
            }
            report.line("uv", uv_outcome);
            report.line("index", index_outcome);
        }
        _ => {
            let why = if loaded.root.is_some() {
                format!("{CONFIG_PATH} does not load (see `config`)")
            } else {
                format!("no {CONFIG_PATH} here or above")
            };
            report.line("uv", skipped(why.clone()));
            report.line("index", skipped(why));
        }
    }
    report.line("disk", check_disk(&here));
    match ws {
        Some(ws) => {
            report.line("locks", check_locks(ws));
            report.line("venvs", check_venvs(ws));
        }
        None => {
            report.line("locks", skipped("the workspace did not load (see `config`)"));
            report.line("venvs", skipped("the workspace did not load (see `config`)"));
        }
    }

    let total: usize = report.counts.values().sum();
    let failed = report.count(Level::Fail);
    let summary = format!(
        "{}: {} ok, {}, {} failed ({})",
        ui::count(total, "check"),
        report.count(Level::Ok),
        ui::count(report.count(Level::Warn), "warning"),
        failed,
        ui::elapsed(start.elapsed())
    );
    ui::status("Checked", &summary);
    if failed > 0 { Err(Failed.into()) } else { Ok(()) }
}

/// cargo and rustc: the cargo running us when `cargo xtask` started us (`CARGO`), with the
/// rustc beside it, else those on PATH.
fn rust_programs() -> (String, String) {
    let cargo = std::env::var("CARGO").ok().filter(|c| Utf8Path::new(c).is_file());
    let rustc = cargo
        .as_deref()
        .and_then(|c| Utf8Path::new(c).parent())
        .and_then(|dir| exec::find_program("rustc", dir, dir.as_os_str()))
        .map(Utf8PathBuf::into_string);
    (cargo.unwrap_or_else(|| "cargo".into()), rustc.unwrap_or_else(|| "rustc".into()))
}

fn rustup_install() -> &'static str {
    if cfg!(windows) {
        "install Rust with rustup: `winget install Rustlang.Rustup`"
    } else {
        "install Rust with rustup: `curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh`"
    }
}

fn check_cargo(program: &str, dir: &Utf8Path) -> Outcome {
    match version_line(program, dir) {
        Some(line) => ok(line),
        None => fail("no cargo", rustup_install()),
    }
}

fn check_rustc(program: &str, dir: &Utf8Path) -> Outcome {
    let Some(line) = version_line(program, dir) else { return fail("no rustc", rustup_install()) };
    rustc_outcome(&line, env!("CARGO_PKG_RUST_VERSION"))
}

/// `rustc 1.95.0 (...)` against the xtask's `rust-version`.
fn rustc_outcome(line: &str, needed: &str) -> Outcome {
    match (major_minor(line.split_whitespace().nth(1).unwrap_or("")), major_minor(needed)) {
        (Some(has), Some(needs)) if has < needs => {
            fail(format!("{line} is older than the Rust {needed} the xtask needs"), "run `rustup update stable`")
        }
        _ => ok(line),
    }
}

fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The first line `program --version` prints, if it runs and succeeds.
fn version_line(program: &str, dir: &Utf8Path) -> Option<String> {
    let done = exec::read(&Cmd::new(program, dir).arg("--version")).ok()?;
    let line = done.stdout.lines().next()?.trim().to_owned();
    (done.success && !line.is_empty()).then_some(line)
}

fn check_git(dir: &Utf8Path) -> Outcome {
    let Some(version) = version_line("git", dir) else {
        let install = if cfg!(windows) {
            "`winget install Git.Git`"
        } else if cfg!(target_os = "macos") {
            "`xcode-select --install` or `brew install git`"
        } else {
            "`sudo apt-get install git` (or your distribution's package)"
        };
        return fail("no git", format!("install it: {install}"));
    };
    let top = exec::read(&Cmd::new("git", dir).args(["rev-parse", "--show-toplevel"]));
    match top {
        Ok(done) if done.success => ok(format!("{version}; the repository is {}", done.stdout.trim())),
        Ok(done) => {
            // Why, only when it is not the plain "not a git repository" (a `safe.directory` refusal, say).
            let said = done.stderr.lines().next().unwrap_or("").trim();
            let why = if said.is_empty() || said.contains("not a git repository") {
                String::new()
            } else {
                format!(" ({said})")
            };
            warn(
                format!(
                    "{version}; {dir} is not in a git repository{why}: `affected` needs one, and `test-all` caches nothing"
                ),
                "clone the repository, or run `git init` there",
            )
        }
        Err(err) => {
            warn(format!("{version}; cannot ask git about {dir}: {err:#}"), "run `git status` there to see why")
        }
    }
}

fn check_config(loaded: &Loaded) -> Outcome {
    match &loaded.ws {
        Ok(ws) => ok(format!(
            "{CONFIG_PATH}: {}, {}, {}",
            ui::count(ws.members.len(), "project"),
            ui::count(ws.envs.len(), "env"),
            ui::count(ws.layers.len(), "layer")
        )),
        Err(err) => {
            let message = format!("{err:#}").replace('\n', " ");
            match hint_of(err) {
                Some(hint) => fail(message, hint),
                None => fail(message, format!("fix {CONFIG_PATH} or the file it names")),
            }
        }
    }
}

/// Every interpreter request, with what asks for it: the config's `python` (its layer
/// locks are compiled for it) and each env's.
fn python_requests(ws: Option<&Workspace>, config: Option<&Config>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(config) = config {
        out.entry(config.python.clone()).or_default().push("the config".into());
    }
    for env in ws.map(|ws| &ws.envs[..]).unwrap_or_default() {
        out.entry(env.python.clone()).or_default().push(format!("env `{}`", env.name));
    }
    out
}

/// `the config and 4 envs`, `env `web``: who asks for a Python, shortly.
fn askers(list: &[String]) -> String {
    let config = list.iter().any(|a| a == "the config");
    let envs: Vec<&String> = list.iter().filter(|a| *a != "the config").collect();
    let envs = match envs.len() {
        0 => String::new(),
        1 => envs[0].clone(),
        n => ui::count(n, "env"),
    };
    match (config, envs.is_empty()) {
        (true, true) => "the config".into(),
        (true, false) => format!("the config and {envs}"),
        _ => envs,
    }
}

/// The pinned uv, as `Uv::locate` would find it, without bootstrapping it.
enum UvState {
    /// No config to read the pin from.
    Unknown,
    /// Bootstrapped into `_meta/.tools/` (the path), and it works (`uv::verify`).
    Bootstrapped(Utf8PathBuf),
    /// Something is at the bootstrap's path, but it does not work: the path, and why.
    Broken(Utf8PathBuf, String),
    /// On PATH at the pinned version (the path).
    OnPath(Utf8PathBuf),
    /// Not there yet: the version of the uv on PATH, if there is one.
    Absent(Option<String>),
}

fn uv_state(root: &Utf8Path, config: &Config) -> UvState {
    match crate::uv::installed(root, &config.uv) {
        // The check every command runs before it uses it; doctor only reports.
        Installed::Bootstrapped(path) => match crate::uv::verify(&path, &config.uv) {
            Ok(()) => UvState::Bootstrapped(path),
            Err(why) => UvState::Broken(path, why),
        },
        Installed::OnPath => UvState::OnPath(on_path("uv").unwrap_or_else(|| "uv".into())),
        Installed::Absent { on_path: version } => UvState::Absent(version),
    }
}

/// An interpreter that was found: its path and full version.
struct Interpreter {
    program: String,
    version: String,
}

/// Runs `program` and asks its full version (`3.11.7`).
fn interpreter_version(program: &str, dir: &Utf8Path) -> Option<String> {
    let ask = Cmd::new(program, dir).args(["-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"]);
    let done = exec::read(&ask).ok()?;
    let version = done.stdout.trim().to_owned();
    (done.success && venv::is_version(&version)).then_some(version)
}

/// Whether `version` (`3.11.7`) is what the version request `request` (`3.11`) asks for.
fn matches_version(request: &str, version: &str) -> bool {
    version == request || version.starts_with(&format!("{request}."))
}

/// Finds the interpreter for `request` as the commands do (pyenv's versions, then uv's
/// discovery; a path is that file, a name is looked up on PATH), but never downloads one.
/// Without uv, a version is looked for on PATH (`python3.12`, `python3`, `python`).
fn find_python(request: &str, dir: &Utf8Path, uv: Option<&Uv>) -> Option<Interpreter> {
    let found = |program: String| interpreter_version(&program, dir).map(|version| Interpreter { program, version });
    if !venv::is_version(request) {
        let path = Utf8Path::new(request);
        if path.is_absolute() || request.contains(['/', '\\']) {
            let path = dir.join(path);
            return path.is_file().then(|| found(path.into_string())).flatten();
        }
        return on_path(request).and_then(|p| found(p.into_string()));
    }
    if let Some(uv) = uv {
        return venv::find_interpreter(uv, request, "doctor").ok().and_then(found);
    }
    let pyenv = venv::interpreter(request);
    if Utf8Path::new(&pyenv).is_absolute() {
        return found(pyenv);
    }
    let mut names = vec![format!("python{request}"), "python3".into(), "python".into()];
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| on_path(&name))
        .filter_map(|path| found(path.into_string()))
        .find(|i| matches_version(request, &i.version))
}

fn check_python(
    request: &str,
    asking: &[String],
    dir: &Utf8Path,
    uv: Option<&Uv>,
    state: &UvState,
) -> (Outcome, Option<String>) {
    let who = askers(asking);
    if let Some(found) = find_python(request, dir, uv) {
        let outcome = ok(format!("Python {} at {} (for {who})", found.version, found.program));
        return (outcome, Some(found.program));
    }
    let change = format!("or change what asks for it (`python` in {CONFIG_PATH}, a project's requires-python)");
    if !venv::is_version(request) {
        let what = format!("no interpreter `{request}` (for {who})");
        // By the version it names (`pyenv install 3.12`, never `pyenv install python3.12`).
        return (fail(what, crate::python::missing(request, "doctor").hint), None);
    }
    let looked =
        if uv.is_some() { "pyenv's versions, uv's managed Pythons and PATH" } else { "pyenv's versions and PATH" };
    let mut ways = Vec::new();
    if on_path("pyenv").is_some() {
        ways.push(format!("`pyenv install {request}`"));
    }
    let uv_program = match state {
        UvState::Bootstrapped(path) => path.strip_prefix(dir).unwrap_or(path).to_string(),
        _ => "uv".to_owned(),
    };
    ways.push(format!("`{uv_program} python install {request}`"));
    let what = format!("no Python {request} (for {who}; looked in {looked})");
    (fail(what, format!("run {}, {change}", ways.join(" or "))), None)
}

/// The Python the uv bootstrap would use (`python3`, `python` on Windows), when it runs.
fn bootstrap_python(dir: &Utf8Path) -> Option<Interpreter> {
    let program = if cfg!(windows) { "python" } else { "python3" };
    interpreter_version(program, dir).map(|version| Interpreter { program: program.to_owned(), version })
}

/// Every index option in force: the config's and those of each layer's `.in` file.
fn index_options(ws: Option<&Workspace>, config: &Config) -> IndexOptions {
    let mut index = IndexOptions::from_config(config);
    for layer in ws.map(|ws| &ws.layers[..]).unwrap_or_default() {
        index.merge(&layer.index);
    }
    index
}

fn check_uv(
    root: &Utf8Path,
    config: &Config,
    state: &UvState,
    python: Option<&Interpreter>,
    index: &IndexOptions,
) -> Outcome {
    let version = &config.uv;
    let put_on_path = if cfg!(windows) {
        format!("powershell -ExecutionPolicy ByPass -c \"irm https://astral.sh/uv/{version}/install.ps1 | iex\"")
    } else {
        format!("curl -LsSf https://astral.sh/uv/{version}/install.sh | sh")
    };
    match state {
        UvState::Bootstrapped(path) => {
            let shown = path.strip_prefix(root).unwrap_or(path);
            return ok(format!("uv {version} at {shown}"));
        }
        UvState::OnPath(path) => return ok(format!("uv {version} on PATH at {path}")),
        UvState::Broken(path, why) => {
            let shown = path.strip_prefix(root).unwrap_or(path);
            let folder = format!("{TOOLS_DIR}/uv-{version}");
            return fail(
                format!("uv {version} at {shown} is broken: {why}"),
                format!(
                    "delete {folder} (`rm -rf {folder}`): the next command that needs uv bootstraps it again, as it would replace this one"
                ),
            );
        }
        UvState::Unknown | UvState::Absent(_) => {}
    }
    let other = match state {
        UvState::Absent(Some(other)) => format!(" (PATH has uv {other}, not the pinned {version})"),
        _ => String::new(),
    };
    let Some(python) = python else {
        let program = if cfg!(windows) { "python" } else { "python3" };
        return fail(
            format!("no uv {version}{other}, and no `{program}` to bootstrap it with"),
            format!("run `{put_on_path}`, or install CPython 3.8+ as `{program}`"),
        );
    };
    // The bootstrap is `python3 -m venv` (which needs ensurepip for its pip) and a pip install.
    let has_venv = exec::read(&Cmd::new(python.program.as_str(), root).args(["-c", "import venv, ensurepip"]))
        .is_ok_and(|done| done.success);
    if !has_venv {
        let module = if cfg!(target_os = "linux") { " (`sudo apt-get install python3-venv`)" } else { "" };
        return fail(
            format!(
                "no uv {version}{other}, and {} {} lacks the venv module to bootstrap it",
                python.program, python.version
            ),
            format!("give it the venv module{module}, or run `{put_on_path}`"),
        );
    }
    // Offline, the bootstrap's pip installs uv from the find-links folders: one must hold it.
    if index.no_index {
        let wheel = format!("uv-{version}-");
        let has_wheel = local_links(root, index)
            .into_iter()
            .any(|(_, dir)| wheels(&dir).is_some_and(|w| w.iter().any(|name| name.starts_with(&wheel))));
        if !has_wheel {
            return fail(
                format!("no uv {version}{other}, and no find-links folder holds its wheel for the offline bootstrap"),
                format!(
                    "put uv {version}'s wheel in one (`pip download uv=={version} -d DIR`), or run `{put_on_path}`"
                ),
            );
        }
    }
    ok(format!(
        "uv {version} not installed yet{other}: the first command that needs it bootstraps it into {TOOLS_DIR}/ with {} {}",
        python.program, python.version
    ))
}

/// The local folders among the find-links, as written and as a path.
fn local_links(root: &Utf8Path, index: &IndexOptions) -> Vec<(String, Utf8PathBuf)> {
    index
        .find_links
        .iter()
        .filter(|link| !is_url(link))
        .map(|link| {
            let path = link.strip_prefix("file://").unwrap_or(link);
            (link.clone(), root.join(path))
        })
        .collect()
}

fn is_url(link: &str) -> bool {
    link.starts_with("http://") || link.starts_with("https://")
}

/// The wheel and sdist file names in `dir`; `None` when it is not a folder.
fn wheels(dir: &Utf8Path) -> Option<Vec<String>> {
    let entries = dir.read_dir_utf8().ok()?;
    Some(
        entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_owned())
            .filter(|name| name.ends_with(".whl") || name.ends_with(".tar.gz"))
            .collect(),
    )
}

fn check_index(root: &Utf8Path, index: &IndexOptions, python: Option<&str>) -> Outcome {
    let mut parts = Vec::new();
    let mut level = Level::Ok;
    let mut fixes = Vec::new();
    for (link, dir) in local_links(root, index) {
        match wheels(&dir).map(|files| files.iter().filter(|f| f.ends_with(".whl")).count()) {
            Some(n) if n > 0 => parts.push(format!("find-links {link} ({})", ui::count(n, "wheel"))),
            found => {
                let what = if found.is_some() { "holds no wheels" } else { "is not a folder" };
                parts.push(format!("find-links {link} {what}"));
                // Offline it is all there is; beside an index it only adds to it.
                level = level.max(if index.no_index { Level::Fail } else { Level::Warn });
                fixes.push(format!("put the wheels in {link}, or fix `find-links` in {CONFIG_PATH}"));
            }
        }
    }
    let mut urls: Vec<&str> = Vec::new();
    if !index.no_index {
        urls.push(index.index_url.as_deref().unwrap_or(DEFAULT_INDEX));
        urls.extend(index.extra_index_urls.iter().map(String::as_str));
    }
    urls.extend(index.find_links.iter().map(String::as_str).filter(|l| is_url(l)));
    if index.no_index && index.find_links.is_empty() {
        return fail(
            "`no-index` with no `find-links`: nothing to install from",
            format!("add `find-links` folders to {CONFIG_PATH}, or remove `no-index`"),
        );
    }
    for url in urls {
        let shown = redact(url);
        let Some(python) = python else {
            parts.push(format!("{shown} not probed (no Python to probe it with)"));
            level = level.max(Level::Warn);
            continue;
        };
        let (outcome, text) = match probe(python, root, url) {
            Ok(code) => http_outcome(code),
            Err(why) => (Level::Fail, format!("unreachable ({why})")),
        };
        if outcome > Level::Ok {
            fixes.push(format!(
                "check the network and proxy (`HTTPS_PROXY`) with `curl -I {shown}`, or set `index-url` in {CONFIG_PATH} to a reachable mirror"
            ));
        }
        level = level.max(outcome);
        parts.push(format!("{shown} {text}"));
    }
    let offline = if index.no_index { "offline (no-index): " } else { "" };
    let detail = format!("{offline}{}", parts.join("; "));
    match level {
        Level::Ok | Level::Skipped => ok(detail),
        level => {
            fixes.dedup();
            Outcome { level, detail: format!("{detail}; {}", fixes.join("; ")) }
        }
    }
}

/// What an HTTP status from an index says: any answer proves it reachable, but one asking
/// for credentials (or refusing them) is worth a warning.
fn http_outcome(code: u16) -> (Level, String) {
    match code {
        401 | 403 => (Level::Warn, format!("answers HTTP {code}: set its credentials (in the URL, or `UV_INDEX_*`)")),
        500.. => (Level::Warn, format!("answers HTTP {code} (a server error)")),
        _ => (Level::Ok, format!("answers (HTTP {code})")),
    }
}

/// A URL with its password hidden, for printing.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((login, host)) => {
            let user = login.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:****@{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// `HEAD url` from Python's standard library (the xtask has no HTTP client), the URL given on
/// stdin (so credentials are not on a command line); the HTTP status, or why there is none.
const PROBE: &str = r#"
import base64, sys, urllib.error, urllib.parse, urllib.request
parts = urllib.parse.urlsplit(sys.stdin.read().strip())
headers = {"User-Agent": "cargo-xtask-doctor"}
if parts.username is not None:
    login = urllib.parse.unquote(parts.username) + ":" + urllib.parse.unquote(parts.password or "")
    headers["Authorization"] = "Basic " + base64.b64encode(login.encode()).decode()
    host = parts.hostname or ""
    host = "[" + host + "]" if ":" in host else host
    parts = parts._replace(netloc=host + (":%d" % parts.port if parts.port else ""))
request = urllib.request.Request(urllib.parse.urlunsplit(parts), headers=headers, method="HEAD")
try:
    with urllib.request.urlopen(request, timeout=float(sys.argv[1])) as response:
        print("status", response.status)
except urllib.error.HTTPError as err:
    print("status", err.code)
except Exception as err:
    print("error", getattr(err, "reason", None) or err)
    sys.exit(1)
"#;

fn probe(python: &str, root: &Utf8Path, url: &str) -> std::result::Result<u16, String> {
    let cmd = Cmd::new(python, root)
        .args(["-c", PROBE, &PROBE_TIMEOUT.as_secs().to_string()])
        .stdin(url.to_owned())
        .env_remove("PYTHONPATH");
    let watch = exec::Watch { deadline: Some(Instant::now() + PROBE_DEADLINE), cancel: None };
    let done = exec::capture_watched(&cmd, watch).map_err(|err| format!("{err:#}"))?;
    if done.cut.is_some() {
        return Err(format!("no answer within {} s", PROBE_DEADLINE.as_secs()));
    }
    let last = done.output.lines().last().unwrap_or("").trim();
    match last.strip_prefix("status ").and_then(|code| code.parse().ok()) {
        Some(code) if done.success => Ok(code),
        _ => Err(last.strip_prefix("error ").unwrap_or(last).to_owned()),
    }
}

fn check_disk(dir: &Utf8Path) -> Outcome {
    match free_bytes(dir) {
        None if cfg!(unix) => warn(format!("cannot tell the free space on {dir}"), "check it with `df -h .`"),
        None => skipped("the free space is only checked on unix"),
        Some(free) => disk_outcome(free, dir),
    }
}

fn disk_outcome(free: u64, dir: &Utf8Path) -> Outcome {
    let text = format!("{} free on {dir}, where the venvs go", gib(free));
    if free < LOW_DISK {
        return warn(
            format!("only {text} (a venv takes 50 MB to 1 GB)"),
            "free some space: `cargo clean` removes the Rust build, `uv cache prune` uv's unused cache",
        );
    }
    ok(text)
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

/// The bytes an unprivileged user may still write on the file system holding `dir`.
#[cfg(unix)]
// The field types differ by platform (u32 or u64), so the casts are needed on some only.
#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
fn free_bytes(dir: &Utf8Path) -> Option<u64> {
    let path = std::ffi::CString::new(dir.as_str()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a NUL-terminated string that outlives the call, and `stat` points to
    // writable memory of the struct's size, which statvfs fills when it returns 0.
    let stat = unsafe {
        if libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    Some((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

#[cfg(not(unix))]
fn free_bytes(_dir: &Utf8Path) -> Option<u64> {
    None
}

fn check_locks(ws: &Workspace) -> Outcome {
    let plan = lock::plan(ws);
    let mut problems: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for spec in plan.iter() {
        let kind = match lock::freshness(&ws.root, spec) {
            Freshness::Fresh => continue,
            Freshness::Missing if ws.root.join(&spec.lock).is_dir() => "a folder, not a lock",
            Freshness::Missing => "missing",
            Freshness::Stale => "stale",
            Freshness::Edited => "edited by hand or merged",
            Freshness::Unreadable(_) => "unreadable",
        };
        problems.entry(kind).or_default().push(spec.lock.to_string());
    }
    let orphans = super::check::orphans(ws, &plan);
    if !orphans.is_empty() {
        problems.insert("left over from a deleted project", orphans.iter().map(|o| o.to_string()).collect());
    }
    locks_outcome(plan.len(), &problems)
}

fn locks_outcome(total: usize, problems: &BTreeMap<&str, Vec<String>>) -> Outcome {
    if problems.is_empty() {
        return ok(format!("{} fresh", ui::count(total, "lock")));
    }
    let what: Vec<String> = problems.iter().map(|(kind, locks)| format!("{kind}: {}", locks.join(", "))).collect();
    let folder = if problems.contains_key("a folder, not a lock") { "move the folders away, then " } else { "" };
    fail(what.join("; "), format!("{folder}run `cargo xtask lock` and commit the locks it writes"))
}

fn check_venvs(ws: &Workspace) -> Outcome {
    let mut fresh = 0;
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    let mut foreign = Vec::new();
    for (e, env) in ws.envs.iter().enumerate() {
        // Without a readable lock there is nothing to compare with: `locks` says so.
        let Some(state) = ws.venv_state(e) else { continue };
        match state {
            State::Fresh => fresh += 1,
            State::Missing => missing.push(env.name.clone()),
            State::Drifted(drift) => {
                let more = if drift.len() > 1 { format!(" (and {} more)", drift.len() - 1) } else { String::new() };
                let first = drift.first().map(ToString::to_string).unwrap_or_default();
                wrong.push(format!("{} {first}{more}", env.venv));
            }
            State::Foreign(why) => foreign.push(format!("{} {why}", env.venv)),
            state => wrong.push(format!("{} {}", env.venv, state.problem().unwrap_or_default())),
        }
    }
    let displaced: Vec<&String> = ws.envs.iter().flat_map(|e| &e.displaced).collect();
    if !foreign.is_empty() {
        return fail(foreign.join("; "), "move it away: the xtask never deletes what it did not make");
    }
    if !wrong.is_empty() {
        return fail(wrong.join("; "), "run `cargo xtask setup-envs`: it syncs each venv to its lock");
    }
    if !missing.is_empty() {
        let fresh = if fresh > 0 { format!("{fresh} fresh, ") } else { String::new() };
        return warn(
            format!("{fresh}not made yet: {}", missing.join(", ")),
            "run `cargo xtask setup-envs` (`cargo xtask test-all` makes them too)",
        );
    }
    if let Some(first) = displaced.first() {
        return warn(first, "move it away to have the venv in the project's folder");
    }
    ok(format!("{} fresh", ui::count(fresh, "venv")))
}

/// The first program `name` on PATH.
fn on_path(name: &str) -> Option<Utf8PathBuf> {
    exec::find_program(name, Utf8Path::new("."), &std::env::var_os("PATH")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustc_older_than_the_rust_version_fails() {
        assert_eq!(rustc_outcome("rustc 1.95.0 (59807616e 2026-04-14)", "1.89").level, Level::Ok);
        assert_eq!(rustc_outcome("rustc 1.89.0 (abc 2025-08-01)", "1.89").level, Level::Ok);
        let old = rustc_outcome("rustc 1.80.1 (abc 2024-08-01)", "1.89");
        assert_eq!(old.level, Level::Fail);
        assert!(old.detail.contains("`rustup update stable`"), "{}", old.detail);
        // A line it cannot read is not held against the toolchain.
        assert_eq!(rustc_outcome("rustc nightly", "1.89").level, Level::Ok);
    }

    #[test]
    fn a_version_request_matches_its_patch_releases_only() {
        assert!(matches_version("3.11", "3.11.7"));
        assert!(matches_version("3.11", "3.11"));
        assert!(!matches_version("3.1", "3.11.7"));
        assert!(!matches_version("3.12", "3.11.7"));
    }

    #[test]
    fn says_shortly_who_asks_for_a_python() {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(askers(&list(&["the config"])), "the config");
        assert_eq!(askers(&list(&["the config", "env `web`"])), "the config and env `web`");
        assert_eq!(askers(&list(&["env `a`", "env `b`"])), "2 envs");
        assert_eq!(askers(&list(&["the config", "env `a`", "env `b`", "env `c`"])), "the config and 3 envs");
    }

    #[test]
    fn hides_passwords_in_urls() {
        assert_eq!(redact("https://pypi.org/simple/"), "https://pypi.org/simple/");
        assert_eq!(redact("https://me:s3cr%40t@pkgs.example.com/simple/"), "https://me:****@pkgs.example.com/simple/");
        assert_eq!(redact("https://token@pkgs.example.com"), "https://token:****@pkgs.example.com");
        assert_eq!(redact("wheels"), "wheels");
    }

    #[test]
    fn any_http_answer_is_reachable_but_credentials_are_worth_a_warning() {
        assert_eq!(http_outcome(200).0, Level::Ok);
        assert_eq!(http_outcome(404).0, Level::Ok, "an index without a root page still answers");
        assert_eq!(http_outcome(405).0, Level::Ok, "a server refusing HEAD still answers");
        assert_eq!(http_outcome(401).0, Level::Warn);
        assert_eq!(http_outcome(503).0, Level::Warn);
    }

    #[test]
    fn warns_under_two_gib_free() {
        let dir = Utf8Path::new("/repo");
        assert_eq!(disk_outcome(10 << 30, dir), ok("10.0 GiB free on /repo, where the venvs go"));
        let low = disk_outcome(1 << 29, dir);
        assert_eq!(low.level, Level::Warn);
        assert!(low.detail.starts_with("only 0.5 GiB free on /repo"), "{}", low.detail);
    }

    #[cfg(unix)]
    #[test]
    fn reads_the_free_space_of_a_real_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(free_bytes(Utf8Path::from_path(dir.path()).unwrap()).is_some());
        assert_eq!(free_bytes(Utf8Path::new("/no/such/folder/xtask")), None);
    }

    #[test]
    fn lists_the_locks_to_compile_by_what_is_wrong() {
        assert_eq!(locks_outcome(6, &BTreeMap::new()), ok("6 locks fresh"));
        let mut problems = BTreeMap::new();
        problems.insert("stale", vec!["_meta/requirements/solo.txt".to_owned()]);
        problems.insert("missing", vec!["_meta/requirements/a.txt".to_owned(), "_meta/requirements/b.txt".to_owned()]);
        let out = locks_outcome(6, &problems);
        assert_eq!(out.level, Level::Fail);
        assert_eq!(
            out.detail,
            "missing: _meta/requirements/a.txt, _meta/requirements/b.txt; stale: _meta/requirements/solo.txt; \
             run `cargo xtask lock` and commit the locks it writes"
        );
    }

    #[test]
    fn an_offline_cache_is_folders_of_wheels() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        crate::fsutil::write_test_file(root, "wheels/uv-0.13.9-py3-none-linux_x86_64.whl", "");
        crate::fsutil::write_test_file(root, "wheels/README", "");
        std::fs::create_dir_all(root.join("empty")).unwrap();
        let offline = |links: &[&str]| IndexOptions {
            no_index: true,
            find_links: links.iter().map(|l| l.to_string()).collect(),
            ..IndexOptions::default()
        };
        let good = check_index(root, &offline(&["wheels"]), None);
        assert_eq!(good, ok("offline (no-index): find-links wheels (1 wheel)"));
        let bad = check_index(root, &offline(&["wheels", "empty", "gone"]), None);
        assert_eq!(bad.level, Level::Fail);
        assert!(bad.detail.contains("find-links empty holds no wheels") && bad.detail.contains("gone is not a folder"));
        assert_eq!(check_index(root, &offline(&[]), None).level, Level::Fail, "nothing to install from");
        // Beside an index a missing folder only adds nothing; an index without a Python to
        // probe it with is not called unreachable.
        let online = IndexOptions { find_links: vec!["gone".into()], ..IndexOptions::default() };
        let out = check_index(root, &online, None);
        assert_eq!(out.level, Level::Warn, "{}", out.detail);
        assert!(out.detail.contains("https://pypi.org/simple/ not probed"), "{}", out.detail);
    }
}
