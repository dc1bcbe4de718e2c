//! Metadata a build backend computes. A member whose `dependencies` (or
//! `optional-dependencies`) are `dynamic` gets them from its backend's PEP 517 hook
//! `prepare_metadata_for_build_wheel`, run in an isolated env with its `build-system`
//! requirements, as uv does when it resolves such a project. Its local edges come from that
//! metadata like any member's from its pyproject.
//!
//! The result is cached in `_meta/.cache/metadata/`, keyed by the files the backend reads
//! for it ([`backend_inputs`]): its pyproject, `setup.py` and `setup.cfg`, every file in the
//! member's folder that a `[tool.*]` table names (setuptools' `dynamic` `file = [...]`,
//! hatch's `requirements_txt` files, a version file) and its top-level `requirements*.txt`
//! (which a `setup.py` reads in code). Not its sources: a code edit changes no dependency,
//! and hashing them would re-run the backend, and re-lock, on every edit. That key is also
//! the member's digest in its locks, so editing `requirements.txt` makes them stale.

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};
use toml::{Table, Value};

use crate::config::Config;
use crate::digest::{self, Hasher};
use crate::error::{Hinted, hinted};
use crate::fsutil;
use crate::pyproject::Pyproject;

/// Where built metadata is kept, one file per member.
pub const CACHE_DIR: &str = "_meta/.cache/metadata";

/// Bump when what is cached, or how it is computed, changes.
const RECIPE: &str = "1";

/// PEP 517's default for a project without `[build-system]`.
const LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";
const LEGACY_REQUIRES: &str = "setuptools>=40.8.0";

/// Runs the backend's hooks from the member's folder: `get_requires_for_build_wheel` first
/// (what it needs beyond `build-system.requires`, written to `requires.json` when there is
/// any and the run is not already the second), then `prepare_metadata_for_build_wheel`, or
/// `build_wheel` for a backend without it. The `METADATA` it makes is written to `out`, as
/// the backend's own prints go to stdout. Runs on Python 3.6 up (no tomllib).
const HOOKS: &str = r#"
import importlib, json, os, sys
src, out, backend, paths, second = sys.argv[1:6]
os.chdir(src)
for p in reversed([p for p in paths.split("\n") if p]):
    sys.path.insert(0, os.path.abspath(p))
module, _, attr = backend.partition(":")
hooks = importlib.import_module(module)
for part in filter(None, attr.split(".")):
    hooks = getattr(hooks, part)
if second != "1" and hasattr(hooks, "get_requires_for_build_wheel"):
    extra = list(hooks.get_requires_for_build_wheel())
    if extra:
        with open(os.path.join(out, "requires.json"), "w") as f:
            json.dump(extra, f)
        sys.exit(0)
build = os.path.join(out, "build")
os.mkdir(build)
if hasattr(hooks, "prepare_metadata_for_build_wheel"):
    with open(os.path.join(build, hooks.prepare_metadata_for_build_wheel(build), "METADATA"), "rb") as f:
        text = f.read()
else:
    import zipfile
    with zipfile.ZipFile(os.path.join(build, hooks.build_wheel(build))) as wheel:
        text = next(wheel.read(n) for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
with open(os.path.join(out, "METADATA"), "wb") as f:
    f.write(text)
"#;

/// Whether the member's requirements come from its build backend.
pub fn is_dynamic(pyproject: &Pyproject) -> bool {
    pyproject.dynamic.iter().any(|d| d == "dependencies" || d == "optional-dependencies")
}

/// Fills the dynamic requirements of the member in `dir` (relative to `root`) from its
/// backend's metadata, built now unless cached; returns the digest of the backend's inputs,
/// which stands for its pyproject's in its locks.
pub fn resolve(
    root: &Utf8Path,
    config: &Config,
    dir: &Utf8Path,
    pyproject: &mut Pyproject,
    text: &str,
) -> Result<String> {
    let path = dir.join("pyproject.toml");
    let doc = crate::pyproject::parse_toml(&path, text)?;
    let (backend, requires, backend_path) = build_system(&doc);
    let python = pyproject.python.clone().unwrap_or_else(|| config.python.clone());
    let mut key = Hasher::default();
    key.part(RECIPE).part(dir.as_str()).part(&python).part(&config.uv);
    for file in backend_inputs(root, dir, &doc) {
        key.part(file.as_str()).part(&crate::inputs::file_digest(&root.join(&file)));
    }
    let key = key.finish();
    let cache = root.join(CACHE_DIR).join(format!("{}.json", &digest::text(dir.as_str())[..16]));
    let cached = std::fs::read_to_string(&cache)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .filter(|v| v["key"] == key.as_str())
        .and_then(|v| v["metadata"].as_str().map(str::to_owned));
    let metadata = match cached {
        Some(metadata) => metadata,
        None => {
            crate::ui::status("Reading", &format!("the metadata of {dir} from its build backend ({backend})"));
            let metadata = build(root, config, dir, &python, &backend, &requires, &backend_path)?;
            let record = serde_json::json!({ "dir": dir.as_str(), "key": key, "metadata": metadata });
            std::fs::create_dir_all(cache.parent().expect("in the cache dir"))?;
            fsutil::write_atomic(&cache, &record.to_string())?;
            metadata
        }
    };
    let requires_dist = requires_dist(&metadata);
    if pyproject.dynamic.iter().any(|d| d == "dependencies") {
        pyproject.dependencies = requires_dist.iter().filter(|r| extra_of(r).is_none()).cloned().collect();
    }
    if pyproject.dynamic.iter().any(|d| d == "optional-dependencies") {
        pyproject.declared_extras = Some(provides_extra(&metadata));
        pyproject.extra_requirements = requires_dist
            .iter()
            .filter_map(|r| extra_of(r).filter(|(e, _)| pyproject.extras.contains(e)).map(|(_, req)| req))
            .collect();
    }
    Ok(key)
}

/// `build-backend`, `requires` and `backend-path`, PEP 517's defaults where absent.
fn build_system(doc: &Table) -> (String, Vec<String>, Vec<String>) {
    let table = doc.get("build-system").and_then(Value::as_table);
    let strings = |key: &str| -> Option<Vec<String>> {
        let items = table?.get(key)?.as_array()?;
        Some(items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
    };
    match table.and_then(|t| t.get("build-backend")).and_then(Value::as_str) {
        Some(backend) => {
            (backend.to_owned(), strings("requires").unwrap_or_default(), strings("backend-path").unwrap_or_default())
        }
        None => (
            LEGACY_BACKEND.to_owned(),
            strings("requires").unwrap_or_else(|| vec![LEGACY_REQUIRES.to_owned()]),
            Vec::new(),
        ),
    }
}

/// The files the backend reads for the metadata, relative to the root (see the module's
/// comment for why these): those that exist, sorted.
pub fn backend_inputs(root: &Utf8Path, dir: &Utf8Path, doc: &Table) -> Vec<Utf8PathBuf> {
    let mut files: Vec<Utf8PathBuf> = ["pyproject.toml", "setup.py", "setup.cfg"].iter().map(|f| dir.join(f)).collect();
    if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("requirements") && name.ends_with(".txt") {
                files.push(dir.join(&*name));
            }
        }
    }
    let mut named = Vec::new();
    if let Some(Value::Table(tool)) = doc.get("tool") {
        for (_, table) in tool.iter().filter(|(name, _)| !matches!(name.as_str(), "monorepo" | "uv")) {
            strings_in(table, &mut named);
        }
    }
    for written in named {
        let rel = fsutil::lexical(&dir.join(written.replace('\\', "/")));
        if rel.starts_with(dir) && rel != dir && root.join(&rel).is_file() {
            files.push(rel);
        }
    }
    files.retain(|f| root.join(f).is_file());
    // What its requirements files include (`-r`, `-c`), wherever they are: the backend reads
    // them through the file (setuptools' `file = [...]` does not, but pip-style readers do).
    let includes: Vec<Utf8PathBuf> = files
        .iter()
        .filter(|f| f.extension() == Some("txt") || f.extension() == Some("in"))
        .flat_map(|f| crate::inputs::requirements_files(root, f, crate::inputs::Kind::File, "").into_iter().skip(1))
        .map(|item| Utf8PathBuf::from(item.name))
        .collect();
    files.extend(includes);
    files.sort();
    files.dedup();
    files
}

fn strings_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.is_empty() && s.len() < 512 => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings_in(v, out)),
        Value::Table(t) => t.values().for_each(|v| strings_in(v, out)),
        _ => {}
    }
}

/// Runs the hooks (see [`HOOKS`]) in an env uv makes with the backend's requirements.
fn build(
    root: &Utf8Path,
    config: &Config,
    dir: &Utf8Path,
    python: &str,
    backend: &str,
    requires: &[String],
    backend_path: &[String],
) -> Result<String> {
    let uv = crate::uv::Uv::locate(root, config)?;
    // Outside the repository: a backend that fails leaves nothing in it.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let work =
        Utf8PathBuf::try_from(std::env::temp_dir())?.join(format!("xtask-metadata.{}.{nanos}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let result = (|| -> Result<String> {
        let mut requires = requires.to_vec();
        let script = work.join("hooks.py");
        fsutil::write_atomic(&script, HOOKS)?;
        for second in ["0", "1"] {
            let list = work.join("build-requires.txt");
            fsutil::write_atomic(&list, &(requires.join("\n") + "\n"))?;
            let mut cmd = uv
                .cmd(&["run", "--no-project", "--isolated", "--quiet", "--python", python])
                .args(crate::uv::index_args(&crate::lockfile::IndexOptions::from_config(config)));
            if let Some(cutoff) = &config.exclude_newer {
                cmd = cmd.args(["--exclude-newer", cutoff]);
            }
            if !requires.is_empty() {
                cmd = cmd.args(["--with-requirements", list.as_str()]);
            }
            cmd = cmd
                .args(["--", "python", script.as_str(), root.join(dir).as_str(), work.as_str(), backend])
                .args([backend_path.join("\n").as_str(), second]);
            crate::exec::run_ok(&cmd).map_err(|err| {
                err.context(Hinted::new(
                    format!("cannot read the metadata of {dir}: its build backend `{backend}` failed"),
                    format!(
                        "its output is above; fix {dir}'s build configuration, or list its dependencies statically \
                         in {dir}/pyproject.toml's [project].dependencies (and drop them from `dynamic`)"
                    ),
                ))
            })?;
            if let Ok(text) = std::fs::read(work.join("METADATA")) {
                return Ok(String::from_utf8_lossy(&text).into_owned());
            }
            let extra: Vec<String> = serde_json::from_str(&fsutil::read(&work.join("requires.json"))?)?;
            requires.extend(extra);
        }
        Err(hinted(
            format!("cannot read the metadata of {dir}: its build backend `{backend}` wrote none"),
            format!("list its dependencies statically in {dir}/pyproject.toml's [project].dependencies"),
        ))
    })();
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// The extras a `METADATA` file declares (`Provides-Extra`), PEP 685-normalised.
pub fn provides_extra(metadata: &str) -> Vec<String> {
    metadata
        .lines()
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("provides-extra"))
        .map(|(_, value)| crate::pep508::normalize(value.trim()))
        .collect()
}

/// The `Requires-Dist` headers of a core metadata file, folded lines unfolded.
pub fn requires_dist(metadata: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_requires = false;
    for line in metadata.lines() {
        if line.is_empty() {
            break; // the headers end; the description follows
        }
        if line.starts_with([' ', '\t']) {
            if in_requires && let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
            continue;
        }
        in_requires = false;
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("requires-dist")
        {
            out.push(value.trim().to_owned());
            in_requires = true;
        }
    }
    out
}

/// For a requirement of an extra (`x>=1 ; extra == "test"`), the extra and the requirement
/// without that clause; `None` for one that belongs to no extra.
fn extra_of(req: &str) -> Option<(String, String)> {
    let (spec, marker) = req.split_once(';')?;
    let marker = marker.trim();
    let at = marker.find("extra")?;
    let rest = marker[at + "extra".len()..].trim_start().strip_prefix("==")?.trim_start();
    let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let value = &rest[1..];
    let end = value.find(quote)?;
    let extra = crate::pep508::normalize(&value[..end]);
    let clause_end = marker.len() - value[end + 1..].len();
    let (before, after) = (marker[..at].trim(), marker[clause_end..].trim());
    let before = before.strip_suffix("and").map_or(before, str::trim);
    let after = after.strip_prefix("and").map_or(after, str::trim);
    let others = [before, after].iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" and ");
    let spec = spec.trim();
    Some((extra, if others.is_empty() { spec.to_owned() } else { format!("{spec} ; {others}") }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_requires_dist_and_sorts_out_the_extras() {
        let metadata = "Metadata-Version: 2.1\nName: x\nRequires-Dist: tiny-a>=1.16\nRequires-Dist: e2e-core\n\
                        Requires-Dist: tiny-c; extra == \"fast\"\nRequires-Dist: tiny-d ; python_version >= \"3.8\" and extra == 'fast'\n\
                        Summary: x\n\nRequires-Dist: not-a-header\n";
        let reqs = requires_dist(metadata);
        assert_eq!(reqs.len(), 4, "{reqs:?}");
        assert_eq!(extra_of(&reqs[0]), None);
        assert_eq!(extra_of(&reqs[2]), Some(("fast".to_owned(), "tiny-c".to_owned())));
        assert_eq!(extra_of(&reqs[3]), Some(("fast".to_owned(), "tiny-d ; python_version >= \"3.8\"".to_owned())));
    }

    #[test]
    fn the_backend_inputs_are_its_config_and_the_files_its_tool_tables_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let text = "[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n\n[tool.setuptools.dynamic]\n\
                    dependencies = { file = [\"deps/runtime.txt\"] }\n\n[tool.other]\nmissing = \"nope.txt\"\noutside = \"../../x.txt\"\n";
        for (rel, body) in [
            ("p/x/pyproject.toml", text),
            ("p/x/deps/runtime.txt", "six\n"),
            ("p/x/requirements-dev.txt", "ruff\n"),
            ("p/x/src/x/__init__.py", ""),
            ("x.txt", ""),
        ] {
            crate::fsutil::write_test_file(root, rel, body);
        }
        let doc: Table = text.parse().unwrap();
        let files = backend_inputs(root, Utf8Path::new("p/x"), &doc);
        assert_eq!(files, ["p/x/deps/runtime.txt", "p/x/pyproject.toml", "p/x/requirements-dev.txt"]);
    }

    #[test]
    fn a_project_without_build_system_gets_the_legacy_backend() {
        let (backend, requires, _) = build_system(&Table::new());
        assert_eq!((backend.as_str(), requires), (LEGACY_BACKEND, vec![LEGACY_REQUIRES.to_owned()]));
    }
}
