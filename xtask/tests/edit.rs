//! `add`, `remove` and `new` end to end, with real uv, venvs and pytest on the local
//! wheelhouse: the edit keeps every other byte of the file, the locks and venvs follow it,
//! and an edit the resolver refuses (or that is not a requirement) leaves the file and the
//! locks exactly as they were.
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;

use support::{Repo, TINY_A_NEWEST, pinned};

/// Every lock's bytes, by file name.
fn locks(repo: &Repo) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(repo.path("_meta/requirements"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

fn bytes(repo: &Repo, rel: &str) -> Vec<u8> {
    std::fs::read(repo.path(rel)).unwrap()
}

/// The error of a refused command: `error:` first, a `hint:`, and each needle.
fn refused(repo: &Repo, args: &[&str], needles: &[&str]) -> String {
    let run = repo.expect(args, 2);
    assert!(run.stderr.contains("error: ") && run.stderr.contains("\nhint: "), "{}", run.all());
    for needle in needles {
        assert!(run.stderr.contains(needle), "missing `{needle}` in\n{}", run.all());
    }
    run.stderr
}

const SOLO_HEAD: &str = "# solo: a project on its own. Comments and this key order are the author's.\n\
[project]\n\
version = \"0.1.0\"    # the version before the name, on purpose\n\
name = \"e2e-solo\"\n\
requires-python = \">=3.11\"\n\
dependencies = ";
const SOLO_TAIL: &str = "\ndescription = 'after the dependencies'\n\n\
# the backend\n\
[build-system]\n\
build-backend = \"uv_build\"\n\
requires = [ \"uv_build>=0.9,<0.14\" ]\n";

#[test]
fn add_keeps_every_byte_outside_the_edited_array() {
    let repo = Repo::sample();
    let array = "[\n    \"tiny-c\",  # the first one\n]";
    repo.write("projects/solo/pyproject.toml", &format!("{SOLO_HEAD}{array}{SOLO_TAIL}"));
    let run = repo.expect(&["add", "solo", "tiny-d"], 0);
    let after = repo.read("projects/solo/pyproject.toml");
    let edited = "[\n    \"tiny-c\",  # the first one\n    \"tiny-d\",\n]";
    assert_eq!(after, format!("{SOLO_HEAD}{edited}{SOLO_TAIL}"), "{}", run.all());
    assert!(
        run.stderr.contains("Added `tiny-d` to projects/solo/pyproject.toml ([project].dependencies)"),
        "{}",
        run.all()
    );
    // Removing it gives back the file as it was, byte for byte.
    repo.expect(&["remove", "solo", "tiny-d"], 0);
    assert_eq!(repo.read("projects/solo/pyproject.toml"), format!("{SOLO_HEAD}{array}{SOLO_TAIL}"));
}

#[test]
fn add_locks_the_new_package_and_installs_it_in_the_venv() {
    let repo = Repo::sample();
    let run = repo.expect(&["add", "solo", "tiny-c"], 0);
    assert!(run.stderr.contains("Locked") && run.stderr.contains("Synced"), "{}", run.all());
    assert_eq!(repo.pin("solo", "tiny-c"), Some(pinned("tiny-c", "1.0.0")));
    assert_eq!(repo.python("solo", "import tiny_c; print(tiny_c.VERSION)"), "1.0.0");
    // Only what the edit touches is locked: solo's env and the base under it.
    assert!(!repo.path("_meta/requirements/core.txt").exists(), "{}", run.all());
    assert!(!repo.path("_meta/requirements/app.txt").exists(), "{}", run.all());
    // A second add of the same requirement changes nothing: its lock and venv are fresh.
    let again = repo.expect(&["add", "solo", "tiny-c"], 0);
    assert!(again.stderr.contains("Unchanged `tiny-c`"), "{}", again.all());
    assert!(!again.stderr.contains("Locked") && !again.stderr.contains("Synced"), "{}", again.all());
}

#[test]
fn add_replaces_a_listed_package_where_it_stands_and_relocks_its_dependants() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    assert_eq!(repo.pin("lib", "tiny-a"), Some(pinned("tiny-a", TINY_A_NEWEST)));
    let untouched =
        |locks: &BTreeMap<String, Vec<u8>>| ["base.txt", "core.txt", "solo.txt", "extra.txt"].map(|l| locks[l].clone());
    let before = locks(&repo);
    let run = repo.expect(&["add", "lib", "tiny_a>=1.16,<1.17"], 0);
    assert!(
        run.stderr.contains("Replaced `tiny-a>=1.16` with `tiny_a>=1.16,<1.17` in projects/lib/pyproject.toml"),
        "{}",
        run.all()
    );
    assert!(
        repo.read("projects/lib/pyproject.toml").contains("dependencies = [\"e2e-core\", \"tiny_a>=1.16,<1.17\"]\n"),
        "same position:\n{}",
        repo.read("projects/lib/pyproject.toml")
    );
    // lib and app (which installs lib) move; nothing else does.
    assert_eq!(repo.pin("lib", "tiny-a"), Some(pinned("tiny-a", "1.16.0")));
    assert_eq!(repo.pin("app", "tiny-a"), Some(pinned("tiny-a", "1.16.0")));
    assert_eq!(untouched(&locks(&repo)), untouched(&before));
    assert_eq!(repo.python("app", "import tiny_a; print(tiny_a.VERSION)"), "1.16.0");
}

#[test]
fn an_add_that_conflicts_with_a_layer_pin_leaves_the_file_and_the_locks_as_they_were() {
    let repo = Repo::sample();
    repo.write("_meta/requirements/extra.in", "tiny-b>=3\ntiny-a>=1.16\n");
    repo.expect(&["lock"], 0);
    assert_eq!(repo.pin("extra", "tiny-a"), Some(pinned("tiny-a", TINY_A_NEWEST)));
    let pyproject = bytes(&repo, "projects/app/pyproject.toml");
    let before = locks(&repo);
    let stderr = refused(
        &repo,
        &["add", "app", "tiny-a<1.16"],
        &[
            "cannot lock `app`",
            &format!(
                "projects/app/pyproject.toml requires `tiny-a<1.16`, but layer `extra` pins tiny-a=={TINY_A_NEWEST} (_meta/requirements/extra.txt)"
            ),
            "Restored projects/app/pyproject.toml as it was",
        ],
    );
    assert!(stderr.contains("caused by: "), "uv's reason follows:\n{stderr}");
    assert_eq!(bytes(&repo, "projects/app/pyproject.toml"), pyproject, "the pyproject is put back byte for byte");
    assert_eq!(locks(&repo), before, "every lock is as it was");
}

#[test]
fn an_add_of_a_package_no_index_has_leaves_the_file_and_the_locks_as_they_were() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let pyproject = bytes(&repo, "projects/lib/pyproject.toml");
    let before = locks(&repo);
    // lib is in app's env too: both locks are tried, both put back.
    refused(&repo, &["add", "lib", "tiny-zzz>=1"], &["cannot lock `", "tiny-zzz", "Restored"]);
    assert_eq!(bytes(&repo, "projects/lib/pyproject.toml"), pyproject);
    assert_eq!(locks(&repo), before);
    assert!(!repo.path("projects/lib/.venv").exists(), "no venv is made for a refused edit");
}

#[test]
fn add_of_a_project_package_makes_a_local_dependency() {
    let repo = Repo::sample();
    repo.expect(&["add", "solo", "e2e-core"], 0);
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.lines().any(|l| l == "solo -> core"), "{}", graph.all());
    assert!(repo.read("_meta/requirements/solo.txt").contains("-e ./projects/core"));
    assert_eq!(repo.python("solo", "import e2e_core; print(e2e_core.double(2))"), "4");
    repo.expect(&["remove", "solo", "e2e-core"], 0);
    assert!(!repo.read("_meta/requirements/solo.txt").contains("-e ./projects/core"));
}

#[test]
fn add_and_remove_in_a_dependency_group() {
    let repo = Repo::sample();
    let before = repo.read("projects/core/pyproject.toml");
    let run = repo.expect(&["add", "core", "tiny-d", "--group", "test"], 0);
    assert!(run.stderr.contains("Added `tiny-d` to projects/core/pyproject.toml ([dependency-groups].test)"));
    // The table is new: it goes at the end, everything above it as it was.
    assert_eq!(
        repo.read("projects/core/pyproject.toml"),
        format!("{before}\n[dependency-groups]\ntest = [\"tiny-d\"]\n")
    );
    assert_eq!(repo.pin("core", "tiny-d"), Some(pinned("tiny-d", "1.0.0")));
    assert_eq!(repo.python("core", "import tiny_d; print(tiny_d.VERSION)"), "1.0.0");
    // A group the env does not install is said so.
    let docs = repo.expect(&["add", "core", "tiny-e", "--group", "docs"], 0);
    assert!(docs.stderr.contains("group `docs` is not installed"), "{}", docs.all());
    assert_eq!(repo.pin("core", "tiny-e"), None);

    repo.expect(&["remove", "core", "tiny-d", "--group", "test"], 0);
    assert_eq!(repo.pin("core", "tiny-d"), None);
    assert!(repo.read("projects/core/pyproject.toml").contains("test = []\n"));
    refused(
        &repo,
        &["remove", "core", "tiny-d", "--group", "lint"],
        &["projects/core/pyproject.toml has no dependency group `lint`", "its groups are: test, docs"],
    );
}

#[test]
fn add_and_remove_in_a_layer() {
    let repo = Repo::sample();
    repo.write("_meta/requirements/extra.in", "# the extra layer\ntiny-b>=3  # app's library\n");
    let original = bytes(&repo, "_meta/requirements/extra.in");
    repo.expect(&["lock"], 0);
    let before = locks(&repo);
    let run = repo.expect(&["add", "--layer", "extra", "tiny-c>=1"], 0);
    assert!(run.stderr.contains("Added `tiny-c>=1` to _meta/requirements/extra.in (layer `extra`)"), "{}", run.all());
    assert_eq!(repo.read("_meta/requirements/extra.in"), "# the extra layer\ntiny-b>=3  # app's library\ntiny-c>=1\n");
    assert_eq!(repo.pin("extra", "tiny-c"), Some(pinned("tiny-c", "1.0.0")));
    assert_eq!(repo.pin("app", "tiny-c"), Some(pinned("tiny-c", "1.0.0")));
    assert_eq!(repo.python("app", "import tiny_c; print(tiny_c.VERSION)"), "1.0.0");
    let after = locks(&repo);
    for lock in ["base.txt", "core.txt", "lib.txt", "solo.txt"] {
        assert_eq!(after[lock], before[lock], "{lock} is not on the layer: untouched");
    }
    // A listed package's line is replaced, its comment kept.
    repo.expect(&["add", "--layer", "extra", "tiny-b==3.0.0"], 0);
    assert_eq!(
        repo.read("_meta/requirements/extra.in"),
        "# the extra layer\ntiny-b==3.0.0  # app's library\ntiny-c>=1\n"
    );
    assert_eq!(repo.pin("app", "tiny-b"), Some(pinned("tiny-b", "3.0.0")));
    repo.expect(&["remove", "--layer", "extra", "tiny-c"], 0);
    repo.expect(&["add", "--layer", "extra", "tiny-b>=3"], 0);
    assert_eq!(bytes(&repo, "_meta/requirements/extra.in"), original);
    assert_eq!(repo.pin("app", "tiny-c"), None);
    refused(&repo, &["add", "--layer", "extra", "e2e-core"], &["`e2e-core` is the project projects/core"]);
    refused(&repo, &["add", "--layer", "extr", "tiny-c"], &["--layer extr: no layer", "did you mean `extra`?"]);
    assert_eq!(bytes(&repo, "_meta/requirements/extra.in"), original);
}

#[test]
fn remove_drops_the_package_from_the_lock_and_the_venv() {
    let repo = Repo::sample();
    repo.expect(&["setup-envs", "-p", "lib"], 0);
    assert_eq!(repo.python("lib", "import tiny_a; print(tiny_a.VERSION)"), TINY_A_NEWEST);
    let pyproject = bytes(&repo, "projects/lib/pyproject.toml");
    refused(
        &repo,
        &["remove", "lib", "tiny-b"],
        &[
            "projects/lib/pyproject.toml: `tiny-b` is not listed in [project].dependencies",
            "lists: e2e-core, tiny-a>=1.16",
        ],
    );
    refused(&repo, &["remove", "lib", "tiny-a>=1"], &["not a package name", "`tiny-a`"]);
    assert_eq!(bytes(&repo, "projects/lib/pyproject.toml"), pyproject);

    let run = repo.expect(&["remove", "lib", "TINY_A"], 0);
    assert!(run.stderr.contains("Removed `tiny-a>=1.16` from projects/lib/pyproject.toml"), "{}", run.all());
    assert!(repo.read("projects/lib/pyproject.toml").contains("dependencies = [\"e2e-core\"]\n"));
    assert_eq!(repo.pin("lib", "tiny-a"), None);
    assert_eq!(repo.python("lib", "import importlib.util as u; print(u.find_spec('tiny_a'))"), "None");
}

#[test]
fn an_invalid_requirement_is_refused_and_nothing_is_written() {
    let repo = Repo::sample();
    let pyproject = bytes(&repo, "projects/solo/pyproject.toml");
    for (bad, why) in [
        ("numpy 2", "a version needs an operator: `numpy==2`"),
        ("tiny-a>=", "`>=` needs a version"),
        ("-e ./projects/core", "it is an option"),
        ("tiny-a  # why", "a `#` starts a comment"),
        ("tiny-a[", "its extras are not closed"),
        ("", "it is empty"),
    ] {
        let expected = format!("error: cannot add `{bad}` to projects/solo/pyproject.toml: {why}");
        refused(&repo, &["add", "solo", "tiny-c", "--", bad], &[&expected, "PEP 508"]);
    }
    refused(&repo, &["add", "solo", "tiny-c", "Tiny_C>=1"], &["`tiny-c` is given twice"]);
    refused(&repo, &["add", "solo", "e2e-solo"], &["that project's own package"]);
    refused(&repo, &["add", "solo"], &["`add solo` names no requirement"]);
    refused(&repo, &["add", "sol", "tiny-c"], &["no project named `sol`", "did you mean `solo`?"]);
    refused(&repo, &["add", "solo", "tiny-c", "--group", "not a group"], &["not a dependency group name"]);
    assert_eq!(bytes(&repo, "projects/solo/pyproject.toml"), pyproject);

    // An edit that makes the workspace fail to load (a cycle) is put back too.
    let core = bytes(&repo, "projects/core/pyproject.toml");
    refused(&repo, &["add", "core", "e2e-app"], &["cycle: ", "Restored projects/core/pyproject.toml"]);
    assert_eq!(bytes(&repo, "projects/core/pyproject.toml"), core);

    // A member without a pyproject has nothing to edit.
    repo.write("checks/test_checks.py", "def test():\n    pass\n");
    repo.append("_meta/monorepo.toml", "\n[member.\"checks\"]\n");
    refused(
        &repo,
        &["add", "checks", "tiny-c"],
        &["`checks` has no pyproject.toml to edit: checks is declared as [member.\"checks\"]", "requirements file"],
    );
    assert!(!repo.path("_meta/requirements/base.txt").exists(), "nothing was locked");
    assert!(!repo.path("projects/solo/.venv").exists(), "nothing was synced");
}

#[test]
fn new_makes_a_project_whose_first_test_passes() {
    let repo = Repo::sample();
    let config = bytes(&repo, "_meta/monorepo.toml");
    let run = repo.expect(&["new", "billing"], 0);
    // The package follows the others' prefix (e2e-core, e2e-lib, ...).
    assert!(
        run.stderr.contains("Created projects/billing: package `e2e-billing`, module `e2e_billing`"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("cargo xtask test billing"), "{}", run.all());
    for file in ["pyproject.toml", "src/e2e_billing/__init__.py", "tests/test_e2e_billing.py"] {
        assert!(run.stderr.contains(&format!("Wrote projects/billing/{file}")), "{}", run.all());
    }
    assert_eq!(
        repo.read("projects/billing/pyproject.toml"),
        "[project]\nname = \"e2e-billing\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = []\n\n\
         [build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n\n\
         [tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n"
    );
    assert_eq!(bytes(&repo, "_meta/monorepo.toml"), config, "projects/* matches it already");
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.lines().any(|l| l == "billing"), "{}", graph.all());
    let test = repo.expect(&["test", "billing"], 0);
    assert!(test.stdout.contains("1 passed"), "{}", test.all());
}

#[test]
fn new_with_dependencies_and_a_layer_is_in_the_graph_at_once() {
    let repo = Repo::sample();
    repo.expect(&["new", "billing", "--depends-on", "lib", "--depends-on", "e2e-core", "--layer", "extra"], 0);
    let pyproject = repo.read("projects/billing/pyproject.toml");
    assert!(pyproject.contains("dependencies = [\"e2e-lib\", \"e2e-core\"]\n"), "{pyproject}");
    assert!(pyproject.contains("\n[tool.monorepo]\nlayers = [\"extra\"]\n"), "{pyproject}");
    let graph = repo.expect(&["graph"], 0);
    let line = graph.stdout.lines().find(|l| l.starts_with("billing -> ")).unwrap_or_else(|| panic!("{}", graph.all()));
    assert!(line.contains("lib") && line.contains("core") && line.ends_with("[layers: extra]"), "{line}");
    let test = repo.expect(&["test", "billing"], 0);
    assert!(test.stdout.contains("1 passed"), "{}", test.all());
    let lock = repo.read("_meta/requirements/billing.txt");
    assert!(lock.contains("-e ./projects/core") && lock.contains("-e ./projects/lib"), "{lock}");
    assert_eq!(repo.python("billing", "import e2e_lib, tiny_b; print(tiny_b.VERSION)"), support::TINY_B_NEWEST);
}

#[test]
fn new_refuses_an_existing_folder_or_name_and_writes_nothing() {
    let repo = Repo::sample();
    repo.write("projects/scratch/notes.txt", "not a project\n");
    repo.edit(
        "_meta/monorepo.toml",
        "members = [\"projects/*\"]",
        "members = [\"projects/*\"]\nexclude = [\"projects/scratch\"]",
    );
    let config = bytes(&repo, "_meta/monorepo.toml");
    refused(&repo, &["new", "core"], &["a project named `core` exists: projects/core"]);
    refused(&repo, &["new", "e2e-lib"], &["a project named `e2e-lib` exists: projects/lib"]);
    refused(&repo, &["new", "scratch"], &["projects/scratch exists"]);
    refused(&repo, &["new", "extra"], &["the name of a layer"]);
    refused(&repo, &["new", "no good"], &["`no good` is not a valid project name"]);
    refused(&repo, &["new", "billing", "--depends-on", "cor"], &["--depends-on cor", "did you mean `core`?"]);
    refused(&repo, &["new", "billing", "--layer", "extr"], &["--layer extr", "did you mean `extra`?"]);
    refused(&repo, &["new", "billing", "--layer", "base"], &["every env is on base already"]);
    assert!(!repo.path("projects/billing").exists());
    assert_eq!(bytes(&repo, "_meta/monorepo.toml"), config);
    assert_eq!(repo.read("projects/scratch/notes.txt"), "not a project\n");
}

#[test]
fn new_adds_itself_to_a_config_that_lists_its_members() {
    let repo = Repo::sample();
    repo.edit(
        "_meta/monorepo.toml",
        "members = [\"projects/*\"]",
        "members = [\n    \"projects/app\",\n    \"projects/core\",  # the root of the graph\n    \"projects/lib\",\n    \"projects/solo\",\n]",
    );
    let before = repo.read("_meta/monorepo.toml");
    let run = repo.expect(&["new", "billing"], 0);
    assert!(
        run.stderr.contains("Updated _meta/monorepo.toml: \"projects/billing\" added to `members`"),
        "{}",
        run.all()
    );
    let expected = before
        .replace("    \"projects/core\",  # the root", "    \"projects/billing\",\n    \"projects/core\",  # the root");
    assert_eq!(repo.read("_meta/monorepo.toml"), expected, "sorted in, the rest as it was");
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.lines().any(|l| l == "billing"), "{}", graph.all());
}
