//! Locks: what each layer and env is compiled from (a typed [`Plan`] of [`LockSpec`]s), the
//! digest of those inputs, and the compile itself. The file format is [`crate::lockfile`]'s.
//!
//! A lock's header holds the digest of every input (the `.in` files and what they include,
//! the pyprojects of the editable members, the locks it is constrained by, the index
//! options, the Python request, uv's version and the flags) and the digest of its body. A
//! lock is fresh when both match: checking needs no network and no resolver.

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::Hinted;
use crate::fsutil;
use crate::lockfile::{self, Freshness, IndexOptions};
use crate::pep508::{normalize, requirement_name};
use crate::uv::Uv;
use crate::venv;
use crate::workspace::Workspace;

/// Where the input items each lock was last compiled from are kept, for `explain`.
pub const INPUTS_CACHE: &str = "_meta/.cache/lock-inputs";
/// Bump when the way locks are compiled changes, so every lock becomes stale.
const RECIPE_VERSION: &str = "3";
/// The flags every compile gets (besides the Python and the index options), hashed.
const FLAGS: &str = "--universal --generate-hashes --python-version";

/// Which lock: a layer's or an env's, by its index in the workspace's layers or envs.
/// Layers order before envs, which is the order they are compiled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockId {
    Layer(usize),
    Env(usize),
}

/// One lock to compile.
#[derive(Debug, Clone)]
pub struct LockSpec {
    pub id: LockId,
    pub name: String,
    /// The lock file, relative to the root.
    pub lock: Utf8PathBuf,
    /// The interpreter version the lock is compiled for (`--python-version`).
    pub python: String,
    /// The layers (indices into the workspace's layers) whose locks constrain this one.
    pub after: Vec<usize>,
    /// Where packages come from: the config's options and those of its layers' inputs
    /// (relative `find_links` relative to the root).
    pub index: IndexOptions,
    /// What it is compiled from (`keys::locks`); `digest` is theirs.
    pub items: crate::inputs::Items,
    pub digest: String,
}

/// Every lock of the workspace: one per layer (in layer order), one per env.
#[derive(Debug, Clone)]
pub struct Plan {
    pub layers: Vec<LockSpec>,
    pub envs: Vec<LockSpec>,
}

impl Plan {
    /// Layers first, then envs.
    pub fn iter(&self) -> impl Iterator<Item = &LockSpec> {
        self.layers.iter().chain(&self.envs)
    }

    pub fn ids(&self) -> impl Iterator<Item = LockId> + '_ {
        self.iter().map(|s| s.id)
    }

    pub fn len(&self) -> usize {
        self.layers.len() + self.envs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids of the locks that layer `layer`'s lock constrains.
    pub fn on_layer(&self, layer: usize) -> impl Iterator<Item = LockId> + '_ {
        self.iter().filter(move |s| s.after.contains(&layer)).map(|s| s.id)
    }
}

impl std::ops::Index<LockId> for Plan {
    type Output = LockSpec;

    fn index(&self, id: LockId) -> &LockSpec {
        match id {
            LockId::Layer(l) => &self.layers[l],
            LockId::Env(e) => &self.envs[e],
        }
    }
}

/// Plans every lock of the workspace: what each is compiled from, and its digest, which is
/// the digest of its input items (`keys::locks`, the one list of what a lock reads).
pub fn plan(ws: &Workspace) -> Plan {
    let index_of = |layers: &[usize]| {
        let mut index = IndexOptions::from_config(&ws.config);
        for &l in layers {
            index.merge(&ws.layers[l].index);
        }
        index
    };
    let mut items = crate::keys::locks(ws, RECIPE_VERSION, FLAGS);
    let layers: Vec<LockSpec> = ws
        .layers
        .iter()
        .enumerate()
        .map(|(ix, layer)| {
            let mut own = layer.extends.clone();
            own.push(ix);
            LockSpec {
                id: LockId::Layer(ix),
                name: layer.name.clone(),
                lock: layer.lock(),
                python: venv::version_of_request(&ws.config.python),
                after: layer.extends.clone(),
                index: index_of(&own),
                digest: items.layers[ix].digest(),
                items: std::mem::take(&mut items.layers[ix]),
            }
        })
        .collect();
    let envs = ws
        .envs
        .iter()
        .enumerate()
        .map(|(ix, env)| LockSpec {
            id: LockId::Env(ix),
            name: env.name.clone(),
            lock: env.lock.clone(),
            python: venv::version_of_request(&env.python),
            after: env.layers.clone(),
            index: index_of(&env.layers),
            digest: items.envs[ix].digest(),
            items: std::mem::take(&mut items.envs[ix]),
        })
        .collect();
    Plan { layers, envs }
}

/// What `uv pip compile` is given on stdin for `spec` (`-r` layer inputs, `-c` layer locks,
/// `-e` member folders with their extras, group requirements; paths relative to the root),
/// and the files it comes from, for the lock's header.
pub fn input(ws: &Workspace, spec: &LockSpec) -> (String, Vec<Utf8PathBuf>) {
    use std::fmt::Write as _;
    let mut input = String::new();
    let mut sources = Vec::new();
    let (layers, editables, members): (Vec<usize>, &[usize], &[usize]) = match spec.id {
        LockId::Layer(ix) => (ws.layers[ix].extends.iter().copied().chain([ix]).collect(), &[], &[]),
        LockId::Env(ix) => {
            let env = &ws.envs[ix];
            (env.layers.clone(), &env.editables, &env.members)
        }
    };
    for &l in &layers {
        let _ = writeln!(input, "-r {}", ws.layers[l].input());
        sources.extend(ws.layers[l].inputs.iter().cloned());
    }
    for &l in &spec.after {
        let _ = writeln!(input, "-c {}", ws.layers[l].lock());
    }
    for &m in editables {
        let member = &ws.members[m];
        // The env's own members come with their extras; each local project with the extras
        // the env's projects ask of it (`pkg[inmem]`).
        let mut extras: Vec<&str> = Vec::new();
        if members.contains(&m) {
            extras.extend(member.pyproject.extras.iter().map(String::as_str));
        }
        let asked = asked_extras(ws, editables, members, &member.pyproject.package);
        for extra in &asked {
            if !extras.contains(&extra.as_str()) {
                extras.push(extra);
            }
        }
        let extras = if extras.is_empty() { String::new() } else { format!("[{}]", extras.join(",")) };
        // `./`: a path, even for a folder whose name reads as a package name (`_meta`).
        let _ = writeln!(input, "-e ./{}{extras}", member.dir);
        sources.push(member.dir.join("pyproject.toml"));
    }
    // Folders its projects' `[tool.uv.sources]` name, relative to the root (`./../x` for
    // one outside it that the config allows; an allowed absolute one as written).
    for &m in editables {
        for source in &ws.members[m].path_sources {
            let outside =
                source.dir.is_absolute() || source.dir.starts_with("..") || source.dir.as_str().starts_with('/');
            let prefix = if outside { "" } else { "./" };
            let _ = writeln!(input, "{}{prefix}{}", if source.editable { "-e " } else { "" }, source.dir);
            // A folder's pyproject is what its lock reads; a wheel or an sdist is itself.
            let read = if ws.root.join(&source.dir).is_file() {
                source.dir.clone()
            } else {
                source.dir.join("pyproject.toml")
            };
            sources.push(read);
        }
    }
    // A member that is not installed brings its requirements: its requirements file, or
    // (`install = false`) its pyproject's, but for the members among them, which are
    // installed editable.
    let local = |req: &str| {
        requirement_name(req)
            .is_some_and(|n| ws.members.iter().any(|m| m.installable && m.pyproject.package == normalize(n)))
    };
    for &m in members {
        let member = &ws.members[m];
        if let Some(file) = &member.requirements {
            let _ = writeln!(input, "-r ./{file}");
            sources.push(file.clone());
        } else if !member.installable {
            for req in
                member.pyproject.dependencies.iter().chain(&member.pyproject.extra_requirements).filter(|r| !local(r))
            {
                let _ = writeln!(input, "{req}");
            }
            sources.push(member.dir.join("pyproject.toml"));
        }
    }
    // Group requirements that name an installed member are installed as that member's
    // editable (one naming a member that is not installed is an error at load, but where
    // `index-packages` says the index's package is meant).
    let is_local = |req: &str| {
        requirement_name(req)
            .is_some_and(|n| ws.members.iter().any(|m| m.installable && m.pyproject.package == normalize(n)))
    };
    for &m in members {
        for req in ws.members[m].pyproject.group_requirements.iter().filter(|r| !is_local(r)) {
            let _ = writeln!(input, "{req}");
        }
        // Its requirements files' lines are among them: the files are the lock's sources.
        sources.extend(ws.members[m].requirements_beside.iter().cloned());
    }
    let mut seen = std::collections::HashSet::new();
    sources.retain(|s| seen.insert(s.clone()));
    (input, sources)
}

/// The extras that the requirements of an env's projects ask of the local `package`
/// (runtime ones of every project installed, and the extras and groups of the env's own).
fn asked_extras(ws: &Workspace, editables: &[usize], members: &[usize], package: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &e in editables {
        let p = &ws.members[e].pyproject;
        let own = members.contains(&e);
        let reqs = p.dependencies.iter().chain(own.then_some(&p.extra_requirements).into_iter().flatten());
        let reqs = reqs.chain(own.then_some(&p.group_requirements).into_iter().flatten());
        for req in reqs.filter(|r| requirement_name(r).is_some_and(|n| normalize(n) == package)) {
            for extra in crate::pyproject::extras_of(req) {
                if !out.contains(&extra) {
                    out.push(extra);
                }
            }
        }
    }
    out
}

/// Whether the env's projects name folders in `[tool.uv.sources]` (and nothing else there,
/// which only uv can read): then the input names those folders, and uv's sources are off.
fn uses_path_sources(ws: &Workspace, spec: &LockSpec) -> bool {
    let LockId::Env(e) = spec.id else { return false };
    let sources: Vec<&crate::pyproject::Source> =
        ws.envs[e].editables.iter().flat_map(|&m| ws.members[m].pyproject.sources.iter().map(|(_, s)| s)).collect();
    !sources.is_empty() && !sources.iter().any(|s| matches!(s, crate::pyproject::Source::Other))
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

/// Records what `spec`'s lock was compiled from, for `explain`, once the run that wrote it
/// has succeeded (a run put back writes none). Best effort: it is only a record.
pub fn record_inputs(ws: &Workspace, spec: &LockSpec) {
    if let Ok(json) = serde_json::to_string_pretty(&spec.items) {
        let _ = std::fs::create_dir_all(ws.root.join(INPUTS_CACHE));
        let _ = fsutil::write_atomic(&inputs_record(ws, spec), &json);
    }
}

/// What `spec`'s lock was last compiled from here, if [`record_inputs`] recorded it.
pub fn recorded_inputs(ws: &Workspace, spec: &LockSpec) -> Option<crate::inputs::Items> {
    serde_json::from_slice(&std::fs::read(inputs_record(ws, spec)).ok()?).ok()
}

fn inputs_record(ws: &Workspace, spec: &LockSpec) -> Utf8PathBuf {
    ws.root.join(INPUTS_CACHE).join(format!("{}.json", spec.lock.file_stem().unwrap_or("lock")))
}

/// Whether the lock on disk is what `spec` describes, intact. Reads one file.
pub fn freshness(root: &Utf8Path, spec: &LockSpec) -> Freshness {
    lockfile::freshness(&root.join(&spec.lock), &spec.digest)
}

/// Compiles one lock with uv and writes it atomically. The current lock, unless it was
/// edited by hand or cannot be read, is the resolver's starting point, so pins move only
/// when an input (or `upgrade`) asks them to. The error carries
/// uv's explanation; `conflict::explain` turns it into a better one.
pub fn compile(ws: &Workspace, uv: &Uv, spec: &LockSpec, upgrade: &Upgrade) -> Result<()> {
    let (input, sources) = input(ws, spec);
    let lock = ws.root.join(&spec.lock);
    let lock_dir = spec.lock.parent().unwrap_or(Utf8Path::new(""));
    let cannot =
        |what: String, hint: String| Hinted::new(format!("cannot lock `{}` ({}): {what}", spec.name, spec.lock), hint);
    if !venv::is_version(&spec.python) {
        // A path or name that did not answer with its version (see `venv::version_of_request`).
        return Err(cannot(
            format!("the interpreter `{}` does not run, so its Python version is unknown", spec.python),
            format!(
                "fix `python` ({} or the project's [tool.monorepo].python): a version (`3.11`), the path of an interpreter, or a name on PATH",
                crate::config::CONFIG_PATH
            ),
        )
        .into());
    }
    if lock.is_dir() {
        return Err(cannot(
            format!("{} is a folder, not a lock file", spec.lock),
            format!("move {} away: the lock of `{}` is written there", spec.lock, spec.name),
        )
        .into());
    }
    let out = fsutil::temp_path(&lock);
    let mut seed = std::fs::read_to_string(&lock).ok().filter(|t| lockfile::parse(t).is_ok_and(|l| l.can_seed()));
    // A first lock starts from the pins the repository already has, unless told to move.
    if !lock.exists()
        && !upgrade.all
        && let Some((pins, from)) = crate::seed::adopted(ws, if let LockId::Env(e) = spec.id { Some(e) } else { None })
    {
        crate::ui::status("Seeding", &format!("{} from the pins of {}", spec.name, crate::seed::describe(&from)));
        seed = Some(pins);
    }
    // uv takes the hashes of a starting point's pins as the files' own: those written by
    // hand (which the last compile put in this lock) must be checked against the files anew.
    let hashed = hand_hashes(ws, spec);
    let seed = seed.map(|seed| without_hashes_of(&seed, &hashed));
    // uv writes its output beside the lock: a folder that cannot be written is found here,
    // before uv runs, and named as such.
    let writable = match &seed {
        Some(seed) => std::fs::write(&out, seed),
        None => std::fs::File::create(&out).and_then(|_| std::fs::remove_file(&out)),
    };
    if let Err(err) = writable {
        let _ = std::fs::remove_file(&out);
        return Err(anyhow::Error::new(err).context(cannot(
            format!("cannot write in {lock_dir}"),
            format!("make {lock_dir} writable (every lock is written there), then run the command again"),
        )));
    }
    let mut cmd = uv.pip_compile(&spec.python, &out, input).args(["--no-header", "--generate-hashes"]);
    if uses_path_sources(ws, spec) {
        // The sources are given above, relative to the root; uv's own reading would write
        // them relative to each project's folder.
        cmd = cmd.arg("--no-sources");
    }
    // uv caches a local project's metadata until its pyproject, setup.py or setup.cfg
    // changes; a backend reading other files (a requirements.txt) needs it built anew.
    if let LockId::Env(e) = spec.id {
        for &m in ws.envs[e].editables.iter().filter(|&&m| crate::metadata::is_dynamic(&ws.members[m].pyproject)) {
            cmd = cmd.args(["--refresh-package", &ws.members[m].pyproject.package]);
        }
    }
    cmd = cmd.args(crate::uv::index_args(&spec.index));
    if let Some(cutoff) = &ws.config.exclude_newer {
        cmd = cmd.args(["--exclude-newer", cutoff]);
    }
    if upgrade.all {
        cmd = cmd.arg("--upgrade");
    }
    for package in &upgrade.packages {
        cmd = cmd.args(["--upgrade-package", package]);
    }
    let compiled = crate::exec::run_ok(&cmd);
    let body = compiled.as_ref().ok().map(|_| fsutil::read(&out));
    let _ = std::fs::remove_file(&out);
    // The hashes written by hand in its `.in` files, checked against what uv found.
    let body = match body {
        Some(Ok(body)) => {
            let local = |name: &str, version: &str| local_file_hashes(&ws.root, &spec.index, name, version);
            Some(Ok(with_hand_hashes(&body, &hashed, &local)
                .map_err(|(what, hint)| anyhow::Error::new(cannot(what, hint)))?))
        }
        other => other,
    };
    let written = body.map(|body| {
        let text = lockfile::render(&spec.digest, &sources, &spec.index.relative_to(lock_dir), &body?);
        fsutil::write_atomic(&lock, &text)
    });
    let err = match (compiled, written) {
        (Err(err), _) => err,
        (Ok(_), Some(Err(err))) => {
            return Err(err.context(cannot(
                format!("cannot write {}", spec.lock),
                format!("check that {lock_dir} is writable and the disk has room, then run the command again"),
            )));
        }
        (Ok(_), _) => return Ok(()),
    };
    if crate::interrupt::of(&err).is_some() {
        return Err(err);
    }
    let output = format!("{err:#}");
    // A package index that cannot be reached is no fault of the requirements.
    if crate::uv::is_network_failure(&output) {
        return Err(err.context(cannot(
            format!("uv cannot reach {}", where_from(&spec.index)),
            format!(
                "check the network (and any proxy), then the index settings: `index-url`, `extra-index-url`, \
                 `find-links` and `no-index` in {}{}",
                crate::config::CONFIG_PATH,
                layer_inputs(ws, spec)
            ),
        )));
    }
    // uv explains what it refuses (`error: ...`, `× No solution found`); a uv that dies
    // without a word (a crash, a broken install) is no fault of the requirements either.
    let lowered = output.to_lowercase();
    if !lowered.contains("error") && !lowered.contains('×') {
        return Err(err.context(cannot(
            "uv failed without an explanation".to_owned(),
            format!(
                "the uv that ran (the command above) looks broken; run it with --version to see. One on PATH: take \
                 it off PATH, and the xtask bootstraps uv {v} into {tools}/. One in {tools}/: delete {tools}/uv-{v} \
                 to bootstrap it again",
                v = ws.config.uv,
                tools = crate::config::TOOLS_DIR
            ),
        )));
    }
    // A member whose metadata its build backend cannot produce: say which, and the way out.
    if let Some((what, hint)) = build_failure(ws, &output) {
        return Err(err.context(cannot(what, hint)));
    }
    let sources: Vec<&str> = sources.iter().map(|s| s.as_str()).collect();
    Err(err.context(Hinted::new(
        format!("cannot lock `{}` ({})", spec.name, spec.lock),
        format!("the resolver's explanation is above; adjust the requirements in: {}", sources.join(", ")),
    )))
}

/// The requirements of `spec`'s layer inputs that carry hashes written by hand.
fn hand_hashes<'a>(ws: &'a Workspace, spec: &LockSpec) -> Vec<&'a crate::infile::Requirement> {
    let layers: Vec<usize> = match spec.id {
        LockId::Layer(ix) => ws.layers[ix].extends.iter().copied().chain([ix]).collect(),
        LockId::Env(e) => ws.envs[e].layers.clone(),
    };
    layers.iter().flat_map(|&l| ws.layers[l].requirements.iter()).filter(|r| !r.hashes.is_empty()).collect()
}

/// A lock's text (or a seed's) with no hashes on the entries of the packages `hashed`
/// names: only the pins, for uv to find the files' hashes itself.
fn without_hashes_of(text: &str, hashed: &[&crate::infile::Requirement]) -> String {
    let Ok(lock) = lockfile::parse(text) else { return text.to_owned() };
    let mut out = text.to_owned();
    for entry in lock.requirements.iter().filter(|e| hashed.iter().any(|r| r.name.as_deref() == Some(e.name.as_str())))
    {
        let head = entry.text.lines().next().unwrap_or_default().trim_end_matches('\\').trim_end();
        out = out.replacen(&entry.text, head, 1);
    }
    out
}

/// The sha256 of each file of `name==version` in the local `find-links` folders of `index`
/// (relative to `root`, or absolute): uv lists one file of a version found there, and a
/// hash written by hand may be another's (its sdist, a wheel for another platform).
fn local_file_hashes(root: &Utf8Path, index: &IndexOptions, name: &str, version: &str) -> Vec<String> {
    // `{dist}-{version}-{tags}.whl`, `{dist}-{version}.tar.gz`, `{dist}-{version}.zip`.
    let of = |file: &str| -> Option<(String, String)> {
        let (dist, version) = match file.strip_suffix(".whl") {
            Some(wheel) => {
                let mut parts = wheel.split('-');
                (parts.next()?, parts.next()?)
            }
            None => file.strip_suffix(".tar.gz").or_else(|| file.strip_suffix(".zip"))?.rsplit_once('-')?,
        };
        Some((normalize(dist), version.to_owned()))
    };
    let mut out = Vec::new();
    for link in index.find_links.iter().filter(|l| !l.contains("://")) {
        let folder = if Utf8Path::new(link).is_absolute() { Utf8PathBuf::from(link) } else { root.join(link) };
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if of(&file).is_some_and(|(d, v)| d == name && v == version)
                && let Ok(bytes) = std::fs::read(entry.path())
            {
                out.push(format!("sha256:{}", crate::digest::sha256(&bytes)));
            }
        }
    }
    out
}

/// uv's output (`body`) with each entry of a package hashed by hand carrying those hashes
/// instead of uv's (the hand-written ones say which files may be installed, as pip's
/// hash-checking mode reads them). A requirement none of whose hashes is that of a file of
/// the version locked (one uv lists, or, by `local`, one in a local `find-links` folder)
/// is an error, as `(what, hint)`, naming its file and line: the sync would refuse every
/// file, or the hash is of another file than the one meant.
pub fn with_hand_hashes(
    body: &str,
    hashed: &[&crate::infile::Requirement],
    local: &dyn Fn(&str, &str) -> Vec<String>,
) -> Result<String, (String, String)> {
    if hashed.is_empty() {
        return Ok(body.to_owned());
    }
    let lock = lockfile::parse(body).map_err(|err| {
        (format!("cannot read what uv wrote to check the hashes written by hand: {err}"), "run it again".to_owned())
    })?;
    let mut out = body.to_owned();
    let mut names: Vec<&str> = hashed.iter().filter_map(|r| r.name.as_deref()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let written: Vec<&&crate::infile::Requirement> =
            hashed.iter().filter(|r| r.name.as_deref() == Some(name)).collect();
        let mut hashes: Vec<&str> = Vec::new();
        for req in &written {
            for hash in &req.hashes {
                if !hashes.contains(&hash.as_str()) {
                    hashes.push(hash);
                }
            }
        }
        // Not in the lock: no Python it is compiled for installs it (a marker excludes them).
        for entry in lock.requirements.iter().filter(|e| e.name == name) {
            let pinned = format!("{name}{}", entry.pin);
            let mut files = entry.hashes.clone();
            if let lockfile::Pin::Version(version) = &entry.pin
                && written.iter().any(|r| !r.hashes.iter().any(|h| files.contains(h)))
            {
                files.extend(local(name, version));
            }
            if let Some(req) = written.iter().find(|r| !r.hashes.iter().any(|h| files.contains(h))) {
                let which = if req.hashes.len() == 1 { "the hash" } else { "none of the hashes" };
                return Err((
                    format!(
                        "{which} on line {} of {} (`{}`) does not match any file of {pinned}",
                        req.line, req.file, req.text
                    ),
                    format!(
                        "the resolution picked {pinned}: pin the version the hash is of (`{name}==...`) on line {} of \
                         {}, or write the sha256 of a file of {pinned} (`pip download {pinned} --no-deps`, then \
                         `sha256sum` it)",
                        req.line, req.file
                    ),
                ));
            }
            let head = entry.text.lines().next().unwrap_or_default().trim_end_matches('\\').trim_end();
            let mut text = head.to_owned();
            for hash in &hashes {
                text.push_str(&format!(" \\\n    --hash={hash}"));
            }
            out = out.replacen(&entry.text, &text, 1);
        }
    }
    Ok(out)
}

/// Where a compile looks for packages, for a message: `the package index (URL, ...)`.
fn where_from(index: &IndexOptions) -> String {
    let mut places: Vec<&str> = Vec::new();
    if !index.no_index {
        places.push(index.index_url.as_deref().unwrap_or("https://pypi.org/simple"));
        places.extend(index.extra_index_urls.iter().map(String::as_str));
    }
    places.extend(index.find_links.iter().map(String::as_str).filter(|l| l.contains("://")));
    if places.is_empty() {
        "the package index".to_owned()
    } else {
        format!("the package index ({})", places.join(", "))
    }
}

/// `, or the index options of LAYER.in, ...`: the `.in` files of the layers under `spec`
/// that hold index options, which reach its compile too.
fn layer_inputs(ws: &Workspace, spec: &LockSpec) -> String {
    let own = match spec.id {
        LockId::Layer(ix) => Some(ix),
        LockId::Env(_) => None,
    };
    let files: Vec<String> = spec
        .after
        .iter()
        .copied()
        .chain(own)
        .filter(|&l| ws.layers[l].index != IndexOptions::default())
        .map(|l| ws.layers[l].input().to_string())
        .collect();
    if files.is_empty() { String::new() } else { format!(", and the index options of {}", files.join(", ")) }
}

/// When uv failed because a member's build backend did: which member, and the way out (as
/// `(what, hint)`). Found by the member's folder in uv's message.
pub fn build_failure(ws: &Workspace, output: &str) -> Option<(String, String)> {
    let lowered = output.to_lowercase();
    // The backend's own failure, not uv's reading of the pyproject before it.
    if !lowered.contains("build backend") {
        return None;
    }
    let named = |dir: &str| {
        [format!("{dir}`"), format!("{dir} "), format!("{dir}\n"), format!("{dir}/pyproject.toml")]
            .iter()
            .any(|p| output.contains(p.as_str()))
    };
    let member = ws.members.iter().filter(|m| m.installable).find(|m| named(m.dir.as_str()))?;
    Some((
        format!("the build backend of {} fails (its complaint is above)", member.dir),
        format!(
            "fix {dir}/pyproject.toml's [build-system]; or, if {dir} is not meant to be installed, add `install = false` under its [tool.monorepo] (or [member.\"{dir}\"] in {config}): its requirements are then installed, not itself, and its tests run from its folder",
            dir = member.dir,
            config = crate::config::CONFIG_PATH
        ),
    ))
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use camino::Utf8PathBuf;

    use crate::fsutil::write_test_file as write;

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
        plan(&Workspace::load(root).unwrap()).iter().map(|s| (s.name.clone(), s.digest.clone())).collect()
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
        let b = &specs[LockId::Env(1)];
        let (input, sources) = input(&ws, b);
        assert_eq!(input, "-r _meta/requirements/base.in\n-c _meta/requirements/base.txt\n-e ./p/a\n-e ./p/b\n");
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
    fn hand_written_hashes_replace_uvs_and_one_of_no_file_is_an_error_naming_its_line() {
        let uv = "-e ./p/a\ntiny-a==1.17.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via lib\nsix==1.17.0 \\\n    --hash=sha256:cc\n";
        let req = |hashes: &[&str]| crate::infile::Requirement {
            file: "_meta/requirements/base.in".into(),
            line: 4,
            text: "tiny-a>=1.16".into(),
            name: Some("tiny-a".into()),
            hashes: hashes.iter().map(|h| (*h).to_owned()).collect(),
        };
        let none = |_: &str, _: &str| Vec::new();
        let kept = with_hand_hashes(uv, &[&req(&["sha256:bb", "sha256:dd"])], &none).unwrap();
        assert_eq!(
            kept,
            "-e ./p/a\ntiny-a==1.17.0 \\\n    --hash=sha256:bb \\\n    --hash=sha256:dd\n    # via lib\nsix==1.17.0 \\\n    --hash=sha256:cc\n"
        );
        let (what, hint) = with_hand_hashes(uv, &[&req(&["sha256:dd"])], &none).unwrap_err();
        assert_eq!(
            what,
            "the hash on line 4 of _meta/requirements/base.in (`tiny-a>=1.16`) does not match any file of tiny-a==1.17.0"
        );
        assert!(hint.starts_with("the resolution picked tiny-a==1.17.0: pin the version the hash is of"), "{hint}");
        // A file of the version in a local folder counts, though uv listed another.
        let local = |name: &str, version: &str| {
            if (name, version) == ("tiny-a", "1.17.0") { vec!["sha256:dd".to_owned()] } else { Vec::new() }
        };
        assert!(with_hand_hashes(uv, &[&req(&["sha256:dd"])], &local).unwrap().contains("--hash=sha256:dd\n    # via"));
        // The starting point of the next compile carries no hash written by hand.
        assert_eq!(
            without_hashes_of(&kept, &[&req(&["sha256:bb"])]),
            "-e ./p/a\ntiny-a==1.17.0\n    # via lib\nsix==1.17.0 \\\n    --hash=sha256:cc\n"
        );
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
