//! Splitting projects into balanced shards for CI.
//!
//! Each project weighs its duration in the committed `_meta/test-durations.json` (written
//! by `cargo xtask ci-matrix --write-durations` from this machine's recorded durations), or,
//! never measured, the median of the known ones; with no file, every project weighs the
//! same. The split is greedy, longest first onto the lightest shard, with ties broken by
//! name and shard number. It reads nothing that differs between machines (never the local
//! result cache, which every run rewrites): every checkout of a commit computes the same
//! split, so `ci-matrix` and `test-all --shard K/N` agree on every runner.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result};
use camino::Utf8Path;

use crate::error::hinted;

/// The committed durations, relative to the root.
pub const DURATIONS_FILE: &str = "_meta/test-durations.json";

/// The durations committed in [`DURATIONS_FILE`], by project name; none when there is no
/// such file or it cannot be read (a split by names is still the same everywhere).
pub fn committed_durations(root: &Utf8Path) -> HashMap<String, f64> {
    let Ok(text) = std::fs::read_to_string(root.join(DURATIONS_FILE)) else { return HashMap::new() };
    serde_json::from_str::<BTreeMap<String, f64>>(&text).map(|m| m.into_iter().collect()).unwrap_or_default()
}

/// Writes `durations` (rounded to tenths of a second, sorted by name, so the file changes
/// only when a duration does) over what [`DURATIONS_FILE`] holds.
pub fn write_durations(root: &Utf8Path, durations: &HashMap<String, f64>) -> Result<()> {
    let mut all: BTreeMap<String, f64> = committed_durations(root).into_iter().collect();
    for (name, &seconds) in durations {
        if seconds.is_finite() && seconds >= 0.0 {
            all.insert(name.clone(), (seconds * 10.0).round() / 10.0);
        }
    }
    let text = serde_json::to_string_pretty(&all)? + "\n";
    crate::fsutil::write_atomic(&root.join(DURATIONS_FILE), &text)
        .with_context(|| format!("cannot write {DURATIONS_FILE}"))
}

/// Each of `names` with its weight: its recorded duration, else the median of the recorded
/// durations among `names`, else 1.0.
pub fn weigh(names: &[&str], durations: &HashMap<String, f64>) -> Vec<(String, f64)> {
    let usable = |w: f64| w.is_finite() && w >= 0.0;
    let mut known: Vec<f64> = names.iter().filter_map(|n| durations.get(*n).copied()).filter(|&w| usable(w)).collect();
    known.sort_by(f64::total_cmp);
    let default = match known.len() {
        0 => 1.0,
        n if n % 2 == 1 => known[n / 2],
        n => (known[n / 2 - 1] + known[n / 2]) / 2.0,
    };
    names.iter().map(|&n| (n.to_owned(), durations.get(n).copied().filter(|&w| usable(w)).unwrap_or(default))).collect()
}

/// Splits items into `n` shards balanced by weight (longest first onto the lightest shard;
/// ties by name so every machine computes the same split). Each item lands in exactly one
/// shard, and each shard lists its items in their input order (a dependency order stays
/// one); shards may be empty when `n` exceeds the items. `n` of 0 is taken as 1.
pub fn split(weights: &[(String, f64)], n: usize) -> Vec<Vec<usize>> {
    let n = n.max(1);
    // A weight that is not a number or negative weighs nothing, rather than breaking the order.
    let weight = |i: usize| if weights[i].1.is_finite() { weights[i].1.max(0.0) } else { 0.0 };
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        weight(b).total_cmp(&weight(a)).then_with(|| weights[a].0.cmp(&weights[b].0)).then(a.cmp(&b))
    });
    let mut shards: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut loads = vec![0.0_f64; n];
    for item in order {
        // The lightest shard; among equals, the first.
        let lightest = (0..n).min_by(|&a, &b| loads[a].total_cmp(&loads[b]).then(a.cmp(&b))).expect("n >= 1");
        shards[lightest].push(item);
        loads[lightest] += weight(item);
    }
    for shard in &mut shards {
        shard.sort_unstable();
    }
    shards
}

/// Parses `--shard K/N`: shard K (from 1) of N.
pub fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let usage = "pass --shard K/N: shard K of N, counted from 1 (`--shard 1/3`, `--shard 2/3`, `--shard 3/3`)";
    let Some((k, n)) = s.trim().split_once('/') else {
        return Err(hinted(format!("`--shard {s}` is not of the form K/N"), usage));
    };
    let (Ok(k), Ok(n)) = (k.trim().parse::<usize>(), n.trim().parse::<usize>()) else {
        return Err(hinted(format!("`--shard {s}`: K and N must be whole numbers"), usage));
    };
    if n == 0 {
        return Err(hinted(format!("`--shard {s}`: there must be at least one shard"), usage));
    }
    if k == 0 || k > n {
        return Err(hinted(format!("`--shard {s}`: K must be between 1 and {n}"), usage));
    }
    Ok((k, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(weights: &[(&str, f64)]) -> Vec<(String, f64)> {
        weights.iter().map(|&(n, w)| (n.to_owned(), w)).collect()
    }

    fn names(weights: &[(String, f64)], shards: &[Vec<usize>]) -> Vec<Vec<String>> {
        shards.iter().map(|s| s.iter().map(|&i| weights[i].0.clone()).collect()).collect()
    }

    #[test]
    fn every_item_lands_in_exactly_one_shard() {
        let weights = items(&[("a", 3.0), ("b", 1.0), ("c", 1.0), ("d", 7.0), ("e", 0.0), ("f", f64::NAN)]);
        for n in 0..10 {
            let shards = split(&weights, n);
            assert_eq!(shards.len(), n.max(1));
            let mut all: Vec<usize> = shards.concat();
            all.sort_unstable();
            assert_eq!(all, (0..weights.len()).collect::<Vec<_>>(), "n = {n}");
        }
        assert_eq!(split(&[], 3), vec![Vec::<usize>::new(); 3]);
        assert_eq!(split(&items(&[("a", 1.0)]), 3), [vec![0], vec![], vec![]]);
    }

    #[test]
    fn balances_longest_first_onto_the_lightest_shard() {
        let weights = items(&[("a", 5.0), ("b", 4.0), ("c", 3.0), ("d", 3.0), ("e", 2.0), ("f", 1.0)]);
        // a -> 1 (5), b -> 2 (4), c -> 2 (7), d -> 1 (8), e -> 2 (9), f -> 1 (9).
        assert_eq!(names(&weights, &split(&weights, 2)), [["a", "d", "f"], ["b", "c", "e"]]);
        // Within a shard, items keep their input order.
        assert_eq!(names(&weights, &split(&weights, 3)), [vec!["a", "f"], vec!["b", "e"], vec!["c", "d"]]);
    }

    #[test]
    fn the_split_depends_on_names_and_weights_not_on_chance() {
        let weights = items(&[("x", 1.0), ("y", 1.0), ("z", 1.0), ("w", 1.0)]);
        let first = split(&weights, 3);
        assert_eq!(names(&weights, &first), [vec!["z", "w"], vec!["x"], vec!["y"]], "equal weights: by name");
        for _ in 0..10 {
            assert_eq!(split(&weights, 3), first);
        }
    }

    #[test]
    fn unknown_durations_weigh_the_median_of_known_ones() {
        let durations = HashMap::from([("a".to_owned(), 1.0), ("b".to_owned(), 3.0), ("c".to_owned(), 10.0)]);
        assert_eq!(weigh(&["a", "b", "c", "new"], &durations)[3].1, 3.0);
        assert_eq!(weigh(&["a", "c", "new"], &durations)[2].1, 5.5);
        assert_eq!(weigh(&["new", "other"], &durations), items(&[("new", 1.0), ("other", 1.0)]));
    }

    #[test]
    fn parses_k_of_n_and_explains_the_rest() {
        assert_eq!(parse_shard("1/3").unwrap(), (1, 3));
        assert_eq!(parse_shard("3/3").unwrap(), (3, 3));
        for bad in ["0/3", "4/3", "1/0", "a/3", "3", "", "-1/3"] {
            let err = parse_shard(bad).unwrap_err();
            assert!(err.to_string().contains("--shard"), "{bad}: {err}");
            assert!(crate::error::hint_of(&err).is_some_and(|h| h.contains("--shard K/N")), "{bad}");
        }
    }
}
