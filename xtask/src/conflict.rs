//! Why a lock cannot be resolved, in the monorepo's terms: which project (and file) asks for
//! what, against which pin of which layer, or against which other project in the same env.
//! uv's own explanation stays attached as the cause.

use std::collections::BTreeMap;

use camino::Utf8PathBuf;

use crate::error::Hinted;
use crate::lock::{LockId, Plan};
use crate::pep440::{Version, satisfies, split_requirement};
use crate::pyproject::normalize;
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
    if is_network_failure(uv_output) {
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

/// What uv prints when it cannot reach an index or a find-links page (a refused
/// connection, a name that does not resolve, a timeout, a TLS failure): the failure is the
/// network's or the index settings', not the requirements'.
pub fn is_network_failure(uv_output: &str) -> bool {
    const SIGNS: &[&str] = &[
        "error sending request",
        "dns error",
        "failed to lookup address",
        "client error (connect)",
        "tcp connect error",
        "connection refused",
        "network is unreachable",
        "operation timed out",
        "failed to fetch",
        "could not connect",
        "invalid peer certificate",
    ];
    let output = uv_output.to_lowercase();
    SIGNS.iter().any(|sign| output.contains(sign))
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
mod tests {
    use super::*;

    #[test]
    fn tells_a_network_failure_from_a_resolution_failure() {
        let refused = "error: Request failed after 3 retries in 9.7s\n  cause: Failed to fetch: http://127.0.0.1:9/simple/pytest/\n  cause: error sending request for url (http://127.0.0.1:9/simple/pytest/)\n  cause: client error (Connect)\n  cause: tcp connect error\n  cause: Connection refused (os error 111)";
        assert!(is_network_failure(refused));
        let dns = "cause: error sending request for url (https://pypi.invalid/simple/x/)\n  cause: dns error\n  cause: failed to lookup address information: Name or service not known";
        assert!(is_network_failure(dns));
        let conflict = "  × No solution found when resolving dependencies:\n  ╰─▶ Because you require pytest<8 and pytest==9.0.3, we can conclude that your requirements are unsatisfiable.";
        assert!(!is_network_failure(conflict));
        let missing = "  × No solution found when resolving dependencies:\n  ╰─▶ Because tiny-zzz was not found in the package registry and you require tiny-zzz, we can conclude that your requirements are unsatisfiable.";
        assert!(!is_network_failure(missing));
    }
}
