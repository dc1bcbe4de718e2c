//! The command line: `cargo xtask <command> [options]`, parsed into a [`Command`].

use anyhow::Result;
use lexopt::prelude::*;

use crate::commands::export::Format as ExportFormat;
use crate::error::hinted;
use crate::lock::Upgrade;

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
  test-all [-j N] [--keep-going] [--affected] [--since REF] [-- PYTEST_ARGS]
                                         Set up, then run every project's pytest suite in its own
                                         venv, dependencies first, independent ones in parallel.
                                         --affected: only the projects `affected` lists.
  test PROJECT [-- PYTEST_ARGS]          Set up, then run one project's suite.
  export PROJECT [--format requirements|pylock] [-o FILE]
                                         Write a project's env resolution for use outside the repo.
  affected [--since REF]                 List the projects touched by the changes since the
                                         merge base of REF and HEAD (uncommitted ones included),
                                         and their dependants. REF defaults to origin/HEAD, or to
                                         origin/$GITHUB_BASE_REF in a pull request's CI run.
  graph [--format text|dot]              Print the project graph.
  help                                   Print this help.

A PROJECT is a member's folder name (or its package name). -j defaults to the number of CPUs.
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
    /// `affected`: only the suites of the projects changed since a ref (`since`, or the default).
    TestAll {
        jobs: Option<usize>,
        keep_going: bool,
        affected: bool,
        since: Option<String>,
        pytest_args: Vec<String>,
    },
    Test {
        project: String,
        pytest_args: Vec<String>,
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
    Help,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Text,
    Dot,
}

/// The commands, as typed.
const COMMANDS: &[&str] =
    &["lock", "check", "update-base", "setup-envs", "test-all", "test", "export", "affected", "graph", "help"];

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
    let mut no_sync = false;
    let mut upgrade = Upgrade::default();
    let mut output = None;
    let mut export_format = ExportFormat::Requirements;
    let mut keep_going = false;
    let mut affected = false;
    let mut since = None;
    let mut jobs = None;
    let mut projects = Vec::new();
    let mut positional = Vec::new();
    let mut format = GraphFormat::Text;
    while let Some(arg) = parser.next()? {
        match (command.as_str(), arg) {
            (_, Short('h') | Long("help")) => return Ok(Command::Help),
            ("lock", Long("check")) => check = true,
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
            ("lock" | "update-base" | "setup-envs" | "test-all", Short('j') | Long("jobs")) => {
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
            ("setup-envs", Short('p') | Long("project")) => projects.push(parser.value()?.string()?),
            ("test-all", Long("keep-going")) => keep_going = true,
            ("test-all", Long("affected")) => affected = true,
            ("test-all" | "affected", Long("since")) => since = Some(parser.value()?.string()?),
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
        // --since alone means --affected: there is nothing else to compare for.
        "test-all" => Command::TestAll { jobs, keep_going, affected: affected || since.is_some(), since, pytest_args },
        "affected" => Command::Affected { since },
        "test" => match positional.pop() {
            Some(project) => Command::Test { project, pytest_args },
            None => {
                return Err(hinted(
                    "`test` needs a project",
                    "run `cargo xtask test PROJECT`; `cargo xtask graph` lists them",
                ));
            }
        },
        "graph" => Command::Graph { format },
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
    fn test_all_takes_affected_and_since_implies_it() {
        let test_all = |affected, since: Option<&str>| Command::TestAll {
            jobs: None,
            keep_going: false,
            affected,
            since: since.map(Into::into),
            pytest_args: vec![],
        };
        assert_eq!(parse_strs(&["test-all"]).unwrap(), test_all(false, None));
        assert_eq!(parse_strs(&["test-all", "--affected"]).unwrap(), test_all(true, None));
        assert_eq!(parse_strs(&["test-all", "--since", "v1"]).unwrap(), test_all(true, Some("v1")));
        assert!(parse_strs(&["affected", "--affected"]).is_err());
    }

    #[test]
    fn passes_everything_after_dashes_to_pytest() {
        assert_eq!(
            parse_strs(&["test-all", "--keep-going", "--", "-k", "slow", "--", "-x"]).unwrap(),
            Command::TestAll {
                jobs: None,
                keep_going: true,
                affected: false,
                since: None,
                pytest_args: vec!["-k".into(), "slow".into(), "--".into(), "-x".into()]
            }
        );
        assert_eq!(
            parse_strs(&["test", "model", "--", "-x"]).unwrap(),
            Command::Test { project: "model".into(), pytest_args: vec!["-x".into()] }
        );
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
    }

    #[test]
    fn rejects_bad_usage() {
        assert!(parse_strs(&["frobnicate"]).unwrap_err().to_string().contains("unknown command"));
        assert!(parse_strs(&["lock", "--keep-going"]).is_err());
        assert!(parse_strs(&["lock", "--check", "--upgrade"]).is_err());
        assert!(parse_strs(&["export"]).is_err());
        assert!(parse_strs(&["lock", "--", "-x"]).is_err());
        assert!(parse_strs(&["test"]).unwrap_err().to_string().contains("needs a project"));
        assert!(parse_strs(&["test-all", "-j", "0"]).is_err());
        assert!(parse_strs(&["graph", "--format", "svg"]).is_err());
    }
}
