//! `cargo xtask`: parse, load the workspace, dispatch, and turn the outcome into an exit code
//! (0 success, 1 checks or tests failed, 2 usage or environment error).

use std::process::ExitCode;

use anyhow::{Context, Result};
use camino::Utf8PathBuf;
use xtask::Workspace;
use xtask::commands::{self, test_all};
use xtask::error::{Failed, hint_of};
use xtask::flags::{self, Command};

fn main() -> ExitCode {
    match flags::parse(std::env::args_os().skip(1)).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<Failed>() => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {}", cause.to_string().replace('\n', "\n  "));
            }
            if let Some(hint) = hint_of(&err) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<()> {
    if command == Command::Help {
        print!("{}", flags::USAGE);
        return Ok(());
    }
    let cwd = Utf8PathBuf::try_from(std::env::current_dir()?).context("the current directory is not valid UTF-8")?;
    let ws = Workspace::discover(&cwd)?;
    let jobs = |j: Option<usize>| j.unwrap_or_else(commands::default_jobs);
    match command {
        Command::Lock { check, upgrade, names, jobs: j } => {
            commands::lock::run(&ws, &commands::lock::Options { check, upgrade, names, jobs: jobs(j) })
        }
        Command::Check => commands::check::run(&ws),
        Command::UpdateBase { upgrade, no_sync, jobs: j } => {
            commands::update_base::run(&ws, &commands::update_base::Options { upgrade, no_sync, jobs: jobs(j) })
        }
        Command::Export { project, format, output } => {
            let output = output.map(|o| cwd.join(o));
            commands::export::run(&ws, &project, format, output.as_deref(), commands::default_jobs())
        }
        Command::SetupEnvs { projects, jobs: j } => commands::setup_envs::run(&ws, &projects, jobs(j)),
        Command::TestAll { jobs: j, keep_going, affected, since, pytest_args } => {
            let members: Vec<usize> = if affected {
                commands::affected::select(&ws, &since.unwrap_or_else(xtask::affected::default_base))?
            } else {
                (0..ws.members.len()).collect()
            };
            test_all::run(&ws, &members, &test_all::Options { jobs: jobs(j), keep_going, pytest_args })
        }
        Command::Affected { since } => {
            commands::affected::run(&ws, &since.unwrap_or_else(xtask::affected::default_base))
        }
        Command::Test { project, pytest_args } => {
            let member = ws.member(&project)?;
            test_all::run(&ws, &[member], &test_all::Options { jobs: 1, keep_going: false, pytest_args })
        }
        Command::Graph { format } => {
            commands::graph::run(&ws, format);
            Ok(())
        }
        Command::Help => unreachable!("handled above"),
    }
}
