//! End-to-end: adopting a legacy repository with `init`, no file edited by hand. The
//! fixture is this suite's own invention, shaped like the repositories the tool replaces
//! the scripts of: a root `pytest.ini`, code shared through `sys.path`, folders named alike,
//! a nested unit, units that are not packages, a known failure, and noise to skip.
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;
use support::Repo;

/// Writes the legacy tree into `repo` (whose config and base.in `init` must not find).
fn legacy_tree(repo: &Repo) {
    std::fs::remove_file(repo.path("_meta/monorepo.toml")).unwrap();
    std::fs::remove_file(repo.path("_meta/requirements/base.in")).unwrap();
    std::fs::remove_file(repo.path("_meta/requirements/extra.in")).unwrap();
    repo.write(
        "pytest.ini",
        "[pytest]\naddopts = --import-mode=importlib --strict-markers\nmarkers =\n    slow: a slow test\n",
    );
    // Shared code with no manifest, imported through sys.path by two units.
    repo.write("Core/__init__.py", "");
    repo.write("Core/util.py", "def answer():\n    return 42\n");
    let uses_core = |depth: usize| {
        format!(
            "import sys\nfrom pathlib import Path\n\nsys.path.insert(0, str(Path(__file__).resolve().parents[{depth}]))\n\nimport Core.util\n\n\ndef test_answer():\n    assert Core.util.answer() == 42\n"
        )
    };
    // Two units named alike, both using Core (a tests-only unit and a requirements unit).
    repo.write("Apps/Review/tests/test_review.py", &uses_core(3));
    repo.write("Tools/Review/requirements.txt", "tiny-a>=1.16\n");
    repo.write("Tools/Review/test_tool_review.py", &format!("import tiny_a\n{}", uses_core(2)));
    // An installable project and one that depends on it.
    repo.write(
        "libs/calc/pyproject.toml",
        "[project]\nname = \"calc\"\nversion = \"0.1.0\"\ndependencies = []\n\n[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
    );
    repo.write("libs/calc/src/calc/__init__.py", "def add(a, b):\n    return a + b\n");
    repo.write("libs/calc/tests/test_calc.py", "import pytest\nfrom calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\n@pytest.mark.slow\ndef test_slow():\n    assert add(2, 2) == 4\n\n\n@pytest.mark.skip(reason='later')\ndef test_later():\n    pass\n");
    repo.write(
        "libs/report/pyproject.toml",
        "[project]\nname = \"report\"\nversion = \"0.1.0\"\ndependencies = [\"calc\"]\n\n[build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
    );
    repo.write("libs/report/src/report/__init__.py", "from calc import add\n\n\ndef total(xs):\n    out = 0\n    for x in xs:\n        out = add(out, x)\n    return out\n");
    repo.write("libs/report/tests/test_report.py", "from report import total\n\n\ndef test_total():\n    assert total([1, 2, 3]) == 6\n\n\ndef test_known_failure():\n    assert total([]) == 1\n");
    // A nested unit inside another's folder.
    repo.write("libs/report/plugins/pdf/requirements.txt", "tiny-b>=3\n");
    repo.write(
        "libs/report/plugins/pdf/test_pdf.py",
        "import tiny_b\n\n\ndef test_pdf():\n    assert tiny_b.VERSION\n",
    );
    // A placeholder unit without tests.
    repo.write("Tools/Placeholder/requirements.txt", "tiny-a>=1.16\n");
    // Noise to skip.
    repo.write("node_modules/left-pad/test_pad.py", "def test_never():\n    assert False\n");
    repo.write(".venv/pyvenv.cfg", "home = /usr/bin\n");
    repo.write(".venv/lib/test_in_venv.py", "def test_never():\n    assert False\n");
    repo.write("web/index.php", "<?php echo 'hi';\n");
    for script in ["setup_all_envs.sh", "setup_all_envs.ps1", "setup_all_envs.bat"] {
        repo.write(script, "echo set up\n");
    }
}

/// pytest's counts for a unit run by hand in its folder, in the venv the xtask made, leaving
/// out the units nested in it (`ignore`): they are not its tests, and by hand their
/// imports fail in its venv, which is the legacy scripts' problem the tool removes.
fn by_hand(repo: &Repo, unit: &str, venv: &str, ignore: &[String]) -> (u64, u64, u64) {
    let out = Command::new(repo.path(&format!("{venv}/bin/python")))
        .args(["-m", "pytest", "-p", "no:cacheprovider"])
        .args(ignore.iter().map(|n| format!("--ignore={n}")))
        .current_dir(repo.path(unit))
        .env_remove("PYTEST_ADDOPTS")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let c = xtask::pytest::parse_counts(&text);
    (c.passed.into(), c.failed.into(), c.skipped.into())
}

#[test]
fn init_then_test_all_gives_each_units_counts_as_pytest_by_hand() {
    let repo = Repo::new();
    let wheels = support::wheelhouse();
    legacy_tree(&repo);
    repo.git_init();
    let init = repo.expect(&["init"], 0);
    // Resolve from the local wheelhouse, as every test here does: the only edit, and not
    // to the repository's own files.
    repo.edit(
        "_meta/monorepo.toml",
        "[monorepo]\n",
        &format!("[monorepo]\nno-index = true\nfind-links = [{:?}]\n", wheels.to_str().unwrap()),
    );
    let run = repo.xtask(&["test-all", "--keep-going", "--message-format", "json"]);
    assert_eq!(run.code, 1, "the known failure fails the run\n{}\n{}", init.all(), run.all());
    let events: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let finished: BTreeMap<String, &Value> = events
        .iter()
        .filter(|e| e["event"] == "suite-finished")
        .map(|e| (e["dir"].as_str().unwrap().to_owned(), e))
        .collect();
    let units =
        ["Apps/Review", "Tools/Review", "libs/calc", "libs/report", "libs/report/plugins/pdf", "Tools/Placeholder"];
    assert_eq!(finished.keys().collect::<Vec<_>>().len(), units.len(), "{:?}\n{}", finished.keys(), init.all());
    let ws = xtask::Workspace::load(&camino::Utf8PathBuf::try_from(repo.path("")).unwrap()).unwrap();
    for unit in units {
        let event = finished.get(unit).unwrap_or_else(|| panic!("{unit} did not run\n{}", init.all()));
        let counts = &event["counts"];
        let ours = (
            counts["passed"].as_u64().unwrap(),
            counts["failed"].as_u64().unwrap(),
            counts["skipped"].as_u64().unwrap(),
        );
        let m = ws.members.iter().position(|m| m.dir == unit).unwrap();
        let nested: Vec<String> = ws.members[m].nested.iter().map(|n| n.to_string()).collect();
        let hand = by_hand(&repo, unit, ws.env_of(m).venv.as_str(), &nested);
        assert_eq!(ours, hand, "{unit}: the xtask's counts against pytest's by hand\n{event}");
    }
    assert_eq!(finished["libs/report"]["counts"]["failed"], 1);
    assert_eq!(finished["Tools/Placeholder"]["result"], "no-tests");

    // The shared package and the root pytest.ini are inputs of the units that use them.
    repo.commit("adopted");
    repo.append("Core/util.py", "\n# touched\n");
    let affected = repo.expect(&["affected", "--since", "HEAD"], 0);
    let mut listed: Vec<&str> = affected.stdout.lines().collect();
    listed.sort_unstable();
    assert_eq!(listed, ["Apps-Review", "Tools-Review"], "{}", affected.all());
    repo.git(&["checkout", "--", "Core/util.py"]);
    repo.append("pytest.ini", "# touched\n");
    let affected = repo.expect(&["affected", "--since", "HEAD"], 0);
    assert_eq!(
        affected.stdout.lines().count(),
        units.len(),
        "the root pytest.ini configures every unit\n{}",
        affected.all()
    );
}
