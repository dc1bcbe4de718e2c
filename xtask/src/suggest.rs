//! "Did you mean ...?": the closest of a few known words to a misspelt one.
//!
//! The measure is the Levenshtein distance, ignoring case, and a suggestion is made only
//! when it is small for the word's length, as cargo and rustc do: a guess that far off
//! would mislead more than it helps.

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

/// Levenshtein distance between an already-lowercased `word` and `candidate`, ignoring case,
/// in one row of memory.
fn distance(word: &[char], candidate: &str) -> usize {
    let candidate: Vec<char> = candidate.chars().flat_map(char::to_lowercase).collect();
    let mut row: Vec<usize> = (0..=candidate.len()).collect();
    for (i, a) in word.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, b) in candidate.iter().enumerate() {
            let substitution = diagonal + usize::from(a != b);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[candidate.len()]
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
