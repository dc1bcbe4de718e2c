//! PEP 508 requirements, as far as the tool reads them: the name a requirement starts with,
//! whether a line reads as one, and names compared after PEP 503 normalisation. uv parses
//! the rest.

/// PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` become one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
            in_separator = false;
        }
    }
    out
}

/// The distribution name a PEP 508 requirement starts with: `numpy>=1.26 ; ...` gives `numpy`.
pub fn requirement_name(req: &str) -> Option<&str> {
    let req = req.trim_start();
    let end = req.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(req.len());
    let name = &req[..end];
    is_valid_name(name).then_some(name)
}

/// Whether `req` reads as a PEP 508 requirement: a valid name, then nothing, or extras, a
/// version specifier, a marker or a URL. Not a full parser (uv is one), but enough to name a
/// `numpy 2` or a `-e ./x` in the file that holds it rather than fail in the resolver.
pub fn is_requirement(req: &str) -> bool {
    requirement_name(req).is_some_and(|name| {
        let rest = req.trim_start()[name.len()..].trim_start();
        rest.is_empty() || rest.starts_with(['[', '(', '<', '>', '=', '!', '~', ';', '@'])
    })
}

/// Why `req` is not a PEP 508 requirement, or `None` when it reads as one: a valid name,
/// extras in closed brackets, then a URL after `@` or version clauses (each an operator and
/// a version, `,`-separated, optionally in parentheses), then a marker after `;`. Not a
/// full parser (uv is one; markers are only checked to be complete), but every mistake
/// it finds would otherwise surface as a build backend's or resolver's failure, far from
/// the line that holds it.
pub fn requirement_error(req: &str) -> Option<String> {
    let req = req.trim();
    let Some(name) = requirement_name(req) else {
        return Some("it does not start with a package name".to_owned());
    };
    let mut rest = req[name.len()..].trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        let Some((inside, after)) = extras.split_once(']') else {
            return Some("the `[` of its extras is never closed".to_owned());
        };
        if let Some(bad) = inside.split(',').map(str::trim).find(|e| !e.is_empty() && !is_valid_name(e)) {
            return Some(format!("`{bad}` is not an extra's name"));
        }
        rest = after.trim_start();
    }
    let (spec, marker) = if let Some(url) = rest.strip_prefix('@') {
        let (url, marker) = match url.split_once(" ;") {
            Some((url, marker)) => (url.trim(), Some(marker)),
            None => (url.trim(), None),
        };
        if url.is_empty() {
            return Some("`@` is followed by no URL".to_owned());
        }
        if url.contains(char::is_whitespace) {
            return Some(format!("the URL `{url}` holds a space"));
        }
        ("", marker)
    } else {
        match rest.split_once(';') {
            Some((spec, marker)) => (spec.trim(), Some(marker)),
            None => (rest.trim(), None),
        }
    };
    if let Some(why) = versions_error(spec) {
        return Some(why);
    }
    marker.and_then(marker_error)
}

/// Why version clauses (`>=1.2, <2`, or in parentheses) are not, or `None`.
fn versions_error(spec: &str) -> Option<String> {
    if spec.is_empty() {
        return None;
    }
    let inner = match spec.strip_prefix('(') {
        Some(open) => match open.strip_suffix(')') {
            Some(inner) => inner,
            None => return Some("its `(` is never closed".to_owned()),
        },
        None => spec,
    };
    for clause in inner.split(',').map(str::trim) {
        if clause.is_empty() {
            return Some(format!("`{spec}` has an empty clause (a `,` too many)"));
        }
        let Some(op) = ["===", "==", "!=", "<=", ">=", "~=", "<", ">"].into_iter().find(|op| clause.starts_with(op))
        else {
            return Some(format!("`{clause}` is not a version clause (an operator, then a version: `>=1.2`)"));
        };
        let version = clause[op.len()..].trim();
        if version.is_empty() {
            return Some(format!("`{op}` is followed by no version"));
        }
        if version.contains(char::is_whitespace) {
            return Some(format!(
                "`{clause}` holds a space: one requirement per entry (`{}` and `{}`)",
                clause.split_whitespace().next().unwrap_or_default(),
                clause.split_whitespace().nth(1).unwrap_or_default()
            ));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '*' | '+' | '!' | '-' | '_');
        if let Some(bad) = version.chars().find(|&c| !allowed(c)) {
            return Some(format!("`{version}` is not a version (`{bad}`)"));
        }
    }
    None
}

/// Why a marker is incomplete (empty, a quote or a parenthesis left open, ending on an
/// operator), or `None`.
fn marker_error(marker: &str) -> Option<String> {
    let marker = marker.trim();
    if marker.is_empty() {
        return Some("`;` is followed by no marker".to_owned());
    }
    let mut quote = None;
    let mut depth = 0i32;
    for c in marker.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Some(format!("the marker `{marker}` closes a `)` it never opened"));
        }
    }
    if quote.is_some() {
        return Some(format!("the marker `{marker}` leaves a quote open"));
    }
    if depth != 0 {
        return Some(format!("the marker `{marker}` leaves a `(` open"));
    }
    let last = marker.split_whitespace().last().unwrap_or_default();
    let dangling = ["and", "or", "in", "not", "==", "!=", "<=", ">=", "<", ">", "~=", "==="];
    if dangling.contains(&last) || marker.ends_with(['<', '>', '=']) {
        return Some(format!("the marker `{marker}` ends on `{last}`, with nothing to compare"));
    }
    None
}

/// A valid project name (PEP 508): letters, digits, `-`, `_` and `.`, starting and ending
/// with a letter or digit.
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names_per_pep_503() {
        assert_eq!(normalize("Ideas_Model"), "ideas-model");
        assert_eq!(normalize("a.-_b"), "a-b");
        assert_eq!(normalize("numpy"), "numpy");
    }

    #[test]
    fn extracts_requirement_names() {
        assert_eq!(requirement_name("numpy>=1.26"), Some("numpy"));
        assert_eq!(requirement_name("ideas-model"), Some("ideas-model"));
        assert_eq!(requirement_name("httpx[http2] ; python_version >= '3.11'"), Some("httpx"));
        assert_eq!(requirement_name("pkg @ https://example.org/pkg.whl"), Some("pkg"));
        assert_eq!(requirement_name("Foo.Bar~=1.0"), Some("Foo.Bar"));
        assert_eq!(requirement_name(">=1.0"), None);
        assert_eq!(requirement_name(""), None);
    }

    #[test]
    fn finds_what_makes_a_requirement_unreadable() {
        for good in [
            "numpy",
            "numpy>=1.26",
            "numpy [x] ; python_version >= '3.12'",
            "tiny @ file:///w/t.whl",
            "a (>=1)",
            "a[]",
            "a==1.*",
            "a>=1,<2",
            "a ; (os_name == 'nt' or sys_platform == \"linux\") and python_version < \"3.12\"",
            "torch==2.1.0+cpu",
            "a===weird",
        ] {
            assert_eq!(requirement_error(good), None, "{good}");
        }
        let why = |req: &str| requirement_error(req).unwrap_or_else(|| panic!("{req} passes"));
        assert!(why("e2e-core[fast").contains("never closed"));
        assert!(why("a[fa st]").contains("not an extra's name"));
        assert!(why("tiny-a>=").contains("followed by no version"));
        assert!(why("tiny-a ; python_version >").contains("nothing to compare"));
        assert!(why("tiny-a @").contains("no URL"));
        assert!(why("tiny-a==1.0,").contains("a `,` too many"));
        assert!(why("tiny-a (>=1").contains("never closed"));
        assert!(why("tiny-a>=1.16 tiny-c").contains("one requirement per entry"));
        assert!(why("numpy 2").contains("not a version clause"));
        assert!(why("a ; os_name == 'nt").contains("quote open"));
        assert!(why("a ;").contains("no marker"));
        assert!(why(">=1").contains("package name"));
        assert!(why("a>=1;").contains("no marker"));
        assert!(why("a>=1.0$").contains("not a version"));
    }
}
