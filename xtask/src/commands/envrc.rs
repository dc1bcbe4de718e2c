//! `cargo xtask envrc [--check]`: a direnv `.envrc` per member and a VS Code workspace.
//!
//! Each member's folder gets an `.envrc` that activates its env's venv (the member's
//! `.venv`, which is the link for a shared env; `_meta/venvs/<env>` when that path holds
//! something the xtask did not make), puts its `pythonpath` on `PYTHONPATH`, exports its
//! `environment`, loads its `.env` and watches its lock, all by paths relative to its
//! folder. VS Code gets `monorepo.code-workspace` at the root (a stable name, whatever the
//! clone's folder is called), with a folder per member, and a `.vscode/settings.json` per
//! member with its interpreter (`python.defaultInterpreterPath`, which the Python extension
//! reads per folder of a multi-root workspace; a `.code-workspace` cannot hold settings per
//! folder) and its pytest settings.
//!
//! Every file written starts with a marker line (a comment: VS Code reads both JSON files
//! as JSONC). A file without it is the user's: never overwritten, reported and skipped.
//! Files are written only when their content changes; `--check` writes nothing and fails
//! naming each file that is missing or differs.

use std::time::Instant;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};
use serde_json::{Value, json};

use crate::Workspace;
use crate::error::Failed;
use crate::exec::shell_word;
use crate::fsutil;
use crate::lockfile::relative_path;
use crate::ui;
use crate::venv;

/// What `cargo xtask envrc` was given (`flags` describes the command line).
#[derive(Debug, Clone)]
pub struct Options {
    /// Write nothing: exit 1 if a file is missing or differs
    pub check: bool,
}

/// What the first line of every file this command writes says; how it knows its own files.
const MARKER: &str = "Written by `cargo xtask envrc`";
/// The VS Code workspace, at the root.
const WORKSPACE_FILE: &str = "monorepo.code-workspace";
const FIX: &str = "run `cargo xtask envrc`";

/// A file to write, relative to the root, and its content.
#[derive(Debug)]
struct Planned {
    path: Utf8PathBuf,
    text: String,
}

/// What is at a planned file's path now.
#[derive(Debug, PartialEq, Eq)]
enum Existing {
    Missing,
    /// A file of ours, with this content.
    Ours(String),
    /// Something this command did not write, and why it says so.
    Foreign(&'static str),
}

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    let start = Instant::now();
    let planned = plan(ws);
    let mut unchanged = 0;
    let mut written = Vec::new();
    let mut to_write = Vec::new();
    let mut skipped = Vec::new();
    for file in &planned {
        match existing(&ws.root.join(&file.path)) {
            Existing::Ours(text) if text == file.text => unchanged += 1,
            Existing::Foreign(why) => skipped.push((&file.path, why)),
            Existing::Missing if options.check => to_write.push(format!("{} is missing", file.path)),
            Existing::Ours(_) if options.check => {
                to_write.push(format!("{} differs from what `cargo xtask envrc` writes", file.path))
            }
            _ => {
                let path = ws.root.join(&file.path);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {dir}"))?;
                }
                fsutil::write_atomic(&path, &file.text)?;
                ui::status("Wrote", file.path.as_str());
                written.push(&file.path);
            }
        }
    }
    let left_alone = |path: &Utf8Path, why: &str| {
        format!("{path} {why}: left alone (move it away and run `cargo xtask envrc` to have it written)")
    };
    if options.check {
        let mut lines = String::new();
        for finding in &to_write {
            lines += &format!("- {finding}\n");
        }
        for (path, why) in &skipped {
            lines += &format!("- skipped: {}\n", left_alone(path, why));
        }
        ui::out(&lines);
        let summary = format!(
            "{}: {} to write, {} skipped ({})",
            ui::count(planned.len(), "file"),
            to_write.len(),
            skipped.len(),
            ui::elapsed(start.elapsed())
        );
        ui::status("Checked", &summary);
        if !to_write.is_empty() {
            ui::err(&format!("hint: {FIX} to write them\n"));
            return Err(Failed.into());
        }
        return Ok(());
    }
    for (path, why) in &skipped {
        ui::err(&format!("warning: {}\n", left_alone(path, why)));
    }
    // direnv runs a new or changed .envrc only once it is allowed.
    let allow: Vec<&str> = written
        .iter()
        .filter(|p| p.file_name() == Some(".envrc"))
        .filter_map(|p| p.parent().map(|dir| if dir.as_str().is_empty() { "." } else { dir.as_str() }))
        .collect();
    match allow.as_slice() {
        [] => {}
        [one] => ui::status(
            "Note",
            &format!("direnv runs a new or changed .envrc once allowed: `direnv allow {}`", shell_word(one)),
        ),
        many => ui::status(
            "Note",
            &format!(
                "direnv runs a new or changed .envrc once allowed: `for d in {}; do direnv allow \"$d\"; done`",
                many.iter().map(|d| shell_word(d)).collect::<Vec<_>>().join(" ")
            ),
        ),
    }
    warn_unignored(ws, &planned.iter().map(|f| f.path.as_path()).collect::<Vec<_>>());
    if written.iter().any(|p| p.as_str() == WORKSPACE_FILE) {
        ui::status("Note", &format!("open the projects in VS Code with `code {WORKSPACE_FILE}`"));
    }
    let summary = format!(
        "wrote {}, {} unchanged, {} left alone ({})",
        ui::count(written.len(), "file"),
        unchanged,
        skipped.len(),
        ui::elapsed(start.elapsed())
    );
    ui::status("Finished", &summary);
    Ok(())
}

/// Every file this command writes, with its content.
fn plan(ws: &Workspace) -> Vec<Planned> {
    let mut out = Vec::new();
    let mut folders = Vec::new();
    for (m, member) in ws.members.iter().enumerate() {
        let env = ws.env_of(m);
        let venv = venv_from_member(ws, m);
        let from = |path: &Utf8Path| relative_path(path, &member.dir);
        let settings = &member.pyproject.tests;
        let layers: Vec<&str> = env.layers.iter().map(|&l| ws.layers[l].name.as_str()).collect();
        let envrc = Envrc {
            member: &member.name,
            env: &env.name,
            python: &env.python,
            layers: &layers,
            lock: from(&env.lock),
            venv: venv.clone(),
            pythonpath: member.pythonpath.iter().map(|p| from(p)).collect(),
            environment: settings.environment.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        };
        out.push(Planned { path: member.dir.join(".envrc"), text: envrc.render() });
        let mut pytest_args = crate::pytest::member_args(member);
        pytest_args.extend(settings.testpaths.iter().cloned());
        let vscode = VsCode {
            interpreter: slashes(venv::python(Utf8Path::new(&venv)).as_str()),
            extra_paths: envrc.pythonpath.clone(),
            pytest_args,
        };
        out.push(Planned { path: member.dir.join(".vscode/settings.json"), text: vscode.render() });
        folders.push((member.name.clone(), slashes(member.dir.as_str())));
    }
    out.push(Planned { path: WORKSPACE_FILE.into(), text: code_workspace(&folders) });
    out
}

/// The member's venv, relative to its folder: its `.venv` when the venv is there or linked
/// there, else the shared or displaced venv's own path.
fn venv_from_member(ws: &Workspace, m: usize) -> String {
    let member = &ws.members[m];
    let env = ws.env_of(m);
    let own = member.dir.join(".venv");
    if env.venv == own || env.links.contains(&own) { ".venv".to_owned() } else { relative_path(&env.venv, &member.dir) }
}

/// `\` to `/`: direnv's shells and VS Code both read forward slashes on every platform.
fn slashes(path: &str) -> String {
    path.replace('\\', "/")
}

/// What a member's `.envrc` says, every path relative to the member's folder (direnv runs
/// it from there).
#[derive(Debug)]
struct Envrc<'a> {
    member: &'a str,
    env: &'a str,
    python: &'a str,
    layers: &'a [&'a str],
    lock: String,
    venv: String,
    pythonpath: Vec<String>,
    environment: Vec<(&'a str, &'a str)>,
}

impl Envrc<'_> {
    fn render(&self) -> String {
        let activate = format!("{}/activate", slashes(venv::bin_dir(Utf8Path::new(&self.venv)).as_str()));
        let mut out = format!(
            "# {MARKER} from the project's env and [tool.monorepo] settings: run it again after changing them.\n\
             # Delete this line to keep your own edits: it then leaves the file alone.\n\
             # Project `{}`, env `{}` (Python {}; layers {}).\n",
            self.member,
            self.env,
            self.python,
            self.layers.join(", ")
        );
        out += &format!("watch_file {}\n", shell_word(&self.lock));
        // Reloads once `setup-envs` makes the venv, or makes it anew.
        out += &format!("watch_file {}\n", shell_word(&activate));
        out += &format!("if [[ -f {} ]]; then\n", shell_word(&activate));
        out += "  export VIRTUAL_ENV_DISABLE_PROMPT=1 # direnv cannot export a prompt\n";
        out += &format!("  source {}\n", shell_word(&activate));
        out += "else\n";
        let missing = format!("no venv at {} yet: run `cargo xtask setup-envs -p {}`", self.venv, self.member);
        out += &format!("  log_error {}\n", shell_word(&missing));
        out += "fi\n";
        if !self.pythonpath.is_empty() {
            // direnv's `path_add` makes them absolute and puts them first, in this order,
            // as `test-all` does.
            let dirs: Vec<String> = self.pythonpath.iter().map(|p| shell_word(p)).collect();
            out += &format!("path_add PYTHONPATH {}\n", dirs.join(" "));
        }
        for (key, value) in &self.environment {
            if is_shell_name(key) {
                out += &format!("export {key}={}\n", shell_word(value));
            } else {
                out += &format!("# not exported: `{key}` is not a shell variable name\n");
            }
        }
        // Last, so the developer's own `.env` wins over the project's defaults.
        out += "dotenv_if_exists .env\n";
        out
    }
}

/// A member's `.vscode/settings.json`, paths relative to its folder.
#[derive(Debug)]
struct VsCode {
    /// The venv's interpreter, relative to the member's folder.
    interpreter: String,
    /// The `pythonpath` folders, for Pylance's imports.
    extra_paths: Vec<String>,
    pytest_args: Vec<String>,
}

impl VsCode {
    fn render(&self) -> String {
        let mut settings = serde_json::Map::new();
        settings.insert(
            "python.defaultInterpreterPath".into(),
            json!(format!("${{workspaceFolder}}/{}", self.interpreter)),
        );
        if !self.extra_paths.is_empty() {
            settings.insert("python.analysis.extraPaths".into(), json!(self.extra_paths));
        }
        settings.insert("python.testing.pytestEnabled".into(), json!(true));
        if !self.pytest_args.is_empty() {
            settings.insert("python.testing.pytestArgs".into(), json!(self.pytest_args));
        }
        jsonc(
            "from the project's env: run it again after changing it. Delete this line to keep your own edits.",
            &Value::Object(settings),
        )
    }
}

/// The root's `.code-workspace`: a folder per member (name, path from the root), sorted by name.
fn code_workspace(folders: &[(String, String)]) -> String {
    let mut folders: Vec<&(String, String)> = folders.iter().collect();
    folders.sort();
    let folders: Vec<Value> = folders.iter().map(|(name, path)| json!({ "name": name, "path": path })).collect();
    let workspace = json!({
        "folders": folders,
        "extensions": { "recommendations": ["ms-python.python"] },
    });
    jsonc(
        "with a folder per project; each project's interpreter is in its .vscode/settings.json. Delete this line to keep your own edits.",
        &workspace,
    )
}

/// JSON with the marker as a first `//` line (VS Code reads these files as JSONC).
fn jsonc(what: &str, value: &Value) -> String {
    format!("// {MARKER} {what}\n{value:#}\n")
}

/// What is at `path`: nothing, a file of ours, or something else (never to be replaced: a
/// file without the marker, a link, a folder, a file that is not text).
fn existing(path: &Utf8Path) -> Existing {
    let meta = match std::fs::symlink_metadata(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Existing::Missing,
        Err(_) => return Existing::Foreign("cannot be read"),
        Ok(meta) => meta,
    };
    if meta.file_type().is_symlink() {
        return Existing::Foreign("is a link");
    }
    if !meta.is_file() {
        return Existing::Foreign("is not a file");
    }
    match std::fs::read_to_string(path) {
        Ok(text) if is_ours(&text) => Existing::Ours(text),
        Ok(_) => Existing::Foreign("was not written by `cargo xtask envrc` (its first line is not the marker)"),
        Err(_) => Existing::Foreign("is not text"),
    }
}

/// Whether `text` starts with the marker comment (`# ...` or `// ...`).
fn is_ours(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("").trim_start();
    first
        .strip_prefix('#')
        .or_else(|| first.strip_prefix("//"))
        .is_some_and(|rest| rest.trim_start().starts_with(MARKER))
}

/// A name `export` takes: a letter or `_`, then letters, digits and `_`.
fn is_shell_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Says which of the files it writes git does not ignore: per machine, they should not be
/// committed, and untracked they count as changes for `affected` and the result cache.
fn warn_unignored(ws: &Workspace, files: &[&Utf8Path]) {
    let cmd = crate::exec::Cmd::new("git", &ws.root).arg("check-ignore").args(files.iter().map(|f| f.as_str()));
    // It lists the ignored ones (exit 1 when none is); outside a repository, or without git,
    // there is nothing to say.
    let Ok(done) = crate::exec::read(&cmd) else { return };
    if done.stderr.contains("fatal:") {
        return;
    }
    let ignored: Vec<&str> = done.stdout.lines().collect();
    let lines: Vec<String> = files.iter().filter(|f| !ignored.contains(&f.as_str())).map(|f| format!("/{f}")).collect();
    if !lines.is_empty() {
        ui::err(&format!(
            "warning: git does not ignore {} that envrc writes per machine; untracked, they count as changes \
             for `affected` and the result cache. Add to .gitignore:\n  {}\n",
            ui::count(lines.len(), "file"),
            lines.join("\n  ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_the_shell_would_read() {
        assert_eq!(shell_word("../../_meta/requirements/web.txt"), "../../_meta/requirements/web.txt");
        assert_eq!(shell_word("my project/.venv"), "'my project/.venv'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
        assert_eq!(shell_word(""), "''");
        assert!(is_shell_name("APP_ENV") && is_shell_name("_x1"));
        assert!(!is_shell_name("1X") && !is_shell_name("A-B") && !is_shell_name(""));
    }

    #[test]
    fn knows_its_files_by_the_first_line() {
        assert!(is_ours(&format!("# {MARKER} from...\nwatch_file x\n")));
        assert!(is_ours(&format!("// {MARKER} with...\n{{}}\n")));
        assert!(!is_ours("use nix\n"));
        assert!(!is_ours(&format!("use nix\n# {MARKER}\n")), "the marker counts on the first line only");
        assert!(!is_ours(""));
    }

    #[test]
    fn an_envrc_activates_the_venv_and_sets_what_the_suite_gets() {
        let envrc = Envrc {
            member: "web",
            env: "http",
            python: "3.12",
            layers: &["base", "http"],
            lock: "../../_meta/requirements/http.txt".into(),
            venv: ".venv".into(),
            pythonpath: vec!["../shared".into(), "../..".into()],
            environment: vec![("GREETING", "it's here"), ("NOT-A-NAME", "x")],
        };
        let text = envrc.render();
        let bin = if cfg!(windows) { "Scripts" } else { "bin" };
        let expected = format!(
            "# {MARKER} from the project's env and [tool.monorepo] settings: run it again after changing them.\n\
             # Delete this line to keep your own edits: it then leaves the file alone.\n\
             # Project `web`, env `http` (Python 3.12; layers base, http).\n\
             watch_file ../../_meta/requirements/http.txt\n\
             watch_file .venv/{bin}/activate\n\
             if [[ -f .venv/{bin}/activate ]]; then\n\
             \x20 export VIRTUAL_ENV_DISABLE_PROMPT=1 # direnv cannot export a prompt\n\
             \x20 source .venv/{bin}/activate\n\
             else\n\
             \x20 log_error 'no venv at .venv yet: run `cargo xtask setup-envs -p web`'\n\
             fi\n\
             path_add PYTHONPATH ../shared ../..\n\
             export GREETING='it'\\''s here'\n\
             # not exported: `NOT-A-NAME` is not a shell variable name\n\
             dotenv_if_exists .env\n"
        );
        assert_eq!(text, expected);
        assert!(is_ours(&text));
    }

    /// The JSONC files parse as JSON once their `//` lines are dropped, as VS Code reads them.
    fn parse_jsonc(text: &str) -> Value {
        let json: String =
            text.lines().filter(|l| !l.trim_start().starts_with("//")).map(|l| format!("{l}\n")).collect();
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn vscode_files_are_jsonc_with_the_marker_first() {
        let settings = VsCode {
            interpreter: ".venv/bin/python".into(),
            extra_paths: vec!["../shared".into()],
            pytest_args: vec!["-m".into(), "not slow".into()],
        }
        .render();
        assert!(is_ours(&settings), "{settings}");
        let value = parse_jsonc(&settings);
        assert_eq!(value["python.defaultInterpreterPath"], "${workspaceFolder}/.venv/bin/python");
        assert_eq!(value["python.analysis.extraPaths"], json!(["../shared"]));
        assert_eq!(value["python.testing.pytestArgs"], json!(["-m", "not slow"]));
        let plain =
            parse_jsonc(&VsCode { interpreter: "x".into(), extra_paths: Vec::new(), pytest_args: Vec::new() }.render());
        assert!(plain.get("python.analysis.extraPaths").is_none() && plain.get("python.testing.pytestArgs").is_none());

        let workspace = code_workspace(&[("web".into(), "projects/web".into()), ("api".into(), "services/api".into())]);
        assert!(is_ours(&workspace), "{workspace}");
        let value = parse_jsonc(&workspace);
        assert_eq!(
            value["folders"],
            json!([{ "name": "api", "path": "services/api" }, { "name": "web", "path": "projects/web" }])
        );
    }

    #[test]
    fn never_takes_a_file_it_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        assert_eq!(existing(&root.join(".envrc")), Existing::Missing);
        fsutil::write_test_file(root, "mine/.envrc", "use nix\n");
        assert!(matches!(existing(&root.join("mine/.envrc")), Existing::Foreign(_)));
        let ours = format!("# {MARKER}\n");
        fsutil::write_test_file(root, "ours/.envrc", &ours);
        assert_eq!(existing(&root.join("ours/.envrc")), Existing::Ours(ours));
        std::fs::create_dir_all(root.join("folder/.envrc")).unwrap();
        assert_eq!(existing(&root.join("folder/.envrc")), Existing::Foreign("is not a file"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("ours/.envrc"), root.join("link")).unwrap();
            assert_eq!(existing(&root.join("link")), Existing::Foreign("is a link"));
        }
    }
}
