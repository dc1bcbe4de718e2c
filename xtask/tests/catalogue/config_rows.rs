//! Catalogue rows: the config, `_meta/monorepo.toml`, and the pinned uv.
//!
//! The sample config's lines: 1 `[monorepo]`, 2 members, 3 python, 4 uv, 5 no-index,
//! 6 find-links, 7 (empty), 8 `[layers.extra]`. A key added "before no-index" is on line 5.
//! Rows with a broken uv put it in a private `_meta/.tools` folder (never the folder every
//! test shares); the tests after the table check what the rows cannot: that a broken uv is
//! replaced, and that doctor leaves it as it is.

use std::os::unix::fs::PermissionsExt;

use super::support::{Repo, wheelhouse};
use super::table::{Case, check};

const CONFIG: &str = "_meta/monorepo.toml";

/// Replaces `from` with `to` in the config.
fn edit(repo: &Repo, from: &str, to: &str) {
    repo.edit(CONFIG, from, to);
}

/// Adds `lines` to `[monorepo]` before `no-index` (its first line is line 5).
fn add(repo: &Repo, lines: &str) {
    edit(repo, "no-index = true\n", &format!("{lines}\nno-index = true\n"));
}

/// The sample's `find-links` line (the tests' wheelhouse).
fn find_links_line(repo: &Repo) -> String {
    repo.read(CONFIG).lines().find(|l| l.starts_with("find-links")).unwrap().to_owned()
}

/// Replaces the sample's `find-links` line with `line`.
fn find_links(repo: &Repo, line: &str) {
    let old = find_links_line(repo);
    edit(repo, &old, line);
}

/// A private `_meta/.tools` (instead of the link to the folder every test shares) whose uv
/// 0.13.9 is `script`, with `mode`.
fn private_uv(repo: &Repo, script: &str, mode: u32) {
    std::fs::remove_file(repo.path("_meta/.tools")).unwrap();
    let uv = repo.path("_meta/.tools/uv-0.13.9/bin/uv");
    std::fs::create_dir_all(uv.parent().unwrap()).unwrap();
    std::fs::write(&uv, script).unwrap();
    std::fs::set_permissions(&uv, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A uv that answers `--version` as the pinned one and fails at everything else.
const VERSION_ONLY: &str = "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'uv 0.13.9'; exit 0; fi\nexit 3\n";

/// A local HTTP server answering 404 to every request, for the rest of the test process;
/// its base URL.
fn not_found_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 8192];
            let _ = std::io::Read::read(&mut stream, &mut request);
            let answer = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            let _ = std::io::Write::write_all(&mut stream, answer);
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// A local port nothing listens on (bound, then let go).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub const CASES: &[Case] = &[
    Case {
        name: "remote cache that is not a URL",
        setup: |r| add(r, "remote-cache = \"cache.example.com\""),
        args: &["graph"],
        code: 2,
        needles: &[
            "`monorepo.remote-cache` is `cache.example.com`, not a URL: it has no scheme",
            "hint: write the URL of an HTTP cache server",
        ],
    },
    Case {
        name: "remote cache as a file URL",
        setup: |r| add(r, "remote-cache = \"file:///srv/cache\""),
        args: &["graph"],
        code: 2,
        needles: &["a `file` URL: the remote cache is an HTTP server"],
    },
    Case {
        name: "remote cache over ftp",
        setup: |r| add(r, "remote-cache = \"ftp://cache.example.com/team\""),
        args: &["test-all"],
        code: 2,
        needles: &["a `ftp` URL: the remote cache is an HTTP server"],
    },
    // ---- uv: an exact version, X.Y.Z
    Case {
        name: "uv pinned as latest",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = \"latest\""),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.uv` is `latest`, not a version (line 4)",
            "hint: pin the exact uv release the xtask bootstraps into _meta/.tools/, like uv = \"0.13.9\"",
        ],
    },
    Case {
        name: "uv pinned without its patch number",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = \"0.13\""),
        args: &["setup-envs"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.uv` is `0.13`, not an exact version: uv is pinned as major.minor.patch (line 4)",
            "like uv = \"0.13.9\"",
        ],
    },
    Case {
        name: "uv pinned with four numbers",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = \"0.13.9.1\""),
        args: &["lock"],
        code: 2,
        needles: &["`monorepo.uv` is `0.13.9.1`, not an exact version: uv is pinned as major.minor.patch (line 4)"],
    },
    Case {
        name: "uv pinned as a range",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = \">=0.13.9\""),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.uv` is `>=0.13.9`, a range, not the exact version the xtask bootstraps (line 4)"],
    },
    Case {
        name: "uv pinned with a v",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = \"v0.12.1\""),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.uv` is `v0.12.1`, a version written with a `v`, which PyPI's uv releases do not have (line 4)",
            "hint: pin the exact uv release the xtask bootstraps into _meta/.tools/, like uv = \"0.12.1\"",
        ],
    },
    Case {
        name: "uv pinned as an empty string",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = \"\""),
        args: &["graph"],
        code: 2,
        needles: &["error: _meta/monorepo.toml: `monorepo.uv` is ``, empty (line 4)"],
    },
    Case {
        name: "uv pinned with a trailing space",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = \"0.13.9 \""),
        args: &["status"],
        code: 2,
        needles: &["`monorepo.uv` is `0.13.9 `, with spaces around it (line 4)"],
    },
    Case {
        name: "uv pinned as a number",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = 0.13"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.uv` must be a string, not floating point `0.13` (line 4)",
            "hint: write it as uv = \"...\"",
        ],
    },
    Case {
        name: "uv pinned as an array",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = [\"0.13.9\"]"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.uv` must be a string, not an array (line 4)"],
    },
    Case {
        name: "uv not pinned",
        setup: |r| edit(r, "uv = \"0.13.9\"\n", ""),
        args: &["check"],
        code: 2,
        needles: &["error: _meta/monorepo.toml: monorepo.uv is missing", "hint: add uv = \"0.13.9\" under [monorepo]"],
    },
    Case {
        name: "uv pinned at a version the index does not have",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = \"0.0.1\""),
        args: &["lock"],
        code: 2,
        needles: &[
            "error: cannot bootstrap uv 0.0.1: uv 0.0.1 does not exist on the index (no-index; find-links ",
            "; the newest there: 0.13.9",
            "hint: set `uv` in _meta/monorepo.toml to a version that exists, like uv = \"0.13.9\"",
        ],
    },
    Case {
        name: "offline bootstrap from find-links without a uv wheel",
        setup: |r| {
            edit(r, "uv = \"0.13.9\"", "uv = \"0.13.8\"");
            let pytest = std::fs::read_dir(wheelhouse())
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("pytest-"))
                .unwrap();
            std::fs::create_dir_all(r.path("wheels")).unwrap();
            std::fs::copy(&pytest, r.path("wheels").join(pytest.file_name().unwrap())).unwrap();
            find_links(r, "find-links = [\"wheels\"]");
        },
        args: &["lock"],
        code: 2,
        needles: &[
            "error: cannot bootstrap uv 0.13.8: the index has no uv at all (no-index; find-links wheels)",
            "hint: put uv 0.13.8's wheel in a find-links folder (`pip download uv==0.13.8 -d DIR`)",
        ],
    },
    // ---- python: a version, the path of an interpreter, or its name on PATH
    Case {
        name: "python is latest",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"latest\""),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.python` is `latest`, neither a version (3.11), the path of an interpreter, nor its name on PATH (python3.11) (line 3)",
            "hint: write a version (python = \"3.11\"), the path of an interpreter (python = \"/usr/bin/python3.11\") or its name on PATH (python = \"python3.11\")",
        ],
    },
    Case {
        name: "python is a major version alone",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"3\""),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.python` is `3`, not a version of the form major.minor (3.11) or major.minor.patch (3.11.7) (line 3)",
        ],
    },
    Case {
        name: "python is a wildcard version",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"3.11.*\""),
        args: &["setup-envs"],
        code: 2,
        needles: &["`monorepo.python` is `3.11.*`, not a version of the form major.minor (3.11)"],
    },
    Case {
        name: "python is a range",
        setup: |r| edit(r, "python = \"3.11\"", "python = \">=3.11\""),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.python` is `>=3.11`, a range, not a version: a range belongs in a project's requires-python (line 3)",
        ],
    },
    Case {
        name: "python is Python 2",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"2.7\""),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.python` is `2.7`, Python 2.7, which uv cannot make a venv for (it needs Python 3) (line 3)",
        ],
    },
    Case {
        name: "python is an empty string",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"\""),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.python` is ``, empty (line 3)"],
    },
    Case {
        name: "python is a name with a space",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"python 3.11\""),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.python` is `python 3.11`, neither a version (3.11)"],
    },
    Case {
        name: "python is a free-threaded build's version",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"3.13t\""),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.python` is `3.13t`, not a version of the form major.minor (3.11)"],
    },
    Case {
        name: "python is an integer",
        setup: |r| edit(r, "python = \"3.11\"", "python = 3"),
        args: &["check"],
        code: 2,
        needles: &["error: _meta/monorepo.toml: `monorepo.python` must be a string, not integer `3` (line 3)"],
    },
    Case {
        name: "python is an absolute path with nothing there",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"/nowhere/bin/python3.12\""),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.python` is `/nowhere/bin/python3.12`, the path of an interpreter, but there is no file there (line 3)",
            "hint: install that interpreter there, or ask for a version instead: python = \"3.12\"",
        ],
    },
    Case {
        name: "python is a relative path with nothing there",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"tools/python3.11\""),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.python` is `tools/python3.11`, the path of an interpreter, but ",
            "/tools/python3.11 does not exist (line 3)",
            "(a relative path is relative to the repository root)",
        ],
    },
    Case {
        name: "python is the path of a folder",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"./projects\""),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.python` is `./projects`, the path of an interpreter, but ",
            "/projects is a folder (line 3)",
        ],
    },
    Case {
        name: "python is the name of an interpreter this machine lacks",
        setup: |r| edit(r, "python = \"3.11\"", "python = \"python3.99\""),
        args: &["setup-envs"],
        code: 2,
        needles: &[
            "no interpreter `python3.99` found on PATH",
            "hint: install Python 3.99 (for example `pyenv install 3.99`) so that `python3.99` is on PATH",
        ],
    },
    // ---- index-url and extra-index-url: URLs (http, https, file)
    Case {
        name: "index-url that is not a URL",
        setup: |r| edit(r, "no-index = true\n", "index-url = \"not a url\"\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.index-url` is `not a url`, not a URL: it has no scheme (https://) (line 5)",
            "hint: write the URL of a package index (http, https or file), like index-url = \"https://pypi.org/simple\"",
        ],
    },
    Case {
        name: "index-url without its scheme",
        setup: |r| edit(r, "no-index = true\n", "index-url = \"pypi.example.org/simple\"\n"),
        args: &["lock"],
        code: 2,
        needles: &[
            "`monorepo.index-url` is `pypi.example.org/simple`, not a URL: it has no scheme (https://) (line 5)",
        ],
    },
    Case {
        name: "index-url with a scheme uv does not read",
        setup: |r| edit(r, "no-index = true\n", "index-url = \"ftp://mirror.example.org/simple\"\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.index-url` is `ftp://mirror.example.org/simple`, a URL with the scheme `ftp`, which uv does not read (http, https or file) (line 5)",
        ],
    },
    Case {
        name: "index-url without a host",
        setup: |r| edit(r, "no-index = true\n", "index-url = \"https:///simple\"\n"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.index-url` is `https:///simple`, a URL without a host (line 5)"],
    },
    Case {
        name: "index-url with a space",
        setup: |r| edit(r, "no-index = true\n", "index-url = \"https://pypi.example.org/my simple\"\n"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.index-url` is `https://pypi.example.org/my simple`, not a URL: it has spaces (line 5)"],
    },
    Case {
        name: "index-url empty",
        setup: |r| edit(r, "no-index = true\n", "index-url = \"\"\n"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.index-url` is ``, empty (line 5)"],
    },
    Case {
        name: "index-url as an array",
        setup: |r| edit(r, "no-index = true\n", "index-url = [\"https://pypi.org/simple\"]\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.index-url` must be a string, not an array (line 5)",
            "hint: write it as index-url = \"...\"",
        ],
    },
    Case {
        name: "index-url beside no-index",
        setup: |r| add(r, "index-url = \"https://pypi.example.org/simple\""),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.index-url` is set, but `no-index = true` turns every index off (line 5)",
            "hint: remove `index-url` to install from the find-links folders only, or remove `no-index = true` to use the index",
        ],
    },
    Case {
        name: "extra-index-url beside no-index",
        setup: |r| add(r, "extra-index-url = [\"https://download.example.org/whl/cpu\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.extra-index-url` is set, but `no-index = true` turns every index off (line 5)",
            "hint: remove `extra-index-url` to install from the find-links folders only",
        ],
    },
    Case {
        name: "extra-index-url entry that is not a URL",
        setup: |r| {
            edit(
                r,
                "no-index = true\n",
                "extra-index-url = [\n  \"https://a.example.org/simple\",\n  \"b.example.org\",\n]\n",
            )
        },
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.extra-index-url` entry `b.example.org` is not a URL: it has no scheme (https://) (line 7)",
            "like extra-index-url = [\"https://download.pytorch.org/whl/cpu\"]",
        ],
    },
    Case {
        name: "extra-index-url listed twice",
        setup: |r| {
            edit(
                r,
                "no-index = true\n",
                "extra-index-url = [\n  \"https://a.example.org/simple\",\n  \"https://a.example.org/simple\",\n]\n",
            )
        },
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.extra-index-url` lists `https://a.example.org/simple` twice (lines 6 and 7)",
            "hint: remove one of them from `extra-index-url` in _meta/monorepo.toml",
        ],
    },
    Case {
        name: "extra-index-url as a string",
        setup: |r| edit(r, "no-index = true\n", "extra-index-url = \"https://a.example.org/simple\"\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.extra-index-url` must be an array of strings, not string \"https://a.example.org/simple\" (line 5)",
        ],
    },
    // ---- find-links: URLs, or folders that exist
    Case {
        name: "find-links folder that does not exist",
        setup: |r| find_links(r, "find-links = [\"wheels\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.find-links` entry `wheels` is not a folder: ",
            "/wheels does not exist (line 6)",
            "hint: create the folder and put the wheels there, or fix the entry: a folder is relative to the repository root (",
        ],
    },
    Case {
        name: "find-links absolute folder that does not exist",
        setup: |r| find_links(r, "find-links = [\"/nowhere/wheels\"]"),
        args: &["setup-envs"],
        code: 2,
        needles: &[
            "`monorepo.find-links` entry `/nowhere/wheels` is not a folder: /nowhere/wheels does not exist (line 6)",
        ],
    },
    Case {
        name: "find-links file URL to a folder that does not exist",
        setup: |r| find_links(r, "find-links = [\"file:///nowhere/wheels\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.find-links` entry `file:///nowhere/wheels` is not a folder: /nowhere/wheels does not exist (line 6)",
        ],
    },
    Case {
        name: "find-links that names a file",
        setup: |r| find_links(r, "find-links = [\"_meta/requirements/base.in\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.find-links` entry `_meta/requirements/base.in` is a file (",
            "/_meta/requirements/base.in), not a folder of wheels (line 6)",
        ],
    },
    Case {
        name: "find-links URL with a scheme uv does not read",
        setup: |r| find_links(r, "find-links = [\"ftp://files.example.org/wheels/\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.find-links` entry `ftp://files.example.org/wheels/` is a URL with the scheme `ftp`, which uv does not read (http, https or file) (line 6)",
            "hint: write a folder of wheels (relative to the repository root, or absolute) or a URL (http, https or file)",
        ],
    },
    Case {
        name: "find-links URL without a host",
        setup: |r| find_links(r, "find-links = [\"https://\"]"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.find-links` entry `https://` is a URL without a host (line 6)"],
    },
    Case {
        name: "find-links empty entry",
        setup: |r| {
            let line = find_links_line(r);
            find_links(r, &line.replace(']', ", \"\"]"));
        },
        args: &["check"],
        code: 2,
        needles: &["error: _meta/monorepo.toml: `monorepo.find-links` entry `` is empty (line 6)"],
    },
    Case {
        name: "find-links folder listed twice",
        setup: |r| {
            let line = find_links_line(r);
            let folder = line.trim_start_matches("find-links = [").trim_end_matches(']').to_owned();
            find_links(r, &format!("find-links = [{folder}, {folder}]"));
        },
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.find-links` lists `",
            "` twice (line 6)",
            "hint: remove one of them from `find-links`",
        ],
    },
    Case {
        name: "find-links as a string",
        setup: |r| find_links(r, "find-links = \"wheels\""),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.find-links` must be an array of strings, not string \"wheels\" (line 6)",
            "hint: write it as find-links = [\"...\"]",
        ],
    },
    // ---- exclude-newer: a date or an RFC 3339 timestamp
    Case {
        name: "exclude-newer a day the month does not have",
        setup: |r| add(r, "exclude-newer = \"2026-02-30\""),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.exclude-newer` is `2026-02-30`, neither an RFC 3339 timestamp nor a date (line 5)",
        ],
    },
    Case {
        name: "exclude-newer a timestamp without its zone",
        setup: |r| add(r, "exclude-newer = \"2026-11-01T00:00:00\""),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.exclude-newer` is `2026-11-01T00:00:00`, neither an RFC 3339 timestamp nor a date (line 5)",
        ],
    },
    Case {
        name: "exclude-newer a word",
        setup: |r| add(r, "exclude-newer = \"yesterday\""),
        args: &["lock"],
        code: 2,
        needles: &[
            "`monorepo.exclude-newer` is `yesterday`, neither an RFC 3339 timestamp nor a date (line 5)",
            "hint: in _meta/monorepo.toml, write a date (exclude-newer = \"2026-11-01\") or a UTC timestamp",
        ],
    },
    Case {
        name: "exclude-newer an hour past 23",
        setup: |r| add(r, "exclude-newer = \"2026-11-01T24:00:00Z\""),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.exclude-newer` is `2026-11-01T24:00:00Z`, neither an RFC 3339 timestamp nor a date (line 5)",
        ],
    },
    Case {
        name: "exclude-newer empty",
        setup: |r| add(r, "exclude-newer = \"\""),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.exclude-newer` is ``, neither an RFC 3339 timestamp nor a date (line 5)"],
    },
    // ---- members and exclude
    Case {
        name: "members glob listed twice",
        setup: |r| edit(r, "members = [\"projects/*\"]", "members = [\"projects/*\", \"projects/*\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.members` lists `projects/*` twice (line 2)",
            "hint: remove one of them from `members` in _meta/monorepo.toml",
        ],
    },
    Case {
        name: "members empty entry",
        setup: |r| edit(r, "members = [\"projects/*\"]", "members = [\"projects/*\", \"\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.members` entry `` is empty (line 2)",
            "hint: remove it, or write a glob of member folders, e.g. \"projects/*\"",
        ],
    },
    Case {
        name: "members as an integer",
        setup: |r| edit(r, "members = [\"projects/*\"]", "members = 4"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.members` must be an array of strings, not integer `4` (line 2)"],
    },
    Case {
        name: "members as an empty list",
        setup: |r| edit(r, "members = [\"projects/*\"]", "members = []"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: monorepo.members is empty",
            "hint: list the member folders, e.g. members = [\"projects/*\"]",
        ],
    },
    Case {
        name: "exclude empty entry",
        setup: |r| add(r, "exclude = [\"\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.exclude` entry `` is empty (line 5)",
            "hint: remove it, or write a glob of folders to leave out",
        ],
    },
    Case {
        name: "exclude folder listed twice",
        setup: |r| add(r, "exclude = [\"projects/solo\",\n  \"projects/solo\"]"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.exclude` lists `projects/solo` twice (lines 5 and 6)"],
    },
    Case {
        name: "exclude as a string",
        setup: |r| add(r, "exclude = \"projects/solo\""),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.exclude` must be an array of strings, not string \"projects/solo\" (line 5)"],
    },
    // ---- default-groups and env-inputs
    Case {
        name: "default-groups as a string",
        setup: |r| add(r, "default-groups = \"dev\""),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.default-groups` must be an array of strings, not string \"dev\" (line 5)",
            "hint: write it as default-groups = [\"...\"]",
        ],
    },
    Case {
        name: "default-groups group listed twice",
        setup: |r| add(r, "default-groups = [\"dev\", \"dev\"]"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.default-groups` lists `dev` twice (line 5)"],
    },
    Case {
        name: "default-groups name that is no group name",
        setup: |r| add(r, "default-groups = [\"dev tools\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.default-groups` entry `dev tools` is not a valid group name (line 5)",
            "hint: a dependency group's name is letters, digits, `-`, `_` and `.`",
        ],
    },
    Case {
        name: "default-groups empty entry",
        setup: |r| add(r, "default-groups = [\"\"]"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.default-groups` entry `` is empty (line 5)"],
    },
    Case {
        name: "env-inputs name with a space",
        setup: |r| add(r, "env-inputs = [\"NO DOCKER\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `monorepo.env-inputs` entry `NO DOCKER` is not the name of an environment variable (letters, digits and `_`, not starting with a digit) (line 5)",
            "hint: list variable names (\"NO_DOCKER\") or prefixes ending in `*` (\"APP_*\")",
        ],
    },
    Case {
        name: "env-inputs every variable",
        setup: |r| add(r, "env-inputs = [\"*\"]"),
        args: &["check"],
        code: 2,
        needles: &[
            "`monorepo.env-inputs` entry `*` is every variable: any change to the environment would rerun every suite (line 5)",
        ],
    },
    Case {
        name: "env-inputs star inside a name",
        setup: |r| add(r, "env-inputs = [\"APP_*_MODE\"]"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.env-inputs` entry `APP_*_MODE` is a pattern with a `*` that is not at its end (line 5)"],
    },
    Case {
        name: "env-inputs name starting with a digit",
        setup: |r| add(r, "env-inputs = [\"2FA_TOKEN\"]"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.env-inputs` entry `2FA_TOKEN` is not the name of an environment variable"],
    },
    Case {
        name: "env-inputs variable listed twice",
        setup: |r| add(r, "env-inputs = [\"CI\", \"CI\"]"),
        args: &["check"],
        code: 2,
        needles: &["`monorepo.env-inputs` lists `CI` twice (line 5)"],
    },
    // ---- layers
    Case {
        name: "layer extends a misspelt layer",
        setup: |r| {
            r.write("_meta/requirements/gpu.in", "tiny-c\n");
            r.append(CONFIG, "\n[layers.gpu]\nextends = [\"extr\"]\n");
        },
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: layer `gpu` extends unknown layer `extr` (line 11)",
            "hint: did you mean `extra`? declare [layers.extr] or remove it; known layers: base, extra, gpu",
        ],
    },
    Case {
        name: "layer extends a layer twice",
        setup: |r| {
            r.write("_meta/requirements/gpu.in", "tiny-c\n");
            r.append(CONFIG, "\n[layers.gpu]\nextends = [\"extra\", \"extra\"]\n");
        },
        args: &["check"],
        code: 2,
        needles: &["error: _meta/monorepo.toml: `layers.gpu.extends` lists `extra` twice (line 11)"],
    },
    Case {
        name: "layers in a cycle of three",
        setup: |r| {
            for layer in ["a", "b"] {
                r.write(&format!("_meta/requirements/{layer}.in"), "tiny-c\n");
            }
            r.append(
                CONFIG,
                "extends = [\"b\"]\n\n[layers.a]\nextends = [\"extra\"]\n\n[layers.b]\nextends = [\"a\"]\n",
            );
        },
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: the layers extend each other in a cycle: a -> extra -> b -> a (line 12)",
            "hint: remove one of these `extends`",
        ],
    },
    Case {
        name: "layer name with a space",
        setup: |r| r.append(CONFIG, "\n[layers.\"gpu tools\"]\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: [layers.\"gpu tools\"]: `gpu tools` is not a valid layer name (line 10)",
            "hint: a layer is named after its file, _meta/requirements/NAME.in",
        ],
    },
    Case {
        name: "layer name that is a path",
        setup: |r| r.append(CONFIG, "\n[layers.\"../gpu\"]\n"),
        args: &["check"],
        code: 2,
        needles: &["[layers.\"../gpu\"]: `../gpu` is not a valid layer name (line 10)"],
    },
    Case {
        name: "two layers whose names differ only in case",
        setup: |r| {
            r.write("_meta/requirements/Extra.in", "tiny-c\n");
            r.append(CONFIG, "\n[layers.Extra]\n");
        },
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: layers `Extra` and `extra` differ only in case (line 8)",
            "hint: rename one: _meta/requirements/Extra.in and _meta/requirements/extra.in are one file on macOS and Windows",
        ],
    },
    Case {
        name: "base layer declared in another case",
        setup: |r| r.append(CONFIG, "\n[layers.Base]\n"),
        args: &["check"],
        code: 2,
        needles: &["error: _meta/monorepo.toml: layers `base` and `Base` differ only in case (line 10)"],
    },
    Case {
        name: "layer declared twice",
        setup: |r| r.append(CONFIG, "\n[layers.extra]\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml is not valid TOML",
            "line 10",
            "hint: fix the syntax of _meta/monorepo.toml at the line shown",
        ],
    },
    Case {
        name: "layer extends as a string",
        setup: |r| r.append(CONFIG, "extends = \"base\"\n"),
        args: &["check"],
        code: 2,
        needles: &["`layers.extra.extends` must be an array of strings, not string \"base\" (line 9)"],
    },
    // ---- [member."DIR"]
    Case {
        name: "member table python latest",
        setup: |r| r.append(CONFIG, "\n[member.\"projects/core\"]\npython = \"latest\"\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `member.\"projects/core\".python` is `latest`, neither a version (3.11), the path of an interpreter, nor its name on PATH (python3.11) (line 11)",
        ],
    },
    Case {
        name: "member table python path with nothing there",
        setup: |r| r.append(CONFIG, "\n[member.\"projects/core\"]\npython = \"/nowhere/python3.12\"\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "`member.\"projects/core\".python` is `/nowhere/python3.12`, the path of an interpreter, but there is no file there (line 11)",
            "hint: install that interpreter there, or ask for a version instead: python = \"3.12\"",
        ],
    },
    Case {
        name: "member table env-inputs that is no variable",
        setup: |r| r.append(CONFIG, "\n[member.\"projects/core\"]\nenv-inputs = [\"-x\"]\n"),
        args: &["check"],
        code: 2,
        needles: &["`member.\"projects/core\".env-inputs` entry `-x` is not the name of an environment variable"],
    },
    Case {
        name: "member table environment variable name with a space",
        setup: |r| r.append(CONFIG, "\n[member.\"projects/core\"]\nenvironment = { \"APP MODE\" = \"test\" }\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: `member.\"projects/core\".environment` sets `APP MODE`, which is not the name of an environment variable (line 11)",
            "hint: name variables with letters, digits and `_`",
        ],
    },
    Case {
        name: "member table environment value that is a number",
        setup: |r| r.append(CONFIG, "\n[member.\"projects/core\"]\nenvironment = { WORKERS = 4 }\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "_meta/monorepo.toml: `member.projects/core.environment.WORKERS` must be a string, not integer `4` (line 11)",
        ],
    },
    Case {
        name: "member table for one folder written two ways",
        setup: |r| {
            r.append(
                CONFIG,
                "\n[member.\"projects/core\"]\ntimeout = 60\n\n[member.\"./projects/core/\"]\ntimeout = 90\n",
            )
        },
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: [member.\"./projects/core/\"] and [member.\"projects/core\"] name the same folder, projects/core",
            "hint: merge them into one [member.\"projects/core\"] table",
        ],
    },
    Case {
        name: "member table timeout of zero",
        setup: |r| r.append(CONFIG, "\n[member.\"projects/core\"]\ntimeout = 0\n"),
        args: &["check"],
        code: 2,
        needles: &["timeout must be a whole number of seconds, at least 1, not 0", "(line 11)"],
    },
    Case {
        name: "member table runner that is no runner",
        setup: |r| r.append(CONFIG, "\n[member.\"projects/core\"]\nrunner = \"nose\"\n"),
        args: &["check"],
        code: 2,
        needles: &["`member.projects/core.runner`", "(line 11)"],
    },
    Case {
        name: "member table install as a string",
        setup: |r| r.append(CONFIG, "\n[member.\"projects/core\"]\ninstall = \"no\"\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "`member.projects/core.install` must be a boolean, not string \"no\" (line 11)",
            "hint: write it as install = true or install = false",
        ],
    },
    Case {
        name: "member table with a misspelt key",
        setup: |r| r.append(CONFIG, "\n[member.\"projects/core\"]\npytest-arg = [\"-x\"]\n"),
        args: &["check"],
        code: 2,
        needles: &["unknown key `member.projects/core.pytest-arg` (line 11)", "hint: did you mean `pytest-args`?"],
    },
    Case {
        name: "member table that is a string",
        setup: |r| r.append(CONFIG, "\n[member]\n\"projects/core\" = \"python 3.12\"\n"),
        args: &["check"],
        code: 2,
        needles: &["`member.projects/core` must be a table, not string \"python 3.12\" (line 11)"],
    },
    Case {
        name: "member table for a folder outside the repository",
        setup: |r| r.append(CONFIG, "\n[member.\"../elsewhere\"]\n"),
        args: &["check"],
        code: 2,
        needles: &[
            "error: _meta/monorepo.toml: [member.\"../elsewhere\"] is not a folder inside the repository",
            "hint: name the folder relative to the root, with `/`",
        ],
    },
    // ---- a broken uv at the bootstrap's path: doctor says FAIL and how to fix it
    Case {
        name: "doctor on an empty uv file",
        setup: |r| private_uv(r, "", 0o755),
        args: &["doctor"],
        code: 1,
        needles: &[
            "uv 0.13.9 at _meta/.tools/uv-0.13.9/bin/uv is broken: an empty file; delete _meta/.tools/uv-0.13.9 (`rm -rf _meta/.tools/uv-0.13.9`): the next command that needs uv bootstraps it again",
        ],
    },
    Case {
        name: "doctor on a uv that only answers --version",
        setup: |r| private_uv(r, VERSION_ONLY, 0o755),
        args: &["doctor"],
        code: 1,
        needles: &["uv 0.13.9 at _meta/.tools/uv-0.13.9/bin/uv is broken: `uv pip --help` exits with code 3; delete"],
    },
    Case {
        name: "doctor on a uv of another version at the pinned path",
        setup: |r| private_uv(r, "#!/bin/sh\necho 'uv 0.12.0 (abc 2025-01-01)'\n", 0o755),
        args: &["doctor"],
        code: 1,
        needles: &[
            "uv 0.13.9 at _meta/.tools/uv-0.13.9/bin/uv is broken: it is uv 0.12.0, not the pinned 0.13.9; delete",
        ],
    },
    Case {
        name: "doctor on a uv that is not executable",
        setup: |r| private_uv(r, VERSION_ONLY, 0o644),
        args: &["doctor"],
        code: 1,
        needles: &["uv 0.13.9 at _meta/.tools/uv-0.13.9/bin/uv is broken: it cannot be run: Permission denied"],
    },
    Case {
        name: "doctor on a uv whose --version fails",
        setup: |r| private_uv(r, "#!/bin/sh\necho 'segfault' >&2\nexit 139\n", 0o755),
        args: &["doctor"],
        code: 1,
        needles: &["is broken: `uv --version` exits with code 139; delete"],
    },
    Case {
        name: "doctor on a uv that answers something else",
        setup: |r| private_uv(r, "#!/bin/sh\necho 'Hello from a stub'\n", 0o755),
        args: &["doctor"],
        code: 1,
        needles: &["is broken: `uv --version` answers `Hello from a stub`, not uv 0.13.9; delete"],
    },
    Case {
        name: "doctor on a uv script whose interpreter is missing",
        setup: |r| private_uv(r, "#!/nowhere/bin/sh\necho 'uv 0.13.9'\n", 0o755),
        args: &["doctor"],
        code: 1,
        needles: &["is broken: it cannot be run: what starts it is missing (its `#!` line's program, or its loader)"],
    },
    Case {
        name: "doctor on a folder at the uv path",
        setup: |r| {
            private_uv(r, "", 0o755);
            let uv = r.path("_meta/.tools/uv-0.13.9/bin/uv");
            std::fs::remove_file(&uv).unwrap();
            std::fs::create_dir(&uv).unwrap();
        },
        args: &["doctor"],
        code: 1,
        needles: &["uv 0.13.9 at _meta/.tools/uv-0.13.9/bin/uv is broken: a folder, not a program; delete"],
    },
    Case {
        name: "doctor on a dangling link at the uv path",
        setup: |r| {
            private_uv(r, "", 0o755);
            let uv = r.path("_meta/.tools/uv-0.13.9/bin/uv");
            std::fs::remove_file(&uv).unwrap();
            std::os::unix::fs::symlink("/nowhere/uv", &uv).unwrap();
        },
        args: &["doctor"],
        code: 1,
        needles: &[
            "uv 0.13.9 at _meta/.tools/uv-0.13.9/bin/uv is broken: a link to a file that does not exist; delete",
        ],
    },
    Case {
        name: "doctor on a config whose uv pin is no version",
        setup: |r| edit(r, "uv = \"0.13.9\"", "uv = \"stable\""),
        args: &["doctor"],
        code: 1,
        needles: &[
            "FAIL  _meta/monorepo.toml: `monorepo.uv` is `stable`, not a version (line 4); pin the exact uv release",
            "_meta/monorepo.toml does not load (see `config`)",
        ],
    },
    // ---- uv's errors: a direct URL that fails is the URL's fault, not the index's
    Case {
        name: "direct URL requirement that answers 404",
        setup: |r| {
            let url = format!("{}/wheels/tiny_zz-1.0-py3-none-any.whl", not_found_server());
            r.edit("projects/lib/pyproject.toml", "\"tiny-a>=1.16\"", &format!("\"tiny-zz @ {url}\""));
        },
        args: &["lock"],
        code: 2,
        needles: &[
            "error: cannot lock `lib` (_meta/requirements/lib.txt): projects/lib/pyproject.toml requires `tiny-zz @ http://127.0.0.1:",
            "/wheels/tiny_zz-1.0-py3-none-any.whl`, and its URL answers HTTP 404 Not Found",
            "hint: fix the URL of tiny-zz in projects/lib/pyproject.toml (or require it by name, from the index)",
        ],
    },
    Case {
        name: "direct URL sdist in a layer input that answers 404",
        setup: |r| {
            let url = format!("{}/sdists/tiny_yy-1.0.tar.gz", not_found_server());
            r.append("_meta/requirements/extra.in", &format!("tiny-yy @ {url}\n"));
        },
        args: &["lock"],
        code: 2,
        needles: &[
            "error: cannot lock `extra` (_meta/requirements/extra.txt): _meta/requirements/extra.in requires `tiny-yy @ http://127.0.0.1:",
            "/sdists/tiny_yy-1.0.tar.gz`, and its URL answers HTTP 404 Not Found",
            "hint: fix the URL of tiny-yy in _meta/requirements/extra.in",
        ],
    },
    Case {
        name: "direct file URL requirement to a missing wheel",
        setup: |r| {
            r.edit(
                "projects/solo/pyproject.toml",
                "dependencies = []",
                "dependencies = [\"tiny-ww @ file:///nowhere/tiny_ww-1.0-py3-none-any.whl\"]",
            )
        },
        args: &["lock", "-p", "solo"],
        code: 2,
        needles: &[
            "error: cannot lock `solo` (_meta/requirements/solo.txt): projects/solo/pyproject.toml requires `tiny-ww @ file:///nowhere/tiny_ww-1.0-py3-none-any.whl`, and its URL names a file that does not exist",
            "hint: fix the URL of tiny-ww in projects/solo/pyproject.toml",
        ],
    },
    Case {
        name: "direct URL requirement on a host that refuses",
        setup: |r| {
            let url = format!("http://127.0.0.1:{}/tiny_vv-1.0-py3-none-any.whl", closed_port());
            r.edit(
                "projects/solo/pyproject.toml",
                "dependencies = []",
                &format!("dependencies = [\"tiny-vv @ {url}\"]"),
            );
        },
        args: &["lock", "-p", "solo"],
        code: 2,
        needles: &[
            "error: cannot lock `solo` (_meta/requirements/solo.txt): projects/solo/pyproject.toml requires `tiny-vv @ http://127.0.0.1:",
            "/tiny_vv-1.0-py3-none-any.whl`, and its URL cannot be reached",
            "hint: check the network and that URL's host, or fix the URL of tiny-vv in projects/solo/pyproject.toml",
        ],
    },
];

#[test]
fn config_rows() {
    check(CASES);
}

/// A broken uv at the bootstrap's path (an empty file, one that only answers `--version`,
/// another version) is replaced with one line saying so, and the command goes on: never a
/// venv blamed for it. The private `_meta/.tools` is outside the rows' snapshots, so this
/// is checked here: the file is replaced, works, and is verified once (its stamp).
#[test]
fn a_broken_uv_is_bootstrapped_again_and_the_command_goes_on() {
    for (script, why) in [
        ("", "an empty file"),
        (VERSION_ONLY, "`uv pip --help` exits with code 3"),
        ("#!/bin/sh\necho 'uv 0.12.0'\n", "it is uv 0.12.0, not the pinned 0.13.9"),
    ] {
        let repo = Repo::sample();
        private_uv(&repo, script, 0o755);
        let run = repo.xtask(&["setup-envs", "-p", "solo"]);
        assert_eq!(run.code, 0, "{}", run.all());
        let said = format!(
            "Replacing the uv at _meta/.tools/uv-0.13.9/bin/uv, which is broken ({why}): bootstrapping uv 0.13.9 again"
        );
        assert_eq!(run.stderr.matches(&said).count(), 1, "one line says so:\n{}", run.all());
        assert!(run.stderr.contains("Synced solo "), "{}", run.all());
        assert!(!run.stderr.contains("error"), "nothing blamed:\n{}", run.all());
        let uv = repo.path("_meta/.tools/uv-0.13.9/bin/uv");
        let version = std::process::Command::new(&uv).arg("--version").output().unwrap();
        assert!(String::from_utf8_lossy(&version.stdout).starts_with("uv 0.13.9"), "the real uv now");
        assert!(repo.path("_meta/.tools/uv-0.13.9/bin/.xtask-verified").is_file(), "verified once, stamped");
        let leftovers: Vec<_> = std::fs::read_dir(repo.path("_meta/.tools"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != "uv-0.13.9")
            .collect();
        assert!(leftovers.is_empty(), "the broken one and the staging are gone: {leftovers:?}");
        // Fixed for good: the next command that needs uv uses it as it is, and doctor passes it.
        std::fs::remove_dir_all(repo.path("projects/solo/.venv")).unwrap();
        let again = repo.expect(&["setup-envs", "-p", "solo"], 0);
        assert!(!again.stderr.contains("Replacing") && !again.stderr.contains("Bootstrapping"), "{}", again.all());
        let doctor = repo.xtask(&["doctor"]);
        assert!(doctor.stdout.contains("uv 0.13.9 at _meta/.tools/uv-0.13.9/bin/uv\n"), "{}", doctor.all());
    }
}

/// doctor reports a broken uv and leaves it as it is: the bytes, the mode, no stamp.
#[test]
fn doctor_leaves_a_broken_uv_as_it_is() {
    let repo = Repo::sample();
    private_uv(&repo, VERSION_ONLY, 0o755);
    let uv = repo.path("_meta/.tools/uv-0.13.9/bin/uv");
    let run = repo.xtask(&["doctor"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("uv 0.13.9 at _meta/.tools/uv-0.13.9/bin/uv is broken"), "{}", run.all());
    assert_eq!(std::fs::read_to_string(&uv).unwrap(), VERSION_ONLY);
    assert_eq!(std::fs::metadata(&uv).unwrap().permissions().mode() & 0o777, 0o755);
    let names: Vec<_> = std::fs::read_dir(repo.path("_meta/.tools/uv-0.13.9/bin"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["uv"], "nothing written beside it");
    assert_eq!(std::fs::read_dir(repo.path("_meta/.tools")).unwrap().count(), 1, "nothing bootstrapped");
}

/// A Python named by its executable's name is installed by its version: never
/// `pyenv install python3.99`.
#[test]
fn a_python_name_is_never_given_to_pyenv_as_a_version() {
    let repo = Repo::sample();
    edit(&repo, "python = \"3.11\"", "python = \"python3.99\"");
    for args in [&["setup-envs"][..], &["doctor"]] {
        let run = repo.xtask(args);
        assert_ne!(run.code, 0, "{}", run.all());
        assert!(run.all().contains("`pyenv install 3.99`"), "{}", run.all());
        assert!(!run.all().contains("pyenv install python3.99"), "{}", run.all());
    }
}
