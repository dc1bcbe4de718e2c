#!/usr/bin/env python3
"""The remote result cache on the sample monorepo, against a real nginx (WebDAV `PUT`, on a
loopback port, as the tests start it):

1. a fresh clone's first `test-all` after another clone's run: how many suites ran (goal:
   none, only venv set-up) and its wall time, beside the same first run without the cache;
2. the overhead of a remote cache on a run where every suite misses: wall time of
   `test-all` runs whose keys are new each time (`PYTEST_ADDOPTS` changes), with and
   without `remote-cache`, alternating (goal: under 5%).

    python3 bench/remote_cache.py [--runs 5]

Needs nginx with its WebDAV module (`apt-get install nginx-light`) and curl.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-signing-key"
TOKEN = "bench-writer"


def nginx_binary() -> str:
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/opt/homebrew/bin/nginx"):
        if Path(candidate).is_file():
            return candidate
    return shutil.which("nginx") or "nginx"


def start_nginx(work: Path) -> tuple[subprocess.Popen, str]:
    d = work / "nginx"
    # nginx's workers run as another user when started by root: they must reach the data
    # folder through `work`, which mkdtemp makes 0700 (a PUT or GET there is then a 403).
    os.chmod(work, 0o755)
    for sub in ("data", "tmp", "logs"):
        (d / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(d / sub, 0o777)
    os.chmod(d, 0o777)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (d / "nginx.conf").write_text(
        f"daemon off;\npid {d}/nginx.pid;\nerror_log {d}/logs/error.log;\nevents {{ worker_connections 64; }}\n"
        f"http {{\n access_log off;\n client_body_temp_path {d}/tmp;\n"
        f' map $http_authorization $writer {{ default 0; "Bearer {TOKEN}" 1; }}\n'
        f' map "$request_method$writer" $denied {{ default 0; PUT0 1; }}\n'
        f" server {{\n  listen 127.0.0.1:{port};\n  root {d}/data;\n  client_max_body_size 64m;\n"
        f"  location / {{ if ($denied) {{ return 403; }} dav_methods PUT; create_full_put_path on;"
        f" dav_access user:rw group:rw all:r; }}\n }}\n}}\n"
    )
    proc = subprocess.Popen([nginx_binary(), "-p", str(d), "-c", "nginx.conf"], stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.01)
    return proc, f"http://127.0.0.1:{port}/cache"


def sample(dest: Path, url: str | None) -> Path:
    """The sample monorepo (what git tracks, plus the bootstrapped uv), using the cache at `url`, committed."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        if rel.startswith(("projects/", "_meta/", ".gitignore")):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, target)
    if (ROOT / "_meta" / ".tools").is_dir():
        shutil.copytree(ROOT / "_meta" / ".tools", dest / "_meta" / ".tools", symlinks=True)
    if url:
        config = dest / "_meta" / "monorepo.toml"
        config.write_text(config.read_text().replace("[monorepo]\n", f'[monorepo]\nremote-cache = "{url}"\n', 1))
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "s"]):
        subprocess.run(["git", *args], cwd=dest, check=True)
    return dest


def clone(src: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(src), str(dest)], check=True)
    if (src / "_meta" / ".tools").is_dir():
        shutil.copytree(src / "_meta" / ".tools", dest / "_meta" / ".tools", symlinks=True)
    return dest


def test_all(binary: Path, repo: Path, env: dict) -> tuple[float, list[str]]:
    """Wall time of `test-all`, and each suite's result."""
    start = time.perf_counter()
    out = subprocess.run(
        [str(binary), "test-all", "--message-format", "json"], cwd=repo, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"test-all failed in {repo}:\n{out.stderr}")
    if any("remote cache" in line and ("Warning" in line or "ignored" in line) for line in out.stderr.splitlines()):
        raise SystemExit(f"the remote cache did not serve test-all in {repo}:\n{out.stderr}")
    results = [e["result"] for e in map(json.loads, out.stdout.splitlines()) if e["event"] == "suite-finished"]
    return seconds, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    subprocess.run(["cargo", "build", "-q", "-p", "xtask"], cwd=ROOT, check=True)
    binary = ROOT / "target" / "debug" / "xtask"
    env = dict(os.environ, XTASK_REMOTE_CACHE_SIGNING_KEY=KEY, XTASK_REMOTE_CACHE_TOKEN=TOKEN)
    with tempfile.TemporaryDirectory(prefix="xtask-bench-remote-") as tmp:
        work = Path(tmp)
        server, url = start_nginx(work)
        try:
            # 1. Another clone ran; a fresh clone's first run.
            writer = sample(work / "writer", url)
            test_all(binary, writer, env)
            plain = sample(work / "plain", None)
            fresh_plain, _ = test_all(binary, clone(plain, work / "plain-clone"), env)
            fresh_remote, results = test_all(binary, clone(writer, work / "fresh-clone"), env)
            ran = sum(1 for r in results if r != "cached")
            # 2. Every suite misses: each run changes PYTEST_ADDOPTS (an input of every key),
            # so neither cache holds it; the venvs are set up once, untimed.
            remote_repo, bare_repo = sample(work / "miss-remote", url), sample(work / "miss-bare", None)
            test_all(binary, remote_repo, env)
            test_all(binary, bare_repo, env)
            with_cache, without = [], []
            for i in range(runs):
                missing = dict(env, PYTEST_ADDOPTS=f"-o junit_suite_name=bench{i}")
                with_cache.append(test_all(binary, remote_repo, missing)[0])
                without.append(test_all(binary, bare_repo, missing)[0])
        finally:
            server.terminate()
            server.wait()
    miss_with, miss_without = statistics.median(with_cache), statistics.median(without)
    print("| case | without the remote cache | with it | ratio |")
    print("|---|---|---|---|")
    print(f"| a fresh clone's first `test-all` after another clone's run | {fresh_plain:.2f} s | {fresh_remote:.2f} s "
          f"({ran} of {len(results)} suites ran) | {fresh_remote / fresh_plain:.2f} |")
    print(f"| a first `test-all` where every suite misses (median of {runs}) | {miss_without:.2f} s | {miss_with:.2f} s "
          f"| {miss_with / miss_without:.2f} |")


if __name__ == "__main__":
    main()
