//! End-to-end: the shapes of a modern repository: the `dev` group installed by default as uv
//! does, an interpreter by path, group edges that close cycles, `[tool.uv.sources]`, dynamic
//! metadata through the build backend, the pins of a committed `uv.lock` kept on adoption,
//! and a whole modern-shaped repository adopted with `init`.
#![cfg(unix)]

mod support;

use support::{Repo, TINY_A_NEWEST, pinned};

#[test]
fn the_dev_group_is_installed_by_default_and_the_config_can_choose_others() {
    let repo = Repo::new();
    repo.project("api", &[], &[], "import tiny_a\n\ndef test_needs_dev():\n    assert tiny_a.VERSION\n");
    repo.append(
        "projects/api/pyproject.toml",
        "\n[dependency-groups]\ndev = [\"tiny-a>=1.16\"]\nextras = [\"tiny-b>=3\"]\n",
    );
    repo.expect(&["test-all"], 0);
    assert!(repo.read("_meta/requirements/api.txt").contains("tiny-a=="), "the dev group is in the lock");
    assert!(!repo.read("_meta/requirements/api.txt").contains("tiny-b=="), "other groups are not, by default");
    // For every member: these groups instead of dev (test is always installed).
    repo.edit("_meta/monorepo.toml", "[monorepo]\n", "[monorepo]\ndefault-groups = [\"extras\"]\n");
    repo.expect(&["lock"], 0);
    let lock = repo.read("_meta/requirements/api.txt");
    assert!(lock.contains("tiny-b==") && !lock.contains("tiny-a=="), "{lock}");
    let run = repo.expect(&["test-all"], 1);
    assert!(run.stdout.contains("No module named 'tiny_a'"), "without dev, the suite misses it\n{}", run.all());
}

/// The real interpreter behind `python3` (not a shim), as a path.
fn python3_path() -> String {
    let out = std::process::Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn an_interpreter_given_by_path_keeps_the_locks_of_its_version() {
    let repo = Repo::new();
    repo.project("solo", &[], &[], "import sys\n\ndef test_where():\n    assert sys.version_info[:2] == (3, 11)\n");
    repo.expect(&["lock"], 0);
    let path = python3_path();
    repo.edit("_meta/monorepo.toml", "python = \"3.11\"", &format!("python = {path:?}"));
    // The same Python by its path: every lock stays fresh, no version moves.
    repo.expect(&["lock", "--check"], 0);
    repo.expect(&["test-all"], 0);
    let cfg = repo.read("projects/solo/.venv/pyvenv.cfg");
    let home = std::path::Path::new(&path).parent().unwrap().to_str().unwrap().to_owned();
    assert!(cfg.contains(&format!("home = {home}")), "the venv runs that interpreter\n{cfg}");
    // A path with nothing there is an error of the config, at its line, with what to write instead.
    repo.edit("_meta/monorepo.toml", &format!("python = {path:?}"), "python = \"/nowhere/python3\"");
    let run = repo.expect(&["lock"], 2);
    assert!(
        run.stderr.contains(
            "`monorepo.python` is `/nowhere/python3`, the path of an interpreter, but there is no file there"
        ),
        "{}",
        run.all()
    );
}

#[test]
fn a_test_group_may_close_a_cycle_and_both_ends_are_installed() {
    let repo = Repo::new();
    // b needs a at run time; a's tests need b: a cycle only through a's test group.
    repo.project(
        "a",
        &[],
        &[],
        "from e2e_b import double as b_double\n\ndef test_a_with_b():\n    assert b_double(2) == 4\n",
    );
    repo.append("projects/a/pyproject.toml", "\n[dependency-groups]\ntest = [\"e2e-b\"]\n");
    repo.project("b", &["e2e-a"], &[], "from e2e_a import double\n\ndef test_b():\n    assert double(3) == 6\n");
    repo.git_init();
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.contains("a -> b (group)") && graph.stdout.contains("b -> a"), "{}", graph.all());
    repo.expect(&["test-all"], 0);
    assert!(repo.read("_meta/requirements/a.txt").contains("-e ./projects/b"), "a's env installs b");
    repo.write("projects/b/src/e2e_b/extra.py", "X = 1\n");
    let run = repo.expect(&["affected", "--since", "HEAD"], 0);
    let mut listed: Vec<&str> = run.stdout.lines().collect();
    listed.sort_unstable();
    assert_eq!(listed, ["a", "b"], "affected follows the group edge\n{}", run.all());
    // A cycle of runtime edges stays an error.
    repo.edit("projects/a/pyproject.toml", "dependencies = []", "dependencies = [\"e2e-b\"]");
    let cycle = repo.expect(&["graph"], 2);
    assert!(cycle.stderr.contains("cycle"), "{}", cycle.all());
}

#[test]
fn uv_sources_by_path_and_workspace_name_local_dependencies_with_root_relative_paths() {
    let repo = Repo::new();
    repo.project("core", &[], &[], "def test_core():\n    pass\n");
    // A package the repository keeps outside its members, and one that app names by path.
    repo.write(
        "vendor/prebuilt/pyproject.toml",
        "[project]\nname = \"prebuilt\"\nversion = \"1.0.0\"\n\n[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
    );
    repo.write("vendor/prebuilt/src/prebuilt/__init__.py", "VALUE = 7\n");
    repo.project(
        "app",
        &["prebuilt", "e2e-core"],
        &[],
        "import prebuilt\nfrom e2e_core import double\n\ndef test_app():\n    assert double(prebuilt.VALUE) == 14\n",
    );
    repo.append(
        "projects/app/pyproject.toml",
        "\n[tool.uv.sources]\nprebuilt = { path = \"../../vendor/prebuilt\" }\ne2e-core = { workspace = true }\n",
    );
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.contains("app -> core"), "a workspace source is a local dependency\n{}", graph.all());
    repo.expect(&["lock"], 0);
    repo.expect(&["test-all"], 0);
    let lock = repo.read("_meta/requirements/app.txt");
    assert!(lock.contains("-e ./vendor/prebuilt"), "the path is relative to the root\n{lock}");
    assert!(!lock.contains("../"), "{lock}");
    repo.expect(&["check"], 0);
    // The folder's pyproject is an input of the lock.
    repo.edit("vendor/prebuilt/pyproject.toml", "version = \"1.0.0\"", "version = \"1.0.1\"");
    assert_eq!(repo.xtask(&["lock", "--check"]).code, 1);
}

/// A setuptools project whose dependencies are `dynamic`, read from `requirements.txt`.
fn dynamic_project(repo: &Repo, dir: &str, package: &str, requirements: &str, test: &str) {
    repo.write(
        &format!("{dir}/pyproject.toml"),
        &format!(
            "[project]\nname = \"{package}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndynamic = [\"dependencies\"]\n\n\
             [build-system]\nrequires = [\"setuptools>=70\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
             [tool.setuptools.dynamic]\ndependencies = {{ file = [\"requirements.txt\"] }}\n"
        ),
    );
    repo.write(&format!("{dir}/requirements.txt"), requirements);
    repo.write(&format!("{dir}/src/{}/__init__.py", package.replace('-', "_")), "VALUE = 1\n");
    repo.write(&format!("{dir}/tests/test_{}.py", package.replace('-', "_")), test);
}

#[test]
fn dynamic_dependencies_come_from_the_build_backend_and_its_files_make_locks_stale() {
    let repo = Repo::new();
    repo.project("core", &[], &[], "def test_core():\n    pass\n");
    dynamic_project(
        &repo,
        "projects/dyn",
        "dyn-pkg",
        "tiny-a>=1.16\ne2e-core\n",
        "import tiny_a, dyn_pkg\nfrom e2e_core import double\n\ndef test_dyn():\n    assert double(dyn_pkg.VALUE) == 2 and tiny_a.VERSION\n",
    );
    let graph = repo.expect(&["graph"], 0);
    assert!(graph.stdout.contains("dyn -> core"), "the edge comes from the built metadata\n{}", graph.all());
    assert!(graph.stderr.contains("from its build backend"), "it says it runs the backend\n{}", graph.all());
    repo.expect(&["lock"], 0);
    repo.expect(&["test-all"], 0);
    assert!(repo.read("_meta/requirements/dyn.txt").contains("tiny-a=="));
    // Cached: the next command runs no backend.
    let again = repo.expect(&["lock", "--check"], 0);
    assert!(!again.stderr.contains("build backend"), "{}", again.all());
    // A code edit is no dependency change; an edit of the file the backend reads is.
    repo.write("projects/dyn/src/dyn_pkg/extra.py", "X = 1\n");
    repo.expect(&["lock", "--check"], 0);
    repo.edit("projects/dyn/requirements.txt", "e2e-core\n", "e2e-core\ntiny-c\n");
    assert_eq!(repo.xtask(&["lock", "--check"]).code, 1, "requirements.txt is an input of the lock");
    repo.expect(&["lock"], 0);
    assert!(repo.read("_meta/requirements/dyn.txt").contains("tiny-c=="));
    // A backend that fails is named, with the way out.
    repo.edit("projects/dyn/pyproject.toml", "setuptools.build_meta", "setuptools.no_such_backend");
    let broken = repo.expect(&["graph"], 2);
    assert!(broken.stderr.contains("cannot read the metadata of projects/dyn"), "{}", broken.all());
    assert!(broken.stderr.contains("list its dependencies statically"), "{}", broken.all());
}

#[test]
fn a_first_lock_keeps_the_pins_the_repository_has_and_upgrade_moves_them() {
    let repo = Repo::new();
    repo.project("pinned", &["tiny-a>=1.15"], &[], "def test_pinned():\n    pass\n");
    repo.write(
        "projects/pinned/requirements.txt",
        "# what CI installed so far\ntiny-a==1.15.0 \\\n    --hash=sha256:00\n",
    );
    let run = repo.expect(&["lock"], 0);
    assert!(run.stderr.contains("from the pins of projects/pinned/requirements.txt"), "{}", run.all());
    assert_eq!(repo.pin("pinned", "tiny-a"), Some(pinned("tiny-a", "1.15.0")));
    // Once locked, the lock is the starting point; --upgrade moves what was adopted.
    repo.expect(&["lock", "--upgrade"], 0);
    assert_eq!(repo.pin("pinned", "tiny-a"), Some(pinned("tiny-a", TINY_A_NEWEST)));
}

/// A `uv.lock` as uv writes one for the workspace below: its members, then what they pin.
const UV_LOCK: &str = r#"version = 1
revision = 3
requires-python = ">=3.11"

[manifest]
members = ["alpha", "beta", "delta", "gamma"]

[[package]]
name = "alpha"
version = "0.1.0"
source = { editable = "packages/alpha" }

[[package]]
name = "iniconfig"
version = "2.3.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.3.5"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tiny-a"
version = "1.16.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tiny-b"
version = "3.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "vendored-helper"
version = "1.0.0"
source = { directory = "vendor/helper" }
"#;

/// A uv_build package in `dir` (module `name` with `VALUE`), with the tables `extra`.
fn uv_package(repo: &Repo, dir: &str, name: &str, deps: &str, extra: &str, test: Option<&str>) {
    repo.write(
        &format!("{dir}/pyproject.toml"),
        &format!(
            "[project]\nname = \"{name}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [{deps}]\n\n\
             [build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n{extra}"
        ),
    );
    repo.write(&format!("{dir}/src/{}/__init__.py", name.replace('-', "_")), "VALUE = 5\n");
    if let Some(test) = test {
        repo.write(&format!("{dir}/tests/test_{}.py", name.replace('-', "_")), test);
    }
}

#[test]
fn a_modern_repository_is_adopted_with_init_and_keeps_the_versions_of_its_uv_lock() {
    let repo = Repo::new();
    std::fs::remove_dir_all(repo.path("projects")).ok();
    // A uv workspace: a root pyproject, one uv.lock, packages under packages/.
    repo.write("pyproject.toml", "[tool.uv.workspace]\nmembers = [\"packages/*\"]\n");
    repo.write("uv.lock", UV_LOCK);
    // alpha's tests need beta, and beta needs alpha at run time: a cycle through a test group.
    uv_package(
        &repo,
        "packages/alpha",
        "alpha",
        "",
        "\n[dependency-groups]\ntest = [\"beta\"]\n\n[tool.uv.sources]\nbeta = { workspace = true }\n",
        Some("import beta\n\ndef test_alpha_with_beta():\n    assert beta.VALUE == 5\n"),
    );
    uv_package(
        &repo,
        "packages/beta",
        "beta",
        "\"alpha\", \"tiny-a>=1.15\"",
        "\n[tool.uv.sources]\nalpha = { workspace = true }\n",
        Some("import alpha, tiny_a\n\ndef test_beta():\n    assert alpha.VALUE == 5 and tiny_a.VERSION\n"),
    );
    // gamma's dependencies are dynamic (setuptools reads them from requirements.txt).
    dynamic_project(
        &repo,
        "packages/gamma",
        "gamma",
        "tiny-b>=3\nbeta\n",
        "import beta, tiny_b\n\ndef test_gamma():\n    assert beta.VALUE == 5 and tiny_b.VERSION\n",
    );
    // delta: a vendored package by path, a dev group its suite needs, and a variable.
    uv_package(&repo, "vendor/helper", "vendored-helper", "", "", None);
    uv_package(
        &repo,
        "packages/delta",
        "delta",
        "\"vendored-helper\"",
        "\n[dependency-groups]\ndev = [\"tiny-c\"]\n\n[tool.uv.sources]\nvendored-helper = { path = \"../../vendor/helper\" }\n\n\
         [tool.monorepo]\nenvironment = { DELTA_MODE = \"offline\" }\n",
        Some(
            "import os, tiny_c, vendored_helper\n\ndef test_delta():\n    assert os.environ['DELTA_MODE'] == 'offline'\n    assert tiny_c.VERSION and vendored_helper.VALUE == 5\n",
        ),
    );
    repo.git_init();
    let init = repo.expect(&["init", "--force"], 0);
    let config = repo.read("_meta/monorepo.toml");
    for member in ["packages/alpha", "packages/beta", "packages/delta", "packages/gamma"] {
        assert!(config.contains(member), "{member} is a member\n{config}\n{}", init.all());
    }
    assert!(!config.contains("pythonpath"), "gamma imports beta as its backend installs it\n{config}");
    let run = repo.expect(&["test-all"], 0);
    for suite in ["alpha", "beta", "gamma", "delta"] {
        assert!(run.stdout.contains(suite), "{suite} ran\n{}", run.all());
    }
    // Adopting changed no version: every venv has what uv.lock pinned.
    let version = |member: &str, module: &str| {
        let python = repo.path(&format!("packages/{member}/.venv/bin/python"));
        let out = std::process::Command::new(python)
            .args(["-c", &format!("import importlib.metadata as m; print(m.version('{module}'))")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    for member in ["alpha", "beta", "gamma", "delta"] {
        assert_eq!(version(member, "pytest"), "8.3.5", "{member}'s pytest is uv.lock's, not the newest");
    }
    for member in ["alpha", "beta", "gamma"] {
        assert_eq!(version(member, "tiny-a"), "1.16.0", "{member}'s tiny-a is uv.lock's");
    }
    assert_eq!(version("gamma", "tiny-b"), "3.0.0", "gamma's tiny-b is uv.lock's");
}

#[test]
fn a_source_path_outside_the_repository_is_refused_unless_the_config_allows_it_and_then_is_that_folder() {
    let repo = Repo::new();
    // A package beside the repository, and a decoy inside it where `..` past the root would
    // land if it were dropped.
    let beside = tempfile::tempdir().unwrap();
    let name = beside.path().file_name().unwrap().to_str().unwrap().to_owned();
    let outside = beside.path().join("extpkg");
    let package = |dir: &std::path::Path, value: u32| {
        std::fs::create_dir_all(dir.join("src/extpkg")).unwrap();
        std::fs::write(
            dir.join("pyproject.toml"),
            "[project]\nname = \"extpkg\"\nversion = \"1.0.0\"\n\n[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
        )
        .unwrap();
        std::fs::write(dir.join("src/extpkg/__init__.py"), format!("VALUE = {value}\n")).unwrap();
    };
    package(&outside, 42);
    package(&repo.path(&format!("{name}/extpkg")), 0);
    repo.project("app", &["extpkg"], &[], "import extpkg\n\ndef test_app():\n    assert extpkg.VALUE == 42\n");
    repo.append(
        "projects/app/pyproject.toml",
        &format!("\n[tool.uv.sources]\nextpkg = {{ path = \"../../../{name}/extpkg\" }}\n"),
    );
    let run = repo.expect(&["test-all"], 2);
    let shown = outside.display().to_string();
    for needle in [
        format!(
            "error: projects/app/pyproject.toml: [tool.uv.sources] extpkg = {{ path = \"../../../{name}/extpkg\" }} leads out of the repository, to {shown}"
        ),
        "(line 12)".to_owned(),
        format!("external-paths = [\"../{name}/extpkg\"] under [monorepo]"),
    ] {
        assert!(run.stderr.contains(&needle), "missing `{needle}`\n{}", run.all());
    }
    assert!(!repo.path("_meta/requirements/app.txt").exists(), "nothing was locked");
    // Allowed by name: it is that folder, not one inside the root.
    repo.edit("_meta/monorepo.toml", "[monorepo]\n", &format!("[monorepo]\nexternal-paths = [\"../{name}/extpkg\"]\n"));
    repo.expect(&["test-all"], 0);
    let lock = repo.read("_meta/requirements/app.txt");
    assert!(lock.contains(&format!("-e ../{name}/extpkg\n")), "relative to the root, as every path in a lock\n{lock}");
    repo.expect(&["lock"], 0);
    repo.expect(&["check"], 0);
    // Git does not see that folder, but its files key the result all the same: an edit
    // there reruns the suite (here, into a failure), never a false `cached`.
    repo.git_init();
    repo.expect(&["test-all"], 0);
    let cached = repo.expect(&["test-all"], 0);
    assert!(cached.stderr.contains("1 cached"), "{}", cached.all());
    std::fs::write(outside.join("src/extpkg/__init__.py"), "VALUE = 41\n").unwrap();
    let rerun = repo.expect(&["test-all"], 1);
    assert!(rerun.stdout.contains("FAIL"), "{}", rerun.all());
}
