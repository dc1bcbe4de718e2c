//! The fixed paths of the tool's files in a repository, relative to its root. They sit below
//! every module that names them (`pyproject` names the config in its errors, and `config`
//! reads pyproject tables), and `config` re-exports them. Also the one test of whether a
//! path written in a file is absolute ([`is_absolute_anywhere`]).

pub const CONFIG_PATH: &str = "_meta/monorepo.toml";
pub const REQUIREMENTS_DIR: &str = "_meta/requirements";
/// Where shared envs keep their venvs (git-ignored); members get a `.venv` link to theirs.
pub const VENVS_DIR: &str = "_meta/venvs";
/// Where the pinned uv is bootstrapped when PATH has no uv at that version (git-ignored).
pub const TOOLS_DIR: &str = "_meta/.tools";

/// Whether `path`, as written in a file, is absolute on some OS, whichever this one is: it
/// starts at a root (`/x`, `\x`, UNC `\\server\share` and `//server/share`) or names a
/// drive (`C:\x`, `C:/x`, and `C:x`, relative to drive C's current folder, not to anything
/// of the repository's). A repository's files are read on Linux, macOS and Windows alike,
/// and `Path::is_absolute` answers for this OS only (`C:/x` is relative on unix).
pub fn is_absolute_anywhere(path: &str) -> bool {
    let bytes = path.as_bytes();
    matches!(bytes.first(), Some(b'/' | b'\\'))
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
}

#[cfg(test)]
mod tests {
    use super::is_absolute_anywhere;

    #[test]
    fn drive_letters_and_unc_paths_are_absolute_on_every_os() {
        for absolute in
            ["/opt/x", "/", "\\x", "C:\\x", "C:/x", "c:/x", "C:", "D:x", "\\\\server\\share\\x", "//server/share"]
        {
            assert!(is_absolute_anywhere(absolute), "{absolute}");
        }
        for relative in ["x", "../x", "./x", "projects/a", "ab:/c", "1:/x", ":x", "", "é:/x", "x\\y"] {
            assert!(!is_absolute_anywhere(relative), "{relative}");
        }
    }
}
