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

/// Builds an error with a hint: `return Err(hinted("no such project `x`", "run `cargo xtask graph`"))`.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    Hinted {
        message: message.into(),
        hint: hint.into(),
    }
    .into()
}

/// The first hint found in an error's chain, if any.
pub fn hint_of(err: &anyhow::Error) -> Option<&str> {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<Hinted>())
        .map(|h| h.hint.as_str())
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
