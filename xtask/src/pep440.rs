//! Just enough PEP 440 to explain: versions, their order, and whether a version meets a
//! specifier set. uv does the resolving; this only lets the xtask say *why* a resolution
//! failed, check base alignment, and pick an interpreter from `requires-python`.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    epoch: u64,
    release: Vec<u64>,
    /// (0 = a, 1 = b, 2 = rc, number)
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
}

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim().trim_start_matches('v').to_ascii_lowercase();
        let text = text.split('+').next()?; // a local version label does not order
        let (epoch, rest) = match text.split_once('!') {
            Some((e, r)) => (e.parse().ok()?, r),
            None => (0, text),
        };
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (release_text, mut tail) = rest.split_at(split);
        let release: Vec<u64> =
            release_text.trim_end_matches('.').split('.').map(|n| n.parse().ok()).collect::<Option<_>>()?;
        let mut version = Version { epoch, release, pre: None, post: None, dev: None };
        let mut take = |tags: &[&str]| -> Option<(usize, u64)> {
            let stripped = tail.trim_start_matches(['.', '-', '_']);
            let (ix, tag) = tags.iter().enumerate().find(|(_, t)| stripped.starts_with(**t))?;
            let after = stripped[tag.len()..].trim_start_matches(['.', '-', '_']);
            let digits = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
            tail = &after[digits..];
            Some((ix, after[..digits].parse().unwrap_or(0)))
        };
        if let Some((ix, n)) = take(&["alpha", "beta", "rc", "a", "b", "c", "pre", "preview"]) {
            version.pre = Some(([0, 1, 2, 0, 1, 2, 2, 2][ix], n));
        }
        if let Some((_, n)) = take(&["post", "rev", "r"]) {
            version.post = Some(n);
        }
        if let Some((_, n)) = take(&["dev"]) {
            version.dev = Some(n);
        }
        tail.is_empty().then_some(version)
    }

    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    /// The release with trailing zeros dropped, so 1.0 == 1.0.0.
    fn trimmed(&self) -> &[u64] {
        let end = self.release.iter().rposition(|&n| n != 0).map_or(0, |i| i + 1);
        &self.release[..end]
    }

    fn key(&self) -> (u64, &[u64], (u8, u64), Option<u64>, u64) {
        let phase = match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => (0, 0), // 1.0.dev0 sorts before 1.0a0
            (Some((kind, n)), _, _) => (1 + kind, n),
            _ => (4, 0),
        };
        (self.epoch, self.trimmed(), phase, self.post, self.dev.unwrap_or(u64::MAX))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The clauses of a specifier set as (operator, version text): `>=1.26, <2` gives
/// (`>=`, `1.26`), (`<`, `2`).
fn clauses(specifiers: &str) -> impl Iterator<Item = (&str, &str)> {
    specifiers.split(',').map(str::trim).filter(|c| !c.is_empty()).map(|clause| {
        let op_len = clause.find(|c: char| !matches!(c, '<' | '>' | '=' | '!' | '~')).unwrap_or(clause.len());
        (&clause[..op_len], clause[op_len..].trim())
    })
}

/// Whether `version` meets every clause of `specifiers` (`>=1.26,<2`); `None` when either
/// cannot be read (an explanation then says nothing rather than something wrong).
pub fn satisfies(version: &Version, specifiers: &str) -> Option<bool> {
    let mut all = true;
    for (op, target) in clauses(specifiers) {
        let ok = if let Some(prefix) = target.strip_suffix(".*") {
            let prefix = Version::parse(prefix)?;
            let matches = version.release.iter().chain(std::iter::repeat(&0)).zip(&prefix.release).all(|(a, b)| a == b)
                && version.epoch == prefix.epoch;
            match op {
                "==" => matches,
                "!=" => !matches,
                _ => return None,
            }
        } else {
            let target = Version::parse(target)?;
            match op {
                "==" | "===" => version == &target || version.cmp(&target) == Ordering::Equal,
                "!=" => version.cmp(&target) != Ordering::Equal,
                ">=" => version >= &target,
                "<=" => version <= &target,
                ">" => version > &target,
                // `<V` excludes pre-releases of V itself (PEP 440).
                "<" => {
                    version < &target
                        && !(version.is_prerelease()
                            && !target.is_prerelease()
                            && version.trimmed() == target.trimmed())
                }
                "~=" => {
                    let prefix = &target.release[..target.release.len().saturating_sub(1).max(1)];
                    version >= &target
                        && version.release.iter().chain(std::iter::repeat(&0)).zip(prefix).all(|(a, b)| a == b)
                }
                _ => return None,
            }
        };
        all &= ok;
    }
    Some(all)
}

/// The lowest `X.Y` a `requires-python` allows (`>=3.12` gives `3.12`), if it has a lower bound.
pub fn lower_bound(specifiers: &str) -> Option<String> {
    specifiers.split(',').map(str::trim).find_map(|clause| {
        let target =
            clause.strip_prefix(">=").or_else(|| clause.strip_prefix("~=")).or_else(|| clause.strip_prefix("=="))?;
        let version = Version::parse(target.trim().trim_end_matches(".*"))?;
        Some(version.release.iter().take(2).map(u64::to_string).collect::<Vec<_>>().join("."))
    })
}

/// Whether some Python version meets `requires-python`: `>=3.12,<3.11` is impossible.
///
/// Tries every `X.Y` up to `3.40`, and each version the clauses name plus its next
/// patch release (so `>3.11,<3.12` finds `3.11.1`). A specifier set that cannot be read
/// counts as satisfiable: deciding that is uv's job, and an error here would be a guess.
pub fn is_satisfiable(requires_python: &str) -> bool {
    let release = |release: Vec<u64>| Version { epoch: 0, release, pre: None, post: None, dev: None };
    // The versions the specifiers name (and their next patch) first: the usual
    // `>=3.11` is settled by its own bound, at the cost of one check per pyproject.
    let mut candidates: Vec<Version> = Vec::new();
    for (_, target) in clauses(requires_python) {
        let Some(named) = Version::parse(target.trim_end_matches(".*")) else {
            return true;
        };
        let mut next = named.release.clone();
        next.resize(3, 0); // X.Y.Z: Python's releases have three parts
        next[2] += 1;
        candidates.push(named.clone());
        candidates.push(Version { epoch: named.epoch, ..release(next) });
    }
    let holds = |candidate: &Version| satisfies(candidate, requires_python).unwrap_or(true);
    // Then every X.Y up to 3.40; from 0.0, not 2.0, so that even `<2` is not called impossible.
    candidates.iter().any(holds)
        || (0..=3).flat_map(|major| (0..=40).map(move |minor| vec![major, minor])).map(release).any(|c| holds(&c))
}

/// Splits a PEP 508 requirement into its name and its version specifiers:
/// `numpy[extra]>=1.26,<2 ; python_version>'3'` gives (`numpy`, `>=1.26,<2`).
pub fn split_requirement(req: &str) -> Option<(&str, &str)> {
    let name = crate::pep508::requirement_name(req)?;
    let rest = req.trim_start()[name.len()..].split(';').next()?.trim_start();
    let rest = if rest.starts_with('[') { rest.split_once(']').map_or("", |(_, r)| r) } else { rest };
    let rest = rest.trim();
    if rest.starts_with('@') {
        return Some((name, ""));
    }
    Some((name, rest.trim_start_matches('(').trim_end_matches(')').trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("cannot parse {s}"))
    }

    #[test]
    fn orders_versions_per_pep_440() {
        let ordered = ["1.0.dev0", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.1", "2.0", "1!0.1"];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.0").cmp(&v("1.0.0")), Ordering::Equal);
        assert_eq!(Version::parse("not a version"), None);
    }

    #[test]
    fn evaluates_specifier_sets() {
        let yes = |ver: &str, spec: &str| satisfies(&v(ver), spec).unwrap();
        assert!(yes("9.0.2", ">=8"));
        assert!(!yes("9.0.2", "<8"));
        assert!(yes("1.26.4", ">=1.26,<2"));
        assert!(!yes("2.1.0", ">=1.26,<2"));
        assert!(!yes("2.0.0rc1", "<2"), "a pre-release of the bound is excluded");
        assert!(yes("1.4.2", "~=1.4"));
        assert!(yes("1.4.2", "~=1.4.1") && !yes("1.5.0", "~=1.4.1"));
        assert!(yes("3.11.7", "==3.11.*") && !yes("3.12.0", "==3.11.*"));
        assert!(yes("1.0", "!=1.1") && yes("1.0", ""));
        assert_eq!(satisfies(&v("1.0"), ">=banana"), None);
    }

    #[test]
    fn finds_the_lower_bound_of_requires_python() {
        assert_eq!(lower_bound(">=3.12").as_deref(), Some("3.12"));
        assert_eq!(lower_bound(">=3.10.2,<4").as_deref(), Some("3.10"));
        assert_eq!(lower_bound("<4"), None);
    }

    #[test]
    fn tells_impossible_requires_python_apart() {
        for possible in
            [">=3.11", "<3.0", "<2", ">=3.12,<3.13", ">3.11,<3.12", "==3.11.*", "~=3.11.2", ">3.40", ">=4", ""]
        {
            assert!(is_satisfiable(possible), "{possible}");
        }
        assert!(is_satisfiable(">=3.11.4,!=3.11.5,<3.11.6"), "3.11.4");
        assert!(is_satisfiable(">2.7.18,<3"), "2.7.19 counts, being named plus a patch");
        assert!(is_satisfiable("==3.13.0rc1"), "a pre-release named exactly");
        for impossible in [">=3.12,<3.11", "<3.0,>=3.5", ">=3.12,<3.12", "==3.11.*,==3.12.*", ">3.11.2,<3.11.3"] {
            assert!(!is_satisfiable(impossible), "{impossible}");
        }
        assert!(is_satisfiable(">=banana,<3.11"), "unreadable: left to uv");
        assert!(is_satisfiable(">=3.12,<3.11,>=banana"), "unreadable: left to uv");
    }

    #[test]
    fn splits_requirements_into_name_and_specifiers() {
        assert_eq!(split_requirement("numpy>=1.26,<2"), Some(("numpy", ">=1.26,<2")));
        assert_eq!(split_requirement("httpx[http2] >= 0.27 ; python_version > '3'"), Some(("httpx", ">= 0.27")));
        assert_eq!(split_requirement("ideas-model"), Some(("ideas-model", "")));
        assert_eq!(split_requirement("pkg @ https://x/y.whl"), Some(("pkg", "")));
    }
}
