//! Locks: what each layer and env is compiled from, the digest of those inputs, and the
//! compile itself.
//!
//! A lock starts with a header holding the digest of every input (the `.in` files, the
//! pyprojects of the editable members, the locks it is constrained by, the Python request,
//! uv's version and the flags). A lock is fresh when that digest matches: checking needs
//! no network and no resolver.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};
use sha2::{Digest, Sha256};

use crate::error::Hinted;
use crate::fsutil;
use crate::pyproject::{normalize, requirement_name};
use crate::uv::Uv;
use crate::workspace::Workspace;

/// Bump when the way locks are compiled changes, so every lock becomes stale.
const RECIPE_VERSION: &str = "1";
const DIGEST_PREFIX: &str = "# inputs-digest: ";

pub fn sha256(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// One lock to compile: a layer's or an env's.
#[derive(Debug, Clone)]
pub struct LockSpec {
    pub name: String,
    pub target: Target,
    /// The lock file, relative to the root.
    pub lock: Utf8PathBuf,
    /// The interpreter version the lock is compiled for (`--python-version`).
    pub python: String,
    /// Specs (indices into the plan) whose locks this one is constrained by.
    pub after: Vec<usize>,
    pub digest: String,
}

/// What a lock is for: an index into the workspace's layers or envs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Layer(usize),
    Env(usize),
}

/// Every lock of the workspace, layers first (in layer order), then one per env.
/// `specs[i]` for `i < ws.layers.len()` is layer `i`; after that, env `i - layers.len()`.
///
/// Only digests are computed here, in time linear in the size of the graphs: each member's
/// *closure digest* covers its pyproject and, through theirs, those of all its local
/// dependencies, so an env hashes its own members only. The input given to uv (which lists
/// every transitive local dependency) is built by [`input`] when a lock is compiled. An
/// env's digest also covers the content of the locks it is constrained by, so upgrading
/// base makes every env stale.
pub fn plan(ws: &Workspace) -> Vec<LockSpec> {
    let layer_locks: Vec<String> = ws
        .layers
        .iter()
        .map(|l| std::fs::read(ws.root.join(l.lock())).map_or_else(|_| "missing".to_owned(), |bytes| sha256(&bytes)))
        .collect();
    let mut closure_digests: Vec<String> = Vec::with_capacity(ws.members.len());
    for member in &ws.members {
        let mut hasher = Sha256::new();
        for part in [member.dir.as_str(), &member.pyproject_digest] {
            hasher.update(part.as_bytes());
            hasher.update(b"\n");
        }
        for &dep in &member.deps {
            hasher.update(closure_digests[dep].as_bytes()); // members are in dependency order
        }
        closure_digests.push(sha256(&hasher.finalize()));
    }
    let mut specs: Vec<LockSpec> = Vec::with_capacity(ws.layers.len() + ws.envs.len());
    let digest = |specs: &[LockSpec], python: &str, layers: &[usize], constraints: &[usize], members: &[usize]| {
        let mut hasher = Sha256::new();
        let mut part = |text: &str| {
            hasher.update(text.as_bytes());
            hasher.update(b"\n");
        };
        for text in [RECIPE_VERSION, &ws.config.uv, "--universal --python-version", python] {
            part(text);
        }
        for &l in layers {
            part(ws.layers[l].input().as_str());
            part(&ws.layers[l].input_digest);
        }
        for &l in constraints {
            part(&specs[l].digest);
            part(&layer_locks[l]);
        }
        for &m in members {
            let member = &ws.members[m];
            part(&closure_digests[m]);
            part(&member.pyproject.extras.join(","));
            part(&member.pyproject.group_requirements.join("\n"));
        }
        sha256(&hasher.finalize())
    };
    for (ix, layer) in ws.layers.iter().enumerate() {
        let mut layers = layer.extends.clone();
        layers.push(ix);
        let digest = digest(&specs, &ws.config.python, &layers, &layer.extends, &[]);
        specs.push(LockSpec {
            name: layer.name.clone(),
            target: Target::Layer(ix),
            lock: layer.lock(),
            python: ws.config.python.clone(),
            after: layer.extends.clone(),
            digest,
        });
    }
    for (ix, env) in ws.envs.iter().enumerate() {
        let digest = digest(&specs, &env.python, &env.layers, &env.layers, &env.members);
        specs.push(LockSpec {
            name: env.name.clone(),
            target: Target::Env(ix),
            lock: env.lock.clone(),
            python: env.python.clone(),
            after: env.layers.clone(),
            digest,
        });
    }
    specs
}

/// What `uv pip compile` is given on stdin for `spec` (`-r` layer inputs, `-c` layer locks,
/// `-e` member folders with their extras, group requirements; paths relative to the root),
/// and the files it comes from, for the lock's header.
pub fn input(ws: &Workspace, spec: &LockSpec) -> (String, Vec<Utf8PathBuf>) {
    let mut input = String::new();
    let mut sources = Vec::new();
    let (layers, constraints, editables, members): (Vec<usize>, &[usize], &[usize], &[usize]) = match spec.target {
        Target::Layer(ix) => {
            let layer = &ws.layers[ix];
            (layer.extends.iter().copied().chain([ix]).collect(), &layer.extends, &[], &[])
        }
        Target::Env(ix) => {
            let env = &ws.envs[ix];
            (env.layers.clone(), &env.layers, &env.editables, &env.members)
        }
    };
    for &l in &layers {
        let _ = writeln!(input, "-r {}", ws.layers[l].input());
        sources.push(ws.layers[l].input());
    }
    for &l in constraints {
        let _ = writeln!(input, "-c {}", ws.layers[l].lock());
    }
    for &m in editables {
        let member = &ws.members[m];
        // The env's own members come with their extras; their local dependencies come plain.
        let extras = &member.pyproject.extras;
        let extras =
            if members.contains(&m) && !extras.is_empty() { format!("[{}]", extras.join(",")) } else { String::new() };
        let _ = writeln!(input, "-e {}{extras}", member.dir);
        sources.push(member.dir.join("pyproject.toml"));
    }
    // Group requirements that name a member are installed as that member's editable.
    let is_local = |req: &str| {
        requirement_name(req).is_some_and(|n| ws.members.iter().any(|m| m.pyproject.package == normalize(n)))
    };
    for &m in members {
        for req in ws.members[m].pyproject.group_requirements.iter().filter(|r| !is_local(r)) {
            let _ = writeln!(input, "{req}");
        }
    }
    (input, sources)
}

/// What to let move in a compile; by default nothing moves that the inputs do not ask to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upgrade {
    /// Every package to its latest allowed version (`--upgrade`).
    pub all: bool,
    /// These packages only (`--upgrade-package P`).
    pub packages: Vec<String>,
}

impl Upgrade {
    pub fn any(&self) -> bool {
        self.all || !self.packages.is_empty()
    }
}

/// The pins of a lock: normalised name -> version. A universal lock may pin a package
/// twice under different markers (numpy 2.4 below Python 3.12, 2.5 from it): the versions
/// are then sorted and joined with ` | `. Editables and comments are skipped.
pub fn pins(text: &str) -> std::collections::BTreeMap<String, String> {
    let mut all: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for line in text.lines() {
        let Some((name, rest)) = line.split_once("==") else { continue };
        let name = name.trim();
        if name.is_empty() || name.starts_with(['#', '-', ' ']) || line.starts_with(' ') {
            continue;
        }
        let version = rest.split([' ', ';']).next().unwrap_or(rest).trim().to_owned();
        let versions = all.entry(normalize(name)).or_default();
        if !versions.contains(&version) {
            versions.push(version);
        }
    }
    all.into_iter()
        .map(|(name, mut versions)| {
            versions.sort_by(|a, b| crate::pep440::Version::parse(a).cmp(&crate::pep440::Version::parse(b)));
            (name, versions.join(PIN_SEPARATOR))
        })
        .collect()
}

/// Joins the versions of a package pinned under several markers; see [`pins`].
pub const PIN_SEPARATOR: &str = " | ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    Stale,
    Missing,
}

/// Reads the lock's header (only the header: locks of deep graphs are long) and compares
/// its digest with the spec's.
pub fn freshness(root: &Utf8Path, spec: &LockSpec) -> Freshness {
    use std::io::BufRead as _;
    let Ok(file) = std::fs::File::open(root.join(&spec.lock)) else { return Freshness::Missing };
    let header: String = std::io::BufReader::new(file)
        .lines()
        .map_while(|l| l.ok())
        .take_while(|l| l.starts_with('#'))
        .take(8)
        .map(|l| l + "\n")
        .collect();
    if header_digest(&header) == Some(spec.digest.as_str()) { Freshness::Fresh } else { Freshness::Stale }
}

fn header_digest(text: &str) -> Option<&str> {
    text.lines().take_while(|l| l.starts_with('#')).find_map(|l| l.strip_prefix(DIGEST_PREFIX))
}

fn header(spec: &LockSpec, sources: &[Utf8PathBuf]) -> String {
    let mut out = format!(
        "# Locked by `cargo xtask lock` from the inputs below: edit them and run it again, never this file.\n{DIGEST_PREFIX}{}\n# inputs:\n",
        spec.digest
    );
    for source in sources {
        let _ = writeln!(out, "#   {source}");
    }
    out
}

/// Compiles one lock with uv and writes it atomically. The current lock, if any, is the
/// resolver's starting point, so pins move only when an input (or `upgrade`) asks them to.
/// The error carries uv's explanation; `conflict::explain` turns it into a better one.
pub fn compile(ws: &Workspace, uv: &Uv, spec: &LockSpec, upgrade: &Upgrade) -> Result<()> {
    let (input, sources) = input(ws, spec);
    let lock = ws.root.join(&spec.lock);
    let out = fsutil::temp_path(&lock);
    if lock.is_file() {
        std::fs::copy(&lock, &out).with_context(|| format!("cannot copy {lock} to {out}"))?;
    }
    let mut cmd = uv.pip_compile(&spec.python, &out, input).arg("--no-header");
    if upgrade.all {
        cmd = cmd.arg("--upgrade");
    }
    for package in &upgrade.packages {
        cmd = cmd.args(["--upgrade-package", package]);
    }
    let result = crate::exec::run_ok(&cmd).and_then(|_| {
        let body = fsutil::read(&out)?;
        fsutil::write_atomic(&lock, &(header(spec, &sources) + &body))
    });
    let _ = std::fs::remove_file(&out);
    result.map_err(|err| {
        let sources: Vec<&str> = sources.iter().map(|s| s.as_str()).collect();
        err.context(Hinted::new(
            format!("cannot lock `{}` ({})", spec.name, spec.lock),
            format!("the resolver's explanation is above; adjust the requirements in: {}", sources.join(", ")),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_hex_of_the_digest() {
        assert_eq!(sha256(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn reads_pins_skipping_editables_comments_and_markers() {
        let text =
            "# header\n-e projects/model\nNumPy==2.1.0\n    # via x\ncolorama==0.4.6 ; sys_platform == 'win32'\n";
        let pins = pins(text);
        assert_eq!(pins.get("numpy").map(String::as_str), Some("2.1.0"));
        assert_eq!(pins.get("colorama").map(String::as_str), Some("0.4.6"));
        assert_eq!(pins.len(), 2);
        let forked = "numpy==2.5.5 ; python_full_version >= '3.12'\nnumpy==2.4.6 ; python_full_version < '3.12'\n";
        assert_eq!(super::pins(forked)["numpy"], "2.4.6 | 2.5.5");
    }

    #[test]
    fn reads_the_digest_from_the_header_only() {
        let spec = LockSpec {
            name: "x".into(),
            target: Target::Layer(0),
            lock: "x.txt".into(),
            python: "3.11".into(),
            after: vec![],
            digest: "d1".into(),
        };
        let text = header(&spec, &["a.in".into()]) + "six==1.17.0\n# inputs-digest: d2\n";
        assert_eq!(header_digest(&text), Some("d1"));
        assert_eq!(header_digest("six==1\n"), None);
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use camino::Utf8PathBuf;

    fn write(root: &Utf8Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn project(root: &Utf8Path, name: &str, deps: &str) {
        write(
            root,
            &format!("p/{name}/pyproject.toml"),
            &format!("[project]\nname = \"{name}\"\ndependencies = [{deps}]\n"),
        );
    }

    /// base, then `a` (no deps), `b` (depends on a), `c` (independent).
    fn repo() -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        write(&root, "_meta/monorepo.toml", "[monorepo]\nmembers = [\"p/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n");
        write(&root, "_meta/requirements/base.in", "pytest\n");
        project(&root, "a", "");
        project(&root, "b", "\"a\", \"six\"");
        project(&root, "c", "");
        (dir, root)
    }

    fn digests(root: &Utf8Path) -> Vec<(String, String)> {
        plan(&Workspace::load(root).unwrap()).into_iter().map(|s| (s.name, s.digest)).collect()
    }

    fn changed(before: &[(String, String)], after: &[(String, String)]) -> Vec<String> {
        before.iter().zip(after).filter(|(x, y)| x.1 != y.1).map(|(x, _)| x.0.clone()).collect()
    }

    #[test]
    fn plans_base_then_envs_with_editables_and_constraints() {
        let (_dir, root) = repo();
        let ws = Workspace::load(&root).unwrap();
        let specs = plan(&ws);
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["base", "a", "b", "c"]);
        let b = &specs[2];
        let (input, sources) = input(&ws, b);
        assert_eq!(input, "-r _meta/requirements/base.in\n-c _meta/requirements/base.txt\n-e p/a\n-e p/b\n");
        assert_eq!(sources, ["_meta/requirements/base.in", "p/a/pyproject.toml", "p/b/pyproject.toml"]);
        assert_eq!(b.after, [0]);
        assert_eq!(b.lock, "_meta/requirements/b.txt");
    }

    #[test]
    fn a_pyproject_edit_changes_its_env_and_its_dependants_only() {
        let (_dir, root) = repo();
        let before = digests(&root);
        assert_eq!(before, digests(&root), "digests are deterministic");
        project(&root, "c", "\"idna\"");
        assert_eq!(changed(&before, &digests(&root)), ["c"]);
        project(&root, "c", "");
        project(&root, "a", "\"idna\"");
        assert_eq!(changed(&before, &digests(&root)), ["a", "b"]);
    }

    #[test]
    fn a_base_edit_or_a_python_change_makes_every_lock_stale() {
        let (_dir, root) = repo();
        let before = digests(&root);
        write(&root, "_meta/requirements/base.in", "pytest>=9\n");
        assert_eq!(changed(&before, &digests(&root)), ["base", "a", "b", "c"]);
        write(&root, "_meta/requirements/base.in", "pytest\n");
        write(&root, "_meta/monorepo.toml", "[monorepo]\nmembers = [\"p/*\"]\npython = \"3.12\"\nuv = \"0.13.9\"\n");
        assert_eq!(changed(&before, &digests(&root)), ["base", "a", "b", "c"]);
    }
}
