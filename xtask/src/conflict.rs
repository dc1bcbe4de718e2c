//! Why a lock cannot be resolved, in the monorepo's terms: which project (and file) asks for
//! what, against which pin of which layer, or against which other project in the same env;
//! or which direct URL requirement names a file that cannot be had (blamed on that URL, not
//! on the index). uv's own explanation stays attached as the cause.

use std::collections::BTreeMap;

use camino::Utf8PathBuf;

use crate::error::Hinted;
use crate::lock::{LockId, Plan};
use crate::pep440::{Version, satisfies, split_requirement};
use crate::pep508::normalize;
use crate::workspace::Workspace;

/// A requirement and where it is written.
struct Asked {
    file: Utf8PathBuf,
    requirement: String,
    name: String,
    specifiers: String,
}

/// An explanation for the failed compile of `plan[id]`, when the inputs show one.
pub fn explain(ws: &Workspace, plan: &Plan, id: LockId, uv_output: &str) -> Option<Hinted> {
    if let Some(failure) = crate::uv::url_failure(uv_output) {
        return Some(url_failure(ws, plan, id, &failure));
    }
    if crate::uv::is_network_failure(uv_output) {
        return None; // nothing was resolved, so nothing conflicts
    }
    let spec = &plan[id];
    let asked = asked(ws, id);
    let mut findings = Vec::new();
    let mut hints = Vec::new();
    // A requirement that a pin of a layer under it does not meet.
    for &layer in &spec.after {
        let lock = ws.layers[layer].lock();
        let Ok(text) = std::fs::read_to_string(ws.root.join(&lock)) else { continue };
        let Ok(layer_lock) = crate::lockfile::parse(&text) else { continue };
        let layer_pins = layer_lock.pins();
        for a in &asked {
            let Some(pinned) = layer_pins.get(&a.name) else { continue };
            // Unmet when no version the layer pins (under any marker) meets the requirement.
            let unmet = pinned
                .split(crate::lockfile::PIN_SEPARATOR)
                .all(|p| Version::parse(p).and_then(|v| satisfies(&v, &a.specifiers)) == Some(false));
            if unmet && !findings.iter().any(|f: &String| f.contains(&a.requirement)) {
                let layer_name = &ws.layers[layer].name;
                findings.push(format!(
                    "{} requires `{}`, but layer `{layer_name}` pins {}=={pinned} ({lock})",
                    a.file, a.requirement, a.name
                ));
                hints.push(format!(
                    "allow {}=={pinned} in {}; or, to move every env that `{layer_name}` serves, edit {} and run `cargo xtask update-base`",
                    a.name,
                    a.file,
                    ws.layers[layer].input()
                ));
            }
        }
    }
    // The same package asked for differently by two projects installed in this env.
    if findings.is_empty() {
        let mut by_name: BTreeMap<&str, Vec<&Asked>> = BTreeMap::new();
        for a in &asked {
            by_name.entry(a.name.as_str()).or_default().push(a);
        }
        for (name, list) in by_name {
            let distinct =
                list.iter().any(|a| a.specifiers != list[0].specifiers) && list.iter().any(|a| a.file != list[0].file);
            if distinct && uv_output.to_lowercase().contains(name) {
                let asks: Vec<String> =
                    list.iter().map(|a| format!("{} requires `{}`", a.file, a.requirement)).collect();
                findings.push(format!("{}, and both are installed in env `{}`", asks.join(" and "), spec.name));
                hints.push(format!(
                    "make these requirements of {name} compatible, or give the projects separate envs (each project has its own unless [tool.monorepo].env says otherwise)"
                ));
            }
        }
    }
    if findings.is_empty() {
        return None;
    }
    Some(Hinted::new(format!("cannot lock `{}` ({}): {}", spec.name, spec.lock, findings.join("; ")), hints.join("; ")))
}

/// A direct URL requirement whose file uv could not get: the requirement and the file that
/// writes it, and its URL's answer.
fn url_failure(ws: &Workspace, plan: &Plan, id: LockId, failure: &crate::uv::UrlFailure) -> Hinted {
    let spec = &plan[id];
    let cannot = format!("cannot lock `{}` ({})", spec.name, spec.lock);
    let unreachable = failure.why == "cannot be reached";
    let written = asked(ws, id).into_iter().find(|a| a.requirement.contains(failure.url.as_str()));
    match written {
        Some(a) => Hinted::new(
            format!("{cannot}: {} requires `{}`, and its URL {}", a.file, a.requirement, failure.why),
            if unreachable {
                format!(
                    "check the network and that URL's host, or fix the URL of {} in {} (or require it by name, from the index)",
                    a.name, a.file
                )
            } else {
                format!(
                    "fix the URL of {} in {} (or require it by name, from the index), then run the command again",
                    a.name, a.file
                )
            },
        ),
        None => Hinted::new(
            format!("{cannot}: uv cannot get `{}`: its URL {}", failure.requirement, failure.why),
            "fix that URL where it is required (a dependency's metadata, when no file of the repository names it)",
        ),
    }
}

/// The requirements that went into lock `id`, with their files: a layer's `.in` lines, or
/// the pyproject requirements of an env's editables.
fn asked(ws: &Workspace, id: LockId) -> Vec<Asked> {
    let mut out = Vec::new();
    let mut push = |file: Utf8PathBuf, req: &str| {
        if let Some((name, specifiers)) = split_requirement(req) {
            let name = normalize(name);
            if !ws.members.iter().any(|m| m.pyproject.package == name) {
                out.push(Asked { file, requirement: req.trim().to_owned(), name, specifiers: specifiers.to_owned() });
            }
        }
    };
    if let LockId::Layer(ix) = id {
        let input = ws.layers[ix].input();
        for line in crate::infile::requirements(&ws.root, &input) {
            push(input.clone(), &line);
        }
    } else if let LockId::Env(ix) = id {
        for &m in &ws.envs[ix].editables {
            let member = &ws.members[m];
            for req in member.pyproject.requirements() {
                push(member.dir.join("pyproject.toml"), req);
            }
        }
    }
    out
}
