//! Events of a test run, and the reporters that show them.
