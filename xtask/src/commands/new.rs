//! `cargo xtask new NAME`: a new member with a pyproject, a `src/` package and a first test.
//!
//! Everything is checked before a file is written (a valid name that no project, package
//! or folder has; members and layers that exist). The folder goes where the config's first
//! `members` pattern puts projects; when the patterns do not match it, it is added to
//! `members`. The result is proved by loading the workspace: if that fails, every file
//! written is removed and the config put back.

use std::collections::BTreeMap;

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::config::CONFIG_PATH;
use crate::error::hinted;
use crate::pep508::{normalize, requirement_name};
use crate::{Workspace, edit, fsutil, ui};

/// What `cargo xtask new` was given (`flags` describes the command line).
#[derive(Debug, Clone)]
pub struct Options {
    /// The project's name (its folder's and, prefixed as the others are, its package's)
    pub name: String,
    /// A project it depends on (repeatable)
    pub depends_on: Vec<String>,
    /// A layer it opts into (repeatable)
    pub layers: Vec<String>,
}

/// The build backend of the sample projects (and of the tests' wheelhouse): `uv_build`,
/// within the range the pinned uv builds.
const BUILD_SYSTEM: &str = "[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n";

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    let name = options.name.as_str();
    check_name(ws, name)?;
    let package = normalize(&format!("{}{name}", package_prefix(ws).unwrap_or_default()));
    let module = package.replace('-', "_");
    check_module(name, &module)?;
    if let Some(other) = ws.members.iter().find(|m| m.pyproject.package == package) {
        return Err(hinted(
            format!("cannot create `{name}`: its package `{package}` is the package of {}", other.dir),
            "choose another name",
        ));
    }
    let dir = parent_folder(ws).join(name);
    if std::fs::symlink_metadata(ws.root.join(&dir)).is_ok() {
        return Err(hinted(
            format!("cannot create `{name}`: {dir} exists"),
            format!("choose another name, or move {dir} away"),
        ));
    }
    let dependencies = dependencies(ws, &options.depends_on)?;
    let layers = layers(ws, &options.layers)?;
    let files = [
        (dir.join("pyproject.toml"), pyproject(ws, &package, &dependencies, &layers)),
        (dir.join(format!("src/{module}/__init__.py")), format!("\"\"\"{package}: a project of the monorepo.\"\"\"\n")),
        (
            dir.join(format!("tests/test_{module}.py")),
            format!("import {module}\n\n\ndef test_it_imports():\n    assert {module}.__name__ == \"{module}\"\n"),
        ),
    ];
    // What to remove if the result does not load: the top folder this run creates.
    let mut created = dir.clone();
    while let Some(parent) = created.parent().filter(|p| !p.as_str().is_empty() && !ws.root.join(p).exists()) {
        created = parent.to_owned();
    }
    let config_path = ws.root.join(CONFIG_PATH);
    let config_before = fsutil::read(&config_path)?;
    let mut config_written = false;
    let result = write_and_load(ws, name, &dir, &files, &config_before, &mut config_written);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(ws.root.join(&created));
        if config_written && let Err(err) = fsutil::write_atomic(&config_path, &config_before) {
            ui::err(&format!("warning: could not restore {CONFIG_PATH}: {err:#}\n"));
        }
    }
    result?;
    ui::status("Created", &format!("{dir}: package `{package}`, module `{module}`"));
    for (file, _) in &files {
        ui::status("Wrote", file.as_str());
    }
    if config_written {
        ui::status("Updated", &format!("{CONFIG_PATH}: \"{dir}\" added to `members`"));
    }
    ui::status("Next", &format!("`cargo xtask test {name}` locks it, sets up its venv and runs its first test"));
    Ok(())
}

/// Writes the files and loads the workspace with them; adds the folder to `members` when
/// the patterns do not match it. The new member must load under `name`.
fn write_and_load(
    ws: &Workspace,
    name: &str,
    dir: &Utf8Path,
    files: &[(Utf8PathBuf, String)],
    config_before: &str,
    config_written: &mut bool,
) -> Result<()> {
    for (file, text) in files {
        let path = ws.root.join(file);
        std::fs::create_dir_all(path.parent().expect("a file in a folder"))
            .map_err(|err| anyhow::anyhow!("cannot create the folder of {file}: {err}"))?;
        fsutil::write_atomic(&path, text)?;
    }
    let mut loaded = Workspace::load(&ws.root)?;
    if !loaded.members.iter().any(|m| m.dir == dir) {
        let text = edit::add_member_dir(Utf8Path::new(CONFIG_PATH), config_before, dir.as_str())?;
        fsutil::write_atomic(&ws.root.join(CONFIG_PATH), &text)?;
        *config_written = true;
        loaded = Workspace::load(&ws.root)?;
    }
    match loaded.members.iter().find(|m| m.dir == dir) {
        Some(member) if member.name == name => Ok(()),
        Some(member) => Err(hinted(
            format!(
                "{dir} would be the project `{}`, not `{name}`: another project's folder has its name",
                member.name
            ),
            "choose another name",
        )),
        None => Err(hinted(
            format!(
                "{dir} is not a project even when listed in `members`: an `exclude` pattern of {CONFIG_PATH} matches it"
            ),
            "choose another name, or change `exclude`",
        )),
    }
}

/// A project's name is a folder's, a lock's and a package's part: PEP 508 name characters,
/// and no project, package, folder name or layer has it.
fn check_name(ws: &Workspace, name: &str) -> Result<()> {
    if requirement_name(name) != Some(name) {
        return Err(hinted(
            format!("`{name}` is not a valid project name"),
            "use letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (`billing`)",
        ));
    }
    if let Ok(m) = ws.member(name) {
        return Err(hinted(
            format!(
                "a project named `{name}` exists: {} (package `{}`)",
                ws.members[m].dir, ws.members[m].pyproject.package
            ),
            "choose another name",
        ));
    }
    if let Some(other) = ws.members.iter().find(|m| m.dir.file_name() == Some(name)) {
        return Err(hinted(
            format!("cannot create `{name}`: the folder of {} (project `{}`) has that name", other.dir, other.name),
            "choose another name: two folders named alike both get longer names",
        ));
    }
    if ws.layers.iter().any(|l| l.name == name) {
        return Err(hinted(
            format!("cannot create `{name}`: it is the name of a layer (both would be locked to {name}.txt)"),
            "choose another name",
        ));
    }
    Ok(())
}

/// The package's module must be one Python can import.
fn check_module(name: &str, module: &str) -> Result<()> {
    const KEYWORDS: &[&str] = &[
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
        "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ];
    if module.starts_with(|c: char| c.is_ascii_digit()) || KEYWORDS.contains(&module) {
        return Err(hinted(
            format!("cannot create `{name}`: its module would be `{module}`, which Python cannot import"),
            "choose a name that starts with a letter and is not a Python keyword",
        ));
    }
    Ok(())
}

/// The prefix most members' packages put before their folder's name (`ideas-` for
/// `ideas-model` in `projects/model`), when more than half of them share it. Members
/// without a pyproject have no package to count.
fn package_prefix(ws: &Workspace) -> Option<String> {
    let pairs = ws
        .members
        .iter()
        .filter(|m| ws.root.join(&m.dir).join("pyproject.toml").is_file())
        .filter_map(|m| Some((m.dir.file_name()?, m.pyproject.package.as_str())));
    majority_prefix(pairs)
}

/// Of (folder name, package) pairs, the prefix more than half of the packages put before
/// their folder's name, with its `-`.
fn majority_prefix<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Option<String> {
    let mut prefixes: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0;
    for (folder, package) in pairs {
        total += 1;
        let (folder, package) = (normalize(folder), normalize(package));
        if let Some(prefix) = package.strip_suffix(&folder).filter(|p| p.ends_with('-')) {
            *prefixes.entry(prefix.to_owned()).or_default() += 1;
        }
    }
    prefixes.into_iter().find(|&(_, n)| n * 2 > total).map(|(prefix, _)| prefix)
}

/// Where new projects go: the literal folder of the first `members` pattern (`projects`
/// for `projects/*`); for a pattern naming one folder, its parent; without patterns, the
/// parent of the first member.
fn parent_folder(ws: &Workspace) -> Utf8PathBuf {
    match ws.config.members.first() {
        Some(pattern) => folder_of_pattern(pattern),
        None => ws.members.first().and_then(|m| m.dir.parent()).map(Utf8Path::to_owned).unwrap_or_default(),
    }
}

/// The folder a `members` pattern puts projects in: its parts before the first glob, or
/// for a pattern naming one folder, that folder's parent.
fn folder_of_pattern(pattern: &str) -> Utf8PathBuf {
    let mut pattern = pattern.trim();
    while let Some(rest) = pattern.strip_prefix("./") {
        pattern = rest;
    }
    let parts: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let literal = parts.iter().position(|p| p.contains(['*', '?', '[', '{'])).unwrap_or(parts.len() - 1);
    Utf8PathBuf::from(parts[..literal].join("/"))
}

/// The packages of the `--depends-on` members, each once.
fn dependencies(ws: &Workspace, names: &[String]) -> Result<Vec<String>> {
    let mut packages: Vec<String> = Vec::new();
    for name in names {
        let member = &ws.members[ws.member(name).map_err(|err| {
            let hint = crate::error::hint_of(&err).unwrap_or_default().to_owned();
            hinted(format!("--depends-on {name}: no project of that name"), hint)
        })?];
        if !member.installable {
            return Err(hinted(
                format!("--depends-on {name}: {} is not a package (it has no pyproject.toml to install)", member.dir),
                "depend on a project with a pyproject.toml",
            ));
        }
        if !packages.contains(&member.pyproject.package) {
            packages.push(member.pyproject.package.clone());
        }
    }
    Ok(packages)
}

/// The `--layer` names, each a declared layer (base is under every env already), each once.
fn layers(ws: &Workspace, names: &[String]) -> Result<Vec<String>> {
    let declared: Vec<&str> = ws.layers.iter().map(|l| l.name.as_str()).filter(|&l| l != crate::layers::BASE).collect();
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if name == crate::layers::BASE {
            return Err(hinted("--layer base: every env is on base already", "leave it out"));
        }
        if !declared.contains(&name.as_str()) {
            let close = crate::suggest::closest(name, declared.iter().copied())
                .map(|close| format!("did you mean `{close}`? "))
                .unwrap_or_default();
            let known = if declared.is_empty() { "none".to_owned() } else { declared.join(", ") };
            return Err(hinted(
                format!("--layer {name}: no layer of that name"),
                format!("{close}the layers that can be opted into are: {known} ([layers.NAME] in {CONFIG_PATH})"),
            ));
        }
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    Ok(out)
}

/// The new pyproject: PEP 621 metadata, the samples' build backend, its layers.
fn pyproject(ws: &Workspace, package: &str, dependencies: &[String], layers: &[String]) -> String {
    let array = |items: &[String]| {
        let mut array: toml_edit::Array = items.iter().map(String::as_str).collect();
        array.fmt();
        array.to_string()
    };
    let mut text = format!("[project]\nname = \"{package}\"\nversion = \"0.1.0\"\n");
    // The config's Python as the floor; for an interpreter named by path, its version.
    let version = crate::venv::version_of_request(&ws.config.python);
    if crate::venv::is_version(&version) {
        let minor: Vec<&str> = version.split('.').take(2).collect();
        text += &format!("requires-python = \">={}\"\n", minor.join("."));
    }
    text += &format!("dependencies = {}\n\n{BUILD_SYSTEM}", array(dependencies));
    if !layers.is_empty() {
        text += &format!("\n[tool.monorepo]\nlayers = {}\n", array(layers));
    }
    text + "\n[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_modules_python_cannot_import() {
        assert!(check_module("billing", "ideas_billing").is_ok());
        assert!(check_module("2fa", "2fa").is_err());
        assert!(check_module("class", "class").is_err());
    }

    #[test]
    fn follows_the_package_prefix_most_projects_use() {
        let samples = [("model", "ideas-model"), ("web", "ideas-web"), ("Scoring", "Ideas_Scoring")];
        assert_eq!(majority_prefix(samples.into_iter()).as_deref(), Some("ideas-"));
        let split = [("a", "x-a"), ("b", "y-b"), ("c", "c")];
        assert_eq!(majority_prefix(split.into_iter()), None, "no prefix has more than half");
        let half = [("a", "x-a"), ("b", "b")];
        assert_eq!(majority_prefix(half.into_iter()), None);
        assert_eq!(majority_prefix([("a", "xa")].into_iter()), None, "a prefix ends with `-`");
        assert_eq!(majority_prefix(std::iter::empty()), None);
    }

    #[test]
    fn puts_projects_in_the_folder_of_the_first_pattern() {
        assert_eq!(folder_of_pattern("projects/*"), "projects");
        assert_eq!(folder_of_pattern("./libs/py-*/"), "libs");
        assert_eq!(folder_of_pattern("projects/model"), "projects");
        assert_eq!(folder_of_pattern("apps/**"), "apps");
        assert_eq!(folder_of_pattern("*"), "");
        assert_eq!(folder_of_pattern("model"), "");
    }
}
