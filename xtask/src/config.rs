//! `_meta/monorepo.toml`: which folders are members, the Python and uv to use, the package
//! indexes, the layers.

use std::collections::BTreeMap;

use anyhow::Result;
use camino::Utf8Path;
use serde::Deserialize;

use crate::error::hinted;
/// The fixed paths, defined below `pyproject` (which names the config in its errors).
pub use crate::paths::{CONFIG_PATH, REQUIREMENTS_DIR, TOOLS_DIR, VENVS_DIR};
use crate::pyproject::{MemberSettings, Strings, TableOf, from_toml};

/// The uv version `cargo xtask` writes into a new config.
pub const DEFAULT_UV_VERSION: &str = "0.13.9";

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
    /// `index-url`: the package index that replaces the default one (PyPI), as uv's
    /// `--index-url` takes it. `None`: uv's default.
    pub index_url: Option<String>,
    /// `extra-index-url`: more indexes to search, after `index_url`, in this order.
    pub extra_index_url: Vec<String>,
    /// `find-links`: folders of wheels (relative to the repository root, or absolute) or
    /// URLs of pages that link to wheels, searched along with the indexes. As written.
    pub find_links: Vec<String>,
    /// `no-index`: ignore every index and resolve from `find_links` only (default false).
    pub no_index: bool,
    /// `exclude-newer`: a resolution cut-off: ignore distributions uploaded after it. As
    /// written in the file, checked to be an RFC 3339 timestamp (`2026-11-01T00:00:00Z`)
    /// or a date (`2026-11-01`).
    pub exclude_newer: Option<String>,
    /// `[member."DIR"]`: settings of the member in the folder DIR (relative to the root, with
    /// `/`). A folder declared here is a member even without a pyproject.toml or a match
    /// in `members`: a folder of tests, maybe with a requirements file.
    pub declared: BTreeMap<String, MemberSettings>,
    /// `default-groups`: the dependency groups every member's env installs (beside `test`)
    /// when its pyproject's `[tool.uv].default-groups` says none; `None`: uv's, `dev`.
    pub default_groups: Option<Vec<String>>,
    /// `env-inputs`: environment variables every suite reads (`NAME`, or `PREFIX_*`): a
    /// change of one reruns them. No other variable is an input of a suite.
    pub env_inputs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerConfig {
    pub name: String,
    pub extends: Vec<String>,
}

/// The file as written; [`parse`] checks what serde cannot and builds the [`Config`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    monorepo: Option<TableOf<MonorepoTable>>,
    /// By name; a `BTreeMap`, so in name order, whatever the file's order.
    #[serde(default)]
    layers: TableOf<BTreeMap<String, TableOf<LayerTable>>>,
    #[serde(default)]
    member: TableOf<BTreeMap<String, TableOf<MemberSettings>>>,
}

/// `[monorepo]`. Required keys are optional here so that a missing one gets a hint with an
/// example value rather than serde's "missing field".
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct MonorepoTable {
    #[serde(default)]
    members: Strings,
    #[serde(default)]
    exclude: Strings,
    python: Option<String>,
    uv: Option<String>,
    index_url: Option<String>,
    #[serde(default)]
    extra_index_url: Strings,
    #[serde(default)]
    find_links: Strings,
    #[serde(default)]
    no_index: bool,
    exclude_newer: Option<toml::Spanned<Cutoff>>,
    default_groups: Option<Strings>,
    #[serde(default)]
    env_inputs: Strings,
}

/// `exclude-newer` as text: a string, or a TOML date or offset date-time written bare
/// (`exclude-newer = 2026-11-01`), which reads the same.
struct Cutoff(String);

impl<'de> Deserialize<'de> for Cutoff {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(deserializer)? {
            toml::Value::String(text) => Ok(Cutoff(text)),
            toml::Value::Datetime(datetime) => Ok(Cutoff(datetime.to_string())),
            other => Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Other(other.type_str()),
                &"a date or an RFC 3339 timestamp",
            )),
        }
    }
}

/// `[layers.NAME]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LayerTable {
    #[serde(default)]
    extends: Strings,
}

/// The keys of `[monorepo]`, to tell a missing `[monorepo]` line from a misspelt key.
const MONOREPO_KEYS: &[&str] = &[
    "members",
    "exclude",
    "python",
    "uv",
    "index-url",
    "extra-index-url",
    "find-links",
    "no-index",
    "exclude-newer",
    "default-groups",
    "env-inputs",
];

pub fn parse(path: &Utf8Path, text: &str) -> Result<Config> {
    // `[monorepo]`'s keys at the top level: its header line is missing (or misspelt), and
    // that, not "unknown key", is what to say.
    if let Ok(doc) = text.parse::<toml::Table>()
        && !doc.contains_key("monorepo")
        && doc.keys().any(|k| MONOREPO_KEYS.contains(&k.as_str()))
    {
        let first = text
            .lines()
            .position(|l| {
                let key = l.split('=').next().unwrap_or_default().trim();
                l.contains('=') && MONOREPO_KEYS.contains(&key)
            })
            .map(|ix| format!(" (line {})", ix + 1))
            .unwrap_or_default();
        return Err(hinted(
            format!("{path} has no [monorepo] table: its keys are at the top level{first}"),
            "add a line `[monorepo]` above members, python and uv",
        ));
    }
    let file: ConfigFile = from_toml(path, text)?;
    let TableOf(monorepo) = file.monorepo.ok_or_else(|| {
        hinted(format!("{path} has no [monorepo] table"), "add [monorepo] with members, python and uv")
    })?;
    let members = monorepo.members.0;
    if members.is_empty() && file.member.0.is_empty() {
        return Err(hinted(
            format!("{path}: monorepo.members is empty"),
            "list the member folders, e.g. members = [\"projects/*\"]",
        ));
    }
    let required = |value: Option<String>, key: &str, example: &str| -> Result<String> {
        value.ok_or_else(|| {
            hinted(format!("{path}: monorepo.{key} is missing"), format!("add {key} = \"{example}\" under [monorepo]"))
        })
    };
    let python = required(monorepo.python, "python", "3.11")?;
    let uv = required(monorepo.uv, "uv", DEFAULT_UV_VERSION)?;
    if let Some(cutoff) = &monorepo.exclude_newer {
        let line = text[..cutoff.span().start].matches('\n').count() + 1;
        check_exclude_newer(path, &cutoff.get_ref().0, line)?;
    }
    let TableOf(layers) = file.layers;
    if layers.contains_key("base") {
        return Err(hinted(format!("{path}: [layers.base] is implicit"), "remove it: every env gets base"));
    }
    let layers =
        layers.into_iter().map(|(name, TableOf(layer))| LayerConfig { name, extends: layer.extends.0 }).collect();
    let mut declared = BTreeMap::new();
    for (dir, TableOf(settings)) in file.member.0 {
        let clean = dir.replace('\\', "/").trim_end_matches('/').trim_start_matches("./").to_owned();
        let leaves = clean.starts_with('/') || clean.split('/').any(|part| part == ".." || part.is_empty());
        if leaves || clean.contains(':') {
            return Err(hinted(
                format!("{path}: [member.\"{dir}\"] is not a folder inside the repository"),
                "name the folder relative to the root, with `/`: [member.\"tools/legacy\"]",
            ));
        }
        declared.insert(clean, settings);
    }
    Ok(Config {
        members,
        exclude: monorepo.exclude.0,
        python,
        uv,
        layers,
        index_url: monorepo.index_url,
        extra_index_url: monorepo.extra_index_url.0,
        find_links: monorepo.find_links.0,
        no_index: monorepo.no_index,
        exclude_newer: monorepo.exclude_newer.map(|cutoff| cutoff.into_inner().0),
        declared,
        default_groups: monorepo.default_groups.map(|g| g.0),
        env_inputs: monorepo.env_inputs.0,
    })
}

/// `exclude-newer` goes to uv as written: check its shape here, so a typo is an error that
/// names this file rather than one from uv about a command-line flag.
fn check_exclude_newer(path: &Utf8Path, value: &str, line: usize) -> Result<()> {
    if is_date(value) || is_timestamp(value) {
        return Ok(());
    }
    Err(hinted(
        format!(
            "{path}: `monorepo.exclude-newer` is `{value}`, neither an RFC 3339 timestamp nor a date (line {line})"
        ),
        format!(
            "in {path}, write a date (exclude-newer = \"2026-11-01\") or a UTC timestamp (exclude-newer = \"2026-11-01T00:00:00Z\")"
        ),
    ))
}

/// `YYYY-MM-DD`, with a month 01-12 and a day 01-31.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r).filter(|d| d.bytes().all(|c| c.is_ascii_digit())).and_then(|d| d.parse::<u32>().ok())
    };
    matches!((num(0..4), num(5..7), num(8..10)), (Some(_), Some(1..=12), Some(1..=31)))
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`, `T` or `t` or a space.
fn is_timestamp(s: &str) -> bool {
    let (Some(date), Some(sep), Some(rest)) = (s.get(..10), s.get(10..11), s.get(11..)) else {
        return false;
    };
    if !is_date(date) || !matches!(sep, "T" | "t" | " ") {
        return false;
    }
    let two = |t: &str, max: u32| {
        t.len() == 2 && t.bytes().all(|c| c.is_ascii_digit()) && t.parse::<u32>().is_ok_and(|n| n <= max)
    };
    let Some(time) = rest.get(..8) else { return false };
    let hms: Vec<&str> = time.split(':').collect();
    if !matches!(hms.as_slice(), [h, m, sec] if two(h, 23) && two(m, 59) && two(sec, 60)) {
        return false;
    }
    let mut zone = &rest[8..];
    if let Some(frac) = zone.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        zone = &frac[digits..];
    }
    match zone {
        "Z" | "z" => true,
        _ => {
            let (Some(sign), Some(offset)) = (zone.get(..1), zone.get(1..)) else { return false };
            matches!(sign, "+" | "-") && matches!(offset.split_once(':'), Some((h, m)) if two(h, 23) && two(m, 59))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::hint_of;

    const HEAD: &str = "[monorepo]\nmembers = [\"p/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n";

    fn parse_str(text: &str) -> Result<Config> {
        parse(Utf8Path::new("_meta/monorepo.toml"), text)
    }

    /// The message and the hint of a config that must fail.
    fn error(text: &str) -> (String, String) {
        let err = parse_str(text).unwrap_err();
        (format!("{err:#}"), hint_of(&err).unwrap_or_default().to_owned())
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
        assert_eq!((config.index_url, config.exclude_newer), (None, None), "the index settings are optional");
        assert!(config.extra_index_url.is_empty() && config.find_links.is_empty() && !config.no_index);
    }

    #[test]
    fn monorepo_keys_without_their_header_say_so() {
        let (message, hint) = error("# the config\nmembers = [\"p/*\"]\npython = \"3.11\"\n\n[layers.x]\n");
        assert_eq!(message, "_meta/monorepo.toml has no [monorepo] table: its keys are at the top level (line 2)");
        assert_eq!(hint, "add a line `[monorepo]` above members, python and uv");
        assert!(error("[layers.x]\n").0.contains("has no [monorepo] table"));
        assert!(
            error("[monorepo]\nmembers = [\"p/*\"]\npython = \"3.11\"\nuv = \"1\"\nfoo = 1\n")
                .0
                .contains("unknown key")
        );
    }

    #[test]
    fn reads_the_index_settings() {
        let config = parse_str(&format!(
            "{HEAD}index-url = \"https://pypi.example.org/simple\"\n\
             extra-index-url = [\"https://a.example.org/simple\", \"https://b.example.org/simple\"]\n\
             find-links = [\"_meta/wheels\", \"/opt/wheels\", \"https://example.org/wheels/\"]\n\
             no-index = true\nexclude-newer = \"2026-11-01T00:00:00Z\"\n"
        ))
        .unwrap();
        assert_eq!(config.index_url.as_deref(), Some("https://pypi.example.org/simple"));
        assert_eq!(config.extra_index_url, ["https://a.example.org/simple", "https://b.example.org/simple"]);
        assert_eq!(config.find_links, ["_meta/wheels", "/opt/wheels", "https://example.org/wheels/"]);
        assert!(config.no_index);
        assert_eq!(config.exclude_newer.as_deref(), Some("2026-11-01T00:00:00Z"));
    }

    #[test]
    fn exclude_newer_takes_a_date_or_an_rfc_3339_timestamp() {
        let cutoff = |value: &str| parse_str(&format!("{HEAD}exclude-newer = {value}\n")).map(|c| c.exclude_newer);
        for ok in ["2026-11-01", "2026-11-01T00:00:00Z", "2026-11-01t12:30:59.123+02:00", "2026-02-28 23:59:60-05:30"] {
            assert_eq!(cutoff(&format!("\"{ok}\"")).unwrap().as_deref(), Some(ok), "{ok}");
        }
        // Bare TOML dates and offset date-times read as their text.
        assert_eq!(cutoff("2026-11-01").unwrap().as_deref(), Some("2026-11-01"));
        assert_eq!(cutoff("2026-11-01T00:00:00Z").unwrap().as_deref(), Some("2026-11-01T00:00:00Z"));
        for bad in
            ["\"2026-13-01\"", "\"yesterday\"", "\"2026-11-01T00:00:00\"", "\"2026-11-1\"", "2026-11-01T00:00:00"]
        {
            let (message, hint) = error(&format!("{HEAD}exclude-newer = {bad}\n"));
            let shown = bad.trim_matches('"');
            assert_eq!(
                message,
                format!(
                    "_meta/monorepo.toml: `monorepo.exclude-newer` is `{shown}`, neither an RFC 3339 timestamp nor a date (line 5)"
                )
            );
            assert!(
                hint.starts_with("in _meta/monorepo.toml, write a date (exclude-newer = \"2026-11-01\")"),
                "{hint}"
            );
        }
        let (message, hint) = error(&format!("{HEAD}exclude-newer = 20261101\n"));
        assert_eq!(
            message,
            "_meta/monorepo.toml: `monorepo.exclude-newer` must be a date or an RFC 3339 timestamp, not integer (line 5)"
        );
        assert_eq!(hint, "write it as exclude-newer = \"2026-11-01\" or exclude-newer = \"2026-11-01T00:00:00Z\"");
    }

    #[test]
    fn an_unknown_key_is_named_in_full_with_the_closest_allowed_one() {
        let (message, hint) = error("[monorepo]\nmember = [\"p/*\"]\n");
        assert_eq!(message, "_meta/monorepo.toml: unknown key `monorepo.member` (line 2)");
        assert_eq!(
            hint,
            "did you mean `members`? the keys allowed in [monorepo] are: members, exclude, python, uv, index-url, \
             extra-index-url, find-links, no-index, exclude-newer, default-groups, env-inputs"
        );
        let (message, hint) = error(&format!("{HEAD}[layers.ml]\nextend = [\"http\"]\n"));
        assert_eq!(message, "_meta/monorepo.toml: unknown key `layers.ml.extend` (line 6)");
        assert_eq!(hint, "did you mean `extends`? the keys allowed in [layers.ml] are: extends");
        let (message, hint) = error(&format!("{HEAD}[layer.ml]\n"));
        assert_eq!(message, "_meta/monorepo.toml: unknown key `layer` (line 5)");
        assert_eq!(hint, "did you mean `layers`? the keys allowed at the top level are: monorepo, layers, member");
        let (message, hint) = error("monorepo = { members = [\"p/*\"], colour = \"blue\" }\n");
        assert_eq!(message, "_meta/monorepo.toml: unknown key `monorepo.colour` (line 1)");
        assert!(hint.starts_with("the keys allowed in [monorepo] are: members,"), "nothing close: {hint}");
        let (message, _) = error(&format!("{HEAD}extra.index-url = \"x\"\n"));
        assert_eq!(message, "_meta/monorepo.toml: unknown key `monorepo.extra` (line 5)", "a dotted key");
    }

    #[test]
    fn a_wrong_type_names_the_key_the_type_and_the_line() {
        let cases = [
            (
                "[monorepo]\nmembers = [\"p/*\"]\npython = 3.11\n",
                "`monorepo.python` must be a string, not floating point `3.11` (line 3)",
                "write it as python = \"...\"",
            ),
            (
                "[monorepo]\nmembers = \"p/*\"\n",
                "`monorepo.members` must be an array of strings, not string \"p/*\" (line 2)",
                "write it as members = [\"...\"]",
            ),
            (
                "[monorepo]\nmembers = [\n  \"p/*\",\n  3,\n]\n",
                "`monorepo.members` must be an array of strings, not integer `3` (line 4)",
                "write it as members = [\"...\"]",
            ),
            (
                &format!("{HEAD}no-index = \"yes\"\n"),
                "`monorepo.no-index` must be a boolean, not string \"yes\" (line 5)",
                "write it as no-index = true or no-index = false",
            ),
            (
                &format!("{HEAD}find-links = \"wheels\"\n"),
                "`monorepo.find-links` must be an array of strings, not string \"wheels\" (line 5)",
                "write it as find-links = [\"...\"]",
            ),
            (
                &format!("{HEAD}[layers]\nml = 3\n"),
                "`layers.ml` must be a table, not integer `3` (line 6)",
                "declare it as [layers.ml]",
            ),
            (
                &format!("layers = [\"ml\"]\n{HEAD}"),
                "`layers` must be a table, not an array (line 1)",
                "declare it as [layers]",
            ),
            (
                "monorepo = \"p/*\"\n",
                "`monorepo` must be a table, not string \"p/*\" (line 1)",
                "declare it as [monorepo]",
            ),
            // serde's structs would also take an array of their fields; a table is a table.
            (
                "monorepo = [[\"p/*\"]]\n",
                "`monorepo` must be a table, not an array (line 1)",
                "declare it as [monorepo]",
            ),
            (
                &format!("{HEAD}[layers]\nml = [[\"http\"]]\n"),
                "`layers.ml` must be a table, not an array (line 6)",
                "declare it as [layers.ml]",
            ),
        ];
        for (text, message, hint) in cases {
            assert_eq!(error(text), (format!("_meta/monorepo.toml: {message}"), hint.to_owned()), "{text}");
        }
    }

    #[test]
    fn a_syntax_error_names_the_file_and_the_line() {
        let (message, hint) = error("[monorepo]\nmembers = [\"p/*\"\npython = \"3.11\"\n");
        assert!(message.starts_with("_meta/monorepo.toml is not valid TOML:\nTOML parse error at line 3"), "{message}");
        assert_eq!(hint, "fix the syntax of _meta/monorepo.toml at the line shown");
    }

    #[test]
    fn rejects_unknown_keys_and_missing_fields() {
        let typo = parse_str("[monorepo]\nmember = [\"p/*\"]\n").unwrap_err();
        assert!(typo.to_string().contains("unknown key `monorepo.member`"), "{typo}");
        let no_python = error("[monorepo]\nmembers = [\"p/*\"]\nuv = \"0.13.9\"\n");
        assert_eq!(
            no_python,
            ("_meta/monorepo.toml: monorepo.python is missing".into(), "add python = \"3.11\" under [monorepo]".into())
        );
        let no_table = error("[layers.ml]\n");
        assert_eq!(no_table.0, "_meta/monorepo.toml has no [monorepo] table");
        let empty = error("[monorepo]\nmembers = []\npython = \"3.11\"\nuv = \"1\"\n");
        assert_eq!(empty.0, "_meta/monorepo.toml: monorepo.members is empty");
        let no_members = error("[monorepo]\npython = \"3.11\"\nuv = \"1\"\n");
        assert_eq!(no_members.0, "_meta/monorepo.toml: monorepo.members is empty");
        let base = error(&format!("{HEAD}[layers.base]\n"));
        assert_eq!(
            base,
            ("_meta/monorepo.toml: [layers.base] is implicit".into(), "remove it: every env gets base".into())
        );
    }
}
