//! The command line: `cargo xtask <command> [options]`, parsed into a [`Command`].

use anyhow::Result;
use lexopt::prelude::*;

use crate::commands::export::Format as ExportFormat;
use crate::error::hinted;
use crate::lock::Upgrade;
use crate::report::{Color, Verbosity};

pub const USAGE: &str = "\
Build orchestrator for the Python projects of this monorepo.

Usage: cargo xtask <command> [options]

Commands:
  lock [--upgrade] [--upgrade-package PKG]... [-p NAME]... [-j N]
                                         Compile every stale lock: base, then layers, then one per
                                         env. Existing pins are kept unless an upgrade asks. -p limits
                                         it to projects or layers (and what they need).
  lock --check, check                    Offline: every lock fresh, layer pins aligned in every lock,
                                         every venv matching its lock. Exit 1 on any finding.
  update-base [--upgrade] [--upgrade-package PKG]... [--no-sync] [-j N]
                                         After editing base.in: re-lock base and everything on it,
                                         print what moved, resync every venv.
  setup-envs [-p PROJECT]... [-j N]      Create or sync each env's venv exactly to its lock
                                         (locking first where needed); skip fresh ones.
  test-all [PROJECT]... [options] [-- PYTEST_ARGS]
                                         Set up, then run every project's pytest suite (or those
                                         named) in its own venv, dependencies first, independent
                                         ones in parallel. A suite whose inputs are unchanged since
                                         it passed is shown `cached` and not run.
      -p, --project NAME                 Select a project (also by its folder: projects/web).
      --affected, --since REF            Only the projects `affected` lists.
      --shard K/N                        Only shard K of N (as `ci-matrix` splits them).
      --keep-going                       Run every suite, dependants of failures included.
      --timeout SECONDS                  Stop a suite that runs longer (a project's
                                         [tool.monorepo].timeout wins for it).
      --no-cache                         Run every suite, even unchanged ones.
      --no-speculate                     Start a suite only once its dependencies passed.
      --junit FILE                       Write one merged JUnit XML, a <testsuite> per project.
      --message-format human|json        json: one JSON object per event on stdout.
      --color auto|always|never          Colour (auto: on a terminal, unless NO_COLOR is set).
      -v, --verbose / -q, --quiet        Every suite's output / only failures and the summary.
      -j N                               Suites at once.
  test [PROJECT] [-- PYTEST_ARGS]        Set up, then run one project's suite with the terminal
                                         attached (--pdb, -s work); its exit code is pytest's.
                                         No PROJECT: the one whose folder you are in.
  ci-matrix --shards N [PROJECT]... [-p NAME]... [--affected] [--since REF]
                                         Print a GitHub Actions matrix (JSON) splitting the
                                         projects into N shards balanced by recorded durations.
  export PROJECT [--format requirements|pylock] [-o FILE]
                                         Write a project's env resolution for use outside the repo.
  affected [--since REF]                 List the projects touched by the changes since the
                                         merge base of REF and HEAD (uncommitted ones included),
                                         and their dependants. REF defaults to origin/HEAD; in
                                         GitHub Actions to origin/$GITHUB_BASE_REF for a pull
                                         request, and to the commit before the push for a push.
  graph [--format text|dot]              Print the project graph.
  init [--force] [--check]               Adopt this repository: find its units (pyprojects,
                                         requirements files, folders of tests), infer their
                                         pythonpath from their imports, and write
                                         _meta/monorepo.toml (--force: over an existing one).
                                         --check writes nothing: exit 1 if the config no longer
                                         describes the tree.
  help                                   Print this help.

A PROJECT is a member's folder name, its package name, or its folder's path. -j defaults to
the number of CPUs. Options for pytest go after `--`.
";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Lock {
        check: bool,
        upgrade: Upgrade,
        names: Vec<String>,
        jobs: Option<usize>,
    },
    Check,
    UpdateBase {
        upgrade: Upgrade,
        no_sync: bool,
        jobs: Option<usize>,
    },
    SetupEnvs {
        projects: Vec<String>,
        jobs: Option<usize>,
    },
    TestAll {
        select: Selection,
        flags: TestFlags,
    },
    /// `project`: none means the one whose folder holds the current directory.
    Test {
        project: Option<String>,
        pytest_args: Vec<String>,
    },
    CiMatrix {
        select: Selection,
        shards: usize,
    },
    Export {
        project: String,
        format: ExportFormat,
        output: Option<String>,
    },
    Affected {
        since: Option<String>,
    },
    Graph {
        format: GraphFormat,
    },
    /// `force`: overwrite an existing config; `check`: write nothing, compare.
    Init {
        force: bool,
        check: bool,
    },
    Help,
}

/// Which projects a test run takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Named ones (none: all).
    pub projects: Vec<String>,
    /// Only those `affected` lists, since `since` (or the default base).
    pub affected: bool,
    pub since: Option<String>,
    /// `--shard K/N`.
    pub shard: Option<(usize, usize)>,
}

/// `test-all`'s options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestFlags {
    pub jobs: Option<usize>,
    pub keep_going: bool,
    pub no_cache: bool,
    pub no_speculate: bool,
    pub timeout: Option<u64>,
    pub junit: Option<String>,
    pub json: bool,
    pub color: Color,
    pub verbosity: Verbosity,
    pub pytest_args: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Text,
    Dot,
}

/// The commands, as typed.
const COMMANDS: &[&str] = &[
    "lock",
    "check",
    "update-base",
    "setup-envs",
    "test-all",
    "test",
    "ci-matrix",
    "export",
    "affected",
    "graph",
    "init",
    "help",
];

/// Parses the command line. Every error has a hint: ours say what to type; lexopt's (a
/// missing value, a value that is not UTF-8) point to the help.
pub fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Command> {
    parse_args(args).map_err(|err| {
        if crate::error::hint_of(&err).is_some() {
            err
        } else {
            hinted(err.to_string(), "see `cargo xtask help` for the commands and their options")
        }
    })
}

fn parse_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Command> {
    // Everything after the first `--` goes to pytest untouched.
    let mut ours: Vec<std::ffi::OsString> = args.into_iter().collect();
    let pytest_args: Vec<String> = match ours.iter().position(|a| a == "--") {
        Some(dashes) => ours.split_off(dashes).into_iter().skip(1).map(|a| a.to_string_lossy().into_owned()).collect(),
        None => Vec::new(),
    };
    let mut parser = lexopt::Parser::from_iter(std::iter::once("xtask".into()).chain(ours));
    let Some(first) = parser.next()? else {
        return Ok(Command::Help);
    };
    let command = match first {
        Short('h') | Long("help") => return Ok(Command::Help),
        Value(v) => v.string()?,
        other => return Err(other.unexpected().into()),
    };
    if !COMMANDS.contains(&command.as_str()) {
        let hint = match crate::suggest::closest(&command, COMMANDS.iter().copied()) {
            Some(close) => format!("did you mean `{close}`? `cargo xtask help` lists the commands"),
            None => "see `cargo xtask help` for the commands".to_owned(),
        };
        return Err(hinted(format!("unknown command `{command}`"), hint));
    }
    if !pytest_args.is_empty() && !matches!(command.as_str(), "test-all" | "test") {
        return Err(hinted(
            format!("`{command}` takes no arguments after `--`"),
            "only `test-all` and `test` pass arguments on, to pytest",
        ));
    }
    let mut check = false;
    let mut force = false;
    let mut no_sync = false;
    let mut upgrade = Upgrade::default();
    let mut output = None;
    let mut export_format = ExportFormat::Requirements;
    let mut select = Selection::default();
    let mut test = TestFlags::default();
    let mut shards = None;
    let mut jobs = None;
    let mut projects = Vec::new();
    let mut positional = Vec::new();
    let mut format = GraphFormat::Text;
    while let Some(arg) = parser.next()? {
        match (command.as_str(), arg) {
            (_, Short('h') | Long("help")) => return Ok(Command::Help),
            ("lock" | "init", Long("check")) => check = true,
            ("init", Long("force")) => force = true,
            ("lock" | "update-base", Long("upgrade")) => upgrade.all = true,
            ("lock" | "update-base", Long("upgrade-package")) => upgrade.packages.push(parser.value()?.string()?),
            ("update-base", Long("no-sync")) => no_sync = true,
            ("lock", Short('p') | Long("project")) => projects.push(parser.value()?.string()?),
            ("export", Long("format")) => {
                export_format = match parser.value()?.string()?.as_str() {
                    "requirements" => ExportFormat::Requirements,
                    "pylock" => ExportFormat::Pylock,
                    other => {
                        return Err(hinted(
                            format!("unknown export format `{other}`"),
                            "use --format requirements or --format pylock",
                        ));
                    }
                }
            }
            ("export", Short('o') | Long("output")) => output = Some(parser.value()?.string()?),
            ("lock" | "update-base" | "setup-envs" | "test-all" | "ci-matrix", Short('j') | Long("jobs")) => {
                let value = parser.value()?.string()?;
                let n: usize = value.parse().map_err(|_| {
                    hinted(
                        format!("-j takes a number of jobs, not `{value}`"),
                        "pass -j N with N at least 1 (the default is the number of CPUs)",
                    )
                })?;
                if n == 0 {
                    return Err(hinted("-j must be at least 1", "pass -j 1 to run one job at a time"));
                }
                jobs = Some(n);
            }
            ("setup-envs" | "test-all" | "ci-matrix", Short('p') | Long("project")) => {
                projects.push(parser.value()?.string()?)
            }
            ("test-all" | "ci-matrix", Value(v)) => projects.push(v.string()?),
            ("test-all", Long("keep-going")) => test.keep_going = true,
            ("test-all", Long("no-cache")) => test.no_cache = true,
            ("test-all", Long("no-speculate")) => test.no_speculate = true,
            ("test-all", Short('v') | Long("verbose")) => test.verbosity = Verbosity::Verbose,
            ("test-all", Short('q') | Long("quiet")) => test.verbosity = Verbosity::Quiet,
            ("test-all", Long("junit")) => test.junit = Some(parser.value()?.string()?),
            ("test-all", Long("timeout")) => {
                let value = parser.value()?.string()?;
                test.timeout = Some(value.parse().ok().filter(|&s: &u64| s > 0).ok_or_else(|| {
                    hinted(
                        format!("--timeout takes whole seconds, not `{value}`"),
                        "pass --timeout 600 for ten minutes per suite",
                    )
                })?);
            }
            ("test-all", Long("message-format")) => {
                test.json = match parser.value()?.string()?.as_str() {
                    "human" => false,
                    "json" => true,
                    other => {
                        return Err(hinted(
                            format!("unknown message format `{other}`"),
                            "use --message-format human or --message-format json",
                        ));
                    }
                }
            }
            ("test-all", Long("color")) => {
                test.color = match parser.value()?.string()?.as_str() {
                    "auto" => Color::Auto,
                    "always" => Color::Always,
                    "never" => Color::Never,
                    other => {
                        return Err(hinted(
                            format!("unknown colour choice `{other}`"),
                            "use --color auto, --color always or --color never",
                        ));
                    }
                }
            }
            ("test-all", Long("shard")) => select.shard = Some(crate::shard::parse_shard(&parser.value()?.string()?)?),
            ("ci-matrix", Long("shards")) => {
                let value = parser.value()?.string()?;
                shards = Some(value.parse().ok().filter(|&n: &usize| n > 0).ok_or_else(|| {
                    hinted(format!("--shards takes a number of shards, not `{value}`"), "pass --shards 3, say")
                })?);
            }
            ("test-all" | "ci-matrix", Long("affected")) => select.affected = true,
            ("test-all" | "affected" | "ci-matrix", Long("since")) => select.since = Some(parser.value()?.string()?),
            ("graph", Long("format")) => {
                format = match parser.value()?.string()?.as_str() {
                    "text" => GraphFormat::Text,
                    "dot" => GraphFormat::Dot,
                    other => {
                        return Err(hinted(
                            format!("unknown graph format `{other}`"),
                            "use --format text or --format dot",
                        ));
                    }
                }
            }
            ("test" | "export", Value(v)) if positional.is_empty() => positional.push(v.string()?),
            ("test" | "test-all", arg @ (Short(_) | Long(_))) => {
                // Most likely meant for pytest: say where pytest's options go.
                let shown = match &arg {
                    Short(c) => format!("-{c}"),
                    Long(l) => format!("--{l}"),
                    Value(_) => unreachable!("matched an option"),
                };
                return Err(hinted(
                    format!("{} for `{command}`", arg.unexpected()),
                    format!(
                        "options for pytest go after `--`: `cargo xtask {command} {}-- {shown}`; see `cargo xtask help` for {command}'s own",
                        if command == "test" { "PROJECT " } else { "" }
                    ),
                ));
            }
            (_, arg) => {
                return Err(hinted(format!("{} for `{command}`", arg.unexpected()), "see `cargo xtask help`"));
            }
        }
    }
    Ok(match command.as_str() {
        "lock" if check && (upgrade.any() || !projects.is_empty()) => {
            return Err(hinted("`lock --check` takes no upgrade or -p", "run `cargo xtask lock --check` alone"));
        }
        "lock" => Command::Lock { check, upgrade, names: projects, jobs },
        "check" => Command::Check,
        "update-base" => Command::UpdateBase { upgrade, no_sync, jobs },
        "export" => match positional.pop() {
            Some(project) => Command::Export { project, format: export_format, output },
            None => return Err(hinted("`export` needs a project", "run `cargo xtask export PROJECT`")),
        },
        "setup-envs" => Command::SetupEnvs { projects, jobs },
        "test-all" | "ci-matrix" => {
            // --since alone means --affected: there is nothing else to compare for.
            select.affected |= select.since.is_some();
            select.projects = projects;
            if select.affected && !select.projects.is_empty() {
                return Err(hinted(
                    "name projects or ask for the affected ones, not both",
                    format!("run `cargo xtask {command} --affected` alone, or name the projects"),
                ));
            }
            if command == "ci-matrix" {
                let Some(shards) = shards else {
                    return Err(hinted("`ci-matrix` needs --shards N", "run `cargo xtask ci-matrix --shards 3`"));
                };
                Command::CiMatrix { select, shards }
            } else {
                test.jobs = jobs;
                test.pytest_args = pytest_args;
                Command::TestAll { select, flags: test }
            }
        }
        "affected" => Command::Affected { since: select.since },
        "test" => Command::Test { project: positional.pop(), pytest_args },
        "graph" => Command::Graph { format },
        "init" if check && force => {
            return Err(hinted(
                "`init --check` writes nothing, so it takes no --force",
                "run `cargo xtask init --check` to compare, or `cargo xtask init --force` to write",
            ));
        }
        "init" => Command::Init { force, check },
        "help" => Command::Help,
        other => unreachable!("`{other}` is in COMMANDS"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command> {
        parse(args.iter().map(Into::into))
    }

    #[test]
    fn parses_each_command() {
        assert_eq!(parse_strs(&[]).unwrap(), Command::Help);
        assert_eq!(
            parse_strs(&["lock", "--check"]).unwrap(),
            Command::Lock { check: true, upgrade: Upgrade::default(), names: vec![], jobs: None }
        );
        assert_eq!(
            parse_strs(&["lock", "--upgrade-package", "numpy", "-p", "web"]).unwrap(),
            Command::Lock {
                check: false,
                upgrade: Upgrade { all: false, packages: vec!["numpy".into()] },
                names: vec!["web".into()],
                jobs: None
            }
        );
        assert_eq!(
            parse_strs(&["update-base", "--upgrade", "--no-sync"]).unwrap(),
            Command::UpdateBase { upgrade: Upgrade { all: true, packages: vec![] }, no_sync: true, jobs: None }
        );
        assert_eq!(
            parse_strs(&["export", "web", "--format", "pylock", "-o", "x.toml"]).unwrap(),
            Command::Export { project: "web".into(), format: ExportFormat::Pylock, output: Some("x.toml".into()) }
        );
        assert_eq!(
            parse_strs(&["setup-envs", "-p", "web", "--project", "model", "-j", "3"]).unwrap(),
            Command::SetupEnvs { projects: vec!["web".into(), "model".into()], jobs: Some(3) }
        );
        assert_eq!(parse_strs(&["graph", "--format", "dot"]).unwrap(), Command::Graph { format: GraphFormat::Dot });
        assert_eq!(parse_strs(&["affected"]).unwrap(), Command::Affected { since: None });
        assert_eq!(
            parse_strs(&["affected", "--since", "main"]).unwrap(),
            Command::Affected { since: Some("main".into()) }
        );
    }

    #[test]
    fn parses_init() {
        assert_eq!(parse_strs(&["init"]).unwrap(), Command::Init { force: false, check: false });
        assert_eq!(parse_strs(&["init", "--force"]).unwrap(), Command::Init { force: true, check: false });
        assert_eq!(parse_strs(&["init", "--check"]).unwrap(), Command::Init { force: false, check: true });
        let (message, hint) = error(&["init", "--check", "--force"]);
        assert_eq!(message, "`init --check` writes nothing, so it takes no --force");
        assert!(hint.contains("`cargo xtask init --force`"), "{hint}");
        assert_eq!(error(&["init", "-p", "x"]).0, "invalid option '-p' for `init`");
        assert_eq!(error(&["init", "projects"]).0, "unexpected argument \"projects\" for `init`");
        assert!(parse_strs(&["graph", "--force"]).is_err(), "--force is init's");
    }

    #[test]
    fn test_all_takes_affected_and_since_implies_it() {
        let test_all = |affected, since: Option<&str>| Command::TestAll {
            select: Selection { affected, since: since.map(Into::into), ..Selection::default() },
            flags: TestFlags::default(),
        };
        assert_eq!(parse_strs(&["test-all"]).unwrap(), test_all(false, None));
        assert_eq!(parse_strs(&["test-all", "--affected"]).unwrap(), test_all(true, None));
        assert_eq!(parse_strs(&["test-all", "--since", "v1"]).unwrap(), test_all(true, Some("v1")));
        assert!(parse_strs(&["affected", "--affected"]).is_err());
        assert!(parse_strs(&["test-all", "--affected", "web"]).is_err(), "a selection, not two");
    }

    #[test]
    fn test_all_takes_projects_shards_and_reporters() {
        let Command::TestAll { select, flags } = parse_strs(&[
            "test-all",
            "web",
            "-p",
            "model",
            "--shard",
            "2/3",
            "--junit",
            "out.xml",
            "--message-format",
            "json",
            "--color",
            "never",
            "-q",
            "--timeout",
            "60",
            "--no-cache",
            "--no-speculate",
            "--keep-going",
            "-j",
            "2",
        ])
        .unwrap() else {
            panic!("not test-all")
        };
        assert_eq!(select.projects, ["web", "model"]);
        assert_eq!(select.shard, Some((2, 3)));
        let expected = TestFlags {
            jobs: Some(2),
            keep_going: true,
            no_cache: true,
            no_speculate: true,
            timeout: Some(60),
            junit: Some("out.xml".into()),
            json: true,
            color: Color::Never,
            verbosity: Verbosity::Quiet,
            pytest_args: vec![],
        };
        assert_eq!(flags, expected);
        assert_eq!(
            parse_strs(&["ci-matrix", "--shards", "3", "--affected"]).unwrap(),
            Command::CiMatrix { select: Selection { affected: true, ..Selection::default() }, shards: 3 }
        );
        assert!(parse_strs(&["ci-matrix"]).unwrap_err().to_string().contains("needs --shards"));
        assert!(parse_strs(&["test-all", "--timeout", "0"]).is_err());
        assert!(parse_strs(&["test-all", "--shard", "4/3"]).is_err());
    }

    #[test]
    fn passes_everything_after_dashes_to_pytest() {
        let Command::TestAll { flags, .. } =
            parse_strs(&["test-all", "--keep-going", "--", "-k", "slow", "--", "-x"]).unwrap()
        else {
            panic!("not test-all")
        };
        assert!(flags.keep_going);
        assert_eq!(flags.pytest_args, ["-k", "slow", "--", "-x"]);
        assert_eq!(
            parse_strs(&["test", "model", "--", "-x"]).unwrap(),
            Command::Test { project: Some("model".into()), pytest_args: vec!["-x".into()] }
        );
        assert_eq!(parse_strs(&["test"]).unwrap(), Command::Test { project: None, pytest_args: vec![] });
    }

    #[test]
    fn says_pytest_options_go_after_the_dashes() {
        let (message, hint) = error(&["test", "web", "-k", "slow"]);
        assert_eq!(message, "invalid option '-k' for `test`");
        assert!(hint.starts_with("options for pytest go after `--`: `cargo xtask test PROJECT -- -k`"), "{hint}");
        let (_, hint) = error(&["test-all", "--lf"]);
        assert!(hint.contains("`cargo xtask test-all -- --lf`"), "{hint}");
    }

    /// The message and the hint of a command line that must fail.
    fn error(args: &[&str]) -> (String, String) {
        let err = parse_strs(args).unwrap_err();
        (err.to_string(), crate::error::hint_of(&err).unwrap_or_default().to_owned())
    }

    #[test]
    fn every_usage_error_has_a_hint() {
        assert_eq!(
            error(&["chek", "--x"]),
            ("unknown command `chek`".into(), "did you mean `check`? `cargo xtask help` lists the commands".into()),
            "the command is checked before its options"
        );
        assert_eq!(error(&["frobnicate"]).1, "see `cargo xtask help` for the commands");
        assert_eq!(
            error(&["lock", "-j", "abc"]),
            (
                "-j takes a number of jobs, not `abc`".into(),
                "pass -j N with N at least 1 (the default is the number of CPUs)".into()
            )
        );
        assert_eq!(
            error(&["setup-envs", "-j"]),
            (
                "missing argument for option '-j'".into(),
                "see `cargo xtask help` for the commands and their options".into()
            )
        );
        assert_eq!(error(&["test-all", "--fast"]).0, "invalid option '--fast' for `test-all`");
        assert_eq!(error(&["test-all", "--message-format", "xml"]).0, "unknown message format `xml`");
    }

    #[test]
    fn rejects_bad_usage() {
        assert!(parse_strs(&["frobnicate"]).unwrap_err().to_string().contains("unknown command"));
        assert!(parse_strs(&["lock", "--keep-going"]).is_err());
        assert!(parse_strs(&["lock", "--check", "--upgrade"]).is_err());
        assert!(parse_strs(&["export"]).is_err());
        assert!(parse_strs(&["lock", "--", "-x"]).is_err());
        assert!(parse_strs(&["test-all", "-j", "0"]).is_err());
        assert!(parse_strs(&["graph", "--format", "svg"]).is_err());
    }
}
