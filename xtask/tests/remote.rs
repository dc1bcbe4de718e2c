//! End-to-end: results shared through a real HTTP cache server (nginx with WebDAV `PUT`, on
//! loopback), between two git clones of one repository, with real uv, venvs and pytest. A
//! fresh clone gets every suite `cached` from another clone's run; a tampered entry, one
//! signed with another key, and a failure are never trusted; a server that is down, slow
//! or read-only costs a warning, never the run.
#![cfg(unix)]

mod support;

use std::net::TcpListener;
use std::time::Duration;

use serde_json::Value;
use support::nginx::{Nginx, WRITER_TOKEN};
use support::{Repo, Run};

const KEY: &str = "team-signing-key";

fn with_cache(repo: &Repo, url: &str) {
    repo.edit("_meta/monorepo.toml", "[monorepo]\n", &format!("[monorepo]\nremote-cache = \"{url}\"\n"));
}

/// The sample, using the cache at `url`, committed.
fn shared_repo(url: &str) -> Repo {
    let repo = Repo::sample();
    with_cache(&repo, url);
    repo.git_init();
    repo
}

fn run(repo: &Repo, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["test-all", "--message-format", "json"];
    all.extend(args);
    repo.xtask_in("", &all, env)
}

const WRITER: [(&str, &str); 2] = [("XTASK_REMOTE_CACHE_SIGNING_KEY", KEY), ("XTASK_REMOTE_CACHE_TOKEN", WRITER_TOKEN)];
const READER: [(&str, &str); 1] = [("XTASK_REMOTE_CACHE_SIGNING_KEY", KEY)];

/// Each suite's result and note.
fn results(run: &Run) -> Vec<(String, String, String)> {
    run.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event"] == "suite-finished")
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (s("project"), s("result"), s("note"))
        })
        .collect()
}

fn all_are(run: &Run, result: &str) -> bool {
    let got = results(run);
    got.len() == 4 && got.iter().all(|(_, r, _)| r == result)
}

#[test]
fn a_fresh_clone_gets_every_suite_cached_from_another_clones_run() {
    let server = Nginx::start();
    let first = shared_repo(&server.url());
    let ran = run(&first, &[], &WRITER);
    assert_eq!(ran.code, 0, "{}\n{}", ran.all(), server.log());
    assert!(all_are(&ran, "passed"), "{}", ran.all());
    assert_eq!(server.entries().len(), 4, "one entry per suite\n{}", server.log());

    let second = first.clone_repo();
    // Once its venvs are set up (the interpreter is an input), `explain` already says the
    // team's cache has each suite.
    second.expect(&["setup-envs"], 0);
    let ahead = second.xtask_in("", &["explain", "--format", "json"], &READER);
    let report: Value = serde_json::from_str(&ahead.stdout).unwrap_or_else(|e| panic!("{e}\n{}", ahead.all()));
    for suite in report["suites"].as_array().unwrap() {
        let reason = suite["reason"].as_str().unwrap();
        assert!(suite["state"] == "cached" && reason.contains("in the remote cache at"), "{suite}");
    }
    let got = run(&second, &["--junit", "report.xml"], &READER);
    assert_eq!(got.code, 0, "{}", got.all());
    assert!(all_are(&got, "cached"), "{}\n{}", got.all(), server.log());
    for (project, _, note) in results(&got) {
        assert!(note.contains("from the remote cache"), "{project}: {note}");
    }
    // The JUnit report holds each suite's tests, as the run that passed wrote them.
    let xml = second.read("report.xml");
    for test in ["test_double", "test_lib", "test_app", "test_solo"] {
        assert!(xml.contains(&format!("name=\"{test}\"")), "{test} missing\n{xml}");
    }
    // `explain` says where each `cached` came from.
    let explained = second.expect(&["explain", "--format", "json"], 0);
    let report: Value = serde_json::from_str(&explained.stdout).unwrap();
    for suite in report["suites"].as_array().unwrap() {
        assert_eq!(suite["state"], "cached", "{suite}");
        let reason = suite["reason"].as_str().unwrap();
        assert!(reason.contains(&format!("fetched from the remote cache at {}", server.url())), "{reason}");
    }
    // The writer's four entries are all that was ever sent: a hit is not uploaded again.
    assert_eq!(server.log().matches("\"PUT /cache/ac/").count(), 4, "{}", server.log());
}

#[test]
fn a_tampered_entry_or_another_signing_key_is_ignored_and_the_suite_runs() {
    let server = Nginx::start();
    let first = shared_repo(&server.url());
    assert_eq!(run(&first, &[], &WRITER).code, 0);
    // Someone with write access to the store changes one entry's counts.
    let entry = server.entries().into_iter().next().expect("an entry");
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&entry).unwrap()).unwrap();
    let record = value["record"].as_str().unwrap().replace("\"passed\":1", "\"passed\":7");
    value["record"] = Value::String(record);
    std::fs::write(&entry, value.to_string()).unwrap();

    let second = first.clone_repo();
    let got = run(&second, &[], &READER);
    assert_eq!(got.code, 0, "{}", got.all());
    let got_results = results(&got);
    assert_eq!(got_results.iter().filter(|(_, r, _)| r == "passed").count(), 1, "{}", got.all());
    assert_eq!(got_results.iter().filter(|(_, r, _)| r == "cached").count(), 3, "{}", got.all());
    assert!(got.stderr.contains("its signature does not hold"), "{}", got.all());

    // A clone with another key trusts nothing it did not sign.
    let third = first.clone_repo();
    let other = run(&third, &[], &[("XTASK_REMOTE_CACHE_SIGNING_KEY", "another-key")]);
    assert_eq!(other.code, 0, "{}", other.all());
    assert!(all_are(&other, "passed"), "{}", other.all());
    // Without a key, the remote cache is off, and says so.
    let fourth = first.clone_repo();
    let off = run(&fourth, &[], &[]);
    assert!(
        all_are(&off, "passed") && off.stderr.contains("XTASK_REMOTE_CACHE_SIGNING_KEY is not set"),
        "{}",
        off.all()
    );
}

#[test]
fn a_failure_is_never_shared() {
    let server = Nginx::start();
    let first = shared_repo(&server.url());
    first.write("projects/solo/tests/test_solo.py", "def test_solo():\n    assert False\n");
    first.commit("a failing suite");
    let ran = run(&first, &["--keep-going"], &WRITER);
    assert_eq!(ran.code, 1, "{}", ran.all());
    assert_eq!(server.entries().len(), 3, "the three passes only\n{}", server.log());
    let second = first.clone_repo();
    let got = run(&second, &["--keep-going"], &READER);
    assert_eq!(got.code, 1, "{}", got.all());
    assert!(results(&got).contains(&("solo".into(), "failed".into(), "tests failed".into())), "{}", got.all());
}

#[test]
fn a_server_that_is_down_slow_or_read_only_costs_a_warning_never_the_run() {
    let mut server = Nginx::start();
    let first = shared_repo(&server.url());
    // Read-only token: the uploads are refused, once said, and the run passes.
    let refused = run(&first, &[], &READER);
    assert_eq!(refused.code, 0, "{}", refused.all());
    assert_eq!(refused.stderr.matches("answered HTTP 403").count(), 1, "{}", refused.all());
    assert!(server.entries().is_empty());
    // Asked read-only: no upload is tried at all.
    let read_only = run(&first.clone_repo(), &["--remote-cache-read-only"], &WRITER);
    assert_eq!(read_only.code, 0, "{}", read_only.all());
    assert!(
        !server.log().contains("PUT /cache/ac") && !read_only.stderr.contains("remote cache at"),
        "{}",
        read_only.all()
    );

    // Down: one warning, the suites run.
    server.stop();
    let second = first.clone_repo();
    let down = run(&second, &[], &WRITER);
    assert_eq!(down.code, 0, "{}", down.all());
    assert!(all_are(&down, "passed"), "{}", down.all());
    assert_eq!(down.stderr.matches("going on without it").count(), 1, "{}", down.all());
    assert!(down.stderr.contains("cannot connect"), "{}", down.all());

    // Slow: a server that accepts and never answers times out, once.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let third = first.clone_repo();
    with_cache_url(&third, &server.url(), &format!("http://127.0.0.1:{port}/cache"));
    let slow = run(&third, &[], &WRITER);
    assert_eq!(slow.code, 0, "{}", slow.all());
    assert!(all_are(&slow, "passed"), "{}", slow.all());
    assert_eq!(slow.stderr.matches("going on without it").count(), 1, "{}", slow.all());
    assert!(slow.stderr.contains("timed out"), "{}", slow.all());
}

#[test]
fn the_server_stopped_mid_run_leaves_the_run_green_and_nothing_half_written() {
    let mut server = Nginx::start();
    let first = shared_repo(&server.url());
    // solo's test stops the server: suites that pass after it cannot upload.
    let pid_file = format!("{}/../nginx.pid", server.store().display());
    first.write(
        "projects/solo/tests/test_solo.py",
        &format!(
            "import os, signal\n\ndef test_solo():\n    os.kill(int(open({pid_file:?}).read()), signal.SIGTERM)\n"
        ),
    );
    first.commit("solo stops the cache");
    let ran = run(&first, &["-j", "1"], &WRITER);
    assert_eq!(ran.code, 0, "{}", ran.all());
    assert!(all_are(&ran, "passed"), "{}", ran.all());
    server.stop();
    // Every entry that was written is whole: its JUnit is there too.
    for entry in server.entries() {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&entry).unwrap()).unwrap();
        let junit = value["junit"].as_str().expect("a JUnit digest");
        assert!(server.store().join("cache/cas").join(junit).is_file(), "{} points at nothing", entry.display());
    }
    server.resume();
    let second = first.clone_repo();
    let got = run(&second, &[], &READER);
    assert_eq!(got.code, 0, "{}", got.all());
}

fn with_cache_url(repo: &Repo, from: &str, to: &str) {
    repo.edit("_meta/monorepo.toml", from, to);
}
