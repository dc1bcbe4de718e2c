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
    /// `[project].requires-python`.
    pub requires_python: Option<String>,
    /// The PEP 735 groups installed in the member's env (`test`, if it exists, and those
    /// named by `[tool.monorepo].groups`), `include-group`s expanded.
    pub group_requirements: Vec<String>,
    /// `[tool.monorepo].extras`: extras of the member installed in its env.
    pub extras: Vec<String>,
    /// The optional dependencies those extras bring.
    pub extra_requirements: Vec<String>,
    /// `[tool.monorepo].layers`: opt-in requirement layers (base is implicit).
    pub layers: Vec<String>,
    /// `[tool.monorepo].env`: the env shared with other members naming it.
    pub env: Option<String>,
    /// `[tool.monorepo].python`: an interpreter request overriding the config's.
    pub python: Option<String>,
}

impl Pyproject {
    /// Every requirement the member's env installs for it: runtime, extras, groups.
    pub fn requirements(&self) -> impl Iterator<Item = &str> {
        self.dependencies.iter().chain(&self.extra_requirements).chain(&self.group_requirements).map(String::as_str)
    }
}

/// The keys of `[tool.monorepo]` in a pyproject.
const TOOL_KEYS: &[&str] = &["layers", "env", "python", "extras", "groups"];

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
    let requires_python = project.get("requires-python").and_then(Value::as_str).map(str::to_owned);
    let tool = match doc.get("tool").and_then(|t| t.get("monorepo")) {
        Some(Value::Table(tool)) => Some(tool),
        Some(_) => {
            return Err(hinted(format!("{path}: [tool.monorepo] must be a table"), "declare it as [tool.monorepo]"));
        }
        None => None,
    };
    if let Some(key) = tool.and_then(|t| t.keys().find(|k| !TOOL_KEYS.contains(&k.as_str()))) {
        return Err(hinted(
            format!("{path}: unknown key `tool.monorepo.{key}`"),
            format!("the keys allowed there are: {}", TOOL_KEYS.join(", ")),
        ));
    }
    let tool_string = |key: &str| -> Result<Option<String>> {
        match tool.and_then(|t| t.get(key)) {
            None => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(hinted(
                format!("{path}: `tool.monorepo.{key}` must be a non-empty string"),
                format!("write it as {key} = \"...\""),
            )),
        }
    };
    let env = tool_string("env")?;
    let python = tool_string("python")?;
    let tool_array = |key: &str| string_array(path, tool.and_then(|t| t.get(key)), &format!("tool.monorepo.{key}"));
    let layers = tool_array("layers")?;
    let extras = tool_array("extras")?;
    let mut groups = tool_array("groups")?;
    let declared = doc.get("dependency-groups").and_then(Value::as_table);
    if declared.is_some_and(|d| d.contains_key("test")) && !groups.iter().any(|g| g == "test") {
        groups.insert(0, "test".to_owned());
    }
    let mut group_requirements = Vec::new();
    for group in &groups {
        match declared {
            Some(declared) if declared.contains_key(group) => {
                group_requirements.extend(expand_group(path, declared, group, 0)?)
            }
            _ => {
                return Err(hinted(
                    format!("{path}: tool.monorepo.groups names `{group}`, which [dependency-groups] does not declare"),
                    format!("declare {group} = [...] under [dependency-groups], or remove it"),
                ));
            }
        }
    }
    let optional = project.get("optional-dependencies").and_then(Value::as_table);
    let mut extra_requirements = Vec::new();
    for extra in &extras {
        match optional.and_then(|o| o.get(extra)) {
            Some(reqs) => extra_requirements.extend(string_array(
                path,
                Some(reqs),
                &format!("project.optional-dependencies.{extra}"),
            )?),
            None => {
                return Err(hinted(
                    format!(
                        "{path}: tool.monorepo.extras names `{extra}`, which [project.optional-dependencies] does not declare"
                    ),
                    format!("declare {extra} = [...] under [project.optional-dependencies], or remove it"),
                ));
            }
        }
    }
    for req in dependencies.iter().chain(&group_requirements).chain(&extra_requirements) {
        if requirement_name(req).is_none() {
            return Err(hinted(
                format!("{path}: `{req}` is not a valid requirement"),
                "write requirements the PEP 508 way, e.g. `numpy>=1.26`",
            ));
        }
    }
    Ok(Pyproject {
        package: normalize(name),
        dependencies,
        requires_python,
        group_requirements,
        extras,
        extra_requirements,
        layers,
        env,
        python,
    })
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
        assert_eq!(p.group_requirements, ["pytest-asyncio>=0.23", "ruff"]);
        assert_eq!(p.layers, ["http"]);
        assert_eq!((p.env, p.python), (None, None));
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
    fn reads_env_python_extras_and_extra_groups() {
        let p = parse_str(
            r#"
            [project]
            name = "x"
            requires-python = ">=3.12"
            dependencies = ["numpy"]
            [project.optional-dependencies]
            fast = ["orjson>=3"]
            [dependency-groups]
            test = ["hypothesis"]
            lint = ["ruff"]
            [tool.monorepo]
            env = "shared"
            python = "3.12"
            extras = ["fast"]
            groups = ["lint"]
            "#,
        )
        .unwrap();
        assert_eq!(p.requires_python.as_deref(), Some(">=3.12"));
        assert_eq!((p.env.as_deref(), p.python.as_deref()), (Some("shared"), Some("3.12")));
        assert_eq!(p.extra_requirements, ["orjson>=3"]);
        assert_eq!(p.group_requirements, ["hypothesis", "ruff"]);
        assert_eq!(p.requirements().collect::<Vec<_>>(), ["numpy", "orjson>=3", "hypothesis", "ruff"]);
    }

    #[test]
    fn rejects_unknown_tool_keys_and_undeclared_extras_or_groups() {
        let typo = parse_str("[project]\nname = \"x\"\n[tool.monorepo]\nlayer = [\"http\"]\n").unwrap_err();
        assert!(typo.to_string().contains("unknown key `tool.monorepo.layer`"), "{typo}");
        let extra = parse_str("[project]\nname = \"x\"\n[tool.monorepo]\nextras = [\"gpu\"]\n").unwrap_err();
        assert!(extra.to_string().contains("`gpu`"), "{extra}");
        let group = parse_str("[project]\nname = \"x\"\n[tool.monorepo]\ngroups = [\"docs\"]\n").unwrap_err();
        assert!(group.to_string().contains("`docs`"), "{group}");
    }

    #[test]
    fn include_group_cycle_is_an_error() {
        let err = parse_str("[project]\nname = \"x\"\n[dependency-groups]\ntest = [{include-group = \"a\"}]\na = [{include-group = \"test\"}]\n").unwrap_err();
        assert!(err.to_string().contains("includes itself"), "{err}");
    }
}
