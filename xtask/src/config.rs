//! `_meta/monorepo.toml`: which folders are members, the Python and uv to use, the package
//! indexes, the layers.

use std::collections::BTreeMap;

use anyhow::Result;
use camino::Utf8Path;
use serde_core::Deserialize;

use crate::error::hinted;
/// The fixed paths, defined below `pyproject` (which names the config in its errors).
pub use crate::paths::{CONFIG_PATH, REQUIREMENTS_DIR, TOOLS_DIR, VENVS_DIR};
use crate::pyproject::{MemberSettings, Strings, TableOf, from_toml};
use crate::{fsutil, pep508, shape};

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
    /// `remote-cache`: the URL of a shared result cache (Bazel's HTTP cache protocol).
    pub remote_cache: Option<String>,
    /// `index-packages`: package names that a folder in the repository declares (one left
    /// out by `exclude`, one that is not a member, an `install = false` member) but that
    /// members mean the package index's package of. Without it, such a requirement is an
    /// error: it would install whatever the index holds under a local name.
    pub index_packages: Vec<String>,
    /// `external-paths`: folders outside the repository (relative to the root, or absolute)
    /// that a member's `[tool.uv.sources]` may name by path. Any other path that leaves the
    /// repository is an error.
    pub external_paths: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerConfig {
    pub name: String,
    pub extends: Vec<String>,
}

/// The file as written; [`parse`] checks what serde cannot and builds the [`Config`].
struct ConfigFile {
    monorepo: Option<TableOf<MonorepoTable>>,
    /// By name; a `BTreeMap`, so in name order, whatever the file's order.
    layers: TableOf<BTreeMap<String, TableOf<LayerTable>>>,
    member: TableOf<BTreeMap<String, TableOf<MemberSettings>>>,
}

shape::deserialize_struct! { deny_unknown_fields ConfigFile {
    monorepo: "monorepo",
    layers: "layers" = default,
    member: "member" = default,
} }

/// `[monorepo]`. Required keys are optional here so that a missing one gets a hint with an
/// example value rather than serde's "missing field".
struct MonorepoTable {
    members: Strings,
    exclude: Strings,
    python: Option<String>,
    uv: Option<String>,
    index_url: Option<String>,
    extra_index_url: Strings,
    find_links: Strings,
    no_index: bool,
    exclude_newer: Option<toml::Spanned<Cutoff>>,
    default_groups: Option<Strings>,
    env_inputs: Strings,
    remote_cache: Option<String>,
    index_packages: Strings,
    external_paths: Strings,
}

shape::deserialize_struct! { deny_unknown_fields MonorepoTable {
    members: "members" = default,
    exclude: "exclude" = default,
    python: "python",
    uv: "uv",
    index_url: "index-url",
    extra_index_url: "extra-index-url" = default,
    find_links: "find-links" = default,
    no_index: "no-index" = default,
    exclude_newer: "exclude-newer",
    default_groups: "default-groups",
    env_inputs: "env-inputs" = default,
    remote_cache: "remote-cache",
    index_packages: "index-packages" = default,
    external_paths: "external-paths" = default,
} }

/// `exclude-newer` as text: a string, or a TOML date or offset date-time written bare
/// (`exclude-newer = 2026-11-01`), which reads the same.
struct Cutoff(String);

impl<'de> Deserialize<'de> for Cutoff {
    fn deserialize<D: serde_core::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(deserializer)? {
            toml::Value::String(text) => Ok(Cutoff(text)),
            toml::Value::Datetime(datetime) => Ok(Cutoff(datetime.to_string())),
            other => Err(serde_core::de::Error::invalid_type(
                serde_core::de::Unexpected::Other(other.type_str()),
                &"a date or an RFC 3339 timestamp",
            )),
        }
    }
}

/// `[layers.NAME]`.
struct LayerTable {
    extends: Strings,
}

shape::deserialize_struct! { deny_unknown_fields LayerTable { extends: "extends" = default } }

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
    "remote-cache",
    "index-packages",
    "external-paths",
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
    let mut written: BTreeMap<String, String> = BTreeMap::new();
    for (dir, TableOf(settings)) in file.member.0 {
        let clean = dir.replace('\\', "/").trim_end_matches('/').trim_start_matches("./").to_owned();
        // `.`: the root project, whose folder is the root (`""`, as members' folders are kept).
        let clean = if clean == "." { String::new() } else { clean };
        let leaves = dir.trim().is_empty()
            || !clean.is_empty()
                && (clean.starts_with('/') || clean.split('/').any(|part| part == ".." || part.is_empty()));
        if leaves || clean.contains(':') {
            return Err(hinted(
                format!("{path}: [member.\"{dir}\"] is not a folder inside the repository"),
                "name the folder relative to the root, with `/`: [member.\"tools/legacy\"]",
            ));
        }
        if let Some(other) = written.insert(clean.clone(), dir.clone()) {
            return Err(hinted(
                format!("{path}: [member.\"{other}\"] and [member.\"{dir}\"] name the same folder, {clean}"),
                format!("merge them into one [member.\"{clean}\"] table"),
            ));
        }
        declared.insert(clean, settings);
    }
    let config = Config {
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
        remote_cache: monorepo.remote_cache,
        index_packages: monorepo.index_packages.0,
        external_paths: monorepo.external_paths.0,
    };
    check(path, text, &config)?;
    Ok(config)
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

/// `YYYY-MM-DD`, a day that the month has (`2026-02-29` is none).
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r).filter(|d| d.bytes().all(|c| c.is_ascii_digit())).and_then(|d| d.parse::<u32>().ok())
    };
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return false,
    };
    (1..=days).contains(&day)
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

/// Where values are written in the config: the line of a key's value, or of one item of an
/// array, for messages. Read only on the error path.
struct Lines<'t> {
    text: &'t str,
}

impl Lines<'_> {
    /// ` (line N)` for the value at `keys` (its item `item` when it is an array), or nothing
    /// when it cannot be found.
    fn at(&self, keys: &[&str], item: Option<usize>) -> String {
        self.line(keys, item).map(|line| format!(" (line {line})")).unwrap_or_default()
    }

    fn line(&self, keys: &[&str], item: Option<usize>) -> Option<usize> {
        let doc = toml::de::DeTable::parse(self.text).ok()?;
        let mut table = doc.get_ref();
        let mut span = None;
        for (depth, key) in keys.iter().enumerate() {
            let (_, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *key)?;
            span = Some(value.span());
            match value.get_ref() {
                toml::de::DeValue::Table(inner) if depth + 1 < keys.len() => table = inner,
                toml::de::DeValue::Array(items) if depth + 1 == keys.len() => {
                    if let Some(found) = item.and_then(|ix| items.get(ix)) {
                        span = Some(found.span());
                    }
                }
                _ if depth + 1 < keys.len() => return None,
                _ => {}
            }
        }
        let start = span?.start.min(self.text.len());
        Some(self.text[..start].matches('\n').count() + 1)
    }
}

/// The dotted name of a key for messages: `monorepo.uv`, `member."tools/a".python`.
fn dotted(keys: &[&str]) -> String {
    let quote = |k: &&str| if pep508::is_valid_name(k) { (*k).to_owned() } else { format!("\"{k}\"") };
    keys.iter().map(quote).collect::<Vec<_>>().join(".")
}

/// Builds the errors of [`check`]: the file, the key, the value, the cause, the line and
/// the fix.
struct Checker<'a> {
    path: &'a Utf8Path,
    lines: Lines<'a>,
}

impl Checker<'_> {
    /// `PATH: `KEY` is `VALUE`, CAUSE (line N)`.
    fn value(&self, keys: &[&str], value: &str, cause: &str, hint: String) -> anyhow::Error {
        let at = self.lines.at(keys, None);
        hinted(format!("{}: `{}` is `{value}`, {cause}{at}", self.path, dotted(keys)), hint)
    }

    /// `PATH: `KEY` entry `VALUE` is CAUSE (line N)`, for item `ix` of an array.
    fn entry(&self, keys: &[&str], ix: usize, value: &str, cause: &str, hint: String) -> anyhow::Error {
        let at = self.lines.at(keys, Some(ix));
        hinted(format!("{}: `{}` entry `{value}` is {cause}{at}", self.path, dotted(keys)), hint)
    }

    /// An error for the first item of `items` listed a second time.
    fn unique(&self, keys: &[&str], items: &[String]) -> Result<()> {
        for (ix, item) in items.iter().enumerate() {
            if let Some(first) = items[..ix].iter().position(|earlier| earlier == item) {
                let (a, b) = (self.lines.line(keys, Some(first)), self.lines.line(keys, Some(ix)));
                let at = match (a, b) {
                    (Some(a), Some(b)) if a != b => format!(" (lines {a} and {b})"),
                    (Some(a), _) => format!(" (line {a})"),
                    _ => String::new(),
                };
                return Err(hinted(
                    format!("{}: `{}` lists `{item}` twice{at}", self.path, dotted(keys)),
                    format!("remove one of them from `{}` in {}", keys.last().unwrap_or(&""), self.path),
                ));
            }
        }
        Ok(())
    }

    /// Items that must not be empty strings.
    fn not_empty(&self, keys: &[&str], items: &[String], hint: &str) -> Result<()> {
        match items.iter().position(|item| item.trim().is_empty()) {
            Some(ix) => Err(self.entry(keys, ix, &items[ix], "empty", hint.to_owned())),
            None => Ok(()),
        }
    }
}

/// Why `value` is not a uv version as the pin needs it (`X.Y.Z`), if it is not one.
fn uv_version_problem(value: &str) -> Option<&'static str> {
    if value.trim().is_empty() {
        return Some("empty");
    }
    if value.trim() != value {
        return Some("with spaces around it");
    }
    if value.starts_with(['<', '>', '=', '~', '!', '^']) || value.contains(',') {
        return Some("a range, not the exact version the xtask bootstraps");
    }
    if value.starts_with(['v', 'V']) && value[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return Some("a version written with a `v`, which PyPI's uv releases do not have");
    }
    let parts: Vec<&str> = value.split('.').collect();
    let numbers = parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    match (numbers, parts.len()) {
        (true, 3) => None,
        (true, _) => Some("not an exact version: uv is pinned as major.minor.patch"),
        (false, _) => Some("not a version"),
    }
}

/// Why `value` is not a URL uv and pip read (http, https or file), if it is not one.
fn url_problem(value: &str) -> Option<String> {
    if value.trim().is_empty() {
        return Some("empty".to_owned());
    }
    let Some((scheme, rest)) = value.split_once("://") else {
        return Some("not a URL: it has no scheme (https://)".to_owned());
    };
    if value.chars().any(char::is_whitespace) {
        return Some("not a URL: it has spaces".to_owned());
    }
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https" | "file") {
        return Some(format!("a URL with the scheme `{scheme}`, which uv does not read (http, https or file)"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if scheme != "file" && host.split(':').next().unwrap_or("").is_empty() {
        return Some("a URL without a host".to_owned());
    }
    if scheme == "file" && rest.trim_start_matches('/').is_empty() {
        return Some("a file URL without a path".to_owned());
    }
    None
}

/// Why `value` is not an `env-inputs` pattern (`NAME`, or a prefix ending in `*`).
fn env_input_problem(value: &str) -> Option<&'static str> {
    if value == "*" {
        return Some("every variable: any change to the environment would rerun every suite");
    }
    let name = value.strip_suffix('*').unwrap_or(value);
    if name.contains('*') {
        return Some("a pattern with a `*` that is not at its end");
    }
    if !is_variable_name(name) {
        return Some("not the name of an environment variable (letters, digits and `_`, not starting with a digit)");
    }
    None
}

/// `NAME`: letters, digits and `_`, not starting with a digit.
fn is_variable_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

const PYTHON_FORMS: &str = "write a version (python = \"3.11\"), the path of an interpreter (python = \"/usr/bin/python3.11\") or its name on PATH (python = \"python3.11\")";
const ENV_INPUTS_FORM: &str =
    "list variable names (\"NO_DOCKER\") or prefixes ending in `*` (\"APP_*\"), as a suite's environment has them";

/// What serde cannot check: each value's meaning. Versions that are versions, URLs that are
/// URLs, names that are names, lists without repeats or empty entries, layers that extend
/// declared layers without a cycle; and the same for the `python`, `env-inputs` and
/// `environment` of each `[member."DIR"]`. Nothing here reads the file system.
fn check(path: &Utf8Path, text: &str, config: &Config) -> Result<()> {
    let c = Checker { path, lines: Lines { text } };
    let m = |key: &'static str| ["monorepo", key];

    c.not_empty(&m("members"), &config.members, "remove it, or write a glob of member folders, e.g. \"projects/*\"")?;
    c.unique(&m("members"), &config.members)?;
    c.not_empty(&m("exclude"), &config.exclude, "remove it, or write a glob of folders to leave out")?;
    c.unique(&m("exclude"), &config.exclude)?;

    if let Some(cause) = uv_version_problem(&config.uv) {
        let example = config.uv.trim().trim_start_matches(['v', 'V']);
        let example = if uv_version_problem(example).is_none() { example } else { DEFAULT_UV_VERSION };
        return Err(c.value(
            &m("uv"),
            &config.uv,
            cause,
            format!(
                "pin the exact uv release the xtask bootstraps into {TOOLS_DIR}/, like uv = \"{example}\" (uv's releases are on https://pypi.org/project/uv/#history)"
            ),
        ));
    }
    if let Err(cause) = crate::python::request_kind(&config.python) {
        return Err(c.value(&m("python"), &config.python, &cause, PYTHON_FORMS.to_owned()));
    }

    let urls = config.index_url.iter().map(|u| (m("index-url"), None, u));
    let extra = config.extra_index_url.iter().enumerate().map(|(ix, u)| (m("extra-index-url"), Some(ix), u));
    for (keys, ix, url) in urls.chain(extra) {
        if let Some(cause) = url_problem(url) {
            let example = if ix.is_some() {
                "extra-index-url = [\"https://download.pytorch.org/whl/cpu\"]"
            } else {
                "index-url = \"https://pypi.org/simple\""
            };
            let hint = format!("write the URL of a package index (http, https or file), like {example}");
            return Err(match ix {
                Some(ix) => c.entry(&keys, ix, url, &cause, hint),
                None => c.value(&keys, url, &cause, hint),
            });
        }
    }
    c.unique(&m("extra-index-url"), &config.extra_index_url)?;
    if let Some(url) = &config.remote_cache
        && let Some(cause) = match url.split_once("://").map(|(s, _)| s.to_ascii_lowercase()) {
            Some(scheme) if scheme != "http" && scheme != "https" => {
                Some(format!("a `{scheme}` URL: the remote cache is an HTTP server"))
            }
            _ => url_problem(url),
        }
    {
        let hint = "write the URL of an HTTP cache server (Bazel's protocol: nginx with WebDAV, bazel-remote), like remote-cache = \"https://cache.example.com/team\"";
        return Err(c.value(&m("remote-cache"), url, &cause, hint.to_owned()));
    }
    for (ix, link) in config.find_links.iter().enumerate() {
        let hint = "write a folder of wheels (relative to the repository root, or absolute) or a URL (http, https or file), like find-links = [\"_meta/wheels\"]";
        if link.trim().is_empty() {
            return Err(c.entry(&m("find-links"), ix, link, "empty", hint.to_owned()));
        }
        if let Some(cause) = link.contains("://").then(|| url_problem(link)).flatten() {
            return Err(c.entry(&m("find-links"), ix, link, &cause, hint.to_owned()));
        }
    }
    c.unique(&m("find-links"), &config.find_links)?;
    if config.no_index {
        let set = match (&config.index_url, config.extra_index_url.is_empty()) {
            (Some(_), _) => Some("index-url"),
            (None, false) => Some("extra-index-url"),
            (None, true) => None,
        };
        if let Some(key) = set {
            return Err(hinted(
                format!(
                    "{path}: `monorepo.{key}` is set, but `no-index = true` turns every index off{}",
                    c.lines.at(&m(key), None)
                ),
                format!(
                    "remove `{key}` to install from the find-links folders only, or remove `no-index = true` to use the index"
                ),
            ));
        }
    }

    if let Some(groups) = &config.default_groups {
        let hint =
            "a dependency group's name is letters, digits, `-`, `_` and `.`, like default-groups = [\"dev\", \"test\"]";
        if let Some(ix) = groups.iter().position(|g| !pep508::is_valid_name(g)) {
            let cause = if groups[ix].trim().is_empty() { "empty" } else { "not a valid group name" };
            return Err(c.entry(&m("default-groups"), ix, &groups[ix], cause, hint.to_owned()));
        }
        c.unique(&m("default-groups"), groups)?;
    }
    check_env_inputs(&c, &m("env-inputs"), &config.env_inputs)?;

    check_layers(&c, &config.layers)?;
    if config.declared.is_empty() {
        return Ok(());
    }
    check_member_tables(&c, text)
}

fn check_env_inputs(c: &Checker, keys: &[&str], patterns: &[String]) -> Result<()> {
    for (ix, pattern) in patterns.iter().enumerate() {
        if let Some(cause) = env_input_problem(pattern) {
            return Err(c.entry(keys, ix, pattern, cause, ENV_INPUTS_FORM.to_owned()));
        }
    }
    c.unique(keys, patterns)
}

/// Layer names that are file names, unique whatever their case (`Extra.in` and `extra.in`
/// are one file on macOS and Windows), `extends` naming declared layers, once, without a
/// cycle.
fn check_layers(c: &Checker, layers: &[LayerConfig]) -> Result<()> {
    let path = c.path;
    let mut seen: Vec<&str> = vec!["base"];
    for layer in layers {
        let name = layer.name.as_str();
        let at = c.lines.at(&["layers", name], None);
        if !pep508::is_valid_name(name) {
            return Err(hinted(
                format!("{path}: [layers.\"{name}\"]: `{name}` is not a valid layer name{at}"),
                format!(
                    "a layer is named after its file, {REQUIREMENTS_DIR}/NAME.in: use letters, digits, `-`, `_` and `.`, like [layers.http]"
                ),
            ));
        }
        if let Some(other) = seen.iter().find(|other| other.eq_ignore_ascii_case(name)) {
            return Err(hinted(
                format!("{path}: layers `{other}` and `{name}` differ only in case{at}"),
                format!(
                    "rename one: {REQUIREMENTS_DIR}/{other}.in and {REQUIREMENTS_DIR}/{name}.in are one file on macOS and Windows"
                ),
            ));
        }
        seen.push(name);
    }
    let names: Vec<&str> = std::iter::once("base").chain(layers.iter().map(|l| l.name.as_str())).collect();
    let mut deps = vec![Vec::new()];
    for layer in layers {
        let keys = ["layers", layer.name.as_str(), "extends"];
        let mut layer_deps = vec![0];
        for (ix, parent) in layer.extends.iter().enumerate() {
            let Some(found) = names.iter().position(|n| n == parent) else {
                let others = names.iter().copied().filter(|n| *n != layer.name);
                let guess = crate::suggest::closest(parent, others)
                    .map(|g| format!("did you mean `{g}`? "))
                    .unwrap_or_default();
                return Err(hinted(
                    format!(
                        "{path}: layer `{}` extends unknown layer `{parent}`{}",
                        layer.name,
                        c.lines.at(&keys, Some(ix))
                    ),
                    format!("{guess}declare [layers.{parent}] or remove it; known layers: {}", names.join(", ")),
                ));
            };
            layer_deps.push(found);
        }
        c.unique(&keys, &layer.extends)?;
        deps.push(layer_deps);
    }
    if let Err(cycle) = crate::graph::topo_order(&deps) {
        let shown: Vec<&str> = cycle.iter().map(|&i| names[i]).collect();
        let first = layers.iter().find(|l| l.name == shown[0]).map(|l| l.name.as_str()).unwrap_or_default();
        return Err(hinted(
            format!(
                "{path}: the layers extend each other in a cycle: {}{}",
                shown.join(" -> "),
                c.lines.at(&["layers", first, "extends"], None)
            ),
            "remove one of these `extends`",
        ));
    }
    Ok(())
}

/// The `python`, `env-inputs` and `environment` of each `[member."DIR"]`, read from the
/// text (the settings' fields are the pyproject reader's).
fn check_member_tables(c: &Checker, text: &str) -> Result<()> {
    let Ok(doc) = text.parse::<toml::Table>() else { return Ok(()) };
    let Some(toml::Value::Table(members)) = doc.get("member") else { return Ok(()) };
    for (dir, settings) in members {
        let Some(settings) = settings.as_table() else { continue };
        if let Some(python) = settings.get("python").and_then(toml::Value::as_str)
            && let Err(cause) = crate::python::request_kind(python)
        {
            return Err(c.value(&["member", dir, "python"], python, &cause, PYTHON_FORMS.to_owned()));
        }
        if let Some(toml::Value::Array(items)) = settings.get("env-inputs") {
            let patterns: Vec<String> = items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
            check_env_inputs(c, &["member", dir, "env-inputs"], &patterns)?;
        }
        if let Some(toml::Value::Table(environment)) = settings.get("environment")
            && let Some(name) = environment.keys().find(|name| !is_variable_name(name))
        {
            return Err(hinted(
                format!(
                    "{}: `{}` sets `{name}`, which is not the name of an environment variable{}",
                    c.path,
                    dotted(&["member", dir, "environment"]),
                    c.lines.at(&["member", dir, "environment"], None)
                ),
                "name variables with letters, digits and `_`, not starting with a digit: environment = { APP_MODE = \"test\" }",
            ));
        }
    }
    Ok(())
}

/// What the config names on this machine: each `find-links` folder exists (relative to
/// the root, or absolute; a `file://` URL's too), and an interpreter given by its path
/// (`python`, a `[member."DIR"]`'s `python`) is a file there.
fn check_paths(root: &Utf8Path, path: &Utf8Path, text: &str, config: &Config) -> Result<()> {
    let c = Checker { path, lines: Lines { text } };
    for (ix, link) in config.find_links.iter().enumerate() {
        let local = match link.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("file") => rest,
            Some(_) => continue,
            None => link.as_str(),
        };
        let resolved = fsutil::lexical(&root.join(local));
        let shown = if resolved.as_str() == local { String::new() } else { format!(" ({resolved})") };
        let cause = match std::fs::metadata(&resolved) {
            Ok(meta) if meta.is_dir() => continue,
            // A page of links, as pip and uv read one.
            Ok(_) if local.ends_with(".html") || local.ends_with(".htm") => continue,
            Ok(_) => format!("a file{shown}, not a folder of wheels"),
            Err(_) => format!("not a folder: {resolved} does not exist"),
        };
        return Err(c.entry(
            &["monorepo", "find-links"],
            ix,
            link,
            &cause,
            format!(
                "create the folder and put the wheels there, or fix the entry: a folder is relative to the repository root ({root}), or absolute"
            ),
        ));
    }
    let mut pythons = vec![(vec!["monorepo".to_owned(), "python".to_owned()], config.python.clone())];
    if !config.declared.is_empty()
        && let Ok(doc) = text.parse::<toml::Table>()
        && let Some(toml::Value::Table(members)) = doc.get("member")
    {
        for (dir, settings) in members {
            if let Some(python) = settings.get("python").and_then(toml::Value::as_str) {
                pythons.push((vec!["member".to_owned(), dir.clone(), "python".to_owned()], python.to_owned()));
            }
        }
    }
    for (keys, python) in pythons {
        if crate::python::request_kind(&python) != Ok(crate::python::Request::Path) {
            continue;
        }
        let resolved = fsutil::lexical(&root.join(python.replace('\\', "/")));
        let cause = match std::fs::metadata(&resolved) {
            Ok(meta) if !meta.is_dir() => continue,
            Ok(_) => format!("the path of an interpreter, but {resolved} is a folder"),
            Err(_) if resolved.as_str() == python => {
                "the path of an interpreter, but there is no file there".to_owned()
            }
            Err(_) => format!("the path of an interpreter, but {resolved} does not exist"),
        };
        let version = crate::python::version_in(&python).unwrap_or("3.11");
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        return Err(c.value(
            &keys,
            &python,
            &cause,
            format!(
                "install that interpreter there, or ask for a version instead: python = \"{version}\" (a relative path is relative to the repository root)"
            ),
        ));
    }
    Ok(())
}

/// [`parse`], then what the config names on this machine ([`check_paths`]): folders that
/// exist, interpreters given by path that are there. What `Workspace::load` reads with.
pub fn parse_at(root: &Utf8Path, path: &Utf8Path, text: &str) -> Result<Config> {
    let config = parse(path, text)?;
    check_paths(root, path, text, &config)?;
    Ok(config)
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
             exclude-newer = \"2026-11-01T00:00:00Z\"\n"
        ))
        .unwrap();
        assert_eq!(config.index_url.as_deref(), Some("https://pypi.example.org/simple"));
        assert_eq!(config.extra_index_url, ["https://a.example.org/simple", "https://b.example.org/simple"]);
        assert_eq!(config.find_links, ["_meta/wheels", "/opt/wheels", "https://example.org/wheels/"]);
        assert!(!config.no_index);
        assert!(parse_str(&format!("{HEAD}no-index = true\nfind-links = [\"w\"]\n")).unwrap().no_index);
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
             extra-index-url, find-links, no-index, exclude-newer, default-groups, env-inputs, remote-cache, \
             index-packages, external-paths"
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

    /// [`error`] of `HEAD` with `lines` appended (so their first line is line 5).
    fn error_with(lines: &str) -> (String, String) {
        error(&format!("{HEAD}{lines}"))
    }

    #[test]
    fn uv_is_an_exact_version() {
        for ok in ["0.13.9", "1.0.0", "0.10.12"] {
            assert_eq!(parse_str(&HEAD.replace("0.13.9", ok)).unwrap().uv, ok);
        }
        let cases = [
            ("latest", "not a version", "0.13.9"),
            ("0.13", "not an exact version: uv is pinned as major.minor.patch", "0.13.9"),
            ("0.13.9.1", "not an exact version: uv is pinned as major.minor.patch", "0.13.9"),
            (">=0.13.9", "a range, not the exact version the xtask bootstraps", "0.13.9"),
            ("v0.12.1", "a version written with a `v`, which PyPI's uv releases do not have", "0.12.1"),
            ("", "empty", "0.13.9"),
            (" 0.13.9", "with spaces around it", "0.13.9"),
        ];
        for (value, cause, example) in cases {
            let (message, hint) = error(&HEAD.replace("\"0.13.9\"", &format!("\"{value}\"")));
            assert_eq!(message, format!("_meta/monorepo.toml: `monorepo.uv` is `{value}`, {cause} (line 4)"));
            assert!(
                hint.starts_with(&format!(
                    "pin the exact uv release the xtask bootstraps into _meta/.tools/, like uv = \"{example}\""
                )),
                "{hint}"
            );
        }
    }

    #[test]
    fn python_is_a_version_a_path_or_a_name() {
        for ok in [
            "3.11",
            "3.12.4",
            "4.0",
            "python3.11",
            "python",
            "pypy3.10",
            "/usr/bin/python3.11",
            "C:\\Python311\\python.exe",
        ] {
            assert_eq!(parse_str(&HEAD.replace("\"3.11\"", &format!("{ok:?}"))).unwrap().python, ok, "{ok}");
        }
        let cases = [
            ("latest", "neither a version (3.11), the path of an interpreter, nor its name on PATH (python3.11)"),
            ("3", "not a version of the form major.minor (3.11) or major.minor.patch (3.11.7)"),
            ("3.11.x", "not a version of the form major.minor (3.11) or major.minor.patch (3.11.7)"),
            ("3..11", "not a version of the form major.minor (3.11) or major.minor.patch (3.11.7)"),
            (">=3.11", "a range, not a version: a range belongs in a project's requires-python"),
            ("2.7", "Python 2.7, which uv cannot make a venv for (it needs Python 3)"),
            ("python 3.11", "neither a version (3.11), the path of an interpreter, nor its name on PATH (python3.11)"),
            ("", "empty"),
        ];
        for (value, cause) in cases {
            let (message, hint) = error(&HEAD.replace("\"3.11\"", &format!("\"{value}\"")));
            assert_eq!(message, format!("_meta/monorepo.toml: `monorepo.python` is `{value}`, {cause} (line 3)"));
            assert!(hint.starts_with("write a version (python = \"3.11\"), the path of an interpreter"), "{hint}");
        }
    }

    #[test]
    fn index_urls_are_urls() {
        let cases = [
            ("not a url", "not a URL: it has no scheme (https://)"),
            ("pypi.org/simple", "not a URL: it has no scheme (https://)"),
            ("https://pypi.org/ simple", "not a URL: it has spaces"),
            ("ftp://mirror/simple", "a URL with the scheme `ftp`, which uv does not read (http, https or file)"),
            ("https:///simple", "a URL without a host"),
            ("https://user@:8080/simple", "a URL without a host"),
            ("file://", "a file URL without a path"),
            ("", "empty"),
        ];
        for (value, cause) in cases {
            let (message, hint) = error_with(&format!("index-url = \"{value}\"\n"));
            assert_eq!(message, format!("_meta/monorepo.toml: `monorepo.index-url` is `{value}`, {cause} (line 5)"));
            assert_eq!(
                hint,
                "write the URL of a package index (http, https or file), like index-url = \"https://pypi.org/simple\""
            );
        }
        let (message, hint) =
            error_with("extra-index-url = [\n  \"https://a.example/simple\",\n  \"a.example/simple\",\n]\n");
        assert_eq!(
            message,
            "_meta/monorepo.toml: `monorepo.extra-index-url` entry `a.example/simple` is not a URL: it has no scheme (https://) (line 7)"
        );
        assert!(hint.ends_with("like extra-index-url = [\"https://download.pytorch.org/whl/cpu\"]"), "{hint}");
        for ok in
            ["http://127.0.0.1:9/simple", "https://user:pw@host/simple", "file:///srv/index", "HTTPS://PYPI.ORG/simple"]
        {
            assert!(parse_str(&format!("{HEAD}index-url = \"{ok}\"\n")).is_ok(), "{ok}");
        }
    }

    #[test]
    fn no_index_with_an_index_is_a_contradiction() {
        let (message, hint) = error_with("index-url = \"https://x.example/simple\"\nno-index = true\n");
        assert_eq!(
            message,
            "_meta/monorepo.toml: `monorepo.index-url` is set, but `no-index = true` turns every index off (line 5)"
        );
        assert_eq!(
            hint,
            "remove `index-url` to install from the find-links folders only, or remove `no-index = true` to use the index"
        );
        let (message, _) = error_with("no-index = true\nextra-index-url = [\"https://x.example/simple\"]\n");
        assert!(message.starts_with("_meta/monorepo.toml: `monorepo.extra-index-url` is set"), "{message}");
        assert!(message.ends_with("(line 6)"), "{message}");
    }

    #[test]
    fn find_links_are_urls_or_paths_and_never_empty() {
        let (message, _) = error_with("find-links = [\"w\", \"\"]\n");
        assert_eq!(message, "_meta/monorepo.toml: `monorepo.find-links` entry `` is empty (line 5)");
        let (message, _) = error_with("find-links = [\"ftp://x/wheels\"]\n");
        assert_eq!(
            message,
            "_meta/monorepo.toml: `monorepo.find-links` entry `ftp://x/wheels` is a URL with the scheme `ftp`, which uv does not read (http, https or file) (line 5)"
        );
        // Folders exist or not on a machine: `parse_at` says, below.
        assert!(parse_str(&format!("{HEAD}find-links = [\"nowhere\"]\n")).is_ok());
    }

    #[test]
    fn a_list_names_each_entry_once() {
        let cases = [
            (
                "[monorepo]\nmembers = [\"p/*\",\n  \"p/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n",
                "`monorepo.members` lists `p/*` twice (lines 2 and 3)",
                "members",
            ),
            (
                &format!("{HEAD}exclude = [\"p/old\", \"p/old\"]\n") as &str,
                "`monorepo.exclude` lists `p/old` twice (line 5)",
                "exclude",
            ),
            (
                &format!("{HEAD}find-links = [\"w\", \"w\"]\n"),
                "`monorepo.find-links` lists `w` twice (line 5)",
                "find-links",
            ),
            (
                &format!("{HEAD}extra-index-url = [\"https://a/s\", \"https://a/s\"]\n"),
                "`monorepo.extra-index-url` lists `https://a/s` twice (line 5)",
                "extra-index-url",
            ),
            (
                &format!("{HEAD}default-groups = [\"dev\", \"dev\"]\n"),
                "`monorepo.default-groups` lists `dev` twice (line 5)",
                "default-groups",
            ),
            (
                &format!("{HEAD}env-inputs = [\"CI\", \"CI\"]\n"),
                "`monorepo.env-inputs` lists `CI` twice (line 5)",
                "env-inputs",
            ),
            (
                &format!("{HEAD}[layers.a]\n[layers.b]\nextends = [\"a\", \"a\"]\n"),
                "`layers.b.extends` lists `a` twice (line 7)",
                "extends",
            ),
        ];
        for (text, message, key) in cases {
            assert_eq!(
                error(text),
                (
                    format!("_meta/monorepo.toml: {message}"),
                    format!("remove one of them from `{key}` in _meta/monorepo.toml")
                )
            );
        }
        let (message, _) = error("[monorepo]\nmembers = [\"p/*\", \" \"]\npython = \"3.11\"\nuv = \"0.13.9\"\n");
        assert_eq!(message, "_meta/monorepo.toml: `monorepo.members` entry ` ` is empty (line 2)");
    }

    #[test]
    fn group_and_variable_names_are_names() {
        let (message, hint) = error_with("default-groups = [\"dev\", \"not a group\"]\n");
        assert_eq!(
            message,
            "_meta/monorepo.toml: `monorepo.default-groups` entry `not a group` is not a valid group name (line 5)"
        );
        assert!(hint.starts_with("a dependency group's name is letters, digits"), "{hint}");
        let cases = [
            (
                "NO DOCKER",
                "not the name of an environment variable (letters, digits and `_`, not starting with a digit)",
            ),
            ("1ST", "not the name of an environment variable (letters, digits and `_`, not starting with a digit)"),
            ("*", "every variable: any change to the environment would rerun every suite"),
            ("APP_*_X", "a pattern with a `*` that is not at its end"),
        ];
        for (value, cause) in cases {
            let (message, hint) = error_with(&format!("env-inputs = [\"{value}\"]\n"));
            assert_eq!(
                message,
                format!("_meta/monorepo.toml: `monorepo.env-inputs` entry `{value}` is {cause} (line 5)")
            );
            assert!(hint.starts_with("list variable names (\"NO_DOCKER\") or prefixes ending in `*`"), "{hint}");
        }
        assert!(
            parse_str(&format!("{HEAD}env-inputs = [\"NO_DOCKER\", \"APP_*\", \"_X1\"]\ndefault-groups = []\n"))
                .is_ok()
        );
    }

    #[test]
    fn layers_are_file_names_and_extend_declared_layers_without_a_cycle() {
        let (message, hint) = error_with("[layers.\"my layer\"]\n");
        assert_eq!(
            message,
            "_meta/monorepo.toml: [layers.\"my layer\"]: `my layer` is not a valid layer name (line 5)"
        );
        assert!(hint.starts_with("a layer is named after its file, _meta/requirements/NAME.in"), "{hint}");
        let (message, hint) = error_with("[layers.http]\n[layers.Http]\n");
        assert_eq!(message, "_meta/monorepo.toml: layers `Http` and `http` differ only in case (line 5)");
        assert!(hint.ends_with("are one file on macOS and Windows"), "{hint}");
        let (message, _) = error_with("[layers.Base]\n");
        assert_eq!(message, "_meta/monorepo.toml: layers `base` and `Base` differ only in case (line 5)");
        let (message, hint) = error_with("[layers.http]\n[layers.ml]\nextends = [\"htp\"]\n");
        assert_eq!(message, "_meta/monorepo.toml: layer `ml` extends unknown layer `htp` (line 7)");
        assert_eq!(hint, "did you mean `http`? declare [layers.htp] or remove it; known layers: base, http, ml");
        let (message, hint) = error_with("[layers.a]\nextends = [\"b\"]\n[layers.b]\nextends = [\"a\"]\n");
        assert_eq!(message, "_meta/monorepo.toml: the layers extend each other in a cycle: a -> b -> a (line 6)");
        assert_eq!(hint, "remove one of these `extends`");
    }

    #[test]
    fn member_tables_are_checked_like_the_rest() {
        let (message, hint) = error_with("[member.\"tools/a\"]\npython = \"latest\"\n");
        assert_eq!(
            message,
            "_meta/monorepo.toml: `member.\"tools/a\".python` is `latest`, neither a version (3.11), the path of an interpreter, nor its name on PATH (python3.11) (line 6)"
        );
        assert!(hint.starts_with("write a version (python = \"3.11\")"), "{hint}");
        let (message, _) = error_with("[member.\"tools/a\"]\nenv-inputs = [\"A B\"]\n");
        assert!(
            message.starts_with("_meta/monorepo.toml: `member.\"tools/a\".env-inputs` entry `A B` is not the name"),
            "{message}"
        );
        let (message, hint) = error_with("[member.\"tools/a\"]\nenvironment = { \"A B\" = \"x\" }\n");
        assert_eq!(
            message,
            "_meta/monorepo.toml: `member.\"tools/a\".environment` sets `A B`, which is not the name of an environment variable (line 6)"
        );
        assert!(hint.starts_with("name variables with letters, digits and `_`"), "{hint}");
        let (message, hint) = error_with("[member.\"tools/a\"]\n[member.\"./tools/a/\"]\n");
        assert_eq!(
            message,
            "_meta/monorepo.toml: [member.\"./tools/a/\"] and [member.\"tools/a\"] name the same folder, tools/a"
        );
        assert_eq!(hint, "merge them into one [member.\"tools/a\"] table");
    }

    #[test]
    fn a_date_is_one_the_month_has() {
        for ok in ["2024-02-29", "2000-02-29", "2026-04-30", "2026-12-31"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in ["2026-02-29", "1900-02-29", "2026-04-31", "2026-00-10", "2026-01-00", "2026-1-01"] {
            assert!(!is_date(bad), "{bad}");
        }
        assert!(!is_timestamp("2026-02-30T00:00:00Z"));
    }

    #[test]
    fn parse_at_finds_the_folders_and_interpreters_the_config_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("wheels")).unwrap();
        crate::fsutil::write_test_file(root, "links.html", "<a href='x.whl'>x</a>");
        crate::fsutil::write_test_file(root, "notes.txt", "");
        crate::fsutil::write_test_file(root, "bin/python3.12", "");
        let at = |text: &str| parse_at(root, Utf8Path::new("_meta/monorepo.toml"), text);
        let fails = |text: &str| {
            let err = at(text).unwrap_err();
            (format!("{err:#}"), hint_of(&err).unwrap_or_default().to_owned())
        };
        // Forward slashes: a Windows temp path's `\u` would be a TOML escape.
        let slashed = root.as_str().replace('\\', "/");
        let ok = format!(
            "{HEAD}find-links = [\"wheels\", \"./wheels/../wheels/\", \"file://{slashed}/wheels\", \"{slashed}/links.html\", \"https://x.example/w/\"]\n"
        );
        assert!(at(&ok).is_ok(), "{:#}", at(&ok).unwrap_err());
        let (message, hint) = fails(&format!("{HEAD}find-links = [\"wheels\", \"gone\"]\n"));
        assert_eq!(
            message,
            format!(
                "_meta/monorepo.toml: `monorepo.find-links` entry `gone` is not a folder: {} does not exist (line 5)",
                root.join("gone")
            )
        );
        assert_eq!(
            hint,
            format!(
                "create the folder and put the wheels there, or fix the entry: a folder is relative to the repository root ({root}), or absolute"
            )
        );
        let (message, _) = fails(&format!("{HEAD}find-links = [\"notes.txt\"]\n"));
        assert_eq!(
            message,
            format!(
                "_meta/monorepo.toml: `monorepo.find-links` entry `notes.txt` is a file ({}), not a folder of wheels (line 5)",
                root.join("notes.txt")
            )
        );
        // A unix path: Windows reads `/nowhere` relative to the current drive.
        #[cfg(unix)]
        {
            let (message, _) = fails(&format!("{HEAD}find-links = [\"file:///nowhere/wheels\"]\n"));
            assert!(
                message.contains("entry `file:///nowhere/wheels` is not a folder: /nowhere/wheels does not exist"),
                "{message}"
            );
        }

        let python = |value: &str| HEAD.replace("\"3.11\"", &format!("{value:?}"));
        assert!(at(&python("bin/python3.12")).is_ok());
        // An absolute unix path: on Windows it is relative to the current drive.
        #[cfg(unix)]
        {
            let (message, hint) = fails(&python("/nowhere/python3.12"));
            assert_eq!(
                message,
                "_meta/monorepo.toml: `monorepo.python` is `/nowhere/python3.12`, the path of an interpreter, but there is no file there (line 3)"
            );
            assert!(
                hint.starts_with("install that interpreter there, or ask for a version instead: python = \"3.12\""),
                "{hint}"
            );
        }
        let (message, _) = fails(&python("bin/python3.99"));
        // The full path, in the platform's separators.
        let named = message.contains(root.as_str());
        assert!(named && message.ends_with("python3.99 does not exist (line 3)"), "{message}");
        let (message, _) = fails(&python("./bin"));
        assert!(message.contains(root.as_str()) && message.ends_with("bin is a folder (line 3)"), "{message}");
        let (message, _) = fails(&format!("{HEAD}[member.\"tools/a\"]\npython = \"/nowhere/python\"\n"));
        assert!(
            message.starts_with("_meta/monorepo.toml: `member.\"tools/a\".python` is `/nowhere/python`"),
            "{message}"
        );
        assert!(message.ends_with("(line 6)"), "{message}");
    }
}
