//! `cargo xtask`: parse, load the workspace, dispatch, and turn the outcome into an exit code
//! (0 success, 1 checks or tests failed, 2 usage or environment error).

use std::process::ExitCode;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};
use xtask::commands::{self, test_all};
use xtask::error::{Failed, hint_of};
use xtask::flags::{self, Command};
use xtask::repo_lock::{self, Mode};
use xtask::{Workspace, interrupt, ui};

fn main() -> ExitCode {
    interrupt::install();
    let cli = match flags::parse(std::env::args_os().skip(1)) {
        Ok(cli) => cli,
        // clap's own words: the help, the version, or a usage error naming the flag (exit 2).
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    match run(cli.command) {
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

fn run(command: Option<Command>) -> Result<()> {
    let Some(command) = command else {
        ui::out(&flags::help());
        return Ok(());
    };
    let cwd = Utf8PathBuf::try_from(std::env::current_dir()?).context("the current directory is not valid UTF-8")?;
    // These run without a workspace: `init` writes the config the others load; `doctor`
    // reports on a repository whose config may not load; completions need none.
    match &command {
        Command::Init(args) => {
            let options =
                commands::init::Options { force: args.force, check: args.check, exclude: args.exclude.clone() };
            return commands::init::run(&cwd, &options);
        }
        Command::Doctor(options) => return commands::doctor::run(&cwd, options),
        Command::Completions(args) => {
            flags::write_completions(args.shell);
            return Ok(());
        }
        _ => {}
    }
    refuse_mixed_modes(&command)?;
    if modes_of(&command).offline {
        xtask::uv::set_offline();
    }
    // One writer at a time: commands that write take the repository lock exclusive; those
    // that sync take it shared and upgrade only when they find work (`ensure`). It is
    // taken before the workspace is read, so a run that waits acts on what the run it
    // waited for left.
    let root = Workspace::find_root(&cwd)?;
    let mode = match &command {
        Command::Lock(args) if !args.check && !args.locked => Some(Mode::Exclusive),
        Command::UpdateBase(_) | Command::Add(_) | Command::Remove(_) | Command::New(_) | Command::Clean(_) => {
            Some(Mode::Exclusive)
        }
        Command::Graph(_) | Command::Affected(_) | Command::CiMatrix(_) | Command::Status(_) | Command::Envrc(_) => {
            None
        }
        _ => Some(Mode::Shared),
    };
    if let Some(mode) = mode {
        repo_lock::take(&root, mode)?;
    }
    // Another run that wrote while this one let go of the lock to upgrade it (`ensure`)
    // makes what this one read out of date: read again, and start over, the lock held.
    let mut attempts = 0;
    loop {
        let ws = Workspace::load(&root)?;
        if mode == Some(Mode::Exclusive) {
            repo_lock::acquire(&ws, Mode::Exclusive)?; // held already: sweeps what killed runs left
        }
        match dispatch(&ws, &cwd, command.clone()) {
            Err(err) if repo_lock::is_changed(&err) && attempts < 5 => {
                attempts += 1;
                ui::status("Reloading", "the workspace: another run changed the repository while this one waited");
            }
            result => return result.map_err(commands::setup_envs::offline_miss),
        }
    }
}

/// `--locked` and `--frozen` together, `lock --frozen`, `lock --locked` with an upgrade:
/// each a usage error that says which to pass, before anything is read.
fn refuse_mixed_modes(command: &Command) -> Result<()> {
    use xtask::error::hinted;
    let modes = modes_of(command);
    if modes.locked && modes.frozen {
        return Err(hinted(
            "--locked and --frozen cannot be used together: --locked fails on a lock that is not up to date, --frozen uses it as it is",
            "pass one: --locked in CI (test exactly the committed locks), --frozen to use the locks as they are",
        ));
    }
    let Command::Lock(args) = command else { return Ok(()) };
    if args.frozen {
        return Err(hinted(
            "`lock --frozen` would lock nothing: --frozen means using the locks as they are",
            "to fail when a lock is not up to date, run `cargo xtask lock --locked` (or `cargo xtask check`); to use stale locks as they are, pass --frozen to setup-envs, test-all, test, run or export",
        ));
    }
    if args.locked && (args.upgrade.upgrade || !args.upgrade.upgrade_package.is_empty()) {
        return Err(hinted(
            "`lock --locked` writes no lock, and an upgrade is a change to the locks",
            "upgrade without --locked (`cargo xtask lock --upgrade-package PKG`), commit the locks, then `lock --locked` passes",
        ));
    }
    Ok(())
}

/// `--locked`, `--frozen`, `--offline` as given to the commands that take them.
fn modes_of(command: &Command) -> commands::setup_envs::Modes {
    use commands::setup_envs::Modes;
    match command {
        Command::SetupEnvs(args) => args.modes,
        Command::TestAll(args) => args.modes,
        Command::Test(args) => args.modes,
        Command::Run(options) => options.modes,
        Command::Export(args) => args.modes,
        Command::Lock(args) => Modes { locked: args.locked, frozen: args.frozen, offline: args.offline },
        Command::UpdateBase(args) => Modes { offline: args.offline, ..Modes::default() },
        _ => Modes::default(),
    }
}

/// Runs `command` on the workspace, loaded under the repository lock.
fn dispatch(ws: &Workspace, cwd: &Utf8Path, command: Command) -> Result<()> {
    match command {
        Command::Lock(args) if args.locked => {
            let (_, selected) = commands::lock::scope(ws, &args.projects)?;
            commands::check::locked(ws, &selected, args.projects.is_empty())
        }
        Command::Lock(args) => commands::lock::run(
            ws,
            &commands::lock::Options {
                check: args.check,
                upgrade: args.upgrade.get(),
                names: args.projects,
                jobs: args.jobs.get(),
            },
        ),
        Command::Check => commands::check::run(ws),
        Command::UpdateBase(args) => commands::update_base::run(
            ws,
            &commands::update_base::Options {
                upgrade: args.upgrade.get(),
                no_sync: args.no_sync,
                jobs: args.jobs.get(),
            },
        ),
        Command::Export(args) => {
            let output = args.output.map(|o| cwd.join(o));
            let options = commands::export::Options {
                format: args.format,
                output: output.as_deref(),
                jobs: commands::default_jobs(),
                modes: args.modes,
            };
            commands::export::run(ws, &args.project, &options)
        }
        Command::SetupEnvs(args) => commands::setup_envs::run(ws, &args.projects, args.jobs.get(), args.modes),
        Command::TestAll(args) => {
            let members = commands::selected(ws, cwd, &args.select.selection(args.shard))?;
            let options = test_all::Options {
                jobs: args.jobs.get(),
                keep_going: args.keep_going,
                speculate: !args.no_speculate,
                cache: !args.no_cache,
                verify_cache: args.verify_cache,
                timeout: args.timeout.map(std::time::Duration::from_secs),
                report: xtask::report::Options {
                    verbosity: args.verbosity(),
                    color: args.color,
                    json: args.message_format == flags::MessageFormat::Json,
                    junit: args.junit.map(|path| cwd.join(path)),
                },
                pytest_args: args.pytest_args,
                no_tests: args.no_tests,
                remote: xtask::remote::Options {
                    disabled: args.no_remote_cache,
                    read_only: args.remote_cache_read_only,
                },
                modes: args.modes,
            };
            test_all::run(ws, &members, &options)
        }
        Command::CiMatrix(args) => {
            let members = commands::selected(ws, cwd, &args.select.selection(None))?;
            commands::ci_matrix::run(ws, &members, args.shards, args.write_durations)
        }
        Command::Affected(args) => {
            commands::affected::run(ws, &args.since.unwrap_or_else(xtask::affected::default_base))
        }
        Command::Test(args) => {
            let member = match args.project {
                Some(name) => ws.member_named(cwd, &name)?,
                None => ws.member_at(cwd).ok_or_else(|| {
                    xtask::error::hinted(
                        "`test` needs a project: the current folder is in none",
                        "run `cargo xtask test PROJECT`, or run it inside a project's folder; `cargo xtask graph` lists them",
                    )
                })?,
            };
            commands::test::run(ws, member, &args.pytest_args, args.modes)
        }
        Command::Run(options) => commands::run::run(ws, cwd, &options),
        Command::Explain(options) => commands::explain::run(ws, cwd, &options),
        Command::Add(options) => commands::add::add(ws, cwd, &options),
        Command::Remove(options) => commands::add::remove(ws, cwd, &options),
        Command::New(options) => commands::new::run(ws, &options),
        Command::Status(options) => commands::status::run(ws, &options),
        Command::Envrc(options) => commands::envrc::run(ws, &options),
        Command::Clean(options) => commands::clean::run(ws, &options),
        Command::Graph(args) => {
            commands::graph::run(ws, args.format);
            Ok(())
        }
        Command::Init(_) | Command::Doctor(_) | Command::Completions(_) => unreachable!("handled above"),
    }
}
