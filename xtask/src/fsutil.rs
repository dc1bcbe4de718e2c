//! File helpers: reads with the path in the error, and atomic writes.

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

pub fn read(path: &Utf8Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))
}

/// Writes through a temp file in the same folder and a rename, so a reader (or a crash)
/// never sees half a file.
pub fn write_atomic(path: &Utf8Path, contents: &str) -> Result<()> {
    write_atomic_bytes(path, contents.as_bytes())
}

/// [`write_atomic`] for bytes that need not be UTF-8 (a lock put back exactly as it was).
pub fn write_atomic_bytes(path: &Utf8Path, contents: &[u8]) -> Result<()> {
    let tmp = temp_path(path);
    std::fs::write(&tmp, contents).with_context(|| format!("cannot write {tmp}"))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot rename {tmp} to {path}"))
}

/// A sibling path for a file being written; `.gitignore` ignores the suffix.
pub fn temp_path(path: &Utf8Path) -> Utf8PathBuf {
    let name = path.file_name().unwrap_or("file");
    path.with_file_name(format!(".{name}.{}.xtask-tmp", std::process::id()))
}

/// Writes `text` to `root/rel`, making its folders: unit tests build temp trees with it.
#[cfg(test)]
pub fn write_test_file(root: &Utf8Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a file in a folder")).unwrap();
    std::fs::write(path, text).unwrap();
}
