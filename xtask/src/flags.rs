//! The command line, described once: clap derives the parser, every command's `--help`
//! (with its example), `help <command>`, `--version`, the "did you mean" for commands and
//! flags, and the shell completions from these types. Values are checked here, so a bad
//! one is named with its flag (`invalid value 'abc' for '--jobs <N>'`).

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::Selection;
use crate::commands::export::Format as ExportFormat;
use crate::commands::graph::Format as GraphFormat;
use crate::commands::setup_envs::Modes;
use crate::commands::test_all::NoTestsRun;
use crate::lock::Upgrade;
use crate::report::{Color, Verbosity};

#[derive(Debug, Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    version,
    about = "Build orchestrator for the Python projects of this monorepo: locks, venvs, tests.",
    after_help = "A PROJECT is a member's folder name, its package name, or its folder's path. \
                  -j defaults to the number of CPUs. `cargo xtask help <command>` shows a command's \
                  options and an example.",
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Compile every stale lock
    ///
    /// Base, then layers, then one per env. Existing pins are kept unless an upgrade asks;
    /// -p limits it to projects or layers (and what they need).
    #[command(after_help = "Examples:\n  cargo xtask lock\n  cargo xtask lock --upgrade-package numpy -p scoring\n  \
                            cargo xtask lock --check\n  cargo xtask lock --locked")]
    Lock(LockArgs),
    /// Check locks and venvs, offline
    ///
    /// Every lock fresh, layer pins aligned in every lock, every venv matching its lock.
    /// Exit 1 on any finding.
    #[command(after_help = "Example:\n  cargo xtask check")]
    Check,
    /// Re-lock base and everything on it, then resync
    ///
    /// After editing base.in: prints what moved, then syncs every venv.
    #[command(after_help = "Examples:\n  cargo xtask update-base\n  cargo xtask update-base --upgrade-package pytest")]
    UpdateBase(UpdateBaseArgs),
    /// Create or sync every venv exactly to its lock
    ///
    /// Locks first where needed (--locked: fails instead; --frozen: uses the locks as they
    /// are); skips fresh ones.
    #[command(after_help = "Examples:\n  cargo xtask setup-envs\n  cargo xtask setup-envs -p web -j 2\n  \
                      cargo xtask setup-envs --locked --offline")]
    SetupEnvs(SetupEnvsArgs),
    /// Run every project's suite in its own venv
    ///
    /// Sets up first, then runs every suite (or those named), dependencies first,
    /// independent ones in parallel.
    #[command(after_help = "A suite whose inputs are unchanged since it passed is shown `cached` and not run.\n\n\
                            Exit codes: 0 passed; 1 a suite failed, crashed or timed out; 2 a usage or environment \
                            error; 5 no test ran in any suite (see --no-tests); 129 / 130 / 143 stopped by SIGHUP / \
                            SIGINT / SIGTERM.\n\n\
                            Examples:\n  cargo xtask test-all\n  cargo xtask test-all --affected --junit report.xml\n  \
                            cargo xtask test-all --locked --keep-going\n  cargo xtask test-all web model -- -k slow")]
    TestAll(TestAllArgs),
    /// Run one project's suite, the terminal attached
    ///
    /// Sets it up first; --pdb and -s work; the exit code is pytest's.
    #[command(after_help = "Examples:\n  cargo xtask test model -- -x --pdb\n  cd projects/model && cargo xtask test")]
    Test(TestArgs),
    /// Run a command in a project's venv
    ///
    /// Sets the env up first, then runs CMD with the venv's scripts first on PATH,
    /// VIRTUAL_ENV set, the project's folder as working directory and its .env loaded. The
    /// exit code is the command's.
    #[command(after_help = "Examples:\n  cargo xtask run model -- python -c \"import ideas_model\"\n  \
                            cargo xtask run web -- ruff check .")]
    Run(crate::commands::run::Options),
    /// Add requirements to a project or a layer
    ///
    /// Edits the project's pyproject.toml (or the layer's .in), keeping everything else
    /// byte for byte, then re-locks and syncs what the edit touches. On a resolver failure
    /// the file is put back as it was.
    #[command(
        after_help = "Examples:\n  cargo xtask add web 'httpx>=0.27'\n  cargo xtask add web pytest-mock --group test\n  \
                            cargo xtask add --layer base ruff"
    )]
    Add(crate::commands::add::AddOptions),
    /// Remove requirements from a project or a layer
    ///
    /// By package name, from the project's pyproject.toml (or the layer's .in); then
    /// re-locks and syncs what the edit touches.
    #[command(
        after_help = "Examples:\n  cargo xtask remove web httpx\n  cargo xtask remove web pytest-mock --group test"
    )]
    Remove(crate::commands::add::RemoveOptions),
    /// Create a project
    ///
    /// A pyproject, a src/ package and a first passing test, part of the graph at once.
    #[command(after_help = "Example:\n  cargo xtask new billing --depends-on model --layer http")]
    New(crate::commands::new::Options),
    /// Show the state of every env
    ///
    /// Per env: is its lock fresh, is its venv in sync; its Python, package count and
    /// size on disk.
    #[command(after_help = "Examples:\n  cargo xtask status\n  cargo xtask status --format json")]
    Status(crate::commands::status::Options),
    /// Check what this machine and repository need
    ///
    /// A line per check: ok, or the command that fixes it. Exit 1 if any fails.
    #[command(after_help = "Example:\n  cargo xtask doctor")]
    Doctor(crate::commands::doctor::Options),
    /// Write direnv and editor files for every project
    ///
    /// A direnv .envrc in each project (activates its venv, loads its .env, watches its
    /// lock) and a VS Code workspace with each folder and its interpreter. Never
    /// overwrites a file it did not write.
    #[command(after_help = "Examples:\n  cargo xtask envrc\n  cargo xtask envrc --check")]
    Envrc(crate::commands::envrc::Options),
    /// Remove venvs the xtask made
    ///
    /// Those of the named projects, or all; with --stale only those of envs that no longer
    /// exist, and leftovers of interrupted runs. Refuses anything without its marker.
    #[command(after_help = "Examples:\n  cargo xtask clean --stale\n  cargo xtask clean web")]
    Clean(crate::commands::clean::Options),
    /// Print a GitHub Actions matrix of N shards
    ///
    /// JSON, splitting the projects into N shards balanced by recorded durations.
    #[command(after_help = "Example:\n  cargo xtask ci-matrix --shards 3 --affected")]
    CiMatrix(CiMatrixArgs),
    /// Write a project's resolution for use outside the repository
    #[command(after_help = "Example:\n  cargo xtask export web --format pylock -o pylock.toml")]
    Export(ExportArgs),
    /// List the projects a change touches
    ///
    /// Those touched by the changes since the merge base of REF and HEAD (uncommitted ones
    /// included), and their dependants.
    #[command(after_help = "REF defaults to origin/HEAD; in GitHub Actions to origin/$GITHUB_BASE_REF for a pull \
                            request, and to the commit before the push for a push.\n\n\
                            Example:\n  cargo xtask affected --since origin/main")]
    Affected(AffectedArgs),
    /// Say why each suite would run or is cached, and why each lock is stale or fresh
    ///
    /// The input items (files, settings, variables, the interpreter, locks, local packages)
    /// that changed since the last pass, or since the lock was compiled.
    #[command(after_help = "Examples:\n  cargo xtask explain web\n  cargo xtask explain --format json -- -k slow")]
    Explain(crate::commands::explain::Options),
    /// Print the project graph
    #[command(after_help = "Examples:\n  cargo xtask graph\n  cargo xtask graph --format mermaid")]
    Graph(GraphArgs),
    /// Adopt this repository: write _meta/monorepo.toml
    ///
    /// Finds its units (pyprojects, requirements files, folders of tests), infers their
    /// pythonpath from their imports, and writes the config.
    #[command(after_help = "Examples:\n  cargo xtask init\n  cargo xtask init --check")]
    Init(InitArgs),
    /// Print a shell completion script
    ///
    /// For the command `xtask`: add `alias xtask='cargo xtask'` to the shell's startup
    /// file, and load the script there.
    #[command(
        after_help = "Example:\n  cargo xtask completions bash > ~/.local/share/bash-completion/completions/xtask"
    )]
    Completions(CompletionsArgs),
}

/// `-j N`: how many jobs at once.
#[derive(Debug, Clone, Default, Args, PartialEq, Eq)]
pub struct Jobs {
    /// Jobs at once (default: the number of CPUs)
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = at_least_one)]
    pub jobs: Option<usize>,
}

impl Jobs {
    pub fn get(&self) -> usize {
        self.jobs.unwrap_or_else(crate::commands::default_jobs)
    }
}

#[derive(Debug, Clone, Default, Args, PartialEq, Eq)]
pub struct UpgradeArgs {
    /// Every package to its latest allowed version
    #[arg(long)]
    pub upgrade: bool,
    /// This package to its latest allowed version (repeatable)
    #[arg(long = "upgrade-package", value_name = "PKG")]
    pub upgrade_package: Vec<String>,
}

impl UpgradeArgs {
    pub fn get(&self) -> Upgrade {
        Upgrade { all: self.upgrade, packages: self.upgrade_package.clone() }
    }
}

#[derive(Debug, Clone, Args)]
pub struct LockArgs {
    /// Write nothing: exit 1 if any lock is stale (what `check` does, with the venvs)
    #[arg(long, conflicts_with_all = ["upgrade", "upgrade_package", "projects"])]
    pub check: bool,
    /// Write nothing: exit 1 naming each lock (of -p's scope) that `lock` would write
    #[arg(long)]
    pub locked: bool,
    /// Refused: `lock --frozen` would lock nothing (see --locked)
    #[arg(long, hide = true)]
    pub frozen: bool,
    /// No network: uv resolves from its cache and the find-links folders only
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub upgrade: UpgradeArgs,
    /// Only these projects or layers (and what they need)
    #[arg(short = 'p', long = "project", value_name = "NAME")]
    pub projects: Vec<String>,
    #[command(flatten)]
    pub jobs: Jobs,
}

#[derive(Debug, Clone, Args)]
pub struct UpdateBaseArgs {
    #[command(flatten)]
    pub upgrade: UpgradeArgs,
    /// Re-lock only: leave the venvs as they are
    #[arg(long)]
    pub no_sync: bool,
    /// No network: uv resolves and installs from its cache and the find-links folders only
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub jobs: Jobs,
}

#[derive(Debug, Clone, Args)]
pub struct SetupEnvsArgs {
    /// Only the envs of these projects
    #[arg(short = 'p', long = "project", value_name = "PROJECT")]
    pub projects: Vec<String>,
    #[command(flatten)]
    pub modes: Modes,
    #[command(flatten)]
    pub jobs: Jobs,
}

/// The projects of `test-all` and `ci-matrix`: named, or the affected ones.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectArgs {
    /// Projects to run (default: all)
    #[arg(value_name = "PROJECT", conflicts_with_all = ["affected", "since"])]
    pub names: Vec<String>,
    /// Select a project (also by its folder: projects/web)
    #[arg(short = 'p', long = "project", value_name = "NAME", conflicts_with_all = ["affected", "since"])]
    pub projects: Vec<String>,
    /// Only the projects `affected` lists
    #[arg(long)]
    pub affected: bool,
    /// Affected since REF (implies --affected)
    #[arg(long, value_name = "REF")]
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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    #[default]
    Human,
    /// One JSON object per event on stdout
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct TestAllArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Only shard K of N (as `ci-matrix` splits them)
    #[arg(long, value_name = "K/N", value_parser = shard)]
    pub shard: Option<(usize, usize)>,
    /// Run every suite, dependants of failures included
    #[arg(long)]
    pub keep_going: bool,
    /// Stop a suite that runs longer (a project's [tool.monorepo].timeout wins for it)
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    pub timeout: Option<u64>,
    /// Run every suite, even unchanged ones
    #[arg(long)]
    pub no_cache: bool,
    /// Also run the suites the cache would skip, and fail where a result differs from the
    /// cached one (the input model missed an input)
    #[arg(long, conflicts_with = "no_cache")]
    pub verify_cache: bool,
    /// Start a suite only once its dependencies passed
    #[arg(long)]
    pub no_speculate: bool,
    /// Do not read or write the remote cache ([monorepo] remote-cache)
    #[arg(long)]
    pub no_remote_cache: bool,
    /// Read the remote cache, never write it
    #[arg(long, conflicts_with = "no_remote_cache")]
    pub remote_cache_read_only: bool,
    /// What a run in which no test ran at all is (fail: exit 5)
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = NoTestsRun::Fail)]
    pub no_tests: NoTestsRun,
    /// Write one merged JUnit XML, a <testsuite> per project
    #[arg(long, value_name = "FILE")]
    pub junit: Option<String>,
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// Colour (auto: on a terminal, unless NO_COLOR is set)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Every suite's output
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Only failures and the summary
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub modes: Modes,
    #[command(flatten)]
    pub jobs: Jobs,
    /// Options for pytest, after `--`
    #[arg(last = true, value_name = "PYTEST_ARGS")]
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

#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    /// The project (default: the one whose folder you are in)
    pub project: Option<String>,
    #[command(flatten)]
    pub modes: Modes,
    /// Options for pytest, after `--`
    #[arg(last = true, value_name = "PYTEST_ARGS")]
    pub pytest_args: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CiMatrixArgs {
    /// How many shards
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub shards: usize,
    /// First write this machine's recorded durations to _meta/test-durations.json (commit it)
    #[arg(long)]
    pub write_durations: bool,
    #[command(flatten)]
    pub select: SelectArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    pub project: String,
    #[arg(long, value_enum, default_value_t = ExportFormat::Requirements)]
    pub format: ExportFormat,
    /// Write here instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    #[command(flatten)]
    pub modes: Modes,
}

#[derive(Debug, Clone, Args)]
pub struct AffectedArgs {
    /// Compare with the merge base of REF and HEAD
    #[arg(long, value_name = "REF")]
    pub since: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct GraphArgs {
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Write over an existing _meta/monorepo.toml
    #[arg(long, conflicts_with = "check")]
    pub force: bool,
    /// Write nothing: exit 1 if the config no longer describes the tree
    #[arg(long)]
    pub check: bool,
    /// Adopt no unit in the folders GLOB matches (relative to the root; repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Parses the command line (without the program name). Help and version are errors of the
/// kind `DisplayHelp` / `DisplayVersion`, which `main` prints and exits 0 for.
pub fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("xtask".into()).chain(args))
}

/// The help of the whole command line, as `cargo xtask help` prints it.
pub fn help() -> String {
    use clap::CommandFactory;
    Cli::command().render_help().to_string() + "\n"
}

/// The names of the commands, as typed.
pub fn command_names() -> Vec<String> {
    use clap::CommandFactory;
    Cli::command().get_subcommands().map(|c| c.get_name().to_owned()).collect()
}

/// Writes the completion script for `shell` to stdout, for the command `xtask`.
pub fn completions(shell: clap_complete::Shell) {
    use clap::CommandFactory;
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "xtask", &mut out);
    crate::ui::out(&String::from_utf8_lossy(&out));
}

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
        use clap::CommandFactory;
        Cli::command().debug_assert();
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
        use clap::CommandFactory;
        for sub in Cli::command().get_subcommands_mut() {
            let help = sub.render_long_help().to_string();
            assert!(help.contains("Example"), "`{}` has no example:\n{help}", sub.get_name());
        }
    }
}
