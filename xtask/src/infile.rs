//! Requirements input files (`.in`): the files a layer's input pulls in with `-r` and `-c`,
//! followed recursively, and the index options (`--index-url`, `--extra-index-url`,
//! `--find-links`, `--no-index`) they hold. Everything that can change a compile is hashed,
//! so editing an included file makes its locks stale. The requirements they hold are kept
//! with their file and line, and the `--hash` written on each: a lock carries those hashes
//! (and a compile checks them, see `lock.rs`). A `-r` include of a file that is being read
//! (itself, or a cycle) is an error, as is a hash that is not a sha256.

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::digest;
use crate::error::hinted;
use crate::lockfile::{IndexOptions, clean, is_local_relative};

/// An input and everything it includes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputTree {
    /// Every file, relative to the root with `/`, the input first, then in the order met;
    /// with the digest of its content.
    pub files: Vec<(Utf8PathBuf, String)>,
    /// The index options of all of them; relative `find_links` are relative to the root.
    pub index: IndexOptions,
    /// The requirements they install: those of the input and of what it includes with `-r`
    /// (not the `-c` constraints), in the order met.
    pub requirements: Vec<Requirement>,
}

/// A requirement line of an input file, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Relative to the root, with `/`.
    pub file: Utf8PathBuf,
    /// Its first line, from 1.
    pub line: usize,
    /// The requirement as written, without the options after it (`--hash=...`).
    pub text: String,
    /// Its package, PEP 503-normalised; `None` for a path or a URL written alone.
    pub name: Option<String>,
    /// The hashes written on it by hand, `sha256:<hex>` in lowercase, in their order.
    pub hashes: Vec<String>,
}

/// Reads `input` (relative to `root`) and what it includes. A missing include is an error
/// naming the file and line that include it.
pub fn read_tree(root: &Utf8Path, input: &Utf8Path) -> Result<InputTree> {
    let mut tree = InputTree::default();
    visit(root, input, None, &mut Vec::new(), false, &mut tree)?;
    Ok(tree)
}

/// Reads `file` into `tree`, then what it includes. `reading` is the chain of `-r` includes
/// that led here: a `-r` of one of them goes round in a circle, which pip would read
/// forever and uv reads silently once. `constraint`: read as constraints (through `-c`),
/// whose lines install nothing.
fn visit(
    root: &Utf8Path,
    file: &Utf8Path,
    included_at: Option<(&Utf8Path, usize)>,
    reading: &mut Vec<Utf8PathBuf>,
    constraint: bool,
    tree: &mut InputTree,
) -> Result<()> {
    if tree.files.iter().any(|(f, _)| f == file) {
        return Ok(()); // included twice: hashed once
    }
    let text = std::fs::read_to_string(root.join(file)).map_err(|err| {
        let why = match err.kind() {
            std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_owned(),
            _ if root.join(file).is_dir() => "it is a folder".to_owned(),
            _ => err.to_string(),
        };
        let fix = match err.kind() {
            std::io::ErrorKind::NotFound => None,
            std::io::ErrorKind::InvalidData => Some(format!("save {file} as UTF-8")),
            _ if root.join(file).is_dir() => Some(format!("name a file, not the folder {file}")),
            _ => Some(format!("make {file} readable")),
        };
        match included_at {
            Some((by, line)) => hinted(
                format!("{by}:{line} includes {file}, which cannot be read: {why}"),
                fix.unwrap_or_else(|| {
                    format!("create {file}, or fix the path in {by} (it is relative to {by}'s folder)")
                }),
            ),
            None => hinted(
                format!("cannot read {file}: {why}"),
                fix.unwrap_or_else(|| format!("create {file} with one requirement per line")),
            ),
        }
    })?;
    tree.files.push((file.to_owned(), lines_digest(&text)));
    reading.push(file.to_owned());
    let dir = file.parent().unwrap_or(Utf8Path::new(""));
    for (number, line) in logical_lines(&text) {
        let (flag, value) = match line.split_once([' ', '=']) {
            Some((flag, value)) => (flag, value.trim()),
            None => (line.as_str(), ""),
        };
        if value.is_empty() && TAKES_VALUE.contains(&flag) {
            return Err(hinted(
                format!("{file}:{number}: `{flag}` needs a value"),
                format!("write it as `{flag} VALUE` on line {number} of {file}"),
            ));
        }
        match flag {
            "-r" | "--requirement" if !value.contains("://") => {
                let included = join(dir, value);
                check_not_circular(file, number, &included, reading)?;
                visit(root, &included, Some((file, number)), reading, constraint, tree)?;
            }
            "-c" | "--constraint" if !value.contains("://") => {
                let included = join(dir, value);
                // A file read as constraints may name the one that reads it (`-c base.in`
                // in base.in pins nothing new): no circle to refuse there.
                if !reading.contains(&included) {
                    visit(root, &included, Some((file, number)), reading, true, tree)?;
                }
            }
            "--no-index" => tree.index.no_index = true,
            "-i" | "--index-url" if tree.index.index_url.is_none() => tree.index.index_url = Some(value.to_owned()),
            "--extra-index-url" => {
                tree.index.merge(&IndexOptions { extra_index_urls: vec![value.to_owned()], ..IndexOptions::default() })
            }
            "-f" | "--find-links" => {
                let link = if is_local_relative(value) { join(dir, value).into_string() } else { value.to_owned() };
                tree.index.merge(&IndexOptions { find_links: vec![link], ..IndexOptions::default() });
            }
            _ => {
                check_line(file, number, &line, flag, value)?;
                if !line.starts_with('-') && !constraint {
                    tree.requirements.push(requirement_of(file, number, &line)?);
                }
            }
        }
    }
    reading.pop();
    Ok(())
}

/// A `-r` of a file that is being read: itself, or one that (through its own includes)
/// included this one.
fn check_not_circular(file: &Utf8Path, number: usize, included: &Utf8Path, reading: &[Utf8PathBuf]) -> Result<()> {
    if included == file {
        return Err(hinted(
            format!("{file}:{number} includes {file} itself (`-r`)"),
            format!("remove line {number} of {file}: its own requirements are read without it"),
        ));
    }
    if let Some(at) = reading.iter().position(|f| f == included) {
        let mut chain: Vec<&str> = reading[at..].iter().map(|f| f.as_str()).collect();
        chain.push(included.as_str());
        return Err(hinted(
            format!(
                "{file}:{number} includes {included}, which includes {file}: the `-r` includes go round in a circle ({})",
                chain.join(" -> ")
            ),
            format!("remove one of the `-r` lines of the circle; say, line {number} of {file}"),
        ));
    }
    Ok(())
}

/// A requirement line, read: its text before its options, its name, and the hashes written
/// on it, each checked to be a sha256 (what a lock holds and a sync verifies).
fn requirement_of(file: &Utf8Path, number: usize, line: &str) -> Result<Requirement> {
    let (text, options) = match line.find(" --").or_else(|| line.find("\t--")) {
        Some(at) => (line[..at].trim(), line[at..].trim()),
        None => (line.trim(), ""),
    };
    let mut hashes = Vec::new();
    let mut words = options.split_whitespace();
    while let Some(word) = words.next() {
        let value = match word.strip_prefix("--hash") {
            Some("") => words.next().unwrap_or_default(),
            Some(rest) if rest.starts_with('=') => &rest[1..],
            _ => continue,
        };
        hashes.push(check_hash(file, number, value)?);
    }
    let name = crate::pep508::requirement_name(text).map(crate::pep508::normalize);
    // A path or a URL written alone (`./wheels/x.whl`) has no name a lock entry would
    // carry; pip's `name @ URL` has one.
    let name = name.filter(|_| !(text.contains("://") || text.starts_with(['.', '/', '~'])) || text.contains('@'));
    if !hashes.is_empty() && name.is_none() {
        return Err(hinted(
            format!("{file}:{number}: a hash on `{text}` cannot be checked: the line names no package"),
            format!("write it as `NAME @ {text} --hash=...` on line {number} of {file}"),
        ));
    }
    Ok(Requirement { file: file.to_owned(), line: number, text: text.to_owned(), name, hashes })
}

/// `sha256:<64 hex digits>` (any case), as `sha256:<lowercase hex>`; anything else is an
/// error naming the file and line.
fn check_hash(file: &Utf8Path, number: usize, value: &str) -> Result<String> {
    let fix = format!(
        "write the sha256 of the file it installs on line {number} of {file}: `--hash=sha256:` and 64 hex \
         digits (`sha256sum FILE`, or `pip hash FILE`)"
    );
    match value.split_once(':') {
        Some((alg, hex)) if alg.eq_ignore_ascii_case("sha256") => {
            if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(format!("sha256:{}", hex.to_ascii_lowercase()))
            } else {
                Err(hinted(
                    format!("{file}:{number}: `--hash={value}` is not a sha256 (64 hex digits after `sha256:`)"),
                    fix,
                ))
            }
        }
        Some((alg, _)) if !alg.is_empty() => Err(hinted(
            format!(
                "{file}:{number}: `--hash={value}` is a {alg} hash: a lock holds sha256 hashes, so only those can be checked"
            ),
            fix,
        )),
        _ => Err(hinted(format!("{file}:{number}: `--hash={value}` is not a hash (`--hash=sha256:<hex>`)"), fix)),
    }
}

/// The options read above that take a value: without one, uv would be given an empty
/// `--index-url`, or the include would name the file's own folder.
const TAKES_VALUE: &[&str] =
    &["-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f", "--find-links"];

/// The options of requirements files that pip and uv take, besides those read above.
const OPTIONS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--no-index",
    "--no-binary",
    "--only-binary",
    "--prefer-binary",
    "--require-hashes",
    "--pre",
    "--trusted-host",
    "--use-feature",
    "--config-settings",
    "--global-option",
    "--hash",
];

/// A line that is neither an option read above nor a requirement uv could take is an
/// error here, naming the file and the line, rather than a resolver error later.
fn check_line(file: &Utf8Path, number: usize, line: &str, flag: &str, value: &str) -> Result<()> {
    if line.starts_with('-') {
        // `-e.`, `-rother.in`: a short option with its value attached.
        let attached =
            !flag.starts_with("--") && flag.len() > 2 && flag.get(..2).is_some_and(|short| OPTIONS.contains(&short));
        if attached {
            return Ok(());
        }
        if flag == "--hash" {
            return Err(hinted(
                format!("{file}:{number}: `{line}` is a hash on a line of its own"),
                format!(
                    "put it on the line of the requirement it checks (`pkg==1.0 --hash=sha256:...`, or after a `\\` \
                     at the end of that line) in {file}"
                ),
            ));
        }
        if !OPTIONS.contains(&flag) {
            let close = crate::suggest::closest(flag, OPTIONS.iter().copied().filter(|o| o.starts_with("--")))
                .map(|close| format!("did you mean `{close}`? "))
                .unwrap_or_default();
            return Err(hinted(
                format!("{file}:{number}: unknown option `{flag}`"),
                format!("{close}the options a requirements file takes are: {}", OPTIONS.join(", ")),
            ));
        }
        if value.is_empty() && !matches!(flag, "--no-index" | "--pre" | "--prefer-binary" | "--require-hashes") {
            return Err(hinted(
                format!("{file}:{number}: `{flag}` needs a value"),
                format!("write it as `{flag} VALUE` on line {number} of {file}"),
            ));
        }
        return Ok(());
    }
    // A path or a URL of a wheel, an sdist or a folder.
    if line.contains("://") || line.starts_with(['.', '/', '~']) {
        return Ok(());
    }
    let requirement = line.find(" --").map_or(line, |at| &line[..at]).trim();
    if let Some(why) = crate::pep508::requirement_error(requirement) {
        return Err(anyhow::anyhow!("{why}").context(crate::error::Hinted::new(
            format!("{file}:{number}: `{line}` is not a requirement"),
            format!(
                "write one PEP 508 requirement per line of {file} (e.g. `pytest>=8`), or an option such as `-r other.in`"
            ),
        )));
    }
    Ok(())
}

/// The requirements `file` itself holds (not its includes or options), as written.
pub fn requirements(root: &Utf8Path, file: &Utf8Path) -> Vec<String> {
    requirement_lines(&std::fs::read_to_string(root.join(file)).unwrap_or_default())
}

/// The requirement lines of a requirements file's text: its logical lines that are not
/// options (`-r`, `-e`, `--hash`...), as written.
pub fn requirement_lines(text: &str) -> Vec<String> {
    logical_lines(text).into_iter().map(|(_, line)| line).filter(|line| !line.starts_with('-')).collect()
}

/// The requirements `file` holds and those of the files it includes with `-r` (as pip and
/// uv install them; `-c` constraints install nothing), each file read once.
pub fn requirements_with_includes(root: &Utf8Path, file: &Utf8Path) -> Vec<String> {
    let mut seen: Vec<Utf8PathBuf> = Vec::new();
    let mut out = Vec::new();
    let mut queue = vec![file.to_owned()];
    while let Some(file) = queue.pop() {
        if seen.contains(&file) {
            continue; // included twice, or a cycle
        }
        let text = std::fs::read_to_string(root.join(&file)).unwrap_or_default();
        let dir = file.parent().unwrap_or(Utf8Path::new("")).to_owned();
        for (_, line) in logical_lines(&text) {
            match include_of(&line) {
                Some(included) if !line.starts_with("-c") && !line.starts_with("--constraint") => {
                    queue.push(join(&dir, included));
                }
                Some(_) => {}
                None if !line.starts_with('-') => out.push(line),
                None => {}
            }
        }
        seen.push(file);
    }
    out
}

/// The digest of a requirements file's content as pip and uv read it: its logical lines,
/// so comments, blank lines and line endings change no lock.
pub fn lines_digest(text: &str) -> String {
    let lines: Vec<String> = logical_lines(text).into_iter().map(|(_, line)| line).collect();
    digest::text(&lines.join("\n"))
}

/// The file a line includes (`-r FILE`, `-c FILE`, `--requirement=FILE`...), as written;
/// `None` for any other line, and for an include of a URL.
pub fn include_of(line: &str) -> Option<&str> {
    let (flag, value) = line.split_once([' ', '='])?;
    let value = value.trim();
    let include = matches!(flag, "-r" | "--requirement" | "-c" | "--constraint");
    (include && !value.is_empty() && !value.contains("://")).then_some(value)
}

/// `rel` (relative to `dir`) relative to the root, `..` resolved, `/` separators.
pub fn join(dir: &Utf8Path, rel: &str) -> Utf8PathBuf {
    Utf8PathBuf::from(clean(&dir.join(rel)).join("/"))
}

/// The lines of a requirements file without comments, continuations joined, with the
/// number of their first line.
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (ix, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let content =
            if line.trim_start().starts_with('#') { "" } else { line.find(" #").map_or(line, |at| &line[..at]) };
        let (number, mut joined) = pending.take().unwrap_or((ix + 1, String::new()));
        joined.push_str(content.trim());
        if joined.ends_with('\\') {
            joined.pop();
            joined.push(' ');
            pending = Some((number, joined));
        } else if !joined.trim().is_empty() {
            out.push((number, joined.trim().to_owned()));
        }
    }
    out.extend(pending.filter(|(_, l)| !l.trim().is_empty()).map(|(n, l)| (n, l.trim().to_owned())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fsutil::write_test_file as write;

    #[test]
    fn a_units_requirements_follow_r_includes_but_not_constraints() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        write(root, "T/a/requirements.txt", "-r ../shared/req.txt\n-c pins.txt\nattrs  # own\n-r ../shared/req.txt\n");
        write(root, "T/shared/req.txt", "model \\\n  >=1\n-r req.txt\n");
        write(root, "T/a/pins.txt", "never==1\n");
        let mut got = requirements_with_includes(root, Utf8Path::new("T/a/requirements.txt"));
        got.sort();
        assert_eq!(got, ["attrs", "model  >=1"]);
    }

    #[test]
    fn follows_includes_relative_to_their_file_and_collects_index_options() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        write(
            root,
            "_meta/requirements/base.in",
            "# tools\n-r common/tools.in  # shared\n--find-links ../../wheels\npytest\n-c base.in\n",
        );
        write(
            root,
            "_meta/requirements/common/tools.in",
            "--extra-index-url https://example.org/simple\n-c pins.txt\nruff\n",
        );
        write(root, "_meta/requirements/common/pins.txt", "ruff==0.6.0\n");
        let tree = read_tree(root, Utf8Path::new("_meta/requirements/base.in")).unwrap();
        let files: Vec<&str> = tree.files.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            files,
            ["_meta/requirements/base.in", "_meta/requirements/common/tools.in", "_meta/requirements/common/pins.txt"]
        );
        assert_eq!(tree.index.find_links, ["wheels"]);
        assert_eq!(tree.index.extra_index_urls, ["https://example.org/simple"]);
        // An edit to an included file changes its digest; line endings do not.
        let before = tree.files[2].1.clone();
        write(root, "_meta/requirements/common/pins.txt", "ruff==0.6.0\r\n");
        assert_eq!(read_tree(root, Utf8Path::new("_meta/requirements/base.in")).unwrap().files[2].1, before);
        write(root, "_meta/requirements/common/pins.txt", "ruff==0.7.0\n");
        assert_ne!(read_tree(root, Utf8Path::new("_meta/requirements/base.in")).unwrap().files[2].1, before);
    }

    #[test]
    fn a_missing_include_names_the_including_line() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        write(root, "_meta/requirements/base.in", "pytest\n-r nope.in\n");
        let err = read_tree(root, Utf8Path::new("_meta/requirements/base.in")).unwrap_err();
        assert!(
            err.to_string().starts_with("_meta/requirements/base.in:2 includes _meta/requirements/nope.in"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_line_or_an_unknown_option_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let error = |text: &str| {
            write(root, "_meta/requirements/base.in", text);
            let err = read_tree(root, Utf8Path::new("_meta/requirements/base.in")).unwrap_err();
            (err.to_string(), crate::error::hint_of(&err).unwrap_or_default().to_owned())
        };
        let (message, hint) = error("pytest\n# ok\npytest 8\n");
        assert_eq!(message, "_meta/requirements/base.in:3: `pytest 8` is not a requirement");
        assert!(hint.starts_with("write one PEP 508 requirement per line"), "{hint}");
        assert_eq!(error("!!\n").0, "_meta/requirements/base.in:1: `!!` is not a requirement");
        let (message, hint) = error("--find-link ../wheels\npytest\n");
        assert_eq!(message, "_meta/requirements/base.in:1: unknown option `--find-link`");
        assert!(hint.starts_with("did you mean `--find-links`?"), "{hint}");
        assert_eq!(error("--only-binary\n").0, "_meta/requirements/base.in:1: `--only-binary` needs a value");
        assert_eq!(error("pytest\n--index-url\n").0, "_meta/requirements/base.in:2: `--index-url` needs a value");
        assert_eq!(error("-r\n").0, "_meta/requirements/base.in:1: `-r` needs a value");
        std::fs::write(root.join("_meta/requirements/base.in"), b"\xffpytest\n").unwrap();
        let err = read_tree(root, Utf8Path::new("_meta/requirements/base.in")).unwrap_err();
        assert_eq!(err.to_string(), "cannot read _meta/requirements/base.in: it is not UTF-8 text");
        assert_eq!(crate::error::hint_of(&err), Some("save _meta/requirements/base.in as UTF-8"));
        // What pip and uv take passes.
        write(
            root,
            "_meta/requirements/base.in",
            &format!(
                "pytest>=8\nnumpy [x] ; python_version >= '3.12'\nrequests@ https://x/r.whl\n./wheels/a.whl\n\
                 https://example.org/b.tar.gz\n--pre\n--only-binary :all:\n-e ./local\n-e.\ntiny==1 --hash=sha256:{}\nsix\n",
                "ab".repeat(32)
            ),
        );
        read_tree(root, Utf8Path::new("_meta/requirements/base.in")).unwrap();
    }

    #[test]
    fn an_include_of_a_file_being_read_is_an_error_but_a_file_included_twice_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let base = Utf8Path::new("_meta/requirements/base.in");
        let error = |text: &str| {
            write(root, base.as_str(), text);
            let err = read_tree(root, base).unwrap_err();
            (err.to_string(), crate::error::hint_of(&err).unwrap_or_default().to_owned())
        };
        let (message, hint) = error("pytest\n-r ./base.in\n");
        assert_eq!(message, "_meta/requirements/base.in:2 includes _meta/requirements/base.in itself (`-r`)");
        assert!(hint.starts_with("remove line 2 of _meta/requirements/base.in"), "{hint}");
        write(root, "_meta/requirements/a.in", "-r b.in\n");
        write(root, "_meta/requirements/b.in", "six\n-r a.in\n");
        let (message, _) = error("pytest\n-r a.in\n");
        assert_eq!(
            message,
            "_meta/requirements/b.in:2 includes _meta/requirements/a.in, which includes _meta/requirements/b.in: the \
             `-r` includes go round in a circle (_meta/requirements/a.in -> _meta/requirements/b.in -> _meta/requirements/a.in)"
        );
        // A diamond reads each file once; a constraint naming its reader pins nothing new.
        write(root, "_meta/requirements/b.in", "six\n-c ../requirements/base.in\n");
        write(root, "_meta/requirements/c.in", "-r b.in\n");
        write(root, base.as_str(), "pytest\n-r a.in\n-r c.in\n");
        let tree = read_tree(root, base).unwrap();
        let files: Vec<&str> = tree.files.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            files,
            [
                "_meta/requirements/base.in",
                "_meta/requirements/a.in",
                "_meta/requirements/b.in",
                "_meta/requirements/c.in"
            ]
        );
    }

    #[test]
    fn requirements_keep_their_line_and_the_hashes_written_on_them_and_constraints_none() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let (a, b) = ("A".repeat(64), "b".repeat(64));
        write(
            root,
            "_meta/requirements/base.in",
            &format!(
                "# tools\npytest>=8\nTiny_A==1.0 \\\n    --hash=sha256:{a} \\\n    --hash sha256:{b}\n-c pins.txt\n"
            ),
        );
        write(root, "_meta/requirements/pins.txt", &format!("six==1 --hash=sha256:{b}\n"));
        let tree = read_tree(root, Utf8Path::new("_meta/requirements/base.in")).unwrap();
        let got: Vec<(usize, &str, Option<&str>, &[String])> =
            tree.requirements.iter().map(|r| (r.line, r.text.as_str(), r.name.as_deref(), &r.hashes[..])).collect();
        let hashes = [format!("sha256:{}", a.to_lowercase()), format!("sha256:{b}")];
        assert_eq!(got, [(2, "pytest>=8", Some("pytest"), &[][..]), (3, "Tiny_A==1.0", Some("tiny-a"), &hashes[..])]);
        assert!(tree.requirements.iter().all(|r| r.file == "_meta/requirements/base.in"));
    }
}
