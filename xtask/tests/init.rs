//! End-to-end: `cargo xtask init` adopting a legacy-shaped repository: the units it finds,
//! the pythonpaths it infers from imports, what it writes (and nothing else), a second run,
//! `--check`, what it will not guess, and the written config running `test-all`.
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use camino::Utf8Path;
use support::Repo;

/// A repository the tool was never in: `Repo::new`'s folder without its config and base
/// layer (its `_meta/.tools` link to the shared uv stays), holding:
/// - `projects/core` (package `e2e-core`) and `projects/app`, a package depending on it;
/// - `tools/a/Review` (a requirements.txt) and `tools/b/Review` (tests only, in `tests/`):
///   two folders named alike, whose tests import `Core.util` from the root's `Core/`;
/// - `tools/a/Review/plugin`: a `setup.py` nested in `tools/a/Review`;
/// - `legacy/reports`: a `requirements-dev.txt` sharing a line with a-Review's file;
/// - noise: a `node_modules` and two venvs holding test files, PHP, the old set-up scripts.
fn legacy() -> Repo {
    legacy_and_wheelhouse().0
}

/// [`legacy`], and the `find-links` line of the config it removed (the tests' wheelhouse).
fn legacy_and_wheelhouse() -> (Repo, String) {
    let repo = Repo::new();
    let original = repo.read("_meta/monorepo.toml");
    let find_links = original.lines().find(|l| l.starts_with("find-links")).unwrap().to_owned();
    std::fs::remove_file(repo.path("_meta/monorepo.toml")).unwrap();
    std::fs::remove_file(repo.path("_meta/requirements/base.in")).unwrap();
    repo.project("core", &[], &[], "from e2e_core import double\n\ndef test_double():\n    assert double(2) == 4\n");
    repo.project(
        "app",
        &["e2e-core"],
        &[],
        "from e2e_core import double\nimport e2e_app\n\ndef test_app():\n    assert double(3) == 6\n",
    );
    repo.write("Core/__init__.py", "");
    repo.write("Core/util.py", "ANSWER = 42\n");
    repo.write("tools/a/Review/requirements.txt", "# what setup_envs.sh installed\ntiny-a>=1.16\n");
    repo.write(
        "tools/a/Review/tests/test_review.py",
        "import sys\nimport Core.util\nimport tiny_a\n\n\ndef test_a():\n    assert Core.util.ANSWER == 42 and tiny_a.VERSION\n",
    );
    repo.write(
        "tools/b/Review/tests/test_review.py",
        "import os\n\n\ndef test_b():\n    from Core import util\n\n    assert util.ANSWER == 42\n",
    );
    repo.write("tools/a/Review/plugin/setup.py", "from setuptools import setup\n\nsetup(name='plugin')\n");
    repo.write("tools/a/Review/plugin/tests/test_plugin.py", "def test_plugin():\n    assert True\n");
    repo.write("legacy/reports/requirements-dev.txt", "tiny-a>=1.16\ntiny-c\n");
    repo.write("legacy/reports/test_reports.py", "import tiny_c\n\n\ndef test_reports():\n    assert tiny_c.VERSION\n");
    // Noise: none of it is a unit.
    repo.write("node_modules/x/test_x.py", "def test_x():\n    assert False\n");
    repo.write(".venv/pyvenv.cfg", "home = /usr/bin\n");
    repo.write(".venv/lib/test_venv.py", "def test_venv():\n    assert False\n");
    repo.write("tools/b/Review/env/pyvenv.cfg", "home = /usr/bin\n");
    repo.write("tools/b/Review/env/lib/test_inside.py", "import Core\n");
    repo.write("web/index.php", "<?php echo 'hi'; ?>\n");
    for script in ["setup_envs.sh", "setup_envs.ps1", "setup_envs.bat"] {
        repo.write(script, "pip install -r tools/a/Review/requirements.txt\n");
    }
    (repo, find_links)
}

/// Every file and folder outside `_meta/` and the root's `.gitignore`, with its bytes.
fn snapshot(root: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if rel == "_meta" || rel == ".gitignore" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
                out.insert(rel, None);
            } else {
                out.insert(rel, Some(std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    out
}

fn config(repo: &Repo) -> toml::Table {
    repo.read("_meta/monorepo.toml").parse().unwrap()
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(toml::Value::as_array)
        .map_or_else(Vec::new, |a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
}

#[test]
fn init_adopts_a_legacy_tree_and_writes_only_its_files() {
    let repo = legacy();
    let before = snapshot(&repo.path(""));
    let run = repo.expect(&["init"], 0);
    assert_eq!(snapshot(&repo.path("")), before, "nothing written outside _meta/ and .gitignore\n{}", run.all());

    let config = config(&repo);
    let monorepo = config["monorepo"].as_table().unwrap();
    assert_eq!(strings(monorepo.get("members")), ["projects/app", "projects/core"], "explicit, sorted, no globs");
    let python = monorepo["python"].as_str().unwrap();
    assert!(python.starts_with("3.") && python.split('.').count() == 2, "python3's major.minor: {python}");
    assert_eq!(monorepo["uv"].as_str(), Some(xtask::config::DEFAULT_UV_VERSION));
    let members = config["member"].as_table().unwrap();
    assert_eq!(
        members.keys().map(String::as_str).collect::<Vec<_>>(),
        ["legacy/reports", "tools/a/Review", "tools/a/Review/plugin", "tools/b/Review"],
        "a table per unit without a pyproject; none for node_modules, the venvs, the root\n{}",
        repo.read("_meta/monorepo.toml")
    );
    let table = |dir: &str| members[dir].as_table().unwrap();
    assert_eq!(table("legacy/reports")["requirements"].as_str(), Some("requirements-dev.txt"));
    assert!(!table("tools/a/Review").contains_key("requirements"), "requirements.txt is the default");
    for dir in ["tools/a/Review", "tools/b/Review"] {
        assert_eq!(strings(table(dir).get("pythonpath")), ["../../.."], "{dir} imports Core from the root");
    }
    assert!(
        !table("tools/a/Review/plugin").contains_key("pythonpath")
            && !table("legacy/reports").contains_key("pythonpath")
    );
    // Each declared unit's name, written: a unit added later renames none of them.
    for (dir, name) in
        [("legacy/reports", "reports"), ("tools/a/Review", "a-Review"), ("tools/a/Review/plugin", "plugin")]
    {
        assert_eq!(table(dir)["name"].as_str(), Some(name), "{dir}");
    }
    assert!(
        !config["member"].as_table().unwrap().contains_key("projects/app"),
        "a package named by its folder needs no table"
    );
    let text = repo.read("_meta/monorepo.toml");
    assert!(text.starts_with("# Written by `cargo xtask init`"), "{text}");
    assert!(text.contains("# imports Core.util from tools/a/Review/tests/test_review.py"), "{text}");

    let base = repo.read("_meta/requirements/base.in");
    let lines: Vec<&str> = base.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines, ["pytest", "tiny-a>=1.16"], "pytest and the line every requirements file has\n{base}");
    assert!(base.starts_with("# Written by `cargo xtask init`"), "{base}");
    let gitignore = repo.read(".gitignore");
    for entry in
        [".venv", "/_meta/.tools/", "/_meta/.state/", "/_meta/.cache/", "/_meta/venvs/", "*.xtask-tmp", "*.egg-info/"]
    {
        assert_eq!(gitignore.lines().filter(|l| *l == entry).count(), 1, "{entry} in\n{gitignore}");
    }

    for said in [
        "Found projects/app: package (pyproject.toml with [project], package `e2e-app`)",
        "Found tools/a/Review: requirements (requirements.txt; no pyproject)",
        "Found tools/b/Review: tests only (1 test file, tools/b/Review/tests/test_review.py;",
        "Found tools/a/Review/plugin: tests only (setup.py, never run",
        "nested in tools/a/Review",
        "Pythonpath tools/a/Review: `../../..` (the root), as it imports Core.util from tools/a/Review/tests/test_review.py",
        "Pythonpath tools/b/Review: `../../..` (the root), as it imports Core from tools/b/Review/tests/test_review.py",
        "Skipped 2 venvs (.venv, tools/b/Review/env), 1 node_modules folder",
        "Next run `cargo xtask lock`, then `cargo xtask test-all`",
    ] {
        assert!(run.stderr.contains(said), "`{said}` in\n{}", run.all());
    }
    assert!(!run.stderr.contains("Undecided"), "{}", run.all());

    let ws = xtask::Workspace::load(Utf8Path::from_path(&repo.path("")).unwrap()).unwrap();
    let mut names: Vec<&str> = ws.members.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["a-Review", "app", "b-Review", "core", "plugin", "reports"], "names from paths");
    let app = &ws.members[ws.member("app").unwrap()];
    assert_eq!(app.deps, [ws.member("core").unwrap()], "a package's requirement is its local dependency");
    let a = &ws.members[ws.member("a-Review").unwrap()];
    assert_eq!(a.pythonpath, [Utf8Path::new("")], "the root");
    assert_eq!(a.nested, [Utf8Path::new("plugin")]);
}

#[test]
fn a_second_init_needs_force_and_writes_the_same_bytes() {
    let repo = legacy();
    // Run from a subfolder of a checkout: the root is the folder with `.git`.
    std::fs::create_dir(repo.path(".git")).unwrap();
    let first = repo.xtask_in("tools/a", &["init"], &[]);
    assert_eq!(first.code, 0, "{}", first.all());
    let files = ["_meta/monorepo.toml", "_meta/requirements/base.in", ".gitignore"];
    let written: Vec<String> = files.iter().map(|f| repo.read(f)).collect();

    let again = repo.expect(&["init"], 2);
    assert!(again.stderr.contains("error: _meta/monorepo.toml already exists in "), "{}", again.all());
    assert!(
        again.stderr.contains(
            "hint: run `cargo xtask init --force` to write it anew from the tree, or `cargo xtask init --check`"
        ),
        "{}",
        again.all()
    );
    assert_eq!(files.iter().map(|f| repo.read(f)).collect::<Vec<_>>(), written, "refused: nothing written");

    let forced = repo.expect(&["init", "--force"], 0);
    assert_eq!(files.iter().map(|f| repo.read(f)).collect::<Vec<_>>(), written, "the same bytes\n{}", forced.all());
    assert!(forced.stderr.contains("Unchanged _meta/monorepo.toml"), "{}", forced.all());
    assert!(forced.stderr.contains("Kept _meta/requirements/base.in: it exists"), "{}", forced.all());
    assert!(!forced.stderr.contains("Updated .gitignore"), "every entry is there\n{}", forced.all());
}

#[test]
fn init_check_passes_on_the_tree_it_wrote_and_names_what_changed_since() {
    let repo = legacy();
    let none = repo.expect(&["init", "--check"], 2);
    assert!(none.stderr.contains("error: no _meta/monorepo.toml in "), "{}", none.all());
    assert!(none.stderr.contains("hint: run `cargo xtask init` to write it from the tree"), "{}", none.all());

    repo.expect(&["init"], 0);
    let config = repo.read("_meta/monorepo.toml");
    let ok = repo.expect(&["init", "--check"], 0);
    assert!(
        ok.stderr.contains("Checked _meta/monorepo.toml describes the tree: 6 units, 2 pythonpaths"),
        "{}",
        ok.all()
    );

    // A unit added since.
    repo.write("tools/c/Review/tests/test_c.py", "def test_c():\n    pass\n");
    let before = snapshot(&repo.path(""));
    let added = repo.expect(&["init", "--check"], 1);
    assert!(
        added.stderr.contains(
            "Differs tools/c/Review: a unit (tests only: 1 test file, tools/c/Review/tests/test_c.py; no pyproject or \
             requirements file) that _meta/monorepo.toml does not list"
        ),
        "{}",
        added.all()
    );
    assert!(added.stderr.contains("hint: run `cargo xtask init --force`"), "{}", added.all());
    assert_eq!(snapshot(&repo.path("")), before, "--check writes nothing");
    assert_eq!(repo.read("_meta/monorepo.toml"), config);
    std::fs::remove_dir_all(repo.path("tools/c")).unwrap();

    // A unit removed, and an import gone (its pythonpath no longer needed).
    std::fs::remove_dir_all(repo.path("legacy")).unwrap();
    repo.write("tools/b/Review/tests/test_review.py", "def test_b():\n    pass\n");
    let changed = repo.expect(&["init", "--check"], 1);
    for said in [
        "Differs legacy/reports: listed in _meta/monorepo.toml, but not a unit: there is no such folder now",
        "Differs tools/b/Review: its pythonpath has `../../..`, which none of its imports needs now",
        "Checked _meta/monorepo.toml: 2 differences",
    ] {
        assert!(changed.stderr.contains(said), "`{said}` in\n{}", changed.all());
    }

    // A new import that needs a folder.
    repo.write("tools/b/Review/tests/test_review.py", "import Core.util\n");
    repo.write("legacy/reports/requirements-dev.txt", "tiny-a>=1.16\ntiny-c\n");
    repo.write("legacy/reports/test_reports.py", "import shared_lib\n");
    repo.write("lib/shared_lib.py", "");
    let lacks = repo.expect(&["init", "--check"], 1);
    assert!(
        lacks.stderr.contains("Differs legacy/reports: its pythonpath lacks `../../lib`: it imports shared_lib from legacy/reports/test_reports.py"),
        "{}",
        lacks.all()
    );
}

#[test]
fn an_import_found_in_several_folders_is_reported_not_guessed() {
    let repo = legacy();
    repo.write("lib1/helpers.py", "");
    repo.write("lib2/helpers.py", "");
    repo.write("lib1/json.py", "");
    repo.write("tools/x/own.py", "");
    // A namespace package (no __init__.py) in one folder: that one is not a guess.
    repo.write("vendor/nslib/thing.py", "");
    repo.write(
        "tools/x/tests/test_x.py",
        "import json\nimport own\nfrom helpers import thing\nfrom . import relative\nimport nslib.thing\n\n\n\
         def test_x():\n    pass\n",
    );
    let run = repo.expect(&["init"], 0);
    let said = "Undecided tools/x: imports helpers from tools/x/tests/test_x.py, which is found in 2 folders \
                (`../../lib1`, `../../lib2`, relative to tools/x): none is added; add the right one to its pythonpath";
    assert!(run.stderr.contains(said), "{}", run.all());
    assert!(
        run.stderr.contains(&format!("Review {}", &said["Undecided ".len()..])),
        "listed again at the end\n{}",
        run.all()
    );
    let config = config(&repo);
    let x = config["member"]["tools/x"].as_table().unwrap();
    assert_eq!(
        strings(x.get("pythonpath")),
        ["../../vendor"],
        "nslib's folder; nothing for its own module, the standard library's (lib1 has a json.py), or helpers"
    );
    let text = repo.read("_meta/monorepo.toml");
    assert!(
        text.contains(
            "# What init could not decide, or left out (settle these by hand):\n# - tools/x: imports helpers"
        ),
        "{text}"
    );

    // Settled by hand with one of the candidates: --check accepts it; another folder it does not.
    let written = "pythonpath = [\"../../vendor\"]  # imports nslib.thing from tools/x/tests/test_x.py";
    repo.edit("_meta/monorepo.toml", written, "pythonpath = [\"../../vendor\", \"../../lib1\"]");
    repo.expect(&["init", "--check"], 0);
    repo.edit("_meta/monorepo.toml", "\"../../lib1\"]", "\"../../web\"]");
    let other = repo.expect(&["init", "--check"], 1);
    assert!(other.stderr.contains("Differs tools/x: its pythonpath has `../../web`"), "{}", other.all());

    // Several undecided imports of a unit: one message for the unit.
    repo.write("lib1/common.py", "");
    repo.write("lib2/common.py", "");
    repo.write("tools/x/tests/test_y.py", "import common\nfrom helpers import other\n");
    let run = repo.expect(&["init", "--force"], 0);
    let undecided: Vec<&str> = run.stderr.lines().filter(|l| l.contains("Undecided tools/x")).collect();
    assert_eq!(undecided.len(), 1, "{}", run.all());
    assert!(
        undecided[0].ends_with(
            "Undecided tools/x: 2 imports are found in several folders (relative to tools/x), and none is added; add \
             the right ones to its pythonpath: helpers from tools/x/tests/test_x.py (`../../lib1`, `../../lib2`); \
             common from tools/x/tests/test_y.py (`../../lib1`, `../../lib2`)"
        ),
        "{}",
        run.all()
    );
    // Where the unit's own code puts one of the folders on sys.path, that one is decided.
    repo.write(
        "tools/x/tests/conftest.py",
        "import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..', 'lib2'))\n",
    );
    repo.expect(&["init", "--force"], 0);
    let again = self::config(&repo);
    assert_eq!(strings(again["member"]["tools/x"].get("pythonpath")), ["../../lib2", "../../vendor"]);
}

#[test]
fn the_config_init_writes_runs_every_suite() {
    let (repo, find_links) = legacy_and_wheelhouse();
    repo.expect(&["init"], 0);
    // Back to the tests' wheelhouse: resolve offline, as every test repo does.
    repo.edit("_meta/monorepo.toml", "[monorepo]\n", &format!("[monorepo]\nno-index = true\n{find_links}\n"));
    let run = repo.expect(&["test-all", "--message-format", "json"], 0);
    let finished: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "suite-finished")
        .collect();
    let mut passed: Vec<(String, u64)> = finished
        .iter()
        .map(|e| (e["project"].as_str().unwrap().to_owned(), e["counts"]["passed"].as_u64().unwrap()))
        .collect();
    passed.sort();
    let expected: Vec<(String, u64)> =
        ["a-Review", "app", "b-Review", "core", "plugin", "reports"].iter().map(|n| ((*n).to_owned(), 1)).collect();
    assert_eq!(passed, expected, "each suite ran its one test\n{}", run.all());
}

#[test]
fn init_force_keeps_what_the_tree_cannot_say_leaves_out_a_unit_that_does_not_load_and_puts_back_the_rest() {
    let (repo, find_links) = legacy_and_wheelhouse();
    // A config of the user's, with settings and a layer no folder tells.
    repo.write("_meta/requirements/extra.in", "tiny-b>=3\n");
    let theirs = format!(
        "[monorepo]\nmembers = [\"projects/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\nno-index = true\n{find_links}\nexclude-newer = \"2026-11-01\"\n\n[layers.extra]\n"
    );
    repo.write("_meta/monorepo.toml", &theirs);
    repo.expect(&["init", "--force"], 0);
    let written = repo.read("_meta/monorepo.toml");
    for kept in ["uv = \"0.13.9\"", "no-index = true", &find_links, "exclude-newer = \"2026-11-01\"", "[layers.extra]"]
    {
        assert!(written.contains(kept), "`{kept}` is kept\n{written}");
    }
    // A project that asks for a layer nobody declares: it does not load, so it is left
    // out, commented out with why, and the rest is adopted.
    repo.append("projects/app/pyproject.toml", "\n[tool.monorepo]\nlayers = [\"nope\"]\n");
    let run = repo.expect(&["init", "--force"], 0);
    let written = repo.read("_meta/monorepo.toml");
    assert!(written.contains("    # \"projects/app\",\n"), "{written}");
    assert!(
        written.contains("    # Not adopted: it does not load: projects/app/pyproject.toml: unknown layer `nope`"),
        "{written}"
    );
    assert!(!written.contains("    \"projects/app\","), "{written}");
    assert!(run.stderr.contains("Review projects/app is not adopted: it does not load:"), "{}", run.all());
    assert!(run.stderr.contains("Loaded 5 members"), "{}", run.all());
    repo.expect(&["init", "--check"], 0);

    // What fails is no unit's (a setting kept from the config it replaces): every file it
    // wrote is put back.
    repo.edit("_meta/monorepo.toml", "exclude-newer = \"2026-11-01\"", "exclude-newer = \"soon\"");
    let before = (repo.read("_meta/monorepo.toml"), repo.read(".gitignore"));
    std::fs::write(repo.path(".gitignore"), "").unwrap();
    let run = repo.expect(&["init", "--force"], 2);
    assert!(run.stderr.contains("as init would write it, does not load"), "{}", run.all());
    assert!(run.stderr.contains("exclude-newer"), "{}", run.all());
    assert_eq!(repo.read("_meta/monorepo.toml"), before.0, "the config is as it was");
    assert_eq!(repo.read(".gitignore"), "", ".gitignore is as it was");
    let _ = before.1;
}
