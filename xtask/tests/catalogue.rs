//! The error catalogue: one bad input per test, each run end to end on a small real monorepo,
//! asserting the exit code, the message (the file, the line where there is one, the cause,
//! and the hint where one is given) and that the run wrote nothing. A few inputs that look
//! bad but must work (a folder name with spaces and non-ASCII) are here too.
//! `errors.rs` has the cases this file does not repeat (a dependency cycle, a malformed
//! pyproject, an unknown layer, a folder without pyproject, two projects of one name, a
//! two-layer cycle, shared envs). `_meta/docs/troubleshooting.md` lists them all.
#![cfg(unix)]

mod support;

// Table-driven rows: the harness, and a file of rows per area.
#[path = "catalogue/config_rows.rs"]
mod config_rows;
#[path = "catalogue/modes_rows.rs"]
mod modes_rows;
#[path = "catalogue/names_rows.rs"]
mod names_rows;
#[path = "catalogue/table.rs"]
mod table;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{Repo, Run};

/// One entry of a [`Tree`]: what is at a path (links not followed).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
    Other,
}

/// Path (relative to the root) -> what is there.
type Tree = BTreeMap<PathBuf, Node>;

/// Everything in the repo, without following links, leaving out `_meta/.tools` (a link to
/// the folder every test shares) and the repository lock (`_meta/.state/repo.lock`, which
/// every command but `graph` and `affected` takes: the tool's own state, never user data).
fn snapshot(repo: &Repo) -> Tree {
    fn walk(root: &Path, rel: &Path, out: &mut Tree) {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(rel)).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = rel.join(entry.file_name());
            if path == Path::new("_meta/.tools")
                || path == Path::new("_meta/.state")
                || path == Path::new("_meta/.state/repo.lock")
            {
                continue;
            }
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                out.insert(path, Node::Link(std::fs::read_link(entry.path()).unwrap()));
            } else if kind.is_dir() {
                out.insert(path.clone(), Node::Dir);
                walk(root, &path, out);
            } else if kind.is_file() {
                out.insert(path, Node::File(std::fs::read(entry.path()).unwrap()));
            } else {
                out.insert(path, Node::Other);
            }
        }
    }
    let mut tree = Tree::new();
    walk(&repo.path(""), Path::new(""), &mut tree);
    // `_meta/.state` holds the repository lock only; anything else in it is a change.
    if let Ok(entries) = std::fs::read_dir(repo.path("_meta/.state")) {
        for entry in entries.map(|e| e.unwrap()).filter(|e| e.file_name() != "repo.lock") {
            tree.insert(Path::new("_meta/.state").join(entry.file_name()), Node::Other);
        }
    }
    tree
}

/// What differs between two snapshots, one line a path.
fn changes(before: &Tree, after: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    for (path, node) in before {
        match after.get(path) {
            None => out.push(format!("removed {}", path.display())),
            Some(now) if now != node => out.push(format!("changed {}", path.display())),
            _ => {}
        }
    }
    out.extend(after.keys().filter(|p| !before.contains_key(*p)).map(|p| format!("added {}", p.display())));
    out
}

/// Runs `run` and asserts that it left the repo's tree as it found it.
fn unchanged(repo: &Repo, run: impl FnOnce() -> Run) -> Run {
    let before = snapshot(repo);
    let run = run();
    let changed = changes(&before, &snapshot(repo));
    assert!(changed.is_empty(), "the run wrote to the repo: {changed:#?}\n{}", run.all());
    run
}

/// Asserts every needle is in `text`.
fn assert_has(run: &Run, text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "missing `{needle}` in\n{}", run.all());
    }
}

/// Runs `args`, asserts exit 2 with an `error:` that holds every needle (the message, the
/// cause, `hint: ...`), and that nothing was written.
fn fails(repo: &Repo, args: &[&str], needles: &[&str]) -> Run {
    let run = unchanged(repo, || repo.expect(args, 2));
    assert!(run.stderr.contains("error: "), "{}", run.all());
    assert!(run.stderr.contains("\nhint: "), "every error here has a hint\n{}", run.all());
    assert_has(&run, &run.stderr, needles);
    run
}

/// [`fails`] for `graph`, which loads the workspace and nothing else: a bad input is found
/// there, before any work.
fn bad_workspace(repo: &Repo, needles: &[&str]) -> Run {
    let run = fails(repo, &["graph"], needles);
    assert!(run.stderr.starts_with("error: "), "the error comes before anything else\n{}", run.all());
    run
}

const CONFIG: &str = "_meta/monorepo.toml";
const CORE: &str = "projects/core/pyproject.toml";

// ---------------------------------------------------------------------------------------------
// The config, _meta/monorepo.toml. Its lines: 1 [monorepo], 2 members, 3 python, 4 uv,
// 5 no-index, 6 find-links, 7 (empty), 8 [layers.extra].

#[test]
fn config_malformed_toml_names_the_line() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "members = [\"projects/*\"]", "members = [\"projects/*\"");
    bad_workspace(
        &repo,
        &[
            "error: _meta/monorepo.toml is not valid TOML",
            "line 3",
            "missing comma",
            "hint: fix the syntax of _meta/monorepo.toml at the line shown",
        ],
    );
}

#[test]
fn config_unknown_key_names_the_closest() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "python = ", "pythn = ");
    bad_workspace(
        &repo,
        &[
            "error: _meta/monorepo.toml: unknown key `monorepo.pythn` (line 3)",
            "hint: did you mean `python`? the keys allowed in [monorepo] are: members, exclude, python, uv",
        ],
    );
}

#[test]
fn config_python_as_a_number_is_a_type_error() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "python = \"3.11\"", "python = 3.11");
    bad_workspace(
        &repo,
        &[
            "error: _meta/monorepo.toml: `monorepo.python` must be a string, not floating point `3.11` (line 3)",
            "hint: write it as python = \"...\"",
        ],
    );
}

#[test]
fn config_no_index_as_a_string_is_a_type_error() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "no-index = true", "no-index = \"yes\"");
    bad_workspace(
        &repo,
        &[
            "error: _meta/monorepo.toml: `monorepo.no-index` must be a boolean, not string \"yes\" (line 5)",
            "hint: write it as no-index = true or no-index = false",
        ],
    );
}

#[test]
fn config_members_as_a_string_is_a_type_error() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "members = [\"projects/*\"]", "members = \"projects/*\"");
    bad_workspace(
        &repo,
        &[
            "error: _meta/monorepo.toml: `monorepo.members` must be an array of strings, not string \"projects/*\" (line 2)",
            "hint: write it as members = [\"...\"]",
        ],
    );
}

#[test]
fn config_bad_exclude_glob_names_the_pattern_and_its_line() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "members = [\"projects/*\"]\n", "members = [\"projects/*\"]\nexclude = [\"projects/{old\"]\n");
    bad_workspace(
        &repo,
        &["error: _meta/monorepo.toml: bad exclude pattern \"projects/{old\": unclosed alternate group", "(line 3)"],
    );
}

#[test]
fn config_unknown_key_in_a_layer_names_the_layer_and_the_closest() {
    let repo = Repo::sample();
    repo.append(CONFIG, "extnds = [\"gpu\"]\n");
    bad_workspace(
        &repo,
        &[
            "error: _meta/monorepo.toml: unknown key `layers.extra.extnds` (line 9)",
            "hint: did you mean `extends`? the keys allowed in [layers.extra] are: extends",
        ],
    );
}

#[test]
fn config_a_layer_that_extends_itself_is_a_cycle() {
    let repo = Repo::sample();
    repo.append(CONFIG, "extends = [\"extra\"]\n");
    bad_workspace(
        &repo,
        &["error: _meta/monorepo.toml: the layers extend each other in a cycle: extra -> extra", "hint: remove one"],
    );
}

#[test]
fn config_a_layer_without_its_input_file() {
    let repo = Repo::sample();
    repo.append(CONFIG, "\n[layers.gpu]\n");
    bad_workspace(
        &repo,
        &[
            "error: layer `gpu` has no input file _meta/requirements/gpu.in",
            "hint: create _meta/requirements/gpu.in with one requirement per line",
        ],
    );
}

#[test]
fn config_declaring_the_base_layer() {
    let repo = Repo::sample();
    repo.append(CONFIG, "\n[layers.base]\n");
    bad_workspace(
        &repo,
        &["error: _meta/monorepo.toml: [layers.base] is implicit", "hint: remove it: every env gets base"],
    );
}

#[test]
fn config_exclude_newer_that_is_no_date() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "no-index = true", "exclude-newer = \"2026-13-01\"\nno-index = true");
    bad_workspace(
        &repo,
        &[
            "error: _meta/monorepo.toml: `monorepo.exclude-newer` is `2026-13-01`, neither an RFC 3339 timestamp nor a date (line 5)",
            "hint: in _meta/monorepo.toml, write a date (exclude-newer = \"2026-11-01\")",
        ],
    );
}

#[test]
fn config_exclude_newer_as_a_number() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "no-index = true", "exclude-newer = 20261101\nno-index = true");
    bad_workspace(
        &repo,
        &[
            "error: _meta/monorepo.toml: `monorepo.exclude-newer` must be a date or an RFC 3339 timestamp, not integer (line 5)",
            "hint: write it as exclude-newer = \"2026-11-01\"",
        ],
    );
}

#[test]
fn config_without_python() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "python = \"3.11\"\n", "");
    bad_workspace(
        &repo,
        &["error: _meta/monorepo.toml: monorepo.python is missing", "hint: add python = \"3.11\" under [monorepo]"],
    );
}

#[test]
fn config_without_a_monorepo_table() {
    let repo = Repo::sample();
    repo.write(CONFIG, "[layers.extra]\n");
    bad_workspace(
        &repo,
        &["error: _meta/monorepo.toml has no [monorepo] table", "hint: add [monorepo] with members, python and uv"],
    );
}

#[test]
fn config_keys_without_the_monorepo_header() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "[monorepo]\n", "# the monorepo\n");
    bad_workspace(
        &repo,
        &[
            "error: _meta/monorepo.toml has no [monorepo] table: its keys are at the top level (line 2)",
            "hint: add a line `[monorepo]` above members, python and uv",
        ],
    );
}

#[test]
fn no_config_in_the_folder_or_above() {
    let repo = Repo::sample();
    std::fs::remove_file(repo.path(CONFIG)).unwrap();
    let run = bad_workspace(&repo, &["error: no _meta/monorepo.toml in ", "or any folder above it"]);
    assert_has(&run, &run.stderr, &["hint: run the xtask inside the monorepo"]);
}

// ---------------------------------------------------------------------------------------------
// Pyprojects. Repo::project's lines: 1 [project], 2 name, 3 version, 4 requires-python,
// 5 dependencies, 6 (empty), 7 [build-system], 8 requires, 9 build-backend.

#[test]
fn pyproject_without_a_project_table() {
    let repo = Repo::sample();
    repo.write(CORE, "[tool.black]\nline-length = 100\n");
    bad_workspace(
        &repo,
        &["error: projects/core/pyproject.toml has no [project] table", "hint: declare the project the PEP 621 way"],
    );
}

#[test]
fn pyproject_without_a_name() {
    let repo = Repo::sample();
    repo.edit(CORE, "name = \"e2e-core\"\n", "");
    bad_workspace(
        &repo,
        &["error: projects/core/pyproject.toml has no [project].name", "hint: add `name = \"...\"` under [project]"],
    );
}

#[test]
fn pyproject_with_an_invalid_name() {
    let repo = Repo::sample();
    repo.edit(CORE, "name = \"e2e-core\"", "name = \"-core-\"");
    bad_workspace(
        &repo,
        &[
            "error: projects/core/pyproject.toml: `-core-` is not a valid project name",
            "hint: use letters, digits, `-`, `_` and `.`",
        ],
    );
}

#[test]
fn pyproject_bad_dependency_string_names_its_line() {
    let repo = Repo::sample();
    repo.edit("projects/lib/pyproject.toml", "\"tiny-a>=1.16\"", "\"tiny-a 1.16\"");
    bad_workspace(
        &repo,
        &[
            "error: projects/lib/pyproject.toml: `tiny-a 1.16` is not a valid requirement (line 5)",
            "hint: write requirements the PEP 508 way, e.g. `numpy>=1.26`",
        ],
    );
}

#[test]
fn pyproject_unknown_tool_monorepo_key_names_the_closest() {
    let repo = Repo::sample();
    repo.append(CORE, "\n[tool.monorepo]\nlayer = [\"extra\"]\n");
    bad_workspace(
        &repo,
        &[
            "error: projects/core/pyproject.toml: unknown key `tool.monorepo.layer` (line 12)",
            "hint: did you mean `layers`? the keys allowed in [tool.monorepo] are: layers, env, python, extras, groups",
        ],
    );
}

#[test]
fn pyproject_layers_as_a_string_is_a_type_error() {
    let repo = Repo::sample();
    repo.append(CORE, "\n[tool.monorepo]\nlayers = \"extra\"\n");
    bad_workspace(
        &repo,
        &[
            "error: projects/core/pyproject.toml: `tool.monorepo.layers` must be an array of strings, not string \"extra\" (line 12)",
            "hint: write it as layers = [\"...\"]",
        ],
    );
}

#[test]
fn pyproject_unknown_layer_typo_lists_the_declared_layers() {
    let repo = Repo::sample();
    repo.append(CORE, "\n[tool.monorepo]\nlayers = [\"extr\"]\n");
    bad_workspace(
        &repo,
        &[
            "error: projects/core/pyproject.toml: unknown layer `extr` in [tool.monorepo].layers",
            "hint: declare [layers.extr] in _meta/monorepo.toml with _meta/requirements/extr.in; declared layers: extra",
        ],
    );
}

#[test]
fn pyproject_env_named_like_a_layer() {
    let repo = Repo::sample();
    repo.append(CORE, "\n[tool.monorepo]\nenv = \"extra\"\n");
    bad_workspace(
        &repo,
        &[
            "error: env `extra` has the name of layer `extra`: both would be locked to _meta/requirements/extra.txt",
            "hint: rename the project folder, its [tool.monorepo].env, or the layer",
        ],
    );
}

#[test]
fn pyproject_env_name_that_is_a_path() {
    let repo = Repo::sample();
    repo.append(CORE, "\n[tool.monorepo]\nenv = \"a/b\"\n");
    bad_workspace(
        &repo,
        &["error: projects/core/pyproject.toml: `a/b` is not a valid env name", "hint: an env name is a file name"],
    );
}

#[test]
fn pyproject_a_project_that_depends_on_itself() {
    let repo = Repo::sample();
    repo.edit(CORE, "dependencies = []", "dependencies = [\"E2E_Core\"]");
    bad_workspace(
        &repo,
        &[
            "error: projects/core/pyproject.toml: project `e2e-core` depends on itself (`E2E_Core`)",
            "hint: remove `E2E_Core` from the requirements of projects/core/pyproject.toml",
        ],
    );
}

#[test]
fn pyproject_impossible_requires_python() {
    let repo = Repo::sample();
    repo.edit(CORE, "requires-python = \">=3.11\"", "requires-python = \">=3.12,<3.11\"");
    bad_workspace(
        &repo,
        &[
            "error: projects/core/pyproject.toml: requires-python `>=3.12,<3.11` allows no Python version",
            "hint: fix `requires-python` in projects/core/pyproject.toml",
        ],
    );
}

#[test]
fn pyproject_requires_python_below_every_version_the_tool_can_pick() {
    let repo = Repo::sample();
    repo.edit(CORE, "requires-python = \">=3.11\"", "requires-python = \"<3.0\"");
    bad_workspace(&repo, &["error: projects/core/pyproject.toml: requires-python `<3.0` excludes Python 3.11"]);
}

/// `<3.0` has no lower bound to pick a Python from, and asks for a Python 2: the likely fix
/// is the bound itself, which the hint should name first.
#[test]
fn pyproject_requires_python_with_no_lower_bound_hints_at_requires_python() {
    let repo = Repo::sample();
    repo.edit(CORE, "requires-python = \">=3.11\"", "requires-python = \"<3.0\"");
    bad_workspace(&repo, &["hint: fix `requires-python` in projects/core/pyproject.toml", "[tool.monorepo].python"]);
}

#[test]
fn pyproject_dynamic_dependencies_with_a_backend_that_cannot_compute_them() {
    let repo = Repo::sample();
    // uv_build reads static metadata only: the backend says so, and the way out is named.
    repo.edit(CORE, "dependencies = []", "dynamic = [\"dependencies\"]");
    fails(
        &repo,
        &["graph"],
        &[
            "error: cannot read the metadata of projects/core: its build backend `uv_build` failed",
            "Dynamic metadata is not supported",
            "hint: its output is above; fix projects/core's build configuration, or list its dependencies statically",
        ],
    );
}

#[test]
fn pyproject_an_undeclared_group() {
    let repo = Repo::sample();
    repo.append(CORE, "\n[tool.monorepo]\ngroups = [\"lint\"]\n");
    bad_workspace(
        &repo,
        &[
            "error: projects/core/pyproject.toml: tool.monorepo.groups names `lint`, which [dependency-groups] does not declare",
            "hint: declare lint = [...] under [dependency-groups], or remove it",
        ],
    );
}

#[test]
fn pyproject_an_undeclared_extra() {
    let repo = Repo::sample();
    repo.append(CORE, "\n[tool.monorepo]\nextras = [\"fast\"]\n");
    bad_workspace(
        &repo,
        &[
            "error: projects/core/pyproject.toml: tool.monorepo.extras names `fast`, which [project.optional-dependencies] does not declare",
            "hint: declare fast = [...] under [project.optional-dependencies], or remove it",
        ],
    );
}

#[test]
fn pyproject_an_include_group_cycle() {
    let repo = Repo::sample();
    repo.append(
        CORE,
        "\n[dependency-groups]\ntest = [{include-group = \"dev\"}]\ndev = [{include-group = \"test\"}]\n",
    );
    bad_workspace(
        &repo,
        &[
            "error: projects/core/pyproject.toml: dependency-groups.",
            "includes itself",
            "hint: remove the include-group cycle",
        ],
    );
}

#[test]
fn pyproject_not_utf8() {
    let repo = Repo::sample();
    std::fs::write(repo.path(CORE), b"[project]\nname = \"caf\xe9\"\n").unwrap();
    bad_workspace(
        &repo,
        &["error: projects/core/pyproject.toml is not UTF-8 text", "hint: save projects/core/pyproject.toml as UTF-8"],
    );
}

#[test]
fn pyproject_that_is_a_folder() {
    let repo = Repo::sample();
    std::fs::remove_file(repo.path(CORE)).unwrap();
    std::fs::create_dir(repo.path(CORE)).unwrap();
    bad_workspace(
        &repo,
        &[
            "error: projects/core/pyproject.toml is a folder, not a file",
            "hint: move projects/core/pyproject.toml away",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Requirements files (.in). Found when the workspace loads: before any lock is written.

const BASE_IN: &str = "_meta/requirements/base.in";

#[test]
fn in_file_a_missing_include_names_the_including_file_and_line() {
    let repo = Repo::sample();
    repo.write(BASE_IN, "pytest>=8\n# the team's tools\n-r tools.in\n");
    fails(
        &repo,
        &["lock"],
        &[
            "error: _meta/requirements/base.in:3 includes _meta/requirements/tools.in, which cannot be read",
            "hint: create _meta/requirements/tools.in, or fix the path in _meta/requirements/base.in (it is relative to _meta/requirements/base.in's folder)",
        ],
    );
}

#[test]
fn in_file_a_missing_constraints_file_is_relative_to_its_layer_input() {
    let repo = Repo::sample();
    repo.write("_meta/requirements/extra.in", "tiny-b>=3\n-c ../constraints.txt\n");
    fails(
        &repo,
        &["setup-envs"],
        &["error: _meta/requirements/extra.in:2 includes _meta/constraints.txt, which cannot be read"],
    );
}

#[test]
fn in_file_a_line_that_is_no_requirement() {
    let repo = Repo::sample();
    repo.write(BASE_IN, "pytest>=8\npytest 9\n");
    fails(
        &repo,
        &["lock"],
        &[
            "error: _meta/requirements/base.in:2: `pytest 9` is not a requirement",
            "hint: write one PEP 508 requirement per line of _meta/requirements/base.in",
        ],
    );
}

#[test]
fn in_file_an_unknown_option_names_the_closest() {
    let repo = Repo::sample();
    repo.write(BASE_IN, "--find-link ../wheels\npytest>=8\n");
    fails(
        &repo,
        &["lock"],
        &["error: _meta/requirements/base.in:1: unknown option `--find-link`", "hint: did you mean `--find-links`?"],
    );
}

#[test]
fn in_file_an_option_without_its_value() {
    let repo = Repo::sample();
    repo.write(BASE_IN, "pytest>=8\n--index-url\n");
    fails(
        &repo,
        &["lock"],
        &[
            "error: _meta/requirements/base.in:2: `--index-url` needs a value",
            "hint: write it as `--index-url VALUE` on line 2 of _meta/requirements/base.in",
        ],
    );
}

#[test]
fn in_file_not_utf8() {
    let repo = Repo::sample();
    std::fs::write(repo.path(BASE_IN), b"pytest>=8 # caf\xe9\n").unwrap();
    fails(
        &repo,
        &["lock"],
        &[
            "error: cannot read _meta/requirements/base.in: it is not UTF-8 text",
            "hint: save _meta/requirements/base.in as UTF-8",
        ],
    );
}

#[test]
fn in_file_base_missing() {
    let repo = Repo::sample();
    std::fs::remove_file(repo.path(BASE_IN)).unwrap();
    fails(
        &repo,
        &["lock"],
        &[
            "error: layer `base` has no input file _meta/requirements/base.in",
            "hint: create _meta/requirements/base.in with one requirement per line",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Locks.

#[test]
fn lock_a_lock_that_is_a_folder_and_every_written_lock_is_put_back() {
    let repo = Repo::sample();
    std::fs::create_dir_all(repo.path("_meta/requirements/solo.txt/notes")).unwrap();
    repo.write("_meta/requirements/solo.txt/notes/mine.md", "the user's\n");
    let run = fails(
        &repo,
        &["lock"],
        &[
            "error: cannot lock `solo` (_meta/requirements/solo.txt): _meta/requirements/solo.txt is a folder, not a lock file",
            "hint: move _meta/requirements/solo.txt away: the lock of `solo` is written there",
        ],
    );
    // Locks compiled before the failure are put back: here, to not existing.
    assert!(!repo.path("_meta/requirements/base.txt").exists(), "{}", run.all());
}

#[test]
fn lock_garbage_or_binary_is_named_by_check_and_compiled_again_by_setup_envs() {
    let repo = Repo::sample();
    repo.expect(&["lock", "-p", "solo"], 0);
    let good = repo.read("_meta/requirements/solo.txt");
    std::fs::write(repo.path("_meta/requirements/solo.txt"), b"\x00\xff\xfe garbage\n").unwrap();
    let check = unchanged(&repo, || repo.expect(&["check"], 1));
    assert_has(&check, &check.stdout, &["_meta/requirements/solo.txt cannot be read", "hint: run `cargo xtask lock`"]);
    repo.write("_meta/requirements/solo.txt", "<<<<<<< HEAD\npytest==9.0.3\n=======\n");
    let setup = repo.expect(&["setup-envs", "-p", "solo"], 0);
    assert_has(&setup, &setup.stderr, &["Locked solo ", "Synced solo "]);
    assert_eq!(repo.read("_meta/requirements/solo.txt"), good, "compiled again, as it was");
}

#[test]
fn lock_an_upgrade_package_that_no_lock_pins_names_the_closest() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    fails(
        &repo,
        &["lock", "--upgrade-package", "pytset"],
        &["error: --upgrade-package pytset: no lock in scope pins `pytset`", "did you mean `pytest`?"],
    );
}

// ---------------------------------------------------------------------------------------------
// Paths and venvs.

#[test]
fn a_project_folder_with_spaces_and_non_ascii_locks_sets_up_and_tests() {
    let repo = Repo::new();
    let dir = "projects/my prøject ünï";
    repo.write(
        &format!("{dir}/pyproject.toml"),
        "[project]\nname = \"e2e-mine\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = []\n\n\
         [build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
    );
    repo.write(&format!("{dir}/src/e2e_mine/__init__.py"), "def double(x):\n    return 2 * x\n");
    repo.write(
        &format!("{dir}/tests/test_mine.py"),
        "from e2e_mine import double\n\ndef test_double():\n    assert double(2) == 4\n",
    );
    let lock = repo.expect(&["lock"], 0);
    assert_has(&lock, &lock.stderr, &["Locked my prøject ünï (_meta/requirements/my prøject ünï.txt)"]);
    assert!(repo.read("_meta/requirements/my prøject ünï.txt").contains("-e ./projects/my prøject ünï\n"));
    repo.expect(&["setup-envs", "-p", "my prøject ünï"], 0);
    let test = repo.expect(&["test", "e2e-mine"], 0);
    assert_has(&test, &test.stdout, &["1 passed"]);
    repo.expect(&["check"], 0);
}

/// A read-only bind mount of a folder onto itself, unmounted when dropped.
struct ReadOnlyMount(PathBuf);

impl ReadOnlyMount {
    fn new(dir: &Path) -> Option<ReadOnlyMount> {
        let mount = |args: &[&str]| {
            Command::new("mount").args(args).arg(dir).arg(dir).stderr(std::process::Stdio::null()).status()
        };
        if !mount(&["--bind"]).is_ok_and(|s| s.success()) {
            return None;
        }
        let guard = ReadOnlyMount(dir.to_owned());
        let remounted = Command::new("mount")
            .args(["-o", "remount,ro,bind"])
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        remounted.then_some(guard)
    }
}

impl Drop for ReadOnlyMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Whether a file can be created in `dir` (as root, a mode does not stop it).
fn can_write_in(dir: &Path) -> bool {
    let probe = dir.join(".catalogue-probe");
    let ok = std::fs::write(&probe, "").is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

#[test]
fn a_read_only_requirements_folder_is_named_and_nothing_changes() {
    let repo = Repo::sample();
    let dir = repo.path("_meta/requirements");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let expect_named = |repo: &Repo| {
        fails(
            repo,
            &["lock"],
            &[
                "error: cannot lock `base` (_meta/requirements/base.txt): cannot write in _meta/requirements",
                "hint: make _meta/requirements writable (every lock is written there)",
            ],
        );
    };
    if !can_write_in(&dir) {
        expect_named(&repo);
    } else if let Some(mount) = ReadOnlyMount::new(&dir) {
        // Root writes through a mode: a read-only mount stops even root.
        assert!(!can_write_in(&dir));
        expect_named(&repo);
        drop(mount);
    } else {
        // Root, and no mount: the write succeeds; the tool leaves the folder's mode alone.
        eprintln!("note: running as root without mount: the read-only case cannot be provoked");
        repo.expect(&["lock"], 0);
    }
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o555, "the folder's mode is the user's");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Something the xtask did not make at a member's `.venv` (an old script's venv, a file, a
/// link elsewhere) is left as it is: the venv goes to `_meta/venvs/`, and the run says why.
fn works_around(repo: &Repo, what: &str) {
    let run = repo.expect(&["setup-envs", "-p", "core"], 0);
    let note = format!(
        "Note projects/core/.venv {what}: the xtask leaves it alone, so the venv of `core` is _meta/venvs/core"
    );
    assert!(run.stderr.contains(&note), "{}", run.all());
    assert!(repo.path("_meta/venvs/core/.xtask-stamp").is_file(), "{}", run.all());
    repo.expect(&["test", "core"], 0);
    let again = repo.expect(&["setup-envs", "-p", "core"], 0);
    assert!(again.stderr.contains("Fresh"), "the new place is kept: {}", again.all());
}

#[test]
fn a_dangling_venv_link_is_left_alone_and_worked_around() {
    let repo = Repo::sample();
    std::os::unix::fs::symlink("/nonexistent/venvs/core", repo.path("projects/core/.venv")).unwrap();
    works_around(&repo, "is a link to /nonexistent/venvs/core");
    assert_eq!(std::fs::read_link(repo.path("projects/core/.venv")).unwrap(), Path::new("/nonexistent/venvs/core"));
}

#[test]
fn a_plain_file_at_venv_is_left_alone_and_worked_around() {
    let repo = Repo::sample();
    repo.write("projects/core/.venv", "VIRTUAL_ENV=somewhere\n");
    works_around(&repo, "is a file");
    assert_eq!(repo.read("projects/core/.venv"), "VIRTUAL_ENV=somewhere\n");
}

#[test]
fn a_folder_of_the_users_at_venv_is_untouched() {
    let repo = Repo::sample();
    repo.write("projects/core/.venv/notes.md", "my notes\n");
    repo.write("projects/core/.venv/bin/tool", "#!/bin/sh\n");
    works_around(&repo, "is a folder the xtask did not make");
    assert_eq!(repo.read("projects/core/.venv/notes.md"), "my notes\n");
}

#[test]
fn an_old_scripts_venv_is_never_synced_or_removed() {
    let repo = Repo::sample();
    let out = std::process::Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(repo.path("projects/core/.venv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    repo.write("projects/core/.venv/lib/marker-of-the-old-script.txt", "kept\n");
    works_around(&repo, "is a venv the xtask did not make (an old script's?)");
    assert_eq!(repo.read("projects/core/.venv/lib/marker-of-the-old-script.txt"), "kept\n");
    assert!(!repo.path("projects/core/.venv/.xtask-venv").exists(), "never marked as ours");
}

// ---------------------------------------------------------------------------------------------
// Interpreters.

#[test]
fn python_that_is_not_installed_names_what_was_looked_for() {
    let repo = Repo::sample();
    repo.edit(CONFIG, "python = \"3.11\"", "python = \"3.99\"");
    fails(
        &repo,
        &["setup-envs"],
        &[
            "no Python 3.99 found (looked in uv's managed Pythons, pyenv's versions and PATH)",
            "hint: install Python 3.99 (for example `pyenv install 3.99`), or change what asks for it",
        ],
    );
}

#[test]
fn requires_python_of_a_future_python_names_that_python() {
    let repo = Repo::sample();
    repo.edit(CORE, "requires-python = \">=3.11\"", "requires-python = \">=4.0\"");
    let run = fails(
        &repo,
        &["setup-envs", "-p", "core"],
        &["no Python 4.0 found", "hint: install Python 4.0", "its requires-python"],
    );
    assert!(!run.stderr.contains("3.11"), "not the config's Python\n{}", run.all());
}

// ---------------------------------------------------------------------------------------------
// uv and the network.

#[test]
fn a_broken_uv_on_path_without_tools_is_an_error_not_a_crash() {
    let repo = Repo::sample();
    // The link to the shared tools folder, not the folder.
    std::fs::remove_file(repo.path("_meta/.tools")).unwrap();
    let bin = tempfile::tempdir().unwrap();
    let uv = bin.path().join("uv");
    std::fs::write(&uv, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'uv 0.13.9'; exit 0; fi\nexit 3\n").unwrap();
    std::fs::set_permissions(&uv, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut path = OsString::from(bin.path());
    path.push(":");
    path.push(support::path_without_uv());
    let run = unchanged(&repo, || repo.xtask_with_path(&["lock"], path));
    assert_eq!(run.code, 2, "{}", run.all());
    assert_has(
        &run,
        &run.stderr,
        &[
            "error: cannot lock `base` (_meta/requirements/base.txt): uv failed without an explanation",
            "failed with exit code 3",
            "hint: the uv that ran (the command above) looks broken",
            "take it off PATH, and the xtask bootstraps uv 0.13.9 into _meta/.tools/",
        ],
    );
    assert!(!run.stderr.contains("adjust the requirements"), "{}", run.all());
    assert!(!run.stderr.contains("panicked"), "{}", run.all());
}

#[test]
fn an_unreachable_index_is_a_network_error_not_a_requirements_one() {
    let repo = Repo::sample();
    // Nothing listens on port 9 (discard); no find-links, no no-index.
    let config = repo.read(CONFIG);
    let head = &config[..config.find("no-index").unwrap()];
    repo.write(CONFIG, &format!("{head}index-url = \"http://127.0.0.1:9/simple\"\n\n[layers.extra]\n"));
    let run = fails(
        &repo,
        &["lock"],
        &[
            "error: cannot lock `base` (_meta/requirements/base.txt): uv cannot reach the package index (http://127.0.0.1:9/simple)",
            // uv's own words stay as the cause.
            "  caused by: ",
            "127.0.0.1:9",
            "hint: check the network (and any proxy), then the index settings: `index-url`, `extra-index-url`, `find-links` and `no-index` in _meta/monorepo.toml",
        ],
    );
    assert!(run.stderr.to_lowercase().contains("connect"), "{}", run.all());
    assert!(!run.stderr.contains("adjust the requirements"), "{}", run.all());
}

// ---------------------------------------------------------------------------------------------
// The command line.

/// A usage error: clap's words (`error:`, then a `tip:` where it has one, and the usage),
/// exit 2, nothing written.
fn usage_fails(repo: &Repo, args: &[&str], needles: &[&str]) -> Run {
    let run = unchanged(repo, || repo.expect(args, 2));
    assert!(run.stderr.starts_with("error: "), "{}", run.all());
    assert!(run.stderr.contains("Usage: cargo xtask") || run.stderr.contains("--help"), "{}", run.all());
    assert_has(&run, &run.stderr, needles);
    run
}

#[test]
fn flags_an_unknown_command_names_the_closest() {
    let repo = Repo::sample();
    usage_fails(
        &repo,
        &["setup-env"],
        &["error: unrecognized subcommand 'setup-env'", "tip: a similar subcommand exists: 'setup-envs'"],
    );
    usage_fails(&repo, &["tset-all"], &["'test-all'"]);
}

/// cargo suggests `test` for `cargo tset`: two swapped letters are one typo.
#[test]
fn flags_a_command_with_two_letters_swapped_names_the_closest() {
    let repo = Repo::sample();
    usage_fails(&repo, &["tset", "core"], &["error: unrecognized subcommand 'tset'", "'test'"]);
}

#[test]
fn flags_an_unknown_option_of_a_command() {
    let repo = Repo::sample();
    usage_fails(
        &repo,
        &["test-all", "--kep-going"],
        &["error: unexpected argument '--kep-going' found", "tip: a similar argument exists: '--keep-going'"],
    );
    // One meant for pytest: where it goes is said.
    usage_fails(&repo, &["test-all", "--lf"], &["tip: to pass '--lf' as a value, use '-- --lf'"]);
}

#[test]
fn flags_jobs_that_is_no_number() {
    let repo = Repo::sample();
    usage_fails(
        &repo,
        &["lock", "-j", "abc"],
        &["error: invalid value 'abc' for '--jobs <N>': a whole number (at least 1) is expected"],
    );
}

#[test]
fn flags_zero_jobs() {
    let repo = Repo::sample();
    usage_fails(&repo, &["setup-envs", "-j", "0"], &["error: invalid value '0' for '--jobs <N>': must be at least 1"]);
}

#[test]
fn flags_a_missing_value() {
    let repo = Repo::sample();
    usage_fails(
        &repo,
        &["export", "core", "--format"],
        &[
            "error: a value is required for '--format <FORMAT>' but none was supplied",
            "[possible values: requirements, pylock]",
        ],
    );
}

#[test]
fn flags_test_without_a_project() {
    let repo = Repo::sample();
    fails(&repo, &["test"], &["error: `test` needs a project", "hint: run `cargo xtask test PROJECT`"]);
}

#[test]
fn flags_export_with_an_unknown_format() {
    let repo = Repo::sample();
    usage_fails(
        &repo,
        &["export", "core", "--format", "poetry"],
        &["error: invalid value 'poetry' for '--format <FORMAT>'", "[possible values: requirements, pylock]"],
    );
}

#[test]
fn flags_arguments_after_double_dash_for_a_command_that_passes_none() {
    let repo = Repo::sample();
    usage_fails(&repo, &["lock", "--", "-x"], &["error: unexpected argument '-x' found"]);
}

#[test]
fn flags_an_unknown_project_names_the_closest() {
    let repo = Repo::sample();
    fails(
        &repo,
        &["setup-envs", "-p", "slo"],
        &["error: no project named `slo`", "hint: did you mean `solo`? the projects are: core, lib, app, solo"],
    );
}

#[test]
fn flags_since_a_ref_that_git_does_not_know() {
    let repo = Repo::sample();
    repo.git_init();
    for args in [&["affected", "--since", "no-such-branch"][..], &["test-all", "--since", "no-such-branch"]] {
        fails(
            &repo,
            args,
            &["error: git knows no commit `no-such-branch` to compare against", "hint: pass --since with a branch"],
        );
    }
}

#[test]
fn flags_affected_outside_a_git_repository() {
    let repo = Repo::sample();
    fails(&repo, &["affected", "--since", "main"], &["is not in a git repository", "hint: run `git init` and commit"]);
}

/// The catalogue's size: its one-input tests here and in `errors.rs`, and its table rows.
#[test]
fn the_catalogue_holds_at_least_250_distinct_bad_inputs() {
    let count = |source: &str| source.matches("#[test]\nfn ").count();
    let tests = count(include_str!("catalogue.rs")) - 1; // not this one
    let errors = count(include_str!("errors.rs"));
    let tables = [config_rows::CASES, modes_rows::CASES, names_rows::CASES];
    let names: Vec<&str> = tables.iter().flat_map(|t| t.iter().map(|c| c.name)).collect();
    let mut distinct = names.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), names.len(), "two rows share a name");
    let total = tests + errors + names.len();
    assert!(total >= 250, "{total} bad inputs: {tests} tests, {errors} in errors.rs, {} rows", names.len());
}
