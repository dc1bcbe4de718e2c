//! File helpers: reads with the path in the error, atomic writes, paths resolved by text.

use std::collections::HashMap;

use anyhow::{Context, Result};
use camino::{Utf8Component, Utf8Path, Utf8PathBuf};

pub fn read(path: &Utf8Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))
}

/// Writes through a temp file in the same folder and a rename, so a reader (or a crash)
/// never sees half a file.
pub fn write_atomic(path: &Utf8Path, contents: &str) -> Result<()> {
    write_atomic_bytes(path, contents.as_bytes())
}

/// [`write_atomic`] for bytes that need not be UTF-8 (a lock put back exactly as it was).
/// On failure the temp file is removed, wherever it is: nothing is left behind.
pub fn write_atomic_bytes(path: &Utf8Path, contents: &[u8]) -> Result<()> {
    let tmp = temp_path(path);
    let written = std::fs::write(&tmp, contents).and_then(|()| std::fs::rename(&tmp, path));
    match written {
        Ok(()) => Ok(()),
        Err(err) => {
            let _ = std::fs::remove_file(&tmp);
            Err(write_error(path, err))
        }
    }
}

/// The error for a write of `path` that failed, with the fix where the user has one: the
/// path is a folder; permission denied (which folder, `chmod`, the owner); a read-only
/// file system.
pub fn write_error(path: &Utf8Path, err: std::io::Error) -> anyhow::Error {
    let dir = match path.parent().filter(|p| !p.as_str().is_empty()) {
        Some(dir) => dir.to_owned(),
        None => Utf8PathBuf::from("."),
    };
    let hint = if path.is_dir() {
        Some((
            format!("cannot write {path}: it is a folder"),
            format!("name a file instead (say {path}/<name>), or move the folder away"),
        ))
    } else {
        match err.kind() {
            std::io::ErrorKind::PermissionDenied => {
                Some((format!("cannot write {path}: permission denied"), permission_hint(&dir, path)))
            }
            std::io::ErrorKind::ReadOnlyFilesystem => Some((
                format!("cannot write {path}: the file system is read-only"),
                format!(
                    "run where {dir} is writable (a checkout mounted read-only can only be checked: `cargo xtask check`)"
                ),
            )),
            std::io::ErrorKind::NotFound if !dir.exists() => Some((
                format!("cannot write {path}: there is no folder {dir}"),
                format!("create it (`mkdir -p {dir}`)"),
            )),
            std::io::ErrorKind::NotADirectory => Some((
                format!("cannot write {path}: a part of {dir} is a file, not a folder"),
                format!("name a path under a folder, or move the file in the way ({dir} or above it)"),
            )),
            _ => None,
        }
    };
    match hint {
        Some((message, hint)) => anyhow::Error::new(err).context(crate::error::Hinted::new(message, hint)),
        None => anyhow::Error::new(err).context(format!("cannot write {path}")),
    }
}

/// The fix for permission denied on `path` in `dir`: who must be able to write where.
pub fn permission_hint(dir: &Utf8Path, path: &Utf8Path) -> String {
    format!(
        "make {dir} writable for this user (`chmod u+w {dir}`, and `chmod u+w {path}` if it exists); if another user made them (a run with sudo?), give them back: `ls -ld {dir} {path}` shows the owner, `sudo chown -R $USER {dir}` fixes it"
    )
}

/// A file a command was asked to write (`--junit FILE`, `-o FILE`), checked before any work:
/// a folder there, or a file where a folder above it should be, is an error naming `flag`.
pub fn check_file_path(path: &Utf8Path, flag: &str) -> Result<()> {
    if path.is_dir() {
        return Err(crate::error::hinted(
            format!("{flag} {path}: that is a folder, and what is written there is one file"),
            format!("name a file, say {flag} {}", path.join(path_file_hint(flag))),
        ));
    }
    if let Some(blocked) = path.ancestors().skip(1).find(|a| a.exists()).filter(|a| !a.is_dir()) {
        return Err(crate::error::hinted(
            format!("{flag} {path}: {blocked} is a file, so no folder can be made there"),
            format!("name a path whose folders are folders (not under {blocked})"),
        ));
    }
    Ok(())
}

fn path_file_hint(flag: &str) -> &'static str {
    if flag == "--junit" { "junit.xml" } else { "requirements.txt" }
}

/// `path` with `.` and `..` resolved by text (the folder may be a link: the user meant the
/// path as typed).
pub fn lexical(path: &Utf8Path) -> Utf8PathBuf {
    let mut out = Utf8PathBuf::new();
    for part in path.components() {
        match part {
            Utf8Component::CurDir => {}
            Utf8Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A sibling path for a file being written; `.gitignore` ignores the suffix.
pub fn temp_path(path: &Utf8Path) -> Utf8PathBuf {
    let name = path.file_name().unwrap_or("file");
    path.with_file_name(format!(".{name}.{}.xtask-tmp", std::process::id()))
}

/// Writes `text` to `root/rel`, making its folders: unit tests build temp trees with it.
/// Disk usage of trees, walked without following links, each file counted once however
/// many of its hard links are walked (as `du` counts). On Unix, blocks allocated; elsewhere
/// file lengths.
#[derive(Debug, Default)]
pub(crate) struct Usage {
    /// Per (device, inode) of a file or link: its link count, how many of its links were
    /// walked, its size.
    files: HashMap<(u64, u64), (u64, u64, u64)>,
    /// Folders, and files on platforms without inodes.
    other: u64,
}

impl Usage {
    /// The usage of the tree at `path` alone.
    pub(crate) fn of(path: &Utf8Path) -> Usage {
        let mut usage = Usage::default();
        usage.add(path);
        usage
    }

    /// Adds the tree at `path`; what cannot be read is not counted.
    pub(crate) fn add(&mut self, path: &Utf8Path) {
        let mut stack = vec![path.as_std_path().to_owned()];
        while let Some(path) = stack.pop() {
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            if meta.is_dir() {
                self.other += size_of(&meta);
                if let Ok(entries) = std::fs::read_dir(&path) {
                    stack.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
                }
                continue;
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt as _;
                let seen = self.files.entry((meta.dev(), meta.ino())).or_insert((meta.nlink(), 0, size_of(&meta)));
                seen.1 += 1;
            }
            #[cfg(not(unix))]
            {
                self.other += size_of(&meta);
            }
        }
    }

    pub(crate) fn merge(&mut self, other: Usage) {
        self.other += other.other;
        for (key, (links, seen, size)) in other.files {
            self.files.entry(key).or_insert((links, 0, size)).1 += seen;
        }
    }

    /// Every file once.
    pub(crate) fn total(&self) -> u64 {
        self.other + self.files.values().map(|&(_, _, size)| size).sum::<u64>()
    }

    /// What removing the trees frees: files whose every link is in them.
    pub(crate) fn freed(&self) -> u64 {
        self.other + self.files.values().filter(|(links, seen, _)| seen >= links).map(|&(_, _, size)| size).sum::<u64>()
    }
}

fn size_of(meta: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        meta.blocks() * 512
    }
    #[cfg(not(unix))]
    {
        meta.len()
    }
}

/// `512 B`, `1.5 KiB`, `12.3 MiB`, `2.0 GiB`.
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
pub fn write_test_file(root: &Utf8Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a file in a folder")).unwrap();
    std::fs::write(path, text).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12 * 1024 * 1024 + 300 * 1024), "12.3 MiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
        assert_eq!(human_bytes(5 * 1024u64.pow(5)), "5120.0 TiB");
    }

    #[test]
    fn a_write_that_fails_leaves_no_temp_file_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        std::fs::create_dir(root.join("report.xml")).unwrap();
        let err = write_atomic(&root.join("report.xml"), "<x/>").unwrap_err();
        assert!(format!("{err}").ends_with("report.xml: it is a folder"), "{err:#}");
        assert!(crate::error::hint_of(&err).is_some_and(|h| h.starts_with("name a file instead")), "{err:#}");
        let left: Vec<_> = std::fs::read_dir(root).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["report.xml"], "the temp file is gone");
        let err = write_atomic(&root.join("missing/report.xml"), "<x/>").unwrap_err();
        assert!(format!("{err}").contains("there is no folder"), "{err:#}");
        assert!(check_file_path(&root.join("report.xml"), "--junit").is_err());
        write_test_file(root, "file", "");
        let under = check_file_path(&root.join("file/sub/x.xml"), "-o").unwrap_err();
        assert!(format!("{under}").contains("file is a file, so no folder can be made there"), "{under:#}");
        assert!(check_file_path(&root.join("new/x.xml"), "-o").is_ok());
    }

    #[test]
    fn permission_denied_names_the_folder_and_the_fix() {
        let err = write_error(
            Utf8Path::new("/r/_meta/requirements/a.txt"),
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        );
        assert_eq!(err.to_string(), "cannot write /r/_meta/requirements/a.txt: permission denied");
        let hint = crate::error::hint_of(&err).unwrap();
        assert!(hint.starts_with("make /r/_meta/requirements writable for this user (`chmod u+w"), "{hint}");
        assert!(hint.contains("sudo chown -R $USER /r/_meta/requirements"), "{hint}");
    }

    #[cfg(unix)]
    #[test]
    fn counts_hard_links_once_and_frees_only_what_has_no_other_link() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        write_test_file(root, "venv/own.py", &"x".repeat(10_000));
        write_test_file(root, "cache/shared.py", &"y".repeat(20_000));
        std::fs::hard_link(root.join("cache/shared.py"), root.join("venv/shared.py")).unwrap();
        std::fs::hard_link(root.join("venv/own.py"), root.join("venv/own-again.py")).unwrap();
        std::os::unix::fs::symlink(root.join("cache"), root.join("venv/link")).unwrap();
        let usage = Usage::of(&root.join("venv"));
        let file = |rel: &str| size_of(&std::fs::symlink_metadata(root.join(rel)).unwrap());
        let link = file("venv/link");
        let folder = file("venv");
        assert_eq!(
            usage.total(),
            folder + file("venv/own.py") + file("venv/shared.py") + link,
            "the link not followed"
        );
        assert_eq!(usage.freed(), folder + file("venv/own.py") + link, "the cache still holds shared.py");
        let mut both = Usage::of(&root.join("venv"));
        both.merge(Usage::of(&root.join("cache")));
        assert_eq!(both.freed(), both.total(), "every link of shared.py is in the two trees");
    }
}
