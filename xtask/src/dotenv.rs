//! `.env` files: the one reader of a project's `KEY=VALUE` file, for `run`.
//!
//! The dialect is what python-dotenv, node's dotenv and direnv's `dotenv` agree on:
//! `KEY=VALUE` lines, an optional `export ` before the key, blank lines and `#` comments
//! (whole lines, or after an unquoted value and a space), spaces around `=` and a value
//! trimmed; `'single quotes'` taken literally, `"double quotes"` with the escapes `\n`,
//! `\r`, `\t`, `\"`, `\\` and `\$`; a quoted value may span lines. Values are taken as
//! written: no `$VAR` expansion (the dotenv libraries disagree on it, and a literal value
//! never surprises). A later line for the same key wins. Which values reach a command,
//! against the real environment, is the caller's choice (see `commands::run`).

/// A line of a `.env` file that is not `KEY=VALUE`.
pub type ParseError = crate::error::LineError;

/// The variables of a `.env` file's `text`, in the order they are first set, each with the
/// value of its last line.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, ParseError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut rest = text;
    let mut line = 1;
    while !rest.is_empty() {
        let Line { var, bytes, lines } = parse_line(rest, line)?;
        if let Some((key, value)) = var {
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some(existing) => existing.1 = value,
                None => out.push((key, value)),
            }
        }
        rest = &rest[bytes..];
        line += lines;
    }
    Ok(out)
}

/// One logical line of a file: a quoted value may span several.
struct Line {
    /// The variable it sets, if any (not a blank line or a comment).
    var: Option<(String, String)>,
    /// Its length, its newline included.
    bytes: usize,
    /// How many lines of the file it takes.
    lines: usize,
}

/// The logical line at the start of `text`; `line` is its number.
fn parse_line(text: &str, line: usize) -> Result<Line, ParseError> {
    let error = |message: String| ParseError { line, message };
    let end_of_line = text.find('\n').map_or(text.len(), |i| i + 1);
    let physical = text[..end_of_line].trim_end_matches(['\n', '\r']);
    let body = physical.trim_start();
    if body.is_empty() || body.starts_with('#') {
        return Ok(Line { var: None, bytes: end_of_line, lines: 1 });
    }
    let body = body.strip_prefix("export").filter(|b| b.starts_with([' ', '\t'])).map_or(body, str::trim_start);
    let key_len = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(body.len());
    let key = &body[..key_len];
    if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(error(format!("`{}` does not start with a variable name (KEY=VALUE)", body.trim_end())));
    }
    let Some(after_eq) = body[key_len..].trim_start_matches([' ', '\t']).strip_prefix('=') else {
        return Err(error(format!("expected `=` after `{key}` (KEY=VALUE)")));
    };
    let value_start = after_eq.trim_start_matches([' ', '\t']);
    // Where the value starts in `text` (every slice above is a suffix of this line): a quoted
    // value may run past the line.
    let offset = physical.len() - value_start.len();
    let quote = value_start.chars().next().filter(|c| *c == '\'' || *c == '"');
    let Some(quote) = quote else {
        // Unquoted: to the end of the line, without a comment (a `#` after a space), trimmed.
        let comment = after_eq.char_indices().find(|&(i, c)| c == '#' && after_eq[..i].ends_with([' ', '\t']));
        let value = comment.map_or(after_eq, |(i, _)| &after_eq[..i]);
        return Ok(Line { var: Some((key.to_owned(), value.trim().to_owned())), bytes: end_of_line, lines: 1 });
    };
    let quoted = &text[offset + 1..];
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    let close = loop {
        let Some((i, c)) = chars.next() else {
            return Err(error(format!("the value of `{key}` opens a {quote} quote that is never closed")));
        };
        match c {
            c if c == quote => break i,
            '\\' if quote == '"' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 'r')) => value.push('\r'),
                Some((_, 't')) => value.push('\t'),
                Some((_, c @ ('"' | '\\' | '$'))) => value.push(c),
                Some((_, c)) => {
                    value.push('\\');
                    value.push(c);
                }
                None => return Err(error(format!("the value of `{key}` opens a \" quote that is never closed"))),
            },
            c => value.push(c),
        }
    };
    let after = &quoted[close + 1..];
    let tail_end = after.find('\n').map_or(after.len(), |i| i + 1);
    let tail = after[..tail_end].trim();
    if !tail.is_empty() && !tail.starts_with('#') {
        return Err(error(format!("unexpected `{tail}` after the quoted value of `{key}`")));
    }
    let consumed = offset + 1 + close + 1 + tail_end;
    let lines = text[..consumed].matches('\n').count().max(1);
    Ok(Line { var: Some((key.to_owned(), value)), bytes: consumed, lines })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn reads_plain_exported_and_commented_lines() {
        let text = "# a comment\n\nA=1\nexport B=two words  \n  C = spaced # trailing comment\nD=\nE= # only a comment\nF=a#b\nG=#g\n";
        assert_eq!(
            vars(text),
            pairs(&[("A", "1"), ("B", "two words"), ("C", "spaced"), ("D", ""), ("E", ""), ("F", "a#b"), ("G", "#g")])
        );
        assert_eq!(vars("exported=1\n"), pairs(&[("exported", "1")]), "`export` only as a word of its own");
        assert_eq!(vars("X=1\r\nY=2"), pairs(&[("X", "1"), ("Y", "2")]), "CRLF, and no newline at the end");
    }

    #[test]
    fn reads_quoted_values() {
        let text =
            "S='it is $HOME \\n'\nD=\"a \\\"b\\\" \\n c\\\\ \\$x \\q\"\nM=\"line one\nline two\" # note\nAFTER=ok\n";
        assert_eq!(
            vars(text),
            pairs(&[
                ("S", "it is $HOME \\n"),
                ("D", "a \"b\" \n c\\ $x \\q"),
                ("M", "line one\nline two"),
                ("AFTER", "ok"),
            ])
        );
        assert_eq!(vars("Q='#not a comment'\n"), pairs(&[("Q", "#not a comment")]));
    }

    #[test]
    fn a_later_line_wins() {
        assert_eq!(vars("A=1\nB=2\nA=3\n"), pairs(&[("A", "3"), ("B", "2")]));
    }

    #[test]
    fn names_the_line_of_what_it_cannot_read() {
        let missing_eq = parse("A=1\n\nJUST_A_WORD\n").unwrap_err();
        assert_eq!(missing_eq.line, 3, "{missing_eq}");
        assert!(missing_eq.message.contains("expected `=` after `JUST_A_WORD`"), "{missing_eq}");
        let bad_key = parse("1X=2\n").unwrap_err();
        assert_eq!(bad_key.line, 1);
        let unclosed = parse("OK=1\nM=\"one\ntwo\n").unwrap_err();
        assert_eq!(unclosed.line, 2, "{unclosed}");
        assert!(unclosed.message.contains("never closed"), "{unclosed}");
        let after_multiline = parse("M='a\nb'\nbroken\n").unwrap_err();
        assert_eq!(after_multiline.line, 3, "lines inside a quoted value count: {after_multiline}");
        let junk = parse("A='x' y\n").unwrap_err();
        assert!(junk.message.contains("unexpected `y`"), "{junk}");
    }
}
