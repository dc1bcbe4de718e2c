//! Config and discovery: the whole monorepo, loaded and validated once.
//!
//! [`Workspace::load`] reads `_meta/monorepo.toml`, finds the members, reads each
//! `pyproject.toml` once, recognises local dependencies by normalised name, orders the
//! project graph and the layers, and assigns envs. Commands borrow it and never re-read.

use std::collections::HashMap;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::config::{self, CONFIG_PATH, Config};
use crate::error::hinted;
use crate::fsutil;
use crate::graph::{closure, topo_order};
use crate::layers::{self, Layer};
use crate::pep440::{self, Version, satisfies};
use crate::pyproject::{self, Pyproject, normalize, requirement_name};

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
}

impl Workspace {
    /// Loads the workspace whose root is `start` or the nearest folder above it with a config.
    pub fn discover(start: &Utf8Path) -> Result<Workspace> {
        let root = start.ancestors().find(|dir| dir.join(CONFIG_PATH).is_file()).ok_or_else(|| {
            hinted(
                format!("no {CONFIG_PATH} in {start} or any folder above it"),
                "run the xtask inside the monorepo (the folder holding _meta/monorepo.toml)",
            )
        })?;
        Workspace::load(root)
    }

    pub fn load(root: &Utf8Path) -> Result<Workspace> {
        let config_path = Utf8PathBuf::from(CONFIG_PATH);
        let config = config::parse(&config_path, &fsutil::read(&root.join(&config_path))?)?;
        let layers = layers::resolve(root, &config_path, &config.layers)?;
        let mut found = Vec::new();
        for dir in find_member_dirs(root, &config)? {
            let path = dir.join("pyproject.toml");
            let text = std::fs::read_to_string(root.join(&path)).map_err(|_| {
                hinted(
                    format!("member folder {dir} has no pyproject.toml"),
                    format!("add {path}, or list {dir} under `exclude` in {CONFIG_PATH}"),
                )
            })?;
            let pyproject = pyproject::parse(&path, &text)?;
            let name = dir.file_name().context("a member folder has no name")?.to_owned();
            found.push(Member {
                name,
                dir,
                pyproject,
                pyproject_digest: crate::digest::text(&text),
                deps: Vec::new(),
                env: 0,
            });
        }
        let mut members = order_members(found)?;
        let envs = build_envs(&mut members, &layers, &config)?;
        Ok(Workspace { root: root.to_owned(), config, layers, members, envs })
    }

    /// The member named `name`, by folder name or package name.
    pub fn member(&self, name: &str) -> Result<usize> {
        let wanted = normalize(name);
        self.members.iter().position(|m| m.name == name || m.pyproject.package == wanted).ok_or_else(|| {
            let known: Vec<&str> = self.members.iter().map(|m| m.name.as_str()).collect();
            hinted(format!("no project named `{name}`"), format!("the projects are: {}", known.join(", ")))
        })
    }

    pub fn env_of(&self, member: usize) -> &Env {
        &self.envs[self.members[member].env]
    }
}

/// Folders matching the member globs and not the exclude globs, sorted. Walks only as deep
/// as the globs can match, and never into hidden folders, `target`, `node_modules` or
/// linked folders (a link to a folder is a member where a glob matches it, but is not
/// walked: no loops). A glob that matches no folder is an error: a typo, or an empty
/// `projects/`, would otherwise make every command succeed having done nothing.
fn find_member_dirs(root: &Utf8Path, config: &Config) -> Result<Vec<Utf8PathBuf>> {
    for pattern in &config.members {
        check_pattern(pattern)?;
    }
    let patterns: Vec<globset::GlobMatcher> =
        config.members.iter().map(|g| glob(g).map(|g| g.compile_matcher())).collect::<Result<_>>()?;
    let exclude = glob_set(&config.exclude)?;
    let max_depth = config
        .members
        .iter()
        .map(|g| if g.contains("**") { usize::MAX } else { g.split('/').count() })
        .max()
        .unwrap_or(0);
    let mut matched = vec![false; patterns.len()];
    let mut found = Vec::new();
    let mut stack = vec![(Utf8PathBuf::new(), 0)];
    while let Some((rel, depth)) = stack.pop() {
        if depth >= max_depth {
            continue;
        }
        let dir = root.join(&rel);
        for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot list {dir}"))? {
            let entry = entry.with_context(|| format!("cannot list {dir}"))?;
            let kind = entry.file_type().with_context(|| format!("cannot list {dir}"))?;
            let Ok(name) = entry.file_name().into_string() else {
                if kind.is_dir() {
                    crate::ui::err(&format!(
                        "warning: skipping the folder {}: its name is not UTF-8\n",
                        entry.path().display()
                    ));
                }
                continue;
            };
            if name.starts_with('.') || matches!(name.as_str(), "target" | "node_modules" | "__pycache__") {
                continue;
            }
            let linked_dir = kind.is_symlink() && entry.path().is_dir();
            if !kind.is_dir() && !kind.is_symlink() {
                continue;
            }
            // `/` on every platform: member folders end up in digests and locks.
            let child = if rel.as_str().is_empty() {
                Utf8PathBuf::from(&name)
            } else {
                Utf8PathBuf::from(format!("{rel}/{name}"))
            };
            let hits: Vec<usize> = (0..patterns.len()).filter(|&i| patterns[i].is_match(child.as_str())).collect();
            if kind.is_symlink() && !linked_dir {
                if !hits.is_empty() {
                    return Err(hinted(
                        format!(
                            "{child} is a link to a folder that does not exist, and `members` in {CONFIG_PATH} matches it"
                        ),
                        format!(
                            "point the link at the project's folder, remove it, or list it under `exclude` in {CONFIG_PATH}"
                        ),
                    ));
                }
                continue;
            }
            for &i in &hits {
                matched[i] = true;
            }
            if !hits.is_empty() && !exclude.is_match(child.as_str()) {
                found.push(child.clone());
            }
            if !linked_dir {
                stack.push((child, depth + 1));
            }
        }
    }
    if let Some(i) = matched.iter().position(|m| !m) {
        return Err(no_match(root, &config.members[i]));
    }
    found.sort();
    Ok(found)
}

/// A member glob is relative to the root and stays inside it.
fn check_pattern(pattern: &str) -> Result<()> {
    let escapes = pattern.starts_with('/')
        || pattern.starts_with('\\')
        || pattern.get(1..2) == Some(":")
        || pattern.split(['/', '\\']).any(|part| part == "..");
    if escapes {
        return Err(hinted(
            format!("{CONFIG_PATH}: members pattern \"{pattern}\" leaves the repository"),
            "member patterns are relative to the repository root (the folder holding _meta/), like \"projects/*\"",
        ));
    }
    Ok(())
}

/// The error for a member glob that matches no folder, with the closest glob that would.
fn no_match(root: &Utf8Path, pattern: &str) -> anyhow::Error {
    let tops: Vec<String> = std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| !n.starts_with('.') && !matches!(n.as_str(), "_meta" | "target" | "xtask"))
                .collect()
        })
        .unwrap_or_default();
    let tail = pattern.split_once('/').map_or("", |(_, tail)| tail);
    let candidates: Vec<String> =
        tops.iter().map(|t| if tail.is_empty() { t.clone() } else { format!("{t}/{tail}") }).collect();
    let hint = match crate::suggest::closest(pattern, candidates.iter().map(String::as_str).filter(|c| *c != pattern)) {
        Some(close) => format!("did you mean \"{close}\"? (fix `members` in {CONFIG_PATH})"),
        None => format!(
            "create a member folder with a pyproject.toml, or remove the pattern from `members` in {CONFIG_PATH}"
        ),
    };
    hinted(format!("{CONFIG_PATH}: members pattern \"{pattern}\" matches no folder"), hint)
}

fn glob(pattern: &str) -> Result<globset::Glob> {
    GlobBuilder::new(pattern.trim_end_matches('/'))
        .literal_separator(true)
        .build()
        .map_err(|err| hinted(format!("{CONFIG_PATH}: bad glob: {err}"), "use globs like \"projects/*\" or \"libs/*\""))
}

fn glob_set(globs: &[String]) -> Result<GlobSet> {
    let mut set = GlobSetBuilder::new();
    for pattern in globs {
        set.add(glob(pattern)?);
    }
    Ok(set.build()?)
}

/// Checks names, links local dependencies and sorts members into dependency order.
fn order_members(mut members: Vec<Member>) -> Result<Vec<Member>> {
    let mut by_package: HashMap<&str, usize> = HashMap::new();
    let mut by_folder: HashMap<&str, usize> = HashMap::new();
    for (ix, m) in members.iter().enumerate() {
        if let Some(&other) = by_package.get(m.pyproject.package.as_str()) {
            return Err(hinted(
                format!("{} and {} both declare the project `{}`", members[other].dir, m.dir, m.pyproject.package),
                "give each project its own [project].name",
            ));
        }
        if let Some(&other) = by_folder.get(m.name.as_str()) {
            return Err(hinted(
                format!(
                    "{} and {} share the folder name `{}`, which names the project on the command line",
                    members[other].dir, m.dir, m.name
                ),
                "rename one of the folders",
            ));
        }
        by_package.insert(&m.pyproject.package, ix);
        by_folder.insert(&m.name, ix);
    }
    let deps: Vec<Vec<usize>> = members
        .iter()
        .map(|m| {
            let mut deps: Vec<usize> = m
                .pyproject
                .requirements()
                .filter_map(|req| by_package.get(normalize(requirement_name(req)?).as_str()).copied())
                .collect();
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect();
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
    }
    let mut slots: Vec<Option<Member>> = members.into_iter().map(Some).collect();
    Ok(order.iter().map(|&ix| slots[ix].take().expect("a topological order visits each node once")).collect())
}

/// Groups members into envs by env name and works out each env's layers, editables,
/// Python and paths. Sets each member's `env`.
fn build_envs(members: &mut [Member], layers: &[Layer], config: &Config) -> Result<Vec<Env>> {
    let mut envs: Vec<Env> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (ix, member) in members.iter_mut().enumerate() {
        let name = member.pyproject.env.clone().unwrap_or_else(|| member.name.clone());
        // An env name is a file name (its lock) and a folder name (a shared venv).
        let valid = name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && name.bytes().any(|b| b.is_ascii_alphanumeric());
        if !valid {
            return Err(hinted(
                format!("{}/pyproject.toml: `{name}` is not a valid env name", member.dir),
                "use letters, digits, `-`, `_` and `.`",
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
            });
            envs.len() - 1
        });
        envs[e].members.push(ix);
        member.env = e;
    }
    let deps: Vec<Vec<usize>> = members.iter().map(|m| m.deps.clone()).collect();
    for env in &mut envs {
        if let Some(layer) = layers.iter().find(|l| l.name == env.name) {
            return Err(hinted(
                format!(
                    "env `{}` has the name of layer `{}`: both would be locked to {}",
                    env.name,
                    layer.name,
                    layer.lock()
                ),
                "rename the project folder, its [tool.monorepo].env, or the layer",
            ));
        }
        if let Some((_, other)) =
            members.iter().enumerate().find(|(ix, m)| m.name == env.name && !env.members.contains(ix))
        {
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
        if own {
            env.venv = members[env.members[0]].dir.join(".venv");
        } else {
            env.venv = Utf8PathBuf::from(format!("{}/{}", config::VENVS_DIR, env.name));
            env.links = env.members.iter().map(|&m| members[m].dir.join(".venv")).collect();
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
                "set [tool.monorepo].python to a version it allows",
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
    use crate::fsutil::write_test_file as write;

    fn temp() -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        (dir, root)
    }

    fn config(members: &[&str]) -> Config {
        let list = members.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(", ");
        config::parse(
            Utf8Path::new(CONFIG_PATH),
            &format!("[monorepo]\nmembers = [{list}]\npython = \"3.11\"\nuv = \"0.13.9\"\n"),
        )
        .unwrap()
    }

    fn message(err: anyhow::Error) -> String {
        format!("{err} / {}", crate::error::hint_of(&err).unwrap_or_default())
    }

    #[test]
    fn a_pattern_that_matches_nothing_is_an_error_with_the_closest_pattern() {
        let (_dir, root) = temp();
        write(&root, "projects/a/pyproject.toml", "");
        let err = message(find_member_dirs(&root, &config(&["project/*"])).unwrap_err());
        assert!(err.contains("members pattern \"project/*\" matches no folder"), "{err}");
        assert!(err.contains("did you mean \"projects/*\""), "{err}");
        std::fs::remove_dir_all(root.join("projects/a")).unwrap();
        let err = message(find_member_dirs(&root, &config(&["projects/*"])).unwrap_err());
        assert!(err.contains("matches no folder") && err.contains("create a member folder"), "{err}");
    }

    #[test]
    fn patterns_stay_inside_the_repository() {
        let (_dir, root) = temp();
        for pattern in ["../*", "/abs/*", "projects/../../x"] {
            let err = message(find_member_dirs(&root, &config(&[pattern])).unwrap_err());
            assert!(err.contains("leaves the repository"), "{pattern}: {err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn linked_folders_are_members_and_dangling_links_are_named() {
        let (_dir, root) = temp();
        write(&root, "elsewhere/b/pyproject.toml", "");
        write(&root, "projects/a/pyproject.toml", "");
        std::os::unix::fs::symlink(root.join("elsewhere/b"), root.join("projects/b")).unwrap();
        assert_eq!(find_member_dirs(&root, &config(&["projects/*"])).unwrap(), ["projects/a", "projects/b"]);
        std::os::unix::fs::symlink(root.join("nowhere"), root.join("projects/c")).unwrap();
        let err = message(find_member_dirs(&root, &config(&["projects/*"])).unwrap_err());
        assert!(err.contains("projects/c is a link to a folder that does not exist"), "{err}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn names_that_are_not_utf8_are_skipped() {
        use std::os::unix::ffi::OsStrExt as _;
        let (_dir, root) = temp();
        write(&root, "projects/a/pyproject.toml", "");
        let odd = std::ffi::OsStr::from_bytes(b"caf\xe9");
        std::fs::write(root.as_std_path().join(odd), "").unwrap();
        std::fs::create_dir(root.as_std_path().join("projects").join(odd)).unwrap();
        assert_eq!(find_member_dirs(&root, &config(&["projects/*"])).unwrap(), ["projects/a"]);
    }

    #[test]
    fn the_bad_glob_hint_does_not_suggest_every_subfolder() {
        let err = message(glob("projects/[").unwrap_err());
        assert!(err.contains("bad glob") && !err.contains("**"), "{err}");
    }
}
