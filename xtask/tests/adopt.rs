//! End-to-end: the shapes of a repository that was not made for the tool: folders named
//! alike, code shared through `sys.path`, per-member test settings, a member nested in
//! another's folder.
#![cfg(unix)]

mod support;

use serde_json::Value;
use support::{Repo, build_wheel};

/// A member at `dir` with package `package`, one test file, and `tool` under [tool.monorepo].
fn unit(repo: &Repo, dir: &str, package: &str, tool: &str, tests: &[(&str, &str)]) {
    repo.write(
        &format!("{dir}/pyproject.toml"),
        &format!(
            "[project]\nname = \"{package}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = []\n\n\
             [build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n\n[tool.monorepo]\n{tool}"
        ),
    );
    let module = package.replace('-', "_");
    repo.write(&format!("{dir}/src/{module}/__init__.py"), "");
    for (path, text) in tests {
        repo.write(&format!("{dir}/{path}"), text);
    }
}

fn counts(events: &[Value], project: &str) -> (u64, u64, u64) {
    let e = events
        .iter()
        .find(|e| e["event"] == "suite-finished" && e["project"] == project)
        .unwrap_or_else(|| panic!("no result for {project}: {events:?}"));
    let c = &e["counts"];
    (c["passed"].as_u64().unwrap(), c["failed"].as_u64().unwrap(), c["deselected"].as_u64().unwrap())
}

#[test]
fn a_legacy_layout_runs_each_unit_with_its_own_settings() {
    let repo = Repo::new();
    repo.edit(
        "_meta/monorepo.toml",
        "members = [\"projects/*\"]",
        "members = [\"projects/*\", \"tools/*/Review\", \"tools/a/Review/plugin\"]",
    );
    // Shared code that no manifest declares, imported through sys.path.
    repo.write("shared/util.py", "ANSWER = 42\n");
    unit(
        &repo,
        "tools/a/Review",
        "review-a",
        "pythonpath = [\"../../../shared\"]\n",
        &[("tests/test_a.py", "import util\n\ndef test_shared():\n    assert util.ANSWER == 42\n")],
    );
    unit(
        &repo,
        "tools/b/Review",
        "review-b",
        "environment = { GREETING = \"hi\" }\npytest-args = [\"-k\", \"not left_out\"]\n",
        &[(
            "tests/test_b.py",
            "import os\n\ndef test_env():\n    assert os.environ['GREETING'] == 'hi'\n\ndef test_left_out():\n    assert False\n",
        )],
    );
    unit(
        &repo,
        "projects/web",
        "web",
        "testpaths = [\"checks\"]\nrunner = \"pytest\"\n",
        &[
            ("checks/test_web.py", "def test_web():\n    assert True\n"),
            ("tests/test_not_collected.py", "def test_outside_testpaths():\n    assert False\n"),
        ],
    );
    // Inside a-Review's folder: a-Review's own run would collect its tests without --ignore.
    unit(
        &repo,
        "tools/a/Review/plugin",
        "review-plugin",
        "",
        &[("tests/test_plugin.py", "def test_plugin():\n    assert True\n")],
    );

    let graph = repo.expect(&["graph"], 0);
    for name in ["a-Review", "b-Review", "web", "plugin"] {
        assert!(graph.stdout.contains(name), "{name} is a member's name\n{}", graph.all());
    }
    let run = repo.expect(&["test-all", "--keep-going", "--message-format", "json"], 0);
    let events: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        counts(&events, "a-Review"),
        (1, 0, 0),
        "pythonpath makes shared/ importable; the nested plugin is not collected\n{}",
        run.all()
    );
    assert_eq!(counts(&events, "b-Review"), (1, 0, 1), "environment and pytest-args apply\n{}", run.all());
    assert_eq!(counts(&events, "web"), (1, 0, 0), "testpaths: tests/ is not collected\n{}", run.all());
    assert_eq!(counts(&events, "plugin"), (1, 0, 0), "{}", run.all());
    assert!(
        run.stderr.contains("Note a-Review's run ignores tools/a/Review/plugin: a project of its own"),
        "{}",
        run.all()
    );
    assert!(
        repo.path("_meta/requirements/a-Review.txt").is_file()
            && repo.path("_meta/requirements/b-Review.txt").is_file()
    );
    // Named by its path on the command line, too.
    let one = repo.expect(&["test-all", "tools/a/Review", "--message-format", "json"], 0);
    assert_eq!(one.stdout.lines().filter(|l| l.contains("\"suite-finished\"")).count(), 1, "{}", one.all());
}

#[test]
fn a_name_can_be_chosen_and_two_alike_are_an_error_naming_both() {
    let repo = Repo::new();
    repo.edit("_meta/monorepo.toml", "members = [\"projects/*\"]", "members = [\"projects/*\", \"tools/*\"]");
    unit(
        &repo,
        "projects/review",
        "review-p",
        "name = \"reviews\"\n",
        &[("tests/test_x.py", "def test_x():\n    pass\n")],
    );
    unit(&repo, "tools/review", "review-t", "", &[("tests/test_x.py", "def test_x():\n    pass\n")]);
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.contains("reviews") && graph.stdout.contains("review"), "{}", graph.all());
    repo.edit("tools/review/pyproject.toml", "[tool.monorepo]\n", "[tool.monorepo]\nname = \"reviews\"\n");
    let clash = repo.expect(&["graph"], 2);
    assert!(
        clash.stderr.contains("error: projects/review and tools/review are both named `reviews`"),
        "{}",
        clash.all()
    );
}

#[test]
fn folders_that_are_not_packages_are_members_declared_in_the_config() {
    let repo = Repo::new();
    repo.project("core", &[], &[], "from e2e_core import double\n\ndef test_double():\n    assert double(2) == 4\n");
    // A folder of tests with a requirements file, one with tests only, neither a package.
    repo.write("legacy/reqs/requirements.txt", "# what the old scripts installed\ntiny-a>=1.16\ne2e-core\n");
    repo.write("legacy/reqs/tests/test_reqs.py", "import tiny_a\nfrom e2e_core import double\n\ndef test_reqs():\n    assert tiny_a.VERSION and double(1) == 2\n");
    repo.write("legacy/bare/test_bare.py", "def test_bare():\n    assert True\n");
    repo.append(
        "_meta/monorepo.toml",
        "\n[member.\"legacy/reqs\"]\nlayers = [\"extra\"]\n\n[member.\"legacy/bare\"]\nenvironment = { MODE = \"legacy\" }\n",
    );
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.contains("reqs") && graph.stdout.contains("bare"), "{}", graph.all());
    let run = repo.expect(&["test-all", "--message-format", "json"], 0);
    let events: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(counts(&events, "reqs"), (1, 0, 0), "{}", run.all());
    assert_eq!(counts(&events, "bare"), (1, 0, 0), "{}", run.all());
    let lock = repo.read("_meta/requirements/reqs.txt");
    assert!(lock.contains("tiny-a==") && lock.contains("tiny-b=="), "its requirements and its layer\n{lock}");
    assert!(lock.contains("-e ./projects/core"), "a requirement naming a member's package is that member\n{lock}");
    assert!(!lock.contains("legacy/reqs\n"), "nothing of its own is installed\n{lock}");
    // Its requirements file is an input of its lock.
    repo.expect(&["lock", "--check"], 0);
    repo.append("legacy/reqs/requirements.txt", "tiny-b>=3\n");
    let stale = repo.expect(&["lock", "--check"], 1);
    assert!(stale.all().contains("reqs"), "{}", stale.all());
}

#[test]
fn a_member_folder_without_a_pyproject_says_how_to_declare_it() {
    let repo = Repo::new();
    repo.write("projects/old/test_old.py", "def test_old():\n    pass\n");
    let run = repo.expect(&["graph"], 2);
    assert!(run.stderr.contains("error: member folder projects/old has no pyproject.toml"), "{}", run.all());
    assert!(run.stderr.contains("declare it as [member.\"projects/old\"] in _meta/monorepo.toml"), "{}", run.all());
    repo.append("_meta/monorepo.toml", "\n[member.\"projects/old\"]\n");
    repo.expect(&["test-all"], 0);
}

#[test]
fn a_pyproject_that_does_not_build_names_the_backend_and_install_false() {
    let repo = Repo::new();
    repo.write(
        "projects/old/pyproject.toml",
        "[project]\nname = \"old\"\nversion = \"0.1.0\"\ndependencies = [\"tiny-a>=1.16\"]\n\n\
         [build-system]\nrequires = []\nbuild-backend = \"no_such_backend\"\n",
    );
    repo.write("projects/old/old.py", "import tiny_a\nVERSION = tiny_a.VERSION\n");
    repo.write("projects/old/tests/test_old.py", "import old\n\ndef test_old():\n    assert old.VERSION\n");
    let run = repo.expect(&["test-all"], 2);
    assert!(run.stderr.contains("the build backend of projects/old fails (its complaint is above)"), "{}", run.all());
    assert!(run.stderr.contains("add `install = false` under its [tool.monorepo]"), "{}", run.all());
    repo.append("projects/old/pyproject.toml", "\n[tool.monorepo]\ninstall = false\n");
    let run = repo.expect(&["test-all"], 0);
    assert!(run.stderr.contains("1 passed"), "{}", run.all());
    let lock = repo.read("_meta/requirements/old.txt");
    assert!(lock.contains("tiny-a==") && !lock.contains("-e ./projects/old"), "its requirements, not itself\n{lock}");
}

#[test]
fn two_copies_of_one_project_are_an_error_and_excluding_the_old_one_is_the_way_out() {
    let repo = Repo::new();
    repo.edit("_meta/monorepo.toml", "members = [\"projects/*\"]", "members = [\"projects/*\", \"old/*\"]");
    for dir in ["projects/tool", "old/tool"] {
        unit(&repo, dir, "tool", "", &[("tests/test_tool.py", "def test_tool():\n    pass\n")]);
    }
    let run = repo.expect(&["test-all"], 2);
    assert!(
        run.stderr.contains("error: old/tool and projects/tool both declare the package `tool`"),
        "a requirement on `tool` could not say which\n{}",
        run.all()
    );
    assert!(run.stderr.contains("exclude = [\"projects/tool\"]"), "{}", run.all());
    repo.edit("_meta/monorepo.toml", "members = [\"projects/*\", \"old/*\"]", "members = [\"projects/*\"]");
    let run = repo.expect(&["test-all", "--message-format", "json"], 0);
    let events: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(counts(&events, "tool"), (1, 0, 0), "{}", run.all());
}

/// Every lock of the repo, by file name, as bytes.
fn locks(repo: &Repo) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(repo.path("_meta/requirements"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".txt"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

/// The sample, with `e2e-core` also published on the index it resolves from (a wheelhouse
/// of its own, first in `find-links`): what anyone could do to a name the repository uses.
fn sample_with_core_published() -> Repo {
    let repo = Repo::sample();
    build_wheel(&repo.path("published"), "e2e-core", "9.9.9", &[]);
    repo.edit("_meta/monorepo.toml", "find-links = [", "find-links = [\"published\", ");
    repo
}

#[test]
fn a_requirement_on_a_project_that_is_not_installed_never_reaches_the_index() {
    let repo = sample_with_core_published();
    repo.expect(&["lock"], 0);
    assert!(repo.read("_meta/requirements/lib.txt").contains("-e ./projects/core"), "core is the folder");
    let before = locks(&repo);
    repo.append("projects/core/pyproject.toml", "\n[tool.monorepo]\ninstall = false\n");
    for args in [&["lock"][..], &["test-all"], &["check"]] {
        let run = repo.expect(args, 2);
        for needle in [
            "error: projects/lib/pyproject.toml: `e2e-core` names the package of projects/core, which is not installed (`install = false`)",
            "the package index's `e2e-core` would be installed in its place",
            "hint: remove `install = false` from projects/core's [tool.monorepo]",
            "index-packages = [\"e2e-core\"]",
        ] {
            assert!(run.stderr.contains(needle), "missing `{needle}`\n{}", run.all());
        }
    }
    assert!(locks(&repo) == before, "no lock moved");
    assert!(!repo.path("projects/lib/.venv").exists(), "nothing was installed");
    // Saying that the index's package is meant makes it so, and only then.
    repo.edit("_meta/monorepo.toml", "[monorepo]\n", "[monorepo]\nindex-packages = [\"e2e-core\"]\n");
    repo.expect(&["lock"], 0);
    let lib = repo.read("_meta/requirements/lib.txt");
    assert!(lib.contains("e2e-core==9.9.9") && !lib.contains("-e ./projects/core"), "{lib}");
}

#[test]
fn a_requirement_on_a_folder_that_is_not_a_member_says_both_ways_out() {
    let repo = sample_with_core_published();
    repo.edit(
        "_meta/monorepo.toml",
        "members = [\"projects/*\"]",
        "members = [\"projects/*\"]\nexclude = [\"projects/core\"]",
    );
    let run = repo.expect(&["test-all"], 2);
    for needle in [
        "error: projects/lib/pyproject.toml: `e2e-core` names a package that only projects/core declares, and `exclude` in _meta/monorepo.toml leaves projects/core out of the members",
        "(line 5)",
        "hint: make projects/core a member (take it out of `exclude` in _meta/monorepo.toml); or, if the package index's `e2e-core` is meant, say so: index-packages = [\"e2e-core\"]",
    ] {
        assert!(run.stderr.contains(needle), "missing `{needle}`\n{}", run.all());
    }
    assert!(locks(&repo).is_empty(), "nothing was locked");
    // A package in a folder no pattern matches: installed from its folder by a source path.
    repo.edit("_meta/monorepo.toml", "\nexclude = [\"projects/core\"]", "");
    repo.write(
        "vendor/helper/pyproject.toml",
        "[project]\nname = \"vendored-helper\"\nversion = \"1.0.0\"\n\n[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
    );
    repo.write("vendor/helper/src/vendored_helper/__init__.py", "VALUE = 5\n");
    repo.project(
        "user",
        &["vendored-helper"],
        &[],
        "import vendored_helper\n\ndef test_user():\n    assert vendored_helper.VALUE == 5\n",
    );
    let run = repo.expect(&["graph"], 2);
    assert!(
        run.stderr.contains(
            "`vendored-helper` names a package that only vendor/helper declares, and vendor/helper is not a member"
        ),
        "{}",
        run.all()
    );
    let source = "[tool.uv.sources] vendored-helper = { path = \"../../vendor/helper\" }";
    assert!(run.stderr.contains(source), "{}", run.all());
    repo.append(
        "projects/user/pyproject.toml",
        "\n[tool.uv.sources]\nvendored-helper = { path = \"../../vendor/helper\" }\n",
    );
    repo.expect(&["test-all", "user"], 0);
}

#[test]
fn a_name_set_by_hand_never_takes_another_projects_name_or_lock() {
    let repo = Repo::sample();
    repo.expect(&["lock"], 0);
    let before = locks(&repo);
    repo.append("projects/solo/pyproject.toml", "\n[tool.monorepo]\nname = \"app\"\n");
    for args in [&["lock"][..], &["test-all"], &["graph"]] {
        let run = repo.expect(args, 2);
        assert!(
            run.stderr.contains("error: projects/solo takes the name `app` (`name = \"app\"` under [tool.monorepo] in projects/solo/pyproject.toml), which projects/app has already"),
            "{}",
            run.all()
        );
    }
    assert!(locks(&repo) == before, "solo.txt is still there, app.txt is app's");
    // Names that differ only in case are one lock file on macOS and Windows.
    repo.edit("projects/solo/pyproject.toml", "name = \"app\"", "name = \"App\"");
    let run = repo.expect(&["lock"], 2);
    assert!(run.stderr.contains("are named `app` and `App`, which differ only in case"), "{}", run.all());
    assert!(locks(&repo) == before);
}
