//! Reading a member's `pyproject.toml` (PEP 621, PEP 735) and the names in PEP 508 requirements.
//!
//! Also the typed reading of TOML shared with `config.rs` ([`from_toml`]): each table's
//! shape is declared below its struct (`crate::shape`'s macros), and toml's and serde's
//! messages are turned into ours (the file, the line, the full dotted key, and the fix).

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use anyhow::Result;
use camino::Utf8Path;
use serde_core::Deserialize;
use serde_core::de::value::MapAccessDeserializer;
use serde_core::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

use crate::error::hinted;
use crate::pep440;
use crate::pep508::{is_requirement, is_valid_name, normalize};
use crate::shape;

/// What the xtask needs from a member's `pyproject.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pyproject {
    /// `[project].name`, PEP 503-normalised.
    pub package: String,
    /// `[project].dependencies`, as written.
    pub dependencies: Vec<String>,
    /// `[project].requires-python`, checked to allow at least one Python version.
    pub requires_python: Option<String>,
    /// The PEP 735 groups installed in the member's env (`test`, if it exists, and those
    /// named by `[tool.monorepo].groups`), `include-group`s expanded.
    pub group_requirements: Vec<String>,
    /// `[tool.monorepo].extras`: extras of the member installed in its env.
    pub extras: Vec<String>,
    /// The extras it declares (`[project.optional-dependencies]`'s keys, PEP 685-normalised),
    /// which a requirement on it may ask for; `None` while its build backend has not said
    /// (dynamic `optional-dependencies`, see [`crate::metadata`]).
    pub declared_extras: Option<Vec<String>>,
    /// The optional dependencies those extras bring.
    pub extra_requirements: Vec<String>,
    /// `[tool.monorepo].layers`: opt-in requirement layers (base is implicit).
    pub layers: Vec<String>,
    /// `[tool.monorepo].env`: the env shared with other members naming it.
    pub env: Option<String>,
    /// `[tool.monorepo].python`: an interpreter request overriding the config's.
    pub python: Option<String>,
    /// `[tool.monorepo].timeout`: seconds its suite may run before it is stopped.
    pub timeout: Option<u64>,
    /// `[tool.monorepo].name`: its name on the command line and in locks, instead of one
    /// taken from its path.
    pub name: Option<String>,
    /// How its suite runs: `[tool.monorepo]`'s test keys.
    pub tests: TestSettings,
    /// `install`: whether it is installed (editable) in its env; false for a member without
    /// a pyproject, or one whose pyproject does not build.
    pub install: bool,
    /// `[tool.uv.sources]`, by normalised package name.
    pub sources: Vec<(String, Source)>,
    /// `[project].dynamic`: what its build backend computes. Dynamic `dependencies` and
    /// `optional-dependencies` are filled in from the backend by [`crate::metadata`].
    pub dynamic: Vec<String>,
}

/// How a member's suite runs, from `[tool.monorepo]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestSettings {
    /// `pythonpath`: folders made importable (`PYTHONPATH`), relative to the member's folder
    /// (`../..` may be the root), as written.
    pub pythonpath: Vec<String>,
    /// `environment`: variables set for its suite.
    pub environment: BTreeMap<String, String>,
    /// `pytest-args`: given to pytest before the caller's.
    pub pytest_args: Vec<String>,
    /// `testpaths`: what pytest collects, relative to the member's folder; none: pytest's own
    /// choice (its config's `testpaths`, else the folder).
    pub testpaths: Vec<String>,
    /// `runner`: `python -m pytest` (the default: the member's folder is importable, as
    /// `python -m` makes it) or the venv's `pytest` script.
    pub runner: TestRunner,
    /// `inputs`: globs relative to the root of files outside the member's folder that its
    /// tests read: a change to one affects it, and its results are cached on them.
    pub inputs: Vec<String>,
    /// `env-inputs`: environment variables its suite reads (`NAME`, or `PREFIX_*`): a
    /// change of one reruns it. No other variable is an input.
    pub env_inputs: Vec<String>,
    /// `no-tests`: what a suite with no test files at all is.
    pub no_tests: NoTests,
}

/// What a suite with no test files at all is (a member may have none on purpose: a
/// library tested through its dependants). One with test files that collects nothing is a
/// failure whatever this says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NoTests {
    /// `no tests`, with a warning.
    #[default]
    Warn,
    /// `no tests`, expected: no warning.
    Pass,
    /// A failure.
    Fail,
}

shape::unit_enum! { NoTests { Warn = "warn", Pass = "pass", Fail = "fail" } }

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TestRunner {
    #[default]
    PythonModule,
    Script,
}

shape::unit_enum! { TestRunner { PythonModule = "python -m pytest", Script = "pytest" } }

impl Pyproject {
    /// Every requirement the member's env installs for it: runtime, extras, groups.
    pub fn requirements(&self) -> impl Iterator<Item = &str> {
        self.dependencies.iter().chain(&self.extra_requirements).chain(&self.group_requirements).map(String::as_str)
    }
}

/// The parts of a `pyproject.toml` the xtask reads. Other tables and keys belong to other
/// tools and are ignored; only `[tool.monorepo]` is ours, so only it denies unknown keys.
struct PyprojectFile {
    project: Option<TableOf<ProjectTable>>,
    tool: Option<TableOf<ToolTable>>,
    /// Kept as a table: its entries mix strings and `{include-group = "..."}` tables.
    dependency_groups: Option<Table>,
}

shape::deserialize_struct! { PyprojectFile {
    project: "project",
    tool: "tool",
    dependency_groups: "dependency-groups",
} }

struct ProjectTable {
    /// Optional here so that its absence gets our message rather than serde's.
    name: Option<String>,
    dynamic: Strings,
    dependencies: Strings,
    requires_python: Option<String>,
    optional_dependencies: TableOf<BTreeMap<String, Strings>>,
}

shape::deserialize_struct! { ProjectTable {
    name: "name",
    dynamic: "dynamic" = default,
    dependencies: "dependencies" = default,
    requires_python: "requires-python",
    optional_dependencies: "optional-dependencies" = default,
} }

struct ToolTable {
    monorepo: Option<TableOf<MemberSettings>>,
    uv: Option<TableOf<UvTable>>,
}

shape::deserialize_struct! { ToolTable { monorepo: "monorepo", uv: "uv" } }

/// The part of `[tool.uv]` that says what an env installs: `default-groups` (a list, or
/// `"all"`). Its other keys are uv's business.
#[derive(Default)]
struct UvTable {
    default_groups: Option<toml::Value>,
    sources: Option<Table>,
}

shape::deserialize_struct! { UvTable { default_groups: "default-groups", sources: "sources" } }

/// Where `[tool.uv.sources]` says a requirement comes from, for the kinds that name a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `{ path = "../prebuilt" }`: a folder, relative to the member's; `editable` as asked
    /// (uv's default for a folder source is editable here: it is the repository's code);
    /// `line`: where the path is written in the pyproject, when it can be told.
    Path { path: String, editable: bool, line: Option<usize> },
    /// `{ workspace = true }`: another member.
    Workspace,
    /// Any other kind (git, url, index): left to uv.
    Other,
}

/// `[tool.monorepo]` in a pyproject, or `[member."DIR"]` in the config: a member's own
/// settings.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct MemberSettings {
    layers: Strings,
    env: Option<NonEmpty>,
    python: Option<NonEmpty>,
    extras: Strings,
    groups: Strings,
    timeout: Option<Timeout>,
    name: Option<NonEmpty>,
    pythonpath: Strings,
    environment: BTreeMap<String, String>,
    pytest_args: Strings,
    testpaths: Strings,
    runner: TestRunner,
    inputs: Strings,
    env_inputs: Strings,
    no_tests: Option<NoTests>,
    /// Only for a member without a pyproject: its requirements file, relative to its folder.
    requirements: Option<NonEmpty>,
    /// `install = false`: a member whose pyproject does not build (or should not be
    /// installed): its requirements are installed, not itself; its tests run from its folder.
    install: Option<bool>,
}

shape::deserialize_struct! { deny_unknown_fields MemberSettings {
    layers: "layers" = default,
    env: "env",
    python: "python",
    extras: "extras" = default,
    groups: "groups" = default,
    timeout: "timeout",
    name: "name",
    pythonpath: "pythonpath" = default,
    environment: "environment" = default,
    pytest_args: "pytest-args" = default,
    testpaths: "testpaths" = default,
    runner: "runner" = default,
    inputs: "inputs" = default,
    env_inputs: "env-inputs" = default,
    no_tests: "no-tests",
    requirements: "requirements",
    install: "install",
} }

impl MemberSettings {
    /// These settings, with `fallback`'s where these set nothing.
    fn or(self, fallback: &MemberSettings) -> MemberSettings {
        let f = fallback.clone();
        let strings = |own: Strings, other: Strings| if own.0.is_empty() { other } else { own };
        MemberSettings {
            layers: strings(self.layers, f.layers),
            env: self.env.or(f.env),
            python: self.python.or(f.python),
            extras: strings(self.extras, f.extras),
            groups: strings(self.groups, f.groups),
            timeout: self.timeout.or(f.timeout),
            name: self.name.or(f.name),
            pythonpath: strings(self.pythonpath, f.pythonpath),
            environment: if self.environment.is_empty() { f.environment } else { self.environment },
            pytest_args: strings(self.pytest_args, f.pytest_args),
            testpaths: strings(self.testpaths, f.testpaths),
            runner: if self.runner == TestRunner::default() { f.runner } else { self.runner },
            inputs: strings(self.inputs, f.inputs),
            env_inputs: strings(self.env_inputs, f.env_inputs),
            no_tests: self.no_tests.or(f.no_tests),
            requirements: self.requirements.or(f.requirements),
            install: self.install.or(f.install),
        }
    }

    /// Whether the member is installed in its env (`install`, default true).
    pub fn install(&self) -> bool {
        self.install.unwrap_or(true)
    }

    /// The requirements file named, relative to the member's folder.
    pub fn requirements_file(&self) -> Option<&str> {
        self.requirements.as_ref().map(|r| r.0.as_str())
    }

    fn test_settings(&self) -> TestSettings {
        TestSettings {
            pythonpath: self.pythonpath.0.clone(),
            environment: self.environment.clone(),
            pytest_args: self.pytest_args.0.clone(),
            testpaths: self.testpaths.0.clone(),
            runner: self.runner,
            inputs: self.inputs.0.clone(),
            env_inputs: self.env_inputs.0.clone(),
            no_tests: self.no_tests.unwrap_or_default(),
        }
    }
}

/// A member without a pyproject (a folder of tests, maybe a requirements file), declared
/// as `[member."DIR"]` in the config: nothing to build or install, its env is its layers
/// and its requirements file. `dependencies` are that file's requirement lines (with what
/// it includes, read by [`crate::infile`]); one that names a member's package is a local
/// dependency like any other.
pub fn unit(settings: &MemberSettings, dependencies: Vec<String>) -> Result<Pyproject> {
    for (key, set) in [("extras", !settings.extras.0.is_empty()), ("groups", !settings.groups.0.is_empty())] {
        if set {
            return Err(hinted(
                format!("{}: a member without a pyproject has no {key}", crate::paths::CONFIG_PATH),
                format!("remove `{key}`, or give the member a pyproject.toml"),
            ));
        }
    }
    let dependencies = dependencies.into_iter().filter(|l| is_requirement(l)).collect();
    Ok(Pyproject {
        package: String::new(),
        dependencies,
        requires_python: None,
        group_requirements: Vec::new(),
        extras: Vec::new(),
        declared_extras: Some(Vec::new()),
        extra_requirements: Vec::new(),
        layers: settings.layers.0.clone(),
        env: settings.env.clone().map(|e| e.0),
        python: settings.python.clone().map(|p| p.0),
        timeout: settings.timeout.as_ref().map(|t| t.0),
        name: settings.name.clone().map(|n| n.0),
        tests: settings.test_settings(),
        install: false,
        sources: Vec::new(),
        dynamic: Vec::new(),
    })
}

/// Seconds, at least one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Timeout(u64);

/// An integer, then [`TryFrom`]: its error is a custom message (`#[serde(try_from = "i64")]`).
impl<'de> Deserialize<'de> for Timeout {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Timeout::try_from(i64::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}

impl TryFrom<i64> for Timeout {
    type Error = String;
    fn try_from(seconds: i64) -> std::result::Result<Timeout, String> {
        u64::try_from(seconds)
            .ok()
            .filter(|&s| s > 0)
            .map(Timeout)
            .ok_or_else(|| format!("timeout must be a whole number of seconds, at least 1, not {seconds}"))
    }
}

/// Parses TOML, naming the file and the line on error.
pub fn parse_toml(path: &Utf8Path, text: &str) -> Result<Table> {
    text.parse::<Table>().map_err(|err| syntax_error(path, &err))
}

fn syntax_error(path: &Utf8Path, err: &toml::de::Error) -> anyhow::Error {
    hinted(
        format!("{path} is not valid TOML:\n{}", err.to_string().trim_end()),
        format!("fix the syntax of {path} at the line shown"),
    )
}

pub fn parse(path: &Utf8Path, text: &str) -> Result<Pyproject> {
    parse_with(path, text, None)
}

/// [`parse`], with the config's `[member."DIR"]` settings where `[tool.monorepo]` sets none.
pub fn parse_with(path: &Utf8Path, text: &str, config: Option<&MemberSettings>) -> Result<Pyproject> {
    parse_in(path, text, config, None)
}

/// [`parse_with`], with the config's `default-groups` for the members whose pyproject does
/// not say its own (`[tool.uv].default-groups`); `None`: uv's default, `dev`.
pub fn parse_in(
    path: &Utf8Path,
    text: &str,
    config: Option<&MemberSettings>,
    default_groups: Option<&[String]>,
) -> Result<Pyproject> {
    let doc: PyprojectFile = from_toml(path, text)?;
    let TableOf(project) = doc.project.ok_or_else(|| {
        hinted(
            format!("{path} has no [project] table"),
            "declare the project the PEP 621 way: [project] with name, version and dependencies",
        )
    })?;
    let name = project
        .name
        .ok_or_else(|| hinted(format!("{path} has no [project].name"), "add `name = \"...\"` under [project]"))?;
    if !is_valid_name(&name) {
        return Err(hinted(
            format!("{path}: `{name}` is not a valid project name"),
            "use letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit",
        ));
    }
    let dependencies = project.dependencies.0;
    let requires_python = project.requires_python;
    if let Some(spec) = requires_python.as_deref().filter(|spec| !pep440::is_satisfiable(spec)) {
        return Err(hinted(
            format!("{path}: requires-python `{spec}` allows no Python version"),
            format!("fix `requires-python` in {path}: its bounds contradict each other (e.g. `>=3.11,<3.14`)"),
        ));
    }
    let (tool, uv) = match doc.tool {
        Some(TableOf(tool)) => {
            (tool.monorepo.map(|m| m.0).unwrap_or_default(), tool.uv.map(|u| u.0).unwrap_or_default())
        }
        None => (MemberSettings::default(), UvTable::default()),
    };
    if tool.requirements.is_some() {
        return Err(hinted(
            format!("{path}: tool.monorepo.requirements is for a member without a pyproject"),
            "list the project's requirements in [project].dependencies",
        ));
    }
    let tool = match config {
        Some(config) if config.requirements.is_some() => {
            return Err(hinted(
                format!(
                    "{}: [member] `requirements` is for a folder without a pyproject, and {path} is one",
                    crate::paths::CONFIG_PATH
                ),
                format!("list the requirements in {path}'s [project].dependencies"),
            ));
        }
        Some(config) => tool.or(config),
        None => tool,
    };
    let tests = tool.test_settings();
    let install = tool.install();
    let (layers, extras, mut groups) = (tool.layers.0, tool.extras.0, tool.groups.0);
    let declared = doc.dependency_groups.as_ref();
    // What uv installs by default (its `default-groups`: `dev` unless told), and `test`,
    // which the suites need; declared ones only. Then what [tool.monorepo].groups adds.
    let defaults: Vec<String> = match &uv.default_groups {
        Some(toml::Value::String(all)) if all == "all" => {
            declared.map(|d| d.keys().cloned().collect()).unwrap_or_default()
        }
        Some(toml::Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        Some(_) => {
            return Err(hinted(
                format!("{path}: tool.uv.default-groups is neither a list of groups nor \"all\""),
                "write default-groups = [\"dev\", ...] or default-groups = \"all\"",
            ));
        }
        None => default_groups.map(<[String]>::to_vec).unwrap_or_else(|| vec!["dev".to_owned()]),
    };
    let mut sources = Vec::new();
    for (name, value) in uv.sources.iter().flatten() {
        let source = match value {
            Value::Table(t) if t.get("workspace").and_then(Value::as_bool) == Some(true) => Source::Workspace,
            Value::Table(t) => match t.get("path").and_then(Value::as_str) {
                Some(path) => Source::Path {
                    path: path.to_owned(),
                    editable: t.get("editable").and_then(Value::as_bool).unwrap_or(true),
                    line: line_of_string(text, path),
                },
                None => Source::Other,
            },
            _ => Source::Other,
        };
        sources.push((normalize(name), source));
    }
    let mut implied: Vec<String> = Vec::new();
    for group in std::iter::once("test".to_owned()).chain(defaults) {
        if declared.is_some_and(|d| d.contains_key(&group)) && !implied.contains(&group) && !groups.contains(&group) {
            implied.push(group);
        }
    }
    groups.splice(0..0, implied);
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
    let mut extra_requirements = Vec::new();
    for extra in &extras {
        match project.optional_dependencies.0.get(extra) {
            Some(reqs) => extra_requirements.extend(reqs.0.iter().cloned()),
            // Its backend says which extras there are (`crate::metadata`).
            None if project.dynamic.0.iter().any(|d| d == "optional-dependencies") => {}
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
        if let Some(why) = crate::pep508::requirement_error(req) {
            let at = line_of_string(text, req).map(|line| format!(" (line {line})")).unwrap_or_default();
            // What is wrong with it as the cause, as uv says it.
            return Err(anyhow::anyhow!("{why}").context(crate::error::Hinted::new(
                format!("{path}: `{req}` is not a valid requirement{at}"),
                "write requirements the PEP 508 way, e.g. `numpy>=1.26`",
            )));
        }
    }
    let declared_extras = if project.dynamic.0.iter().any(|d| d == "optional-dependencies") {
        None
    } else {
        Some(project.optional_dependencies.0.keys().map(|e| normalize(e)).collect())
    };
    Ok(Pyproject {
        package: normalize(&name),
        dependencies,
        requires_python,
        group_requirements,
        extras,
        declared_extras,
        extra_requirements,
        layers,
        env: tool.env.map(|env| env.0),
        python: tool.python.map(|python| python.0),
        timeout: tool.timeout.map(|t| t.0),
        name: tool.name.map(|n| n.0),
        tests,
        install,
        sources,
        dynamic: project.dynamic.0,
    })
}

/// The line (from 1) of `text` where the TOML string `value` is first written, quoted
/// either way; `None` when it cannot be told (an escape, a multi-line string).
pub fn line_of_string(text: &str, value: &str) -> Option<usize> {
    let quoted = [format!("\"{value}\""), format!("'{value}'")];
    text.lines().position(|l| quoted.iter().any(|q| l.contains(q.as_str()))).map(|ix| ix + 1)
}

/// The extras a PEP 508 requirement asks for (`pkg[a, B]` gives `a`, `b`), PEP 685-normalised.
pub fn extras_of(req: &str) -> Vec<String> {
    let Some(name) = crate::pep508::requirement_name(req) else { return Vec::new() };
    let rest = req.trim_start()[name.len()..].trim_start();
    let Some((inside, _)) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) else { return Vec::new() };
    inside.split(',').map(str::trim).filter(|e| !e.is_empty()).map(normalize).collect()
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

/// Deserializes a TOML file into `T`, with errors in our terms: a syntax error names the
/// line (toml's snippet); an unknown key names its full dotted path, the closest allowed
/// key and every allowed one; a wrong type names the key, the type expected and the line.
pub(crate) fn from_toml<T: DeserializeOwned>(path: &Utf8Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|err| explain(path, text, &err))
}

/// Turns toml's error (serde's message and a span) into ours. Only on the error path, so
/// the spanned re-parse that finds the key costs nothing when the file is fine.
fn explain(path: &Utf8Path, text: &str, err: &toml::de::Error) -> anyhow::Error {
    let Ok(doc) = DeTable::parse(text) else {
        return syntax_error(path, err);
    };
    let span = err.span().unwrap_or(0..0);
    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
    let mut keys = Vec::new();
    let in_array = locate(doc.get_ref(), &span, &mut keys);
    let key = keys.join(".");
    let message = err.message();
    if let Some((unknown, allowed)) = unknown_field(message) {
        let table = match keys.split_last() {
            Some((_, [])) | None => "at the top level".to_owned(),
            Some((_, parent)) => format!("in [{}]", parent.join(".")),
        };
        let guess = crate::suggest::closest(unknown, allowed.iter().copied());
        let guess = guess.map(|g| format!("did you mean `{g}`? ")).unwrap_or_default();
        let allowed = if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") };
        return hinted(
            format!("{path}: unknown key `{key}` (line {line})"),
            format!("{guess}the keys allowed {table} are: {allowed}"),
        );
    }
    if let Some(field) = quoted_after(message, "missing field ") {
        let table = if key.is_empty() { "at the top level".to_owned() } else { format!("under [{key}]") };
        let full = if key.is_empty() { field.to_owned() } else { format!("{key}.{field}") };
        return hinted(format!("{path}: `{full}` is missing"), format!("add {field} = ... {table}"));
    }
    let expected = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|m| m.rsplit_once(", expected "));
    if let Some((found, expected)) = expected {
        let expected = match expected {
            "a string" if in_array => "an array of strings",
            "a map" => "a table",
            e if e.starts_with("struct ") => "a table",
            e => e,
        };
        let found = match found {
            "sequence" => "an array",
            "map" => "a table",
            found => found,
        };
        let last = keys.last().map_or("it", String::as_str);
        let hint = match expected {
            "a table" => format!("declare it as [{key}]"),
            "an array of strings" => format!("write it as {last} = [\"...\"]"),
            "a boolean" => format!("write it as {last} = true or {last} = false"),
            e if e.contains("timestamp") => {
                format!("write it as {last} = \"2026-11-01\" or {last} = \"2026-11-01T00:00:00Z\"")
            }
            e if e.contains("string") => format!("write it as {last} = \"...\""),
            _ => format!("fix `{key}` in {path}"),
        };
        return hinted(format!("{path}: `{key}` must be {expected}, not {found} (line {line})"), hint);
    }
    let at = if key.is_empty() { String::new() } else { format!(" `{key}`") };
    hinted(format!("{path}:{at} {message} (line {line})"), format!("fix line {line} of {path}"))
}

/// Pushes onto `keys` the dotted path of the innermost key whose name or value covers
/// `span`; true when `span` is an item inside an array value rather than the whole value.
/// A table's span is only its header, so every table is searched, not only covering ones.
fn locate(table: &DeTable<'_>, span: &Range<usize>, keys: &mut Vec<String>) -> bool {
    let covers = |outer: Range<usize>| outer.start <= span.start && span.end <= outer.end;
    for (key, value) in table {
        keys.push(key.get_ref().to_string());
        if covers(key.span()) {
            return false;
        }
        match value.get_ref() {
            DeValue::Table(inner) => {
                let depth = keys.len();
                let in_array = locate(inner, span, keys);
                if keys.len() > depth || covers(value.span()) {
                    return in_array;
                }
            }
            DeValue::Array(items) => {
                for item in items.iter() {
                    if let DeValue::Table(inner) = item.get_ref() {
                        let depth = keys.len();
                        let in_array = locate(inner, span, keys);
                        if keys.len() > depth {
                            return in_array;
                        }
                    }
                }
                if covers(value.span()) {
                    return value.span() != *span;
                }
            }
            _ if covers(value.span()) => return false,
            _ => {}
        }
        keys.pop();
    }
    false
}

/// serde's ``unknown field `x`, expected one of `a`, `b` `` (or `` expected `a` or `b` ``,
/// or ``there are no fields``): the unknown key and the allowed ones.
fn unknown_field(message: &str) -> Option<(&str, Vec<&str>)> {
    let unknown = quoted_after(message, "unknown field ")?;
    let rest = &message["unknown field ``".len() + unknown.len()..];
    Some((unknown, rest.split('`').skip(1).step_by(2).collect()))
}

/// The word in backticks right after `prefix` at the start of `message`.
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split_once('`').map(|(word, _)| word)
}

/// An array of strings: a field type whose wrong-type error says so (`Vec<String>`'s says
/// "a sequence", and its items' say "a string").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Strings(pub Vec<String>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringsVisitor;
        impl<'de> Visitor<'de> for StringsVisitor {
            type Value = Strings;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    out.push(item);
                }
                Ok(Strings(out))
            }
        }
        deserializer.deserialize_seq(StringsVisitor)
    }
}

/// A TOML table read as `T`, and only a table: a wrong type's message expects "a table".
/// (It kept serde_derive's structs from reading an array of their fields in order,
/// `monorepo = [["p/*"]]`; the structs of `crate::shape` read only maps anyway.)
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableOf<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for TableOf<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for TableVisitor<T> {
            type Value = TableOf<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TableOf<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(TableOf)
            }
        }
        deserializer.deserialize_map(TableVisitor(PhantomData))
    }
}

/// A string with something in it (an env or interpreter name).
#[derive(Debug, Clone, PartialEq, Eq)]
struct NonEmpty(String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NonEmptyVisitor;
        impl Visitor<'_> for NonEmptyVisitor {
            type Value = NonEmpty;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-empty string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<NonEmpty, E> {
                if s.trim().is_empty() {
                    return Err(E::invalid_value(Unexpected::Str(s), &self));
                }
                Ok(NonEmpty(s.to_owned()))
            }
        }
        deserializer.deserialize_str(NonEmptyVisitor)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Pyproject> {
        parse(Utf8Path::new("p/pyproject.toml"), text)
    }

    /// The message and the hint of a pyproject that must fail.
    fn error(text: &str) -> (String, String) {
        let err = parse_str(text).unwrap_err();
        (format!("{err:#}"), crate::error::hint_of(&err).unwrap_or_default().to_owned())
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
    fn rejects_missing_name_and_bad_requirements_and_records_what_is_dynamic() {
        assert!(format!("{:#}", parse_str("[project]\nversion = \"1\"\n").unwrap_err()).contains("no [project].name"));
        let dynamic = parse_str("[project]\nname = \"x\"\ndynamic = [\"dependencies\", \"version\"]\n").unwrap();
        assert!(crate::metadata::is_dynamic(&dynamic) && dynamic.dependencies.is_empty(), "{dynamic:?}");
        let bad = parse_str("[project]\nname = \"x\"\ndependencies = [\">=1\"]\n").unwrap_err();
        assert!(bad.to_string().contains("not a valid requirement"));
        let spaced =
            parse_str("[project]\nname = \"x\"\ndependencies = [\n  \"six\",\n  \"numpy 2\",\n]\n").unwrap_err();
        assert_eq!(spaced.to_string(), "p/pyproject.toml: `numpy 2` is not a valid requirement (line 5)");
        for good in ["numpy", "numpy>=2", "numpy [x] ; python_version >= '3.12'", "tiny @ file:///w/t.whl", "a (>=1)"] {
            assert!(is_requirement(good), "{good}");
        }
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

    #[test]
    fn an_unknown_tool_key_is_named_in_full_with_the_closest_allowed_one() {
        let (message, hint) = error("[project]\nname = \"x\"\n[tool.monorepo]\nlayer = [\"http\"]\n");
        assert_eq!(message, "p/pyproject.toml: unknown key `tool.monorepo.layer` (line 4)");
        assert_eq!(
            hint,
            "did you mean `layers`? the keys allowed in [tool.monorepo] are: layers, env, python, extras, groups, timeout, name, pythonpath, environment, pytest-args, testpaths, runner, inputs, env-inputs, no-tests, requirements, install"
        );
        let (message, hint) = error("[project]\nname = \"x\"\n[tool.monorepo]\nvenv = \"shared\"\n");
        assert_eq!(message, "p/pyproject.toml: unknown key `tool.monorepo.venv` (line 4)");
        assert!(hint.starts_with("did you mean `env`?"), "{hint}");
        let (message, _) = error("[project]\nname = \"x\"\n[tool]\nmonorepo.envs = \"a\"\n");
        assert_eq!(message, "p/pyproject.toml: unknown key `tool.monorepo.envs` (line 4)", "a dotted key");
    }

    #[test]
    fn installs_test_and_uvs_default_groups_as_uv_does() {
        let groups = |tool: &str, config: Option<&[String]>| {
            let text = format!(
                "[project]\nname = \"x\"\n[dependency-groups]\ntest = [\"t\"]\ndev = [\"d\"]\nlint = [\"l\"]\n{tool}"
            );
            parse_in(Utf8Path::new("p/pyproject.toml"), &text, None, config).unwrap().group_requirements
        };
        assert_eq!(groups("", None), ["t", "d"], "test, and uv's default: dev");
        assert_eq!(groups("[tool.uv]\ndefault-groups = [\"lint\"]\n", None), ["t", "l"], "uv's own setting");
        assert_eq!(groups("[tool.uv]\ndefault-groups = \"all\"\n", None), ["t", "d", "l"]);
        let for_all = ["lint".to_owned()];
        assert_eq!(groups("", Some(&for_all)), ["t", "l"], "the config's, for every member");
        assert_eq!(groups("[tool.monorepo]\ngroups = [\"lint\"]\n", None), ["t", "d", "l"], "and what it adds");
        let text = "[project]\nname = \"x\"\n[tool.uv]\ndefault-groups = 3\n";
        assert!(parse(Utf8Path::new("p/pyproject.toml"), text).is_err());
        let none = "[project]\nname = \"x\"\n";
        assert!(parse(Utf8Path::new("p/pyproject.toml"), none).unwrap().group_requirements.is_empty());
    }

    #[test]
    fn a_timeout_is_whole_seconds() {
        let text = "[project]\nname = \"x\"\n[tool.monorepo]\ntimeout = 90\n";
        assert_eq!(parse(Utf8Path::new("p/pyproject.toml"), text).unwrap().timeout, Some(90));
        let (message, _) = error("[project]\nname = \"x\"\n[tool.monorepo]\ntimeout = 0\n");
        assert!(message.contains("timeout must be a whole number of seconds, at least 1, not 0"), "{message}");
    }

    #[test]
    fn other_tools_and_other_project_keys_are_left_alone() {
        let p = parse_str(
            "[build-system]\nrequires = [\"hatchling\"]\n[project]\nname = \"x\"\nversion = \"1\"\nreadme = \"README.md\"\n\
             [tool.ruff]\nline-length = 120\n[tool.monorepo]\nenv = \"shared\"\n",
        )
        .unwrap();
        assert_eq!((p.package.as_str(), p.env.as_deref()), ("x", Some("shared")));
    }

    #[test]
    fn a_wrong_type_names_the_key_the_type_and_the_line() {
        let cases = [
            (
                "[project]\nname = 3\n",
                "`project.name` must be a string, not integer `3` (line 2)",
                "write it as name = \"...\"",
            ),
            (
                "[project]\nname = \"x\"\ndependencies = \"numpy\"\n",
                "`project.dependencies` must be an array of strings, not string \"numpy\" (line 3)",
                "write it as dependencies = [\"...\"]",
            ),
            (
                "[project]\nname = \"x\"\n[project.optional-dependencies]\nfast = [1]\n",
                "`project.optional-dependencies.fast` must be an array of strings, not integer `1` (line 4)",
                "write it as fast = [\"...\"]",
            ),
            (
                "[project]\nname = \"x\"\nrequires-python = 3.11\n",
                "`project.requires-python` must be a string, not floating point `3.11` (line 3)",
                "write it as requires-python = \"...\"",
            ),
            (
                "[project]\nname = \"x\"\n[tool.monorepo]\nenv = \" \"\n",
                "`tool.monorepo.env` must be a non-empty string, not string \" \" (line 4)",
                "write it as env = \"...\"",
            ),
            (
                "[project]\nname = \"x\"\n[tool.monorepo]\npython = 3.12\n",
                "`tool.monorepo.python` must be a non-empty string, not floating point `3.12` (line 4)",
                "write it as python = \"...\"",
            ),
            (
                "[project]\nname = \"x\"\n[tool.monorepo]\nlayers = \"http\"\n",
                "`tool.monorepo.layers` must be an array of strings, not string \"http\" (line 4)",
                "write it as layers = [\"...\"]",
            ),
            (
                "[project]\nname = \"x\"\n[tool]\nmonorepo = [\"http\"]\n",
                "`tool.monorepo` must be a table, not an array (line 4)",
                "declare it as [tool.monorepo]",
            ),
            ("project = \"x\"\n", "`project` must be a table, not string \"x\" (line 1)", "declare it as [project]"),
        ];
        for (text, message, hint) in cases {
            assert_eq!(error(text), (format!("p/pyproject.toml: {message}"), hint.to_owned()), "{text}");
        }
    }

    #[test]
    fn an_impossible_requires_python_is_an_error_naming_the_file() {
        for spec in [">=3.12,<3.11", "<3.0,>=3.5"] {
            let (message, hint) = error(&format!("[project]\nname = \"x\"\nrequires-python = \"{spec}\"\n"));
            assert_eq!(message, format!("p/pyproject.toml: requires-python `{spec}` allows no Python version"));
            assert_eq!(
                hint,
                "fix `requires-python` in p/pyproject.toml: its bounds contradict each other (e.g. `>=3.11,<3.14`)"
            );
        }
        let unreadable = parse_str("[project]\nname = \"x\"\nrequires-python = \">=banana\"\n").unwrap();
        assert_eq!(unreadable.requires_python.as_deref(), Some(">=banana"), "unreadable: left to uv, as before");
    }

    #[test]
    fn reads_serde_messages_of_unknown_fields() {
        // Pins the serde wording `explain` reads, so that a change of it fails here.
        let one = "unknown field `x`, expected `extends`";
        let two = "unknown field `x`, expected `monorepo` or `layers`";
        let many = "unknown field `member`, expected one of `members`, `exclude`, `python`";
        assert_eq!(unknown_field(one), Some(("x", vec!["extends"])));
        assert_eq!(unknown_field(two), Some(("x", vec!["monorepo", "layers"])));
        assert_eq!(unknown_field(many), Some(("member", vec!["members", "exclude", "python"])));
        assert_eq!(unknown_field("unknown field `x`, there are no fields"), Some(("x", vec![])));
        assert_eq!(unknown_field("missing field `python`"), None);
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Two {
            monorepo: Option<String>,
            layers: Option<String>,
        }
        shape::deserialize_struct! { deny_unknown_fields Two { monorepo: "monorepo", layers: "layers" } }
        let err = toml::from_str::<Two>("x = 1\n").unwrap_err();
        assert_eq!(err.message(), two);
        assert_eq!(err.span(), Some(0..1));
    }
}
