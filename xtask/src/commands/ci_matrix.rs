//! `cargo xtask ci-matrix --shards N`: a GitHub Actions matrix of balanced shards.
//!
//! Prints one line of JSON for `strategy.matrix` (`fromJSON(...)`):
//! `{"include":[{"shard":"1/3","projects":["a","b"]},...]}`, one entry per non-empty shard,
//! each shard named as `test-all --shard K/N` takes it, so a job runs exactly its entry's
//! projects. Shards are balanced by the committed durations (see [`crate::shard`]), so every
//! machine computes the same split; `--write-durations` first writes this machine's
//! recorded durations of the selected projects there, to be committed. An empty selection
//! prints `{"include":[]}`, which a workflow must test for: GitHub rejects a matrix with no
//! entries.

use anyhow::Result;

use crate::error::hinted;
use crate::results::ResultCache;
use crate::shard;
use crate::workspace::Workspace;
use crate::{shape, ui};

struct Matrix {
    include: Vec<Entry>,
}

shape::serialize_struct! { Matrix { include: "include" } }

struct Entry {
    shard: String,
    projects: Vec<String>,
}

shape::serialize_struct! { Entry { shard: "shard", projects: "projects" } }

pub fn run(ws: &Workspace, members: &[usize], shards: usize, write_durations: bool) -> Result<()> {
    if shards == 0 {
        return Err(hinted("`--shards 0`: there must be at least one shard", "pass --shards N with N >= 1"));
    }
    if write_durations {
        let recorded = ResultCache::open(ws).durations();
        let selected: std::collections::HashMap<String, f64> = members
            .iter()
            .filter_map(|&m| recorded.get(&ws.members[m].name).map(|&s| (ws.members[m].name.clone(), s)))
            .collect();
        shard::write_durations(&ws.root, &selected)?;
        let shown = format!(
            "{} of {} ({}): commit it",
            selected.len(),
            ui::count(members.len(), "project"),
            shard::DURATIONS_FILE
        );
        ui::status("Wrote", &format!("the recorded durations of {shown}"));
    }
    crate::ui::out(&(matrix(ws, members, shards)? + "\n"));
    Ok(())
}

/// Shard `k` (from 1) of `n` of `members`: what `test-all --shard K/N` runs, the same split
/// as the matrix's entry `K/N`. In the order of `members`.
pub fn shard_members(ws: &Workspace, members: &[usize], k: usize, n: usize) -> Vec<usize> {
    split(ws, members, n).into_iter().nth(k.wrapping_sub(1)).unwrap_or_default()
}

fn matrix(ws: &Workspace, members: &[usize], n: usize) -> Result<String> {
    let include = split(ws, members, n)
        .into_iter()
        .enumerate()
        .filter(|(_, shard)| !shard.is_empty())
        .map(|(k, shard)| Entry {
            shard: format!("{}/{n}", k + 1),
            projects: shard.iter().map(|&m| ws.members[m].name.clone()).collect(),
        })
        .collect();
    Ok(serde_json::to_string(&Matrix { include })?)
}

/// `members` in `n` shards, as member indices.
fn split(ws: &Workspace, members: &[usize], n: usize) -> Vec<Vec<usize>> {
    let durations = shard::committed_durations(&ws.root);
    let names: Vec<&str> = members.iter().map(|&m| ws.members[m].name.as_str()).collect();
    let weights = shard::weigh(&names, &durations);
    shard::split(&weights, n).into_iter().map(|s| s.into_iter().map(|i| members[i]).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use camino::Utf8PathBuf;

    use crate::fsutil::write_test_file as write;

    /// `a` <- `b`, `c`, `d`, with recorded durations.
    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(dir.path().to_owned()).unwrap();
        write(&root, "_meta/monorepo.toml", "[monorepo]\nmembers = [\"p/*\"]\npython = \"3.11\"\nuv = \"0.13.9\"\n");
        write(&root, "_meta/requirements/base.in", "pytest\n");
        for (name, deps) in [("a", ""), ("b", "\"a\""), ("c", ""), ("d", "")] {
            write(
                &root,
                &format!("p/{name}/pyproject.toml"),
                &format!("[project]\nname = \"{name}\"\ndependencies = [{deps}]\n"),
            );
        }
        let ws = Workspace::load(&root).unwrap();
        (dir, ws)
    }

    #[test]
    fn the_matrix_lists_non_empty_shards_balanced_by_duration() {
        let (_dir, ws) = workspace();
        let all: Vec<usize> = (0..ws.members.len()).collect();
        assert_eq!(matrix(&ws, &[], 3).unwrap(), r#"{"include":[]}"#);
        // No durations: all weigh the same, so by name.
        assert_eq!(
            matrix(&ws, &all, 2).unwrap(),
            r#"{"include":[{"shard":"1/2","projects":["a","c"]},{"shard":"2/2","projects":["b","d"]}]}"#
        );
        // This machine's recorded durations change nothing: another machine has others.
        let cache = ResultCache::open(&ws);
        for (name, seconds) in [("a", 10.0), ("b", 1.0), ("c", 2.0), ("d", 8.0)] {
            cache.record_duration(name, seconds).unwrap();
        }
        assert_eq!(
            matrix(&ws, &all, 2).unwrap(),
            r#"{"include":[{"shard":"1/2","projects":["a","c"]},{"shard":"2/2","projects":["b","d"]}]}"#
        );
        // Committed, they balance the shards.
        shard::write_durations(&ws.root, &cache.durations()).unwrap();
        assert_eq!(
            matrix(&ws, &all, 2).unwrap(),
            r#"{"include":[{"shard":"1/2","projects":["a","b"]},{"shard":"2/2","projects":["c","d"]}]}"#
        );
        // More shards than projects: empty ones are left out, the others keep their numbers.
        let two = [ws.member("c").unwrap(), ws.member("d").unwrap()];
        assert_eq!(
            matrix(&ws, &two, 3).unwrap(),
            r#"{"include":[{"shard":"1/3","projects":["d"]},{"shard":"2/3","projects":["c"]}]}"#
        );
    }

    #[test]
    fn a_shard_is_its_matrix_entry() {
        let (_dir, ws) = workspace();
        let all: Vec<usize> = (0..ws.members.len()).collect();
        let names = |ms: Vec<usize>| ms.iter().map(|&m| ws.members[m].name.clone()).collect::<Vec<_>>();
        assert_eq!(names(shard_members(&ws, &all, 1, 2)), ["a", "c"]);
        assert_eq!(names(shard_members(&ws, &all, 2, 2)), ["b", "d"]);
        assert!(shard_members(&ws, &all, 3, 2).is_empty());
        assert!(shard_members(&ws, &all, 0, 2).is_empty());
        let mut every: Vec<usize> = (1..=3).flat_map(|k| shard_members(&ws, &all, k, 3)).collect();
        every.sort_unstable();
        assert_eq!(every, all);
    }
}
