//! Errors the user can act on: a message, and a `hint:` naming the fix.
//!
//! Everything else is an `anyhow::Error` with context at each file and process boundary;
//! `main` prints the chain and, when one is attached anywhere in it, the hint.

use std::fmt;

/// An error whose fix is known. `main` prints `hint: ...` under the cause chain.
#[derive(Debug)]
pub struct Hinted {
    pub message: String,
    pub hint: String,
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

impl Hinted {
    /// For `err.context(Hinted::new(..))`: the hint stays findable through the context.
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Hinted {
        Hinted { message: message.into(), hint: hint.into() }
    }
}

/// Builds an error with a hint: `return Err(hinted("no such project `x`", "run `cargo xtask graph`"))`.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    Hinted::new(message, hint).into()
}

/// The outermost hint attached to an error, as its context or as a cause.
pub fn hint_of(err: &anyhow::Error) -> Option<&str> {
    let found = err.downcast_ref::<Hinted>().or_else(|| err.chain().find_map(|cause| cause.downcast_ref::<Hinted>()));
    found.map(|h| h.hint.as_str())
}

/// A command ran and its checks or tests failed: exit 1, the report is already printed.
#[derive(Debug)]
pub struct Failed;

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failed")
    }
}

impl std::error::Error for Failed {}

/// What a line-based file (a lock, a `.env`) cannot be read at: its line, 1-based, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LineError {}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn finds_a_hint_given_as_error_or_as_context() {
        let plain = hinted("bad", "fix it");
        assert_eq!(hint_of(&plain), Some("fix it"));
        let as_context = anyhow::anyhow!("low-level").context(Hinted::new("high-level", "do this")).context("outer");
        assert_eq!(hint_of(&as_context), Some("do this"));
        let wrapped = Err::<(), _>(hinted("inner", "inner hint")).context("outer").unwrap_err();
        assert_eq!(hint_of(&wrapped), Some("inner hint"));
        assert_eq!(hint_of(&anyhow::anyhow!("none")), None);
    }
}

/// A child ran with the terminal attached and exited with this code, which the xtask exits
/// with too (`cargo xtask test web -- --pdb` exits as pytest did).
#[derive(Debug)]
pub struct ExitCode(pub i32);

impl fmt::Display for ExitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exited with code {}", self.0)
    }
}

impl std::error::Error for ExitCode {}
