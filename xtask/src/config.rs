//! `_meta/monorepo.toml`: which folders are members, the Python and uv to use, the layers.

use anyhow::Result;
use camino::Utf8Path;
use toml::{Table, Value};

use crate::error::hinted;
use crate::pyproject::{parse_toml, string_array};

pub const CONFIG_PATH: &str = "_meta/monorepo.toml";
pub const REQUIREMENTS_DIR: &str = "_meta/requirements";
/// Where shared envs keep their venvs (git-ignored); members get a `.venv` link to theirs.
pub const VENVS_DIR: &str = "_meta/venvs";
/// Where the pinned uv is bootstrapped when PATH has no uv at that version (git-ignored).
pub const TOOLS_DIR: &str = "_meta/.tools";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Globs, relative to the root, of folders holding a member's `pyproject.toml`.
    pub members: Vec<String>,
    /// Globs of folders that the member globs match but that are not members.
    pub exclude: Vec<String>,
    /// The interpreter request for venvs and locks, as uv takes it (`3.11`).
    pub python: String,
    /// The pinned uv version.
    pub uv: String,
    /// Opt-in layers, by name, with the layers each extends (base is implicit).
    pub layers: Vec<LayerConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerConfig {
    pub name: String,
    pub extends: Vec<String>,
}

pub fn parse(path: &Utf8Path, text: &str) -> Result<Config> {
    let doc = parse_toml(path, text)?;
    reject_unknown_keys(path, &doc, "", &["monorepo", "layers"])?;
    let monorepo = doc.get("monorepo").and_then(Value::as_table).ok_or_else(|| {
        hinted(format!("{path} has no [monorepo] table"), "add [monorepo] with members, python and uv")
    })?;
    reject_unknown_keys(path, monorepo, "monorepo.", &["members", "exclude", "python", "uv"])?;
    let members = string_array(path, monorepo.get("members"), "monorepo.members")?;
    if members.is_empty() {
        return Err(hinted(
            format!("{path}: monorepo.members is empty"),
            "list the member folders, e.g. members = [\"projects/*\"]",
        ));
    }
    let exclude = string_array(path, monorepo.get("exclude"), "monorepo.exclude")?;
    let required = |key: &str, example: &str| -> Result<String> {
        monorepo.get(key).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| {
            hinted(
                format!("{path}: monorepo.{key} is missing or not a string"),
                format!("add {key} = \"{example}\" under [monorepo]"),
            )
        })
    };
    let python = required("python", "3.11")?;
    let uv = required("uv", crate::uv::DEFAULT_VERSION)?;
    let mut layers = Vec::new();
    if let Some(table) = doc.get("layers") {
        let table = table
            .as_table()
            .ok_or_else(|| hinted(format!("{path}: `layers` must be a table"), "declare layers as [layers.NAME]"))?;
        for (name, layer) in table {
            let key = format!("layers.{name}");
            let layer = layer
                .as_table()
                .ok_or_else(|| hinted(format!("{path}: `{key}` must be a table"), format!("declare it as [{key}]")))?;
            reject_unknown_keys(path, layer, &format!("{key}."), &["extends"])?;
            if name == "base" {
                return Err(hinted(format!("{path}: [layers.base] is implicit"), "remove it: every env gets base"));
            }
            let extends = string_array(path, layer.get("extends"), &format!("{key}.extends"))?;
            layers.push(LayerConfig { name: name.clone(), extends });
        }
    }
    Ok(Config { members, exclude, python, uv, layers })
}

/// A misspelt key silently ignored is a bug report waiting to happen: name it instead.
fn reject_unknown_keys(path: &Utf8Path, table: &Table, prefix: &str, known: &[&str]) -> Result<()> {
    match table.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(hinted(
            format!("{path}: unknown key `{prefix}{key}`"),
            format!("the keys allowed here are: {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config> {
        parse(Utf8Path::new("_meta/monorepo.toml"), text)
    }

    #[test]
    fn reads_members_python_uv_and_layers() {
        let config = parse_str(
            r#"
            [monorepo]
            members = ["projects/*"]
            exclude = ["projects/old"]
            python = "3.11"
            uv = "0.13.9"
            [layers.http]
            [layers.ml]
            extends = ["http"]
            "#,
        )
        .unwrap();
        assert_eq!(config.members, ["projects/*"]);
        assert_eq!(config.exclude, ["projects/old"]);
        assert_eq!((config.python.as_str(), config.uv.as_str()), ("3.11", "0.13.9"));
        assert_eq!(
            config.layers,
            [
                LayerConfig { name: "http".into(), extends: vec![] },
                LayerConfig { name: "ml".into(), extends: vec!["http".into()] },
            ]
        );
    }

    #[test]
    fn rejects_unknown_keys_and_missing_fields() {
        let typo = parse_str("[monorepo]\nmember = [\"p/*\"]\n").unwrap_err();
        assert!(typo.to_string().contains("unknown key `monorepo.member`"), "{typo}");
        let no_python = parse_str("[monorepo]\nmembers = [\"p/*\"]\nuv = \"0.13.9\"\n").unwrap_err();
        assert!(no_python.to_string().contains("monorepo.python"), "{no_python}");
        let base =
            parse_str("[monorepo]\nmembers = [\"p/*\"]\npython = \"3.11\"\nuv = \"1\"\n[layers.base]\n").unwrap_err();
        assert!(base.to_string().contains("implicit"), "{base}");
    }
}
