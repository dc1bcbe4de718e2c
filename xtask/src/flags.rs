//! The command line, described once: `command()` builds clap's description of it, a small
//! builder per command, from which clap makes every command's `--help` (with its example),
//! `help <command>`, `--version`, the "did you mean" for commands and flags, and the shell
//! completions; `typed` then turns what clap matched into the typed [`Cli`]. Values are
//! checked by clap, so a bad one is named with its flag (`invalid value 'abc' for
//! '--jobs <N>'`).
//!
//! clap's builder rather than its derive, and without clap's "color": the derive's proc macro
//! (with `syn`'s "full" feature) and the colour crates are seconds of every cold build, which
//! every fresh clone pays; the text is the same, only plain on a terminal too.

use clap::builder::PossibleValue;
use clap::{Arg, ArgAction, ArgMatches, ValueEnum, value_parser};

use crate::commands::export::Format as ExportFormat;
use crate::commands::graph::Format as GraphFormat;
use crate::commands::setup_envs::Modes;
use crate::commands::test_all::NoTestsRun;
use crate::commands::{Format, Selection};
use crate::lock::Upgrade;
use crate::report::{Color, Verbosity};

// The typed command line: what `parse` returns. Each field is the option of its name, whose
// help is in the builder of its command below.

#[derive(Debug)]
pub struct Cli {
    pub command: Option<Command>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Lock(LockArgs),
    Check,
    UpdateBase(UpdateBaseArgs),
    SetupEnvs(SetupEnvsArgs),
    TestAll(TestAllArgs),
    Test(TestArgs),
    Run(crate::commands::run::Options),
    Add(crate::commands::add::AddOptions),
    Remove(crate::commands::add::RemoveOptions),
    New(crate::commands::new::Options),
    Status(crate::commands::status::Options),
    Doctor(crate::commands::doctor::Options),
    Envrc(crate::commands::envrc::Options),
    Clean(crate::commands::clean::Options),
    CiMatrix(CiMatrixArgs),
    Export(ExportArgs),
    Affected(AffectedArgs),
    Explain(crate::commands::explain::Options),
    Graph(GraphArgs),
    Init(InitArgs),
    Completions(CompletionsArgs),
}

/// `-j N`: how many jobs at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jobs {
    pub jobs: Option<usize>,
}

impl Jobs {
    pub fn get(&self) -> usize {
        self.jobs.unwrap_or_else(crate::commands::default_jobs)
    }
}

/// `--upgrade`, `--upgrade-package PKG`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpgradeArgs {
    pub upgrade: bool,
    pub upgrade_package: Vec<String>,
}

impl UpgradeArgs {
    pub fn get(&self) -> Upgrade {
        Upgrade { all: self.upgrade, packages: self.upgrade_package.clone() }
    }
}

#[derive(Debug, Clone)]
pub struct LockArgs {
    pub check: bool,
    pub locked: bool,
    pub frozen: bool,
    pub offline: bool,
    pub upgrade: UpgradeArgs,
    pub projects: Vec<String>,
    pub jobs: Jobs,
}

#[derive(Debug, Clone)]
pub struct UpdateBaseArgs {
    pub upgrade: UpgradeArgs,
    pub no_sync: bool,
    pub offline: bool,
    pub jobs: Jobs,
}

#[derive(Debug, Clone)]
pub struct SetupEnvsArgs {
    pub projects: Vec<String>,
    pub modes: Modes,
    pub jobs: Jobs,
}

/// The projects of `test-all` and `ci-matrix`: named (`names` as arguments, `projects` by
/// `-p`), or the affected ones.
#[derive(Debug, Clone, Default)]
pub struct SelectArgs {
    pub names: Vec<String>,
    pub projects: Vec<String>,
    pub affected: bool,
    pub since: Option<String>,
}

impl SelectArgs {
    pub fn selection(&self, shard: Option<(usize, usize)>) -> Selection {
        Selection {
            projects: self.names.iter().chain(&self.projects).cloned().collect(),
            // --since alone means --affected: there is nothing else to compare for.
            affected: self.affected || self.since.is_some(),
            since: self.since.clone(),
            shard,
        }
    }
}

/// `--message-format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MessageFormat {
    #[default]
    Human,
    /// One JSON object per event on stdout.
    Json,
}

#[derive(Debug, Clone)]
pub struct TestAllArgs {
    pub select: SelectArgs,
    pub shard: Option<(usize, usize)>,
    pub keep_going: bool,
    pub timeout: Option<u64>,
    pub no_cache: bool,
    pub verify_cache: bool,
    pub no_speculate: bool,
    pub no_remote_cache: bool,
    pub remote_cache_read_only: bool,
    pub no_tests: NoTestsRun,
    pub junit: Option<String>,
    pub message_format: MessageFormat,
    pub color: Color,
    pub verbose: bool,
    pub quiet: bool,
    pub modes: Modes,
    pub jobs: Jobs,
    pub pytest_args: Vec<String>,
}

impl TestAllArgs {
    pub fn verbosity(&self) -> Verbosity {
        if self.verbose {
            Verbosity::Verbose
        } else if self.quiet {
            Verbosity::Quiet
        } else {
            Verbosity::Normal
        }
    }
}

#[derive(Debug, Clone)]
pub struct TestArgs {
    pub project: Option<String>,
    pub modes: Modes,
    pub pytest_args: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CiMatrixArgs {
    pub shards: usize,
    pub write_durations: bool,
    pub select: SelectArgs,
}

#[derive(Debug, Clone)]
pub struct ExportArgs {
    pub project: String,
    pub format: ExportFormat,
    pub output: Option<String>,
    pub modes: Modes,
}

#[derive(Debug, Clone)]
pub struct AffectedArgs {
    pub since: Option<String>,
}

#[derive(Debug, Clone)]
pub struct GraphArgs {
    pub format: GraphFormat,
}

#[derive(Debug, Clone)]
pub struct InitArgs {
    pub force: bool,
    pub check: bool,
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

/// The whole command line, as clap describes it. An option's id is its long name (a
/// positional's, its field's); `typed` reads them by those.
pub fn command() -> clap::Command {
    clap::Command::new("xtask")
        .bin_name("cargo xtask")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Build orchestrator for the Python projects of this monorepo: locks, venvs, tests.")
        .after_help(
            "A PROJECT is a member's folder name, its package name, or its folder's path. \
             -j defaults to the number of CPUs. `cargo xtask help <command>` shows a command's \
             options and an example.",
        )
        .max_term_width(100)
        .subcommands([
            lock(),
            check(),
            update_base(),
            setup_envs(),
            test_all(),
            test(),
            run(),
            add(),
            remove(),
            new(),
            status(),
            doctor(),
            envrc(),
            clean(),
            ci_matrix(),
            export(),
            affected(),
            explain(),
            graph(),
            init(),
            completions(),
        ])
}

fn lock() -> clap::Command {
    described(
        "lock",
        "Compile every stale lock\n\n\
         Base, then layers, then one per env. Existing pins are kept unless an upgrade asks; -p \
         limits it to projects or layers (and what they need).",
    )
    .after_help(
        "Examples:\n  cargo xtask lock\n  cargo xtask lock --upgrade-package numpy -p scoring\n  \
         cargo xtask lock --check\n  cargo xtask lock --locked",
    )
    .arg(
        switch("check", "Write nothing: exit 1 if any lock is stale (what `check` does, with the venvs)")
            .conflicts_with_all(["upgrade", "upgrade-package", "project"]),
    )
    .arg(switch("locked", "Write nothing: exit 1 naming each lock (of -p's scope) that `lock` would write"))
    .arg(switch("frozen", "Refused: `lock --frozen` would lock nothing (see --locked)").hide(true))
    .arg(switch("offline", "No network: uv resolves from its cache and the find-links folders only"))
    .args(upgrade_args())
    .arg(project_option("NAME", "Only these projects or layers (and what they need)"))
    .arg(jobs_option())
}

fn check() -> clap::Command {
    described(
        "check",
        "Check locks and venvs, offline\n\n\
         Every lock fresh, layer pins aligned in every lock, every venv matching its lock. Exit 1 on any \
         finding.",
    )
    .after_help("Example:\n  cargo xtask check")
}

fn update_base() -> clap::Command {
    described(
        "update-base",
        "Re-lock base and everything on it, then resync\n\n\
         After editing base.in: prints what moved, then syncs every venv.",
    )
    .after_help("Examples:\n  cargo xtask update-base\n  cargo xtask update-base --upgrade-package pytest")
    .args(upgrade_args())
    .arg(switch("no-sync", "Re-lock only: leave the venvs as they are"))
    .arg(switch("offline", "No network: uv resolves and installs from its cache and the find-links folders only"))
    .arg(jobs_option())
}

fn setup_envs() -> clap::Command {
    described(
        "setup-envs",
        "Create or sync every venv exactly to its lock\n\n\
         Locks first where needed (--locked: fails instead; --frozen: uses the locks as they are); skips \
         fresh ones.",
    )
    .after_help(
        "Examples:\n  cargo xtask setup-envs\n  cargo xtask setup-envs -p web -j 2\n  \
         cargo xtask setup-envs --locked --offline",
    )
    .arg(project_option("PROJECT", "Only the envs of these projects"))
    .args(mode_switches())
    .arg(jobs_option())
}

fn test_all() -> clap::Command {
    described(
        "test-all",
        "Run every project's suite in its own venv\n\n\
         Sets up first, then runs every suite (or those named), dependencies first, independent ones in \
         parallel.",
    )
    .after_help(
        "A suite whose inputs are unchanged since it passed is shown `cached` and not run.\n\n\
         Exit codes: 0 passed; 1 a suite failed, crashed or timed out; 2 a usage or environment \
         error; 5 no test ran in any suite (see --no-tests); 129 / 130 / 143 stopped by SIGHUP / \
         SIGINT / SIGTERM.\n\n\
         Examples:\n  cargo xtask test-all\n  cargo xtask test-all --affected --junit report.xml\n  \
         cargo xtask test-all --locked --keep-going\n  cargo xtask test-all web model -- -k slow",
    )
    .args(select_args())
    .arg(option("shard", "K/N").value_parser(shard).help("Only shard K of N (as `ci-matrix` splits them)"))
    .arg(switch("keep-going", "Run every suite, dependants of failures included"))
    .arg(
        option("timeout", "SECONDS")
            .value_parser(seconds)
            .help("Stop a suite that runs longer (a project's [tool.monorepo].timeout wins for it)"),
    )
    .arg(switch("no-cache", "Run every suite, even unchanged ones"))
    .arg(
        switch(
            "verify-cache",
            "Also run the suites the cache would skip, and fail where a result differs from the cached one \
             (the input model missed an input)",
        )
        .conflicts_with("no-cache"),
    )
    .arg(switch("no-speculate", "Start a suite only once its dependencies passed"))
    .arg(switch("no-remote-cache", "Do not read or write the remote cache ([monorepo] remote-cache)"))
    .arg(switch("remote-cache-read-only", "Read the remote cache, never write it").conflicts_with("no-remote-cache"))
    .arg(
        option("no-tests", "WHAT")
            .value_parser(value_parser!(NoTestsRun))
            .default_value("fail")
            .help("What a run in which no test ran at all is (fail: exit 5)"),
    )
    .arg(option("junit", "FILE").help("Write one merged JUnit XML, a <testsuite> per project"))
    .arg(option("message-format", "MESSAGE_FORMAT").value_parser(value_parser!(MessageFormat)).default_value("human"))
    .arg(
        option("color", "COLOR")
            .value_parser(value_parser!(Color))
            .default_value("auto")
            .help("Colour (auto: on a terminal, unless NO_COLOR is set)"),
    )
    .arg(switch("verbose", "Every suite's output").short('v').conflicts_with("quiet"))
    .arg(switch("quiet", "Only failures and the summary").short('q'))
    .args(mode_switches())
    .arg(jobs_option())
    .arg(pytest_args("Options for pytest, after `--`"))
}

fn test() -> clap::Command {
    described(
        "test",
        "Run one project's suite, the terminal attached\n\n\
         Sets it up first; --pdb and -s work; the exit code is pytest's.",
    )
    .after_help("Examples:\n  cargo xtask test model -- -x --pdb\n  cd projects/model && cargo xtask test")
    .arg(Arg::new("project").value_name("PROJECT").help("The project (default: the one whose folder you are in)"))
    .args(mode_switches())
    .arg(pytest_args("Options for pytest, after `--`"))
}

fn run() -> clap::Command {
    described(
        "run",
        "Run a command in a project's venv\n\n\
         Sets the env up first, then runs CMD with the venv's scripts first on PATH, VIRTUAL_ENV set, the \
         project's folder as working directory and its .env loaded. The exit code is the command's.",
    )
    .after_help(
        "Examples:\n  cargo xtask run model -- python -c \"import ideas_model\"\n  \
         cargo xtask run web -- ruff check .",
    )
    .arg(Arg::new("project").value_name("PROJECT").required(true).help("The project whose venv runs the command"))
    .arg(positionals("command", "CMD").last(true).required(true).help("The command and its arguments, after `--`"))
    .args(mode_switches())
}

fn add() -> clap::Command {
    described(
        "add",
        "Add requirements to a project or a layer\n\n\
         Edits the project's pyproject.toml (or the layer's .in), keeping everything else byte for byte, \
         then re-locks and syncs what the edit touches. On a resolver failure the file is put back as it \
         was.",
    )
    .after_help(
        "Examples:\n  cargo xtask add web 'httpx>=0.27'\n  cargo xtask add web pytest-mock --group test\n  \
         cargo xtask add --layer base ruff",
    )
    .arg(
        positionals("args", "PROJECT REQ")
            .required(true)
            .help("The project, then the requirements (PEP 508); with --layer, the requirements only"),
    )
    .arg(
        option("group", "GROUP").conflicts_with("layer").help("Into this dependency group instead of the dependencies"),
    )
    .arg(option("layer", "LAYER").help("Into this layer's .in file (base, ...) instead of a project"))
}

fn remove() -> clap::Command {
    described(
        "remove",
        "Remove requirements from a project or a layer\n\n\
         By package name, from the project's pyproject.toml (or the layer's .in); then re-locks and syncs \
         what the edit touches.",
    )
    .after_help("Examples:\n  cargo xtask remove web httpx\n  cargo xtask remove web pytest-mock --group test")
    .arg(
        positionals("args", "PROJECT PKG")
            .required(true)
            .help("The project, then the package names; with --layer, the names only"),
    )
    .arg(
        option("group", "GROUP").conflicts_with("layer").help("From this dependency group instead of the dependencies"),
    )
    .arg(option("layer", "LAYER").help("From this layer's .in file instead of a project"))
}

fn new() -> clap::Command {
    described(
        "new",
        "Create a project\n\n\
         A pyproject, a src/ package and a first passing test, part of the graph at once.",
    )
    .after_help("Example:\n  cargo xtask new billing --depends-on model --layer http")
    .arg(
        Arg::new("name")
            .value_name("NAME")
            .required(true)
            .help("The project's name (its folder's and, prefixed as the others are, its package's)"),
    )
    .arg(option("depends-on", "PROJECT").action(ArgAction::Append).help("A project it depends on (repeatable)"))
    .arg(option("layer", "LAYER").action(ArgAction::Append).help("A layer it opts into (repeatable)"))
}

fn status() -> clap::Command {
    described(
        "status",
        "Show the state of every env\n\n\
         Per env: is its lock fresh, is its venv in sync; its Python, package count and size on disk.",
    )
    .after_help("Examples:\n  cargo xtask status\n  cargo xtask status --format json")
    .arg(format_option())
}

fn doctor() -> clap::Command {
    described(
        "doctor",
        "Check what this machine and repository need\n\n\
         A line per check: ok, or the command that fixes it. Exit 1 if any fails.",
    )
    .after_help("Example:\n  cargo xtask doctor")
}

fn envrc() -> clap::Command {
    described(
        "envrc",
        "Write direnv and editor files for every project\n\n\
         A direnv .envrc in each project (activates its venv, loads its .env, watches its lock) and a VS \
         Code workspace with each folder and its interpreter. Never overwrites a file it did not write.",
    )
    .after_help("Examples:\n  cargo xtask envrc\n  cargo xtask envrc --check")
    .arg(switch("check", "Write nothing: exit 1 if a file is missing or differs"))
}

fn clean() -> clap::Command {
    described(
        "clean",
        "Remove venvs the xtask made\n\n\
         Those of the named projects, or all; with --stale only those of envs that no longer exist, and \
         leftovers of interrupted runs. Refuses anything without its marker.",
    )
    .after_help("Examples:\n  cargo xtask clean --stale\n  cargo xtask clean web")
    .arg(
        switch("stale", "Only venvs of envs that no longer exist, and leftovers of interrupted runs")
            .conflicts_with("projects"),
    )
    .arg(positionals("projects", "PROJECT").help("Only the venvs of these projects"))
}

fn ci_matrix() -> clap::Command {
    described(
        "ci-matrix",
        "Print a GitHub Actions matrix of N shards\n\n\
         JSON, splitting the projects into N shards balanced by recorded durations.",
    )
    .after_help("Example:\n  cargo xtask ci-matrix --shards 3 --affected")
    .arg(option("shards", "N").value_parser(at_least_one).required(true).help("How many shards"))
    .arg(switch(
        "write-durations",
        "First write this machine's recorded durations to _meta/test-durations.json (commit it)",
    ))
    .args(select_args())
}

fn export() -> clap::Command {
    described("export", "Write a project's resolution for use outside the repository")
        .after_help("Example:\n  cargo xtask export web --format pylock -o pylock.toml")
        .arg(Arg::new("project").value_name("PROJECT").required(true))
        .arg(option("format", "FORMAT").value_parser(value_parser!(ExportFormat)).default_value("requirements"))
        .arg(option("output", "FILE").short('o').help("Write here instead of stdout"))
        .args(mode_switches())
}

fn affected() -> clap::Command {
    described(
        "affected",
        "List the projects a change touches\n\n\
         Those touched by the changes since the merge base of REF and HEAD (uncommitted ones included), \
         and their dependants.",
    )
    .after_help(
        "REF defaults to origin/HEAD; in GitHub Actions to origin/$GITHUB_BASE_REF for a pull \
         request, and to the commit before the push for a push.\n\n\
         Example:\n  cargo xtask affected --since origin/main",
    )
    .arg(option("since", "REF").help("Compare with the merge base of REF and HEAD"))
}

fn explain() -> clap::Command {
    described(
        "explain",
        "Say why each suite would run or is cached, and why each lock is stale or fresh\n\n\
         The input items (files, settings, variables, the interpreter, locks, local packages) that changed \
         since the last pass, or since the lock was compiled.",
    )
    .after_help("Examples:\n  cargo xtask explain web\n  cargo xtask explain --format json -- -k slow")
    .arg(positionals("projects", "PROJECT").help("The projects to explain (all when none)"))
    .arg(format_option())
    .arg(pytest_args("The pytest arguments `test-all` would be given (they are an input)"))
}

fn graph() -> clap::Command {
    described("graph", "Print the project graph")
        .after_help("Examples:\n  cargo xtask graph\n  cargo xtask graph --format mermaid")
        .arg(option("format", "FORMAT").value_parser(value_parser!(GraphFormat)).default_value("text"))
}

fn init() -> clap::Command {
    described(
        "init",
        "Adopt this repository: write _meta/monorepo.toml\n\n\
         Finds its units (pyprojects, requirements files, folders of tests), infers their pythonpath from \
         their imports, and writes the config.",
    )
    .after_help("Examples:\n  cargo xtask init\n  cargo xtask init --check")
    .arg(switch("force", "Write over an existing _meta/monorepo.toml").conflicts_with("check"))
    .arg(switch("check", "Write nothing: exit 1 if the config no longer describes the tree"))
    .arg(
        option("exclude", "GLOB")
            .action(ArgAction::Append)
            .help("Adopt no unit in the folders GLOB matches (relative to the root; repeatable)"),
    )
}

fn completions() -> clap::Command {
    described(
        "completions",
        "Print a shell completion script\n\n\
         For the command `xtask`: add `alias xtask='cargo xtask'` to the shell's startup file, and load the \
         script there.",
    )
    .after_help("Example:\n  cargo xtask completions bash > ~/.local/share/bash-completion/completions/xtask")
    .arg(Arg::new("shell").value_name("SHELL").value_parser(value_parser!(clap_complete::Shell)).required(true))
}

/// A command described by `text`: its first paragraph is the summary (the list of commands,
/// `-h`), the whole text what `--help` says.
fn described(name: &'static str, text: &'static str) -> clap::Command {
    let command = clap::Command::new(name);
    match text.split_once("\n\n") {
        Some((summary, _)) => command.about(summary).long_about(text),
        None => command.about(text),
    }
}

/// `--name`: true when given.
fn switch(name: &'static str, help: &'static str) -> Arg {
    Arg::new(name).long(name).action(ArgAction::SetTrue).help(help)
}

/// `--name VALUE`: the last one given (`ArgAction::Append`: each one given).
fn option(name: &'static str, value_name: &'static str) -> Arg {
    Arg::new(name).long(name).value_name(value_name)
}

/// Arguments (not options): as many as given.
fn positionals(id: &'static str, value_name: &'static str) -> Arg {
    Arg::new(id).value_name(value_name).num_args(1..).action(ArgAction::Append)
}

/// What comes after `--`, for pytest.
fn pytest_args(help: &'static str) -> Arg {
    positionals("pytest_args", "PYTEST_ARGS").last(true).help(help)
}

fn jobs_option() -> Arg {
    option("jobs", "N").short('j').value_parser(at_least_one).help("Jobs at once (default: the number of CPUs)")
}

/// `-p NAME`, repeatable.
fn project_option(value_name: &'static str, help: &'static str) -> Arg {
    option("project", value_name).short('p').action(ArgAction::Append).help(help)
}

/// `--format` of the commands that print a report.
fn format_option() -> Arg {
    option("format", "FORMAT").value_parser(value_parser!(Format)).default_value("text")
}

fn upgrade_args() -> [Arg; 2] {
    [
        switch("upgrade", "Every package to its latest allowed version"),
        option("upgrade-package", "PKG")
            .action(ArgAction::Append)
            .help("This package to its latest allowed version (repeatable)"),
    ]
}

/// `--locked`, `--frozen`, `--offline`: [`Modes`].
fn mode_switches() -> [Arg; 3] {
    [
        switch(
            "locked",
            "Fail, naming each lock, if any lock is not up to date, instead of compiling it (CI: test only \
             what was committed)",
        ),
        switch("frozen", "Use the locks as they are, even stale; never compile one (a missing one is an error)"),
        switch("offline", "No network: uv uses its cache and the find-links folders only"),
    ]
}

/// [`SelectArgs`].
fn select_args() -> [Arg; 4] {
    [
        positionals("names", "PROJECT")
            .conflicts_with_all(["affected", "since"])
            .help("Projects to run (default: all)"),
        project_option("NAME", "Select a project (also by its folder: projects/web)")
            .conflicts_with_all(["affected", "since"]),
        switch("affected", "Only the projects `affected` lists"),
        option("since", "REF").help("Affected since REF (implies --affected)"),
    ]
}

/// What clap matched, as the typed [`Cli`]: the one place that reads [`ArgMatches`].
fn typed(matches: &ArgMatches) -> Cli {
    let Some((name, m)) = matches.subcommand() else { return Cli { command: None } };
    let flag = |id: &str| m.get_flag(id);
    let string = |id: &str| m.get_one::<String>(id).cloned();
    let strings = |id: &str| m.get_many::<String>(id).into_iter().flatten().cloned().collect::<Vec<_>>();
    let jobs = || Jobs { jobs: m.get_one::<usize>("jobs").copied() };
    let modes = || Modes { locked: flag("locked"), frozen: flag("frozen"), offline: flag("offline") };
    let upgrade = || UpgradeArgs { upgrade: flag("upgrade"), upgrade_package: strings("upgrade-package") };
    let select = || SelectArgs {
        names: strings("names"),
        projects: strings("project"),
        affected: flag("affected"),
        since: string("since"),
    };
    let command = match name {
        "lock" => Command::Lock(LockArgs {
            check: flag("check"),
            locked: flag("locked"),
            frozen: flag("frozen"),
            offline: flag("offline"),
            upgrade: upgrade(),
            projects: strings("project"),
            jobs: jobs(),
        }),
        "check" => Command::Check,
        "update-base" => Command::UpdateBase(UpdateBaseArgs {
            upgrade: upgrade(),
            no_sync: flag("no-sync"),
            offline: flag("offline"),
            jobs: jobs(),
        }),
        "setup-envs" => {
            Command::SetupEnvs(SetupEnvsArgs { projects: strings("project"), modes: modes(), jobs: jobs() })
        }
        "test-all" => Command::TestAll(TestAllArgs {
            select: select(),
            shard: m.get_one::<(usize, usize)>("shard").copied(),
            keep_going: flag("keep-going"),
            timeout: m.get_one::<u64>("timeout").copied(),
            no_cache: flag("no-cache"),
            verify_cache: flag("verify-cache"),
            no_speculate: flag("no-speculate"),
            no_remote_cache: flag("no-remote-cache"),
            remote_cache_read_only: flag("remote-cache-read-only"),
            no_tests: one(m, "no-tests"),
            junit: string("junit"),
            message_format: one(m, "message-format"),
            color: one(m, "color"),
            verbose: flag("verbose"),
            quiet: flag("quiet"),
            modes: modes(),
            jobs: jobs(),
            pytest_args: strings("pytest_args"),
        }),
        "test" => {
            Command::Test(TestArgs { project: string("project"), modes: modes(), pytest_args: strings("pytest_args") })
        }
        "run" => Command::Run(crate::commands::run::Options {
            project: one(m, "project"),
            command: strings("command"),
            modes: modes(),
        }),
        "add" => Command::Add(crate::commands::add::AddOptions {
            args: strings("args"),
            group: string("group"),
            layer: string("layer"),
        }),
        "remove" => Command::Remove(crate::commands::add::RemoveOptions {
            args: strings("args"),
            group: string("group"),
            layer: string("layer"),
        }),
        "new" => Command::New(crate::commands::new::Options {
            name: one(m, "name"),
            depends_on: strings("depends-on"),
            layers: strings("layer"),
        }),
        "status" => Command::Status(crate::commands::status::Options { format: one(m, "format") }),
        "doctor" => Command::Doctor(crate::commands::doctor::Options {}),
        "envrc" => Command::Envrc(crate::commands::envrc::Options { check: flag("check") }),
        "clean" => {
            Command::Clean(crate::commands::clean::Options { stale: flag("stale"), projects: strings("projects") })
        }
        "ci-matrix" => Command::CiMatrix(CiMatrixArgs {
            shards: one(m, "shards"),
            write_durations: flag("write-durations"),
            select: select(),
        }),
        "export" => Command::Export(ExportArgs {
            project: one(m, "project"),
            format: one(m, "format"),
            output: string("output"),
            modes: modes(),
        }),
        "affected" => Command::Affected(AffectedArgs { since: string("since") }),
        "explain" => Command::Explain(crate::commands::explain::Options {
            projects: strings("projects"),
            format: one(m, "format"),
            pytest_args: strings("pytest_args"),
        }),
        "graph" => Command::Graph(GraphArgs { format: one(m, "format") }),
        "init" => Command::Init(InitArgs { force: flag("force"), check: flag("check"), exclude: strings("exclude") }),
        "completions" => Command::Completions(CompletionsArgs { shell: one(m, "shell") }),
        _ => unreachable!("`{name}` is a command `command()` does not describe"),
    };
    Cli { command: Some(command) }
}

/// The value of an option clap always has one for: it is required, or has a default.
fn one<T: Clone + Send + Sync + 'static>(m: &ArgMatches, id: &str) -> T {
    m.get_one::<T>(id).cloned().unwrap_or_else(|| panic!("`{id}` is required or has a default"))
}

/// Parses the command line (without the program name). Help and version are errors of the
/// kind `DisplayHelp` / `DisplayVersion`, which `main` prints and exits 0 for.
pub fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Cli, clap::Error> {
    let matches = command().try_get_matches_from(std::iter::once("xtask".into()).chain(args))?;
    Ok(typed(&matches))
}

/// The help of the whole command line, as `cargo xtask help` prints it.
pub fn help() -> String {
    command().render_help().to_string() + "\n"
}

/// The names of the commands, as typed.
pub fn command_names() -> Vec<String> {
    command().get_subcommands().map(|c| c.get_name().to_owned()).collect()
}

/// Writes the completion script for `shell` to stdout, for the command `xtask`.
pub fn write_completions(shell: clap_complete::Shell) {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "xtask", &mut out);
    crate::ui::out(&String::from_utf8_lossy(&out));
}

/// The values of an enum option, as typed, with their help in `--help` where they have one.
/// (What `#[derive(clap::ValueEnum)]` would write; the derive is a proc macro.)
macro_rules! value_enum {
    ($type:ty { $($variant:ident => $name:literal $(: $help:literal)?),+ $(,)? }) => {
        impl ValueEnum for $type {
            fn value_variants<'a>() -> &'a [Self] {
                &[$(Self::$variant),+]
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(match self {
                    $(Self::$variant => PossibleValue::new($name)$(.help($help))?,)+
                })
            }
        }
    };
}

value_enum!(Format { Text => "text", Json => "json" });
value_enum!(GraphFormat {
    Text => "text",
    Dot => "dot": "Graphviz",
    Mermaid => "mermaid": "A Mermaid flowchart (renders in GitHub Markdown)",
    Json => "json",
});
value_enum!(ExportFormat {
    Requirements => "requirements": "The lock's pins as a plain requirements file, without the monorepo's local projects",
    Pylock => "pylock": "PEP 751 `pylock.toml`, written by uv from the same inputs and pins",
});
value_enum!(NoTestsRun {
    Fail => "fail": "Exit 5, pytest's own code for it",
    Warn => "warn": "A warning, exit 0",
    Pass => "pass": "Exit 0",
});
value_enum!(MessageFormat { Human => "human", Json => "json": "One JSON object per event on stdout" });
value_enum!(Color { Auto => "auto", Always => "always", Never => "never" });

fn at_least_one(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err("a whole number (at least 1) is expected".to_owned()),
    }
}

fn seconds(value: &str) -> Result<u64, String> {
    value.parse::<u64>().ok().filter(|&s| s > 0).ok_or_else(|| "whole seconds (at least 1) are expected".to_owned())
}

fn shard(value: &str) -> Result<(usize, usize), String> {
    crate::shard::parse_shard(value).map_err(|err| {
        let hint = crate::error::hint_of(&err).map(|h| format!("; {h}")).unwrap_or_default();
        format!("{err}{hint}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, clap::Error> {
        parse(args.iter().map(Into::into)).map(|cli| cli.command.expect("a command"))
    }

    fn error(args: &[&str]) -> String {
        parse_strs(args).unwrap_err().to_string()
    }

    #[test]
    fn the_description_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn parses_each_command() {
        assert!(parse(Vec::new()).unwrap().command.is_none(), "no command: the help");
        let Command::Lock(lock) = parse_strs(&["lock", "--upgrade-package", "numpy", "-p", "web"]).unwrap() else {
            panic!()
        };
        assert_eq!(lock.upgrade.get(), Upgrade { all: false, packages: vec!["numpy".into()] });
        assert_eq!(lock.projects, ["web"]);
        let Command::SetupEnvs(setup) =
            parse_strs(&["setup-envs", "-p", "web", "--project", "model", "-j", "3"]).unwrap()
        else {
            panic!()
        };
        assert_eq!((setup.projects, setup.jobs.jobs), (vec!["web".to_owned(), "model".to_owned()], Some(3)));
        let Command::Export(export) = parse_strs(&["export", "web", "--format", "pylock", "-o", "x.toml"]).unwrap()
        else {
            panic!()
        };
        assert_eq!((export.format, export.output.as_deref()), (ExportFormat::Pylock, Some("x.toml")));
        let Command::Graph(graph) = parse_strs(&["graph", "--format", "mermaid"]).unwrap() else { panic!() };
        assert_eq!(graph.format, GraphFormat::Mermaid);
    }

    #[test]
    fn test_all_takes_projects_shards_reporters_and_pytest_args() {
        let Command::TestAll(args) = parse_strs(&[
            "test-all",
            "web",
            "-p",
            "model",
            "--shard",
            "2/3",
            "--message-format",
            "json",
            "--color",
            "never",
            "-q",
            "--timeout",
            "60",
            "--keep-going",
            "-j",
            "2",
            "--",
            "-k",
            "slow",
            "--",
            "-x",
        ])
        .unwrap() else {
            panic!("not test-all")
        };
        assert_eq!(args.select.selection(args.shard).projects, ["web", "model"]);
        assert_eq!(args.shard, Some((2, 3)));
        assert_eq!(
            (args.message_format, args.color, args.verbosity()),
            (MessageFormat::Json, Color::Never, Verbosity::Quiet)
        );
        assert_eq!((args.timeout, args.keep_going, args.jobs.jobs), (Some(60), true, Some(2)));
        assert_eq!(args.pytest_args, ["-k", "slow", "--", "-x"]);
        let Command::TestAll(since) = parse_strs(&["test-all", "--since", "v1"]).unwrap() else { panic!() };
        assert!(since.select.selection(None).affected, "--since implies --affected");
    }

    #[test]
    fn the_commands_that_lock_or_sync_take_the_ci_modes() {
        let modes = |locked, frozen, offline| Modes { locked, frozen, offline };
        let Command::SetupEnvs(setup) = parse_strs(&["setup-envs", "--locked", "--offline"]).unwrap() else { panic!() };
        assert_eq!(setup.modes, modes(true, false, true));
        let Command::TestAll(all) = parse_strs(&["test-all", "web", "--frozen", "--", "-x"]).unwrap() else { panic!() };
        assert_eq!((all.modes, all.pytest_args), (modes(false, true, false), vec!["-x".to_owned()]));
        let Command::Test(test) = parse_strs(&["test", "web", "--locked"]).unwrap() else { panic!() };
        assert_eq!(test.modes, modes(true, false, false));
        let Command::Run(run) = parse_strs(&["run", "web", "--offline", "--", "python", "--locked"]).unwrap() else {
            panic!()
        };
        assert_eq!((run.modes, run.command.len()), (modes(false, false, true), 2), "after `--`, the command's");
        let Command::Export(export) = parse_strs(&["export", "web", "--frozen"]).unwrap() else { panic!() };
        assert_eq!(export.modes, modes(false, true, false));
        let Command::Lock(lock) = parse_strs(&["lock", "--locked", "-p", "web", "--offline"]).unwrap() else {
            panic!()
        };
        assert!(lock.locked && lock.offline && !lock.frozen);
        let Command::UpdateBase(base) = parse_strs(&["update-base", "--offline"]).unwrap() else { panic!() };
        assert!(base.offline);
        assert!(
            parse_strs(&["update-base", "--locked"]).is_err(),
            "update-base re-locks: --locked means nothing there"
        );
        assert!(parse_strs(&["graph", "--offline"]).is_err());
    }

    /// `typed` reads each option by the id its builder gave: every option of the commands
    /// the tests above leave out, each given, comes out in its field.
    #[test]
    fn every_option_reaches_its_field() {
        for (line, expected) in [
            (
                "add web httpx --group test",
                r#"Add(AddOptions { args: ["web", "httpx"], group: Some("test"), layer: None })"#,
            ),
            (
                "remove --layer base ruff",
                r#"Remove(RemoveOptions { args: ["ruff"], group: None, layer: Some("base") })"#,
            ),
            (
                "new billing --depends-on model --layer http --layer db",
                r#"New(Options { name: "billing", depends_on: ["model"], layers: ["http", "db"] })"#,
            ),
            ("status --format json", "Status(Options { format: Json })"),
            ("doctor", "Doctor(Options)"),
            ("envrc --check", "Envrc(Options { check: true })"),
            ("clean --stale", r#"Clean(Options { stale: true, projects: [] })"#),
            ("clean web model", r#"Clean(Options { stale: false, projects: ["web", "model"] })"#),
            (
                "ci-matrix --shards 3 --write-durations --since v1",
                r#"CiMatrix(CiMatrixArgs { shards: 3, write_durations: true, select: SelectArgs { names: [], projects: [], affected: false, since: Some("v1") } })"#,
            ),
            ("affected --since origin/main", r#"Affected(AffectedArgs { since: Some("origin/main") })"#),
            (
                "explain web --format json -- -k slow",
                r#"Explain(Options { projects: ["web"], format: Json, pytest_args: ["-k", "slow"] })"#,
            ),
            (
                "init --force --exclude a --exclude b",
                r#"Init(InitArgs { force: true, check: false, exclude: ["a", "b"] })"#,
            ),
            ("completions zsh", "Completions(CompletionsArgs { shell: Zsh })"),
            (
                "update-base --upgrade --no-sync --offline -j 2",
                "UpdateBase(UpdateBaseArgs { upgrade: UpgradeArgs { upgrade: true, upgrade_package: [] }, no_sync: true, offline: true, jobs: Jobs { jobs: Some(2) } })",
            ),
            (
                "test-all --affected --verify-cache --no-speculate --remote-cache-read-only --no-tests warn --junit r.xml -v",
                "TestAll(TestAllArgs { select: SelectArgs { names: [], projects: [], affected: true, since: None }, \
                 shard: None, keep_going: false, timeout: None, no_cache: false, verify_cache: true, no_speculate: true, \
                 no_remote_cache: false, remote_cache_read_only: true, no_tests: Warn, junit: Some(\"r.xml\"), \
                 message_format: Human, color: Auto, verbose: true, quiet: false, \
                 modes: Modes { locked: false, frozen: false, offline: false }, jobs: Jobs { jobs: None }, pytest_args: [] })",
            ),
        ] {
            let command = parse_strs(&line.split(' ').collect::<Vec<_>>()).unwrap();
            assert_eq!(format!("{command:?}"), expected, "{line}");
        }
        let Command::TestAll(all) = parse_strs(&["test-all", "--no-cache", "--no-remote-cache"]).unwrap() else {
            panic!()
        };
        assert!(all.no_cache && all.no_remote_cache);
    }

    #[test]
    fn bad_usage_is_named_with_its_flag_or_a_suggestion() {
        assert!(error(&["tset-all"]).contains("'test-all'"), "{}", error(&["tset-all"]));
        assert!(error(&["test-all", "--kep-going"]).contains("--keep-going"));
        let jobs = error(&["lock", "-j", "abc"]);
        assert!(jobs.contains("invalid value 'abc' for '--jobs <N>'"), "{jobs}");
        assert!(error(&["setup-envs", "-j", "0"]).contains("must be at least 1"));
        assert!(error(&["lock", "--check", "--upgrade"]).contains("cannot be used with"));
        assert!(error(&["init", "--check", "--force"]).contains("cannot be used with"));
        assert!(error(&["test-all", "--affected", "web"]).contains("cannot be used with"));
        assert!(error(&["ci-matrix"]).contains("--shards <N>"));
        assert!(error(&["test-all", "--shard", "4/3"]).contains("--shard"));
        assert!(error(&["graph", "--format", "svg"]).contains("mermaid"), "the values are listed");
        assert!(parse_strs(&["lock", "--", "-x"]).is_err(), "only test and test-all take pytest arguments");
        assert!(parse_strs(&["export"]).is_err());
    }

    #[test]
    fn every_command_has_help_with_an_example() {
        for sub in command().get_subcommands_mut() {
            let help = sub.render_long_help().to_string();
            assert!(help.contains("Example"), "`{}` has no example:\n{help}", sub.get_name());
        }
    }
}
