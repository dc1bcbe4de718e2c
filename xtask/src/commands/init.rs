//! `cargo xtask init [--force] [--check]`: adopt a repository that was not made for the tool.
//!
//! Walks the tree from the root and finds its units: folders with a `pyproject.toml` (the
//! packages), with a `setup.py`, `setup.cfg` or `requirements*.txt`, or with test files.
//! Reads each unit's `.py` files for their imports (statically: nothing is run) and, where a
//! module is found in exactly one folder of the repository outside the unit, gives the unit
//! that folder as a `pythonpath`; where several provide it, it says so and guesses nothing.
//! Then writes `_meta/monorepo.toml` (an explicit member list, a `[member."DIR"]` table per
//! folder without a pyproject or needing settings), `_meta/requirements/base.in` when there
//! is none, and the `.gitignore` entries that are missing, and loads the result as a
//! [`Workspace`](crate::Workspace) to prove it. `--check` writes nothing and fails when the
//! config no longer describes the tree. It runs before any workspace exists, so it is the
//! one command that reads the tree itself.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::config::{CONFIG_PATH, REQUIREMENTS_DIR};
use crate::discover::{self, BASE_IN, Excluded, Kind, Plan, Reason, Skip, Unit, join, plan, relative, resolve};
use crate::error::{Failed, hinted};
use crate::pep508::{normalize, requirement_name};
use crate::{fsutil, ui};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Overwrite an existing `_meta/monorepo.toml`.
    pub force: bool,
    /// Write nothing: compare the existing config with the tree.
    pub check: bool,
    /// `--exclude GLOB`: folders (relative to the root) whose units are not adopted.
    pub exclude: Vec<String>,
}

/// What `.gitignore` needs for the files the xtask makes.
/// `*.egg-info/`: setuptools writes it into a project's folder when uv builds it (editable,
/// or for dynamic metadata); untracked, it would count as a change for `affected`.
const GITIGNORE: &[&str] =
    &[".venv", "/_meta/.tools/", "/_meta/.state/", "/_meta/.cache/", "/_meta/venvs/", "*.xtask-tmp", "*.egg-info/"];

/// The repository root for `init`: the nearest folder from `cwd` up that holds a config or
/// a `.git`, else `cwd` itself.
pub fn root_of(cwd: &Utf8Path) -> Utf8PathBuf {
    cwd.ancestors().find(|dir| dir.join(CONFIG_PATH).is_file() || dir.join(".git").exists()).unwrap_or(cwd).to_owned()
}

pub fn run(cwd: &Utf8Path, options: &Options) -> Result<()> {
    let root = root_of(cwd);
    let config_path = root.join(CONFIG_PATH);
    if options.check {
        if !config_path.is_file() {
            return Err(hinted(
                format!("no {CONFIG_PATH} in {root}: there is nothing to check"),
                "run `cargo xtask init` to write it from the tree",
            ));
        }
        let text = fsutil::read(&config_path)?;
        let config = crate::config::parse(Utf8Path::new(CONFIG_PATH), &text)?;
        let kept = Kept::read(&root, &config_path);
        let mut exclude = config.exclude.clone();
        exclude.extend(options.exclude.iter().filter(|e| !config.exclude.contains(e)).cloned());
        let plan = plan(&root, &discover::Options { exclude, declared: kept.declared.clone() })?;
        let differences = compare(&plan, &text)?;
        for difference in &differences {
            ui::status("Differs", difference);
        }
        if differences.is_empty() {
            let pythonpaths = plan.pythonpath.iter().filter(|p| !p.is_empty()).count();
            ui::status(
                "Checked",
                &format!(
                    "{CONFIG_PATH} describes the tree: {}, {}",
                    ui::count(plan.units.len(), "unit"),
                    ui::count(pythonpaths, "pythonpath")
                ),
            );
            return Ok(());
        }
        ui::status("Checked", &format!("{CONFIG_PATH}: {}", ui::count(differences.len(), "difference")));
        ui::err(&format!(
            "hint: run `cargo xtask init --force` to write {CONFIG_PATH} anew from the tree, or edit it by hand\n"
        ));
        return Err(Failed.into());
    }
    if config_path.exists() && !options.force {
        return Err(hinted(
            format!("{CONFIG_PATH} already exists in {root}"),
            "run `cargo xtask init --force` to write it anew from the tree, or `cargo xtask init --check` to compare it with the tree",
        ));
    }
    let kept = Kept::read(&root, &config_path);
    let mut exclude = kept.exclude.clone();
    exclude.extend(options.exclude.iter().filter(|e| !kept.exclude.contains(e)).cloned());
    let mut plan = plan(&root, &discover::Options { exclude: exclude.clone(), declared: kept.declared.clone() })?;
    report(&plan);
    if plan.units.is_empty() {
        return Err(hinted(
            format!(
                "found no units in {root}: no folder with a pyproject.toml, setup.py, setup.cfg, requirements*.txt or test files{}",
                if plan.excluded.is_empty() {
                    String::new()
                } else {
                    format!(" that init adopts ({} not adopted)", plan.excluded.len())
                }
            ),
            "run `cargo xtask init` in the repository's root folder",
        ));
    }
    std::fs::create_dir_all(root.join(REQUIREMENTS_DIR))
        .with_context(|| format!("cannot create {}", root.join(REQUIREMENTS_DIR)))?;
    // What this run writes, with what was there before, to put back if the result does not load.
    let mut written: Vec<(Utf8PathBuf, Option<String>)> = Vec::new();
    let before = |path: &Utf8Path| std::fs::read_to_string(path).ok();
    let base = root.join(BASE_IN);
    if base.exists() {
        ui::status("Kept", &format!("{BASE_IN}: it exists"));
    } else {
        let (text, shared) = render_base(&plan);
        written.push((base.clone(), None));
        fsutil::write_atomic(&base, &text)?;
        ui::status(
            "Wrote",
            &format!("{BASE_IN} (pytest, and {} every requirements file has)", ui::count(shared, "requirement")),
        );
    }
    let gitignore = root.join(".gitignore");
    let existing = if gitignore.exists() { fsutil::read(&gitignore)? } else { String::new() };
    let missing = gitignore_missing(&existing);
    if !missing.is_empty() {
        written.push((gitignore.clone(), before(&gitignore)));
        fsutil::write_atomic(&gitignore, &gitignore_with(&existing, &missing))?;
        ui::status("Updated", &format!(".gitignore: added {}", missing.join(", ")));
    }
    // Write the config and load it; a unit the result does not load for is left out (written
    // commented out, with the error) and the rest tried again, so init always finishes
    // unless what fails is no unit's.
    let old_config = before(&config_path);
    written.push((config_path.clone(), old_config.clone()));
    let restore = |written: &[(Utf8PathBuf, Option<String>)]| {
        for (path, before) in written {
            let _ = match before {
                Some(text) => fsutil::write_atomic(path, text),
                None => std::fs::remove_file(path).map_err(Into::into),
            };
        }
        ui::status("Restored", "the files this run wrote, as they were");
    };
    let (config, ws) = loop {
        let config = render_config(&plan, &kept, &exclude);
        if let Err(err) = fsutil::write_atomic(&config_path, &config) {
            restore(&written);
            return Err(err);
        }
        match crate::Workspace::load(&root) {
            Ok(ws) => break (config, ws),
            Err(err) => {
                let Some(ix) = culprit(&plan, &err) else {
                    restore(&written);
                    return Err(err.context(format!("{CONFIG_PATH}, as init would write it, does not load")));
                };
                let unit = plan.units.remove(ix);
                plan.pythonpath.remove(ix);
                plan.candidates.remove(ix);
                let why = format!("{err:#}");
                let why = why.lines().next().unwrap_or_default().to_owned();
                ui::status("Excluded", &format!("{}: it does not load: {why}", shown(&unit.dir)));
                let package = matches!(unit.kind, Kind::Package { .. });
                plan.excluded.push(Excluded { dir: unit.dir, package, reason: format!("it does not load: {why}") });
                plan.excluded.sort_by(|a, b| a.dir.cmp(&b.dir));
                if plan.units.is_empty() {
                    restore(&written);
                    return Err(err.context(format!("{CONFIG_PATH}, as init would write it, loads no unit")));
                }
            }
        }
    };
    let packages = plan.units.iter().filter(|u| matches!(u.kind, Kind::Package { .. })).count();
    let shape =
        format!("{}, {}", ui::count(packages, "package"), ui::count(plan.units.len() - packages, "declared unit"));
    let not_adopted =
        if plan.excluded.is_empty() { String::new() } else { format!("; {} not adopted", plan.excluded.len()) };
    if old_config.is_some_and(|old| old == config) {
        ui::status("Unchanged", &format!("{CONFIG_PATH} ({shape}{not_adopted})"));
    } else {
        ui::status("Wrote", &format!("{CONFIG_PATH} ({shape}{not_adopted})"));
    }
    ui::status("Loaded", &format!("{} from {CONFIG_PATH}", ui::count(ws.members.len(), "member")));
    // What to look at: once more, at the end, where it is seen.
    for excluded in &plan.excluded {
        ui::status("Review", &format!("{} is not adopted: {}", shown(&excluded.dir), excluded.reason));
    }
    for message in &plan.undecided {
        ui::status("Review", message);
    }
    if !plan.excluded.is_empty() || !plan.undecided.is_empty() {
        ui::status(
            "Review",
            &format!("{CONFIG_PATH} holds each of these as a comment: settle them there, or leave them be"),
        );
    }
    ui::status("Next", "run `cargo xtask lock`, then `cargo xtask test-all`");
    Ok(())
}

/// `dir` for a message: `the root` for the root.
fn shown(dir: &Utf8Path) -> &str {
    if dir.as_str().is_empty() { "the root" } else { dir.as_str() }
}

/// The unit a load error is about: of the units whose folder it names (`DIR/...`, `DIR:`,
/// `DIR `), the one it names first, the longest folder of those named there. `None` when it
/// names none (a layer's error, say): no unit can be left out for it.
fn culprit(plan: &Plan, err: &anyhow::Error) -> Option<usize> {
    let text = format!("{err:#}");
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-');
    let mention = |dir: &str| -> Option<usize> {
        if dir.is_empty() {
            return text.find("./pyproject.toml").or_else(|| text.starts_with("pyproject.toml").then_some(0));
        }
        text.match_indices(dir).map(|(at, _)| at).find(|&at| {
            let before = text[..at].chars().next_back();
            let after = text[at + dir.len()..].chars().next();
            before.is_none_or(|c| !is_word(c) && !matches!(c, '.' | '/')) && after.is_none_or(|c| !is_word(c))
        })
    };
    plan.units
        .iter()
        .enumerate()
        .filter_map(|(ix, u)| Some((mention(u.dir.as_str())?, std::cmp::Reverse(u.dir.as_str().len()), ix)))
        .min()
        .map(|(_, _, ix)| ix)
}

fn report(plan: &Plan) {
    for unit in &plan.units {
        let nested = plan
            .units
            .iter()
            .filter(|o| o.dir != unit.dir && !o.dir.as_str().is_empty() && unit.dir.starts_with(&o.dir))
            .map(|o| format!(", nested in {}", o.dir))
            .next_back()
            .unwrap_or_default();
        ui::status("Found", &format!("{}: {} ({}){nested}", shown(&unit.dir), unit.kind_name(), unit.why));
    }
    for (unit, paths) in plan.units.iter().zip(&plan.pythonpath) {
        for (folder, reason) in paths {
            ui::status(
                "Pythonpath",
                &format!(
                    "{}: `{}` ({}), as it imports {} from {}",
                    shown(&unit.dir),
                    relative(&unit.dir, folder),
                    if folder.as_str().is_empty() { "the root" } else { folder.as_str() },
                    reason.module,
                    reason.file
                ),
            );
        }
    }
    for message in &plan.undecided {
        ui::status("Undecided", message);
    }
    if !plan.tree.skipped.is_empty() {
        let parts: Vec<String> = plan
            .tree
            .skipped
            .iter()
            .map(|(skip, paths)| {
                let what = ui::count(paths.len(), skip.noun());
                if *skip == Skip::Venv {
                    let paths: Vec<&str> = paths.iter().map(|p| p.as_str()).collect();
                    format!("{what} ({})", paths.join(", "))
                } else {
                    what
                }
            })
            .collect();
        ui::status("Skipped", &parts.join(", "));
    }
    for excluded in &plan.excluded {
        ui::status("Excluded", &format!("{}: {}", shown(&excluded.dir), excluded.reason));
    }
    ui::status("Python", &format!("{} ({})", plan.python.version, plan.python.why));
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a `#` comment: on one line.
fn comment(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A folder name `members` cannot list literally (it would read as a glob).
fn is_globby(dir: &Utf8Path) -> bool {
    dir.as_str().contains(['*', '?', '[', ']', '{', '}', '\\', ','])
}

/// What the config init writes keeps of the one it replaces (`--force`), or finds beside
/// it: settings the tree cannot tell (the uv pin, the package indexes, a resolution
/// cut-off) and the layers, each `_meta/requirements/<name>.in` a layer.
#[derive(Debug, Default)]
struct Kept {
    /// `uv = ...`, as written.
    uv: Option<String>,
    /// Other `[monorepo]` keys init does not derive, rendered as TOML values.
    settings: Vec<(String, String)>,
    /// Layer name and what it extends.
    layers: BTreeMap<String, Vec<String>>,
    /// `exclude`: the folders whose units are not adopted.
    exclude: Vec<String>,
    /// The folders the config names as members (literal `members` entries and
    /// `[member."DIR"]` tables), relative to the root (`""`: the root): a folder of tests
    /// declared by hand stays a unit.
    declared: Vec<Utf8PathBuf>,
    /// `name` of each `[member."DIR"]` that sets one, by folder: names stay put.
    names: BTreeMap<Utf8PathBuf, String>,
}

impl Kept {
    fn read(root: &Utf8Path, config_path: &Utf8Path) -> Kept {
        let mut kept = Kept::default();
        if let Some(table) = std::fs::read_to_string(config_path).ok().and_then(|t| t.parse::<toml::Table>().ok()) {
            if let Some(toml::Value::Table(monorepo)) = table.get("monorepo") {
                for (key, value) in monorepo {
                    let Some(text) = toml_value(value) else { continue };
                    match key.as_str() {
                        "uv" => kept.uv = Some(text),
                        "exclude" => kept.exclude = strings(value),
                        "members" => {
                            let literal = strings(value).into_iter().filter(|m| !m.contains(['*', '?', '[', '{']));
                            kept.declared.extend(literal.map(|m| folder_key(&m)));
                        }
                        "python" => {}
                        _ => kept.settings.push((key.clone(), text)),
                    }
                }
            }
            if let Some(toml::Value::Table(members)) = table.get("member") {
                for (dir, settings) in members {
                    let dir = folder_key(dir);
                    if let Some(name) = settings.get("name").and_then(toml::Value::as_str) {
                        kept.names.insert(dir.clone(), name.to_owned());
                    }
                    kept.declared.push(dir);
                }
            }
            kept.declared.sort();
            kept.declared.dedup();
            if let Some(toml::Value::Table(layers)) = table.get("layers") {
                for (name, layer) in layers {
                    let extends = layer
                        .get("extends")
                        .and_then(toml::Value::as_array)
                        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default();
                    kept.layers.insert(name.clone(), extends);
                }
            }
        }
        // Every `.in` beside base.in is a layer's input (projects opt into it by name).
        if let Ok(entries) = std::fs::read_dir(root.join(REQUIREMENTS_DIR)) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(layer) = name.strip_suffix(".in").filter(|l| *l != "base" && !l.starts_with('.')) {
                    kept.layers.entry(layer.to_owned()).or_default();
                }
            }
        }
        kept
    }
}

/// The strings of a TOML array (none for anything else).
fn strings(value: &toml::Value) -> Vec<String> {
    value.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

/// A folder as the config names it (`./a/`, `a\b`, `.`), as init names it: relative to the
/// root with `/`, the root `""`.
fn folder_key(written: &str) -> Utf8PathBuf {
    let mut clean = written.trim().replace('\\', "/");
    while let Some(rest) = clean.strip_prefix("./") {
        clean = rest.to_owned();
    }
    let clean = clean.trim_end_matches('/');
    Utf8PathBuf::from(if clean == "." { "" } else { clean })
}

/// A TOML value as written in a config (strings, booleans, numbers, dates, arrays of them).
fn toml_value(value: &toml::Value) -> Option<String> {
    Some(match value {
        toml::Value::String(s) => toml_string(s),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(items) => {
            format!("[{}]", items.iter().map(toml_value).collect::<Option<Vec<_>>>()?.join(", "))
        }
        toml::Value::Table(_) => return None,
    })
}

/// A table key: bare when it can be.
fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        key.to_owned()
    } else {
        toml_string(key)
    }
}

fn render_config(plan: &Plan, kept: &Kept, exclude: &[String]) -> String {
    let names = unit_names(&plan.units, &kept.names);
    let mut out = String::new();
    out += "# Written by `cargo xtask init` from the folders it found in this repository; edit it\n\
            # freely. `cargo xtask init --check` says whether it still describes the tree, and\n\
            # `cargo xtask init --force` writes it anew, keeping the members' names.\n";
    if !plan.undecided.is_empty() || !plan.excluded.is_empty() {
        out += "#\n# What init could not decide, or left out (settle these by hand):\n";
        for message in &plan.undecided {
            let _ = writeln!(out, "# - {}", comment(message));
        }
        if !plan.excluded.is_empty() {
            let _ = writeln!(
                out,
                "# - {} not adopted: each is below, commented out, with why; uncomment one to adopt it",
                ui::count(plan.excluded.len(), "unit")
            );
        }
    }
    out += "\n[monorepo]\n\
            # The folders with a pyproject.toml ([project]): the packages, each installed editable\n\
            # in its env. An explicit list, so nested and oddly placed folders are exact.\n";
    // Adopted packages, and those not adopted as comments, in folder order.
    let mut entries: Vec<(&Utf8Path, Option<&str>)> = plan
        .units
        .iter()
        .filter(|u| matches!(u.kind, Kind::Package { .. }) && !is_globby(&u.dir) && !u.dir.as_str().is_empty())
        .map(|u| (u.dir.as_path(), None))
        .chain(
            plan.excluded
                .iter()
                .filter(|e| e.package && !is_globby(&e.dir) && !e.dir.as_str().is_empty())
                .map(|e| (e.dir.as_path(), Some(e.reason.as_str()))),
        )
        .collect();
    entries.sort();
    if entries.is_empty() {
        out += "members = []\n";
    } else {
        out += "members = [\n";
        for (dir, reason) in entries {
            match reason {
                None => {
                    let _ = writeln!(out, "    {},", toml_string(dir.as_str()));
                }
                Some(reason) => {
                    for line in wrap(&comment(&format!("Not adopted: {reason}")), 86) {
                        let _ = writeln!(out, "    # {line}");
                    }
                    let _ = writeln!(out, "    # {},", toml_string(dir.as_str()));
                }
            }
        }
        out += "]\n";
    }
    let python = format!(
        "Every env's Python, unless its project asks for another ([tool.monorepo] python, or \
         requires-python): {}.",
        plan.python.why
    );
    for line in wrap(&comment(&python), 90) {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "python = {}", toml_string(&plan.python.version));
    out += "# The uv the xtask runs (bootstrapped into _meta/.tools/ when PATH has none at this version).\n";
    let _ = writeln!(
        out,
        "uv = {}",
        kept.uv.as_deref().map_or_else(|| toml_string(crate::config::DEFAULT_UV_VERSION), str::to_owned)
    );
    if !exclude.is_empty() {
        out += "# The folders whose units init does not adopt (`cargo xtask init --exclude GLOB`).\n";
        let list: Vec<String> = exclude.iter().map(|e| toml_string(e)).collect();
        let _ = writeln!(out, "exclude = [{}]", list.join(", "));
    }
    if !kept.settings.is_empty() {
        out += "# Kept from the config this one replaced: nothing in the tree says them.\n";
        for (key, value) in &kept.settings {
            let _ = writeln!(out, "{key} = {value}");
        }
    }
    for (name, extends) in &kept.layers {
        let _ = writeln!(
            out,
            "\n# A layer: _meta/requirements/{name}.in, locked on top of base.\n[layers.{}]",
            toml_key(name)
        );
        if !extends.is_empty() {
            let list: Vec<String> = extends.iter().map(|e| toml_string(e)).collect();
            let _ = writeln!(out, "extends = [{}]", list.join(", "));
        }
    }
    for ((unit, paths), name) in plan.units.iter().zip(&plan.pythonpath).zip(&names) {
        let globby = is_globby(&unit.dir);
        let at_root = unit.dir.as_str().is_empty();
        let folder_name = unit.dir.file_name().unwrap_or_default();
        // A package's name is written where it is not its folder's: the root's, one told
        // apart from another, one kept from the config this replaces.
        let named = match unit.kind {
            Kind::Package { .. } => unit.own_name.is_none() && (at_root || name != folder_name),
            Kind::Declared { .. } => true,
        };
        let what = match &unit.kind {
            Kind::Package { .. } if at_root => format!(
                "package ({}): the root's, a member by this table (the root folder cannot be listed under \
                 `members`); its suite collects {}, not the other members' tests.",
                unit.why,
                if unit.testpaths.is_empty() {
                    "what its pytest configuration's testpaths say".to_owned()
                } else {
                    unit.testpaths.join(", ")
                }
            ),
            Kind::Package { .. } if paths.is_empty() && !globby && !named => continue,
            Kind::Package { .. } if globby => format!(
                "package ({}): a member by this table, as its folder's name would read as a glob under \
                 `members`; settings its pyproject's [tool.monorepo] does not set.",
                unit.why
            ),
            Kind::Package { .. } => {
                format!("package ({}): settings its pyproject's [tool.monorepo] does not set.", unit.why)
            }
            Kind::Declared { requirements: Some(file) } => format!(
                "requirements ({}): a member declared here, nothing built or installed. Its env: base and \
                 {file}; a line there naming a package of this repository makes that package a local dependency.",
                unit.why
            ),
            Kind::Declared { requirements: None } => {
                format!("tests only ({}): a member declared here; its tests run on base.", unit.why)
            }
        };
        out += "\n";
        for line in wrap(&comment(&what), 90) {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "[member.{}]", toml_string(if at_root { "." } else { unit.dir.as_str() }));
        if named {
            let _ = writeln!(out, "name = {}", toml_string(name));
        }
        if let Kind::Declared { requirements: Some(file) } = &unit.kind
            && file != "requirements.txt"
        {
            let _ = writeln!(out, "requirements = {}", toml_string(file));
        }
        if !unit.testpaths.is_empty() {
            let list: Vec<String> = unit.testpaths.iter().map(|t| toml_string(t)).collect();
            let _ = writeln!(out, "testpaths = [{}]", list.join(", "));
        }
        let entry = |folder: &Utf8Path, reason: &Reason| {
            (
                toml_string(&relative(&unit.dir, folder)),
                comment(&format!("imports {} from {}", reason.module, reason.file)),
            )
        };
        match paths.len() {
            0 => {}
            1 => {
                let (folder, reason) = paths.iter().next().expect("one entry");
                let (path, why) = entry(folder, reason);
                let _ = writeln!(out, "pythonpath = [{path}]  # {why}");
            }
            _ => {
                out += "pythonpath = [\n";
                for (folder, reason) in paths {
                    let (path, why) = entry(folder, reason);
                    let _ = writeln!(out, "    {path},  # {why}");
                }
                out += "]\n";
            }
        }
    }
    // Units without a pyproject (and a root package) not adopted: their tables, commented out.
    for excluded in plan.excluded.iter().filter(|e| !e.package || e.dir.as_str().is_empty() || is_globby(&e.dir)) {
        out += "\n";
        for line in wrap(&comment(&format!("Not adopted: {}", excluded.reason)), 90) {
            let _ = writeln!(out, "# {line}");
        }
        let dir = if excluded.dir.as_str().is_empty() { "." } else { excluded.dir.as_str() };
        let _ = writeln!(out, "# [member.{}]", toml_string(dir));
    }
    out
}

/// Each unit's name, as the workspace would give it and init writes it: the one its
/// pyproject sets, or the config init replaces (names stay put); a root package's package
/// name; else its folder's name when no other unit's folder has it (in any case), else the
/// shortest tail of its path that no other unit's has, joined with `-`, and that is no other
/// unit's package. A name another unit has already, without regard to case (`YouTube`,
/// `youtube`), gets `-2`, `-3`... in folder order, the names set before first.
fn unit_names(units: &[Unit], kept: &BTreeMap<Utf8PathBuf, String>) -> Vec<String> {
    let parts: Vec<Vec<String>> =
        units.iter().map(|u| u.dir.components().map(|c| c.as_str().to_lowercase()).collect()).collect();
    let tail = |ix: usize, len: usize| parts[ix][parts[ix].len().saturating_sub(len)..].join("-");
    let packages: BTreeMap<&str, usize> =
        units.iter().enumerate().filter_map(|(ix, u)| Some((u.package()?, ix))).collect();
    let fixed: Vec<Option<String>> =
        units.iter().map(|u| u.own_name.clone().or_else(|| kept.get(&u.dir).cloned())).collect();
    let derived: Vec<String> = (0..units.len())
        .map(|ix| {
            if let Some(name) = &fixed[ix] {
                return name.clone();
            }
            if let Kind::Package { package } = &units[ix].kind
                && units[ix].dir.as_str().is_empty()
            {
                return package.clone();
            }
            let written: Vec<&str> = units[ix].dir.components().map(|c| c.as_str()).collect();
            let mut len = 1;
            loop {
                let clash = (0..units.len()).any(|o| o != ix && !parts[o].is_empty() && tail(o, len) == tail(ix, len))
                    || packages.get(normalize(&tail(ix, len)).as_str()).is_some_and(|&o| o != ix);
                if !clash || len >= parts[ix].len() {
                    return written[written.len().saturating_sub(len)..].join("-");
                }
                len += 1;
            }
        })
        .collect();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out = vec![String::new(); units.len()];
    let order =
        (0..units.len()).filter(|&ix| fixed[ix].is_some()).chain((0..units.len()).filter(|&ix| fixed[ix].is_none()));
    for ix in order {
        let mut name = derived[ix].clone();
        let mut n = 1;
        while taken.contains(&name.to_lowercase()) {
            n += 1;
            name = format!("{}-{n}", derived[ix]);
        }
        taken.insert(name.to_lowercase());
        out[ix] = name;
    }
    out
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// `base.in`: pytest, and every requirement line that all the units' requirements files
/// have (when there are two or more, and it names no package of the repository). Returns
/// the text and how many shared lines besides pytest's it holds.
fn render_base(plan: &Plan) -> (String, usize) {
    let files: Vec<Utf8PathBuf> = plan
        .units
        .iter()
        .filter_map(|u| match &u.kind {
            Kind::Declared { requirements: Some(file) } => Some(join(&u.dir, file)),
            _ => None,
        })
        .collect();
    let local: BTreeSet<&str> = plan.units.iter().filter_map(Unit::package).collect();
    let mut shared: Vec<String> = Vec::new();
    if files.len() >= 2 {
        let lines: Vec<Vec<String>> = files.iter().map(|f| crate::infile::requirements(&plan.root, f)).collect();
        for line in &lines[0] {
            let named = requirement_name(line).map(normalize);
            let is_local = named.as_deref().is_some_and(|n| local.contains(n));
            if named.is_some() && !is_local && lines.iter().all(|l| l.contains(line)) && !shared.contains(line) {
                shared.push(line.clone());
            }
        }
    }
    let mut out = String::from(
        "# Written by `cargo xtask init`: the base layer, the tools and libraries every env gets,\n\
         # pinned once in base.txt (`cargo xtask lock`) and alike in every venv.\n",
    );
    let pytest = shared.iter().position(|l| requirement_name(l).map(normalize).as_deref() == Some("pytest"));
    match pytest {
        Some(ix) => {
            out += "# pytest runs every suite (at what every requirements file asks for).\n";
            let _ = writeln!(out, "{}", shared.remove(ix));
        }
        None => out += "# pytest runs every suite.\npytest\n",
    }
    let count = shared.len();
    if !shared.is_empty() {
        let names: Vec<&str> = files.iter().map(|f| f.as_str()).collect();
        for line in wrap(&comment(&format!("In every unit's requirements file: {}.", names.join(", "))), 90) {
            let _ = writeln!(out, "# {line}");
        }
        for line in &shared {
            let _ = writeln!(out, "{line}");
        }
    }
    (out, count)
}

/// The entries of [`GITIGNORE`] that `existing` lacks (an entry written with or without its
/// leading or trailing `/` counts).
fn gitignore_missing(existing: &str) -> Vec<&'static str> {
    let lines: BTreeSet<&str> = existing.lines().map(str::trim).collect();
    GITIGNORE
        .iter()
        .copied()
        .filter(|entry| {
            // A path with a `/` inside is anchored at the root with or without its leading
            // one; the others match at any depth. `.venv/` is not `.venv`: a shared env's
            // `.venv` is a link, which git sees as a file.
            let forms = match entry.strip_prefix('/') {
                Some(inner) => {
                    let bare = inner.trim_end_matches('/');
                    vec![(*entry).to_owned(), inner.to_owned(), format!("/{bare}"), bare.to_owned()]
                }
                // `*.egg-info` covers `*.egg-info/` (folders and files alike).
                None => {
                    let bare = entry.trim_end_matches('/');
                    vec![(*entry).to_owned(), format!("**/{entry}"), bare.to_owned(), format!("**/{bare}")]
                }
            };
            !forms.iter().any(|f| lines.contains(f.as_str()))
        })
        .collect()
}

fn gitignore_with(existing: &str, missing: &[&str]) -> String {
    let mut out = existing.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out += "# What `cargo xtask` makes: venvs (.venv, _meta/venvs/), its tools, state and result\n\
            # cache, and half-written files of an interrupted run (added by `cargo xtask init`).\n";
    for entry in missing {
        out += entry;
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------
// --check

/// What differs between the config's units and pythonpaths and the tree's, one message each.
fn compare(plan: &Plan, text: &str) -> Result<Vec<String>> {
    let config = crate::config::parse(Utf8Path::new(CONFIG_PATH), text)?;
    let doc = crate::pyproject::parse_toml(Utf8Path::new(CONFIG_PATH), text)?;
    let walked: Vec<&str> = plan.tree.dirs.keys().map(|d| d.as_str()).filter(|d| !d.is_empty()).collect();
    let excluded = expand(&config.exclude, &walked)?;
    let members: BTreeSet<Utf8PathBuf> =
        expand(&config.members, &walked)?.into_iter().filter(|d| !excluded.contains(d)).collect();
    // `[member."DIR"]` and the pythonpath each sets, as written.
    let mut declared: BTreeMap<Utf8PathBuf, Vec<String>> = BTreeMap::new();
    if let Some(tables) = doc.get("member").and_then(toml::Value::as_table) {
        for (dir, table) in tables {
            let pythonpath = table
                .get("pythonpath")
                .and_then(toml::Value::as_array)
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            declared.insert(folder_key(dir), pythonpath);
        }
    }
    // What the config leaves out on purpose: its commented-out entries (`# "DIR",` under
    // `members`, `# [member."DIR"]`), as init writes the units it does not adopt.
    let commented: BTreeSet<Utf8PathBuf> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix('#').map(str::trim))
        .filter_map(|line| {
            let inner =
                line.strip_prefix("[member.").and_then(|l| l.strip_suffix(']')).or_else(|| line.strip_suffix(','))?;
            let quoted = inner.strip_prefix('"')?.strip_suffix('"')?;
            Some(folder_key(quoted))
        })
        .collect();
    let mut out = Vec::new();
    let found: BTreeSet<&Utf8Path> = plan.units.iter().map(|u| u.dir.as_path()).collect();
    for (ix, unit) in plan.units.iter().enumerate() {
        if commented.contains(&unit.dir) && !members.contains(&unit.dir) && !declared.contains_key(&unit.dir) {
            continue;
        }
        let is_declared = declared.contains_key(&unit.dir);
        let listed = match unit.kind {
            Kind::Package { .. } => members.contains(&unit.dir) || is_declared,
            Kind::Declared { .. } => is_declared,
        };
        if !listed {
            if members.contains(&unit.dir) {
                out.push(format!(
                    "{}: under `members`, but it has no pyproject.toml now ({}): declare it as [member.\"{}\"]",
                    unit.dir, unit.why, unit.dir
                ));
            } else {
                out.push(format!(
                    "{}: a unit ({}: {}) that {CONFIG_PATH} does not list",
                    unit.dir,
                    unit.kind_name(),
                    unit.why
                ));
            }
            continue;
        }
        if unit.own_pythonpath {
            continue;
        }
        let written = declared.get(&unit.dir).cloned().unwrap_or_default();
        let configured: BTreeMap<Utf8PathBuf, String> =
            written.iter().filter_map(|e| resolve(&unit.dir, e).map(|p| (p, e.clone()))).collect();
        for (folder, reason) in &plan.pythonpath[ix] {
            if !configured.contains_key(folder) {
                out.push(format!(
                    "{}: its pythonpath lacks `{}`: it imports {} from {}",
                    unit.dir,
                    relative(&unit.dir, folder),
                    reason.module,
                    reason.file
                ));
            }
        }
        for (folder, entry) in &configured {
            if !plan.pythonpath[ix].contains_key(folder) && !plan.candidates[ix].contains(folder) {
                out.push(format!("{}: its pythonpath has `{entry}`, which none of its imports needs now", unit.dir));
            }
        }
    }
    for dir in members.iter().chain(declared.keys()).collect::<BTreeSet<_>>() {
        // A unit init would not adopt (test data, say) that the config adopts: its choice.
        if found.contains(dir.as_path()) || plan.excluded.iter().any(|e| e.dir == *dir) {
            continue;
        }
        let why = if !plan.root.join(dir).is_dir() {
            "there is no such folder now"
        } else if plan.tree.dirs.contains_key(dir) {
            "it holds no pyproject.toml, setup.py, setup.cfg, requirements file or tests of its own now"
        } else {
            "init does not walk it (a venv, a build output, a hidden or linked folder)"
        };
        out.push(format!("{dir}: listed in {CONFIG_PATH}, but not a unit: {why}"));
    }
    out.sort();
    Ok(out)
}

/// The folders `patterns` name: a pattern without glob characters names its folder (which
/// may be gone); one with them, the walked folders it matches.
fn expand(patterns: &[String], walked: &[&str]) -> Result<BTreeSet<Utf8PathBuf>> {
    let mut out = BTreeSet::new();
    for written in patterns {
        let mut pattern = written.trim();
        while let Some(rest) = pattern.strip_prefix("./") {
            pattern = rest;
        }
        let pattern = pattern.trim_end_matches('/');
        if !pattern.contains(['*', '?', '[', '{']) {
            out.insert(Utf8PathBuf::from(pattern));
            continue;
        }
        let glob = crate::glob::Glob::new(pattern)
            .map_err(|err| hinted(format!("{CONFIG_PATH}: bad pattern \"{written}\": {err}"), "fix the pattern"))?;
        out.extend(walked.iter().filter(|d| glob.is_match(d)).map(Utf8PathBuf::from));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_gets_only_the_missing_entries() {
        assert_eq!(gitignore_missing(""), GITIGNORE);
        let existing = ".venv/\n_meta/.tools\n/_meta/.state\n_meta/.cache/\n*.xtask-tmp\n*.egg-info\n";
        assert_eq!(gitignore_missing(existing), [".venv", "/_meta/venvs/"], "`.venv/` misses the links");
        let all = gitignore_with("node_modules", &gitignore_missing("node_modules"));
        assert!(all.starts_with("node_modules\n\n# What `cargo xtask` makes"), "{all}");
        assert!(gitignore_missing(&all).is_empty());
    }

    #[test]
    fn names_come_from_paths_stay_put_and_differ_without_regard_to_case() {
        let unit = |dir: &str, package: Option<&str>| {
            let kind = match package {
                Some(p) => Kind::Package { package: p.to_owned() },
                None => Kind::Declared { requirements: None },
            };
            let mut u = discover::tests_support::unit(dir, kind);
            u.own_name = None;
            u
        };
        let units = [
            unit("", Some("main")),
            unit("Idea/Model", None),
            unit("T/Review/Model", None),
            unit("media/YouTube", None),
            unit("media/youtube", None),
            unit("libs/calc", Some("calc")),
            unit("tools/calc", None),
            unit("solo", None),
        ];
        let names = unit_names(&units, &BTreeMap::new());
        assert_eq!(
            names,
            [
                "main",
                "Idea-Model",
                "Review-Model",
                "media-YouTube",
                "media-youtube-2",
                "libs-calc",
                "tools-calc",
                "solo"
            ]
        );
        // A name kept from the config init replaces stays, whatever was added since.
        let kept: BTreeMap<Utf8PathBuf, String> = [(Utf8PathBuf::from("Idea/Model"), "Model".to_owned())].into();
        assert_eq!(unit_names(&units, &kept)[1..3], ["Model", "Review-Model"]);
    }

    #[test]
    fn toml_strings_and_wrapping() {
        assert_eq!(toml_string("a\"b\\c\td"), "\"a\\\"b\\\\c\\u0009d\"");
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
    }
}
