//! Repository rules, checked as tests: module docs, every command documented, the sample's
//! committed locks fresh (offline, no uv).

use std::path::Path;

use camino::Utf8Path;

fn repo_root() -> &'static Utf8Path {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

#[test]
fn every_module_says_what_it_is_for() {
    let mut missing = Vec::new();
    let mut stack = vec![repo_root().join("xtask/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.try_into().unwrap());
            } else if path.extension().is_some_and(|e| e == "rs")
                && !std::fs::read_to_string(&path).unwrap().starts_with("//!")
            {
                missing.push(path.display().to_string());
            }
        }
    }
    assert!(missing.is_empty(), "these modules lack a `//!` doc: {missing:?}");
}

#[test]
fn every_command_is_in_the_readme() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let commands = xtask::flags::command_names();
    assert!(commands.len() >= 8, "too few commands: {commands:?}");
    for command in commands {
        assert!(
            readme.contains(&format!("cargo xtask {command}")),
            "README.md does not document `cargo xtask {command}`"
        );
    }
}

#[test]
fn the_sample_monorepo_locks_are_fresh() {
    let ws = xtask::Workspace::load(repo_root()).unwrap();
    let stale: Vec<String> = xtask::lock::plan(&ws)
        .iter()
        .filter(|spec| xtask::lock::freshness(&ws.root, spec) != xtask::lockfile::Freshness::Fresh)
        .map(|spec| spec.lock.to_string())
        .collect();
    assert!(stale.is_empty(), "stale locks {stale:?}: run `cargo xtask lock` and commit them");
    assert!(Path::new(repo_root().join("_meta/requirements/base.txt").as_std_path()).is_file());
}
