//! Which projects a change touches: for `affected` and `test-all --affected`.
//!
//! Git lists the files changed since the merge base of a ref and HEAD, uncommitted and
//! untracked ones included. A file touches a member when its run can read it:
//! - a file inside a member's folder touches that member: the deepest one, if folders
//!   nest. A parent's run ignores its nested members' folders (they run on their own), so a
//!   file in a nested member touches it and not its parent;
//! - a pytest config file ([`PYTEST_CONFIG_FILES`]: `pytest.ini`, `conftest.py`...) in a
//!   folder above a member's, the root included, touches that member: pytest may read it;
//! - a file matching one of a member's `[tool.monorepo].inputs` globs (relative to the
//!   root; a glob matching a folder takes in everything under it) touches it;
//! - a file under one of a member's `pythonpath` folders touches it: its tests import it.
//!   A folder that is the root or above the member's own is only read for Python files
//!   outside other members' folders, or every change anywhere would touch it (see
//!   `Inputs`); a member's folder named on the pythonpath counts whole;
//! - a layer's `.in` or `.txt`, or a file its `.in` includes, touches every env on that
//!   layer; an env's lock touches its members; the config touches everything.
//!
//! Anything else (docs, the xtask, CI files) touches no project. Every dependant of a
//! touched project is affected too, since its tests import it. Without a ref, CI's own base
//! is used: the pull request's base branch, or a push's previous commit (see
//! [`default_base`]). The result cache (`results.rs`) keys each member on the same files,
//! through the same `Inputs`.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::config::{CONFIG_PATH, REQUIREMENTS_DIR};
use crate::error::hinted;
use crate::exec::{self, Cmd};
use crate::workspace::Workspace;

/// The files pytest may read its config (or fixtures) from in a folder above a member's.
pub const PYTEST_CONFIG_FILES: [&str; 5] = ["pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", "conftest.py"];

/// Why a member is affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Files in its folder changed: the first of them, and how many more.
    Changed { file: Utf8PathBuf, more: usize },
    /// A pytest config file in a folder above its own changed.
    PytestConfig(Utf8PathBuf),
    /// A file matching one of its `[tool.monorepo].inputs` globs changed.
    Input(Utf8PathBuf),
    /// A file under one of its `pythonpath` folders changed.
    Pythonpath { file: Utf8PathBuf, folder: Utf8PathBuf },
    /// A requirement file under its env changed: a layer's input or lock, or its env's lock.
    Requirements(Utf8PathBuf),
    /// `_meta/monorepo.toml` changed.
    Config,
    /// It depends on this affected member (an index into the workspace's members).
    Depends(usize),
    /// It imports this affected member by path (a `pythonpath` folder in it).
    ImportsByPath(usize),
}

impl Reason {
    pub fn describe(&self, ws: &Workspace) -> String {
        match self {
            Reason::Changed { file, more: 0 } => format!("{file} changed"),
            Reason::Changed { file, more } => format!("{file} and {} changed", crate::ui::count(*more, "more file")),
            Reason::PytestConfig(file) => format!("pytest config {file} applies to it"),
            Reason::Input(file) => format!("{file} changed: an input of it ([tool.monorepo].inputs)"),
            Reason::Pythonpath { file, folder } => {
                let folder = if folder.as_str().is_empty() { "the root" } else { folder.as_str() };
                format!("{file} changed: on its pythonpath: {folder}")
            }
            Reason::Requirements(file) => format!("{file} changed"),
            Reason::Config => format!("{CONFIG_PATH} changed"),
            Reason::Depends(m) => format!("depends on {}", ws.members[*m].name),
            Reason::ImportsByPath(m) => format!("imports {} by path (its pythonpath)", ws.members[*m].name),
        }
    }
}

/// Per member (in the workspace's order), why the changed `files` affect it, or `None`.
/// `files` are relative to the workspace root. (Every `inputs` glob is valid: the workspace
/// checks them when it loads, with [`check_inputs`].)
pub fn of_files(ws: &Workspace, files: &[Utf8PathBuf]) -> Vec<Option<Reason>> {
    let mut reasons: Vec<Option<Reason>> = vec![None; ws.members.len()];
    let mark = |reasons: &mut Vec<Option<Reason>>, m: usize, reason: Reason| match (&mut reasons[m], reason) {
        (Some(Reason::Changed { more, .. }), Reason::Changed { .. }) => *more += 1,
        (slot @ None, reason) => *slot = Some(reason),
        _ => {}
    };
    let inputs = Inputs::new(ws);
    for file in files {
        let owner = inputs.owner(file);
        if file == CONFIG_PATH {
            for m in 0..ws.members.len() {
                mark(&mut reasons, m, Reason::Config);
            }
        } else if let Some(layer) = ws.layers.iter().position(|l| l.inputs.contains(file)) {
            // A file a layer's input includes (`-r`, `-c`), wherever it is.
            for env in ws.envs.iter().filter(|e| e.layers.contains(&layer)) {
                for &m in &env.members {
                    mark(&mut reasons, m, Reason::Requirements(file.clone()));
                }
            }
        } else if let Some(name) = requirement_stem(file) {
            let layer = ws.layers.iter().position(|l| l.name == name);
            for env in &ws.envs {
                let on_layer = layer.is_some_and(|l| env.layers.contains(&l));
                if on_layer || (env.name == name && file.extension() == Some("txt")) {
                    for &m in &env.members {
                        mark(&mut reasons, m, Reason::Requirements(file.clone()));
                    }
                }
            }
        } else if let Some(m) = owner {
            mark(&mut reasons, m, Reason::Changed { file: file.clone(), more: 0 });
        }
        // Whatever else it is, the file may be read from outside its folder.
        if let Some(dir) = pytest_config_dir(file) {
            for m in (0..ws.members.len()).filter(|&m| is_strictly_below(&ws.members[m].dir, dir)) {
                mark(&mut reasons, m, Reason::PytestConfig(file.clone()));
            }
        }
        for (m, via) in inputs.readers(file, owner) {
            let reason = match via {
                Via::Glob => Reason::Input(file.clone()),
                Via::Pythonpath(folder) => Reason::Pythonpath { file: file.clone(), folder: folder.to_owned() },
            };
            mark(&mut reasons, m, reason);
        }
    }
    // Carry the mark to every dependant (through runtime and group edges), and to every
    // member that imports a marked one by path; group and path edges follow no order (they
    // may form cycles), so until nothing changes.
    loop {
        let mut changed = false;
        for m in 0..ws.members.len() {
            if reasons[m].is_some() {
                continue;
            }
            let member = &ws.members[m];
            if let Some(&dep) = member.deps.iter().find(|&&d| reasons[d].is_some()) {
                reasons[m] = Some(Reason::Depends(dep));
                changed = true;
            } else if let Some(&dep) = member.group_deps.iter().find(|&&d| reasons[d].is_some()) {
                reasons[m] = Some(Reason::Depends(dep));
                changed = true;
            } else if let Some(&dep) = member.path_deps.iter().find(|&&d| reasons[d].is_some()) {
                reasons[m] = Some(Reason::ImportsByPath(dep));
                changed = true;
            }
        }
        if !changed {
            return reasons;
        }
    }
}

/// An error naming the member's pyproject when one of its `[tool.monorepo].inputs` is not
/// a glob; `Workspace::load` calls it.
pub fn check_inputs(ws: &Workspace) -> Result<()> {
    Inputs::new(ws).check()
}

/// `base` for `_meta/requirements/base.in` or `base.txt`; `None` for any other file.
fn requirement_stem(file: &Utf8Path) -> Option<&str> {
    (file.parent()? == REQUIREMENTS_DIR && matches!(file.extension()?, "in" | "txt")).then(|| file.file_stem())?
}

/// The folder of a pytest config file (`""` for the root's); `None` for any other file.
pub(crate) fn pytest_config_dir(file: &Utf8Path) -> Option<&Utf8Path> {
    PYTEST_CONFIG_FILES.contains(&file.file_name()?).then(|| file.parent()).flatten()
}

/// Whether folder `dir` is inside `above` and not `above` itself (every folder is below the
/// root, `""`).
fn is_strictly_below(dir: &Utf8Path, above: &Utf8Path) -> bool {
    dir != above && dir.starts_with(above)
}

/// How a member reads a file outside its own folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via<'a> {
    /// It matches one of the member's `[tool.monorepo].inputs` globs.
    Glob,
    /// It is under this folder of the member's `pythonpath`.
    Pythonpath(&'a Utf8Path),
}

/// A `[tool.monorepo].inputs` entry that is not a glob.
struct InvalidGlob {
    member: usize,
    glob: String,
    error: String,
}

/// What each member's run reads by path, built once for a run and asked per file in time
/// proportional to the file's depth (plus one glob-set match), never per member: whose
/// folder a file is in ([`Inputs::owner`]), and which members read it from outside their
/// folder ([`Inputs::readers`]).
pub(crate) struct Inputs<'a> {
    ws: &'a Workspace,
    /// Member folders, to the member.
    dirs: HashMap<&'a Utf8Path, usize>,
    /// The managed venvs, the `.venv` links to shared ones, and every member's `.venv`
    /// (one the xtask did not make, too: pytest never collects a venv): no one's input.
    venvs: HashSet<Utf8PathBuf>,
    /// Each `pythonpath` folder, to the members with it and whether it is broad (the root,
    /// or the member's own folder or one above it).
    pythonpath: HashMap<&'a Utf8Path, Vec<(usize, bool)>>,
    /// Every member's valid `inputs` globs, and the member of each.
    globs: GlobSet,
    glob_members: Vec<usize>,
    invalid: Vec<InvalidGlob>,
}

impl<'a> Inputs<'a> {
    pub(crate) fn new(ws: &'a Workspace) -> Inputs<'a> {
        let dirs = ws.members.iter().enumerate().map(|(m, member)| (member.dir.as_path(), m)).collect();
        let managed = ws.envs.iter().flat_map(|e| std::iter::once(&e.venv).chain(&e.links)).cloned();
        let venvs = managed.chain(ws.members.iter().map(|m| m.dir.join(".venv"))).collect();
        let mut pythonpath: HashMap<&Utf8Path, Vec<(usize, bool)>> = HashMap::new();
        let mut set = GlobSetBuilder::new();
        let mut glob_members = Vec::new();
        let mut invalid = Vec::new();
        for (m, member) in ws.members.iter().enumerate() {
            for folder in &member.pythonpath {
                let broad = member.dir.starts_with(folder);
                let readers = pythonpath.entry(folder.as_path()).or_default();
                if !readers.iter().any(|&(r, _)| r == m) {
                    readers.push((m, broad));
                }
            }
            for glob in &member.pyproject.tests.inputs {
                match input_glob(glob) {
                    Ok(built) => {
                        set.add(built);
                        glob_members.push(m);
                    }
                    Err(error) => invalid.push(InvalidGlob { member: m, glob: glob.clone(), error }),
                }
            }
        }
        let globs = match set.build() {
            Ok(globs) => globs,
            // Each compiled on its own, but not all together (too large a regex, say).
            Err(err) => {
                glob_members.dedup();
                for m in glob_members.drain(..) {
                    let glob = ws.members[m].pyproject.tests.inputs[0].clone();
                    invalid.push(InvalidGlob { member: m, glob, error: format!("with the others: {}", err.kind()) });
                }
                GlobSet::empty()
            }
        };
        Inputs { ws, dirs, venvs, pythonpath, globs, glob_members, invalid }
    }

    /// An error naming the member's pyproject for the first `inputs` entry that is not a glob.
    pub(crate) fn check(&self) -> Result<()> {
        let Some(bad) = self.invalid.first() else { return Ok(()) };
        let member = &self.ws.members[bad.member];
        let pyproject = format!("{}/pyproject.toml: [tool.monorepo].inputs", member.dir);
        // Its settings may be in the config's `[member."DIR"]` table instead (or as well).
        let declared = format!("{CONFIG_PATH}: [member.\"{}\"].inputs", member.dir);
        let written = match (member.installable, self.ws.config.declared.contains_key(member.dir.as_str())) {
            (false, _) => declared,
            (true, true) => format!("{pyproject} (or {declared})"),
            (true, false) => pyproject,
        };
        Err(hinted(
            format!("{written}: `{}` is not a valid glob: {}", bad.glob, bad.error),
            "list globs relative to the repository root, like \"data/*.csv\" or \"fixtures/**\" \
             (`*` is one folder level, `**` any number)",
        ))
    }

    /// The venv folders no key holds: see `venvs`.
    pub(crate) fn venvs(&self) -> impl Iterator<Item = &Utf8Path> {
        self.venvs.iter().map(Utf8PathBuf::as_path)
    }

    /// The member whose folder holds `file`: the deepest, when member folders nest.
    pub(crate) fn owner(&self, file: &Utf8Path) -> Option<usize> {
        file.ancestors().find_map(|dir| self.dirs.get(dir).copied())
    }

    /// The members that read `file` from outside their own folder, each once, with how
    /// (the first way found). `owner` is [`Inputs::owner`] of `file`: a member never reads
    /// its own files this way (they are its own already).
    pub(crate) fn readers(&self, file: &Utf8Path, owner: Option<usize>) -> Vec<(usize, Via<'a>)> {
        let mut out: Vec<(usize, Via<'a>)> = Vec::new();
        if self.pythonpath.is_empty() && self.glob_members.is_empty() {
            return out;
        }
        if file.ancestors().skip(1).any(|dir| self.venvs.contains(dir)) {
            return out;
        }
        let mut add = |m: usize, via: Via<'a>| {
            if Some(m) != owner && !out.iter().any(|&(r, _)| r == m) {
                out.push((m, via));
            }
        };
        // A glob naming a folder takes in what is in it, as in `.gitignore`.
        for path in file.ancestors().filter(|p| !p.as_str().is_empty()) {
            for ix in self.globs.matches(path.as_str()) {
                add(self.glob_members[ix], Via::Glob);
            }
        }
        let python = file.extension() == Some("py");
        // The owner's folder, when it is inside a broad folder, is another member's code:
        // a folder at or above a member's own would otherwise make every change in the
        // repository touch it (each member's sources, its tests, its docs).
        let owner_dir = owner.map(|o| self.ws.members[o].dir.as_path());
        for dir in file.ancestors().skip(1) {
            let Some((folder, readers)) = self.pythonpath.get_key_value(dir) else { continue };
            let in_other_member = owner_dir.is_some_and(|o| is_strictly_below(o, folder));
            for &(m, broad) in readers {
                if !broad || (python && !in_other_member) {
                    add(m, Via::Pythonpath(folder));
                }
            }
        }
        out
    }
}

/// One `[tool.monorepo].inputs` glob, relative to the root (`./` and a trailing `/` dropped;
/// `*` is one folder level, `**` any number; one that matches a folder takes in everything
/// under it): the reason when it is not one.
fn input_glob(glob: &str) -> Result<globset::Glob, String> {
    let mut pattern = glob.trim();
    while let Some(rest) = pattern.strip_prefix("./") {
        pattern = rest;
    }
    let pattern = pattern.trim_end_matches('/');
    if pattern.is_empty() {
        return Err("it is empty".to_owned());
    }
    if pattern.starts_with('/') || pattern.split('/').any(|part| part == "..") {
        return Err("it leaves the repository root, which it is relative to".to_owned());
    }
    GlobBuilder::new(pattern).literal_separator(true).build().map_err(|err| err.kind().to_string())
}

/// The ref to compare against when none is given: in GitHub Actions, the pull request's
/// base branch, or on a push the commit the branch was at before it (for a new branch, the
/// repository's default branch), from the event file; else the remote's default branch.
/// An event file that cannot be read falls back to the latter, silently.
pub fn default_base() -> String {
    if let Ok(branch) = std::env::var("GITHUB_BASE_REF")
        && !branch.is_empty()
    {
        return format!("origin/{branch}");
    }
    if std::env::var_os("GITHUB_EVENT_NAME").is_some_and(|e| e == "push")
        && let Some(path) = std::env::var_os("GITHUB_EVENT_PATH")
        && let Some(base) = std::fs::read(path).ok().and_then(|event| push_base(&event))
    {
        return base;
    }
    "origin/HEAD".to_owned()
}

/// The base of a push event's range: its `before` commit, or `origin/<default branch>` when
/// `before` is all zeros (the push made the branch). `None` when the event does not say.
fn push_base(event: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Push {
        before: Option<String>,
        repository: Option<Repository>,
    }
    #[derive(serde::Deserialize)]
    struct Repository {
        default_branch: Option<String>,
    }
    let push: Push = serde_json::from_slice(event).ok()?;
    // A commit id only (SHA-1 or SHA-256), so the value can never pass for an option of git's.
    let before = push.before.filter(|b| matches!(b.len(), 40 | 64) && b.bytes().all(|c| c.is_ascii_hexdigit()))?;
    if before.bytes().all(|c| c == b'0') {
        let branch = push.repository?.default_branch.filter(|b| !b.is_empty() && !b.starts_with('-'))?;
        return Some(format!("origin/{branch}"));
    }
    Some(before)
}

/// The files changed between the merge base of `base` and HEAD and the working tree,
/// untracked ones included, relative to `root`. Renames count as a deletion and an addition,
/// so both folders are touched.
pub fn changed_files(root: &Utf8Path, base: &str) -> Result<Vec<Utf8PathBuf>> {
    let git = |args: &[&str]| Cmd::new("git", root).args(args);
    let inside = exec::read(&git(&["rev-parse", "--is-inside-work-tree"]))?;
    if !inside.success {
        return Err(hinted(
            format!("{root} is not in a git repository, so there are no changes to compare"),
            "run `git init` and commit, or run `cargo xtask test-all` without --affected",
        ));
    }
    let commit = format!("{base}^{{commit}}");
    if !exec::read(&git(&["rev-parse", "--verify", "--quiet", &commit]))?.success {
        let message = format!("git knows no commit `{base}` to compare against");
        return Err(if is_shallow(root)? {
            hinted(
                format!("{message}: this clone is shallow (made with --depth), so older commits are not in it"),
                format!(
                    "fetch the history: in GitHub Actions, actions/checkout with `fetch-depth: 0`; \
                     or `git fetch --deepen=100`, or `git fetch origin {base}`"
                ),
            )
        } else {
            hinted(
                message,
                "pass --since with a branch, tag or commit; in a shallow CI checkout, fetch the base first \
                 (`git fetch origin main`, or actions/checkout with fetch-depth: 0)",
            )
        });
    }
    let merge_base = exec::read(&git(&["merge-base", &commit, "HEAD"]))?;
    if !merge_base.success {
        let shallow = if is_shallow(root)? { " (this clone is shallow)" } else { "" };
        return Err(hinted(
            format!("`{base}` and HEAD have no common ancestor that git can see{shallow}"),
            "in a shallow clone, fetch more history (`git fetch --unshallow`, or actions/checkout with fetch-depth: 0)",
        ));
    }
    let merge_base = merge_base.stdout.trim();
    let diff = exec::read_ok(&git(&["diff", "--name-only", "--no-renames", "--relative", "-z", merge_base]))
        .context("cannot list the changed files")?;
    let untracked = exec::read_ok(&git(&["ls-files", "--others", "--exclude-standard", "-z"]))
        .context("cannot list the untracked files")?;
    let mut files: Vec<Utf8PathBuf> =
        diff.split('\0').chain(untracked.split('\0')).filter(|f| !f.is_empty()).map(Into::into).collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// Whether the clone at `root` is shallow (fetched with `--depth`), for messages.
fn is_shallow(root: &Utf8Path) -> Result<bool> {
    let done = exec::read(&Cmd::new("git", root).args(["rev-parse", "--is-shallow-repository"]))?;
    Ok(done.success && done.stdout.trim() == "true")
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fsutil::write_test_file as write;

    /// `a` <- `b` <- `c` (c opts into the `http` layer), `d` alone; `e` and `f` share the env `pair`.
    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        write(
            &root,
            CONFIG_PATH,
            "[monorepo]\nmembers = [\"p/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n\n[layers.http]\n",
        );
        write(&root, "_meta/requirements/base.in", "pytest\n");
        write(&root, "_meta/requirements/http.in", "httpx\n-c ../../shared/http-pins.txt\n");
        write(&root, "shared/http-pins.txt", "httpx<1\n");
        for (name, deps, extra) in [
            ("a", "", ""),
            ("b", "\"a\"", ""),
            ("c", "\"b\"", "[tool.monorepo]\nlayers = [\"http\"]\n"),
            ("d", "", ""),
            ("e", "", "[tool.monorepo]\nenv = \"pair\"\n"),
            ("f", "", "[tool.monorepo]\nenv = \"pair\"\n"),
        ] {
            write(
                &root,
                &format!("p/{name}/pyproject.toml"),
                &format!("[project]\nname = \"{name}\"\ndependencies = [{deps}]\n{extra}"),
            );
        }
        let ws = Workspace::load(&root).unwrap();
        (dir, ws)
    }

    fn affected(ws: &Workspace, files: &[&str]) -> Vec<String> {
        let files: Vec<Utf8PathBuf> = files.iter().map(Into::into).collect();
        of_files(ws, &files)
            .iter()
            .enumerate()
            .filter_map(|(m, r)| Some(format!("{}: {}", ws.members[m].name, r.as_ref()?.describe(ws))))
            .collect()
    }

    #[test]
    fn a_project_file_affects_it_and_its_dependants_in_order() {
        let (_dir, ws) = workspace();
        assert_eq!(
            affected(&ws, &["p/a/src/a/core.py", "p/a/tests/test_a.py"]),
            ["a: p/a/src/a/core.py and 1 more file changed", "b: depends on a", "c: depends on b"]
        );
        assert_eq!(affected(&ws, &["p/c/README.md"]), ["c: p/c/README.md changed"]);
        assert_eq!(affected(&ws, &["p/e/x.py"]), ["e: p/e/x.py changed"], "a shared env is no dependency");
    }

    #[test]
    fn requirement_files_affect_the_envs_on_them() {
        let (_dir, ws) = workspace();
        let everyone =
            |why: &str| -> Vec<String> { ["a", "b", "c", "d", "e", "f"].map(|m| format!("{m}: {why}")).into() };
        assert_eq!(affected(&ws, &["_meta/requirements/base.in"]), everyone("_meta/requirements/base.in changed"));
        assert_eq!(affected(&ws, &[CONFIG_PATH]), everyone("_meta/monorepo.toml changed"));
        assert_eq!(affected(&ws, &["_meta/requirements/http.txt"]), ["c: _meta/requirements/http.txt changed"]);
        assert_eq!(affected(&ws, &["shared/http-pins.txt"]), ["c: shared/http-pins.txt changed"], "an include");
        assert_eq!(
            affected(&ws, &["_meta/requirements/pair.txt"]),
            ["e: _meta/requirements/pair.txt changed", "f: _meta/requirements/pair.txt changed"]
        );
        assert_eq!(
            affected(&ws, &["_meta/requirements/b.txt"]),
            ["b: _meta/requirements/b.txt changed", "c: depends on b"]
        );
    }

    #[test]
    fn files_outside_projects_and_requirements_affect_nothing() {
        let (_dir, ws) = workspace();
        let none: [&str; 0] = [];
        assert_eq!(affected(&ws, &["README.md", "xtask/src/main.rs", "_meta/docs/x.md", "p/ab/x.py", "p"]), none);
        assert_eq!(affected(&ws, &["_meta/requirements/b.in", "_meta/requirements/nested/base.in"]), none);
    }

    /// Code and config shared outside the members' folders: `a` and `b` have `shared/` on
    /// their pythonpath, `b` the root too, `c` has `a`'s folder; `a` reads `data/*.csv`;
    /// `big` holds the nested member `child`; `d` reads nothing outside.
    fn legacy(extra_a: &str) -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        write(
            &root,
            CONFIG_PATH,
            "[monorepo]\nmembers = [\"p/*\", \"p/big/plugins/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n",
        );
        write(&root, "_meta/requirements/base.in", "pytest\n");
        write(&root, "shared/util.py", "X = 1\n");
        for (name, folder, tool) in [
            (
                "a",
                "p/a",
                format!("pythonpath = [\"../../shared\"]\ninputs = [\"data/*.csv\", \"./testdata/\"{extra_a}]\n"),
            ),
            ("b", "p/b", "pythonpath = [\"../../shared\", \"../..\"]\n".to_owned()),
            ("c", "p/c", "pythonpath = [\"../a\"]\n".to_owned()),
            ("d", "p/d", String::new()),
            ("big", "p/big", String::new()),
            ("child", "p/big/plugins/child", String::new()),
        ] {
            write(
                &root,
                &format!("{folder}/pyproject.toml"),
                &format!("[project]\nname = \"{name}\"\n\n[tool.monorepo]\n{tool}"),
            );
        }
        let ws = Workspace::load(&root).unwrap();
        (dir, ws)
    }

    #[test]
    fn pytest_config_above_a_member_affects_it() {
        let (_dir, ws) = legacy("");
        let all = |file: &str| -> Vec<String> {
            ["a", "b", "big", "c", "child", "d"].map(|m| format!("{m}: pytest config {file} applies to it")).into()
        };
        let sorted = |files: &[&str]| {
            let mut out = affected(&ws, files);
            out.sort();
            out
        };
        for file in ["pytest.ini", "conftest.py", "setup.cfg", "tox.ini", "pyproject.toml"] {
            assert_eq!(sorted(&[file]), all(file));
        }
        assert_eq!(sorted(&["p/conftest.py"]), all("p/conftest.py"));
        assert_eq!(
            sorted(&["p/big/conftest.py"]),
            ["big: p/big/conftest.py changed", "child: pytest config p/big/conftest.py applies to it"]
        );
        let none: [&str; 0] = [];
        assert_eq!(
            affected(&ws, &["other/pytest.ini", "p/d/sub/conftest.py", "README.md"]),
            ["d: p/d/sub/conftest.py changed"]
        );
        assert_eq!(affected(&ws, &["x/tox.ini", "p/notes.md"]), none);
    }

    #[test]
    fn a_members_own_pyproject_is_its_file_and_config_for_the_members_below() {
        let (_dir, mut ws) = legacy("");
        let sorted = |ws: &Workspace, files: &[&str]| {
            let mut out = affected(ws, files);
            out.sort();
            out
        };
        assert_eq!(
            sorted(&ws, &["p/big/pyproject.toml"]),
            ["big: p/big/pyproject.toml changed", "child: pytest config p/big/pyproject.toml applies to it"]
        );
        // A member at the root (the workspace finds none there today) owns the root's pyproject.
        let d = ws.member("d").unwrap();
        ws.members[d].dir = Utf8PathBuf::new();
        let others =
            ["a", "b", "big", "c", "child"].map(|m| format!("{m}: pytest config pyproject.toml applies to it"));
        let mut wanted: Vec<String> = others.into();
        wanted.push("d: pyproject.toml changed".to_owned());
        wanted.sort();
        assert_eq!(sorted(&ws, &["pyproject.toml"]), wanted);
    }

    #[test]
    fn pythonpath_folders_and_input_globs_affect_who_reads_them() {
        let (_dir, ws) = legacy("");
        let none: [&str; 0] = [];
        assert_eq!(
            affected(&ws, &["shared/util.py"]),
            [
                "a: shared/util.py changed: on its pythonpath: shared",
                "b: shared/util.py changed: on its pythonpath: shared",
                "c: imports a by path (its pythonpath)"
            ],
            "c has a's folder on its pythonpath: what touches a touches c"
        );
        assert_eq!(affected(&ws, &["shared/data.json"]).len(), 3, "a folder named on the pythonpath counts whole");
        // The root on b's pythonpath: Python files outside the members' folders only.
        assert_eq!(affected(&ws, &["tools/x.py"]), ["b: tools/x.py changed: on its pythonpath: the root"]);
        assert_eq!(affected(&ws, &["tools/x.md", "README.md"]), none);
        assert_eq!(affected(&ws, &["p/d/src/d.py"]), ["d: p/d/src/d.py changed"], "another member's code");
        // A member's folder on the pythonpath counts whole, but not its venv.
        assert_eq!(
            affected(&ws, &["p/a/x.md"]),
            ["a: p/a/x.md changed", "c: p/a/x.md changed: on its pythonpath: p/a"]
        );
        assert_eq!(
            affected(&ws, &["p/a/.venv/lib/site.py"]),
            ["a: p/a/.venv/lib/site.py changed", "c: imports a by path (its pythonpath)"]
        );
        // Globs are relative to the root, `*` one folder level.
        assert_eq!(
            affected(&ws, &["data/x.csv"]),
            ["a: data/x.csv changed: an input of it ([tool.monorepo].inputs)", "c: imports a by path (its pythonpath)"]
        );
        assert_eq!(affected(&ws, &["data/sub/x.csv", "data/x.json", "testdata.txt"]), none);
        assert_eq!(
            affected(&ws, &["testdata/deep/x.bin"]),
            [
                "a: testdata/deep/x.bin changed: an input of it ([tool.monorepo].inputs)",
                "c: imports a by path (its pythonpath)"
            ],
            "a folder's files"
        );
    }

    #[test]
    fn a_nested_members_files_affect_it_and_not_its_parent() {
        let (_dir, ws) = legacy("");
        assert_eq!(affected(&ws, &["p/big/plugins/child/x.py"]), ["child: p/big/plugins/child/x.py changed"]);
        assert_eq!(affected(&ws, &["p/big/x.py"]), ["big: p/big/x.py changed"]);
        assert_eq!(affected(&ws, &["p/big/plugins/x.py"]), ["big: p/big/plugins/x.py changed"]);
    }

    #[test]
    fn an_invalid_input_glob_is_an_error_naming_the_pyproject() {
        let (_dir, ws) = legacy("");
        assert!(check_inputs(&ws).is_ok());
        for bad in ["data/[x", "../outside/*", "/abs/*", ""] {
            let path = ws.root.join("p/a/pyproject.toml");
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("\"./testdata/\"]", &format!("\"./testdata/\", \"{bad}\"]"))).unwrap();
            // Loading checks every glob: no command starts work on a workspace with a bad one.
            let err = Workspace::load(&ws.root).unwrap_err();
            assert!(
                err.to_string().starts_with(&format!("p/a/pyproject.toml: [tool.monorepo].inputs: `{bad}` is not")),
                "{err}"
            );
            assert!(crate::error::hint_of(&err).is_some(), "{err}");
            std::fs::write(&path, text).unwrap();
        }
    }

    #[test]
    fn an_invalid_input_glob_of_a_member_declared_in_the_config_names_the_config() {
        let (_dir, ws) = legacy("");
        let root = ws.root.clone();
        let config = std::fs::read_to_string(root.join(CONFIG_PATH)).unwrap();
        write(&root, CONFIG_PATH, &format!("{config}\n[member.\"scripts\"]\ninputs = [\"data/[x\"]\n"));
        std::fs::create_dir_all(root.join("scripts")).unwrap();
        // Loading checks every glob: no command starts work on a workspace with a bad one.
        let err = Workspace::load(&root).unwrap_err();
        assert!(err.to_string().starts_with("_meta/monorepo.toml: [member.\"scripts\"].inputs: `data/[x`"), "{err}");
    }

    #[test]
    fn a_push_compares_against_the_commit_before_it_or_the_default_branch() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let event = |before: &str| format!(r#"{{"before": "{before}", "repository": {{"default_branch": "trunk"}}}}"#);
        assert_eq!(push_base(event(sha).as_bytes()), Some(sha.to_owned()));
        assert_eq!(push_base(event(&"0".repeat(40)).as_bytes()), Some("origin/trunk".to_owned()), "a new branch");
        assert_eq!(push_base(br#"{"before": "0000000000000000000000000000000000000000"}"#), None);
        assert_eq!(push_base(event("--output=x").as_bytes()), None, "not a commit id");
        assert_eq!(push_base(b"{}"), None);
        assert_eq!(push_base(b"not json"), None);
    }
}
