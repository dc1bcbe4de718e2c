//! Editing requirement lists in place, for `add`, `remove` and `new`: a pyproject's
//! `[project].dependencies` or a PEP 735 group and the config's `members` (with toml_edit,
//! so every byte outside the edited array stays as written), and a layer's `.in` file (as
//! lines). Pure functions of text: the commands read, write and put files back.

use anyhow::Result;
use camino::Utf8Path;
use toml_edit::{Array, DocumentMut, Item, Table, TableLike, Value};

use crate::error::hinted;
use crate::pep440::Version;
use crate::pep508::{normalize, requirement_name};

/// Which list of a pyproject an edit is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List<'a> {
    /// `[project].dependencies`.
    Dependencies,
    /// `[dependency-groups].<name>` (PEP 735).
    Group(&'a str),
}

impl List<'_> {
    /// Where in the file, for messages: `[project].dependencies`.
    pub fn describe(&self) -> String {
        match self {
            List::Dependencies => "[project].dependencies".to_owned(),
            List::Group(group) => format!("[dependency-groups].{group}"),
        }
    }
}

/// What an edit did to one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(String),
    /// The package was listed: its entry is replaced where it stood.
    Replaced {
        old: String,
        new: String,
    },
    /// Listed exactly so already.
    Unchanged(String),
    Removed(String),
}

/// An edited file's new text and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub text: String,
    pub changes: Vec<Change>,
}

impl Edited {
    /// Whether the text is different from what it was.
    pub fn changed(&self) -> bool {
        self.changes.iter().any(|c| !matches!(c, Change::Unchanged(_)))
    }
}

/// Why `req` is not a PEP 508 requirement we would write into a file, or `None` when it is
/// one. Not a full parser (uv is one), but it refuses what would only fail in the resolver,
/// or worse, mean something else (a `#` that starts a comment in a `.in` file).
pub fn invalid_requirement(req: &str) -> Option<String> {
    let req = req.trim();
    if req.is_empty() {
        return Some("it is empty".to_owned());
    }
    if req.chars().any(char::is_control) {
        return Some("it holds a line break or a control character".to_owned());
    }
    if req.starts_with('-') {
        return Some(
            "it is an option, not a requirement (edit a layer's .in by hand for `-r` or `-e` lines)".to_owned(),
        );
    }
    if req.starts_with(['.', '/', '~']) || (req.contains("://") && !req.contains('@')) {
        return Some("a path or a URL needs a package name: `name @ file:///path/to/it`".to_owned());
    }
    let Some(name) = requirement_name(req) else {
        return Some("it does not start with a package name".to_owned());
    };
    let mut rest = req[name.len()..].trim_start();
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return Some(format!("a version needs an operator: `{name}=={rest}` or `{name}>={rest}`"));
    }
    if let Some(after) = rest.strip_prefix('[') {
        let Some((extras, after)) = after.split_once(']') else {
            return Some("its extras are not closed with `]`".to_owned());
        };
        if let Some(bad) = extras.split(',').map(str::trim).find(|e| requirement_name(e) != Some(*e)) {
            return Some(format!("`{bad}` is not an extra's name"));
        }
        rest = after.trim_start();
    }
    if let Some(url) = rest.strip_prefix('@') {
        // `name @ URL ; marker`: the marker is after a space, as a URL may hold `;`.
        let (url, marker) = match url.split_once(" ;") {
            Some((url, marker)) => (url.trim(), Some(marker)),
            None => (url.trim(), None),
        };
        if url.is_empty() || url.contains(char::is_whitespace) || !url.contains(':') {
            return Some(format!("`{url}` is not a URL (`name @ https://...` or `name @ file:///...`)"));
        }
        return marker.and_then(invalid_marker);
    }
    if rest.contains('#') {
        return Some("a `#` starts a comment in a requirements file".to_owned());
    }
    let (specifiers, marker) = match rest.split_once(';') {
        Some((specifiers, marker)) => (specifiers, Some(marker)),
        None => (rest, None),
    };
    let specifiers = specifiers.trim();
    let specifiers = match specifiers.strip_prefix('(') {
        Some(inner) => match inner.strip_suffix(')') {
            Some(inner) => inner,
            None => return Some("its `(` is not closed".to_owned()),
        },
        None => specifiers,
    };
    if !specifiers.trim().is_empty() {
        for clause in specifiers.split(',').map(str::trim) {
            if let Some(why) = invalid_clause(clause) {
                return Some(why);
            }
        }
    }
    marker.and_then(invalid_marker)
}

/// One version clause (`>=1.26`), or why it is not one.
fn invalid_clause(clause: &str) -> Option<String> {
    const OPERATORS: &[&str] = &["===", "~=", "==", "!=", "<=", ">=", "<", ">"];
    let Some(op) = OPERATORS.iter().find(|op| clause.starts_with(**op)) else {
        return Some(format!("`{clause}` is not a version clause (`>=1.0`, `==2.*`, `<3`)"));
    };
    let version = clause[op.len()..].trim();
    if version.is_empty() {
        return Some(format!("`{op}` needs a version"));
    }
    if *op == "===" {
        return None; // arbitrary equality: any string
    }
    let wildcard = matches!(*op, "==" | "!=");
    let bare = if wildcard { version.strip_suffix(".*").unwrap_or(version) } else { version };
    if Version::parse(bare).is_none() || bare.starts_with('v') {
        return Some(format!("`{version}` is not a version"));
    }
    None
}

/// A marker after `;`: not empty, its quotes and brackets closed.
fn invalid_marker(marker: &str) -> Option<String> {
    let marker = marker.trim();
    if marker.is_empty() {
        return Some("nothing follows its `;` (a marker such as `python_version >= '3.12'`)".to_owned());
    }
    let mut depth = 0i32;
    let mut quote = None;
    for c in marker.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            break;
        }
    }
    (quote.is_some() || depth != 0).then(|| format!("its marker `{marker}` has an unclosed quote or bracket"))
}

/// Adds `reqs` to `list` of the pyproject `text` (at `path`, named in errors): a package
/// already listed has its entry replaced where it stands, a new one goes at the end. A
/// missing `dependencies` key, `[dependency-groups]` table or group is created.
pub fn add_to_pyproject(path: &Utf8Path, text: &str, list: List, reqs: &[String]) -> Result<Edited> {
    let (mut doc, layout) = parse(path, text)?;
    let array = array_of(path, &mut doc, list, true)?.expect("created when missing");
    let mut changes = Vec::new();
    for req in reqs {
        let name = normalize(requirement_name(req).unwrap_or(req));
        let listed = positions(array, &name);
        match listed.as_slice() {
            [] => {
                push(array, Value::from(req.as_str()));
                changes.push(Change::Added(req.clone()));
            }
            [at] => {
                let old = array.get(*at).and_then(Value::as_str).unwrap_or_default().to_owned();
                if old == *req {
                    changes.push(Change::Unchanged(req.clone()));
                } else {
                    array.replace(*at, req.as_str()); // keeps the entry's decor
                    changes.push(Change::Replaced { old, new: req.clone() });
                }
            }
            _ => {
                return Err(hinted(
                    format!("{path}: `{name}` is listed {} times in {}", listed.len(), list.describe()),
                    format!("edit {path} by hand: which of its entries to replace is yours to say"),
                ));
            }
        }
    }
    Ok(Edited { text: layout.render(&doc), changes })
}

/// Removes every entry of each package in `packages` from `list` of the pyproject `text`.
/// A package that is not listed is an error naming the file and what is listed.
pub fn remove_from_pyproject(path: &Utf8Path, text: &str, list: List, packages: &[String]) -> Result<Edited> {
    let (mut doc, layout) = parse(path, text)?;
    let Some(array) = array_of(path, &mut doc, list, false)? else {
        let what = match list {
            List::Dependencies => format!("{path} has no {}", list.describe()),
            List::Group(group) => format!("{path} has no dependency group `{group}`"),
        };
        let hint = match list {
            List::Group(_) => format!("its groups are: {}", or_none(&group_names(&doc))),
            List::Dependencies => "nothing is listed there to remove".to_owned(),
        };
        return Err(hinted(what, hint));
    };
    let mut changes = Vec::new();
    for package in packages {
        let name = normalize(package);
        let listed = positions(array, &name);
        if listed.is_empty() {
            return Err(not_listed(path, Some(&list.describe()), package, &entries(array)));
        }
        for &at in listed.iter().rev() {
            let removed = array.get(at).and_then(Value::as_str).unwrap_or_default().to_owned();
            remove(array, at);
            changes.push(Change::Removed(removed));
        }
    }
    Ok(Edited { text: layout.render(&doc), changes })
}

/// Adds `dir` to the `members` of the config `text` (at `path`): in sorted position when
/// the list is sorted, else at the end; created when missing.
pub fn add_member_dir(path: &Utf8Path, text: &str, dir: &str) -> Result<String> {
    let (mut doc, layout) = parse(path, text)?;
    let monorepo = doc
        .get_mut("monorepo")
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| hinted(format!("{path} has no [monorepo] table"), format!("add [monorepo] to {path}")))?;
    let item = monorepo.entry("members").or_insert(Item::Value(Value::Array(Array::new())));
    let array = item.as_array_mut().ok_or_else(|| {
        hinted(format!("{path}: `members` is not an array"), "write it as members = [\"projects/*\"]")
    })?;
    let written: Vec<String> = array.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    let sorted = written.windows(2).all(|w| w[0] <= w[1]);
    let at =
        if sorted { written.iter().position(|w| w.as_str() > dir).unwrap_or(written.len()) } else { written.len() };
    insert(array, at, Value::from(dir));
    Ok(layout.render(&doc))
}

/// Adds `reqs` to the `.in` file `text` (at `path`): a package already on a line has that
/// line replaced (its comment kept), a new one is a line at the end. Every other line,
/// comment and line ending stays as written.
pub fn add_to_infile(path: &Utf8Path, text: &str, reqs: &[String]) -> Result<Edited> {
    let mut lines = physical_lines(text);
    let nl = newline(text);
    let mut changes = Vec::new();
    for req in reqs {
        let name = normalize(requirement_name(req).unwrap_or(req));
        let entries = infile_entries(&lines);
        let listed: Vec<&InEntry> = entries.iter().filter(|e| e.name == name).collect();
        match listed.as_slice() {
            [] => {
                if lines.last().is_some_and(|l| !l.ends_with('\n')) {
                    lines.last_mut().expect("checked").push_str(nl);
                }
                lines.push(format!("{req}{nl}"));
                changes.push(Change::Added(req.clone()));
            }
            [entry] if entry.requirement == *req => changes.push(Change::Unchanged(req.clone())),
            [entry] => {
                let last = &lines[entry.last];
                let (body, ending) = split_ending(last);
                let comment = &body[comment_start(body).unwrap_or(body.len())..];
                let replaced = format!("{req}{comment}{ending}");
                changes.push(Change::Replaced { old: entry.requirement.clone(), new: req.clone() });
                lines.splice(entry.first..=entry.last, [replaced]);
            }
            _ => {
                return Err(hinted(
                    format!("{path}: `{name}` is on {} lines", listed.len()),
                    format!("edit {path} by hand: which of its lines to replace is yours to say"),
                ));
            }
        }
    }
    Ok(Edited { text: lines.concat(), changes })
}

/// Removes the lines of each package in `packages` from the `.in` file `text`. A package
/// that is not listed is an error naming the file and what is listed.
pub fn remove_from_infile(path: &Utf8Path, text: &str, packages: &[String]) -> Result<Edited> {
    let mut lines = physical_lines(text);
    let mut changes = Vec::new();
    for package in packages {
        let name = normalize(package);
        let entries = infile_entries(&lines);
        let listed: Vec<&InEntry> = entries.iter().filter(|e| e.name == name).collect();
        if listed.is_empty() {
            let all: Vec<String> = entries.iter().map(|e| e.requirement.clone()).collect();
            return Err(not_listed(path, None, package, &all));
        }
        for entry in listed.iter().rev() {
            changes.push(Change::Removed(entry.requirement.clone()));
            lines.drain(entry.first..=entry.last);
        }
    }
    Ok(Edited { text: lines.concat(), changes })
}

/// The error for removing a package that is not listed: the file, and what `place` in it
/// (the whole file when `None`) lists.
fn not_listed(path: &Utf8Path, place: Option<&str>, package: &str, listed: &[String]) -> anyhow::Error {
    let names: Vec<&str> = listed.iter().filter_map(|r| requirement_name(r)).collect();
    let close = crate::suggest::closest(package, names.iter().copied())
        .map(|close| format!("did you mean `{close}`? "))
        .unwrap_or_default();
    let in_place = place.map(|p| format!(" in {p}")).unwrap_or_default();
    let lister = place.map_or_else(|| path.to_string(), str::to_owned);
    hinted(
        format!("{path}: `{package}` is not listed{in_place}"),
        format!("{close}{lister} lists: {}", or_none(listed)),
    )
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() { "nothing".to_owned() } else { items.join(", ") }
}

/// How a TOML file ends its lines and itself, which toml_edit does not keep (it prints `\n`
/// and ends with one): put back after printing.
#[derive(Debug, Clone, Copy)]
struct Layout {
    crlf: bool,
    final_newline: bool,
}

impl Layout {
    fn render(self, doc: &DocumentMut) -> String {
        let mut text = doc.to_string();
        if !self.final_newline && text.ends_with('\n') {
            text.pop();
        }
        if self.crlf { text.replace('\n', "\r\n") } else { text }
    }
}

/// The document and its layout, checked to print back exactly as read: an edit must change
/// nothing but the array it is about.
fn parse(path: &Utf8Path, text: &str) -> Result<(DocumentMut, Layout)> {
    let lf = text.replace("\r\n", "\n");
    // Every line ends in `\r\n`, or none does; mixed endings are printed as they are.
    let crlf = lf.len() != text.len() && lf.replace('\n', "\r\n") == text;
    let layout = Layout { crlf, final_newline: text.is_empty() || text.ends_with('\n') };
    let doc: DocumentMut = (if crlf { lf.as_str() } else { text }).parse().map_err(|err: toml_edit::TomlError| {
        hinted(format!("{path} is not valid TOML: {}", err.message()), format!("fix {path}, then run it again"))
    })?;
    if layout.render(&doc) != text {
        return Err(hinted(
            format!("{path} cannot be edited without changing its formatting elsewhere"),
            format!("edit {path} by hand"),
        ));
    }
    Ok((doc, layout))
}

/// The array `list` names, created (when `create`) if missing.
fn array_of<'d>(path: &Utf8Path, doc: &'d mut DocumentMut, list: List, create: bool) -> Result<Option<&'d mut Array>> {
    let (table_key, key, table): (&str, String, &mut dyn TableLike) = match list {
        List::Dependencies => {
            let project = doc.get_mut("project").and_then(Item::as_table_like_mut).ok_or_else(|| {
                hinted(format!("{path} has no [project] table"), format!("add [project] with a `name` to {path}"))
            })?;
            ("project", "dependencies".to_owned(), project)
        }
        List::Group(group) => {
            if !doc.contains_key("dependency-groups") {
                if !create {
                    return Ok(None);
                }
                let mut table = Table::new();
                table.decor_mut().set_prefix("\n"); // a blank line above its header
                doc.insert("dependency-groups", Item::Table(table));
            }
            let groups = doc.get_mut("dependency-groups").and_then(Item::as_table_like_mut).ok_or_else(|| {
                hinted(
                    format!("{path}: `dependency-groups` is not a table"),
                    format!("write it as [dependency-groups] in {path}"),
                )
            })?;
            // PEP 735 compares group names normalised.
            let wanted = normalize(group);
            let key = groups
                .iter()
                .map(|(k, _)| k.to_owned())
                .find(|k| normalize(k) == wanted)
                .unwrap_or_else(|| group.to_owned());
            ("dependency-groups", key, groups)
        }
    };
    if !table.contains_key(&key) {
        if !create {
            return Ok(None);
        }
        table.insert(&key, Item::Value(Value::Array(Array::new())));
    }
    let item = table.get_mut(&key).expect("inserted above");
    let array = item.as_array_mut().ok_or_else(|| {
        hinted(
            format!("{path}: `{table_key}.{key}` is not an array"),
            format!("write it as {key} = [\"...\"] in {path}"),
        )
    })?;
    Ok(Some(array))
}

/// The names of the `[dependency-groups]` of a document.
fn group_names(doc: &DocumentMut) -> Vec<String> {
    doc.get("dependency-groups")
        .and_then(Item::as_table_like)
        .map(|t| t.iter().map(|(k, _)| k.to_owned()).collect())
        .unwrap_or_default()
}

/// The string entries of an array, as written.
fn entries(array: &Array) -> Vec<String> {
    array.iter().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// Where the entries naming package `name` (normalised) are; tables (`{include-group}`)
/// name none.
fn positions(array: &Array, name: &str) -> Vec<usize> {
    (0..array.len())
        .filter(|&i| {
            array.get(i).and_then(Value::as_str).and_then(requirement_name).is_some_and(|n| normalize(n) == name)
        })
        .collect()
}

/// `\r\n` when the file uses it, else `\n`.
fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// The text of a decor part (a parsed document holds no spans).
fn raw(part: Option<&toml_edit::RawString>) -> String {
    part.and_then(|r| r.as_str()).unwrap_or_default().to_owned()
}

/// Splits the whitespace (and comments) before an entry into what stays on the line
/// before it (a comment after the previous entry's comma) and what starts at the line
/// break (comment lines above the entry, its indentation).
fn split_gap(gap: &str) -> (&str, &str) {
    match gap.find('\n') {
        Some(at) if at > 0 && gap.as_bytes()[at - 1] == b'\r' => gap.split_at(at - 1),
        Some(at) => gap.split_at(at),
        None => (gap, ""),
    }
}

/// Moves what follows the last entry into the array's trailing, where it renders the same
/// when there is no trailing comma: every gap after the last entry is then in one place.
fn normalize_trailing(array: &mut Array) {
    if array.trailing_comma() || array.is_empty() {
        return;
    }
    let last = array.len() - 1;
    let suffix = raw(array.get(last).expect("not empty").decor().suffix());
    if suffix.is_empty() {
        return;
    }
    let trailing = raw(Some(array.trailing()));
    array.get_mut(last).expect("not empty").decor_mut().set_suffix("");
    array.set_trailing(format!("{suffix}{trailing}"));
}

/// Whether the array is written one entry per line.
fn is_multiline(array: &Array) -> bool {
    array.iter().any(|v| raw(v.decor().prefix()).contains('\n')) || raw(Some(array.trailing())).contains('\n')
}

/// Appends `value`, formatted like the entries before it.
fn push(array: &mut Array, value: Value) {
    let at = array.len();
    insert(array, at, value);
}

/// Inserts `value` at `at`, formatted like its neighbours: on its own line, indented as
/// they are, in a multi-line array; after `, ` in a one-line one. A comment at the end of
/// the line before stays on that line. Documents are read with `\n` line endings (see
/// [`Layout`]).
fn insert(array: &mut Array, at: usize, mut value: Value) {
    let nl = "\n";
    normalize_trailing(array);
    let multiline = is_multiline(array);
    let indent_of = |gap: &str| gap.rsplit('\n').next().filter(|_| gap.contains('\n')).unwrap_or("    ").to_owned();
    if at < array.len() {
        let next = raw(array.get(at).expect("in bounds").decor().prefix());
        if multiline {
            let (same_line, below) = split_gap(&next);
            let indent = indent_of(below);
            value.decor_mut().set_prefix(format!("{same_line}{nl}{indent}"));
            let below = if below.is_empty() { format!("{nl}{indent}") } else { below.to_owned() };
            array.get_mut(at).expect("in bounds").decor_mut().set_prefix(below);
        } else {
            value.decor_mut().set_prefix(next.clone());
            if at == 0 || next.is_empty() {
                array.get_mut(at).expect("in bounds").decor_mut().set_prefix(" ");
            }
        }
        value.decor_mut().set_suffix("");
        array.insert_formatted(at, value);
        return;
    }
    let trailing = raw(Some(array.trailing()));
    if multiline {
        let (same_line, below) = split_gap(&trailing);
        let indent = match array.len() {
            0 => "    ".to_owned(),
            n => indent_of(&raw(array.get(n - 1).expect("not empty").decor().prefix())),
        };
        // Only a comment stays on the line before; spaces before the line break go.
        let same_line = if same_line.contains('#') { same_line } else { "" };
        value.decor_mut().set_prefix(format!("{same_line}{nl}{indent}"));
        array.set_trailing(if below.is_empty() { nl.to_owned() } else { below.to_owned() });
        if array.is_empty() {
            array.set_trailing_comma(true);
        }
    } else {
        value.decor_mut().set_prefix(if array.is_empty() { "" } else { " " });
        if array.is_empty() && trailing.trim().is_empty() {
            array.set_trailing("");
        }
    }
    value.decor_mut().set_suffix("");
    array.push_formatted(value);
}

/// Removes the entry at `at` with what belongs to it: the comment lines above it and the
/// comment at the end of its line. A comment at the end of the line before stays.
fn remove(array: &mut Array, at: usize) {
    normalize_trailing(array);
    let removed = array.remove(at);
    let gap = raw(removed.decor().prefix());
    let (kept, _above) = split_gap(&gap);
    if at < array.len() {
        let next = raw(array.get(at).expect("in bounds").decor().prefix());
        let (_its_comment, below) = split_gap(&next);
        let prefix = format!("{kept}{below}");
        array.get_mut(at).expect("in bounds").decor_mut().set_prefix(prefix);
    } else {
        let trailing = raw(Some(array.trailing()));
        let kept = if kept.contains('#') { kept } else { "" };
        let rest = if trailing.contains('\n') { split_gap(&trailing).1 } else { trailing.as_str() };
        array.set_trailing(format!("{kept}{rest}"));
    }
    if array.is_empty() && raw(Some(array.trailing())).trim().is_empty() {
        array.set_trailing("");
    }
}

/// The lines of a text, each with its line ending.
fn physical_lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_owned).collect()
}

/// A line without its ending, and the ending.
fn split_ending(line: &str) -> (&str, &str) {
    let body = line.trim_end_matches(['\n', '\r']);
    (body, &line[body.len()..])
}

/// Where a line's comment starts (with the spaces before it), as requirements files read
/// it: a `#` at the start of the line, or after whitespace.
fn comment_start(body: &str) -> Option<usize> {
    let at = if body.trim_start().starts_with('#') { Some(0) } else { body.find(" #").or_else(|| body.find("\t#")) }?;
    Some(body[..at].trim_end().len())
}

/// A requirement of a `.in` file: its lines (first and last, for `\` continuations), the
/// requirement as written (comments out, continuations joined) and its normalised name.
#[derive(Debug)]
struct InEntry {
    first: usize,
    last: usize,
    requirement: String,
    name: String,
}

/// The requirement lines of a `.in` file; options (`-r`, `--index-url`), paths and URLs
/// name no package here.
fn infile_entries(lines: &[String]) -> Vec<InEntry> {
    let mut out = Vec::new();
    let mut ix = 0;
    while ix < lines.len() {
        let first = ix;
        let mut joined = String::new();
        loop {
            let (body, _) = split_ending(&lines[ix]);
            let content = body[..comment_start(body).unwrap_or(body.len())].trim();
            match content.strip_suffix('\\') {
                Some(continued) if ix + 1 < lines.len() => {
                    joined.push_str(continued.trim_end());
                    joined.push(' ');
                    ix += 1;
                }
                _ => {
                    joined.push_str(content);
                    break;
                }
            }
        }
        let requirement = joined.trim().to_owned();
        let is_package = (!requirement.starts_with(['-', '.', '/', '~']) && !requirement.contains("://"))
            || requirement.contains(" @ ");
        if let Some(name) = requirement_name(&requirement).filter(|_| is_package) {
            out.push(InEntry { first, last: ix, name: normalize(name), requirement: requirement.clone() });
        }
        ix += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "projects/x/pyproject.toml";

    fn add(text: &str, list: List, reqs: &[&str]) -> String {
        let reqs: Vec<String> = reqs.iter().map(|r| (*r).to_owned()).collect();
        add_to_pyproject(Utf8Path::new(PATH), text, list, &reqs).unwrap().text
    }

    fn rm(text: &str, list: List, packages: &[&str]) -> String {
        let packages: Vec<String> = packages.iter().map(|r| (*r).to_owned()).collect();
        remove_from_pyproject(Utf8Path::new(PATH), text, list, &packages).unwrap().text
    }

    fn deps(array: &str) -> String {
        format!(
            "# top\n[project]\nname = \"x\"  # the name\ndependencies = {array}\nversion = \"1\"\n\n[tool.x]\nk = 1\n"
        )
    }

    #[test]
    fn adds_to_a_one_line_array_keeping_everything_else() {
        assert_eq!(add(&deps("[]"), List::Dependencies, &["a"]), deps("[\"a\"]"));
        assert_eq!(add(&deps("[\"a\"]"), List::Dependencies, &["b>=1"]), deps("[\"a\", \"b>=1\"]"));
        assert_eq!(add(&deps("[ \"a\", \"b\" ]"), List::Dependencies, &["c"]), deps("[ \"a\", \"b\", \"c\" ]"));
        assert_eq!(add(&deps("[\"a\", ]"), List::Dependencies, &["c"]), deps("[\"a\", \"c\", ]"));
        assert_eq!(add(&deps("[ ]"), List::Dependencies, &["a", "b"]), deps("[\"a\", \"b\"]"));
    }

    #[test]
    fn adds_to_a_multi_line_array_one_entry_per_line() {
        let before = deps("[\n    \"a\",  # why a\n    \"b\",  # why b\n]");
        let after = deps("[\n    \"a\",  # why a\n    \"b\",  # why b\n    \"c\",\n]");
        assert_eq!(add(&before, List::Dependencies, &["c"]), after);
        // No trailing comma: none added, the `]` stays on its line.
        assert_eq!(add(&deps("[\n  \"a\"\n]"), List::Dependencies, &["b"]), deps("[\n  \"a\",\n  \"b\"\n]"));
        assert_eq!(add(&deps("[\n]"), List::Dependencies, &["a"]), deps("[\n    \"a\",\n]"));
        let crlf = "[project]\r\nname = \"x\"\r\ndependencies = [\r\n    \"a\",\r\n]\r\n";
        assert_eq!(
            add(crlf, List::Dependencies, &["b"]),
            "[project]\r\nname = \"x\"\r\ndependencies = [\r\n    \"a\",\r\n    \"b\",\r\n]\r\n"
        );
    }

    #[test]
    fn replaces_a_listed_package_where_it_stands() {
        let before = deps("[\"A_Pkg>=1\", \"b\"]");
        let edited =
            add_to_pyproject(Utf8Path::new(PATH), &before, List::Dependencies, &["a-pkg>=2".to_owned()]).unwrap();
        assert_eq!(edited.text, deps("[\"a-pkg>=2\", \"b\"]"));
        assert_eq!(edited.changes, [Change::Replaced { old: "A_Pkg>=1".into(), new: "a-pkg>=2".into() }]);
        let same = add_to_pyproject(Utf8Path::new(PATH), &before, List::Dependencies, &["b".to_owned()]).unwrap();
        assert!(!same.changed() && same.text == before);
        let twice = deps("[\"a ; python_version < '3.12'\", \"a>=2 ; python_version >= '3.12'\"]");
        let err = add_to_pyproject(Utf8Path::new(PATH), &twice, List::Dependencies, &["a".to_owned()]).unwrap_err();
        assert!(err.to_string().contains("listed 2 times"), "{err}");
    }

    #[test]
    fn creates_a_missing_key_table_or_group() {
        let text = "[project]\nname = \"x\"\n\n[tool.x]\nk = 1\n";
        assert_eq!(
            add(text, List::Dependencies, &["a"]),
            "[project]\nname = \"x\"\ndependencies = [\"a\"]\n\n[tool.x]\nk = 1\n"
        );
        assert_eq!(
            add(text, List::Group("test"), &["a"]),
            "[project]\nname = \"x\"\n\n[tool.x]\nk = 1\n\n[dependency-groups]\ntest = [\"a\"]\n"
        );
        let grouped = "[project]\nname = \"x\"\n\n[dependency-groups]\n# lint tools\nlint = [\"ruff\"]\n";
        assert_eq!(
            add(grouped, List::Group("test"), &["a"]),
            "[project]\nname = \"x\"\n\n[dependency-groups]\n# lint tools\nlint = [\"ruff\"]\ntest = [\"a\"]\n"
        );
        // A group is found by its normalised name, and its `include-group` tables are kept.
        let web = "[dependency-groups]\nTest = [\"a\", {include-group = \"lint\"}]\nlint = []\n";
        assert_eq!(
            add(web, List::Group("test"), &["b"]),
            "[dependency-groups]\nTest = [\"a\", {include-group = \"lint\"}, \"b\"]\nlint = []\n"
        );
    }

    #[test]
    fn keeps_crlf_line_endings_and_a_missing_final_newline() {
        let text = "[project]\r\nname = \"x\"  # c\r\ndependencies = [\"a\"]";
        assert_eq!(
            add(text, List::Dependencies, &["b"]),
            "[project]\r\nname = \"x\"  # c\r\ndependencies = [\"a\", \"b\"]"
        );
        assert_eq!(
            add(text, List::Group("test"), &["b"]),
            "[project]\r\nname = \"x\"  # c\r\ndependencies = [\"a\"]\r\n\r\n[dependency-groups]\r\ntest = [\"b\"]"
        );
        let err =
            add_to_pyproject(Utf8Path::new(PATH), "[project\n", List::Dependencies, &["a".to_owned()]).unwrap_err();
        assert!(err.to_string().starts_with("projects/x/pyproject.toml is not valid TOML"), "{err}");
    }

    #[test]
    fn removes_an_entry_with_its_comments() {
        assert_eq!(rm(&deps("[\"a\", \"b\", \"c\"]"), List::Dependencies, &["a"]), deps("[\"b\", \"c\"]"));
        assert_eq!(rm(&deps("[\"a\", \"b\", \"c\"]"), List::Dependencies, &["b"]), deps("[\"a\", \"c\"]"));
        assert_eq!(rm(&deps("[\"a\", \"b\", \"c\"]"), List::Dependencies, &["C"]), deps("[\"a\", \"b\"]"));
        assert_eq!(rm(&deps("[ \"a\", \"b\" ]"), List::Dependencies, &["b"]), deps("[ \"a\" ]"));
        assert_eq!(rm(&deps("[\"a\"]"), List::Dependencies, &["a"]), deps("[]"));
        let before = deps("[  # runtime\n    \"a\",  # why a\n    # about b\n    \"b\",  # why b\n    \"c\"\n]");
        assert_eq!(
            rm(&before, List::Dependencies, &["a"]),
            deps("[  # runtime\n    # about b\n    \"b\",  # why b\n    \"c\"\n]")
        );
        assert_eq!(rm(&before, List::Dependencies, &["b"]), deps("[  # runtime\n    \"a\",  # why a\n    \"c\"\n]"));
        assert_eq!(
            rm(&before, List::Dependencies, &["c"]),
            deps("[  # runtime\n    \"a\",  # why a\n    # about b\n    \"b\"  # why b\n]")
        );
        assert_eq!(rm(&deps("[\n    \"a\",\n]"), List::Dependencies, &["a"]), deps("[]"));
    }

    #[test]
    fn removing_what_is_not_listed_names_the_file_and_what_is() {
        let err = remove_from_pyproject(
            Utf8Path::new(PATH),
            &deps("[\"tiny-a\"]"),
            List::Dependencies,
            &["tiny-b".to_owned()],
        )
        .unwrap_err();
        assert!(err.to_string().contains(PATH) && err.to_string().contains("`tiny-b` is not listed"), "{err}");
        assert!(crate::error::hint_of(&err).unwrap().contains("tiny-a"), "{err:?}");
        let err = remove_from_pyproject(Utf8Path::new(PATH), &deps("[]"), List::Group("test"), &["x".to_owned()])
            .unwrap_err();
        assert!(err.to_string().contains("no dependency group `test`"), "{err}");
    }

    #[test]
    fn adds_a_member_folder_in_sorted_place() {
        let path = Utf8Path::new("_meta/monorepo.toml");
        let config = "# c\n[monorepo]\nmembers = [\"a\", \"c\"]  # the list\npython = \"3.11\"\n";
        assert_eq!(
            add_member_dir(path, config, "b").unwrap(),
            "# c\n[monorepo]\nmembers = [\"a\", \"b\", \"c\"]  # the list\npython = \"3.11\"\n"
        );
        assert_eq!(
            add_member_dir(path, config, "0").unwrap(),
            "# c\n[monorepo]\nmembers = [\"0\", \"a\", \"c\"]  # the list\npython = \"3.11\"\n"
        );
        let listed = "[monorepo]\nmembers = [\n    \"a\",  # first\n    \"c\",\n]\n";
        assert_eq!(
            add_member_dir(path, listed, "b").unwrap(),
            "[monorepo]\nmembers = [\n    \"a\",  # first\n    \"b\",\n    \"c\",\n]\n"
        );
        assert_eq!(
            add_member_dir(path, "[monorepo]\nmembers = [\"z/*\", \"a\"]\n", "b").unwrap(),
            "[monorepo]\nmembers = [\"z/*\", \"a\", \"b\"]\n"
        );
    }

    #[test]
    fn edits_an_infile_line_by_line() {
        let path = Utf8Path::new("_meta/requirements/base.in");
        let text = "# tools\npytest>=8  # the runner\n-r other.in\nruff\n";
        let reqs = |r: &[&str]| r.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let added = add_to_infile(path, text, &reqs(&["Pytest>=9", "mypy"])).unwrap();
        assert_eq!(added.text, "# tools\nPytest>=9  # the runner\n-r other.in\nruff\nmypy\n");
        assert_eq!(add_to_infile(path, "ruff", &reqs(&["mypy"])).unwrap().text, "ruff\nmypy\n");
        assert_eq!(add_to_infile(path, "a\r\n", &reqs(&["b"])).unwrap().text, "a\r\nb\r\n");
        let continued = "pytest>=8,\\\n  <10  # two lines\nruff\n";
        assert_eq!(
            add_to_infile(path, continued, &reqs(&["pytest>=9"])).unwrap().text,
            "pytest>=9  # two lines\nruff\n"
        );
        let removed = remove_from_infile(path, text, &reqs(&["pytest"])).unwrap();
        assert_eq!(removed.text, "# tools\n-r other.in\nruff\n");
        assert_eq!(removed.changes, [Change::Removed("pytest>=8".to_owned())]);
        let err = remove_from_infile(path, text, &reqs(&["other"])).unwrap_err();
        assert!(err.to_string().contains("base.in: `other` is not listed"), "{err}");
        assert!(crate::error::hint_of(&err).unwrap().contains("pytest>=8, ruff"), "{err:?}");
    }

    #[test]
    fn refuses_what_is_not_a_requirement() {
        for good in [
            "numpy",
            "numpy>=1.26,<2",
            "httpx[http2]>=0.27 ; python_version >= '3.11'",
            "Foo.Bar~=1.0",
            "pkg @ https://example.org/pkg-1.0-py3-none-any.whl",
            "pkg @ file:///wheels/pkg.whl ; sys_platform == 'linux'",
            "a (>=1.0)",
            "a==2.*",
            "a===weird",
        ] {
            assert_eq!(invalid_requirement(good), None, "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("numpy 2", "needs an operator: `numpy==2`"),
            ("-e ./x", "option"),
            ("./x", "package name"),
            ("https://example.org/x.whl", "package name"),
            ("numpy>=", "needs a version"),
            ("numpy>=two", "`two` is not a version"),
            ("numpy[", "not closed"),
            ("numpy; ", "nothing follows"),
            ("numpy; python_version >= '3", "unclosed"),
            ("numpy  # why", "comment"),
            ("a\nb", "line break"),
            ("numpy=1", "not a version clause"),
            ("!!!", "package name"),
        ] {
            let found = invalid_requirement(bad).unwrap_or_else(|| panic!("`{bad}` passed"));
            assert!(found.contains(why), "`{bad}`: {found}");
        }
    }
}
