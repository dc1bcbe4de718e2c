#!/usr/bin/env python3
"""The no-op cost curve of `cargo xtask`: a table per N of the three commands that should
cost next to nothing when nothing changed.

    python3 bench/scale.py                          # N = 30, 300, 1000; 5 runs after 1 warm-up
    python3 bench/scale.py --n 1000 --runs 9 --xtask /tmp/xtask-before

Per N, the synthetic monorepo of `gen_monorepo.py N SEED` (in bench/.cache/scale/, shared
with run.py's scale case) is prepared once, untimed: its locks and venvs (`setup-envs`), a
git commit (the result cache keys suites by git), and one `test-all` that records every
suite's pass. Then each command is timed with nothing changed:

- `setup-envs`: every env fresh (its `Fresh N envs` line is checked);
- `check`: every lock fresh and every venv in step (exit 0);
- `test-all`: every suite `cached` (its `Finished` line is checked).

The binary is `target/debug/xtask` (what `cargo xtask` runs) after `cargo build -p xtask`,
or `--xtask PATH`. uv comes from PATH at the config's pin when it is there, else from the
repository's bootstrapped `_meta/.tools/uv-<pin>` (linked alone into a folder first on PATH,
so no other command of that venv shadows the machine's), so no run bootstraps uv.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SCALE_DIR = BENCH / ".cache" / "scale"
GEN = BENCH / "gen_monorepo.py"
# What a real checkout ignores (README): records and state are no member's input.
GITIGNORE = ".venv\n.bench-gen.json\n__pycache__/\n.pytest_cache/\n/_meta/.cache/\n/_meta/.state/\n/_meta/.tools/\n"
GIT_ID = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
COMMANDS = {
    "setup-envs": ["setup-envs"],
    "check": ["check"],
    "test-all (cached)": ["test-all"],
}


def run(cmd: list, cwd: Path, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        sys.exit(f"error: `{' '.join(map(str, cmd))}` in {cwd} exited {proc.returncode}:\n"
                 f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc


def uv_path(env: dict[str, str]) -> str:
    """A PATH on which `uv` is the config's pin."""
    pin = tomllib.loads((REPO / "_meta" / "monorepo.toml").read_text())["monorepo"]["uv"]
    found = shutil.which("uv", path=env["PATH"])
    if found and subprocess.run([found, "--version"], capture_output=True, text=True).stdout.split()[1:2] == [pin]:
        return env["PATH"]
    bootstrapped = REPO / "_meta" / ".tools" / f"uv-{pin}" / "bin" / "uv"
    if not bootstrapped.is_file():
        sys.exit(f"error: no uv {pin} on PATH nor at {bootstrapped}: run `cargo xtask doctor` in the repository")
    folder = SCALE_DIR / "bin"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "uv"
    if not link.exists():
        link.symlink_to(bootstrapped)
    return f"{folder}{os.pathsep}{env['PATH']}"


def prepare(n: int, seed: int, xtask: Path, env: dict[str, str]) -> Path:
    """The repo for N, generated, locked, set up, committed and tested once (untimed)."""
    repo = SCALE_DIR / f"n{n}-seed{seed}"
    # The same marker as run.py's scale case, so either reuses the other's repo.
    gen_sha = hashlib.sha256(GEN.read_bytes() + (REPO / "_meta" / "monorepo.toml").read_bytes()).hexdigest()[:16]
    marker = repo / ".bench-gen.json"
    meta = json.loads(marker.read_text()) if marker.is_file() else {}
    if meta.get("gen") != gen_sha:
        shutil.rmtree(repo, ignore_errors=True)
        run([sys.executable, GEN, n, seed, repo], BENCH, env)
        marker.write_text(json.dumps({"gen": gen_sha, "n": n, "seed": seed}))
    start = time.perf_counter()
    run([xtask, "setup-envs"], repo, env)
    if not (repo / ".git").is_dir():
        (repo / ".gitignore").write_text(GITIGNORE)
        run(["git", "init", "--quiet", "--initial-branch=main"], repo, env)
        run(["git", *GIT_ID, "add", "--all"], repo, env)
        run(["git", *GIT_ID, "commit", "--quiet", "-m", "generated"], repo, env)
    elif (repo / ".gitignore").read_text() != GITIGNORE:
        # A repo committed by an older run.py, with the xtask's state and records tracked.
        (repo / ".gitignore").write_text(GITIGNORE)
        run(["git", "rm", "-r", "--cached", "--quiet", "--ignore-unmatch", "_meta/.state", "_meta/.cache"], repo, env)
        run(["git", *GIT_ID, "commit", "--quiet", "--all", "-m", "ignore the xtask's state"], repo, env)
    run([xtask, "test-all", "-q"], repo, env)
    print(f"N={n}: prepared in {time.perf_counter() - start:.1f} s ({repo.relative_to(REPO)})", file=sys.stderr)
    return repo


def timed(xtask: Path, args: list[str], repo: Path, env: dict[str, str], n: int) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run; CPU is steadier on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = run([xtask, *args], repo, env)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    if args[0] == "setup-envs" and f"Fresh {n} envs, nothing to do" not in proc.stderr:
        sys.exit(f"error: setup-envs was not a no-op for N={n}:\n{proc.stderr[-2000:]}")
    if args[0] == "test-all" and f"{n} passed ({n} cached" not in proc.stderr:
        sys.exit(f"error: test-all ran suites for N={n}:\n{proc.stderr[-2000:]}")
    return seconds, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", default="30,300,1000", help="the N to measure, comma-separated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--xtask", type=Path, help="the binary to time (default: cargo build -p xtask, target/debug/xtask)")
    opts = ap.parse_args()
    env = dict(os.environ)
    env["PATH"] = uv_path(env)
    xtask = opts.xtask
    if xtask is None:
        run(["cargo", "build", "-q", "-p", "xtask"], REPO, env)
        xtask = REPO / "target" / "debug" / "xtask"
    xtask = xtask.resolve()
    ns = [int(n) for n in opts.n.split(",") if n]
    repos = {n: prepare(n, opts.seed, xtask, env) for n in ns}
    print(f"`{xtask}`, {opts.runs} runs after {opts.warmup} warm-up; median (min-max) wall ms, then the "
          "median CPU ms (user + system); per project = median wall / N\n")
    print("| N | " + " | ".join(COMMANDS) + " | " + " | ".join(f"{c} per project" for c in COMMANDS) + " |")
    print("|---:|" + "---:|" * (2 * len(COMMANDS)))
    for n in ns:
        cells, per = [], []
        for args in COMMANDS.values():
            for _ in range(opts.warmup):
                timed(xtask, args, repos[n], env, n)
            runs = [timed(xtask, args, repos[n], env, n) for _ in range(opts.runs)]
            samples = [wall for wall, _ in runs]
            med = statistics.median(samples)
            cpu = statistics.median(cpu for _, cpu in runs)
            cells.append(f"{med * 1e3:.0f} ({min(samples) * 1e3:.0f}-{max(samples) * 1e3:.0f}), CPU {cpu * 1e3:.0f}")
            per.append(f"{med / n * 1e6:.0f} µs")
        print(f"| {n} | " + " | ".join(cells) + " | " + " | ".join(per) + " |", flush=True)


if __name__ == "__main__":
    main()
