//! `cargo xtask add` / `remove`: edit a project's pyproject (or a layer's `.in`), then
//! re-lock and sync what the edit touches.
//!
//! The edit is checked before anything is written (each requirement reads as PEP 508, the
//! project has a pyproject), written in place with everything else byte for byte (see
//! [`crate::edit`]), and then proved: the workspace loads again and the locks it touches
//! compile. If either fails the file is put back exactly as it was, and the locks are too
//! (`lock::compile` is all or nothing), so a refused requirement leaves no trace. The sync
//! comes last: a failed sync keeps the edit and its locks, which agree; `setup-envs` retries.

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::config::CONFIG_PATH;
use crate::edit::{self, Change, Edited, List};
use crate::error::hinted;
use crate::lock::Upgrade;
use crate::pep508::{normalize, requirement_name};
use crate::{Workspace, fsutil, ui};

/// What `cargo xtask add` was given (`flags` describes the command line).
#[derive(Debug, Clone)]
pub struct AddOptions {
    /// The project, then the requirements (PEP 508); with --layer, the requirements only
    pub args: Vec<String>,
    /// Into this dependency group instead of the dependencies
    pub group: Option<String>,
    /// Into this layer's .in file (base, ...) instead of a project
    pub layer: Option<String>,
}

/// What `cargo xtask remove` was given (`flags` describes the command line).
#[derive(Debug, Clone)]
pub struct RemoveOptions {
    /// The project, then the package names; with --layer, the names only
    pub args: Vec<String>,
    /// From this dependency group instead of the dependencies
    pub group: Option<String>,
    /// From this layer's .in file instead of a project
    pub layer: Option<String>,
}

pub fn add(ws: &Workspace, cwd: &Utf8Path, options: &AddOptions) -> Result<()> {
    let target = Target::resolve(ws, cwd, &options.args, options.layer.as_deref(), options.group.as_deref(), "add")?;
    let reqs: Vec<String> = target.items.iter().map(|r| r.trim().to_owned()).collect();
    check_requirements(ws, &target, &reqs)?;
    let text = target.read(ws)?;
    let edited = match target.list() {
        Some(list) => edit::add_to_pyproject(&target.file, &text, list, &reqs)?,
        None => edit::add_to_infile(&target.file, &text, &reqs)?,
    };
    apply(ws, &target, &text, &edited)
}

pub fn remove(ws: &Workspace, cwd: &Utf8Path, options: &RemoveOptions) -> Result<()> {
    let target = Target::resolve(ws, cwd, &options.args, options.layer.as_deref(), options.group.as_deref(), "remove")?;
    let packages: Vec<String> = target.items.iter().map(|p| p.trim().to_owned()).collect();
    for package in &packages {
        if requirement_name(package) != Some(package.as_str()) {
            return Err(hinted(
                format!("cannot remove `{package}` from {}: it is not a package name", target.file),
                format!(
                    "`remove` takes package names (`tiny-a`), not requirements{}",
                    requirement_name(package).map(|n| format!(": `{n}`")).unwrap_or_default()
                ),
            ));
        }
    }
    check_each_once(&packages, |p| p)?;
    let text = target.read(ws)?;
    let edited = match target.list() {
        Some(list) => edit::remove_from_pyproject(&target.file, &text, list, &packages)?,
        None => edit::remove_from_infile(&target.file, &text, &packages)?,
    };
    apply(ws, &target, &text, &edited)
}

/// Each requirement reads as PEP 508, names its package once, and is one the target can
/// take: not a project's own package, not a project of the monorepo in a layer.
fn check_requirements(ws: &Workspace, target: &Target, reqs: &[String]) -> Result<()> {
    for req in reqs {
        if let Some(why) = edit::invalid_requirement(req) {
            return Err(hinted(
                format!("cannot add `{req}` to {}: {why}", target.file),
                "give PEP 508 requirements, quoted for the shell: `'tiny-a>=1.16'`, `'httpx[http2]'`, \
                 `\"numpy ; python_version >= '3.12'\"`",
            ));
        }
    }
    check_each_once(reqs, |r| requirement_name(r).unwrap_or(r))?;
    for req in reqs {
        let name = normalize(requirement_name(req).unwrap_or(req));
        match &target.kind {
            Kind::Member { package, .. } if *package == name => {
                return Err(hinted(
                    format!("cannot add `{req}` to {}: `{name}` is that project's own package", target.file),
                    "name another package",
                ));
            }
            Kind::Layer { .. } => {
                if let Some(member) = ws.members.iter().find(|m| m.installable && m.pyproject.package == name) {
                    return Err(hinted(
                        format!(
                            "cannot add `{req}` to {}: `{name}` is the project {} of this monorepo, which a layer does not install",
                            target.file, member.dir
                        ),
                        format!("add it to the projects that need it: `cargo xtask add PROJECT {name}`"),
                    ));
                }
            }
            Kind::Member { .. } => {}
        }
    }
    Ok(())
}

/// What an `add` or `remove` edits.
struct Target {
    /// The file, relative to the root.
    file: Utf8PathBuf,
    kind: Kind,
    /// What follows the project on the command line: requirements, or package names.
    items: Vec<String>,
}

enum Kind {
    /// A member's pyproject: its folder (its index may change when the workspace is loaded
    /// again), its package, and the dependency group when not the dependencies.
    Member { dir: Utf8PathBuf, package: String, group: Option<String> },
    /// A layer's `.in` file.
    Layer { name: String },
}

impl Target {
    fn resolve(
        ws: &Workspace,
        cwd: &Utf8Path,
        args: &[String],
        layer: Option<&str>,
        group: Option<&str>,
        verb: &str,
    ) -> Result<Target> {
        let what = if verb == "add" { "requirement" } else { "package" };
        if let Some(layer) = layer {
            let Some(found) = ws.layers.iter().find(|l| l.name == layer) else {
                let names: Vec<&str> = ws.layers.iter().map(|l| l.name.as_str()).collect();
                let close = crate::suggest::closest(layer, names.iter().copied())
                    .map(|close| format!("did you mean `{close}`? "))
                    .unwrap_or_default();
                return Err(hinted(
                    format!("--layer {layer}: no layer of that name"),
                    format!("{close}the layers are: {} (declared as [layers.NAME] in {CONFIG_PATH})", names.join(", ")),
                ));
            };
            return Ok(Target {
                file: found.input(),
                kind: Kind::Layer { name: found.name.clone() },
                items: args.to_vec(),
            });
        }
        let (name, items) = args.split_first().expect("clap requires one argument");
        if items.is_empty() {
            return Err(hinted(
                format!("`{verb} {name}` names no {what}"),
                format!(
                    "name the project, then each {what}: `cargo xtask {verb} PROJECT {}`; for a layer, `cargo xtask {verb} --layer LAYER ...`",
                    if verb == "add" { "'tiny-a>=1.16'" } else { "tiny-a" }
                ),
            ));
        }
        let member = &ws.members[ws.member_named(cwd, name)?];
        let file = member.dir.join("pyproject.toml");
        if !ws.root.join(&file).is_file() {
            let hint = match &member.requirements {
                Some(requirements) => {
                    format!("edit its requirements file {requirements} by hand, then run `cargo xtask lock`")
                }
                None => format!(
                    "give it a pyproject.toml, or a requirements file (`requirements = \"requirements.txt\"` under [member.\"{}\"] in {CONFIG_PATH})",
                    member.dir
                ),
            };
            return Err(hinted(
                format!(
                    "`{}` has no pyproject.toml to edit: {} is declared as [member.\"{}\"] in {CONFIG_PATH}",
                    member.name, member.dir, member.dir
                ),
                hint,
            ));
        }
        if let Some(group) = group
            && requirement_name(group) != Some(group)
        {
            return Err(hinted(
                format!("--group {group}: not a dependency group name"),
                "a group's name is like a package's: letters, digits, `-`, `_` and `.` (`--group test`)",
            ));
        }
        if group.is_none() && member.pyproject.dynamic.iter().any(|d| d == "dependencies") {
            return Err(hinted(
                format!("{file}: its dependencies are dynamic (its build backend computes them)"),
                format!(
                    "edit the file that {file}'s build backend reads them from (a requirements.txt, say), or add to a group with --group; then run `cargo xtask lock`"
                ),
            ));
        }
        Ok(Target {
            file,
            kind: Kind::Member {
                dir: member.dir.clone(),
                package: member.pyproject.package.clone(),
                group: group.map(str::to_owned),
            },
            items: items.to_vec(),
        })
    }

    /// The pyproject list edited, or `None` for a layer's `.in`.
    fn list(&self) -> Option<List<'_>> {
        match &self.kind {
            Kind::Member { group: Some(group), .. } => Some(List::Group(group)),
            Kind::Member { group: None, .. } => Some(List::Dependencies),
            Kind::Layer { .. } => None,
        }
    }

    /// Where in the file, for the status lines.
    fn place(&self) -> String {
        match (&self.kind, self.list()) {
            (Kind::Layer { name }, _) => format!("layer `{name}`"),
            (Kind::Member { .. }, list) => list.unwrap_or(List::Dependencies).describe(),
        }
    }

    /// Read as the workspace was loaded from it (so UTF-8 already).
    fn read(&self, ws: &Workspace) -> Result<String> {
        fsutil::read(&ws.root.join(&self.file))
    }
}

/// Each package once on a command line: which of two entries to write would be a guess.
fn check_each_once<'a>(items: &'a [String], name_of: impl Fn(&'a str) -> &'a str) -> Result<()> {
    for (ix, item) in items.iter().enumerate() {
        let name = normalize(name_of(item));
        if let Some(other) = items[..ix].iter().find(|o| normalize(name_of(o)) == name) {
            return Err(hinted(format!("`{name}` is given twice (`{other}` and `{item}`)"), "give each package once"));
        }
    }
    Ok(())
}

/// Writes the edit, reloads the workspace and re-locks what it touches; on any failure
/// there, puts the file back as `original` and returns the error. Then syncs the envs.
fn apply(ws: &Workspace, target: &Target, original: &str, edited: &Edited) -> Result<()> {
    let path = ws.root.join(&target.file);
    let changed = edited.changed();
    if changed {
        fsutil::write_atomic(&path, &edited.text)?;
    }
    report(target, &edited.changes);
    let relocked = relock(ws, target);
    let (ws, envs) = match relocked {
        Ok(done) => done,
        Err(err) => {
            if changed {
                match fsutil::write_atomic(&path, original) {
                    Ok(()) => ui::status("Restored", &format!("{} as it was before this run", target.file)),
                    Err(put_back) => ui::err(&format!("warning: could not restore {}: {put_back:#}\n", target.file)),
                }
            }
            return Err(err);
        }
    };
    note_uninstalled_group(&ws, target, &edited.changes);
    super::setup_envs::ensure(&ws, &envs, super::default_jobs())
}

/// The status line of each change.
fn report(target: &Target, changes: &[Change]) {
    let (file, place) = (&target.file, target.place());
    for change in changes {
        match change {
            Change::Added(req) => ui::status("Added", &format!("`{req}` to {file} ({place})")),
            Change::Replaced { old, new } => {
                ui::status("Replaced", &format!("`{old}` with `{new}` in {file} ({place})"));
            }
            Change::Unchanged(req) => ui::status("Unchanged", &format!("`{req}` is in {file} ({place}) already")),
            Change::Removed(req) => ui::status("Removed", &format!("`{req}` from {file} ({place})")),
        }
    }
}

/// Loads the edited workspace and compiles the locks the edit touches: for a project, every
/// env it is installed in (its own, its dependants'); for a layer, the layer and every lock
/// on it. Returns the workspace and those envs, to sync.
fn relock(ws: &Workspace, target: &Target) -> Result<(Workspace, Vec<usize>)> {
    let ws = Workspace::load(&ws.root)?;
    let (named, selected, envs) = match &target.kind {
        Kind::Member { dir, .. } => {
            let m = ws
                .members
                .iter()
                .position(|m| &m.dir == dir)
                .ok_or_else(|| anyhow::anyhow!("{dir} is no longer a project after the edit"))?;
            let envs: Vec<usize> = (0..ws.envs.len())
                .filter(|&e| ws.envs[e].members.contains(&m) || ws.envs[e].editables.contains(&m))
                .collect();
            let needed = super::lock::needed_by(&ws, &envs);
            (needed.clone(), needed, envs)
        }
        Kind::Layer { name } => {
            let (named, selected) = super::lock::scope(&ws, std::slice::from_ref(name))?;
            let layer = ws.layers.iter().position(|l| &l.name == name).expect("scope found it");
            let envs: Vec<usize> = (0..ws.envs.len()).filter(|&e| ws.envs[e].layers.contains(&layer)).collect();
            (named, selected, envs)
        }
    };
    // The syncs' Pythons are checked before any lock is written.
    let preflight = || super::setup_envs::preflight(&ws, &envs);
    super::lock::compile(&ws, &named, &selected, &Upgrade::default(), super::default_jobs(), &preflight)?;
    Ok((ws, envs))
}

/// A group that the project's env does not install gets its requirements locked nowhere:
/// say so, rather than let `add --group docs` look like it installed something.
fn note_uninstalled_group(ws: &Workspace, target: &Target, changes: &[Change]) {
    let Kind::Member { dir, group: Some(group), .. } = &target.kind else { return };
    let Some(member) = ws.members.iter().find(|m| &m.dir == dir) else { return };
    let added = changes.iter().filter_map(|c| match c {
        Change::Added(req) | Change::Replaced { new: req, .. } => Some(req),
        _ => None,
    });
    let installed = |req: &String| member.pyproject.group_requirements.contains(req);
    if added.clone().next().is_some() && !added.into_iter().any(installed) {
        ui::status(
            "Note",
            &format!(
                "group `{group}` is not installed in `{}`'s env: it installs `test`, the default groups and [tool.monorepo].groups",
                member.name
            ),
        );
    }
}
