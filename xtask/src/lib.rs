//! The model of the monorepo and the machinery that turns it into work.
//!
//! `main.rs` parses the command line and dispatches to `commands/`; everything a command
//! needs is here, loaded once into a [`Workspace`]. The top-level `tests/` harness reuses it.

pub mod affected;
pub mod commands;
pub mod config;
pub mod conflict;
pub mod digest;
pub mod discover;
pub mod dotenv;
pub mod edit;
pub mod error;
pub mod exec;
pub mod flags;
pub mod fsutil;
pub mod glob;
pub mod graph;
pub mod infile;
pub mod inputs;
pub mod interrupt;
pub mod junit;
pub mod keys;
pub mod layers;
pub mod lock;
pub mod lockfile;
pub mod markers;
pub mod metadata;
pub mod paths;
pub mod pep440;
pub mod pep508;
pub mod progress;
pub mod pyproject;
pub mod pytest;
pub mod python;
pub mod reap;
pub mod remote;
pub mod repo_lock;
pub mod report;
pub mod results;
pub mod sched;
pub mod seed;
pub mod shape;
pub mod shard;
pub mod suggest;
pub mod ui;
pub mod uv;
pub mod venv;
pub mod verdict;
pub mod workspace;

pub use workspace::Workspace;
