#!/usr/bin/env python3
"""The no-op paths before and after a change, in one run: a no-op `setup-envs` and a
cached `test-all` on the sample monorepo, timed with the xtask built at REV and at the work
tree. Each binary gets a copy of the sample of its own (their venv stamps and result
records may differ in format), set up and run once untimed; then the runs alternate.

    python3 bench/before_after.py --before 0914991 [--runs 15]

Prints the median wall time of each command per binary, and their ratio.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(rev: str | None, work: Path) -> Path:
    """The xtask binary at `rev` (a worktree in `work`), or the work tree's."""
    if rev is None:
        subprocess.run(["cargo", "build", "-q", "-p", "xtask"], cwd=ROOT, check=True)
        return ROOT / "target" / "debug" / "xtask"
    tree = work / "before"
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(tree), rev], cwd=ROOT, check=True)
    env = dict(os.environ, CARGO_TARGET_DIR=str(work / "target-before"))
    subprocess.run(["cargo", "build", "-q", "-p", "xtask"], cwd=tree, env=env, check=True)
    return work / "target-before" / "debug" / "xtask"


def copy_sample(dest: Path) -> Path:
    """The sample monorepo (what git tracks, plus the bootstrapped uv), committed."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        if rel.startswith(("projects/", "_meta/", ".gitignore")):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, target)
    if (ROOT / "_meta" / ".tools").is_dir():
        shutil.copytree(ROOT / "_meta" / ".tools", dest / "_meta" / ".tools", symlinks=True)
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "s"]):
        subprocess.run(["git", *args], cwd=dest, check=True)
    return dest


def timed(binary: Path, repo: Path, args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([str(binary), *args], cwd=repo, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="the revision to compare the work tree with")
    parser.add_argument("--runs", type=int, default=15)
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xtask-before-after-"))
    try:
        binaries = {"before": build(opts.before, work), "after": build(None, work)}
        repos = {name: copy_sample(work / f"sample-{name}") for name in binaries}
        for name, binary in binaries.items():
            subprocess.run([str(binary), "test-all"], cwd=repos[name], check=True, capture_output=True)
        cases = {"setup-envs (no-op)": ["setup-envs"], "test-all (cached)": ["test-all"]}
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(opts.runs):
            for case, args in cases.items():
                for name, binary in binaries.items():
                    times.setdefault((case, name), []).append(timed(binary, repos[name], args))
        print(f"| command | before ({opts.before}) | after | after / before |")
        print("|---|---|---|---|")
        for case in cases:
            before = statistics.median(times[(case, "before")])
            after = statistics.median(times[(case, "after")])
            print(f"| `{case}` | {before * 1000:.1f} ms | {after * 1000:.1f} ms | {after / before:.2f} |")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(work / "before")], cwd=ROOT, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
