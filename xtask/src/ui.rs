//! Output: data on stdout, messages on stderr; one status line per step, cargo-style, with
//! no colour (readable in any log). Test runs have their own reporters (`report/`).
//!
//! Every write goes through here and ignores a closed pipe (`cargo xtask check | head -1`):
//! the reader has seen what it wanted, and the command still finishes what it started
//! (a lock put back, a child stopped) instead of dying half-way.

use std::io::Write as _;
use std::time::Duration;

/// `    Locked base in 0.41s` on stderr.
pub fn status(verb: &str, message: &str) {
    err(&format!("{verb:>12} {message}\n"));
}

/// Text on stdout, in one write.
pub fn out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Text on stderr, in one write.
pub fn err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `1 env`, `4 envs`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

pub fn elapsed(d: Duration) -> String {
    if d < Duration::from_secs(1) { format!("{}ms", d.as_millis()) } else { format!("{:.2}s", d.as_secs_f64()) }
}

/// A plain-text table: numeric columns right-aligned, the others left-aligned.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let numeric: Vec<bool> = (0..header.len())
        .map(|col| rows.iter().filter_map(|r| r.get(col)).filter(|c| !c.is_empty()).all(|c| c.parse::<f64>().is_ok()))
        .collect();
    let width = |col: usize| {
        rows.iter().map(|r| r.get(col).map_or(0, |c| c.chars().count())).chain([header[col].len()]).max().unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                s.push_str("  ");
            }
            if numeric[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad));
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out += &line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let t = table(&["project", "passed"], &[vec!["model".into(), "12".into()], vec!["web".into(), "3".into()]]);
        assert_eq!(t, "project  passed\nmodel        12\nweb           3\n");
    }

    #[test]
    fn counts_with_the_right_plural() {
        assert_eq!(
            (count(1, "env"), count(0, "finding"), count(4, "project")),
            ("1 env".into(), "0 findings".into(), "4 projects".into())
        );
    }

    #[test]
    fn formats_durations() {
        assert_eq!(elapsed(Duration::from_millis(85)), "85ms");
        assert_eq!(elapsed(Duration::from_millis(1234)), "1.23s");
    }
}
