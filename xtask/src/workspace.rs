//! Config and discovery: the whole monorepo, loaded and validated once.
//!
//! [`Workspace::load`] reads `_meta/monorepo.toml`, finds the members, reads each
//! `pyproject.toml` once, recognises local dependencies by normalised name, orders the
//! project graph and the layers, and assigns envs. Commands borrow it and never re-read.

use std::collections::HashMap;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::config::{self, CONFIG_PATH, Config};
use crate::error::hinted;
use crate::fsutil::{self, lexical};
use crate::glob::{Glob, GlobSet};
use crate::graph::{closure, topo_order};
use crate::layers::{self, Layer};
use crate::pep440::{self, Version, satisfies};
use crate::pep508::{normalize, requirement_name};
use crate::pyproject::{self, Pyproject};
use crate::venv;

#[derive(Debug)]
pub struct Workspace {
    /// The repository root: the folder holding `_meta/monorepo.toml`.
    pub root: Utf8PathBuf,
    pub config: Config,
    /// In layer order: base first, each layer after what it extends.
    pub layers: Vec<Layer>,
    /// In dependency order: every member after its local dependencies.
    pub members: Vec<Member>,
    /// One per `[tool.monorepo].env` name (by default each member's own), in the order of
    /// their first member.
    pub envs: Vec<Env>,
}

#[derive(Debug)]
pub struct Member {
    /// The folder name, which is the name on the command line.
    pub name: String,
    /// The folder, relative to the root.
    pub dir: Utf8PathBuf,
    pub pyproject: Pyproject,
    /// SHA-256 of `pyproject.toml`, read once at load.
    pub pyproject_digest: String,
    /// Direct local dependencies, as indices into `members`.
    pub deps: Vec<usize>,
    /// The env it is tested in, as an index into `envs`.
    pub env: usize,
    /// Its `[tool.monorepo].pythonpath`, relative to the root (`""` is the root itself).
    pub pythonpath: Vec<Utf8PathBuf>,
    /// Folders outside the members that its `[tool.uv.sources]` name by path (relative to
    /// the root), with whether editable: installed in its env, written into its lock
    /// relative to the root.
    pub path_sources: Vec<PathSource>,
    /// Members its dependency groups (test, dev...) name: installed editable in its env
    /// with their runtime dependencies, followed by `affected`; they order nothing, so they
    /// may close a cycle.
    pub group_deps: Vec<usize>,
    /// Members it imports by path: a `pythonpath` folder inside (or at) their folder. An
    /// edge for `affected`, the graph and `test-all`'s order (its suite runs after theirs,
    /// as after any dependency's), never installed; a cycle of them is fine (the edge that
    /// would close it orders nothing).
    pub path_deps: Vec<usize>,
    /// Members inside its folder, relative to its folder: its pytest run ignores them
    /// (they have runs of their own).
    pub nested: Vec<Utf8PathBuf>,
    /// It has a pyproject.toml and is installed (editable) in its env. A member declared in
    /// the config without one is not: its tests run from its folder, on its env's packages.
    pub installable: bool,
    /// A member without a pyproject: its requirements file, relative to the root.
    pub requirements: Option<Utf8PathBuf>,
    /// A member with a pyproject: the `requirements*.txt` files beside it, relative to the
    /// root, sorted. Installed in its env with it (their requirement lines are among its
    /// `group_requirements`), as the repository's own scripts install them.
    pub requirements_beside: Vec<Utf8PathBuf>,
    /// The text of its pyproject (or of its requirements file), as read once at load: where
    /// a message finds the line of a requirement or a source.
    pub text: String,
}

/// A folder outside the members that a member's `[tool.uv.sources]` names by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSource {
    /// The package it provides (the source's key), normalised.
    pub package: String,
    /// Relative to the root.
    pub dir: Utf8PathBuf,
    pub editable: bool,
}

/// One venv and its lock.
#[derive(Debug)]
pub struct Env {
    pub name: String,
    /// The members it serves: their suites run in it.
    pub members: Vec<usize>,
    /// The members installed in it as editables: its members and their local dependencies,
    /// in dependency order.
    pub editables: Vec<usize>,
    /// The layers applied to it (base, and those opted into by its members and their local
    /// dependencies, with what they extend), in layer order.
    pub layers: Vec<usize>,
    /// The interpreter request for its venv and lock (`3.11`).
    pub python: String,
    /// The venv folder, relative to the root: `<member>/.venv` for a member's own env,
    /// `_meta/venvs/<env>` for a shared one.
    pub venv: Utf8PathBuf,
    /// Where a `.venv` link to a shared venv goes: each member's folder (none for an own env).
    pub links: Vec<Utf8PathBuf>,
    /// The lock file, relative to the root.
    pub lock: Utf8PathBuf,
    /// Why its venv is not where it would be: a member's `.venv` holds something the xtask
    /// did not make, which it never touches, so the venv is in `_meta/venvs/` instead.
    pub displaced: Vec<String>,
}

impl Env {
    /// The local packages its venv holds besides what the lock pins by version: its
    /// editables and the folders their sources name.
    pub fn locals<'a>(&self, members: &'a [Member]) -> Vec<&'a str> {
        let mut out: Vec<&str> = self.editables.iter().map(|&m| members[m].pyproject.package.as_str()).collect();
        out.extend(self.editables.iter().flat_map(|&m| members[m].path_sources.iter().map(|s| s.package.as_str())));
        out
    }
}

impl Workspace {
    /// Loads the workspace whose root is `start` or the nearest folder above it with a config.
    pub fn discover(start: &Utf8Path) -> Result<Workspace> {
        Workspace::load(&Workspace::find_root(start)?)
    }

    /// The root of the workspace `start` is in (it or the nearest folder above it with a
    /// config), without loading it: `main` takes the repository lock before it reads.
    pub fn find_root(start: &Utf8Path) -> Result<Utf8PathBuf> {
        let root = start.ancestors().find(|dir| dir.join(CONFIG_PATH).is_file()).ok_or_else(|| {
            hinted(
                format!("no {CONFIG_PATH} in {start} or any folder above it"),
                "run the xtask inside the monorepo (the folder holding _meta/monorepo.toml)",
            )
        })?;
        Ok(root.to_owned())
    }

    pub fn load(root: &Utf8Path) -> Result<Workspace> {
        let config_path = Utf8PathBuf::from(CONFIG_PATH);
        let config_text = fsutil::read(&root.join(&config_path))?;
        let config = config::parse_at(root, &config_path, &config_text)?;
        let layers = layers::resolve(root, &config_path, &config.layers)?;
        let mut found = Vec::new();
        let (mut dirs, outside) = find_member_dirs(root, &config, &config_text)?;
        for dir in config.declared.keys() {
            let dir = Utf8PathBuf::from(dir);
            if !root.join(&dir).is_dir() {
                return Err(hinted(
                    format!("{CONFIG_PATH}: [member.\"{dir}\"] names no folder"),
                    format!("create {dir}, or remove its [member] table"),
                ));
            }
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        dirs.sort();
        // A folder the config declares is a member, wherever the patterns leave it.
        let outside: Vec<Outside> = outside.into_iter().filter(|o| !dirs.contains(&o.dir)).collect();
        // Reading and parsing each member's files is its own work: spread over the CPUs.
        // Errors are taken in member order, so the first one is the same as one by one.
        let read = crate::sched::map(&dirs, |dir| read_member(root, &config, dir));
        for (dir, read) in dirs.into_iter().zip(read) {
            let (mut pyproject, text, beside) = match read? {
                Read::Unit(settings) => {
                    found.push(unit_member(root, dir, settings)?);
                    continue;
                }
                Read::Pyproject { pyproject, text, beside } => (*pyproject, text, beside),
            };
            // Requirements its build backend computes stand for what it would have written
            // (in order: it may run the backend).
            let digest = if crate::metadata::is_dynamic(&pyproject) {
                crate::metadata::resolve(root, &config, &dir, &mut pyproject, &text)?
            } else {
                crate::digest::text(&text)
            };
            // Its `requirements*.txt` are installed with it, as the repository's scripts do.
            for file in &beside {
                for req in crate::infile::requirements_with_includes(root, file) {
                    let req = req.split(" --").next().unwrap_or_default().trim().to_owned();
                    if crate::pep508::is_requirement(&req) && !pyproject.group_requirements.contains(&req) {
                        pyproject.group_requirements.push(req);
                    }
                }
            }
            let mut member = Member::new(root, dir, pyproject, digest, None, text)?;
            member.requirements_beside = beside;
            found.push(member);
        }
        name_members(&mut found, &config)?;
        // Each member's nested members, found from their folders' ancestors (in member order,
        // linear in the members).
        let by_dir: HashMap<Utf8PathBuf, usize> =
            found.iter().enumerate().map(|(m, member)| (member.dir.clone(), m)).collect();
        for other in 0..found.len() {
            let dir = found[other].dir.clone();
            for ancestor in dir.ancestors().skip(1) {
                if let Some(&m) = by_dir.get(ancestor) {
                    let rel = dir.strip_prefix(ancestor).expect("an ancestor is a prefix").to_owned();
                    found[m].nested.push(rel);
                }
            }
        }
        let mut members = order_members(root, &config, &layers, &outside, found)?;
        for m in 0..members.len() {
            if members[m].pythonpath.is_empty() {
                continue; // no path dependency, and no pass over every member
            }
            let path_deps: Vec<usize> = (0..members.len())
                .filter(|&o| o != m && members[m].pythonpath.iter().any(|p| p.starts_with(&members[o].dir)))
                .collect();
            members[m].path_deps = path_deps;
        }
        let envs = build_envs(root, &mut members, &layers, &config)?;
        let ws = Workspace { root: root.to_owned(), config, layers, members, envs };
        // An `inputs` glob that cannot be read fails here, before any work, for every command.
        ws.check_input_globs()?;
        ws.check_pytest_is_installed()?;
        Ok(ws)
    }

    /// A `base.in` without a single requirement gives no env pytest, which every suite runs
    /// on: an error, unless each env gets a pytest some other way (a layer, or a project's
    /// own requirements, a `pytest-*` plugin bringing it too). Costs nothing when base
    /// holds a requirement.
    fn check_pytest_is_installed(&self) -> Result<()> {
        if !self.layers[0].requirements.is_empty() {
            return Ok(());
        }
        let is_pytest = |req: &str| requirement_name(req).is_some_and(|n| normalize(n).starts_with("pytest"));
        for env in &self.envs {
            let from_layers = env.layers.iter().any(|&l| {
                self.layers[l].requirements.iter().any(|r| r.name.as_deref().is_some_and(|n| n.starts_with("pytest")))
            });
            let from_members = env
                .members
                .iter()
                .chain(&env.editables)
                .any(|&m| self.members[m].pyproject.requirements().any(is_pytest));
            if !from_layers && !from_members {
                let input = self.layers[0].input();
                return Err(hinted(
                    format!(
                        "{input} holds no requirement, and nothing else gives env `{}` pytest: its suites cannot run",
                        env.name
                    ),
                    format!(
                        "add `pytest` to {input}: base holds the tools every env gets (pytest, and ruff, mypy... if \
                         you use them), pinned once"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// An error naming the member's pyproject (or its config table) for the first `inputs`
    /// entry that is not a glob.
    fn check_input_globs(&self) -> Result<()> {
        for member in &self.members {
            for glob in &member.pyproject.tests.inputs {
                crate::inputs::input_glob(glob).map_err(|error| self.bad_glob(member, glob, &error))?;
            }
        }
        Ok(())
    }

    fn bad_glob(&self, member: &Member, glob: &str, error: &str) -> anyhow::Error {
        let pyproject = format!("{}/pyproject.toml: [tool.monorepo].inputs", member.dir);
        // Its settings may be in the config's `[member."DIR"]` table instead (or as well).
        let declared = format!("{CONFIG_PATH}: [member.\"{}\"].inputs", member.dir);
        let written = match (member.installable, self.config.declared.contains_key(member.dir.as_str())) {
            (false, _) => declared,
            (true, true) => format!("{pyproject} (or {declared})"),
            (true, false) => pyproject,
        };
        hinted(
            format!("{written}: `{glob}` is not a valid glob: {error}"),
            "list globs relative to the repository root, like \"data/*.csv\" or \"fixtures/**\" \
             (`*` is one folder level, `**` any number)",
        )
    }

    /// The member named `name`, by folder name or package name.
    pub fn member(&self, name: &str) -> Result<usize> {
        let wanted = normalize(name);
        self.members.iter().position(|m| m.name == name || m.pyproject.package == wanted).ok_or_else(|| {
            let known: Vec<&str> = self.members.iter().map(|m| m.name.as_str()).collect();
            let close = crate::suggest::closest(name, known.iter().copied())
                .map(|close| format!("did you mean `{close}`? "))
                .unwrap_or_default();
            hinted(format!("no project named `{name}`"), format!("{close}the projects are: {}", known.join(", ")))
        })
    }

    /// A member named on the command line by its name, its package name, or its folder
    /// (`projects/web`, `./web`, `..`), relative to `cwd` or to the root.
    pub fn member_named(&self, cwd: &Utf8Path, name: &str) -> Result<usize> {
        let by_name = self.member(name);
        if by_name.is_ok() || !looks_like_path(name) {
            return by_name;
        }
        let written = name.replace('\\', "/");
        let candidates = [lexical(&cwd.join(&written)), lexical(&self.root.join(&written))];
        candidates
            .iter()
            .filter_map(|path| path.strip_prefix(&self.root).ok())
            .find_map(|rel| self.members.iter().position(|m| m.dir == rel))
            .ok_or_else(|| {
                let dirs: Vec<&str> = self.members.iter().map(|m| m.dir.as_str()).collect();
                hinted(
                    format!("no project in the folder `{name}`"),
                    format!("the projects' folders are: {}", dirs.join(", ")),
                )
            })
    }

    /// The member whose folder holds `cwd` (the innermost, for nested members).
    pub fn member_at(&self, cwd: &Utf8Path) -> Option<usize> {
        let rel = lexical(cwd).strip_prefix(&self.root).ok()?.to_owned();
        (0..self.members.len())
            .filter(|&m| rel.starts_with(&self.members[m].dir))
            .max_by_key(|&m| self.members[m].dir.components().count())
    }

    pub fn env_of(&self, member: usize) -> &Env {
        &self.envs[self.members[member].env]
    }

    /// Env `e`'s venv against the lock on disk, as `check` reads it (offline, no process);
    /// `None` when there is no readable lock to compare it with.
    pub fn venv_state(&self, e: usize) -> Option<venv::State> {
        let env = &self.envs[e];
        let (_, lock) = crate::lockfile::read(&self.root.join(&env.lock)).ok()??;
        Some(venv::state(&self.root.join(&env.venv), &lock, &env.locals(&self.members), &env.python))
    }
}

/// Gives each member its name: `[tool.monorepo].name`, else its folder's name when no other
/// member's folder has it (in any case), else the shortest tail of its path that no other
/// member's has, joined with `-` (`tools/Review` and `apps/Review` become `tools-Review` and
/// `apps-Review`): folders named alike are never an error.
///
/// Then checks that names are unique across the repository, as every file and command
/// line that uses them needs: no two members declare one package; no two members have one
/// name, nor names that differ only in case (their locks and venvs would be one file on
/// macOS and Windows); no member's name is another member's package. A name set by hand
/// never pushes another member off its own: that is an error naming both.
fn name_members(members: &mut [Member], config: &Config) -> Result<()> {
    let mut by_package: HashMap<String, usize> = HashMap::new();
    for (ix, m) in members.iter().enumerate().filter(|(_, m)| !m.pyproject.package.is_empty()) {
        if let Some(&other) = by_package.get(m.pyproject.package.as_str()) {
            return Err(hinted(
                format!(
                    "{} and {} both declare the package `{}` ([project].name in their pyproject.toml)",
                    members[other].dir, m.dir, m.pyproject.package
                ),
                format!(
                    "give one of them its own [project].name; or, if one is an old copy, leave it out: \
                     exclude = [\"{}\"] under [monorepo] in {CONFIG_PATH}",
                    m.dir
                ),
            ));
        }
        by_package.insert(m.pyproject.package.clone(), ix);
    }
    let parts: Vec<Vec<String>> =
        members.iter().map(|m| m.dir.components().map(|c| c.as_str().to_lowercase()).collect()).collect();
    let tail = |ix: usize, len: usize| {
        let p = &parts[ix];
        p[p.len().saturating_sub(len)..].join("-")
    };
    // How many members have each tail of each length: a clash is a count above one, so
    // naming is linear in the members (counted on first need per length).
    let mut tails: Vec<HashMap<String, usize>> = Vec::new();
    for ix in 0..members.len() {
        if let Some(name) = members[ix].pyproject.name.clone() {
            members[ix].name = name;
            continue;
        }
        // The root project has no folder name: its package's is its name.
        if members[ix].dir.as_str().is_empty() {
            members[ix].name = members[ix].pyproject.package.clone();
            continue;
        }
        let written: Vec<&str> = members[ix].dir.components().map(|c| c.as_str()).collect();
        let mut len = 1;
        loop {
            while tails.len() < len {
                let mut counts: HashMap<String, usize> = HashMap::new();
                for other in 0..members.len() {
                    *counts.entry(tail(other, tails.len() + 1)).or_default() += 1;
                }
                tails.push(counts);
            }
            let clash = tails[len - 1].get(&tail(ix, len)).is_some_and(|&count| count > 1);
            if !clash || len >= parts[ix].len() {
                members[ix].name = written[written.len().saturating_sub(len)..].join("-");
                break;
            }
            len += 1;
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (ix, m) in members.iter().enumerate() {
        if let Some(&other) = seen.get(&m.name.to_lowercase()) {
            let first = &members[other];
            return Err(same_name(first, m, config));
        }
        seen.insert(m.name.to_lowercase(), ix);
    }
    for m in members.iter() {
        if let Some(&other) = by_package.get(normalize(&m.name).as_str()).filter(|&&o| members[o].dir != m.dir) {
            let owner = &members[other];
            return Err(hinted(
                format!(
                    "{} is named `{}`, which is the package of {} too: `{}` on the command line would name both",
                    m.dir, m.name, owner.dir, m.name
                ),
                format!(
                    "give {} another name with `name = \"...\"` under [tool.monorepo] in its pyproject.toml, or rename \
                     the package of {} ([project].name)",
                    m.dir, owner.dir
                ),
            ));
        }
    }
    Ok(())
}

/// The error for two members of one name (or of names that differ only in case).
fn same_name(a: &Member, b: &Member, config: &Config) -> anyhow::Error {
    let set_in = |m: &Member| {
        let config_table = format!("[member.\"{}\"] in {CONFIG_PATH}", m.dir);
        match (m.pyproject.package.is_empty(), config.declared.contains_key(m.dir.as_str())) {
            (true, _) => config_table,
            (false, true) => format!("[tool.monorepo] in {}/pyproject.toml (or {config_table})", m.dir),
            (false, false) => format!("[tool.monorepo] in {}/pyproject.toml", m.dir),
        }
    };
    let fix = "names, folder names and package names are unique across the repository";
    if a.name != b.name {
        return hinted(
            format!(
                "{} and {} are named `{}` and `{}`, which differ only in case: their locks and venvs would be one \
                 file on macOS and Windows",
                a.dir, b.dir, a.name, b.name
            ),
            format!("give one of them another name with `name = \"...\"` under {}", set_in(b)),
        );
    }
    // A name set by hand that is another member's own: name the one that took it.
    let (taker, owner) = match (a.pyproject.name.is_some(), b.pyproject.name.is_some()) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        _ => {
            return hinted(
                format!("{} and {} are both named `{}`", a.dir, b.dir, b.name),
                format!("give one of them another name with `name = \"...\"` under {}", set_in(b)),
            );
        }
    };
    hinted(
        format!(
            "{} takes the name `{}` (`name = \"{}\"` under {}), which {} has already, from its folder: both would \
             answer to `{}` and share one lock",
            taker.dir,
            taker.name,
            taker.name,
            set_in(taker),
            owner.dir,
            taker.name
        ),
        format!("give {} another name: {fix}", taker.dir),
    )
}

/// A member without a pyproject, declared as `[member."DIR"]`: its requirements file is the
/// one its settings name, else `requirements.txt` when there is one, else none.
fn unit_member(root: &Utf8Path, dir: Utf8PathBuf, settings: &pyproject::MemberSettings) -> Result<Member> {
    let requirements = match settings.requirements_file() {
        Some(file) => {
            // Relative to the member's folder, and inside the repository: `..` past the root
            // is not dropped, it is an error.
            let full = lexical(&root.join(&dir).join(file.replace('\\', "/")));
            let Ok(path) = full.strip_prefix(root).map(Utf8Path::to_owned) else {
                return Err(hinted(
                    format!(
                        "{CONFIG_PATH}: [member.\"{dir}\"] names the requirements file {file}, which is outside the \
                         repository ({full})"
                    ),
                    format!("name a file inside the repository, relative to {dir}"),
                ));
            };
            if !root.join(&path).is_file() {
                return Err(hinted(
                    format!(
                        "{CONFIG_PATH}: [member.\"{dir}\"] names the requirements file {path}, which does not exist"
                    ),
                    format!("create {path}, or fix `requirements` (relative to {dir})"),
                ));
            }
            Some(path)
        }
        None => Some(dir.join("requirements.txt")).filter(|p| root.join(p).is_file()),
    };
    let text = match &requirements {
        Some(path) => fsutil::read(&root.join(path))?,
        None => String::new(),
    };
    let dependencies =
        requirements.as_deref().map(|file| crate::infile::requirements_with_includes(root, file)).unwrap_or_default();
    let pyproject = pyproject::unit(settings, dependencies)?;
    // What its lock depends on: its settings and its requirements file.
    let digest = crate::digest::text(&format!("{settings:?}\n{}", crate::infile::lines_digest(&text)));
    Member::new(root, dir, pyproject, digest, requirements, text)
}

impl Member {
    /// Its folder as shown to a person: `.` for the root project (whose `dir` is empty).
    pub fn shown_dir(&self) -> &Utf8Path {
        if self.dir.as_str().is_empty() { Utf8Path::new(".") } else { &self.dir }
    }

    /// A member as read from its files; its name, edges and env are worked out once every
    /// member is read.
    fn new(
        root: &Utf8Path,
        dir: Utf8PathBuf,
        pyproject: Pyproject,
        pyproject_digest: String,
        requirements: Option<Utf8PathBuf>,
        text: String,
    ) -> Result<Member> {
        Ok(Member {
            text,
            name: String::new(),
            pythonpath: resolve_pythonpath(root, &dir, &pyproject.tests.pythonpath)?,
            installable: pyproject.install,
            dir,
            pyproject,
            pyproject_digest,
            deps: Vec::new(),
            env: 0,
            path_deps: Vec::new(),
            path_sources: Vec::new(),
            group_deps: Vec::new(),
            nested: Vec::new(),
            requirements,
            requirements_beside: Vec::new(),
        })
    }
}

/// A member folder's own files, as read before the members are put together.
enum Read<'c> {
    /// A folder the config declares that has no pyproject: a unit.
    Unit(&'c pyproject::MemberSettings),
    Pyproject {
        pyproject: Box<Pyproject>,
        text: String,
        beside: Vec<Utf8PathBuf>,
    },
}

/// Reads and parses member folder `dir`'s pyproject (or finds it is a declared unit), and
/// lists the requirements files beside it.
fn read_member<'c>(root: &Utf8Path, config: &'c Config, dir: &Utf8Path) -> Result<Read<'c>> {
    let declared = config.declared.get(dir.as_str());
    let path = dir.join("pyproject.toml");
    if let Some(settings) = declared.filter(|_| !root.join(&path).exists()) {
        return Ok(Read::Unit(settings));
    }
    let text = std::fs::read_to_string(root.join(&path)).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => hinted(
            format!("member folder {dir} has no pyproject.toml"),
            format!(
                "add {path}; or, if it is not a package, declare it as [member.\"{dir}\"] in {CONFIG_PATH}; or list {dir} under `exclude`"
            ),
        ),
        std::io::ErrorKind::InvalidData => {
            hinted(format!("{path} is not UTF-8 text"), format!("save {path} as UTF-8 (TOML files are UTF-8)"))
        }
        _ if root.join(&path).is_dir() => hinted(
            format!("{path} is a folder, not a file"),
            format!("move {path} away and write the project's pyproject.toml there"),
        ),
        _ => hinted(format!("cannot read {path}: {err}"), format!("make {path} readable")),
    })?;
    let pyproject = pyproject::parse_in(&path, &text, declared, config.default_groups.as_deref())?;
    Ok(Read::Pyproject { pyproject: Box::new(pyproject), text, beside: requirements_beside(root, dir) })
}

/// The `requirements*.txt` files in a member's folder (relative to the root), sorted; not
/// one that is a compiled lock (pip-compile's output, or pins with `--hash`es): what it
/// was compiled from is the declaration, and its pins are only where a first lock starts
/// (`seed`).
fn requirements_beside(root: &Utf8Path, dir: &Utf8Path) -> Vec<Utf8PathBuf> {
    let Ok(entries) = root.join(dir).read_dir_utf8() else { return Vec::new() };
    let mut files: Vec<Utf8PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            name.starts_with("requirements") && name.ends_with(".txt") && e.path().is_file()
        })
        .filter(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            !text.contains("--hash") && !text.contains("pip-compile")
        })
        .map(|e| dir.join(e.file_name()))
        .collect();
    files.sort();
    files
}

/// A member's `pythonpath` folders, relative to the root; each must exist inside it.
fn resolve_pythonpath(root: &Utf8Path, dir: &Utf8Path, written: &[String]) -> Result<Vec<Utf8PathBuf>> {
    let mut out = Vec::new();
    for entry in written {
        let path = lexical(&root.join(dir).join(entry.replace('\\', "/")));
        let inside = path.strip_prefix(root).ok().map(Utf8Path::to_owned);
        match inside {
            Some(rel) if root.join(&rel).is_dir() => out.push(rel),
            Some(_) => {
                return Err(hinted(
                    format!("{dir}/pyproject.toml: pythonpath `{entry}` is not a folder ({path})"),
                    "list folders relative to the project's folder, e.g. `..` or `../shared`",
                ));
            }
            None => {
                return Err(hinted(
                    format!("{dir}/pyproject.toml: pythonpath `{entry}` leaves the repository"),
                    "list folders inside the repository, relative to the project's folder",
                ));
            }
        }
    }
    Ok(out)
}

fn looks_like_path(name: &str) -> bool {
    name.contains(['/', '\\']) || name == "." || name == ".."
}

/// Folders matching the member globs and not the exclude globs, sorted. Walks only as deep
/// as the globs can match, and never into hidden folders, `target`, `node_modules` or
/// symlinked folders (a link to a folder is a member when it matches, but its insides are
/// not walked: no loops). Names that are not UTF-8 are skipped (a folder with a warning).
/// A members pattern that matches no folder, or that leaves the root, is an error.
///
/// Also returns the folders with a `pyproject.toml` met on the way that are not members
/// (those `exclude` leaves out, and those no pattern matches, the root's included): a
/// requirement on a package one of them declares must not go to the index unnoticed. No
/// folder is walked for them that the patterns would not walk; a stat per folder met.
fn find_member_dirs(root: &Utf8Path, config: &Config, config_text: &str) -> Result<(Vec<Utf8PathBuf>, Vec<Outside>)> {
    for (written, key) in
        config.members.iter().map(|p| (p, "members")).chain(config.exclude.iter().map(|p| (p, "exclude")))
    {
        check_inside_root(written, key, config_text)?;
    }
    let patterns: Vec<String> = config.members.iter().map(|p| clean_pattern(p)).collect();
    let members = glob_set(&config.members, "members", config_text)?;
    let exclude = glob_set(&config.exclude, "exclude", config_text)?;
    let max_depth =
        patterns.iter().map(|g| if g.contains("**") { usize::MAX } else { g.split('/').count() }).max().unwrap_or(0);
    let mut found = Vec::new();
    let mut outside = Vec::new();
    let mut matched = vec![false; patterns.len()];
    // `.`: the root project is a member (its folder `""`); every other member is nested in it.
    if root.join("pyproject.toml").is_file() {
        let at_root: Vec<usize> = (0..patterns.len()).filter(|&ix| matches!(patterns[ix].as_str(), "." | "")).collect();
        if at_root.is_empty() {
            outside.push(Outside { dir: Utf8PathBuf::new(), excluded: false });
        } else {
            found.push(Utf8PathBuf::new());
            for ix in at_root {
                matched[ix] = true;
            }
        }
    }
    let mut stack = vec![(Utf8PathBuf::new(), 0)];
    while let Some((rel, depth)) = stack.pop() {
        if depth >= max_depth {
            continue;
        }
        let dir = root.join(&rel);
        for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot list {dir}"))? {
            let entry = entry.with_context(|| format!("cannot list {dir}"))?;
            let file_type = entry.file_type().with_context(|| format!("cannot list {dir}"))?;
            let name = match entry.file_name().into_string() {
                Ok(name) => name,
                Err(raw) => {
                    let lossy = raw.to_string_lossy();
                    let shown = join_rel(&rel, &lossy);
                    let walked = depth + 1 < max_depth || members.is_match(&shown);
                    if file_type.is_dir() && !lossy.starts_with('.') && walked {
                        crate::ui::err(&format!(
                            "warning: skipping the folder {shown}: its name is not valid UTF-8, so it cannot be a member\n"
                        ));
                    }
                    continue;
                }
            };
            if name.starts_with('.') || matches!(name.as_str(), "target" | "node_modules" | "__pycache__") {
                continue;
            }
            // `/` on every platform: member folders end up in digests and locks.
            let child = Utf8PathBuf::from(join_rel(&rel, &name));
            let is_link = file_type.is_symlink();
            if is_link {
                let hits = members.matches(child.as_str());
                if hits.is_empty() || exclude.is_match(child.as_str()) {
                    continue;
                }
                match std::fs::metadata(entry.path()) {
                    Ok(meta) if meta.is_dir() => {}
                    Ok(_) => continue, // a link to a file: not a folder, so not a member
                    Err(_) => {
                        let target =
                            std::fs::read_link(entry.path()).map(|t| t.display().to_string()).unwrap_or_default();
                        return Err(hinted(
                            format!(
                                "{child} is a symlink to {target}, which does not exist (it matches the members pattern \"{}\" of {CONFIG_PATH})",
                                config.members[hits[0]]
                            ),
                            format!(
                                "point the link at the project's folder, remove it, or list \"{child}\" under `exclude` in {CONFIG_PATH}"
                            ),
                        ));
                    }
                }
            } else if !file_type.is_dir() {
                continue;
            }
            let hits = members.matches(child.as_str());
            for &hit in &hits {
                matched[hit] = true;
            }
            if !hits.is_empty() && !exclude.is_match(child.as_str()) {
                found.push(child.clone());
            } else if !is_link && root.join(&child).join("pyproject.toml").is_file() {
                outside.push(Outside { dir: child.clone(), excluded: !hits.is_empty() });
            }
            if !is_link {
                stack.push((child, depth + 1));
            }
        }
    }
    if let Some(ix) = matched.iter().position(|m| !m) {
        return Err(no_match(root, &config.members[ix], &patterns[ix], config_text));
    }
    found.sort();
    Ok((found, outside))
}

/// `rel/name` with `/`, or `name` at the root.
fn join_rel(rel: &Utf8Path, name: &str) -> String {
    if rel.as_str().is_empty() { name.to_owned() } else { format!("{rel}/{name}") }
}

/// A pattern as matched against `/`-separated folder paths: without a leading `./` or a
/// trailing `/`.
fn clean_pattern(pattern: &str) -> String {
    let mut p = pattern.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.trim_end_matches('/').to_owned()
}

/// The line of `_meta/monorepo.toml` where `pattern` is written (as a quoted string), for
/// messages; `None` when it cannot be told.
fn line_of(config_text: &str, pattern: &str) -> Option<usize> {
    let quoted = [format!("\"{pattern}\""), format!("'{pattern}'")];
    config_text.lines().position(|l| quoted.iter().any(|q| l.contains(q.as_str()))).map(|ix| ix + 1)
}

/// ` (line N)` of `pattern` in the config, when it can be told.
fn at_line(config_text: &str, pattern: &str) -> String {
    line_of(config_text, pattern).map(|line| format!(" (line {line})")).unwrap_or_default()
}

/// Patterns are relative to the root: an absolute one, or one with a `..`, would make
/// folders outside the repository members (or, more likely, match nothing).
fn check_inside_root(pattern: &str, key: &str, config_text: &str) -> Result<()> {
    let absolute = pattern.starts_with('/')
        || pattern.starts_with('\\')
        || pattern.as_bytes().get(1) == Some(&b':')
        || pattern == "~"
        || pattern.starts_with("~/");
    let escapes = pattern.split(['/', '\\']).any(|part| part == "..");
    if absolute || escapes {
        return Err(hinted(
            format!(
                "{CONFIG_PATH}: the {key} pattern \"{pattern}\" leaves the repository root{}",
                at_line(config_text, pattern)
            ),
            "patterns are relative to the repository root (the folder holding _meta/monorepo.toml): \
             write them like \"projects/*\", and move projects that live elsewhere into the repository",
        ));
    }
    Ok(())
}

/// The error for a members pattern that matches no folder, with the closest pattern that
/// does when a literal part of it is misspelt (`project/*` for `projects/*`).
fn no_match(root: &Utf8Path, written: &str, pattern: &str, config_text: &str) -> anyhow::Error {
    let message =
        format!("{CONFIG_PATH}: members pattern \"{written}\" matches no folder{}", at_line(config_text, written));
    let hint = match closest_pattern(root, pattern) {
        Some(better) => format!("did you mean \"{better}\"? fix the pattern in {CONFIG_PATH}"),
        None => format!(
            "create a member folder or remove the pattern: \"{written}\" in {CONFIG_PATH} must match at least one folder holding a pyproject.toml"
        ),
    };
    hinted(message, hint)
}

/// `pattern` with each literal part that names no folder replaced by the closest folder
/// name at that level, up to its first glob part, when the result matches a folder.
fn closest_pattern(root: &Utf8Path, pattern: &str) -> Option<String> {
    let parts: Vec<&str> = pattern.split('/').collect();
    let mut fixed: Vec<String> = Vec::new();
    let mut dir = root.to_owned();
    let mut changed = false;
    for (ix, part) in parts.iter().enumerate() {
        if part.contains(['*', '?', '[', '{']) {
            // The rest is globs and literals: it must match below `dir`, else no suggestion.
            let rest = parts[ix..].join("/");
            let glob = Glob::new(&rest).ok()?;
            let any = walk_names(&dir, parts.len() - ix).iter().any(|p| glob.is_match(p));
            fixed.push(rest);
            return (changed && any).then(|| fixed.join("/"));
        }
        let next = dir.join(part);
        if next.is_dir() {
            fixed.push((*part).to_owned());
            dir = next;
            continue;
        }
        let siblings = subfolders(&dir);
        let close = crate::suggest::closest(part, siblings.iter().map(String::as_str))?.to_owned();
        dir = dir.join(&close);
        fixed.push(close);
        changed = true;
    }
    changed.then(|| fixed.join("/"))
}

/// The names of the visible folders in `dir` (links to folders included), sorted.
fn subfolders(dir: &Utf8Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    out.sort();
    out
}

/// The `/`-separated paths of the folders up to `depth` levels under `dir`.
fn walk_names(dir: &Utf8Path, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut level: Vec<String> = vec![String::new()];
    for _ in 0..depth.min(8) {
        let mut next = Vec::new();
        for rel in &level {
            for name in subfolders(&dir.join(rel)) {
                next.push(join_rel(Utf8Path::new(rel), &name));
            }
        }
        out.extend(next.iter().cloned());
        level = next;
    }
    out
}

/// The patterns of `key` (as written in the config) as one set, in their order.
fn glob_set(globs: &[String], key: &str, config_text: &str) -> Result<GlobSet> {
    globs
        .iter()
        .map(|glob| {
            Glob::new(&clean_pattern(glob)).map_err(|err| {
                hinted(
                    format!("{CONFIG_PATH}: bad {key} pattern \"{glob}\": {err}{}", at_line(config_text, glob)),
                    "use globs like \"projects/*\" or \"libs/*\" (`*` is one folder level)",
                )
            })
        })
        .collect()
}

/// Links local dependencies and sorts members into dependency order.
///
/// Every requirement that names a package a folder of the repository declares must resolve
/// to that folder, or fail here: a requirement on a member `install = false` leaves
/// uninstalled, or on a package only a folder outside the members declares, would be looked
/// up on the package index, where anyone may have published that name. `index-packages` in
/// the config says where the index's package is meant. Extras asked of a member must be
/// ones it declares, and `[tool.uv.sources]` paths must be what they say (see [`source_path`]).
fn order_members(
    root: &Utf8Path,
    config: &Config,
    layers: &[Layer],
    outside: &[Outside],
    mut members: Vec<Member>,
) -> Result<Vec<Member>> {
    // Package names are unique (`name_members` checked): each names one member.
    let declared: HashMap<&str, usize> = members
        .iter()
        .enumerate()
        .filter(|(_, m)| !m.pyproject.package.is_empty())
        .map(|(ix, m)| (m.pyproject.package.as_str(), ix))
        .collect();
    let by_package: HashMap<&str, usize> =
        declared.iter().filter(|&(_, &ix)| members[ix].installable).map(|(&p, &ix)| (p, ix)).collect();
    let index_packages = index_packages(config, &members, &by_package)?;
    // `[tool.uv.sources]`: a path source to a member's folder names that member, whatever
    // its package is called; one to another folder is installed from there; a workspace
    // source must name a member. Any other kind (git, URL, index) says where the package
    // comes from too.
    let by_dir: HashMap<&Utf8Path, usize> = members.iter().enumerate().map(|(ix, m)| (m.dir.as_path(), ix)).collect();
    let mut sourced: Vec<HashMap<String, Option<usize>>> = vec![HashMap::new(); members.len()];
    let mut external: Vec<Vec<PathSource>> = vec![Vec::new(); members.len()];
    let mut elsewhere: Vec<Vec<&str>> = vec![Vec::new(); members.len()];
    for (ix, m) in members.iter().enumerate() {
        for (package, source) in &m.pyproject.sources {
            match source {
                pyproject::Source::Path { path, editable, line } => {
                    let (dir, is_file) = source_path(root, config, m, package, path, *line)?;
                    match by_dir.get(dir.as_path()) {
                        Some(&member) => {
                            sourced[ix].insert(package.clone(), Some(member));
                        }
                        None => {
                            sourced[ix].insert(package.clone(), None);
                            // A wheel or an sdist is installed, never editable.
                            let editable = *editable && !is_file;
                            external[ix].push(PathSource { package: package.clone(), dir, editable });
                        }
                    }
                }
                pyproject::Source::Workspace => match declared.get(package.as_str()) {
                    Some(&member) => {
                        sourced[ix].insert(package.clone(), Some(member));
                    }
                    None => {
                        return Err(hinted(
                            format!(
                                "{}/pyproject.toml: [tool.uv.sources] {package} = {{ workspace = true }}, but no member is the project `{package}`",
                                m.dir
                            ),
                            format!(
                                "add the folder of `{package}` to `members` in {CONFIG_PATH}, or remove the source"
                            ),
                        ));
                    }
                },
                pyproject::Source::Other => elsewhere[ix].push(package.as_str()),
            }
        }
    }
    let outsiders = outside_packages(root, outside);
    for (ix, m) in members.iter().enumerate() {
        for req in m.pyproject.requirements() {
            let Some(name) = requirement_name(req).map(normalize) else { continue };
            if is_direct_url(req) || elsewhere[ix].contains(&name.as_str()) {
                continue; // it says where it comes from
            }
            let (target, by_source) = match sourced[ix].get(&name) {
                Some(Some(target)) => (Some(*target), true),
                Some(None) => continue, // a folder outside the members, by path
                None => (declared.get(name.as_str()).copied(), false),
            };
            match target {
                Some(t) if t == ix && m.installable => {} // itself: an error below, but in a group
                Some(t) if members[t].installable => check_extras(m, req, &members[t])?,
                Some(_) if !by_source && index_packages.contains(&name) => {}
                Some(t) => return Err(not_installed(m, req, &name, &members[t])),
                None => match outsiders.get(name.as_str()) {
                    Some(folder) if !index_packages.contains(&name) => {
                        return Err(outside_package(m, req, &name, folder));
                    }
                    _ => {}
                },
            }
        }
    }
    // A layer is locked from the index alone: a requirement there on a local package would
    // install the index's.
    for layer in layers {
        for req in &layer.requirements {
            let Some(name) = req.name.as_deref() else { continue };
            if is_direct_url(&req.text) || index_packages.contains(name) {
                continue;
            }
            let owner = declared.get(name).map(|&t| members[t].dir.clone()).map(|dir| (dir, false));
            let owner = owner.or_else(|| outsiders.get(name).map(|o| (o.dir.clone(), true)));
            if let Some((dir, outside)) = owner {
                let also = if outside {
                    format!(
                        "; or, if the package index's `{name}` is meant, say so: index-packages = [\"{name}\"] under \
                         [monorepo] in {CONFIG_PATH}"
                    )
                } else {
                    String::new()
                };
                return Err(hinted(
                    format!(
                        "{}:{} requires `{}`, the package of {}{}: a layer is locked from the package index alone, \
                         so it would install whatever the index holds under that name",
                        req.file,
                        req.line,
                        req.text,
                        shown(&dir),
                        if outside { " (which is not a member)" } else { "" }
                    ),
                    format!(
                        "remove line {} of {}, and list `{name}` in the dependencies of the projects that need it{}{also}",
                        req.line,
                        req.file,
                        if outside { String::new() } else { format!(" (they install it from {dir})") }
                    ),
                ));
            }
        }
    }
    let local_of = |ix: usize, reqs: &mut dyn Iterator<Item = &String>| -> Vec<usize> {
        let mut deps: Vec<usize> = reqs
            .filter_map(|req| {
                let name = normalize(requirement_name(req)?);
                match sourced[ix].get(&name) {
                    Some(member) => *member,
                    None => by_package.get(name.as_str()).copied(),
                }
            })
            .collect();
        deps.sort_unstable();
        deps.dedup();
        deps
    };
    // Runtime edges (dependencies, extras) order the graph; a cycle among them is an error.
    let deps: Vec<Vec<usize>> = members
        .iter()
        .enumerate()
        .map(|(ix, m)| local_of(ix, &mut m.pyproject.dependencies.iter().chain(&m.pyproject.extra_requirements)))
        .collect();
    // Edges through dependency groups (test, dev...) may close a cycle: a package's tests
    // may need the package that needs it. Both ends are installed; they order nothing.
    let group_deps: Vec<Vec<usize>> = members
        .iter()
        .enumerate()
        .map(|(ix, m)| {
            local_of(ix, &mut m.pyproject.group_requirements.iter())
                .into_iter()
                .filter(|d| *d != ix && !deps[ix].contains(d))
                .collect()
        })
        .collect();
    if let Some((ix, _)) = deps.iter().enumerate().find(|(ix, d)| d.contains(ix)) {
        let m = &members[ix];
        let req = m
            .pyproject
            .dependencies
            .iter()
            .chain(&m.pyproject.extra_requirements)
            .find(|r| requirement_name(r).map(normalize).as_deref() == Some(&m.pyproject.package));
        return Err(hinted(
            format!(
                "{}/pyproject.toml: project `{}` depends on itself (`{}`)",
                m.dir,
                m.pyproject.package,
                req.unwrap_or(&m.pyproject.package)
            ),
            format!(
                "remove `{}` from the requirements of {}/pyproject.toml",
                req.unwrap_or(&m.pyproject.package),
                m.dir
            ),
        ));
    }
    let order = topo_order(&deps).map_err(|cycle| {
        let path: Vec<String> = cycle.iter().map(|&i| members[i].name.clone()).collect();
        let files: Vec<String> =
            cycle[..cycle.len() - 1].iter().map(|&i| format!("{}/pyproject.toml", members[i].dir)).collect();
        hinted(
            format!("the projects depend on each other in a cycle: {}", path.join(" -> ")),
            format!("remove one of these dependencies, in: {}", files.join(", ")),
        )
    })?;
    let mut position = vec![0; members.len()];
    for (pos, &ix) in order.iter().enumerate() {
        position[ix] = pos;
    }
    for (ix, m) in members.iter_mut().enumerate() {
        m.deps = deps[ix].iter().map(|&d| position[d]).collect();
        m.deps.sort_unstable();
        m.group_deps = group_deps[ix].iter().map(|&d| position[d]).collect();
        m.group_deps.sort_unstable();
        m.path_sources = std::mem::take(&mut external[ix]);
    }
    let mut slots: Vec<Option<Member>> = members.into_iter().map(Some).collect();
    Ok(order.iter().map(|&ix| slots[ix].take().expect("a topological order visits each node once")).collect())
}

/// The config's `index-packages`, normalised. A name that is not a package name, or that an
/// installed member declares (a requirement on it is that member, never the index's), is
/// an error.
fn index_packages(
    config: &Config,
    members: &[Member],
    by_package: &HashMap<&str, usize>,
) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for name in &config.index_packages {
        if !crate::pep508::is_valid_name(name) {
            return Err(hinted(
                format!("{CONFIG_PATH}: index-packages lists `{name}`, which is not a package name"),
                "list the names of packages, e.g. index-packages = [\"ideas-model\"]",
            ));
        }
        let package = normalize(name);
        if let Some(&m) = by_package.get(package.as_str()) {
            let dir = &members[m].dir;
            return Err(hinted(
                format!(
                    "{CONFIG_PATH}: index-packages lists `{name}`, the package of the member {dir}: a requirement on it \
                     installs {dir}, never the index's"
                ),
                format!(
                    "remove `{name}` from index-packages; or, if the index's `{name}` is meant, leave {dir} out of the \
                     members (`exclude`) or mark it `install = false`"
                ),
            ));
        }
        out.insert(package);
    }
    Ok(out)
}

/// A folder with a `pyproject.toml` that is not a member, met where the members patterns
/// look: one their `exclude` leaves out, or one no pattern matches.
#[derive(Debug, Clone)]
struct Outside {
    /// Relative to the root (`""`: the root itself).
    dir: Utf8PathBuf,
    /// Matched by `members`, left out by `exclude`.
    excluded: bool,
}

/// The packages the folders outside the members declare (`[project].name`), by normalised
/// name; a pyproject that does not read is no declaration. Reads only those few files.
fn outside_packages<'a>(root: &Utf8Path, outside: &'a [Outside]) -> HashMap<String, &'a Outside> {
    let mut out = HashMap::new();
    for folder in outside {
        let Ok(text) = std::fs::read_to_string(root.join(&folder.dir).join("pyproject.toml")) else { continue };
        let Ok(doc) = text.parse::<toml::Table>() else { continue };
        let name = doc.get("project").and_then(|p| p.get("name")).and_then(toml::Value::as_str);
        if let Some(name) = name.filter(|n| crate::pep508::is_valid_name(n)) {
            out.entry(normalize(name)).or_insert(folder);
        }
    }
    out
}

/// A folder for messages: `.` for the root.
fn shown(dir: &Utf8Path) -> &str {
    if dir.as_str().is_empty() { "." } else { dir.as_str() }
}

/// `name @ URL` (a direct reference): it says where it comes from.
fn is_direct_url(req: &str) -> bool {
    let Some(name) = requirement_name(req) else { return false };
    let rest = req.trim_start()[name.len()..].trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(extras) => extras.split_once(']').map_or("", |(_, after)| after.trim_start()),
        None => rest,
    };
    rest.starts_with('@')
}

/// Where a member's requirement is written, for messages: `FILE` and ` (line N)`.
fn written_at(m: &Member, req: &str) -> (String, String) {
    let (file, line) = match &m.requirements {
        Some(file) => {
            let line = crate::infile::logical_lines(&m.text).into_iter().find(|(_, l)| l == req).map(|(n, _)| n);
            (file.to_string(), line)
        }
        None if m.pyproject.package.is_empty() => (format!("[member.\"{}\"] in {CONFIG_PATH}", m.dir), None),
        None => (format!("{}/pyproject.toml", m.dir), pyproject::line_of_string(&m.text, req)),
    };
    (file, line.map(|n| format!(" (line {n})")).unwrap_or_default())
}

/// The extras `req` asks of the member `target` must be ones it declares.
fn check_extras(m: &Member, req: &str, target: &Member) -> Result<()> {
    let Some(declared) = &target.pyproject.declared_extras else { return Ok(()) };
    let Some(extra) = pyproject::extras_of(req).into_iter().find(|e| !declared.contains(e)) else { return Ok(()) };
    let (file, at) = written_at(m, req);
    let known = if declared.is_empty() { "none".to_owned() } else { declared.join(", ") };
    Err(hinted(
        format!("{file}: `{req}` asks {} for the extra `{extra}`, which it does not declare{at}", target.dir),
        format!(
            "declare {extra} = [...] under [project.optional-dependencies] in {dir}/pyproject.toml, or remove \
             `[{extra}]` from the requirement in {file} (the extras of {dir}: {known})",
            dir = target.dir
        ),
    ))
}

/// A requirement on the package of a member that is not installed (`install = false`).
fn not_installed(m: &Member, req: &str, name: &str, target: &Member) -> anyhow::Error {
    let (file, at) = written_at(m, req);
    let whose = if target.dir == m.dir { format!("its own package ({})", target.dir) } else { target.dir.to_string() };
    hinted(
        format!(
            "{file}: `{req}` names the package of {whose}, which is not installed (`install = false`), so the \
             package index's `{name}` would be installed in its place, whoever published it{at}"
        ),
        format!(
            "remove `install = false` from {dir}'s [tool.monorepo] (or [member.\"{dir}\"] in {CONFIG_PATH}), so it \
             is installed from its folder; or remove `{req}` from {file}; or, if the package index's `{name}` is \
             meant, say so: index-packages = [\"{name}\"] under [monorepo] in {CONFIG_PATH}",
            dir = target.dir
        ),
    )
}

/// A requirement on a package that only a folder outside the members declares.
fn outside_package(m: &Member, req: &str, name: &str, folder: &Outside) -> anyhow::Error {
    let (file, at) = written_at(m, req);
    let dir = shown(&folder.dir);
    let why = if folder.excluded {
        format!("`exclude` in {CONFIG_PATH} leaves {dir} out of the members")
    } else {
        format!("{dir} is not a member (no `members` pattern matches it)")
    };
    let include = if folder.excluded {
        format!("make {dir} a member (take it out of `exclude` in {CONFIG_PATH})")
    } else {
        let rel = crate::lockfile::relative_path(&folder.dir, &m.dir);
        format!(
            "make {dir} a member (add it to `members` in {CONFIG_PATH}), or install it from its folder: \
             [tool.uv.sources] {name} = {{ path = \"{rel}\" }} in {}/pyproject.toml",
            m.dir
        )
    };
    hinted(
        format!(
            "{file}: `{req}` names a package that only {dir} declares, and {why}, so the package index's `{name}` \
             would be installed in its place, whoever published it{at}"
        ),
        format!(
            "{include}; or, if the package index's `{name}` is meant, say so: index-packages = [\"{name}\"] under \
             [monorepo] in {CONFIG_PATH}"
        ),
    )
}

/// Where a `[tool.uv.sources]` path of member `m` leads, relative to the root (with `..`
/// when it leaves it, as the config allows), and whether it is a file (a wheel, an sdist).
/// Relative to the member's folder, as uv reads it. One that leaves the repository is an
/// error unless `external-paths` in the config lists it; one that is absolute (`/opt/x`,
/// `C:\x`) likewise; one that leads nowhere, or to the root, is an error.
fn source_path(
    root: &Utf8Path,
    config: &Config,
    m: &Member,
    package: &str,
    path: &str,
    line: Option<usize>,
) -> Result<(Utf8PathBuf, bool)> {
    let file = format!("{}/pyproject.toml", m.dir);
    let at = line.map(|n| format!(" (line {n})")).unwrap_or_default();
    let source = format!("[tool.uv.sources] {package} = {{ path = \"{path}\" }}");
    let written = path.replace('\\', "/");
    let absolute = crate::paths::is_absolute_anywhere;
    let resolve = |p: &str| if absolute(p) { lexical(Utf8Path::new(p)) } else { lexical(&root.join(p)) };
    let target = if absolute(&written) { resolve(&written) } else { lexical(&root.join(&m.dir).join(&written)) };
    let allowed = config.external_paths.iter().any(|e| resolve(&e.replace('\\', "/")) == target);
    let inside = target.strip_prefix(root).ok().map(Utf8Path::to_owned);
    let rel = match inside {
        Some(rel) if absolute(&written) && !allowed => {
            let relative = crate::lockfile::relative_path(&rel, &m.dir);
            return Err(hinted(
                format!("{file}: {source} is an absolute path{at}"),
                format!("write it relative to {} (the folder of the pyproject): path = \"{relative}\"", m.dir),
            ));
        }
        Some(rel) if rel.as_str().is_empty() => {
            return Err(hinted(
                format!("{file}: {source} points at the repository's root, which is no member's folder{at}"),
                format!("point it at the folder of the package {package}, relative to {}", m.dir),
            ));
        }
        Some(rel) => rel,
        None if allowed => {
            if absolute(&written) {
                target.clone()
            } else {
                Utf8PathBuf::from(crate::lockfile::relative_path(&target, root))
            }
        }
        None => {
            let from_root = crate::lockfile::relative_path(&target, root);
            let suggested = if absolute(&written) { target.to_string() } else { from_root };
            return Err(hinted(
                format!(
                    "{file}: {source} leads out of the repository, to {target} (a path is relative to the folder of \
                     its pyproject, {}){at}",
                    m.dir
                ),
                format!(
                    "point it at a folder inside the repository, relative to {}; or, if that folder outside is \
                     meant, allow it by name: external-paths = [\"{suggested}\"] under [monorepo] in {CONFIG_PATH} \
                     (relative to the root)",
                    m.dir
                ),
            ));
        }
    };
    let full = root.join(&rel);
    let full = if rel.is_absolute() { rel.clone() } else { full };
    match std::fs::metadata(&full) {
        Ok(meta) => Ok((rel, meta.is_file())),
        Err(_) => Err(hinted(
            format!("{file}: {source} leads to {full}, which does not exist{at}"),
            format!("fix the path (it is relative to {}, the folder of the pyproject), or create the folder", m.dir),
        )),
    }
}

/// Groups members into envs by env name and works out each env's layers, editables,
/// Python and paths. Sets each member's `env`.
fn build_envs(root: &Utf8Path, members: &mut [Member], layers: &[Layer], config: &Config) -> Result<Vec<Env>> {
    let mut envs: Vec<Env> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (ix, member) in members.iter_mut().enumerate() {
        let name = member.pyproject.env.clone().unwrap_or_else(|| member.name.clone());
        // An env name is a file name (its lock) and a folder name (a shared venv): any name a
        // folder can have (a project folder's name is one), but not a path.
        let valid = name.chars().any(char::is_alphanumeric)
            && !name.starts_with(['.', ' ', '-'])
            && !name.ends_with([' ', '.'])
            && !name
                .chars()
                .any(|c| c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'));
        if !valid {
            return Err(hinted(
                format!("{}/pyproject.toml: `{name}` is not a valid env name", member.dir),
                "an env name is a file name: use letters, digits, `-`, `_` and `.` (no `/`)",
            ));
        }
        let e = *by_name.entry(name.clone()).or_insert_with(|| {
            envs.push(Env {
                name,
                members: Vec::new(),
                editables: Vec::new(),
                layers: Vec::new(),
                python: String::new(),
                venv: Utf8PathBuf::new(),
                links: Vec::new(),
                lock: Utf8PathBuf::new(),
                displaced: Vec::new(),
            });
            envs.len() - 1
        });
        envs[e].members.push(ix);
        member.env = e;
    }
    // Lock files and shared venvs are named after envs: names that differ only in case are
    // one file on macOS and Windows.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (e, env) in envs.iter().enumerate() {
        if let Some(&first) = seen.get(&env.name.to_lowercase()) {
            let dir = |e: usize| members[envs[e].members[0]].dir.as_str();
            return Err(hinted(
                format!(
                    "envs `{}` ({}) and `{}` ({}) differ only in case: their locks and venvs would be one file on \
                     macOS and Windows",
                    envs[first].name,
                    dir(first),
                    env.name,
                    dir(e)
                ),
                "spell the env alike where it is meant to be one ([tool.monorepo].env), or give each a name of its own",
            ));
        }
        seen.insert(env.name.to_lowercase(), e);
    }
    let deps: Vec<Vec<usize>> = members.iter().map(|m| m.deps.clone()).collect();
    let mut members_named: HashMap<String, Vec<usize>> = HashMap::new();
    for (ix, m) in members.iter().enumerate() {
        members_named.entry(m.name.to_lowercase()).or_default().push(ix);
    }
    for env in &mut envs {
        if let Some(layer) = layers.iter().find(|l| l.name.to_lowercase() == env.name.to_lowercase()) {
            let lock = Utf8PathBuf::from(format!("{}/{}.txt", config::REQUIREMENTS_DIR, env.name));
            let locks = if lock == layer.lock() { lock.to_string() } else { format!("{lock} and {}", layer.lock()) };
            return Err(hinted(
                format!(
                    "env `{}` has the name of layer `{}`: both would be locked to {locks}{}",
                    env.name,
                    layer.name,
                    if lock == layer.lock() { "" } else { ", one file on macOS and Windows" }
                ),
                "rename the project folder, its [tool.monorepo].env, or the layer",
            ));
        }
        let named = members_named.get(&env.name.to_lowercase()).into_iter().flatten();
        if let Some(other) = named.filter(|ix| !env.members.contains(ix)).map(|&ix| &members[ix]).next() {
            return Err(hinted(
                format!("env `{}` has the name of project {}, which is not in it", env.name, other.dir),
                "give the shared env a name that is not a project's folder name",
            ));
        }
        let mut env_layers = vec![0];
        let mut editables = Vec::new();
        let mut pythons: Vec<(String, &Member)> = Vec::new();
        for &m in &env.members {
            let member = &members[m];
            editables.extend(closure(&deps, m));
            editables.push(m);
            // What its groups name comes too, with its runtime dependencies (groups are not
            // transitive, as in uv).
            for &g in &member.group_deps {
                editables.extend(closure(&deps, g));
                editables.push(g);
            }
            pythons.push((python_for(member, &config.python)?, member));
        }
        // The layers of local dependencies apply too: their code runs in this env, on the
        // pins their layers promise.
        for &dep in &editables {
            let member = &members[dep];
            for name in &member.pyproject.layers {
                let ix =
                    layers.iter().position(|l| &l.name == name).ok_or_else(|| unknown_layer(member, name, layers))?;
                env_layers.push(ix);
                env_layers.extend(&layers[ix].extends);
            }
        }
        env_layers.sort_unstable();
        env_layers.dedup();
        // Nothing to install for a member without a pyproject; its layers applied above.
        editables.retain(|&e| members[e].installable);
        editables.sort_unstable();
        editables.dedup();
        if let Some((other, member)) = pythons.iter().find(|(p, _)| *p != pythons[0].0) {
            return Err(hinted(
                format!(
                    "env `{}` is shared by projects that need different Pythons: {} needs {}, {} needs {other}",
                    env.name, pythons[0].1.dir, pythons[0].0, member.dir
                ),
                "align their requires-python / [tool.monorepo].python, or give them separate envs",
            ));
        }
        let own = env.members.len() == 1 && members[env.members[0]].name == env.name;
        env.layers = env_layers;
        env.editables = editables;
        env.python = pythons[0].0.clone();
        env.lock = Utf8PathBuf::from(format!("{}/{}.txt", config::REQUIREMENTS_DIR, env.name));
        let shared = Utf8PathBuf::from(format!("{}/{}", config::VENVS_DIR, env.name));
        // A `.venv` left by the old scripts (or any folder, file or link the xtask did not
        // make) is never touched: the venv goes to `_meta/venvs/`, and no link is made there.
        let in_the_way = |m: usize| {
            let path = members[m].dir.join(".venv");
            let why = venv::not_ours(root, &root.join(&path))?;
            Some(format!("{path} {why}: the xtask leaves it alone, so the venv of `{}` is {shared}", env.name))
        };
        if own {
            match in_the_way(env.members[0]) {
                Some(why) => {
                    env.displaced.push(why);
                    env.venv = shared;
                }
                None => env.venv = members[env.members[0]].dir.join(".venv"),
            }
        } else {
            let mut links = Vec::new();
            for &m in &env.members {
                match in_the_way(m) {
                    Some(why) => env.displaced.push(why),
                    None => links.push(members[m].dir.join(".venv")),
                }
            }
            env.venv = shared;
            env.links = links;
        }
    }
    Ok(envs)
}

/// The interpreter a member asks for: its `[tool.monorepo].python`; else the config's, when
/// its `requires-python` allows it; else the lowest version `requires-python` allows.
fn python_for(member: &Member, default: &str) -> Result<String> {
    if let Some(python) = &member.pyproject.python {
        return Ok(python.clone());
    }
    let Some(requires) = &member.pyproject.requires_python else { return Ok(default.to_owned()) };
    match Version::parse(default).and_then(|v| satisfies(&v, requires)) {
        Some(false) => pep440::lower_bound(requires).ok_or_else(|| {
            hinted(
                format!("{}/pyproject.toml: requires-python `{requires}` excludes Python {default}", member.dir),
                format!(
                    "fix `requires-python` in {}/pyproject.toml, or set [tool.monorepo].python to a version it allows",
                    member.dir
                ),
            )
        }),
        _ => Ok(default.to_owned()),
    }
}

fn unknown_layer(member: &Member, name: &str, layers: &[Layer]) -> anyhow::Error {
    let known: Vec<&str> = layers.iter().skip(1).map(|l| l.name.as_str()).collect();
    hinted(
        format!("{}/pyproject.toml: unknown layer `{name}` in [tool.monorepo].layers", member.dir),
        format!(
            "declare [layers.{name}] in {CONFIG_PATH} with {}/{name}.in; declared layers: {}",
            config::REQUIREMENTS_DIR,
            if known.is_empty() { "none".into() } else { known.join(", ") }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::hint_of;
    use crate::fsutil::write_test_file as write;

    /// A root with a config whose members are `members` (a TOML array's insides).
    fn repo(members: &str) -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        write(&root, CONFIG_PATH, &format!("[monorepo]\nmembers = [{members}]\npython = \"3.11\"\nuv = \"0.13.9\"\n"));
        write(&root, "_meta/requirements/base.in", "pytest\n");
        (dir, root)
    }

    fn project(root: &Utf8Path, dir: &str, name: &str) {
        write(root, &format!("{dir}/pyproject.toml"), &format!("[project]\nname = \"{name}\"\n"));
    }

    fn error(root: &Utf8Path) -> (String, String) {
        let err = Workspace::load(root).unwrap_err();
        (format!("{err:#}"), hint_of(&err).unwrap_or_default().to_owned())
    }

    fn names(root: &Utf8Path) -> Vec<String> {
        let ws = Workspace::load(root).unwrap();
        let mut dirs: Vec<String> = ws.members.iter().map(|m| m.dir.to_string()).collect();
        dirs.sort();
        dirs
    }

    #[test]
    fn a_misspelt_pattern_is_an_error_with_the_closest_pattern_that_matches() {
        let (_dir, root) = repo("\"project/*\"");
        project(&root, "projects/a", "a");
        let (message, hint) = error(&root);
        assert_eq!(message, "_meta/monorepo.toml: members pattern \"project/*\" matches no folder (line 2)");
        assert_eq!(hint, "did you mean \"projects/*\"? fix the pattern in _meta/monorepo.toml");
        let (_dir, root) = repo("\"projects/*\", \"lib/core\"");
        project(&root, "projects/a", "a");
        project(&root, "libs/core", "core");
        let (message, hint) = error(&root);
        assert_eq!(message, "_meta/monorepo.toml: members pattern \"lib/core\" matches no folder (line 2)");
        assert_eq!(hint, "did you mean \"libs/core\"? fix the pattern in _meta/monorepo.toml");
    }

    #[test]
    fn a_pattern_matching_nothing_without_a_close_one_asks_for_a_folder() {
        let (_dir, root) = repo("\"projects/*\"");
        std::fs::create_dir_all(root.join("projects")).unwrap();
        let (message, hint) = error(&root);
        assert_eq!(message, "_meta/monorepo.toml: members pattern \"projects/*\" matches no folder (line 2)");
        assert!(hint.starts_with("create a member folder or remove the pattern"), "{hint}");
        // No projects/ at all, and nothing close to it.
        let (_dir, root) = repo("\"xyzzy/*\"");
        let (_, hint) = error(&root);
        assert!(hint.starts_with("create a member folder or remove the pattern"), "{hint}");
        // A close folder that holds nothing the rest matches is no suggestion either.
        let (_dir, root) = repo("\"project/*\"");
        std::fs::create_dir_all(root.join("projects")).unwrap();
        let (_, hint) = error(&root);
        assert!(hint.starts_with("create a member folder"), "{hint}");
    }

    #[test]
    fn a_pattern_that_leaves_the_root_is_an_error() {
        for pattern in ["../*", "/srv/projects/*", "projects/../../x", "~/code/*"] {
            let (_dir, root) = repo(&format!("\"{pattern}\""));
            let (message, hint) = error(&root);
            assert_eq!(
                message,
                format!("_meta/monorepo.toml: the members pattern \"{pattern}\" leaves the repository root (line 2)")
            );
            assert!(hint.starts_with("patterns are relative to the repository root"), "{hint}");
        }
        let (_dir, root) = repo("\"projects/*\"");
        project(&root, "projects/a", "a");
        std::fs::write(
            root.join(CONFIG_PATH),
            "[monorepo]\nmembers = [\"projects/*\"]\nexclude = [\"../x\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n",
        )
        .unwrap();
        assert!(error(&root).0.contains("the exclude pattern \"../x\" leaves the repository root (line 3)"));
    }

    #[test]
    fn leading_dot_slash_and_trailing_slash_are_the_same_pattern() {
        let (_dir, root) = repo("\"./projects/*/\"");
        project(&root, "projects/a", "a");
        assert_eq!(names(&root), ["projects/a"]);
    }

    #[test]
    fn a_bad_glob_names_the_pattern_and_does_not_suggest_double_star() {
        let (_dir, root) = repo("\"projects/[\"");
        let (message, hint) = error(&root);
        assert!(message.starts_with("_meta/monorepo.toml: bad members pattern \"projects/[\": "), "{message}");
        assert!(message.ends_with("(line 2)"), "{message}");
        assert!(hint.contains("\"projects/*\"") && hint.contains("\"libs/*\"") && !hint.contains("**"), "{hint}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_folder_is_a_member_and_is_not_walked() {
        let (_dir, root) = repo("\"projects/*\"");
        project(&root, "projects/a", "a");
        project(&root, "elsewhere/b", "b");
        std::os::unix::fs::symlink(root.join("elsewhere/b"), root.join("projects/b")).unwrap();
        // A loop back up is not followed.
        std::os::unix::fs::symlink(&root, root.join("projects/a/loop")).unwrap();
        assert_eq!(names(&root), ["projects/a", "projects/b"]);
        // A link to a file is not a folder.
        write(&root, "notes.txt", "x");
        std::os::unix::fs::symlink(root.join("notes.txt"), root.join("projects/notes")).unwrap();
        assert_eq!(names(&root), ["projects/a", "projects/b"]);
        let (_dir, root) = repo("\"projects/**\"");
        project(&root, "projects/a", "a");
        std::os::unix::fs::symlink(&root, root.join("projects/a/loop")).unwrap();
        let err = error(&root).0;
        assert!(err.contains("projects/a/loop has no pyproject.toml"), "matched, but not walked: {err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symlink_that_matches_is_an_error_naming_it() {
        let (_dir, root) = repo("\"projects/*\"");
        project(&root, "projects/a", "a");
        std::os::unix::fs::symlink(root.join("gone"), root.join("projects/b")).unwrap();
        let (message, hint) = error(&root);
        assert_eq!(
            message,
            format!(
                "projects/b is a symlink to {root}/gone, which does not exist (it matches the members pattern \"projects/*\" of _meta/monorepo.toml)"
            )
        );
        assert!(hint.contains("list \"projects/b\" under `exclude`"), "{hint}");
        // Excluded, or outside the patterns, it is nobody's business.
        std::fs::write(
            root.join(CONFIG_PATH),
            "[monorepo]\nmembers = [\"projects/*\"]\nexclude = [\"projects/b\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n",
        )
        .unwrap();
        assert_eq!(names(&root), ["projects/a"]);
        std::os::unix::fs::symlink(root.join("gone"), root.join("dangling")).unwrap();
        assert_eq!(names(&root), ["projects/a"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn names_that_are_not_utf8_are_skipped() {
        use std::os::unix::ffi::OsStrExt;
        let (_dir, root) = repo("\"projects/*\"");
        project(&root, "projects/a", "a");
        let bad = std::ffi::OsStr::from_bytes(b"caf\xe9");
        std::fs::write(root.as_std_path().join(bad), "x").unwrap();
        std::fs::create_dir(root.as_std_path().join("projects").join(bad)).unwrap();
        std::fs::create_dir(root.as_std_path().join(std::ffi::OsStr::from_bytes(b"na\xefve"))).unwrap();
        assert_eq!(names(&root), ["projects/a"]);
    }

    /// `project`, with `dependencies` (a TOML array's insides) and more text.
    fn project_with(root: &Utf8Path, dir: &str, name: &str, deps: &str, more: &str) {
        write(
            root,
            &format!("{dir}/pyproject.toml"),
            &format!("[project]\nname = \"{name}\"\ndependencies = [{deps}]\n{more}"),
        );
    }

    #[test]
    fn folders_named_alike_but_for_case_get_the_tails_of_their_paths() {
        let (_dir, root) = repo("\"tools/*/*\"");
        project(&root, "tools/a/Review", "review-a");
        project(&root, "tools/b/review", "review-b");
        let ws = Workspace::load(&root).unwrap();
        let mut got: Vec<&str> = ws.members.iter().map(|m| m.name.as_str()).collect();
        got.sort_unstable();
        assert_eq!(got, ["a-Review", "b-review"], "never two locks that are one file on macOS");
    }

    #[test]
    fn a_name_set_by_hand_never_moves_another_member_off_its_own() {
        let (_dir, root) = repo("\"projects/*\"");
        project(&root, "projects/web", "ideas-web");
        project_with(&root, "projects/model", "ideas-model", "", "[tool.monorepo]\nname = \"web\"\n");
        let (message, hint) = error(&root);
        assert!(message.starts_with("projects/model takes the name `web`"), "{message}");
        assert!(message.contains("which projects/web has already"), "{message}");
        assert_eq!(
            hint,
            "give projects/model another name: names, folder names and package names are unique across the repository"
        );
    }

    #[test]
    fn only_folders_the_patterns_walk_are_read_for_the_packages_they_declare() {
        let (_dir, root) = repo("\"projects/*\"");
        project_with(&root, "projects/a", "a", "\"vendored\"", "");
        // Deeper than `projects/*` looks: not read, so not known (and not an error).
        project(&root, "vendor/deep/pkg", "vendored");
        Workspace::load(&root).unwrap();
        // Where the walk goes: known, and an error naming it.
        project(&root, "vendor/pkg", "vendored");
        let (message, _) = error(&root);
        assert!(message.contains("only vendor/pkg declares, and vendor/pkg is not a member"), "{message}");
        // Unless the config says the index's package is meant.
        write(
            &root,
            CONFIG_PATH,
            "[monorepo]\nmembers = [\"projects/*\"]\nindex-packages = [\"Vendored\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n",
        );
        Workspace::load(&root).unwrap();
    }

    #[test]
    fn a_source_path_outside_the_root_is_that_folder_when_the_config_allows_it() {
        let (_dir, root) = repo("\"projects/*\"");
        let beside = root.parent().unwrap().join(format!("{}-ext", root.file_name().unwrap()));
        project(&beside, "pkg", "ext");
        project_with(
            &root,
            "projects/a",
            "a",
            "\"ext\"",
            &format!("[tool.uv.sources]\next = {{ path = \"../../../{}-ext/pkg\" }}\n", root.file_name().unwrap()),
        );
        let (message, hint) = error(&root);
        assert!(message.contains("leads out of the repository, to"), "{message}");
        assert!(message.ends_with("(line 5)"), "{message}");
        let allowed = format!("../{}-ext/pkg", root.file_name().unwrap());
        assert!(hint.contains(&format!("external-paths = [\"{allowed}\"]")), "{hint}");
        write(
            &root,
            CONFIG_PATH,
            &format!(
                "[monorepo]\nmembers = [\"projects/*\"]\nexternal-paths = [\"{allowed}\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n"
            ),
        );
        let ws = Workspace::load(&root).unwrap();
        assert_eq!(ws.members[0].path_sources[0].dir, allowed, "relative to the root, `..` kept");
        assert_eq!(lexical(&root.join(&ws.members[0].path_sources[0].dir)), beside.join("pkg"));
        std::fs::remove_dir_all(&beside).unwrap();
    }

    #[test]
    fn an_extra_of_a_member_with_dynamic_optional_dependencies_is_not_judged_before_its_backend_says() {
        let (_dir, root) = repo("\"projects/*\"");
        project_with(&root, "projects/a", "a", "\"b[any]\"", "");
        project_with(&root, "projects/b", "b", "", "[project.optional-dependencies]\nfast = []\n");
        assert!(error(&root).0.contains("asks projects/b for the extra `any`"));
        let mut pyproject = pyproject::parse(
            Utf8Path::new("p/pyproject.toml"),
            "[project]\nname = \"b\"\ndynamic = [\"optional-dependencies\"]\n",
        )
        .unwrap();
        assert_eq!(pyproject.declared_extras, None);
        pyproject.declared_extras = Some(crate::metadata::provides_extra("Name: b\nProvides-Extra: Any\n\nbody"));
        assert_eq!(pyproject.declared_extras.as_deref(), Some(&["any".to_owned()][..]));
    }
}
