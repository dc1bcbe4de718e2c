//! Small real monorepos in temp dirs, and the built xtask run against them.
#![allow(dead_code)] // each test crate uses a different part of it

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Repo {
    dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Everything the run printed, for assertions and failure messages.
    pub fn all(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

impl Repo {
    /// An empty monorepo: config, a base layer with pytest, an `extra` layer, no projects.
    /// Its `_meta/.tools` is shared by every test, so uv is bootstrapped once per target dir.
    pub fn new() -> Repo {
        let repo = Repo { dir: tempfile::Builder::new().prefix("xtask-e2e-").tempdir().unwrap() };
        repo.write(
            "_meta/monorepo.toml",
            "[monorepo]\nmembers = [\"projects/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n\n[layers.extra]\n",
        );
        repo.write("_meta/requirements/base.in", "pytest>=8\n");
        repo.write("_meta/requirements/extra.in", "idna>=3\n");
        let shared_tools = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-tools");
        std::fs::create_dir_all(&shared_tools).unwrap();
        std::os::unix::fs::symlink(&shared_tools, repo.path("_meta/.tools")).unwrap();
        repo
    }

    /// The sample shape: core <- lib <- app (app opts into `extra`), and an independent solo.
    pub fn sample() -> Repo {
        let repo = Repo::new();
        repo.project(
            "core",
            &[],
            &[],
            "from e2e_core import double\n\ndef test_double():\n    assert double(2) == 4\n",
        );
        repo.project(
            "lib",
            &["e2e-core", "six>=1.16"],
            &[],
            "import six\nfrom e2e_core import double\n\ndef test_lib():\n    assert six.PY3 and double(3) == 6\n",
        );
        repo.project(
            "app",
            &["e2e-lib"],
            &["extra"],
            "import idna\nimport e2e_lib\n\ndef test_app():\n    assert idna.encode('a') == b'a'\n",
        );
        repo.project("solo", &[], &[], "def test_solo():\n    assert True\n");
        repo
    }

    /// A project `projects/<name>` with package `e2e-<name>`, a `double` function, and one test file.
    pub fn project(&self, name: &str, deps: &[&str], layers: &[&str], test: &str) {
        let quoted = |items: &[&str]| items.iter().map(|d| format!("\"{d}\"")).collect::<Vec<_>>().join(", ");
        let mut pyproject = format!(
            "[project]\nname = \"e2e-{name}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [{}]\n\n\
             [build-system]\nrequires = [\"uv_build>=0.9,<0.14\"]\nbuild-backend = \"uv_build\"\n",
            quoted(deps)
        );
        if !layers.is_empty() {
            pyproject += &format!("\n[tool.monorepo]\nlayers = [{}]\n", quoted(layers));
        }
        self.write(&format!("projects/{name}/pyproject.toml"), &pyproject);
        self.write(
            &format!("projects/{name}/src/e2e_{name}/__init__.py"),
            "def double(x: int) -> int:\n    return 2 * x\n",
        );
        self.write(&format!("projects/{name}/tests/test_{name}.py"), test);
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Appends to a file (say, a `[tool.monorepo]` table to a pyproject).
    pub fn append(&self, rel: &str, text: &str) {
        let before = self.read(rel);
        self.write(rel, &(before + text));
    }

    /// Replaces `from` with `to` in a file, asserting that `from` is there.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let before = self.read(rel);
        assert!(before.contains(from), "`{from}` is not in {rel}:\n{before}");
        self.write(rel, &before.replacen(from, to, 1));
    }

    /// Runs git in the repo (with a fixed identity, whatever the machine's config) and returns its stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=xtask e2e", "-c", "user.email=e2e@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {} failed:\n{}", args.join(" "), String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Makes the repo a git repository on branch `main` with everything committed.
    pub fn git_init(&self) {
        self.write(".gitignore", ".venv\n_meta/.tools\n__pycache__/\n.pytest_cache/\n");
        self.git(&["init", "--quiet", "--initial-branch=main"]);
        self.commit("initial");
    }

    /// Commits every change in the working tree.
    pub fn commit(&self, message: &str) {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "--allow-empty", "-m", message]);
    }

    /// The pinned uv (through the shared tools folder), for poking at venvs by hand.
    pub fn uv(&self) -> PathBuf {
        self.path("_meta/.tools/uv-0.13.9/bin/uv")
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    /// Runs the built xtask from the repo's root.
    pub fn xtask(&self, args: &[&str]) -> Run {
        self.xtask_with_path(args, std::env::var_os("PATH").unwrap_or_default())
    }

    pub fn xtask_with_path(&self, args: &[&str], path: OsString) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .current_dir(self.dir.path())
            .env("PATH", path)
            .env_remove("VIRTUAL_ENV")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_BASE_REF")
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs the xtask and asserts it exited with `code`.
    pub fn expect(&self, args: &[&str], code: i32) -> Run {
        let run = self.xtask(args);
        assert_eq!(run.code, code, "`xtask {}` exited {}, expected {code}\n{}", args.join(" "), run.code, run.all());
        run
    }

    /// Runs a Python snippet in a project's venv and returns its stdout.
    pub fn python(&self, project: &str, code: &str) -> String {
        let out = Command::new(self.path(&format!("projects/{project}/.venv/bin/python")))
            .args(["-c", code])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// `name==version` lines of a lock, for comparing pins.
    pub fn pin(&self, lock: &str, package: &str) -> Option<String> {
        self.read(&format!("_meta/requirements/{lock}.txt"))
            .lines()
            .find(|l| l.starts_with(&format!("{package}==")))
            .map(str::to_owned)
    }
}

/// PATH without any folder that holds a `uv`, to prove a command needs none (or to force a bootstrap).
pub fn path_without_uv() -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::env::split_paths(&path).filter(|dir| !dir.join("uv").exists())).unwrap()
}
