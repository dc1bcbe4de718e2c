//! "Did you mean ...?": the closest of a few known words to a misspelt one.
//!
//! The measure is the edit distance (Levenshtein, with a swap of neighbours as one edit),
//! ignoring case, and a suggestion is made only when it is small for the word's length, as
//! cargo and rustc do: a guess that far off would mislead more than it helps.

/// The candidate closest to `word`, if it is within a third of `word`'s length (at least
/// one edit). On a tie, the first such candidate wins, so callers control the preference by
/// the order they give. An empty word has no suggestion.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    if word.is_empty() {
        return None;
    }
    let max = (word.len() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = distance(&word, candidate);
        if distance <= max && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Edit distance (optimal string alignment) between an already-lowercased `word` and `candidate`, ignoring case,
/// in one row of memory.
fn distance(word: &[char], candidate: &str) -> usize {
    // Optimal string alignment: Levenshtein, plus two swapped neighbours as one edit
    // (`tset` is one typo from `test`, as cargo counts it).
    let candidate: Vec<char> = candidate.chars().flat_map(char::to_lowercase).collect();
    let (n, m) = (word.len(), candidate.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=m).collect();
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(word[i - 1] != candidate[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && word[i - 1] == candidate[j - 2] && word[i - 2] == candidate[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(a: &str, b: &str) -> usize {
        distance(&a.chars().flat_map(char::to_lowercase).collect::<Vec<_>>(), b)
    }

    #[test]
    fn measures_levenshtein_distance_ignoring_case() {
        assert_eq!(dist("kitten", "sitting"), 3);
        assert_eq!(dist("tset", "test"), 1, "a swap of neighbours is one edit");
        assert_eq!(dist("", "abc"), 3);
        assert_eq!(dist("abc", ""), 3);
        assert_eq!(dist("member", "members"), 1);
        assert_eq!(dist("NumPy", "numpy"), 0);
        assert_eq!(dist("flaw", "lawn"), 2);
        assert_eq!(dist("größe", "GRÖSSE"), 2, "one substitution, one insertion");
    }

    #[test]
    fn suggests_the_closest_candidate_within_a_third_of_the_word() {
        let keys = ["members", "exclude", "python", "uv", "index-url", "extra-index-url"];
        assert_eq!(closest("member", keys), Some("members"));
        assert_eq!(closest("pyhton", keys), Some("python"), "a swap is two edits, and 6 / 3 = 2");
        assert_eq!(closest("Exclude", keys), Some("exclude"), "case does not count");
        assert_eq!(closest("extra-index-urls", keys), Some("extra-index-url"));
        assert_eq!(closest("index_url", keys), Some("index-url"));
        assert_eq!(closest("ux", keys), Some("uv"), "short words still allow one edit");
        assert_eq!(closest("layers", keys), None, "too far from everything");
        assert_eq!(closest("pithn", keys), None, "two edits is more than 5 / 3");
        assert_eq!(closest("", keys), None);
        assert_eq!(closest("member", []), None);
    }

    #[test]
    fn prefers_the_smallest_distance_then_the_first_candidate() {
        assert_eq!(closest("requets", ["requests-toolbelt", "requests"]), Some("requests"));
        assert_eq!(closest("numpi", ["numba", "numpy"]), Some("numpy"));
        assert_eq!(closest("ab", ["ac", "ad"]), Some("ac"), "a tie goes to the first");
        let owned = [String::from("fastapi"), String::from("flask")];
        assert_eq!(closest("fastpi", owned.iter().map(String::as_str)), Some("fastapi"));
    }
}
