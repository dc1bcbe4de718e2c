//! `cargo xtask`: parse, load the workspace, dispatch, and turn the outcome into an exit code
//! (0 success, 1 checks or tests failed, 2 usage or environment error).

use std::process::ExitCode;

use anyhow::{Context, Result};
use camino::Utf8PathBuf;
use xtask::commands::{self, test_all};
use xtask::error::{Failed, hint_of};
use xtask::flags::{self, Command};
use xtask::repo_lock::{self, Mode};
use xtask::{Workspace, interrupt, ui};

fn main() -> ExitCode {
    interrupt::install();
    match flags::parse(std::env::args_os().skip(1)).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<Failed>() => ExitCode::from(1),
        // A child with the terminal attached said how it went; its code is ours.
        Err(err) if err.is::<xtask::error::ExitCode>() => {
            let code = err.downcast_ref::<xtask::error::ExitCode>().expect("matched above").0;
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
        // What finished and what was stopped is reported; the exit code says which signal.
        Err(err) if interrupt::of(&err).is_some() => {
            let interrupted = interrupt::of(&err).expect("matched above");
            ui::err(&format!("error: {interrupted}\n"));
            ExitCode::from(interrupted.exit_code())
        }
        Err(err) => {
            let mut text = format!("error: {err}\n");
            for cause in err.chain().skip(1) {
                text += &format!("  caused by: {}\n", cause.to_string().replace('\n', "\n  "));
            }
            if let Some(hint) = hint_of(&err) {
                text += &format!("hint: {hint}\n");
            }
            ui::err(&text);
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<()> {
    if command == Command::Help {
        ui::out(flags::USAGE);
        return Ok(());
    }
    let cwd = Utf8PathBuf::try_from(std::env::current_dir()?).context("the current directory is not valid UTF-8")?;
    // `init` writes the config the others load: it runs without a workspace.
    if let Command::Init { force, check } = command {
        return commands::init::run(&cwd, &commands::init::Options { force, check });
    }
    let ws = Workspace::discover(&cwd)?;
    // One writer at a time: commands that write take the repository lock exclusive; those
    // that sync take it shared and upgrade only when they find work (`ensure`).
    let mode = match &command {
        Command::Lock { check: false, .. } | Command::UpdateBase { .. } => Some(Mode::Exclusive),
        Command::Graph { .. } | Command::Affected { .. } | Command::CiMatrix { .. } => None,
        _ => Some(Mode::Shared),
    };
    if let Some(mode) = mode {
        repo_lock::acquire(&ws, mode)?;
    }
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
        Command::TestAll { select, flags } => {
            let members = commands::selected(&ws, &cwd, &select)?;
            let options = test_all::Options {
                jobs: jobs(flags.jobs),
                keep_going: flags.keep_going,
                speculate: !flags.no_speculate,
                cache: !flags.no_cache,
                timeout: flags.timeout.map(std::time::Duration::from_secs),
                pytest_args: flags.pytest_args,
                report: xtask::report::Options {
                    verbosity: flags.verbosity,
                    color: flags.color,
                    json: flags.json,
                    junit: flags.junit.map(|path| cwd.join(path)),
                },
            };
            test_all::run(&ws, &members, &options)
        }
        Command::CiMatrix { select, shards } => {
            let members = commands::selected(&ws, &cwd, &select)?;
            commands::ci_matrix::run(&ws, &members, shards)
        }
        Command::Affected { since } => {
            commands::affected::run(&ws, &since.unwrap_or_else(xtask::affected::default_base))
        }
        Command::Test { project, pytest_args } => {
            let member = match project {
                Some(name) => ws.member_named(&cwd, &name)?,
                None => ws.member_at(&cwd).ok_or_else(|| {
                    xtask::error::hinted(
                        "`test` needs a project: the current folder is in none",
                        "run `cargo xtask test PROJECT`, or run it inside a project's folder; `cargo xtask graph` lists them",
                    )
                })?,
            };
            commands::test::run(&ws, member, &pytest_args)
        }
        Command::Graph { format } => {
            commands::graph::run(&ws, format);
            Ok(())
        }
        Command::Help | Command::Init { .. } => unreachable!("handled above"),
    }
}
