//! Small real monorepos in temp dirs, and the built xtask run against them.
//!
//! Hermetic: every repo resolves from one local wheelhouse (`no-index = true`), never from a
//! live index, so a test gives the same answer next year and passes offline once the
//! wheelhouse exists. See [`wheelhouse`].
#![allow(dead_code)] // each test crate uses a different part of it

pub mod nginx;
pub mod xml;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The wheelhouse's two pytests: its newest, which `pytest>=8` locks to, and the one that
/// `pytest>=8,<9` gets.
pub const PYTEST_9: &str = "9.0.3";
pub const PYTEST_8: &str = "8.3.5";

/// Every real wheel in the wheelhouse, at exact versions: the only network use of the tests
/// (a warm-up, once per target dir). Both pytests, what a universal resolution of either
/// from Python 3.11 up needs (`uv pip compile --universal --python-version 3.11`), the test
/// projects' build backend (uv builds their editables with it, from here), setuptools (the
/// usual backend of dynamic metadata) and uv itself (for the bootstrap, through pip).
/// uv_build 0.13.6 is the newest uv_build published, and within the projects'
/// `uv_build>=0.9,<0.14`. The last two are wheels for this platform.
pub const PINNED: &[(&str, &str)] = &[
    ("pytest", PYTEST_8),
    ("pytest", PYTEST_9),
    ("colorama", "0.4.6"), // universal locks carry `colorama ; sys_platform == 'win32'`
    ("iniconfig", "2.3.1"),
    ("packaging", "26.4"),
    ("pluggy", "1.7.0"),
    ("pygments", "2.21.0"),   // pytest 9 only
    ("setuptools", "80.9.0"), // the backend of a project with dynamic dependencies
    ("uv_build", "0.13.6"),
    ("uv", "0.13.9"),
];

/// Small libraries built at test time ([`build_wheel`]): name, version, `Requires-Dist`.
/// Each has a module `tiny_<x>` whose `VERSION` is its version.
/// - `tiny-a`: three versions, for pins, upgrades and conflicts (`tiny-a<1.16` against a pin).
/// - `tiny-b`: two versions, the `extra` layer's library.
/// - `tiny-c`, `tiny-d`, `tiny-e`: one version each, for extras and dependency groups.
pub const TINY: &[(&str, &str, &[&str])] = &[
    ("tiny-a", "1.15.0", &[]),
    ("tiny-a", "1.16.0", &[]),
    ("tiny-a", TINY_A_NEWEST, &[]),
    ("tiny-b", "3.0.0", &[]),
    ("tiny-b", TINY_B_NEWEST, &[]),
    ("tiny-c", "1.0.0", &[]),
    ("tiny-d", "1.0.0", &[]),
    ("tiny-e", "1.0.0", &[]),
];
pub const TINY_A_NEWEST: &str = "1.17.0";
pub const TINY_B_NEWEST: &str = "3.1.0";

/// The folder of wheels every test repo resolves from (`find-links`, with `no-index`):
/// `$CARGO_TARGET_TMPDIR/wheelhouse`, shared by every test binary, made once and reused.
///
/// Made when missing or built from other tables than [`PINNED`] and [`TINY`] (its
/// `MANIFEST` says which): built in a sibling temp folder, then renamed into place, so it
/// is complete or absent; when several test processes build it at once, the first rename
/// wins and the others use the winner's. Wheels downloaded for an earlier wheelhouse are
/// reused from it rather than downloaded again.
pub fn wheelhouse() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(make_wheelhouse).clone()
}

fn make_wheelhouse() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.join("wheelhouse");
    let manifest = manifest();
    let is_current = |d: &Path| std::fs::read_to_string(d.join("MANIFEST")).is_ok_and(|m| m == manifest);
    if is_current(&dir) {
        return dir;
    }
    let unique = format!(
        "{}.{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );
    // A stale one is moved aside at once (one process wins that rename), so a rename into
    // place below only ever replaces nothing, and its wheels can still be reused.
    let old = tmp.join(format!("wheelhouse.{unique}.old"));
    let old = (dir.exists() && std::fs::rename(&dir, &old).is_ok()).then_some(old);
    let staging = tmp.join(format!("wheelhouse.{unique}.tmp"));
    std::fs::create_dir_all(&staging).unwrap();

    let mut rounds: Vec<Vec<String>> = Vec::new(); // pip downloads one version of a name per run
    for (name, version) in PINNED {
        match old.as_deref().and_then(|o| find_wheel(o, name, version)) {
            Some(wheel) => {
                std::fs::copy(&wheel, staging.join(wheel.file_name().unwrap())).unwrap();
            }
            None => {
                let spec = format!("{name}=={version}");
                match rounds.iter_mut().find(|r| !r.iter().any(|s| s.starts_with(&format!("{name}==")))) {
                    Some(round) => round.push(spec),
                    None => rounds.push(vec![spec]),
                }
            }
        }
    }
    for round in rounds {
        let out = Command::new("python3")
            .args(["-m", "pip", "download", "--quiet", "--disable-pip-version-check"])
            .args(["--only-binary=:all:", "--no-deps", "-d"])
            .arg(&staging)
            .args(&round)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "cannot download {} into the tests' wheelhouse (the one use of the network: run the \
             tests once online):\n{}",
            round.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (name, version) in PINNED {
        assert!(find_wheel(&staging, name, version).is_some(), "pip downloaded no wheel of {name}=={version}");
    }
    for (name, version, requires) in TINY {
        build_wheel(&staging, name, version, requires);
    }
    std::fs::write(staging.join("MANIFEST"), &manifest).unwrap();

    let won = std::fs::rename(&staging, &dir).is_ok();
    if !won {
        let _ = std::fs::remove_dir_all(&staging);
    }
    if let Some(old) = old {
        let _ = std::fs::remove_dir_all(old);
    }
    assert!(is_current(&dir), "{} is not the wheelhouse these tests build", dir.display());
    dir
}

/// What a wheelhouse is built from: the tables, and the wheel builder (which makes the bytes).
fn manifest() -> String {
    let mut text = String::from("# The tests' wheelhouse (xtask/tests/support/mod.rs), built from:\n");
    for (name, version) in PINNED {
        text += &format!("download {name}=={version}\n");
    }
    for (name, version, requires) in TINY {
        text += &format!("build {name}=={version}{}\n", requires.iter().map(|r| format!(" {r}")).collect::<String>());
    }
    let fnv =
        BUILD_WHEEL.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    text + &format!("builder {fnv:016x}\n")
}

/// The wheel of `name==version` in `dir`, if there is one (any tags).
fn find_wheel(dir: &Path, name: &str, version: &str) -> Option<PathBuf> {
    let prefix = format!("{}-{version}-", normalize(name));
    std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
        let file = p.file_name().unwrap().to_string_lossy();
        file.ends_with(".whl") && file.to_lowercase().starts_with(&prefix)
    })
}

/// A wheel's distribution name: lowercase, runs of `-_.` as one `_`.
fn normalize(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            if !out.ends_with('_') {
                out.push('_');
            }
        } else {
            out.push(ch.to_ascii_lowercase());
        }
    }
    out
}

/// Builds `<dist>-<version>-py3-none-any.whl` into `dir` and returns its path: a package
/// `tiny_x` (the name's module) with `VERSION = '<version>'`, and metadata with a
/// `Requires-Dist` per entry of `requires`. The same arguments give the same bytes.
pub fn build_wheel(dir: &Path, name: &str, version: &str, requires: &[&str]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let out = Command::new("python3")
        .args(["-c", BUILD_WHEEL])
        .arg(dir)
        .args([name, version])
        .args(requires)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "cannot build a wheel of {name}=={version}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// `python3 -c BUILD_WHEEL DIR NAME VERSION [REQUIRES...]`: a valid, reproducible pure wheel
/// (stored, not deflated, with fixed timestamps and modes), written to a temp file and renamed.
const BUILD_WHEEL: &str = r#"
import base64, hashlib, os, re, sys, zipfile
out, name, version, *requires = sys.argv[1:]
dist = re.sub(r"[-_.]+", "_", name).lower()
info = f"{dist}-{version}.dist-info"
files = [
    (f"{dist}/__init__.py", f"VERSION = {version!r}\n"),
    (f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires)),
    (f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: xtask-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
]
record = ""
for path, text in files:
    data = text.encode()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record += f"{path},sha256={digest},{len(data)}\n"
files.append((f"{info}/RECORD", record + f"{info}/RECORD,,\n"))
wheel = os.path.join(out, f"{dist}-{version}-py3-none-any.whl")
tmp = f"{wheel}.{os.getpid()}.tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as z:
    for path, text in files:
        entry = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
        entry.external_attr = 0o644 << 16
        z.writestr(entry, text)
os.replace(tmp, wheel)
print(wheel)
"#;

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
    /// An empty monorepo: config, a base layer with pytest, an `extra` layer (with tiny-b),
    /// no projects. It resolves from the [`wheelhouse`] only (`no-index`, `find-links`).
    /// Its `_meta/.tools` is shared by every test, so uv is bootstrapped once per target dir.
    pub fn new() -> Repo {
        Repo::new_in(&std::env::temp_dir())
    }

    /// [`Repo::new`] in a folder of `parent` (a small file system, say).
    pub fn new_in(parent: &Path) -> Repo {
        let wheelhouse = wheelhouse();
        let repo = Repo { dir: tempfile::Builder::new().prefix("xtask-e2e-").tempdir_in(parent).unwrap() };
        repo.write(
            "_meta/monorepo.toml",
            &format!(
                "[monorepo]\nmembers = [\"projects/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n\
                 no-index = true\nfind-links = [{}]\n\n[layers.extra]\n",
                toml_string(&wheelhouse)
            ),
        );
        repo.write("_meta/requirements/base.in", "pytest>=8\n");
        repo.write("_meta/requirements/extra.in", "tiny-b>=3\n");
        let shared_tools = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-tools");
        std::fs::create_dir_all(&shared_tools).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&shared_tools, repo.path("_meta/.tools")).unwrap();
        #[cfg(windows)]
        std::os::windows::fs::symlink_dir(&shared_tools, repo.path("_meta/.tools")).unwrap();
        repo
    }

    /// The sample shape: core <- lib <- app (app opts into `extra`), and an independent solo.
    /// lib needs `tiny-a>=1.16`; app gets tiny-b from the `extra` layer.
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
            &["e2e-core", "tiny-a>=1.16"],
            &[],
            "import tiny_a\nfrom e2e_core import double\n\ndef test_lib():\n    assert tiny_a.VERSION and double(3) == 6\n",
        );
        repo.project(
            "app",
            &["e2e-lib"],
            &["extra"],
            "import tiny_b\nimport e2e_lib\n\ndef test_app():\n    assert tiny_b.VERSION.startswith('3.')\n",
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

    /// A git clone of this repo (committed files only) in a fresh temp dir, sharing the
    /// tools folder: another developer's or CI runner's checkout of the same commit.
    pub fn clone_repo(&self) -> Repo {
        let repo = Repo { dir: tempfile::Builder::new().prefix("xtask-e2e-clone-").tempdir().unwrap() };
        let status =
            Command::new("git").args(["clone", "--quiet"]).arg(self.path("")).arg(repo.path("")).status().unwrap();
        assert!(status.success(), "git clone failed");
        let shared_tools = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-tools");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&shared_tools, repo.path("_meta/.tools")).unwrap();
        #[cfg(windows)]
        std::os::windows::fs::symlink_dir(&shared_tools, repo.path("_meta/.tools")).unwrap();
        repo
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
        self.write(".gitignore", ".venv\n_meta/.tools\n_meta/.state\n_meta/.cache\n__pycache__/\n.pytest_cache/\n");
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

    /// `uv pip install --python <project's venv> PACKAGES` by hand, from the wheelhouse
    /// only, asserting it succeeds.
    pub fn pip_install(&self, project: &str, packages: &[&str]) {
        let mut cmd = Command::new(self.uv());
        cmd.args(["pip", "install", "--quiet", "--no-config", "--no-index", "--find-links"])
            .arg(wheelhouse())
            .arg("--python")
            .arg(self.path(&format!("projects/{project}/.venv/bin/python")))
            .args(packages)
            .current_dir(self.dir.path());
        let out = without_uv_settings(&mut cmd).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    /// Runs the built xtask from the repo's root.
    pub fn xtask(&self, args: &[&str]) -> Run {
        self.xtask_with_path(args, std::env::var_os("PATH").unwrap_or_default())
    }

    /// Runs the built xtask with `PATH` set to `path`. A uv bootstrap (`pip install uv==...`)
    /// installs from the wheelhouse too (the config's `no-index` and `find-links` reach pip); uv's own
    /// settings from the environment are dropped.
    pub fn xtask_with_path(&self, args: &[&str], path: OsString) -> Run {
        let mut cmd = self.command(args);
        cmd.env("PATH", path);
        output(&mut cmd)
    }

    /// Runs the xtask from the folder `rel` of the repo, with extra environment variables.
    pub fn xtask_in(&self, rel: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        cmd.current_dir(self.path(rel));
        for (key, value) in env {
            cmd.env(key, value);
        }
        output(&mut cmd)
    }

    /// The built xtask, run from the repo's root, with none of the caller's CI settings
    /// (a test run inside GitHub Actions must behave as one outside it) or uv settings.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(args).current_dir(self.dir.path()).env_remove("VIRTUAL_ENV");
        for key in [
            "GITHUB_ACTIONS",
            "GITHUB_BASE_REF",
            "GITHUB_EVENT_NAME",
            "GITHUB_EVENT_PATH",
            "GITHUB_STEP_SUMMARY",
            "GITHUB_WORKSPACE",
            "NO_COLOR",
            "PYTEST_ADDOPTS",
        ] {
            cmd.env_remove(key);
        }
        without_uv_settings(&mut cmd);
        cmd
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

    /// A lock's pin of `package`, as `name==version`: without the ` ; markers` that may
    /// follow it, nor the ` \` that continues it onto its `--hash` lines.
    pub fn pin(&self, lock: &str, package: &str) -> Option<String> {
        pin_in(&self.read(&format!("_meta/requirements/{lock}.txt")), package)
    }
}

/// The pin of `package` in a requirements file's `text`, as `name==version`.
/// Projects `names` (independent, one test each) in a fresh repo, with `tool` appended to
/// each one's pyproject as its `[tool.monorepo]` table (when not empty).
pub fn projects(names: &[(&str, &str)]) -> Repo {
    let repo = Repo::new();
    for &(name, tool) in names {
        repo.project(name, &[], &[], "def test():\n    pass\n");
        if !tool.is_empty() {
            repo.append(&format!("projects/{name}/pyproject.toml"), &format!("\n[tool.monorepo]\n{tool}\n"));
        }
    }
    repo
}

/// Runs a command to the end and keeps what it printed.
pub fn output(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn pin_in(text: &str, package: &str) -> Option<String> {
    let prefix = format!("{package}==");
    text.lines().find(|l| l.starts_with(&prefix)).map(|l| l.split([' ', ';', '\\']).next().unwrap().to_owned())
}

/// `name==version` as a [`Repo::pin`] shows it.
pub fn pinned(name: &str, version: &str) -> String {
    format!("{name}=={version}")
}

/// A TOML basic string of a path.
fn toml_string(path: &Path) -> String {
    let text = path.to_str().expect("a UTF-8 path");
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Drops the environment variables that change what uv resolves or where it looks (its cache
/// is kept): a developer's `UV_INDEX_URL` must not reach a test.
fn without_uv_settings(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("UV_") && k != "UV_CACHE_DIR") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// PATH without any folder that holds a `uv`, to prove a command needs none (or to force a bootstrap).
pub fn path_without_uv() -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::env::split_paths(&path).filter(|dir| !dir.join("uv").exists())).unwrap()
}

/// Polls `done` until it holds or `timeout` passes; whether it held. For what settles soon
/// after a command returns (a killed process being reaped), never for timing a command.
pub fn eventually(timeout: std::time::Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + timeout;
    while !done() {
        if std::time::Instant::now() > until {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    true
}
