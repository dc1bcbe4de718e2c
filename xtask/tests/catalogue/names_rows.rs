//! Catalogue rows: names, local packages, path sources, hashes and requirement files.

use super::table::{Case, check};

pub const CASES: &[Case] = &[];

#[test]
fn names_rows() {
    check(CASES);
}
