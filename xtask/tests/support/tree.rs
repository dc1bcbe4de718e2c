//! A snapshot of a folder tree, to prove that a command wrote nothing: every file, folder and
//! link under a root (links not followed), with its kind and, for a file, the SHA-256 of its
//! content and whether it is read-only.
#![allow(dead_code)] // each test crate uses a different part of it

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File {
        sha256: String,
        readonly: bool,
    },
    /// A symlink and where it points (as written).
    Link(PathBuf),
    /// A socket, a FIFO, a device.
    Other,
}

/// Path (relative to the root, names as the OS gives them: not UTF-8 is fine) -> entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree(pub BTreeMap<PathBuf, Entry>);

impl Tree {
    /// Everything under `root`.
    pub fn of(root: &Path) -> Tree {
        let mut entries = BTreeMap::new();
        walk(root, Path::new(""), &mut entries);
        Tree(entries)
    }

    /// What differs from `before` to `self`: one line per path added, removed or changed,
    /// leaving out the paths `ignored` says may change.
    pub fn changes_since(&self, before: &Tree, ignored: impl Fn(&Path) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        for (path, entry) in &before.0 {
            match self.0.get(path) {
                None if !ignored(path) => out.push(format!("removed {}", path.display())),
                Some(now) if now != entry && !ignored(path) => {
                    out.push(format!("changed {}: {entry:?} -> {now:?}", path.display()))
                }
                _ => {}
            }
        }
        for path in self.0.keys() {
            if !before.0.contains_key(path) && !ignored(path) {
                out.push(format!("added {}", path.display()));
            }
        }
        out
    }
}

fn walk(root: &Path, rel: &Path, out: &mut BTreeMap<PathBuf, Entry>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else { return };
    for entry in entries.flatten() {
        let path = rel.join(entry.file_name());
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_symlink() {
            out.insert(path, Entry::Link(std::fs::read_link(entry.path()).unwrap_or_default()));
        } else if kind.is_dir() {
            out.insert(path.clone(), Entry::Dir);
            walk(root, &path, out);
        } else if kind.is_file() {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            let readonly = entry.metadata().is_ok_and(|m| m.permissions().readonly());
            out.insert(path, Entry::File { sha256: format!("{:x}", Sha256::digest(&bytes)), readonly });
        } else {
            out.insert(path, Entry::Other);
        }
    }
}
