//! Splitting projects into balanced shards for CI.
