//! `cargo xtask ci-matrix --shards N`: a GitHub Actions matrix of balanced shards.
