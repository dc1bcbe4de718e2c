//! Which projects a change touches: for `affected` and `test-all --affected`.
//!
//! Git lists the files changed since the merge base of a ref and HEAD, uncommitted and
//! untracked ones included. A file touches a member when its suite reads it, as the input
//! model says (`keys::Readers`, the same reading the result cache keys on):
//! - a file inside a member's folder touches that member: the deepest one, if folders
//!   nest (a parent's run ignores its nested members' folders);
//! - a pytest config file that pytest reads for a member's run (the first config file up
//!   from its folder, and the files looked at on the way; `conftest.py` files from that
//!   folder down) touches it; one it never reads (every member has its own config) does not;
//! - a file matching one of a member's `inputs` globs, under one of its `pythonpath`
//!   folders, or under a folder its `[tool.uv.sources]` install, touches it;
//! - a layer's `.in` or `.txt`, or a file its `.in` includes, touches every env on that
//!   layer; an env's lock touches its members; the config touches everything.
//!
//! Anything else (docs, the xtask, CI files) touches no project. A member whose *package*
//! changed (a file it installs, by its layout: not its tests or docs; or a folder its
//! sources install) affects every member whose venv installs it, and so on up the runtime
//! edges; a change to its tests alone affects it alone. Without a ref, CI's own base is
//! used: the pull request's base branch, or a push's previous commit (see [`default_base`]).

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::config::{CONFIG_PATH, REQUIREMENTS_DIR};
use crate::error::hinted;
use crate::exec::{self, Cmd};
use crate::keys::{Readers, Via};
use crate::workspace::Workspace;

/// Why a member is affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Files in its folder changed: the first of them, and how many more.
    Changed { file: Utf8PathBuf, more: usize },
    /// A pytest config file that pytest reads for its run changed.
    PytestConfig(Utf8PathBuf),
    /// A file matching one of its `[tool.monorepo].inputs` globs changed.
    Input(Utf8PathBuf),
    /// A file under one of its `pythonpath` folders changed.
    Pythonpath { file: Utf8PathBuf, folder: Utf8PathBuf },
    /// A file under a folder its `[tool.uv.sources]` install changed.
    Source { file: Utf8PathBuf, folder: Utf8PathBuf },
    /// A requirement file under its env changed: a layer's input or lock, or its env's lock.
    Requirements(Utf8PathBuf),
    /// `_meta/monorepo.toml` changed.
    Config,
    /// Its venv installs this affected member, whose package changed.
    Depends(usize),
}

impl Reason {
    pub fn describe(&self, ws: &Workspace) -> String {
        match self {
            Reason::Changed { file, more: 0 } => format!("{file} changed"),
            Reason::Changed { file, more } => format!("{file} and {} changed", crate::ui::count(*more, "more file")),
            Reason::PytestConfig(file) => format!("pytest config {file} applies to it"),
            Reason::Input(file) => format!("{file} changed: an input of it ([tool.monorepo].inputs)"),
            Reason::Pythonpath { file, folder } => {
                let folder =
                    if folder.as_str().is_empty() { "the root".into() } else { folder.as_str().replace('\\', "/") };
                format!("{file} changed: on its pythonpath: {folder}")
            }
            Reason::Source { file, folder } => format!("{file} changed: it installs {folder} ([tool.uv.sources])"),
            Reason::Requirements(file) => format!("{file} changed"),
            Reason::Config => format!("{CONFIG_PATH} changed"),
            Reason::Depends(m) => format!("depends on {}", ws.members[*m].name),
        }
    }
}

/// Per member (in the workspace's order), why the changed `files` affect it, or `None`.
/// `files` are relative to the workspace root.
pub fn of_files(ws: &Workspace, files: &[Utf8PathBuf]) -> Vec<Option<Reason>> {
    let n = ws.members.len();
    let mut reasons: Vec<Option<Reason>> = vec![None; n];
    // Whether what the member installs changed: its dependants are affected too.
    let mut package = vec![false; n];
    let mark = |reasons: &mut Vec<Option<Reason>>, m: usize, reason: Reason| match (&mut reasons[m], reason) {
        (Some(Reason::Changed { more, .. }), Reason::Changed { .. }) => *more += 1,
        (slot @ None, reason) => *slot = Some(reason),
        _ => {}
    };
    let readers = Readers::new(ws);
    // A member's own requirements file and what it includes (`-r`, `-c`), wherever it is.
    let mut requirement_files: Vec<(Utf8PathBuf, usize)> = Vec::new();
    for (m, member) in ws.members.iter().enumerate() {
        if let Some(file) = &member.requirements {
            for item in crate::inputs::requirements_files(&ws.root, file, crate::inputs::Kind::File, "") {
                requirement_files.push((Utf8PathBuf::from(item.name), m));
            }
        }
    }
    for file in files {
        for (_, m) in requirement_files.iter().filter(|(f, _)| f == file) {
            mark(&mut reasons, *m, Reason::Requirements(file.clone()));
        }
        let owner = readers.owner(file);
        if file == CONFIG_PATH {
            for m in 0..n {
                mark(&mut reasons, m, Reason::Config);
            }
        } else if let Some(layer) = ws.layers.iter().position(|l| l.inputs.contains(file)) {
            // A file a layer's input includes (`-r`, `-c`), wherever it is.
            for env in ws.envs.iter().filter(|e| e.layers.contains(&layer)) {
                for &m in &env.members {
                    mark(&mut reasons, m, Reason::Requirements(file.clone()));
                }
            }
        } else if let Some(name) = requirement_stem(file) {
            let layer = ws.layers.iter().position(|l| l.name == name);
            for env in &ws.envs {
                let on_layer = layer.is_some_and(|l| env.layers.contains(&l));
                if on_layer || (env.name == name && file.extension() == Some("txt")) {
                    for &m in &env.members {
                        mark(&mut reasons, m, Reason::Requirements(file.clone()));
                    }
                }
            }
        } else if let Some(m) = owner {
            if file.ancestors().skip(1).any(|dir| readers.venvs.contains(dir)) {
                continue; // a venv's insides: no one's input
            }
            mark(&mut reasons, m, Reason::Changed { file: file.clone(), more: 0 });
            package[m] |= readers.is_package_file(m, file);
        }
        // Whatever else it is, the file may be read from outside its folder.
        for (m, via) in readers.readers(file, owner) {
            let reason = match via {
                Via::Glob(_) => Reason::Input(file.clone()),
                Via::Pythonpath(folder) => Reason::Pythonpath { file: file.clone(), folder: folder.to_owned() },
                Via::Source(folder) => {
                    package[m] = true;
                    Reason::Source { file: file.clone(), folder: folder.to_owned() }
                }
            };
            mark(&mut reasons, m, reason);
        }
        for m in readers.pytest_readers(file, owner) {
            mark(&mut reasons, m, Reason::PytestConfig(file.clone()));
        }
    }
    // Carry a changed package to every member whose venv installs it: dependants through
    // runtime and group edges, and the other members of a shared env; a runtime dependant's
    // own package includes it, so it passes the change on. Group edges may form cycles:
    // until nothing changes.
    loop {
        let mut changed = false;
        for m in 0..n {
            let member = &ws.members[m];
            let runtime = member.deps.iter().find(|&&d| package[d]).copied();
            if let Some(dep) = runtime
                && !package[m]
            {
                package[m] = true;
                changed = true;
                if reasons[m].is_none() {
                    reasons[m] = Some(Reason::Depends(dep));
                }
            }
            if reasons[m].is_some() {
                continue;
            }
            let shared = ws.env_of(m).members.iter().copied().filter(|&o| o != m);
            if let Some(dep) = member.group_deps.iter().copied().chain(shared).find(|&d| package[d]) {
                reasons[m] = Some(Reason::Depends(dep));
                changed = true;
            }
        }
        if !changed {
            return reasons;
        }
    }
}

/// `base` for `_meta/requirements/base.in` or `base.txt`; `None` for any other file.
fn requirement_stem(file: &Utf8Path) -> Option<&str> {
    (file.parent()? == REQUIREMENTS_DIR && matches!(file.extension()?, "in" | "txt")).then(|| file.file_stem())?
}

/// The ref to compare against when none is given: in GitHub Actions, the pull request's
/// base branch, or on a push the commit the branch was at before it (for a new branch, the
/// repository's default branch), from the event file; else the remote's default branch.
/// An event file that cannot be read falls back to the latter, silently.
pub fn default_base() -> String {
    if let Ok(branch) = std::env::var("GITHUB_BASE_REF")
        && !branch.is_empty()
    {
        return format!("origin/{branch}");
    }
    if std::env::var_os("GITHUB_EVENT_NAME").is_some_and(|e| e == "push")
        && let Some(path) = std::env::var_os("GITHUB_EVENT_PATH")
        && let Some(base) = std::fs::read(path).ok().and_then(|event| push_base(&event))
    {
        return base;
    }
    "origin/HEAD".to_owned()
}

/// The base of a push event's range: its `before` commit, or `origin/<default branch>` when
/// `before` is all zeros (the push made the branch). `None` when the event does not say.
fn push_base(event: &[u8]) -> Option<String> {
    struct Push {
        before: Option<String>,
        repository: Option<Repository>,
    }
    crate::shape::deserialize_struct! { Push { before: "before", repository: "repository" } }
    struct Repository {
        default_branch: Option<String>,
    }
    crate::shape::deserialize_struct! { Repository { default_branch: "default_branch" } }
    let push: Push = serde_json::from_slice(event).ok()?;
    // A commit id only (SHA-1 or SHA-256), so the value can never pass for an option of git's.
    let before = push.before.filter(|b| matches!(b.len(), 40 | 64) && b.bytes().all(|c| c.is_ascii_hexdigit()))?;
    if before.bytes().all(|c| c == b'0') {
        let branch = push.repository?.default_branch.filter(|b| !b.is_empty() && !b.starts_with('-'))?;
        return Some(format!("origin/{branch}"));
    }
    Some(before)
}

/// The files changed between the merge base of `base` and HEAD and the working tree,
/// untracked ones included, relative to `root`. Renames count as a deletion and an addition,
/// so both folders are touched.
pub fn changed_files(root: &Utf8Path, base: &str) -> Result<Vec<Utf8PathBuf>> {
    let git = |args: &[&str]| Cmd::new("git", root).args(args);
    let inside = exec::read(&git(&["rev-parse", "--is-inside-work-tree"]))?;
    if !inside.success {
        return Err(hinted(
            format!("{root} is not in a git repository, so there are no changes to compare"),
            "run `git init` and commit, or run `cargo xtask test-all` without --affected",
        ));
    }
    let commit = format!("{base}^{{commit}}");
    if !exec::read(&git(&["rev-parse", "--verify", "--quiet", &commit]))?.success {
        let message = format!("git knows no commit `{base}` to compare against");
        return Err(if is_shallow(root)? {
            hinted(
                format!("{message}: this clone is shallow (made with --depth), so older commits are not in it"),
                format!(
                    "fetch the history: in GitHub Actions, actions/checkout with `fetch-depth: 0`; \
                     or `git fetch --deepen=100`, or `git fetch origin {base}`"
                ),
            )
        } else {
            hinted(
                message,
                "pass --since with a branch, tag or commit; in a shallow CI checkout, fetch the base first \
                 (`git fetch origin main`, or actions/checkout with fetch-depth: 0)",
            )
        });
    }
    let merge_base = exec::read(&git(&["merge-base", &commit, "HEAD"]))?;
    if !merge_base.success {
        let shallow = if is_shallow(root)? { " (this clone is shallow)" } else { "" };
        return Err(hinted(
            format!("`{base}` and HEAD have no common ancestor that git can see{shallow}"),
            "in a shallow clone, fetch more history (`git fetch --unshallow`, or actions/checkout with fetch-depth: 0)",
        ));
    }
    let merge_base = merge_base.stdout.trim();
    let diff = exec::read_ok(&git(&["diff", "--name-only", "--no-renames", "--relative", "-z", merge_base]))
        .context("cannot list the changed files")?;
    let untracked = exec::read_ok(&git(&["ls-files", "--others", "--exclude-standard", "-z"]))
        .context("cannot list the untracked files")?;
    let mut files: Vec<Utf8PathBuf> =
        diff.split('\0').chain(untracked.split('\0')).filter(|f| !f.is_empty()).map(Into::into).collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// Whether the clone at `root` is shallow (fetched with `--depth`), for messages.
fn is_shallow(root: &Utf8Path) -> Result<bool> {
    let done = exec::read(&Cmd::new("git", root).args(["rev-parse", "--is-shallow-repository"]))?;
    Ok(done.success && done.stdout.trim() == "true")
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fsutil::write_test_file as write;

    /// `a` <- `b` <- `c` (c opts into the `http` layer), `d` alone; `e` and `f` share the env `pair`.
    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        write(
            &root,
            CONFIG_PATH,
            "[monorepo]\nmembers = [\"p/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n\n[layers.http]\n",
        );
        write(&root, "_meta/requirements/base.in", "pytest\n");
        write(&root, "_meta/requirements/http.in", "httpx\n-c ../../shared/http-pins.txt\n");
        write(&root, "shared/http-pins.txt", "httpx<1\n");
        for (name, deps, extra) in [
            ("a", "", ""),
            ("b", "\"a\"", ""),
            ("c", "\"b\"", "[tool.monorepo]\nlayers = [\"http\"]\n"),
            ("d", "", ""),
            ("e", "", "[tool.monorepo]\nenv = \"pair\"\n"),
            ("f", "", "[tool.monorepo]\nenv = \"pair\"\n"),
        ] {
            write(
                &root,
                &format!("p/{name}/pyproject.toml"),
                &format!("[project]\nname = \"{name}\"\ndependencies = [{deps}]\n{extra}"),
            );
        }
        let ws = Workspace::load(&root).unwrap();
        (dir, ws)
    }

    fn affected(ws: &Workspace, files: &[&str]) -> Vec<String> {
        let files: Vec<Utf8PathBuf> = files.iter().map(Into::into).collect();
        of_files(ws, &files)
            .iter()
            .enumerate()
            .filter_map(|(m, r)| Some(format!("{}: {}", ws.members[m].name, r.as_ref()?.describe(ws))))
            .collect()
    }

    #[test]
    fn a_project_file_affects_it_and_its_dependants_in_order() {
        let (_dir, ws) = workspace();
        assert_eq!(
            affected(&ws, &["p/a/src/a/core.py", "p/a/tests/test_a.py"]),
            ["a: p/a/src/a/core.py and 1 more file changed", "b: depends on a", "c: depends on b"]
        );
        assert_eq!(affected(&ws, &["p/c/README.md"]), ["c: p/c/README.md changed"]);
        assert_eq!(
            affected(&ws, &["p/e/x.py"]),
            ["e: p/e/x.py changed", "f: depends on e"],
            "a shared venv installs e for f too"
        );
        // Its tests and docs are not what it installs: its dependants read none of them.
        assert_eq!(
            affected(&ws, &["p/a/tests/test_a.py", "p/a/README.md"]),
            ["a: p/a/tests/test_a.py and 1 more file changed"]
        );
    }

    #[test]
    fn requirement_files_affect_the_envs_on_them() {
        let (_dir, ws) = workspace();
        let everyone =
            |why: &str| -> Vec<String> { ["a", "b", "c", "d", "e", "f"].map(|m| format!("{m}: {why}")).into() };
        assert_eq!(affected(&ws, &["_meta/requirements/base.in"]), everyone("_meta/requirements/base.in changed"));
        assert_eq!(affected(&ws, &[CONFIG_PATH]), everyone("_meta/monorepo.toml changed"));
        assert_eq!(affected(&ws, &["_meta/requirements/http.txt"]), ["c: _meta/requirements/http.txt changed"]);
        assert_eq!(affected(&ws, &["shared/http-pins.txt"]), ["c: shared/http-pins.txt changed"], "an include");
        assert_eq!(
            affected(&ws, &["_meta/requirements/pair.txt"]),
            ["e: _meta/requirements/pair.txt changed", "f: _meta/requirements/pair.txt changed"]
        );
        assert_eq!(
            affected(&ws, &["_meta/requirements/b.txt"]),
            ["b: _meta/requirements/b.txt changed"],
            "c's venv is locked by c.txt: b's lock installs nothing there"
        );
    }

    #[test]
    fn files_outside_projects_and_requirements_affect_nothing() {
        let (_dir, ws) = workspace();
        let none: [&str; 0] = [];
        assert_eq!(affected(&ws, &["README.md", "xtask/src/main.rs", "_meta/docs/x.md", "p/ab/x.py", "p"]), none);
        assert_eq!(affected(&ws, &["_meta/requirements/b.in", "_meta/requirements/nested/base.in"]), none);
    }

    /// Code and config shared outside the members' folders: `a` and `b` have `shared/` on
    /// their pythonpath, `b` the root too, `c` has `a`'s folder; `a` reads `data/*.csv`;
    /// `big` holds the nested member `child`; `d` reads nothing outside.
    fn legacy(extra_a: &str) -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        write(
            &root,
            CONFIG_PATH,
            "[monorepo]\nmembers = [\"p/*\", \"p/big/plugins/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n",
        );
        write(&root, "_meta/requirements/base.in", "pytest\n");
        write(&root, "shared/util.py", "X = 1\n");
        for (name, folder, tool) in [
            (
                "a",
                "p/a",
                format!("pythonpath = [\"../../shared\"]\ninputs = [\"data/*.csv\", \"./testdata/\"{extra_a}]\n"),
            ),
            ("b", "p/b", "pythonpath = [\"../../shared\", \"../..\"]\n".to_owned()),
            ("c", "p/c", "pythonpath = [\"../a\"]\n".to_owned()),
            ("d", "p/d", String::new()),
            ("big", "p/big", String::new()),
            ("child", "p/big/plugins/child", String::new()),
        ] {
            write(
                &root,
                &format!("{folder}/pyproject.toml"),
                &format!("[project]\nname = \"{name}\"\n\n[tool.monorepo]\n{tool}"),
            );
        }
        let ws = Workspace::load(&root).unwrap();
        (dir, ws)
    }

    fn sorted_in(ws: &Workspace, files: &[&str]) -> Vec<String> {
        let mut out = affected(ws, files);
        out.sort();
        out
    }

    #[test]
    fn pytest_config_above_a_member_affects_it() {
        let (_dir, ws) = legacy("");
        let all = |file: &str| -> Vec<String> {
            ["a", "b", "big", "c", "child", "d"].map(|m| format!("{m}: pytest config {file} applies to it")).into()
        };
        let sorted = |files: &[&str]| {
            let mut out = affected(&ws, files);
            out.sort();
            out
        };
        // No member has a pytest config of its own: pytest looks in every folder above.
        for file in ["pytest.ini", ".pytest.ini", "setup.cfg", "tox.ini", "pyproject.toml", "p/pytest.ini"] {
            assert_eq!(sorted(&[file]), all(file));
        }
        // Each member's pyproject is its rootdir (pytest 8.1 on): no conftest.py above loads.
        assert_eq!(sorted(&["conftest.py"]), ["b: conftest.py changed: on its pythonpath: the root"]);
        assert_eq!(sorted(&["p/conftest.py"]), ["b: p/conftest.py changed: on its pythonpath: the root"]);
        assert_eq!(sorted(&["p/big/conftest.py"]), ["big: p/big/conftest.py changed"]);
        // With a pytest config at the root, it is the rootdir: conftest.py files load from it.
        let root = ws.root.clone();
        std::fs::write(root.join("pytest.ini"), "[pytest]\n").unwrap();
        let ws2 = Workspace::load(&root).unwrap();
        assert_eq!(affected(&ws2, &["conftest.py"]).len(), 6);
        assert_eq!(
            sorted_in(&ws2, &["p/big/conftest.py"]),
            ["big: p/big/conftest.py changed", "child: pytest config p/big/conftest.py applies to it"]
        );
        // A member with a config of its own reads nothing above it.
        std::fs::write(root.join("p/d/pytest.ini"), "[pytest]\n").unwrap();
        let ws3 = Workspace::load(&root).unwrap();
        let out = affected(&ws3, &["pytest.ini", "conftest.py", "tox.ini"]);
        assert!(out.iter().all(|l| !l.starts_with("d:")), "{out:?}");
        std::fs::remove_file(root.join("pytest.ini")).unwrap();
        std::fs::remove_file(root.join("p/d/pytest.ini")).unwrap();
        let none: [&str; 0] = [];
        assert_eq!(
            affected(&ws, &["other/pytest.ini", "p/d/sub/conftest.py", "README.md"]),
            ["d: p/d/sub/conftest.py changed"]
        );
        assert_eq!(affected(&ws, &["x/tox.ini", "p/notes.md"]), none);
    }

    #[test]
    fn a_members_own_pyproject_is_its_file_and_config_for_the_members_below() {
        let (_dir, mut ws) = legacy("");
        let sorted = |ws: &Workspace, files: &[&str]| {
            let mut out = affected(ws, files);
            out.sort();
            out
        };
        assert_eq!(
            sorted(&ws, &["p/big/pyproject.toml"]),
            ["big: p/big/pyproject.toml changed", "child: pytest config p/big/pyproject.toml applies to it"]
        );
        // A member at the root (the workspace finds none there today) owns the root's pyproject.
        let d = ws.member("d").unwrap();
        ws.members[d].dir = Utf8PathBuf::new();
        let others =
            ["a", "b", "big", "c", "child"].map(|m| format!("{m}: pytest config pyproject.toml applies to it"));
        let mut wanted: Vec<String> = others.into();
        wanted.push("d: pyproject.toml changed".to_owned());
        wanted.sort();
        assert_eq!(sorted(&ws, &["pyproject.toml"]), wanted);
    }

    #[test]
    fn pythonpath_folders_and_input_globs_affect_who_reads_them() {
        let (_dir, ws) = legacy("");
        let none: [&str; 0] = [];
        assert_eq!(
            affected(&ws, &["shared/util.py"]),
            [
                "a: shared/util.py changed: on its pythonpath: shared",
                "b: shared/util.py changed: on its pythonpath: shared",
            ],
            "c has a's folder on its pythonpath, not a's pythonpath"
        );
        assert_eq!(affected(&ws, &["shared/data.json"]).len(), 2, "a folder named on the pythonpath counts whole");
        // The root on b's pythonpath: Python files outside the members' folders only.
        assert_eq!(affected(&ws, &["tools/x.py"]), ["b: tools/x.py changed: on its pythonpath: the root"]);
        assert_eq!(affected(&ws, &["tools/x.md", "README.md"]), none);
        assert_eq!(affected(&ws, &["p/d/src/d.py"]), ["d: p/d/src/d.py changed"], "another member's code");
        // A member's folder on the pythonpath counts whole, but not its venv.
        assert_eq!(
            affected(&ws, &["p/a/x.md"]),
            ["a: p/a/x.md changed", "c: p/a/x.md changed: on its pythonpath: p/a"]
        );
        let none: [&str; 0] = [];
        assert_eq!(affected(&ws, &["p/a/.venv/lib/site.py"]), none, "a venv is no one's input");
        // Globs are relative to the root, `*` one folder level.
        assert_eq!(affected(&ws, &["data/x.csv"]), ["a: data/x.csv changed: an input of it ([tool.monorepo].inputs)"]);
        assert_eq!(affected(&ws, &["data/sub/x.csv", "data/x.json", "testdata.txt"]), none);
        assert_eq!(
            affected(&ws, &["testdata/deep/x.bin"]),
            ["a: testdata/deep/x.bin changed: an input of it ([tool.monorepo].inputs)"],
            "a folder's files"
        );
    }

    #[test]
    fn a_nested_members_files_affect_it_and_not_its_parent() {
        let (_dir, ws) = legacy("");
        assert_eq!(affected(&ws, &["p/big/plugins/child/x.py"]), ["child: p/big/plugins/child/x.py changed"]);
        assert_eq!(affected(&ws, &["p/big/x.py"]), ["big: p/big/x.py changed"]);
        assert_eq!(affected(&ws, &["p/big/plugins/x.py"]), ["big: p/big/plugins/x.py changed"]);
    }

    #[test]
    fn an_invalid_input_glob_is_an_error_naming_the_pyproject() {
        let (_dir, ws) = legacy("");
        assert!(Workspace::load(&ws.root).is_ok());
        for bad in ["data/[x", "../outside/*", "/abs/*", ""] {
            let path = ws.root.join("p/a/pyproject.toml");
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("\"./testdata/\"]", &format!("\"./testdata/\", \"{bad}\"]"))).unwrap();
            // Loading checks every glob: no command starts work on a workspace with a bad one.
            let err = Workspace::load(&ws.root).unwrap_err();
            assert!(
                err.to_string().starts_with(&format!("p/a/pyproject.toml: [tool.monorepo].inputs: `{bad}` is not")),
                "{err}"
            );
            assert!(crate::error::hint_of(&err).is_some(), "{err}");
            std::fs::write(&path, text).unwrap();
        }
    }

    #[test]
    fn an_invalid_input_glob_of_a_member_declared_in_the_config_names_the_config() {
        let (_dir, ws) = legacy("");
        let root = ws.root.clone();
        let config = std::fs::read_to_string(root.join(CONFIG_PATH)).unwrap();
        write(&root, CONFIG_PATH, &format!("{config}\n[member.\"scripts\"]\ninputs = [\"data/[x\"]\n"));
        std::fs::create_dir_all(root.join("scripts")).unwrap();
        // Loading checks every glob: no command starts work on a workspace with a bad one.
        let err = Workspace::load(&root).unwrap_err();
        assert!(err.to_string().starts_with("_meta/monorepo.toml: [member.\"scripts\"].inputs: `data/[x`"), "{err}");
    }

    #[test]
    fn a_push_compares_against_the_commit_before_it_or_the_default_branch() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let event = |before: &str| format!(r#"{{"before": "{before}", "repository": {{"default_branch": "trunk"}}}}"#);
        assert_eq!(push_base(event(sha).as_bytes()), Some(sha.to_owned()));
        assert_eq!(push_base(event(&"0".repeat(40)).as_bytes()), Some("origin/trunk".to_owned()), "a new branch");
        assert_eq!(push_base(br#"{"before": "0000000000000000000000000000000000000000"}"#), None);
        assert_eq!(push_base(event("--output=x").as_bytes()), None, "not a commit id");
        assert_eq!(push_base(b"{}"), None);
        assert_eq!(push_base(b"not json"), None);
    }
}
