//! Reading a member's `pyproject.toml` (PEP 621, PEP 735) and the names in PEP 508 requirements.

use anyhow::Result;
use camino::Utf8Path;
use toml::{Table, Value};

use crate::error::hinted;

/// What the xtask needs from a member's `pyproject.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pyproject {
    /// `[project].name`, PEP 503-normalised.
    pub package: String,
    /// `[project].dependencies`, as written.
    pub dependencies: Vec<String>,
    /// The PEP 735 `test` dependency group, with `include-group`s expanded.
    pub test_group: Vec<String>,
    /// `[tool.monorepo].layers`: opt-in requirement layers (base is implicit).
    pub layers: Vec<String>,
}

impl Pyproject {
    /// Every requirement the member's env installs for it: runtime, then test.
    pub fn requirements(&self) -> impl Iterator<Item = &str> {
        self.dependencies.iter().chain(&self.test_group).map(String::as_str)
    }
}

/// Parses TOML, naming the file and the line on error.
pub fn parse_toml(path: &Utf8Path, text: &str) -> Result<Table> {
    text.parse::<Table>().map_err(|err| {
        hinted(
            format!("{path} is not valid TOML:\n{}", err.to_string().trim_end()),
            format!("fix the syntax of {path} at the line shown"),
        )
    })
}

pub fn parse(path: &Utf8Path, text: &str) -> Result<Pyproject> {
    let doc = parse_toml(path, text)?;
    let project = doc.get("project").and_then(Value::as_table).ok_or_else(|| {
        hinted(
            format!("{path} has no [project] table"),
            "declare the project the PEP 621 way: [project] with name, version and dependencies",
        )
    })?;
    let name = project
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| hinted(format!("{path} has no [project].name"), "add `name = \"...\"` under [project]"))?;
    if !is_valid_name(name) {
        return Err(hinted(
            format!("{path}: `{name}` is not a valid project name"),
            "use letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit",
        ));
    }
    let dynamic = string_array(path, project.get("dynamic"), "project.dynamic")?;
    if dynamic.iter().any(|d| d == "dependencies") {
        return Err(hinted(
            format!("{path} declares its dependencies as dynamic"),
            "list them in [project].dependencies: locks are computed from static metadata",
        ));
    }
    let dependencies = string_array(path, project.get("dependencies"), "project.dependencies")?;
    let groups = doc.get("dependency-groups").and_then(Value::as_table);
    let test_group = match groups {
        Some(groups) if groups.contains_key("test") => expand_group(path, groups, "test", 0)?,
        _ => Vec::new(),
    };
    let tool = doc.get("tool").and_then(|t| t.get("monorepo"));
    let layers = string_array(path, tool.and_then(|t| t.get("layers")), "tool.monorepo.layers")?;
    for req in dependencies.iter().chain(&test_group) {
        if requirement_name(req).is_none() {
            return Err(hinted(
                format!("{path}: `{req}` is not a valid requirement"),
                "write requirements the PEP 508 way, e.g. `numpy>=1.26`",
            ));
        }
    }
    Ok(Pyproject { package: normalize(name), dependencies, test_group, layers })
}

/// A PEP 735 group's requirements, following `{include-group = "..."}` entries.
fn expand_group(path: &Utf8Path, groups: &Table, name: &str, depth: usize) -> Result<Vec<String>> {
    let what = format!("dependency-groups.{name}");
    if depth > groups.len() {
        return Err(hinted(format!("{path}: {what} includes itself"), "remove the include-group cycle"));
    }
    let Some(Value::Array(items)) = groups.get(name) else {
        return Err(hinted(format!("{path}: {what} is missing or not an array"), "declare it as an array"));
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::String(req) => out.push(req.clone()),
            Value::Table(t) => match t.get("include-group").and_then(Value::as_str) {
                Some(inner) => out.extend(expand_group(path, groups, inner, depth + 1)?),
                None => {
                    return Err(hinted(
                        format!("{path}: {what} has an unknown table entry"),
                        "only {include-group = \"...\"} tables are allowed",
                    ));
                }
            },
            _ => {
                return Err(hinted(format!("{path}: {what} has a non-string entry"), "list requirements as strings"));
            }
        }
    }
    Ok(out)
}

/// An optional array of strings; anything else is an error naming the key.
pub fn string_array(path: &Utf8Path, value: Option<&Value>, key: &str) -> Result<Vec<String>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let items = value
        .as_array()
        .and_then(|items| items.iter().map(|v| v.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>());
    items.ok_or_else(|| {
        hinted(format!("{path}: `{key}` must be an array of strings"), format!("write it as {key} = [\"...\"]"))
    })
}

/// PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` become one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            out.extend(c.to_lowercase());
            in_separator = false;
        }
    }
    out
}

/// The distribution name a PEP 508 requirement starts with: `numpy>=1.26 ; ...` gives `numpy`.
pub fn requirement_name(req: &str) -> Option<&str> {
    let req = req.trim_start();
    let end = req.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(req.len());
    let name = &req[..end];
    is_valid_name(name).then_some(name)
}

fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Pyproject> {
        parse(Utf8Path::new("p/pyproject.toml"), text)
    }

    #[test]
    fn normalizes_names_per_pep_503() {
        assert_eq!(normalize("Ideas_Model"), "ideas-model");
        assert_eq!(normalize("a.-_b"), "a-b");
        assert_eq!(normalize("numpy"), "numpy");
    }

    #[test]
    fn extracts_requirement_names() {
        assert_eq!(requirement_name("numpy>=1.26"), Some("numpy"));
        assert_eq!(requirement_name("ideas-model"), Some("ideas-model"));
        assert_eq!(requirement_name("httpx[http2] ; python_version >= '3.11'"), Some("httpx"));
        assert_eq!(requirement_name("pkg @ https://example.org/pkg.whl"), Some("pkg"));
        assert_eq!(requirement_name("Foo.Bar~=1.0"), Some("Foo.Bar"));
        assert_eq!(requirement_name(">=1.0"), None);
        assert_eq!(requirement_name(""), None);
    }

    #[test]
    fn reads_dependencies_test_group_and_layers() {
        let p = parse_str(
            r#"
            [project]
            name = "Ideas_Web"
            dependencies = ["ideas-model", "fastapi>=0.110"]
            [dependency-groups]
            lint = ["ruff"]
            test = ["pytest-asyncio>=0.23", {include-group = "lint"}]
            [tool.monorepo]
            layers = ["http"]
            "#,
        )
        .unwrap();
        assert_eq!(p.package, "ideas-web");
        assert_eq!(p.dependencies, ["ideas-model", "fastapi>=0.110"]);
        assert_eq!(p.test_group, ["pytest-asyncio>=0.23", "ruff"]);
        assert_eq!(p.layers, ["http"]);
    }

    #[test]
    fn malformed_toml_names_file_and_line() {
        let err = parse_str("[project]\nname = \"x\"\ndependencies = [\n").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("p/pyproject.toml is not valid TOML"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
    }

    #[test]
    fn rejects_missing_name_dynamic_deps_and_bad_requirements() {
        assert!(format!("{:#}", parse_str("[project]\nversion = \"1\"\n").unwrap_err()).contains("no [project].name"));
        let dynamic = parse_str("[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n").unwrap_err();
        assert!(dynamic.to_string().contains("dynamic"));
        let bad = parse_str("[project]\nname = \"x\"\ndependencies = [\">=1\"]\n").unwrap_err();
        assert!(bad.to_string().contains("not a valid requirement"));
        let not_array = parse_str("[project]\nname = \"x\"\ndependencies = \"numpy\"\n").unwrap_err();
        assert!(not_array.to_string().contains("must be an array of strings"));
    }

    #[test]
    fn include_group_cycle_is_an_error() {
        let err = parse_str("[project]\nname = \"x\"\n[dependency-groups]\ntest = [{include-group = \"a\"}]\na = [{include-group = \"test\"}]\n").unwrap_err();
        assert!(err.to_string().contains("includes itself"), "{err}");
    }
}
