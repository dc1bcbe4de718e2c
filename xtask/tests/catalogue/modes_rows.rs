//! Catalogue rows: CI modes (`--locked`, `--frozen`, `--offline`), runs at once, and state the xtask reads back (locks, stamps, reports).
//!
//! Each row starts from the sample (core <- lib <- app on the `extra` layer, and solo),
//! usually locked first, then makes one lock stale, missing, unreadable or conflicted, or
//! a stamp garbage, or asks for a report where none can be written; the command must say
//! which file, why, and the fix, and write nothing.

use super::support::Repo;
use super::table::{Case, check};

// --- What a row starts from -------------------------------------------------------------

fn locked(repo: &Repo) {
    repo.expect(&["lock"], 0);
}

fn never_locked(_: &Repo) {}

/// `base.in` asks for one more tool since the locks were compiled.
fn base_in_edited(repo: &Repo) {
    locked(repo);
    repo.write("_meta/requirements/base.in", "pytest>=8\ntiny-e\n");
}

/// solo's `[project].dependencies` changed since its lock.
fn solo_deps_edited(repo: &Repo) {
    locked(repo);
    repo.edit("projects/solo/pyproject.toml", "dependencies = []", "dependencies = [\"tiny-c\"]");
}

/// core's requirements changed: its lock and those of lib and app, which install it, are stale.
fn core_deps_edited(repo: &Repo) {
    locked(repo);
    repo.edit("projects/core/pyproject.toml", "dependencies = []", "dependencies = [\"tiny-d\"]");
}

/// solo got a `test` dependency group (installed by default) since its lock.
fn solo_group_added(repo: &Repo) {
    locked(repo);
    repo.append("projects/solo/pyproject.toml", "\n[dependency-groups]\ntest = [\"tiny-e\"]\n");
}

/// The `extra` layer's input changed: its lock and app's, which is on it, are stale.
fn extra_in_edited(repo: &Repo) {
    locked(repo);
    repo.write("_meta/requirements/extra.in", "tiny-b>=3\ntiny-c\n");
}

/// A file `base.in` includes (`-r tools.in`) changed since the locks.
fn base_include_edited(repo: &Repo) {
    repo.write("_meta/requirements/base.in", "pytest>=8\n-r tools.in\n");
    repo.write("_meta/requirements/tools.in", "tiny-e\n");
    locked(repo);
    repo.write("_meta/requirements/tools.in", "tiny-e\ntiny-d\n");
}

fn remove(repo: &Repo, rel: &str) {
    std::fs::remove_file(repo.path(rel)).unwrap();
}

fn core_lock_deleted(repo: &Repo) {
    locked(repo);
    remove(repo, "_meta/requirements/core.txt");
}

fn lib_lock_deleted(repo: &Repo) {
    locked(repo);
    remove(repo, "_meta/requirements/lib.txt");
}

fn solo_lock_deleted(repo: &Repo) {
    locked(repo);
    remove(repo, "_meta/requirements/solo.txt");
}

fn base_lock_deleted(repo: &Repo) {
    locked(repo);
    remove(repo, "_meta/requirements/base.txt");
}

/// A pin of lib's lock changed by hand (its body no longer matches its digest).
fn lib_lock_hand_edited(repo: &Repo) {
    locked(repo);
    repo.edit("_meta/requirements/lib.txt", "tiny-a==1.17.0", "tiny-a==1.16.0");
}

/// base's own lock changed by hand.
fn base_lock_hand_edited(repo: &Repo) {
    locked(repo);
    repo.edit("_meta/requirements/base.txt", "pytest==9.0.3", "pytest==8.3.5");
}

/// solo's lock cut short before its pytest pin (a full disk, a bad copy).
fn solo_lock_cut_short(repo: &Repo) {
    locked(repo);
    let text = repo.read("_meta/requirements/solo.txt");
    let cut = &text[..text.find("pytest==").expect("solo's lock pins pytest")];
    repo.write("_meta/requirements/solo.txt", cut);
}

/// solo's lock as git leaves it after a merge in which both sides re-locked it.
fn solo_lock_conflicted(repo: &Repo) {
    locked(repo);
    let text = repo.read("_meta/requirements/solo.txt");
    let at = text.find("pytest==").expect("solo's lock pins pytest");
    let conflicted =
        format!("{}<<<<<<< HEAD\npytest==9.0.3\n=======\npytest==8.3.5\n>>>>>>> feature\n{}", &text[..at], &text[at..]);
    repo.write("_meta/requirements/solo.txt", &conflicted);
}

/// base's lock conflicted in its header: both branches changed `base.in`.
fn base_lock_conflicted_header(repo: &Repo) {
    locked(repo);
    let text = repo.read("_meta/requirements/base.txt");
    let digest = text.lines().nth(1).unwrap().to_owned();
    repo.write(
        "_meta/requirements/base.txt",
        &text.replacen(
            &digest,
            &format!("<<<<<<< ours\n{digest}\n||||||| base\n# old\n=======\n# theirs\n>>>>>>> theirs"),
            1,
        ),
    );
}

/// solo's lock is a link to itself: the file system refuses to read it (as it would a lock
/// this user may not read; root reads through permissions, a link loop stops everyone).
fn solo_lock_loops(repo: &Repo) {
    locked(repo);
    remove(repo, "_meta/requirements/solo.txt");
    std::os::unix::fs::symlink("solo.txt", repo.path("_meta/requirements/solo.txt")).unwrap();
}

/// solo's lock replaced by bytes that are not text.
fn solo_lock_binary(repo: &Repo) {
    locked(repo);
    std::fs::write(repo.path("_meta/requirements/solo.txt"), b"\x00\xff\xfe garbage\n").unwrap();
}

/// A line in lib's lock that is neither a pin nor an option.
fn lib_lock_garbage_line(repo: &Repo) {
    locked(repo);
    repo.append("_meta/requirements/lib.txt", "this is not a requirement\n");
}

/// A folder where solo's lock goes.
fn solo_lock_a_folder(repo: &Repo) {
    locked(repo);
    remove(repo, "_meta/requirements/solo.txt");
    std::fs::create_dir(repo.path("_meta/requirements/solo.txt")).unwrap();
}

/// solo's project folder deleted: its lock is left over.
fn solo_deleted(repo: &Repo) {
    locked(repo);
    std::fs::remove_dir_all(repo.path("projects/solo")).unwrap();
}

/// solo needs a package that no find-links folder (and so no offline cache) has.
fn solo_needs_a_missing_package(repo: &Repo) {
    locked(repo);
    repo.edit("projects/solo/pyproject.toml", "dependencies = []", "dependencies = [\"tiny-nowhere\"]");
}

/// base.in asks for a package no find-links folder has.
fn base_needs_a_missing_package(repo: &Repo) {
    locked(repo);
    repo.write("_meta/requirements/base.in", "pytest>=8\ntiny-nowhere\n");
}

/// The config names a package index (at an address nothing answers) instead of `no-index`
/// and the wheelhouse: `--offline` must not try it, and uv's cache has nothing from it.
fn an_index_instead_of_find_links(repo: &Repo) {
    let config = repo.read("_meta/monorepo.toml");
    let kept: Vec<&str> =
        config.lines().filter(|l| !l.starts_with("no-index") && !l.starts_with("find-links")).collect();
    repo.write("_meta/monorepo.toml", &(kept.join("\n") + "\n"));
    repo.edit("_meta/monorepo.toml", "uv = \"0.13.9\"", "uv = \"0.13.9\"\nindex-url = \"http://127.0.0.1:9/simple\"");
}

/// solo's venv made, then its stamp replaced by `text`.
fn solo_stamp(repo: &Repo, text: &[u8]) {
    repo.expect(&["setup-envs", "-p", "solo"], 0);
    std::fs::write(repo.path("projects/solo/.venv/.xtask-stamp"), text).unwrap();
}

// --- The rows ---------------------------------------------------------------------------

const LOCKED_HINT: &str = "hint: run `cargo xtask lock` and commit the locks it writes";
const FROZEN_HINT: &str = "hint: run `cargo xtask lock` and commit the lock it writes; or run without --frozen";
const OFFLINE: &str = "error: --offline: a package this needs is neither in uv's cache nor in a find-links folder";
const OFFLINE_HINT: &str = "hint: run once without --offline, with the network, to fill uv's cache";
const CONFLICT_HINT: &str = "git checkout --theirs -- _meta/requirements/solo.txt";

pub const CASES: &[Case] = &[
    // --locked, setup-envs: each kind of lock that is not up to date.
    Case {
        name: "setup-envs --locked: base.in edited since the locks",
        setup: base_in_edited,
        args: &["setup-envs", "--locked"],
        code: 2,
        needles: &[
            "error: `setup-envs --locked`: ",
            "never writes a lock",
            "- _meta/requirements/base.txt is stale: its inputs changed",
            LOCKED_HINT,
        ],
    },
    Case {
        name: "setup-envs --locked: a project's dependencies edited",
        setup: solo_deps_edited,
        args: &["setup-envs", "--locked"],
        code: 2,
        needles: &[
            "error: `setup-envs --locked`: 1 lock is not up to date",
            "- _meta/requirements/solo.txt is stale",
            LOCKED_HINT,
        ],
    },
    Case {
        name: "setup-envs --locked: a local dependency's requirements edited",
        setup: core_deps_edited,
        args: &["setup-envs", "--locked"],
        code: 2,
        needles: &[
            "3 locks are not up to date",
            "- _meta/requirements/core.txt is stale",
            "- _meta/requirements/lib.txt is stale",
            "- _meta/requirements/app.txt is stale",
        ],
    },
    Case {
        name: "setup-envs --locked: a dependency group added",
        setup: solo_group_added,
        args: &["setup-envs", "--locked", "-p", "solo"],
        code: 2,
        needles: &["- _meta/requirements/solo.txt is stale: its inputs changed", LOCKED_HINT],
    },
    Case {
        name: "setup-envs --locked: a layer's input edited",
        setup: extra_in_edited,
        args: &["setup-envs", "--locked"],
        code: 2,
        needles: &["- _meta/requirements/extra.txt is stale", "- _meta/requirements/app.txt is stale", LOCKED_HINT],
    },
    Case {
        name: "setup-envs --locked: a file base.in includes edited",
        setup: base_include_edited,
        args: &["setup-envs", "--locked"],
        code: 2,
        needles: &["- _meta/requirements/base.txt is stale", LOCKED_HINT],
    },
    Case {
        name: "setup-envs --locked: a lock deleted",
        setup: core_lock_deleted,
        args: &["setup-envs", "--locked"],
        code: 2,
        needles: &["- _meta/requirements/core.txt is missing", LOCKED_HINT],
    },
    Case {
        name: "setup-envs --locked: a layer's lock deleted",
        setup: base_lock_deleted,
        args: &["setup-envs", "--locked", "-p", "solo"],
        code: 2,
        needles: &["- _meta/requirements/base.txt is missing", LOCKED_HINT],
    },
    Case {
        name: "setup-envs --locked: a lock edited by hand",
        setup: lib_lock_hand_edited,
        args: &["setup-envs", "--locked"],
        code: 2,
        needles: &["- _meta/requirements/lib.txt was edited by hand or merged: its body does not match its digest"],
    },
    Case {
        name: "setup-envs --locked: a layer's lock edited by hand",
        setup: base_lock_hand_edited,
        args: &["setup-envs", "--locked", "-p", "core"],
        code: 2,
        needles: &["- _meta/requirements/base.txt was edited by hand or merged", LOCKED_HINT],
    },
    Case {
        name: "setup-envs --locked: a lock cut short",
        setup: solo_lock_cut_short,
        args: &["setup-envs", "--locked", "-p", "solo"],
        code: 2,
        needles: &["- _meta/requirements/solo.txt was edited by hand or merged"],
    },
    Case {
        name: "setup-envs --locked: nothing locked yet",
        setup: never_locked,
        args: &["setup-envs", "--locked"],
        code: 2,
        needles: &[
            "6 locks are not up to date",
            "- _meta/requirements/base.txt is missing",
            "- _meta/requirements/app.txt is missing",
        ],
    },
    Case {
        name: "setup-envs --locked: a lock with merge conflict markers",
        setup: solo_lock_conflicted,
        args: &["setup-envs", "--locked"],
        code: 2,
        needles: &[
            "- _meta/requirements/solo.txt has unresolved git merge conflicts (line ",
            ": `<<<<<<< HEAD`)",
            CONFLICT_HINT,
        ],
    },
    // --locked, test-all.
    Case {
        name: "test-all --locked: base.in edited since the locks",
        setup: base_in_edited,
        args: &["test-all", "--locked"],
        code: 2,
        needles: &["error: `test-all --locked`: ", "- _meta/requirements/base.txt is stale", LOCKED_HINT],
    },
    Case {
        name: "test-all --locked: the selected project's dependencies edited",
        setup: solo_deps_edited,
        args: &["test-all", "--locked", "solo"],
        code: 2,
        needles: &["error: `test-all --locked`: 1 lock is not up to date", "- _meta/requirements/solo.txt is stale"],
    },
    Case {
        name: "test-all --locked: a lock deleted",
        setup: lib_lock_deleted,
        args: &["test-all", "--locked"],
        code: 2,
        needles: &["- _meta/requirements/lib.txt is missing", LOCKED_HINT],
    },
    Case {
        name: "test-all --locked: a lock edited by hand",
        setup: lib_lock_hand_edited,
        args: &["test-all", "--locked", "--keep-going"],
        code: 2,
        needles: &["- _meta/requirements/lib.txt was edited by hand or merged"],
    },
    Case {
        name: "test-all --locked: a layer's input edited",
        setup: extra_in_edited,
        args: &["test-all", "--locked", "app"],
        code: 2,
        needles: &["- _meta/requirements/extra.txt is stale", "- _meta/requirements/app.txt is stale"],
    },
    Case {
        name: "test-all --locked: nothing locked yet",
        setup: never_locked,
        args: &["test-all", "--locked", "--junit", "junit.xml"],
        code: 2,
        needles: &["error: `test-all --locked`: 6 locks are not up to date", LOCKED_HINT],
    },
    Case {
        name: "test-all --locked: a local dependency's requirements edited",
        setup: core_deps_edited,
        args: &["test-all", "--locked", "-p", "lib"],
        code: 2,
        needles: &["error: `test-all --locked`: 1 lock is not up to date", "- _meta/requirements/lib.txt is stale"],
    },
    // --locked, test, run, export.
    Case {
        name: "test --locked: the project's dependencies edited",
        setup: solo_deps_edited,
        args: &["test", "solo", "--locked"],
        code: 2,
        needles: &["error: `test --locked`: 1 lock is not up to date", "- _meta/requirements/solo.txt is stale"],
    },
    Case {
        name: "test --locked: the project's lock deleted",
        setup: lib_lock_deleted,
        args: &["test", "lib", "--locked"],
        code: 2,
        needles: &["error: `test --locked`: ", "- _meta/requirements/lib.txt is missing"],
    },
    Case {
        name: "test --locked: the layer under the project edited",
        setup: extra_in_edited,
        args: &["test", "app", "--locked", "--", "-x"],
        code: 2,
        needles: &["- _meta/requirements/extra.txt is stale", LOCKED_HINT],
    },
    Case {
        name: "run --locked: the project's dependencies edited",
        setup: solo_deps_edited,
        args: &["run", "solo", "--locked", "--", "python", "-V"],
        code: 2,
        needles: &["error: `run --locked`: 1 lock is not up to date", "- _meta/requirements/solo.txt is stale"],
    },
    Case {
        name: "run --locked: base.in edited",
        setup: base_in_edited,
        args: &["run", "core", "--locked", "--", "python", "-V"],
        code: 2,
        needles: &["error: `run --locked`: ", "- _meta/requirements/base.txt is stale", LOCKED_HINT],
    },
    Case {
        name: "run --locked: the project's lock edited by hand",
        setup: lib_lock_hand_edited,
        args: &["run", "lib", "--locked", "--", "python", "-V"],
        code: 2,
        needles: &["- _meta/requirements/lib.txt was edited by hand or merged"],
    },
    Case {
        name: "export --locked: the project's dependencies edited",
        setup: solo_deps_edited,
        args: &["export", "solo", "--locked"],
        code: 2,
        needles: &["error: `export --locked`: 1 lock is not up to date", "- _meta/requirements/solo.txt is stale"],
    },
    Case {
        name: "export --locked -o: the project's lock deleted",
        setup: lib_lock_deleted,
        args: &["export", "lib", "--locked", "-o", "out/lib.txt"],
        code: 2,
        needles: &["error: `export --locked`: ", "- _meta/requirements/lib.txt is missing"],
    },
    Case {
        name: "export --locked as pylock: the layer under the project edited",
        setup: extra_in_edited,
        args: &["export", "app", "--format", "pylock", "--locked"],
        code: 2,
        needles: &["- _meta/requirements/extra.txt is stale", "- _meta/requirements/app.txt is stale"],
    },
    // lock --locked: a check, exit 1 as `lock --check`.
    Case {
        name: "lock --locked: base.in edited",
        setup: base_in_edited,
        args: &["lock", "--locked"],
        code: 1,
        needles: &["- _meta/requirements/base.txt is stale: its inputs changed", "Checked 6 locks: 6 would change"],
    },
    Case {
        name: "lock --locked -p: the named project's dependencies edited",
        setup: solo_deps_edited,
        args: &["lock", "--locked", "-p", "solo"],
        code: 1,
        needles: &["- _meta/requirements/solo.txt is stale", "hint: run `cargo xtask lock`", "would change"],
    },
    Case {
        name: "lock --locked: a lock deleted",
        setup: core_lock_deleted,
        args: &["lock", "--locked"],
        code: 1,
        needles: &["- _meta/requirements/core.txt is missing", "1 would change"],
    },
    Case {
        name: "lock --locked: a lock edited by hand",
        setup: lib_lock_hand_edited,
        args: &["lock", "--locked"],
        code: 1,
        needles: &["- _meta/requirements/lib.txt was edited by hand or merged"],
    },
    Case {
        name: "lock --locked: nothing locked yet",
        setup: never_locked,
        args: &["lock", "--locked"],
        code: 1,
        needles: &["Checked 6 locks: 6 would change"],
    },
    Case {
        name: "lock --locked: a deleted project's lock left over",
        setup: solo_deleted,
        args: &["lock", "--locked"],
        code: 1,
        needles: &[
            "- _meta/requirements/solo.txt is a lock that no project or layer has: `cargo xtask lock` would remove it",
        ],
    },
    Case {
        name: "lock --locked: a lock with merge conflict markers",
        setup: solo_lock_conflicted,
        args: &["lock", "--locked"],
        code: 1,
        needles: &["- _meta/requirements/solo.txt has unresolved git merge conflicts", CONFLICT_HINT],
    },
    Case {
        name: "lock --locked: a file base.in includes edited",
        setup: base_include_edited,
        args: &["lock", "--locked", "-p", "base"],
        code: 1,
        needles: &["- _meta/requirements/base.txt is stale"],
    },
    // --frozen: the locks as they are, never compiled; a missing one is an error.
    Case {
        name: "setup-envs --frozen: nothing locked yet",
        setup: never_locked,
        args: &["setup-envs", "--frozen"],
        code: 2,
        needles: &[
            "error: `setup-envs --frozen`: _meta/requirements/",
            "does not exist, and --frozen never compiles a lock",
            FROZEN_HINT,
        ],
    },
    Case {
        name: "setup-envs --frozen: a lock deleted",
        setup: core_lock_deleted,
        args: &["setup-envs", "--frozen", "-p", "core"],
        code: 2,
        needles: &["error: `setup-envs --frozen`: _meta/requirements/core.txt does not exist", FROZEN_HINT],
    },
    Case {
        name: "test-all --frozen: a layer's lock deleted",
        setup: base_lock_deleted,
        args: &["test-all", "--frozen"],
        code: 2,
        needles: &["error: `test-all --frozen`: _meta/requirements/base.txt does not exist", FROZEN_HINT],
    },
    Case {
        name: "test --frozen: the project's lock deleted",
        setup: solo_lock_deleted,
        args: &["test", "solo", "--frozen"],
        code: 2,
        needles: &["error: `test --frozen`: _meta/requirements/solo.txt does not exist"],
    },
    Case {
        name: "run --frozen: the project's lock deleted",
        setup: solo_lock_deleted,
        args: &["run", "solo", "--frozen", "--", "python", "-V"],
        code: 2,
        needles: &["error: `run --frozen`: _meta/requirements/solo.txt does not exist"],
    },
    Case {
        name: "export --frozen: the project's lock deleted",
        setup: lib_lock_deleted,
        args: &["export", "lib", "--frozen"],
        code: 2,
        needles: &["error: `export --frozen`: _meta/requirements/lib.txt does not exist"],
    },
    Case {
        name: "setup-envs --frozen: a lock with merge conflict markers",
        setup: solo_lock_conflicted,
        args: &["setup-envs", "--frozen", "-p", "solo"],
        code: 2,
        needles: &[
            "error: `setup-envs --frozen`: _meta/requirements/solo.txt has unresolved git merge conflicts",
            CONFLICT_HINT,
        ],
    },
    Case {
        name: "test-all --frozen: a lock that is not text",
        setup: solo_lock_binary,
        args: &["test-all", "--frozen", "solo"],
        code: 2,
        needles: &[
            "_meta/requirements/solo.txt cannot be read: line 1: not UTF-8 text",
            "hint: run `cargo xtask lock`",
        ],
    },
    Case {
        name: "export --frozen: a lock line that is no pin",
        setup: lib_lock_garbage_line,
        args: &["export", "lib", "--frozen"],
        code: 2,
        needles: &[
            "_meta/requirements/lib.txt cannot be read: line ",
            "`this is not a requirement` is not a pinned requirement",
        ],
    },
    Case {
        name: "setup-envs --frozen: a folder where a lock goes",
        setup: solo_lock_a_folder,
        args: &["setup-envs", "--frozen", "-p", "solo"],
        code: 2,
        needles: &[
            "error: `setup-envs --frozen`: _meta/requirements/solo.txt is a folder, not a lock",
            "hint: move _meta/requirements/solo.txt away",
        ],
    },
    Case {
        name: "run --frozen: a lock the file system will not read",
        setup: solo_lock_loops,
        args: &["run", "solo", "--frozen", "--", "python", "-V"],
        code: 2,
        needles: &[
            "_meta/requirements/solo.txt cannot be read (too many levels of symbolic links)",
            "hint: look at it (`ls -l _meta/requirements/solo.txt`)",
        ],
    },
    // Flags that contradict each other, or the command.
    Case {
        name: "lock --frozen",
        setup: locked,
        args: &["lock", "--frozen"],
        code: 2,
        needles: &[
            "error: `lock --frozen` would lock nothing",
            "hint: to fail when a lock is not up to date, run `cargo xtask lock --locked`",
        ],
    },
    Case {
        name: "lock --frozen with a project",
        setup: solo_deps_edited,
        args: &["lock", "--frozen", "-p", "solo"],
        code: 2,
        needles: &["error: `lock --frozen` would lock nothing"],
    },
    Case {
        name: "setup-envs --locked --frozen",
        setup: locked,
        args: &["setup-envs", "--locked", "--frozen"],
        code: 2,
        needles: &["error: --locked and --frozen cannot be used together", "hint: pass one: --locked in CI"],
    },
    Case {
        name: "test-all --frozen --locked",
        setup: never_locked,
        args: &["test-all", "--frozen", "--locked"],
        code: 2,
        needles: &["error: --locked and --frozen cannot be used together"],
    },
    Case {
        name: "export --locked --frozen",
        setup: locked,
        args: &["export", "solo", "--locked", "--frozen"],
        code: 2,
        needles: &["error: --locked and --frozen cannot be used together"],
    },
    Case {
        name: "lock --locked --upgrade",
        setup: locked,
        args: &["lock", "--locked", "--upgrade"],
        code: 2,
        needles: &[
            "error: `lock --locked` writes no lock, and an upgrade is a change to the locks",
            "hint: upgrade without --locked",
        ],
    },
    Case {
        name: "lock --locked --upgrade-package",
        setup: locked,
        args: &["lock", "--locked", "--upgrade-package", "pytest"],
        code: 2,
        needles: &["error: `lock --locked` writes no lock"],
    },
    // --offline: uv's cache and the find-links folders only.
    Case {
        name: "setup-envs --offline: a package no find-links folder has",
        setup: solo_needs_a_missing_package,
        args: &["setup-envs", "--offline", "-p", "solo"],
        code: 2,
        needles: &[OFFLINE, "tiny-nowhere", OFFLINE_HINT],
    },
    Case {
        name: "test-all --offline: a package no find-links folder has",
        setup: solo_needs_a_missing_package,
        args: &["test-all", "--offline", "solo"],
        code: 2,
        needles: &[OFFLINE, OFFLINE_HINT],
    },
    Case {
        name: "lock --offline: a package index, and nothing of it in uv's cache",
        setup: an_index_instead_of_find_links,
        args: &["lock", "--offline"],
        code: 2,
        needles: &[OFFLINE, "network was disabled", OFFLINE_HINT],
    },
    Case {
        name: "update-base --offline: base.in asks for a package no find-links folder has",
        setup: base_needs_a_missing_package,
        args: &["update-base", "--offline"],
        code: 2,
        needles: &[OFFLINE, "tiny-nowhere"],
    },
    Case {
        name: "export --offline: a package no find-links folder has",
        setup: solo_needs_a_missing_package,
        args: &["export", "solo", "--offline"],
        code: 2,
        needles: &[OFFLINE, "if a name or a version is wrong instead"],
    },
    Case {
        name: "run --offline: a package no find-links folder has",
        setup: solo_needs_a_missing_package,
        args: &["run", "solo", "--offline", "--", "python", "-V"],
        code: 2,
        needles: &[OFFLINE],
    },
    // Locks the xtask reads back: conflicted, unreadable, not text.
    Case {
        name: "check: a lock with merge conflict markers",
        setup: solo_lock_conflicted,
        args: &["check"],
        code: 1,
        needles: &[
            "_meta/requirements/solo.txt has unresolved git merge conflicts (line ",
            "a lock is never merged by hand",
            "then run `cargo xtask lock`: it compiles the lock again from the merged inputs",
        ],
    },
    Case {
        name: "check: a lock header with diff3 merge conflict markers",
        setup: base_lock_conflicted_header,
        args: &["check"],
        code: 1,
        needles: &["_meta/requirements/base.txt has unresolved git merge conflicts (line 2: `<<<<<<< ours`)"],
    },
    Case {
        name: "check: a lock the file system will not read",
        setup: solo_lock_loops,
        args: &["check"],
        code: 1,
        needles: &["_meta/requirements/solo.txt cannot be read (too many levels of symbolic links)"],
    },
    Case {
        name: "setup-envs: a lock the file system will not read is not compiled over",
        setup: solo_lock_loops,
        args: &["setup-envs", "-p", "solo"],
        code: 2,
        needles: &[
            "error: cannot lock `solo`: _meta/requirements/solo.txt cannot be read (too many levels of symbolic links)",
            "hint: look at it",
        ],
    },
    Case {
        name: "lock: a lock the file system will not read is not compiled over",
        setup: solo_lock_loops,
        args: &["lock"],
        code: 2,
        needles: &["error: cannot lock `solo`: _meta/requirements/solo.txt cannot be read"],
    },
    // Stamps the xtask reads back.
    Case {
        name: "check: a venv stamp that is garbage",
        setup: |repo| solo_stamp(repo, b"garbage\n"),
        args: &["check"],
        code: 1,
        needles: &[
            "projects/solo/.venv has an unreadable stamp (.xtask-stamp holds no lock digest, Python, interpreter and location)",
            "the venv will be made anew and re-synced",
            "hint: run `cargo xtask setup-envs -p solo`: it makes the venv anew",
        ],
    },
    Case {
        name: "check: a venv stamp that is not text",
        setup: |repo| solo_stamp(repo, b"\xff\xfe\x00\x01"),
        args: &["check"],
        code: 1,
        needles: &["projects/solo/.venv has an unreadable stamp (.xtask-stamp is not text)"],
    },
    Case {
        name: "check: an empty venv stamp",
        setup: |repo| solo_stamp(repo, b""),
        args: &["check"],
        code: 1,
        needles: &["projects/solo/.venv has an unreadable stamp"],
    },
    Case {
        name: "check: a venv stamped by an older xtask",
        setup: |repo| solo_stamp(repo, b"lock-sha256 0123\npython 3.11\ninterpreter 3.11.7\n"),
        args: &["check"],
        code: 1,
        needles: &["projects/solo/.venv was stamped by an older xtask, which did not record where it was made"],
    },
    // Reports it cannot write: found before any work.
    Case {
        name: "test-all --junit: a folder",
        setup: locked,
        args: &["test-all", "--junit", "projects"],
        code: 2,
        needles: &[
            "error: --junit ",
            "/projects: that is a folder, and what is written there is one file",
            "hint: name a file, say --junit ",
            "junit.xml",
        ],
    },
    Case {
        name: "test-all --junit: under a file",
        setup: locked,
        args: &["test-all", "--junit", "projects/solo/pyproject.toml/junit.xml"],
        code: 2,
        needles: &["projects/solo/pyproject.toml is a file, so no folder can be made there"],
    },
    Case {
        name: "export -o: a folder",
        setup: locked,
        args: &["export", "solo", "-o", "_meta"],
        code: 2,
        needles: &["error: -o ", "/_meta: that is a folder", "hint: name a file, say -o "],
    },
    Case {
        name: "export -o: under a file",
        setup: locked,
        args: &["export", "solo", "--format", "pylock", "-o", "projects/app/pyproject.toml/pylock.toml"],
        code: 2,
        needles: &["is a file, so no folder can be made there"],
    },
];

#[test]
fn modes_rows() {
    check(CASES);
}
