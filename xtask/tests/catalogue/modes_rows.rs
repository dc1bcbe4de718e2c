//! Catalogue rows: CI modes (`--locked`, `--frozen`, `--offline`), runs at once, and state the xtask reads back (locks, stamps, reports).

use super::table::{Case, check};

pub const CASES: &[Case] = &[];

#[test]
fn modes_rows() {
    check(CASES);
}
