//! Catalogue rows: names, local packages, path sources, hashes and requirement files.
//!
//! On the sample (core <- lib <- app, solo; packages `e2e-<folder>`; base.in `pytest>=8`,
//! the `extra` layer `tiny-b>=3`): every way two members end up with one name, one lock or
//! one package; every way a requirement on a package the repository declares could reach
//! the package index instead; `[tool.uv.sources]` paths that are not what they say; hashes
//! written by hand that are malformed or match no file; `-r` includes that go round; an
//! empty base; extras no one declares; requirements that do not read.

use super::support::{Repo, wheelhouse};
use super::table::{Case, check};

const CONFIG: &str = "_meta/monorepo.toml";
const BASE: &str = "_meta/requirements/base.in";
const EXTRA: &str = "_meta/requirements/extra.in";

fn pyproject(project: &str) -> String {
    format!("projects/{project}/pyproject.toml")
}

/// Appends a `[tool.monorepo]` table to a project's pyproject (not app's: it has one).
fn tool(r: &Repo, project: &str, text: &str) {
    r.append(&pyproject(project), &format!("\n[tool.monorepo]\n{text}\n"));
}

/// Appends any tables to a project's pyproject.
fn tables(r: &Repo, project: &str, text: &str) {
    r.append(&pyproject(project), &format!("\n{text}\n"));
}

/// Sets a project's `dependencies` (the insides of the array).
fn deps(r: &Repo, project: &str, deps: &str) {
    let path = pyproject(project);
    let text = r.read(&path);
    let line = text.lines().find(|l| l.starts_with("dependencies = [")).unwrap().to_owned();
    r.write(&path, &text.replacen(&line, &format!("dependencies = [{deps}]"), 1));
}

/// Adds keys under `[monorepo]` in the config.
fn monorepo(r: &Repo, keys: &str) {
    r.edit(CONFIG, "[monorepo]\n", &format!("[monorepo]\n{keys}\n"));
}

/// Appends tables to the config.
fn config(r: &Repo, text: &str) {
    r.append(CONFIG, &format!("\n{text}\n"));
}

/// A copy of `from`'s pyproject in `projects/<to>`, with `edit` applied to its text.
fn copy(r: &Repo, from: &str, to: &str, edit: (&str, &str)) {
    r.write(&pyproject(to), &r.read(&pyproject(from)).replacen(edit.0, edit.1, 1));
}

/// A package outside the members at `dir` (relative to the root, may leave it).
fn package_at(r: &Repo, dir: &str, name: &str) {
    r.write(&format!("{dir}/pyproject.toml"), &format!("[project]\nname = \"{name}\"\nversion = \"1.0.0\"\n"));
}

/// `sha256:<hex>` of a file of the tests' wheelhouse.
fn wheel_hash(file: &str) -> String {
    let bytes = std::fs::read(wheelhouse().join(file)).unwrap();
    format!("sha256:{}", xtask::digest::sha256(&bytes))
}

const ZEROS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

pub const CASES: &[Case] = &[
    // --- one name, one lock, one package ---
    Case {
        name: "a [tool.monorepo] name that is another project's folder name",
        setup: |r| tool(r, "solo", "name = \"core\""),
        args: &["graph"],
        code: 2,
        needles: &[
            "error: projects/solo takes the name `core`",
            "which projects/core has already",
            "give projects/solo another name",
        ],
    },
    Case {
        name: "a name that takes another project's lock after it was locked",
        setup: |r| {
            r.expect(&["lock"], 0);
            tool(r, "solo", "name = \"lib\"");
        },
        args: &["lock"],
        code: 2,
        needles: &["projects/solo takes the name `lib`", "share one lock"],
    },
    Case {
        name: "a name that differs from another project's only in case",
        setup: |r| tool(r, "solo", "name = \"Core\""),
        args: &["graph"],
        code: 2,
        needles: &["are named `core` and `Core`, which differ only in case", "one file on macOS and Windows"],
    },
    Case {
        name: "two projects given one name by hand",
        setup: |r| {
            tool(r, "solo", "name = \"dup\"");
            tool(r, "core", "name = \"dup\"");
        },
        args: &["graph"],
        code: 2,
        needles: &["error: projects/core and projects/solo are both named `dup`"],
    },
    Case {
        name: "two names given by hand that differ only in case",
        setup: |r| {
            tool(r, "solo", "name = \"Dup\"");
            tool(r, "core", "name = \"dup\"");
        },
        args: &["graph"],
        code: 2,
        needles: &["are named `dup` and `Dup`, which differ only in case"],
    },
    Case {
        name: "a name that is another project's package",
        setup: |r| tool(r, "solo", "name = \"e2e-lib\""),
        args: &["graph"],
        code: 2,
        needles: &["projects/solo is named `e2e-lib`, which is the package of projects/lib too", "rename the package"],
    },
    Case {
        name: "a name that is another project's package once normalised",
        setup: |r| tool(r, "solo", "name = \"E2E_Lib\""),
        args: &["graph"],
        code: 2,
        needles: &["projects/solo is named `E2E_Lib`, which is the package of projects/lib too"],
    },
    Case {
        name: "a folder named like another project's package",
        setup: |r| copy(r, "solo", "e2e-core", ("name = \"e2e-solo\"", "name = \"other\"")),
        args: &["graph"],
        code: 2,
        needles: &["projects/e2e-core is named `e2e-core`, which is the package of projects/core too"],
    },
    Case {
        name: "a copy of a project declaring its package",
        setup: |r| copy(r, "solo", "solo2", ("", "")),
        args: &["graph"],
        code: 2,
        needles: &[
            "projects/solo and projects/solo2 both declare the package `e2e-solo`",
            "exclude = [\"projects/solo2\"]",
        ],
    },
    Case {
        name: "two packages that are one once normalised",
        setup: |r| copy(r, "solo", "solo2", ("name = \"e2e-solo\"", "name = \"E2E_Solo\"")),
        args: &["graph"],
        code: 2,
        needles: &["both declare the package `e2e-solo`"],
    },
    Case {
        name: "a copy marked install = false still declares the package",
        setup: |r| {
            copy(r, "solo", "solo2", ("", ""));
            tool(r, "solo2", "install = false");
        },
        args: &["graph"],
        code: 2,
        needles: &["projects/solo and projects/solo2 both declare the package `e2e-solo`"],
    },
    Case {
        name: "a shared env named like a layer in another case",
        setup: |r| tool(r, "solo", "env = \"Extra\""),
        args: &["graph"],
        code: 2,
        needles: &["env `Extra` has the name of layer `extra`", "one file on macOS and Windows"],
    },
    Case {
        name: "two shared envs that differ only in case",
        setup: |r| {
            tool(r, "core", "env = \"Pair\"");
            tool(r, "solo", "env = \"pair\"");
        },
        args: &["graph"],
        code: 2,
        needles: &["envs `Pair` (projects/core) and `pair` (projects/solo) differ only in case"],
    },
    Case {
        name: "a shared env named like a project's own env in another case",
        setup: |r| tool(r, "solo", "env = \"APP\""),
        args: &["graph"],
        code: 2,
        needles: &["envs `app` (projects/app) and `APP` (projects/solo) differ only in case"],
    },
    Case {
        name: "a unit folder declared in the config under a project's name",
        setup: |r| {
            r.write("legacy/t/test_t.py", "def test_t():\n    pass\n");
            config(r, "[member.\"legacy/t\"]\nname = \"core\"");
        },
        args: &["graph"],
        code: 2,
        needles: &["legacy/t takes the name `core`", "[member.\"legacy/t\"] in _meta/monorepo.toml"],
    },
    Case {
        name: "a name that is a layer's name",
        setup: |r| tool(r, "solo", "name = \"extra\""),
        args: &["graph"],
        code: 2,
        needles: &["env `extra` has the name of layer `extra`"],
    },
    Case {
        name: "a name that is a path",
        setup: |r| tool(r, "solo", "name = \"tools/solo\""),
        args: &["graph"],
        code: 2,
        needles: &["`tools/solo` is not a valid env name"],
    },
    // --- a requirement on a package the repository declares never reaches the index ---
    Case {
        name: "a dependency on a project marked install = false",
        setup: |r| tool(r, "core", "install = false"),
        args: &["lock"],
        code: 2,
        needles: &[
            "projects/lib/pyproject.toml: `e2e-core` names the package of projects/core, which is not installed (`install = false`)",
            "the package index's `e2e-core` would be installed in its place",
            "(line 5)",
            "index-packages = [\"e2e-core\"]",
        ],
    },
    Case {
        name: "a dependency on a project the config's member table marks install = false",
        setup: |r| config(r, "[member.\"projects/core\"]\ninstall = false"),
        args: &["graph"],
        code: 2,
        needles: &[
            "`e2e-core` names the package of projects/core, which is not installed",
            "[member.\"projects/core\"]",
        ],
    },
    Case {
        name: "a test group requirement on a project marked install = false",
        setup: |r| {
            tool(r, "solo", "install = false");
            tables(r, "core", "[dependency-groups]\ntest = [\"e2e-solo\"]");
        },
        args: &["graph"],
        code: 2,
        needles: &[
            "projects/core/pyproject.toml: `e2e-solo` names the package of projects/solo, which is not installed",
        ],
    },
    Case {
        name: "an extra's requirement on a project marked install = false",
        setup: |r| {
            tool(r, "solo", "install = false");
            tables(
                r,
                "core",
                "[project.optional-dependencies]\nx = [\"e2e-solo>=0.1\"]\n\n[tool.monorepo]\nextras = [\"x\"]",
            );
        },
        args: &["graph"],
        code: 2,
        needles: &["`e2e-solo>=0.1` names the package of projects/solo, which is not installed"],
    },
    Case {
        name: "a project marked install = false that requires its own package",
        setup: |r| {
            deps(r, "solo", "\"e2e-solo\"");
            tool(r, "solo", "install = false");
        },
        args: &["graph"],
        code: 2,
        needles: &["`e2e-solo` names the package of its own package (projects/solo), which is not installed"],
    },
    Case {
        name: "a workspace source naming a project marked install = false",
        setup: |r| {
            tool(r, "solo", "install = false");
            deps(r, "core", "\"e2e-solo\"");
            tables(r, "core", "[tool.uv.sources]\ne2e-solo = { workspace = true }");
        },
        args: &["graph"],
        code: 2,
        needles: &[
            "projects/core/pyproject.toml: `e2e-solo` names the package of projects/solo, which is not installed",
        ],
    },
    Case {
        name: "a path source to a project marked install = false, even listed in index-packages",
        setup: |r| {
            tool(r, "solo", "install = false");
            monorepo(r, "index-packages = [\"e2e-solo\"]");
            deps(r, "core", "\"e2e-solo\"");
            tables(r, "core", "[tool.uv.sources]\ne2e-solo = { path = \"../solo\" }");
        },
        args: &["graph"],
        code: 2,
        needles: &["`e2e-solo` names the package of projects/solo, which is not installed"],
    },
    Case {
        name: "a dependency on a folder the config's exclude leaves out",
        setup: |r| monorepo(r, "exclude = [\"projects/core\"]"),
        args: &["lock"],
        code: 2,
        needles: &[
            "projects/lib/pyproject.toml: `e2e-core` names a package that only projects/core declares",
            "`exclude` in _meta/monorepo.toml leaves projects/core out of the members",
            "take it out of `exclude`",
            "index-packages = [\"e2e-core\"]",
        ],
    },
    Case {
        name: "a dependency spelt otherwise on an excluded folder's package",
        setup: |r| {
            monorepo(r, "exclude = [\"projects/core\"]");
            deps(r, "lib", "\"E2E_Core>=0.1\", \"tiny-a>=1.16\"");
        },
        args: &["graph"],
        code: 2,
        needles: &["`E2E_Core>=0.1` names a package that only projects/core declares"],
    },
    Case {
        name: "a test group requirement on an excluded folder's package",
        setup: |r| {
            monorepo(r, "exclude = [\"projects/solo\"]");
            tables(r, "core", "[dependency-groups]\ntest = [\"e2e-solo\"]");
        },
        args: &["graph"],
        code: 2,
        needles: &["projects/core/pyproject.toml: `e2e-solo` names a package that only projects/solo declares"],
    },
    Case {
        name: "a dependency on a package of a folder no members pattern matches",
        setup: |r| {
            package_at(r, "vendor/pkg", "vendored");
            deps(r, "solo", "\"vendored\"");
        },
        args: &["graph"],
        code: 2,
        needles: &[
            "`vendored` names a package that only vendor/pkg declares, and vendor/pkg is not a member",
            "[tool.uv.sources] vendored = { path = \"../../vendor/pkg\" }",
        ],
    },
    Case {
        name: "a dependency on the package of the root's pyproject",
        setup: |r| {
            package_at(r, ".", "rootpkg");
            deps(r, "solo", "\"rootpkg\"");
        },
        args: &["graph"],
        code: 2,
        needles: &["`rootpkg` names a package that only . declares"],
    },
    Case {
        name: "base.in requires a project's package",
        setup: |r| r.write(BASE, "pytest>=8\ne2e-core\n"),
        args: &["lock"],
        code: 2,
        needles: &[
            "_meta/requirements/base.in:2 requires `e2e-core`, the package of projects/core",
            "a layer is locked from the package index alone",
            "remove line 2 of _meta/requirements/base.in",
        ],
    },
    Case {
        name: "an opt-in layer requires a project's package",
        setup: |r| r.write(EXTRA, "tiny-b>=3\ne2e-solo>=0.1\n"),
        args: &["graph"],
        code: 2,
        needles: &["_meta/requirements/extra.in:2 requires `e2e-solo>=0.1`, the package of projects/solo"],
    },
    Case {
        name: "a layer requires an excluded folder's package",
        setup: |r| {
            monorepo(r, "exclude = [\"projects/solo\"]");
            r.write(BASE, "pytest>=8\ne2e-solo\n");
        },
        args: &["graph"],
        code: 2,
        needles: &[
            "base.in:2 requires `e2e-solo`, the package of projects/solo (which is not a member)",
            "index-packages",
        ],
    },
    Case {
        name: "a file a layer includes requires a project's package",
        setup: |r| {
            r.write(BASE, "pytest>=8\n-r common.in\n");
            r.write("_meta/requirements/common.in", "e2e-lib\n");
        },
        args: &["graph"],
        code: 2,
        needles: &["_meta/requirements/common.in:1 requires `e2e-lib`, the package of projects/lib"],
    },
    Case {
        name: "a layer requires a package of a project marked install = false",
        setup: |r| {
            tool(r, "solo", "install = false");
            r.write(BASE, "pytest>=8\ne2e-solo\n");
        },
        args: &["graph"],
        code: 2,
        needles: &["base.in:2 requires `e2e-solo`, the package of projects/solo"],
    },
    Case {
        name: "index-packages lists a project that is installed",
        setup: |r| monorepo(r, "index-packages = [\"e2e-core\"]"),
        args: &["graph"],
        code: 2,
        needles: &[
            "index-packages lists `e2e-core`, the package of the member projects/core",
            "installs projects/core, never the index's",
        ],
    },
    Case {
        name: "index-packages lists something that is no package name",
        setup: |r| monorepo(r, "index-packages = [\"not a name\"]"),
        args: &["graph"],
        code: 2,
        needles: &["index-packages lists `not a name`, which is not a package name"],
    },
    Case {
        name: "a unit's requirements file names a project marked install = false",
        setup: |r| {
            tool(r, "solo", "install = false");
            r.write("legacy/t/requirements.txt", "tiny-c\ne2e-solo\n");
            r.write("legacy/t/test_t.py", "def test_t():\n    pass\n");
            config(r, "[member.\"legacy/t\"]");
        },
        args: &["graph"],
        code: 2,
        needles: &["legacy/t/requirements.txt: `e2e-solo` names the package of projects/solo", "(line 2)"],
    },
    Case {
        name: "a unit's requirements file names an excluded folder's package",
        setup: |r| {
            monorepo(r, "exclude = [\"projects/solo\"]");
            r.write("legacy/t/requirements.txt", "e2e-solo\n");
            r.write("legacy/t/test_t.py", "def test_t():\n    pass\n");
            config(r, "[member.\"legacy/t\"]");
        },
        args: &["graph"],
        code: 2,
        needles: &["legacy/t/requirements.txt: `e2e-solo` names a package that only projects/solo declares"],
    },
    // --- extras ---
    Case {
        name: "an extra a local project does not declare",
        setup: |r| deps(r, "lib", "\"e2e-core[nosuch]\", \"tiny-a>=1.16\""),
        args: &["lock"],
        code: 2,
        needles: &[
            "projects/lib/pyproject.toml: `e2e-core[nosuch]` asks projects/core for the extra `nosuch`, which it does not declare (line 5)",
            "declare nosuch = [...] under [project.optional-dependencies] in projects/core/pyproject.toml",
            "(the extras of projects/core: none)",
        ],
    },
    Case {
        name: "an undeclared extra asked in a dependency group",
        setup: |r| tables(r, "solo", "[dependency-groups]\ntest = [\"e2e-core[gpu]\"]"),
        args: &["graph"],
        code: 2,
        needles: &["projects/solo/pyproject.toml: `e2e-core[gpu]` asks projects/core for the extra `gpu`"],
    },
    Case {
        name: "one declared extra and one undeclared asked of a project",
        setup: |r| {
            tables(r, "core", "[project.optional-dependencies]\nfast = [\"tiny-c\"]");
            deps(r, "lib", "\"e2e-core[fast, slow]\", \"tiny-a>=1.16\"");
        },
        args: &["graph"],
        code: 2,
        needles: &["asks projects/core for the extra `slow`", "(the extras of projects/core: fast)"],
    },
    Case {
        name: "an undeclared extra asked in a unit's requirements file",
        setup: |r| {
            r.write("legacy/t/requirements.txt", "e2e-core[nosuch]\n");
            r.write("legacy/t/test_t.py", "def test_t():\n    pass\n");
            config(r, "[member.\"legacy/t\"]");
        },
        args: &["graph"],
        code: 2,
        needles: &[
            "legacy/t/requirements.txt: `e2e-core[nosuch]` asks projects/core for the extra `nosuch`",
            "(line 1)",
        ],
    },
    // --- [tool.uv.sources] paths are what they say ---
    Case {
        name: "a source path that leaves the repository",
        setup: |r| {
            deps(r, "solo", "\"extpkg\"");
            tables(r, "solo", "[tool.uv.sources]\nextpkg = { path = \"../../../extpkg\" }");
        },
        args: &["lock"],
        code: 2,
        needles: &[
            "projects/solo/pyproject.toml: [tool.uv.sources] extpkg = { path = \"../../../extpkg\" } leads out of the repository",
            "(line 12)",
            "external-paths = [\"../extpkg\"]",
        ],
    },
    Case {
        name: "a source path that leaves the repository through backslashes",
        setup: |r| {
            deps(r, "solo", "\"extpkg\"");
            tables(r, "solo", "[tool.uv.sources]\nextpkg = { path = '..\\..\\..\\extpkg' }");
        },
        args: &["graph"],
        code: 2,
        needles: &["leads out of the repository", "external-paths = [\"../extpkg\"]"],
    },
    Case {
        name: "a source path to a folder that does not exist",
        setup: |r| {
            deps(r, "solo", "\"gone\"");
            tables(r, "solo", "[tool.uv.sources]\ngone = { path = \"../../vendor/gone\" }");
        },
        args: &["graph"],
        code: 2,
        needles: &[
            "[tool.uv.sources] gone = { path = \"../../vendor/gone\" } leads to",
            "vendor/gone, which does not exist (line 12)",
        ],
    },
    Case {
        name: "an absolute source path inside the repository",
        setup: |r| {
            package_at(r, "vendor/pkg", "vendored");
            deps(r, "solo", "\"vendored\"");
            let path = r.path("vendor/pkg").display().to_string();
            tables(r, "solo", &format!("[tool.uv.sources]\nvendored = {{ path = \"{path}\" }}"));
        },
        args: &["graph"],
        code: 2,
        needles: &["is an absolute path (line 12)", "path = \"../../vendor/pkg\""],
    },
    Case {
        name: "an absolute source path outside the repository",
        setup: |r| {
            deps(r, "solo", "\"optpkg\"");
            tables(r, "solo", "[tool.uv.sources]\noptpkg = { path = \"/opt/nowhere/optpkg\" }");
        },
        args: &["graph"],
        code: 2,
        needles: &["leads out of the repository, to /opt/nowhere/optpkg", "external-paths = [\"/opt/nowhere/optpkg\"]"],
    },
    Case {
        name: "a Windows drive source path",
        setup: |r| {
            deps(r, "solo", "\"winpkg\"");
            tables(r, "solo", "[tool.uv.sources]\nwinpkg = { path = 'C:\\pkgs\\winpkg' }");
        },
        args: &["graph"],
        code: 2,
        needles: &["winpkg = { path = \"C:\\pkgs\\winpkg\" } leads out of the repository, to C:/pkgs/winpkg"],
    },
    Case {
        name: "a source path to the repository's root",
        setup: |r| {
            deps(r, "solo", "\"whole\"");
            tables(r, "solo", "[tool.uv.sources]\nwhole = { path = \"../..\" }");
        },
        args: &["graph"],
        code: 2,
        needles: &["points at the repository's root, which is no member's folder"],
    },
    Case {
        name: "external-paths that allows another folder than the source's",
        setup: |r| {
            monorepo(r, "external-paths = [\"../other\"]");
            deps(r, "solo", "\"extpkg\"");
            tables(r, "solo", "[tool.uv.sources]\nextpkg = { path = \"../../../extpkg\" }");
        },
        args: &["graph"],
        code: 2,
        needles: &["leads out of the repository", "external-paths = [\"../extpkg\"]"],
    },
    Case {
        name: "an allowed external source path that does not exist",
        setup: |r| {
            monorepo(r, "external-paths = [\"../no-such-xtask-folder\"]");
            deps(r, "solo", "\"extpkg\"");
            tables(r, "solo", "[tool.uv.sources]\nextpkg = { path = \"../../../no-such-xtask-folder\" }");
        },
        args: &["graph"],
        code: 2,
        needles: &["no-such-xtask-folder, which does not exist"],
    },
    Case {
        name: "a workspace source naming a folder the config excludes",
        setup: |r| {
            monorepo(r, "exclude = [\"projects/solo\"]");
            deps(r, "core", "\"e2e-solo\"");
            tables(r, "core", "[tool.uv.sources]\ne2e-solo = { workspace = true }");
        },
        args: &["graph"],
        code: 2,
        needles: &["e2e-solo = { workspace = true }, but no member is the project `e2e-solo`"],
    },
    Case {
        name: "a unit's requirements file named by a path out of the repository",
        setup: |r| {
            r.write("legacy/t/test_t.py", "def test_t():\n    pass\n");
            config(r, "[member.\"legacy/t\"]\nrequirements = \"../../../requirements.txt\"");
        },
        args: &["graph"],
        code: 2,
        needles: &[
            "[member.\"legacy/t\"] names the requirements file ../../../requirements.txt, which is outside the repository",
        ],
    },
    // --- hashes written by hand ---
    Case {
        name: "a hand-written hash that is not hex",
        setup: |r| r.write(BASE, "pytest>=8\ntiny-c --hash=sha256:zz\n"),
        args: &["graph"],
        code: 2,
        needles: &["base.in:2: `--hash=sha256:zz` is not a sha256 (64 hex digits after `sha256:`)", "sha256sum"],
    },
    Case {
        name: "a hand-written hash one digit short",
        setup: |r| r.write(BASE, &format!("pytest>=8\ntiny-c --hash={}\n", &ZEROS[..ZEROS.len() - 1])),
        args: &["graph"],
        code: 2,
        needles: &["base.in:2: `--hash=sha256:000", "is not a sha256"],
    },
    Case {
        name: "a hand-written md5 hash",
        setup: |r| r.write(BASE, "pytest>=8\ntiny-c --hash=md5:d41d8cd98f00b204e9800998ecf8427e\n"),
        args: &["graph"],
        code: 2,
        needles: &["is a md5 hash: a lock holds sha256 hashes"],
    },
    Case {
        name: "a hand-written hash without its algorithm",
        setup: |r| r.write(BASE, "pytest>=8\ntiny-c --hash=d41d8cd98f00b204e9800998ecf8427e\n"),
        args: &["graph"],
        code: 2,
        needles: &["`--hash=d41d8cd98f00b204e9800998ecf8427e` is not a hash"],
    },
    Case {
        name: "a hand-written hash on a line of its own",
        setup: |r| r.write(BASE, &format!("pytest>=8\ntiny-c\n--hash={ZEROS}\n")),
        args: &["graph"],
        code: 2,
        needles: &[
            "base.in:3: `--hash=sha256:000",
            "is a hash on a line of its own",
            "put it on the line of the requirement",
        ],
    },
    Case {
        name: "a hand-written hash on a path with no package name",
        setup: |r| r.write(BASE, &format!("pytest>=8\n./wheels/x.whl --hash={ZEROS}\n")),
        args: &["graph"],
        code: 2,
        needles: &["base.in:2: a hash on `./wheels/x.whl` cannot be checked: the line names no package"],
    },
    Case {
        name: "a hand-written hash that matches no file of the version locked",
        setup: |r| r.write(BASE, &format!("pytest>=8\ntiny-c==1.0.0 --hash={ZEROS}\n")),
        args: &["lock"],
        code: 2,
        needles: &[
            "the hash on line 2 of _meta/requirements/base.in (`tiny-c==1.0.0`) does not match any file of tiny-c==1.0.0",
            "hint: the resolution picked tiny-c==1.0.0",
        ],
    },
    Case {
        name: "a hand-written hash of another package's file",
        setup: |r| {
            let other = wheel_hash("tiny_a-1.17.0-py3-none-any.whl");
            r.write(BASE, &format!("pytest>=8\ntiny-c==1.0.0 --hash={other}\n"));
        },
        args: &["lock"],
        code: 2,
        needles: &[
            "the hash on line 2 of _meta/requirements/base.in (`tiny-c==1.0.0`) does not match any file of tiny-c==1.0.0",
        ],
    },
    Case {
        name: "a hand-written hash of another version than the one locked",
        setup: |r| {
            let older = wheel_hash("tiny_a-1.16.0-py3-none-any.whl");
            r.write(BASE, &format!("pytest>=8\ntiny-a>=1.16 --hash={older}\n"));
        },
        args: &["lock"],
        code: 2,
        needles: &["does not match any file of tiny-a==1.17.0", "pin the version the hash is of"],
    },
    Case {
        name: "a hand-written hash in an opt-in layer that matches no file",
        setup: |r| r.write(EXTRA, &format!("tiny-b>=3 --hash={ZEROS}\n")),
        args: &["lock"],
        code: 2,
        needles: &[
            "the hash on line 1 of _meta/requirements/extra.in (`tiny-b>=3`) does not match any file of tiny-b==3.1.0",
        ],
    },
    Case {
        name: "hand-written hashes on continuation lines none of which match",
        setup: |r| {
            let ones = ZEROS.replace('0', "1");
            r.write(BASE, &format!("pytest>=8\ntiny-c==1.0.0 \\\n    --hash={ZEROS} \\\n    --hash={ones}\n"));
        },
        args: &["lock"],
        code: 2,
        needles: &["none of the hashes on line 2 of _meta/requirements/base.in (`tiny-c==1.0.0`) does not match"],
    },
    // --- what base.in and its includes hold ---
    Case {
        name: "an empty base.in",
        setup: |r| r.write(BASE, ""),
        args: &["graph"],
        code: 2,
        needles: &[
            "_meta/requirements/base.in holds no requirement, and nothing else gives env",
            "add `pytest` to _meta/requirements/base.in",
        ],
    },
    Case {
        name: "a base.in of comments and options only",
        setup: |r| r.write(BASE, "# the tools every env gets\n--no-index\n"),
        args: &["lock"],
        code: 2,
        needles: &["_meta/requirements/base.in holds no requirement"],
    },
    Case {
        name: "a layer input that includes itself",
        setup: |r| r.write(BASE, "pytest>=8\n-r base.in\n"),
        args: &["graph"],
        code: 2,
        needles: &["_meta/requirements/base.in:2 includes _meta/requirements/base.in itself (`-r`)", "remove line 2"],
    },
    Case {
        name: "a layer input that includes itself as --requirement=",
        setup: |r| r.write(BASE, "pytest>=8\n--requirement=./base.in\n"),
        args: &["graph"],
        code: 2,
        needles: &["_meta/requirements/base.in:2 includes _meta/requirements/base.in itself"],
    },
    Case {
        name: "two included files that include each other",
        setup: |r| {
            r.write(BASE, "pytest>=8\n-r a.in\n");
            r.write("_meta/requirements/a.in", "tiny-c\n-r b.in\n");
            r.write("_meta/requirements/b.in", "-r a.in\n");
        },
        args: &["graph"],
        code: 2,
        needles: &[
            "_meta/requirements/b.in:1 includes _meta/requirements/a.in, which includes _meta/requirements/b.in",
            "(_meta/requirements/a.in -> _meta/requirements/b.in -> _meta/requirements/a.in)",
        ],
    },
    Case {
        name: "an include circle back to the layer input",
        setup: |r| {
            r.write(BASE, "pytest>=8\n-r common/tools.in\n");
            r.write("_meta/requirements/common/tools.in", "tiny-c\n-r ../base.in\n");
        },
        args: &["graph"],
        code: 2,
        needles: &["_meta/requirements/common/tools.in:2 includes _meta/requirements/base.in", "go round in a circle"],
    },
    Case {
        name: "two layer inputs that include each other",
        setup: |r| {
            r.write(BASE, "pytest>=8\n-r extra.in\n");
            r.write(EXTRA, "tiny-b>=3\n-r base.in\n");
        },
        args: &["graph"],
        code: 2,
        needles: &["_meta/requirements/extra.in:2 includes _meta/requirements/base.in, which includes"],
    },
    // --- requirements that do not read ---
    Case {
        name: "a dependency whose extras bracket is never closed",
        setup: |r| deps(r, "lib", "\"e2e-core[fast\", \"tiny-a>=1.16\""),
        args: &["lock"],
        code: 2,
        needles: &["`e2e-core[fast` is not a valid requirement (line 5)", "the `[` of its extras is never closed"],
    },
    Case {
        name: "a dependency with an operator and no version",
        setup: |r| deps(r, "lib", "\"e2e-core\", \"tiny-a>=\""),
        args: &["graph"],
        code: 2,
        needles: &["`tiny-a>=` is not a valid requirement (line 5)", "`>=` is followed by no version"],
    },
    Case {
        name: "a dependency with a marker that ends on an operator",
        setup: |r| deps(r, "solo", "\"tiny-c ; python_version >\""),
        args: &["graph"],
        code: 2,
        needles: &["`tiny-c ; python_version >` is not a valid requirement", "with nothing to compare"],
    },
    Case {
        name: "a dependency with an @ and no URL",
        setup: |r| deps(r, "solo", "\"tiny-c @\""),
        args: &["graph"],
        code: 2,
        needles: &["`tiny-c @` is not a valid requirement", "`@` is followed by no URL"],
    },
    Case {
        name: "a dependency with a trailing comma in its versions",
        setup: |r| deps(r, "solo", "\"tiny-c>=1.0,\""),
        args: &["graph"],
        code: 2,
        needles: &["`tiny-c>=1.0,` is not a valid requirement", "a `,` too many"],
    },
    Case {
        name: "two requirements in one dependency string",
        setup: |r| deps(r, "lib", "\"e2e-core\", \"tiny-a>=1.16 tiny-c\""),
        args: &["graph"],
        code: 2,
        needles: &["`tiny-a>=1.16 tiny-c` is not a valid requirement", "one requirement per entry"],
    },
    Case {
        name: "a dependency group requirement whose parenthesis is never closed",
        setup: |r| tables(r, "solo", "[dependency-groups]\ntest = [\"tiny-c (>=1\"]"),
        args: &["graph"],
        code: 2,
        needles: &["`tiny-c (>=1` is not a valid requirement", "its `(` is never closed"],
    },
    Case {
        name: "a marker that leaves a quote open in an .in file",
        setup: |r| r.write(BASE, "pytest>=8\ntiny-c ; os_name == 'nt\n"),
        args: &["graph"],
        code: 2,
        needles: &["base.in:2: `tiny-c ; os_name == 'nt` is not a requirement", "leaves a quote open"],
    },
    Case {
        name: "an extra's name with a space in an .in file",
        setup: |r| r.write(BASE, "pytest>=8\ntiny-c[fa st]\n"),
        args: &["graph"],
        code: 2,
        needles: &["base.in:2: `tiny-c[fa st]` is not a requirement", "`fa st` is not an extra's name"],
    },
    Case {
        name: "a version with a character no version has in an .in file",
        setup: |r| r.write(EXTRA, "tiny-b>=3$\n"),
        args: &["graph"],
        code: 2,
        needles: &["extra.in:1: `tiny-b>=3$` is not a requirement", "`3$` is not a version"],
    },
    // --- upgrades of what the locks pin ---
    Case {
        name: "update-base --upgrade-package of a package no lock pins",
        setup: |r| {
            r.expect(&["lock"], 0);
        },
        args: &["update-base", "--no-sync", "--upgrade-package", "tiny-z"],
        code: 2,
        needles: &["--upgrade-package tiny-z: no lock in scope pins `tiny-z`"],
    },
];

#[test]
fn names_rows() {
    check(CASES);
}
