//! The result cache's keys on small real repositories under real git: what changes a
//! member's key and what leaves it alone. Calls the library directly (no venvs, no uv), so
//! these are fast.

mod support;

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};
use support::{Repo, projects};
use xtask::Workspace;
use xtask::keys::{self, Keys};

/// The repo's root, as the workspace sees it.
fn root_of(repo: &Repo) -> Utf8PathBuf {
    Utf8PathBuf::try_from(repo.path("_meta").parent().unwrap().to_owned()).unwrap()
}

/// Every member's key, by name, for a workspace rooted at `root`.
fn keys_at(root: &Utf8Path, args: &[&str]) -> BTreeMap<String, String> {
    let ws = Workspace::load(root).unwrap();
    let members: Vec<usize> = (0..ws.members.len()).collect();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    match keys::suites(&ws, &members, &args).unwrap() {
        Keys::Known(keys) => {
            members.iter().map(|&m| ws.members[m].name.clone()).zip(keys.into_iter().map(|k| k.key)).collect()
        }
        Keys::Off(why) => panic!("no keys: {why}"),
    }
}

fn keys(repo: &Repo) -> BTreeMap<String, String> {
    keys_at(&root_of(repo), &[])
}

/// The names of the members whose keys differ between two runs.
fn changed(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<String> {
    before.iter().filter(|(name, key)| after.get(*name) != Some(*key)).map(|(name, _)| name.clone()).collect()
}

/// The sample (core <- lib <- app, and solo), committed.
fn sample() -> Repo {
    let repo = Repo::sample();
    repo.git_init();
    repo
}

#[test]
fn an_unchanged_tree_keeps_its_keys() {
    let repo = sample();
    let first = keys(&repo);
    assert_eq!(first.len(), 4);
    let mut distinct: Vec<&String> = first.values().collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "each member has its own key: {first:?}");
    assert_eq!(keys(&repo), first);
    repo.commit("nothing changed");
    assert_eq!(keys(&repo), first, "a commit without changes");
}

#[test]
fn editing_a_leaf_changes_only_its_key_and_undoing_it_restores_it() {
    let repo = sample();
    let before = keys(&repo);
    repo.append("projects/solo/tests/test_solo.py", "\ndef test_more():\n    pass\n");
    assert_eq!(changed(&before, &keys(&repo)), ["solo"]);
    repo.git(&["checkout", "--quiet", "--", "."]);
    assert_eq!(keys(&repo), before, "the edit undone");
    repo.append("projects/app/tests/test_app.py", "\n");
    assert_eq!(changed(&before, &keys(&repo)), ["app"]);
}

#[test]
fn editing_a_dependency_changes_its_dependants_keys() {
    let repo = sample();
    let before = keys(&repo);
    repo.append("projects/core/src/e2e_core/__init__.py", "\n# touched\n");
    assert_eq!(changed(&before, &keys(&repo)), ["app", "core", "lib"]);
    // Staged or committed, it is still a change.
    repo.commit("touch core");
    assert_eq!(changed(&before, &keys(&repo)), ["app", "core", "lib"]);
    // A deleted file drops out; a dependency's tests are not what it installs.
    let committed = keys(&repo);
    std::fs::remove_file(repo.path("projects/lib/tests/test_lib.py")).unwrap();
    assert_eq!(changed(&committed, &keys(&repo)), ["lib"]);
    std::fs::remove_file(repo.path("projects/lib/src/e2e_lib/__init__.py")).unwrap();
    assert_eq!(changed(&committed, &keys(&repo)), ["app", "lib"]);
}

#[test]
fn untracked_files_count_and_ignored_ones_do_not() {
    let repo = sample();
    let before = keys(&repo);
    repo.write("projects/solo/notes.log", "ignored\n");
    repo.write("projects/solo/.pytest_cache/v/x", "ignored\n");
    repo.append(".gitignore", "*.log\n");
    repo.commit("ignore logs");
    let ignoring = keys(&repo);
    assert_eq!(ignoring, before, "only the root's .gitignore changed, which no member's key holds");
    repo.write("projects/solo/notes.log", "still ignored\n");
    assert_eq!(keys(&repo), before);
    repo.write("projects/solo/tests/test_new.py", "def test_new():\n    pass\n");
    assert_eq!(changed(&before, &keys(&repo)), ["solo"]);
}

#[test]
fn a_managed_venv_never_counts_even_when_git_does_not_ignore_it() {
    let repo = sample();
    repo.write(".gitignore", "_meta/.tools\n");
    repo.commit("stop ignoring venvs");
    let before = keys(&repo);
    // A venv of the xtask's (its marker), and a `.venv` the xtask did not make (an old
    // script's), which it leaves alone: neither is in a key.
    repo.write(&format!("projects/solo/.venv/{}", xtask::venv::MARKER_FILE), "");
    repo.write("projects/solo/.venv/lib/site.py", "x = 1\n");
    repo.write("projects/solo/.venv/.pycache/x.pyc", "bytes\n");
    repo.write("projects/core/.venv/lib/site.py", "x = 1\n");
    assert_eq!(keys(&repo), before);
    std::fs::remove_dir_all(repo.path("projects/core/.venv")).unwrap();
    // Its interpreter does count.
    repo.write("projects/solo/.venv/pyvenv.cfg", "home = /usr/bin\nversion_info = 3.11.7\n");
    let with_venv = keys(&repo);
    assert_eq!(changed(&before, &with_venv), ["solo"]);
    repo.write("projects/solo/.venv/pyvenv.cfg", "home = /usr/bin\nversion_info = 3.11.9\n");
    assert_eq!(changed(&with_venv, &keys(&repo)), ["solo"]);
}

#[test]
fn a_lock_change_changes_the_keys_of_its_env() {
    let repo = sample();
    let before = keys(&repo);
    repo.write("_meta/requirements/solo.txt", "pytest==9.0.3\n");
    let locked = keys(&repo);
    assert_eq!(changed(&before, &locked), ["solo"]);
    repo.write("_meta/requirements/solo.txt", "pytest==8.3.5\n");
    assert_eq!(changed(&locked, &keys(&repo)), ["solo"]);
    // A dependency's lock is not its dependants': their own locks say what their venvs hold.
    repo.write("_meta/requirements/lib.txt", "pytest==8.3.5\n");
    assert_eq!(changed(&locked, &keys(&repo)), ["lib", "solo"]);
}

#[test]
fn pytest_arguments_change_every_key() {
    let repo = sample();
    let root = root_of(&repo);
    let plain = keys_at(&root, &[]);
    let quiet = keys_at(&root, &["-q"]);
    assert_eq!(changed(&plain, &quiet), ["app", "core", "lib", "solo"]);
    assert_eq!(keys_at(&root, &["-q"]), quiet);
    assert_ne!(keys_at(&root, &["-k", "a b"]), keys_at(&root, &["-k a", "b"]), "arguments are delimited");
}

#[test]
fn pytest_config_counts_where_pytest_reads_it() {
    let repo = sample();
    let before = keys(&repo);
    // Each member's pyproject is its rootdir (no config file above): pytest loads no
    // conftest.py above it.
    repo.write("conftest.py", "import pytest\n");
    assert_eq!(keys(&repo), before, "a root conftest.py that pytest does not load");
    // A pytest.ini above is looked at first, and found: it is the config, and the root
    // conftest.py now loads.
    repo.write("pytest.ini", "[pytest]\n");
    let with_ini = keys(&repo);
    assert_eq!(changed(&before, &with_ini), ["app", "core", "lib", "solo"]);
    repo.append("conftest.py", "\n# edited\n");
    assert_eq!(changed(&with_ini, &keys(&repo)), ["app", "core", "lib", "solo"]);
    repo.commit("root config");
    let committed = keys(&repo);
    repo.write("projects/tox.ini", "[tox]\n");
    assert_eq!(changed(&committed, &keys(&repo)), ["app", "core", "lib", "solo"], "looked at on the way up");
    // A member with a config of its own reads none above it.
    repo.append("projects/solo/pyproject.toml", "\n[tool.pytest.ini_options]\naddopts = \"-q\"\n");
    let own = keys(&repo);
    repo.append("pytest.ini", "addopts = -ra\n");
    repo.append("conftest.py", "\n# again\n");
    assert_eq!(changed(&own, &keys(&repo)), ["app", "core", "lib"]);
    // Other files above the members do not count.
    let now = keys(&repo);
    repo.write("README.md", "# docs\n");
    repo.write("projects/NOTES.md", "notes\n");
    assert_eq!(keys(&repo), now);
}

#[test]
fn a_workspace_below_the_repository_top_level_gets_its_paths_right() {
    let repo = Repo::new();
    repo.write(
        "mono/_meta/monorepo.toml",
        "[monorepo]\nmembers = [\"projects/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n",
    );
    repo.write("mono/_meta/requirements/base.in", "pytest>=8\n");
    for name in ["one", "two"] {
        repo.write(&format!("mono/projects/{name}/pyproject.toml"), &format!("[project]\nname = \"{name}\"\n"));
        repo.write(&format!("mono/projects/{name}/tests/test_{name}.py"), "def test():\n    pass\n");
    }
    repo.git_init();
    let root = root_of(&repo).join("mono");
    let before = keys_at(&root, &[]);
    assert_eq!(keys_at(&root, &[]), before);
    repo.append("mono/projects/one/tests/test_one.py", "\n");
    assert_eq!(changed(&before, &keys_at(&root, &[])), ["one"], "a changed file");
    repo.write("mono/projects/two/tests/test_new.py", "def test():\n    pass\n");
    assert_eq!(changed(&before, &keys_at(&root, &[])), ["one", "two"], "an untracked file");
    // Files of the repository outside the workspace count for nothing.
    let now = keys_at(&root, &[]);
    repo.write("projects/one/tests/test_outside.py", "\n");
    repo.write("other.py", "\n");
    assert_eq!(keys_at(&root, &[]), now);
}

#[test]
fn outside_git_caching_is_off_with_the_reason() {
    let repo = Repo::sample();
    let ws = Workspace::load(&root_of(&repo)).unwrap();
    match keys::suites(&ws, &[0, 1], &[]).unwrap() {
        Keys::Off(why) => assert!(why.contains("not in a git repository"), "{why}"),
        Keys::Known(keys) => panic!("keys outside git: {keys:?}"),
    }
}

#[test]
fn keys_come_in_the_order_asked_and_are_those_of_the_whole_run() {
    let repo = sample();
    let all = keys(&repo);
    let ws = Workspace::load(&root_of(&repo)).unwrap();
    let (app, solo) = (ws.member("app").unwrap(), ws.member("solo").unwrap());
    let Keys::Known(some) = keys::suites(&ws, &[solo, app], &[]).unwrap() else { panic!("no keys") };
    let some: Vec<String> = some.into_iter().map(|k| k.key).collect();
    assert_eq!(some, [all["solo"].clone(), all["app"].clone()]);
}

#[test]
fn a_shared_folder_on_two_pythonpaths_is_in_exactly_their_keys() {
    let path = "pythonpath = [\"../../shared\"]";
    let repo = projects(&[("one", path), ("two", path), ("three", "")]);
    repo.write("shared/util.py", "def helper():\n    return 1\n");
    repo.git_init();
    let before = keys(&repo);
    repo.append("shared/util.py", "\n# touched\n");
    let edited = keys(&repo);
    assert_eq!(changed(&before, &edited), ["one", "two"], "an edit");
    repo.commit("touch shared");
    let edited = keys(&repo);
    assert_eq!(changed(&before, &edited), ["one", "two"], "committed");
    repo.write("shared/data/table.csv", "a,b\n");
    assert_eq!(changed(&edited, &keys(&repo)), ["one", "two"], "an untracked file: the folder counts whole");
    std::fs::remove_file(repo.path("shared/data/table.csv")).unwrap();
    assert_eq!(keys(&repo), edited, "removed again");
    repo.write("other/util.py", "\n");
    assert_eq!(keys(&repo), edited, "a folder on nobody's pythonpath");
}

#[test]
fn the_root_on_a_pythonpath_keys_only_python_files_outside_the_members() {
    let repo = projects(&[("one", "pythonpath = [\"../..\"]"), ("two", "")]);
    repo.write("helpers.py", "X = 1\n");
    repo.git_init();
    let before = keys(&repo);
    repo.append("helpers.py", "Y = 2\n");
    assert_eq!(changed(&before, &keys(&repo)), ["one"]);
    repo.git(&["checkout", "--quiet", "--", "."]);
    repo.write("README.md", "# docs\n");
    repo.write("scripts/run.sh", "echo\n");
    assert_eq!(keys(&repo), before, "not Python");
    repo.append("projects/two/src/e2e_two/__init__.py", "\n# touched\n");
    assert_eq!(changed(&before, &keys(&repo)), ["two"], "another member's code is its own");
}

#[test]
fn files_matching_an_input_glob_are_in_its_key() {
    let repo = projects(&[("one", "inputs = [\"fixtures/*.json\"]"), ("two", "")]);
    repo.write("fixtures/cases.json", "[]\n");
    repo.write("fixtures/deep/other.json", "[]\n");
    repo.git_init();
    let before = keys(&repo);
    repo.write("fixtures/cases.json", "[1]\n");
    let edited = keys(&repo);
    assert_eq!(changed(&before, &edited), ["one"]);
    repo.write("fixtures/new.json", "{}\n");
    assert_eq!(changed(&edited, &keys(&repo)), ["one"], "an untracked input");
    std::fs::remove_file(repo.path("fixtures/new.json")).unwrap();
    repo.write("fixtures/deep/other.json", "[2]\n");
    repo.write("fixtures/cases.yaml", "x: 1\n");
    assert_eq!(keys(&repo), edited, "`*` is one folder level, and only .json");
}

#[test]
fn an_invalid_input_glob_is_an_error_naming_the_pyproject() {
    let repo = projects(&[("one", "inputs = [\"fixtures/[x\"]")]);
    repo.git_init();
    // Loading the workspace checks every glob, so no key is ever made with a bad one.
    let err = Workspace::load(&root_of(&repo)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("projects/one/pyproject.toml: [tool.monorepo].inputs: `fixtures/[x` is not a valid glob"),
        "{err:#}"
    );
    assert!(xtask::error::hint_of(&err).is_some(), "{err:#}");
}

#[test]
fn a_nested_members_files_are_in_its_key_and_not_its_parents() {
    let repo = projects(&[("big", "")]);
    repo.edit(
        "_meta/monorepo.toml",
        "members = [\"projects/*\"]",
        "members = [\"projects/*\", \"projects/big/plugins/*\"]",
    );
    repo.write("projects/big/plugins/child/pyproject.toml", "[project]\nname = \"child\"\nversion = \"0.1.0\"\n");
    repo.write("projects/big/plugins/child/tests/test_child.py", "def test():\n    pass\n");
    repo.git_init();
    let before = keys(&repo);
    assert_eq!(before.len(), 2);
    repo.append("projects/big/plugins/child/tests/test_child.py", "\n");
    assert_eq!(changed(&before, &keys(&repo)), ["child"]);
    repo.write("projects/big/plugins/child/tests/test_new.py", "def test():\n    pass\n");
    assert_eq!(changed(&before, &keys(&repo)), ["child"], "an untracked file");
    repo.git(&["checkout", "--quiet", "--", "."]);
    std::fs::remove_file(repo.path("projects/big/plugins/child/tests/test_new.py")).unwrap();
    assert_eq!(keys(&repo), before);
    repo.append("projects/big/tests/test_big.py", "\n");
    assert_eq!(changed(&before, &keys(&repo)), ["big"]);
}
