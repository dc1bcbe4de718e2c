//! `cargo xtask run PROJECT -- CMD...`: a command in a project's venv, as if activated.
//!
//! The env is set up first (locked and synced when stale, as `test` does). Then CMD runs
//! with the terminal attached and in its foreground (an editor, a REPL, `--pdb` work), from
//! the project's folder, and its exit code is ours. The repository lock stays held shared
//! while it runs, as for `test`: a `setup-envs` elsewhere waits rather than remake the venv
//! under it.
//!
//! Its environment, from strongest to weakest:
//! 1. What `run` sets, the very environment the project's suite gets
//!    ([`pytest::command`]): `VIRTUAL_ENV`, the venv's scripts first on `PATH`, the
//!    project's `pythonpath` first on `PYTHONPATH`, its `[tool.monorepo] environment`,
//!    bytecode kept in the venv (`PYTHONPYCACHEPREFIX`); and `PYTHONHOME` removed, which
//!    would make the venv's interpreter load another Python's standard library.
//! 2. The environment `cargo xtask run` was started in.
//! 3. The project's `.env` file, when it has one ([`crate::dotenv`]): a value is set only
//!    when neither of the above sets that variable. That is the dotenv convention
//!    (python-dotenv's and node's default, direnv's `dotenv_if_exists` in a shell that
//!    has none of them): a variable given on the command line (`DEBUG=1 cargo xtask run
//!    ...`) beats the file, and the file never changes where the venv is.
//!
//! CMD is looked up as the child would: the venv's scripts, then the rest of `PATH`; a
//! path (`./manage.py`, `bin/tool`) is relative to the project's folder, where it runs.

use std::ffi::OsString;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::Workspace;
use crate::error::{ExitCode, hinted};
use crate::exec::{self, Cmd};
use crate::{pytest, ui, venv};

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// The project whose venv runs the command
    pub project: String,
    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

pub fn run(ws: &Workspace, cwd: &Utf8Path, options: &Options) -> Result<()> {
    let m = ws.member_named(cwd, &options.project)?;
    let member = &ws.members[m];
    let (name, args) = options.command.split_first().context("`run` needs a command after `--`")?;
    // Read first: a file it cannot read fails before any lock or sync.
    let dotenv = ws.root.join(&member.dir).join(".env");
    let dotenv = if dotenv.is_file() { read_dotenv(&dotenv, &member.dir.join(".env"))? } else { Vec::new() };
    super::setup_envs::ensure(ws, &[member.env], super::default_jobs())?;
    crate::repo_lock::downgrade()?;
    let venv_rel = &ws.env_of(m).venv;
    // The suite's environment and folder, with CMD in place of pytest.
    let suite = pytest::command(ws, m, &[]);
    let search = suite.env.iter().rev().find(|(k, _)| k == "PATH").map(|(_, v)| v.clone()).unwrap_or_default();
    let program = find_program(name, &suite.cwd, &search).ok_or_else(|| not_found(ws, m, name))?;
    let mut cmd =
        Cmd { program: program.into_string().into(), args: args.iter().map(OsString::from).collect(), ..suite }
            .env_remove("PYTHONHOME");
    for (key, value) in dotenv {
        let ours = cmd.env.iter().any(|(k, _)| *k == *key) || cmd.env_remove.iter().any(|k| *k == *key);
        if ours {
            ui::status("Note", &format!("{}/.env sets {key}, which `run` sets itself: ignored", member.dir));
        } else if std::env::var_os(&key).is_none() {
            cmd = cmd.env(key, value);
        }
    }
    let shown: Vec<String> = options.command.iter().map(|a| quoted(a)).collect();
    ui::status("Running", &format!("`{}` in {} ({venv_rel})", shown.join(" "), member.dir));
    let code = exec::interactive(&cmd)?;
    if code == 0 { Ok(()) } else { Err(ExitCode(code).into()) }
}

/// `arg` as a POSIX shell would need it typed, for the message: as it is when that is
/// unambiguous, else in single quotes.
fn quoted(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) { arg.to_owned() } else { format!("'{}'", arg.replace('\'', "'\\''")) }
}

/// The variables of the `.env` file at `path` (`shown` in messages).
fn read_dotenv(path: &Utf8Path, shown: &Utf8Path) -> Result<Vec<(String, String)>> {
    let text = crate::fsutil::read(path)?;
    crate::dotenv::parse(&text).map_err(|err| {
        hinted(
            format!("cannot read {shown}: {err}"),
            "write each line as KEY=VALUE (or `export KEY=VALUE`), quote a value with spaces or `#`, and start comments with `#`",
        )
    })
}

/// The executable `name` would start: a path relative to `dir` when it has a separator,
/// else the first match along `search` (a `PATH` value).
fn find_program(name: &str, dir: &Utf8Path, search: &std::ffi::OsStr) -> Option<Utf8PathBuf> {
    if name.contains('/') || (cfg!(windows) && name.contains('\\')) {
        let path = dir.join(name);
        return is_executable(&path).then_some(path);
    }
    let suffixes: &[&str] = if cfg!(windows) { &["", ".exe", ".cmd", ".bat"] } else { &[""] };
    std::env::split_paths(search)
        .filter_map(|d| Utf8PathBuf::from_path_buf(d).ok())
        .find_map(|d| suffixes.iter().map(|s| d.join(format!("{name}{s}"))).find(|p| is_executable(p)))
}

fn is_executable(path: &Utf8Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The error for a command that is neither in the venv nor on `PATH`, with the closest
/// script of the venv when there is one (`pytset`: `pytest`).
fn not_found(ws: &Workspace, m: usize, name: &str) -> anyhow::Error {
    let member = &ws.members[m];
    let bin = venv::bin_dir(&ws.env_of(m).venv);
    if name.contains('/') || (cfg!(windows) && name.contains('\\')) {
        return hinted(
            format!("cannot run `{name}`: there is no executable {}/{name}", member.dir),
            format!(
                "a path is taken from the project's folder, where the command runs ({}); make the file executable, or run it through its interpreter (`-- python {name}`)",
                member.dir
            ),
        );
    }
    let scripts: Vec<String> = ws
        .root
        .join(&bin)
        .read_dir_utf8()
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_owned()).collect())
        .unwrap_or_default();
    let close = crate::suggest::closest(name, scripts.iter().map(String::as_str))
        .map(|c| format!("did you mean `{c}`? "))
        .unwrap_or_default();
    hinted(
        format!("cannot run `{name}`: it is not in the venv of `{}` ({bin}) nor on PATH", member.name),
        format!(
            "{close}if a package provides it, add that package to {}/pyproject.toml (or, for every env, to _meta/requirements/base.in) and run again: `run` syncs the venv first",
            member.dir
        ),
    )
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_a_shell_would_split() {
        let shown: Vec<String> =
            ["python", "-c", "import x; print('hi')", "", "a=b"].iter().map(|a| quoted(a)).collect();
        assert_eq!(shown.join(" "), "python -c 'import x; print('\\''hi'\\'')' '' a=b");
    }

    #[test]
    fn finds_a_program_along_the_path_in_order_or_by_path_from_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let script = |rel: &str, mode: u32| {
            crate::fsutil::write_test_file(root, rel, "#!/bin/sh\n");
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(root.join(rel), std::fs::Permissions::from_mode(mode)).unwrap();
        };
        script("venv/bin/tool", 0o755);
        script("usr/bin/tool", 0o755);
        script("usr/bin/other", 0o755);
        script("venv/bin/notes", 0o644);
        script("project/manage.py", 0o755);
        let search = std::env::join_paths([root.join("venv/bin"), root.join("usr/bin")]).unwrap();
        let found = |name: &str| find_program(name, &root.join("project"), &search);
        assert_eq!(found("tool"), Some(root.join("venv/bin/tool")), "the venv first");
        assert_eq!(found("other"), Some(root.join("usr/bin/other")));
        assert_eq!(found("notes"), None, "not executable");
        assert_eq!(found("missing"), None);
        assert_eq!(found("./manage.py"), Some(root.join("project/./manage.py")));
        assert_eq!(found("./tool"), None, "a path is not looked up on PATH");
    }
}
