//! Catalogue rows: the config, `_meta/monorepo.toml`, and the pinned uv.

use super::table::{Case, check};

pub const CASES: &[Case] = &[];

#[test]
fn config_rows() {
    check(CASES);
}
