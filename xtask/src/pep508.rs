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
            out.extend(c.to_lowercase());
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
}
