#!/usr/bin/env python3
"""Benchmarks of `cargo xtask` against the script sprawl it replaces; writes bench/RESULTS.md.

    python3 bench/run.py                      # the full run: 5 runs after 1 warm-up, N up to 1000
    python3 bench/run.py --quick --scale 10   # a smoke test: 1 run, no warm-up

See bench/README.md for what each case measures. Python 3.11 standard library only.

Every case works on copies of the sample monorepo in a temporary folder (never on the
repository itself), runs the xtask binary built from this checkout with the copy as its
working directory, and takes uv and pip-tools from one tool venv, bench/.cache/tools.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import traceback
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = BENCH / ".cache"
TOOLS = CACHE / "tools"  # python3 -m venv + pip install uv==<pin> pip-tools
TOOLS_BIN = CACHE / "bin"  # links to the tools' commands only, so the venv's python3 stays off PATH
UV_CACHE = CACHE / "uv-cache"
PIP_CACHE = CACHE / "pip-cache"
SCALE_DIR = CACHE / "scale"
XTASK_BUILT = REPO / "target" / "debug" / "xtask"
XTASK = CACHE / "xtask"  # a frozen copy of the binary, so a rebuild mid-run changes nothing
BASELINE = BENCH / "baseline"
GEN = BENCH / "gen_monorepo.py"
GEN_MIXED = BENCH / "gen_mixed.py"  # the mixed-backend monorepo of case m
GEN_SCHED = BENCH / "gen_sched.py"  # the sleeping suites of case s
TIMING_HTML = CACHE / "cargo-timing.html"

# The sample monorepo as the baseline scripts know it: project -> local dependencies, and
# the opt-in layers. The runner checks the xtask's graph of the copy against this.
SAMPLE = {
    "model": [],
    "configload": [],
    "classification": ["model"],
    "digest": ["model"],
    "scoring": ["configload", "model"],
    "sources": ["model"],
    "web": ["classification", "model", "scoring", "sources"],
}
SAMPLE_LAYERS = {"sources": ["http"], "web": ["http"]}
BASE_EDIT = "pytest-timeout>=2"
# Never copied into a benchmark copy: what Python, venvs and tools leave behind.
IGNORE = shutil.ignore_patterns(".venv", ".pytest_cache", "__pycache__", "*.egg-info", ".mypy_cache", ".ruff_cache")

T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:7.1f}s] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


@dataclass
class Done:
    cmd: list[str]
    seconds: float
    code: int
    out: str
    err: str
    cpu: float = 0.0  # user + sys seconds of the command and the children it waited for


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def fmt_cmd(cmd: list[str]) -> str:
    return " ".join(shlex.quote(str(c)) for c in cmd)


# ---------------------------------------------------------------------------------------
# Running commands


class Runner:
    def __init__(self, env: dict[str, str]):
        self.env = env

    def run(self, cmd: list, cwd: Path, *, check: bool = True, timeout: float | None = 3600,
            env: dict[str, str] | None = None) -> Done:
        cmd = [str(c) for c in cmd]
        cpu = children_cpu()
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=cwd, env={**self.env, **(env or {})}, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as err:
            raise BenchError(f"`{fmt_cmd(cmd)}` (in {cwd}) timed out after {timeout}s") from err
        done = Done(cmd, time.perf_counter() - start, proc.returncode, proc.stdout, proc.stderr,
                    children_cpu() - cpu)
        if "Bootstrapping" in done.err:
            raise BenchError(f"`{fmt_cmd(cmd)}` bootstrapped uv: PATH did not give it uv at the pin")
        if check and done.code != 0:
            raise BenchError(f"`{fmt_cmd(cmd)}` (in {cwd}) exited {done.code}:\n{tail(done.out)}\n{tail(done.err)}")
        return done

    def xtask(self, args: list[str], cwd: Path, **kw) -> Done:
        return self.run([XTASK, *args], cwd, **kw)

    def xtask_events(self, args: list[str], cwd: Path, timeout: float = 600) -> tuple[Done, list[dict]]:
        """`xtask <args> --message-format json`: the run, and its JSON events in order, each
        with `at`, the seconds since the process started when its line arrived (the xtask
        flushes every event, so that is when it happened, to a pipe read's latency)."""
        cmd = [str(c) for c in [XTASK, *args, "--message-format", "json"]]
        events: list[dict] = []
        with tempfile.TemporaryFile("w+") as err:
            cpu = children_cpu()
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=cwd, env=self.env, stdout=subprocess.PIPE, stderr=err, text=True,
                                    stdin=subprocess.DEVNULL)
            fired: list[bool] = []
            watchdog = threading.Timer(timeout, lambda: (fired.append(True), proc.kill()))  # reads to EOF: no wait()
            watchdog.start()
            out = []
            try:
                for line in proc.stdout:
                    at = time.perf_counter() - start
                    out.append(line)
                    if line.startswith("{"):
                        events.append({**json.loads(line), "at": at})
                code = proc.wait()
            finally:
                watchdog.cancel()
            seconds = time.perf_counter() - start
            if fired:
                raise BenchError(f"`{fmt_cmd(cmd)}` (in {cwd}) timed out after {timeout}s")
            err.seek(0)
            done = Done(cmd, seconds, code, "".join(out), err.read(), children_cpu() - cpu)
        if "Bootstrapping" in done.err:
            raise BenchError(f"`{fmt_cmd(cmd)}` bootstrapped uv: PATH did not give it uv at the pin")
        if done.code != 0:
            raise BenchError(f"`{fmt_cmd(cmd)}` (in {cwd}) exited {done.code}:\n{tail(done.out)}\n{tail(done.err)}")
        return done, events

    def script(self, name: str, *args, cwd: Path | None = None, **kw) -> Done:
        return self.run([BASELINE / name, *args], cwd or BENCH, **kw)


def parse_elapsed(text: str, pattern: str) -> float:
    """Seconds from a status line `... (85ms)` / `... (1.23s)` that `pattern` (with one group
    for the number and one for the unit) finds."""
    m = re.search(pattern, text, re.M)
    if not m:
        raise BenchError(f"no line matching {pattern!r} in:\n{tail(text)}")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "ms" else value


FRESH_ENVS = r"Fresh\s+\d+ envs?, nothing to do \(([\d.]+)(ms|s)\)"
FRESH_LOCKS = r"Fresh\s+\d+ locks?, nothing to do \(([\d.]+)(ms|s)\)"
CHECKED = r"Checked .*\(([\d.]+)(ms|s)\)\s*$"
AFFECTED = r"Affected .*\(([\d.]+)(ms|s)\)\s*$"
LOCKED = r"^\s*Locked (\S+) \(.*\) in ([\d.]+)(ms|s)\s*$"
GIT_ID = ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
# What a git copy ignores (the repository's own .gitignore, minus what a copy cannot hold):
# venvs, Python's leftovers, the xtask's state and its result cache.
COPY_GITIGNORE = (".venv\n__pycache__/\n.pytest_cache/\n*.egg-info/\n/_meta/.cache/\n/_meta/.state/\n"
                  "/_meta/.tools/\n/_meta/venvs/\n*.xtask-tmp\n")


def count(text: str, verb: str) -> int:
    return len(re.findall(rf"^\s*{verb} ", text, re.M))


def parse_graph(text: str) -> dict[str, list[str]]:
    """`web -> model, scoring  [layers: http]` lines into {project: [deps]}, in order."""
    graph = {}
    for line in text.splitlines():
        line = re.sub(r"\s*\[layers:.*\]\s*$", "", line).strip()
        if not line:
            continue
        name, _, deps = line.partition(" -> ")
        graph[name.strip()] = [d.strip() for d in deps.split(",") if d.strip()]
    return graph


def parse_layers(text: str) -> dict[str, list[str]]:
    out = {}
    for line in text.splitlines():
        m = re.match(r"(\S+).*\[layers: (.*)\]", line)
        if m:
            out[m.group(1)] = [x.strip() for x in m.group(2).split(",")]
    return out


def parse_test_table(stdout: str) -> dict[str, tuple[str, float]]:
    """The closing table of `xtask test-all`: {project: (result, seconds)}."""
    lines = stdout.splitlines()
    heads = [i for i, l in enumerate(lines) if l.split()[:2] == ["project", "result"] and "seconds" in l]
    if not heads:
        raise BenchError(f"no result table in the test-all output:\n{tail(stdout)}")
    columns = lines[heads[-1]].split()
    rows = {}
    for line in lines[heads[-1] + 1:]:
        if not line.strip():
            break
        cells = line.split()
        seconds = cells[columns.index("seconds")] if len(cells) > columns.index("seconds") else ""
        rows[cells[0]] = (cells[1], float(seconds) if re.fullmatch(r"[\d.]+", seconds) else float("nan"))
    return rows


def dependants_closure(graph: dict[str, list[str]], root: str) -> list[str]:
    """`root` and every project that depends on it, directly or not, in the graph's order."""
    reached = {root}
    for name, deps in graph.items():  # the graph is in dependency order
        if any(d in reached for d in deps):
            reached.add(name)
    return [name for name in graph if name in reached]


def critical_path(graph: dict[str, list[str]], seconds: dict[str, float]) -> tuple[float, list[str]]:
    """The longest chain of summed seconds along dependency edges (graph in dependency order)."""
    best: dict[str, tuple[float, list[str]]] = {}
    for node, deps in graph.items():
        below = max((best[d] for d in deps), default=(0.0, []), key=lambda b: b[0])
        best[node] = (below[0] + seconds[node], below[1] + [node])
    return max(best.values(), key=lambda b: b[0])


def lower_bound(graph: dict[str, list[str]], seconds: dict[str, float], cores: int) -> tuple[float, str]:
    """The least wall time any schedule on `cores` slots can take, and the suite that sets it.

    A suite starts only after all its ancestors finished, which takes at least their summed
    seconds / cores; then the longest chain from it still runs. The whole run also takes at
    least the total / cores. (Graph in dependency order.)"""
    ancestors: dict[str, set[str]] = {}
    for node, deps in graph.items():
        ancestors[node] = set(deps).union(*(ancestors[d] for d in deps))
    chain_from: dict[str, float] = {}
    for node in reversed(graph):
        below = [chain_from[n] for n, deps in graph.items() if node in deps]
        chain_from[node] = seconds[node] + max(below, default=0.0)
    bounds = {n: sum(seconds[a] for a in ancestors[n]) / cores + chain_from[n] for n in graph}
    worst = max(bounds, key=lambda n: bounds[n])
    total = sum(seconds.values()) / cores
    return (bounds[worst], worst) if bounds[worst] >= total else (total, "(all suites)")


# ---------------------------------------------------------------------------------------
# Results


@dataclass
class Metric:
    name: str
    command: str
    unit: str = "s"  # "s" or "MB"
    samples: list[float] = field(default_factory=list)


@dataclass
class Case:
    key: str
    title: str
    what: str
    metrics: dict[str, Metric] = field(default_factory=dict)
    ratios: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # markdown lines after the table
    error: str | None = None
    seconds: float = 0.0

    def metric(self, name: str, command: str, unit: str = "s") -> None:
        self.metrics[name] = Metric(name, command, unit)

    def add(self, name: str, value: float, record: bool = True) -> None:
        if record:
            self.metrics[name].samples.append(value)

    def median(self, name: str) -> float | None:
        samples = self.metrics[name].samples
        return statistics.median(samples) if samples else None


def fmt_s(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return "-"
    if seconds == 0:
        return "< 1 ms"  # the xtask's own figures have a 1 ms resolution
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_value(value: float | None, unit: str) -> str:
    if unit == "MB":
        return "-" if value is None else f"{value:.1f} MB"
    return fmt_s(value)


def render_case(case: Case) -> list[str]:
    out = [f"### {case.key}. {case.title}", "", case.what, ""]
    if case.error:
        out += ["**FAILED** (no numbers, or only some):", "", "```", tail(case.error, 40), "```", ""]
    if case.metrics:
        out += ["| variant | median | min | max | runs | command |", "|---|---:|---:|---:|---:|---|"]
        for m in case.metrics.values():
            s = m.samples
            cells = [fmt_value(statistics.median(s), m.unit), fmt_value(min(s), m.unit), fmt_value(max(s), m.unit)] \
                if s else ["-", "-", "-"]
            command = m.command if m.command.startswith("(") else f"`{m.command}`"
            out.append(f"| {m.name} | {' | '.join(cells)} | {len(s)} | {command} |")
        out.append("")
    for label, num, den in case.ratios:
        a, b = case.median(num), case.median(den)
        if a and b:
            out.append(f"- **{label}** = {a / b:.2f}× (medians of this run: {fmt_s(a)} / {fmt_s(b)})")
    if case.ratios:
        out.append("")
    out += case.extra
    if case.extra:
        out.append("")
    for note in case.notes:
        out.append(f"- {note}")
    if case.notes:
        out.append("")
    return out


# ---------------------------------------------------------------------------------------
# The benchmark context: tools, binary, template copy, caches


class Bench:
    def __init__(self, opts: argparse.Namespace):
        self.opts = opts
        self.config = tomllib.loads((REPO / "_meta" / "monorepo.toml").read_text())
        self.uv_pin = self.config["monorepo"]["uv"]
        self.work = Path(tempfile.mkdtemp(prefix="xtask-bench-", dir=opts.workdir))
        self.copies = 0
        self.info: dict[str, str] = {}
        self.notes: list[str] = []  # for the Method section
        self.cases: list[Case] = []
        self.full: Path | None = None
        self.template: Path | None = None
        self.template_bl: Path | None = None
        env = {k: v for k, v in os.environ.items()
               if k not in {"VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "CONDA_PREFIX", "GITHUB_ACTIONS",
                            "PIP_FIND_LINKS", "PIP_REQUIRE_VIRTUALENV", "UV_PYTHON", "UV_SYSTEM_PYTHON"}}
        self.removed_env = sorted(set(os.environ) - set(env))
        env.update(PATH=f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}", UV_CACHE_DIR=str(UV_CACHE),
                   PIP_CACHE_DIR=str(PIP_CACHE), PIP_DISABLE_PIP_VERSION_CHECK="1", CARGO_TERM_COLOR="never")
        self.r = Runner(env)

    # -- iterations and copies

    def iterations(self, runs: int | None = None, warmup: int | None = None):
        """Yields True for a recorded run, False for a warm-up."""
        warmup = self.opts.warmup if warmup is None else warmup
        runs = self.opts.runs if runs is None else runs
        for i in range(warmup + runs):
            log(f"  {'warm-up' if i < warmup else 'run'} {i + 1 - (0 if i < warmup else warmup)}")
            yield i >= warmup

    def copy(self, name: str, src: Path | None = None) -> Path:
        self.copies += 1
        dst = self.work / f"{name}-{self.copies}"
        shutil.copytree(src or self.template, dst, symlinks=True)
        return dst

    def drop(self, path: Path) -> None:
        if not self.opts.keep:
            shutil.rmtree(path, ignore_errors=True)

    # -- preparation

    def ensure_tools(self) -> None:
        uv, compile_ = TOOLS / "bin" / "uv", TOOLS / "bin" / "pip-compile"

        def ready() -> bool:
            if not (uv.is_file() and compile_.is_file()):
                return False
            out = subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.split()
            return len(out) > 1 and out[1] == self.uv_pin

        if not ready():
            log(f"creating the tool venv {TOOLS} (uv=={self.uv_pin}, pip-tools)")
            shutil.rmtree(TOOLS, ignore_errors=True)
            self.r.run(["python3", "-m", "venv", TOOLS], BENCH)
            self.r.run([TOOLS / "bin" / "python", "-m", "pip", "install", "--quiet", f"uv=={self.uv_pin}",
                        "pip-tools"], BENCH)
            if not ready():
                raise BenchError(f"{uv} is not uv {self.uv_pin}")
        TOOLS_BIN.mkdir(parents=True, exist_ok=True)
        for name in ["uv", "uvx", "pip-compile", "pip-sync"]:
            link = TOOLS_BIN / name
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(TOOLS / "bin" / name)
        UV_CACHE.mkdir(parents=True, exist_ok=True)
        PIP_CACHE.mkdir(parents=True, exist_ok=True)

    def build_xtask(self) -> None:
        for attempt in range(6):
            done = self.r.run(["cargo", "build", "-p", "xtask"], REPO, check=False)
            if done.code == 0:
                break
            log(f"cargo build -p xtask failed (attempt {attempt + 1}); retrying in 60 s:\n{tail(done.err, 10)}")
            time.sleep(60)
        else:
            raise BenchError(f"cargo build -p xtask keeps failing:\n{tail(done.err)}")
        shutil.copy2(XTASK_BUILT, XTASK)
        self.binary_sha = hashlib.sha256(XTASK.read_bytes()).hexdigest()[:16]

    def collect_info(self) -> None:
        def out(cmd, cwd=BENCH) -> str:
            try:
                d = self.r.run(cmd, cwd, check=False, timeout=120)
                return (d.out or d.err).strip().splitlines()[0] if (d.out or d.err).strip() else "?"
            except Exception as err:  # noqa: BLE001
                return f"? ({err})"

        cpu = "?"
        try:
            cpu = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                       if l.startswith("model name"))
        except (OSError, StopIteration):
            cpu = platform.processor() or "?"
        mem = "?"
        try:
            kb = int(next(l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines()
                          if l.startswith("MemTotal")))
            mem = f"{kb / 1024 / 1024:.1f} GiB"
        except (OSError, StopIteration, ValueError):
            pass
        load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
        commit = out(["git", "rev-parse", "HEAD"], REPO)
        dirty_x = out(["git", "--no-optional-locks", "status", "--porcelain", "--", "xtask", "Cargo.toml",
                       "Cargo.lock"], REPO)
        dirty_s = out(["git", "--no-optional-locks", "status", "--porcelain", "--", "projects", "_meta"], REPO)
        self.python = out(["python3", "-c", "import sys; print(sys.executable)"])
        self.info.update({
            "CPU": cpu,
            "cores": str(os.cpu_count()),
            "memory": mem,
            "OS": platform.platform(),
            "load average at start (1, 5, 15 min)": ", ".join(f"{x:.2f}" if isinstance(x, float) else x
                                                               for x in load),
            "uv": out([TOOLS_BIN / "uv", "--version"]),
            "pip-tools": out([TOOLS_BIN / "pip-compile", "--version"]),
            "pip (in the tool venv, used by pip-compile)": out([TOOLS / "bin" / "python", "-m", "pip", "--version"]).split(" from ")[0],
            "pip (in the baseline venvs: ensurepip's)": "pip " + out([self.python, "-c",
                                                                       "import ensurepip; print(ensurepip.version())"]),
            "python": out([self.python, "--version"]) + f" ({self.python})",
            "rustc": out(["rustc", "--version"]),
            "cargo": out(["cargo", "--version"]),
            "xtask git commit": commit + (" + uncommitted changes under xtask/ or Cargo.*" if dirty_x not in ("", "?")
                                          else ""),
            "xtask binary (sha256, first 16)": self.binary_sha,
            "sample monorepo": "as committed" if dirty_s in ("", "?") else "working tree differs from the commit "
                               "under projects/ or _meta/ (copied as it is on disk)",
        })
        self.r.env["BASELINE_PYTHON"] = self.python
        self.r.env["UV_SEQ_PYTHON"] = self.python
        same_fs = os.stat(self.work).st_dev == os.stat(UV_CACHE).st_dev
        self.notes.append(
            f"Copies live in {self.work} (a temp folder); the uv cache is {UV_CACHE.relative_to(REPO)}: "
            + ("same filesystem, so uv hard-links files from its cache into venvs."
               if same_fs else "**another filesystem**, so uv copies files into venvs (slower, more disk)."))

    def make_template(self) -> None:
        """One snapshot of the sample (so an edit in the repository mid-run changes nothing),
        with fresh locks; every copy is made from it."""
        t = self.work / "template"
        req = t / "_meta" / "requirements"
        req.mkdir(parents=True)
        shutil.copy2(REPO / "_meta" / "monorepo.toml", t / "_meta" / "monorepo.toml")
        src = REPO / "_meta" / "requirements"
        layers = {p.stem for p in src.glob("*.in")}
        for f in sorted(src.iterdir()):
            if f.suffix == ".in" or (f.suffix == ".txt" and (f.stem in layers or f.stem in SAMPLE)):
                shutil.copy2(f, req / f.name)
        for p in SAMPLE:
            shutil.copytree(REPO / "projects" / p, t / "projects" / p, ignore=IGNORE, symlinks=True)
        extra = sorted(d.name for d in (REPO / "projects").iterdir() if d.is_dir() and d.name not in SAMPLE)
        if extra:
            self.notes.append(f"projects/ also holds {', '.join(extra)}, which the hand-written baseline does not "
                              "know: left out of the copies, so both sides handle the same six projects.")
        self.template = t
        graph_out = self.r.xtask(["graph"], t).out
        graph = parse_graph(graph_out)
        if {k: sorted(v) for k, v in graph.items()} != {k: sorted(v) for k, v in SAMPLE.items()} \
                or parse_layers(graph_out) != SAMPLE_LAYERS:
            raise BenchError(f"the sample's graph is not the one the baseline scripts are written for:\n{graph_out}"
                             "update SAMPLE in bench/run.py and bench/baseline/*.sh")
        self.graph = graph
        self.check_baseline_deps(t)
        check = self.r.xtask(["lock", "--check"], t, check=False)
        if check.code != 0:
            done = self.r.xtask(["lock"], t)
            self.notes.append(f"The copied locks were not fresh for the copied tree (`lock --check` exit {check.code}"
                              f"); the template was re-locked once before any case ({count(done.err, 'Locked')} "
                              "locks).")
        self.lock_count = len(list(req.glob("*.txt")))

    def check_baseline_deps(self, t: Path) -> None:
        """Warns when the third-party requirements hand-copied into setup_all_envs.sh differ
        from what the projects' pyprojects (and their local dependencies') ask for."""
        script = (BASELINE / "setup_all_envs.sh").read_text()
        declared = {m.group(1): {l.strip() for l in m.group(2).splitlines()
                                 if l.strip() and not l.strip().startswith(("#", "-r", "-c"))}
                    for m in re.finditer(r"cat > (\w+)\.in <<IN\n(.*?)\nIN\n", script, re.S)}
        pkg_of, own = {}, {}
        for p in SAMPLE:
            doc = tomllib.loads((t / "projects" / p / "pyproject.toml").read_text())
            pkg_of[re.sub(r"[-_.]+", "-", doc["project"]["name"]).lower()] = p
            own[p] = doc["project"].get("dependencies", [])
        def name(req: str) -> str:
            return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", req).group(0)).lower()
        wanted = {}
        for p in SAMPLE:
            seen, stack, reqs = set(), [p], set()
            while stack:
                q = stack.pop()
                if q in seen:
                    continue
                seen.add(q)
                for r in own[q]:
                    if name(r) in pkg_of:
                        stack.append(pkg_of[name(r)])
                    else:
                        reqs.add(r.replace(" ", ""))
            wanted[p] = reqs
        for p in SAMPLE:
            if {r.replace(" ", "") for r in declared.get(p, set())} != wanted[p]:
                self.notes.append(f"**Baseline drift**: setup_all_envs.sh gives `{p}` {sorted(declared.get(p, []))}"
                                  f", its pyprojects ask for {sorted(wanted[p])}.")

    def warm_caches(self) -> None:
        """Fills the uv and pip caches with everything the cases install (also the base edit
        of case f), and keeps the baseline's compiled requirements for the cases that need them."""
        log("warming the uv and pip caches (untimed)")
        start = time.perf_counter()
        w = self.copy("warm")
        self.r.xtask(["setup-envs"], w)
        self.r.script("setup_all_envs.sh", w, "all")
        self.template_bl = self.copy("template-bl")
        shutil.copytree(w / ".baseline" / "req", self.template_bl / ".baseline" / "req")
        with open(w / "_meta" / "requirements" / "base.in", "a") as f:
            f.write(BASE_EDIT + "\n")
        self.r.xtask(["lock"], w)
        self.r.xtask(["setup-envs"], w)
        self.r.script("setup_all_envs.sh", w, "all")
        self.drop(w)
        self.notes.append(f"Cache warm-up before the cases (untimed): {time.perf_counter() - start:.0f} s.")
        self.check_pip_cache()

    def check_pip_cache(self) -> None:
        if not any(f.is_file() for f in PIP_CACHE.rglob("*")):
            self.notes.append(
                f"**pip's cache stayed empty** ({PIP_CACHE.relative_to(REPO)}) although the baseline installed "
                "everything at least once: the package index answered without the caching headers pip's HTTP "
                "cache needs (a proxy or mirror?), so **every baseline pip-compile and pip install downloaded "
                "its packages again**, while uv's cache (which keeps unpacked wheels whatever the headers) was "
                "warm. On such a machine the baseline figures include downloads and overstate the xtask's lead; "
                "on a machine talking to pypi.org directly, pip's cache works and this note does not appear.")

    def full_copy(self) -> Path:
        """A copy with fresh locks, the xtask's venvs and the baseline's venvs, for d, e, g, f."""
        if self.full is None:
            log("preparing a copy with both sets of venvs (untimed)")
            p = self.copy("full", self.template_bl)
            self.r.xtask(["setup-envs"], p)
            self.r.script("setup_all_envs.sh", p, "install")
            self.full = p
        return self.full


# ---------------------------------------------------------------------------------------
# The cases


def rm_venvs(root: Path) -> None:
    for p in SAMPLE:
        v = root / "projects" / p / ".venv"
        if v.is_symlink():
            v.unlink()
        elif v.exists():
            shutil.rmtree(v)


def case_a(b: Bench, c: Case) -> None:
    c.metric("xtask lock", "cd <copy> && rm _meta/requirements/*.txt && xtask lock")
    c.metric("baseline pip-compile steps", "bench/baseline/setup_all_envs.sh <copy> compile")
    c.ratios.append(("baseline / xtask", "baseline pip-compile steps", "xtask lock"))
    for rec in b.iterations():
        x = b.copy("a-xtask")
        for f in (x / "_meta" / "requirements").glob("*.txt"):
            f.unlink()
        d = b.r.xtask(["lock"], x)
        if count(d.err, "Locked") != b.lock_count:
            raise BenchError(f"xtask lock locked {count(d.err, 'Locked')}, not {b.lock_count}:\n{d.err}")
        c.add("xtask lock", d.seconds, rec)
        b.drop(x)
        y = b.copy("a-baseline")
        d = b.r.script("setup_all_envs.sh", y, "compile")
        made = len(list((y / ".baseline" / "req").glob("*.txt")))
        if made != 2 + len(SAMPLE):
            raise BenchError(f"the baseline compiled {made} files")
        c.add("baseline pip-compile steps", d.seconds, rec)
        b.drop(y)
    c.notes += [
        f"Both resolve {b.lock_count} files ({b.lock_count - len(SAMPLE)} layers, then {len(SAMPLE)} envs); the xtask "
        "runs independent compiles in parallel (-j = CPUs), the baseline one after the other.",
        "Not the same work: `uv pip compile --universal` resolves for every platform and Python, pip-compile for "
        "this interpreter and platform only. Both read package metadata through their warm caches, but may "
        "still revalidate index pages over the network: network latency is part of these numbers.",
    ]


def case_b(b: Bench, c: Case) -> None:
    c.metric("xtask lock (wall)", "cd <copy> && xtask lock")
    c.metric("xtask lock (in-process, its `Fresh` line)", "(parsed from the stderr of the run above)")
    c.metric("xtask lock --check (wall)", "cd <copy> && xtask lock --check")
    c.metric("baseline re-run of its pip-compile steps", "bench/baseline/setup_all_envs.sh <copy> compile")
    c.ratios.append(("baseline / xtask lock", "baseline re-run of its pip-compile steps", "xtask lock (wall)"))
    p = b.copy("b", b.template_bl)
    line = ""
    for rec in b.iterations():
        d = b.r.xtask(["lock"], p)
        if "nothing to do" not in d.err or count(d.err, "Locked"):
            raise BenchError(f"xtask lock did work on fresh locks:\n{d.err}")
        line = d.err.strip()
        c.add("xtask lock (wall)", d.seconds, rec)
        c.add("xtask lock (in-process, its `Fresh` line)", parse_elapsed(d.err, FRESH_LOCKS), rec)
        d = b.r.xtask(["lock", "--check"], p)
        c.add("xtask lock --check (wall)", d.seconds, rec)
        d = b.r.script("setup_all_envs.sh", p, "compile")
        c.add("baseline re-run of its pip-compile steps", d.seconds, rec)
    b.drop(p)
    c.notes += [
        f"No resolver was spawned: the xtask's stderr was `{line}` on every run, and it starts uv only after "
        "finding a stale lock (a fresh `lock` returns before locating uv).",
        "The baseline has no freshness check: re-running it re-resolves everything (pip-compile keeps the pins "
        "of its existing output files).",
        "`lock --check` is the offline `check`: lock digests, layer pins in every lock, and venv drift (no venvs "
        "exist in this copy).",
    ]


def case_c(b: Bench, c: Case) -> None:
    c.metric("xtask setup-envs", "cd <copy> && rm -rf projects/*/.venv && xtask setup-envs")
    c.metric("hand-rolled uv sequence", "rm -rf <copy>/projects/*/.venv && bench/baseline/uv_sequence.sh <copy>")
    c.metric("hand-rolled uv sequence, no bytecode", "rm -rf <copy>/projects/*/.venv && "
             "bench/baseline/uv_sequence.sh <copy> --no-compile-bytecode")
    c.metric("baseline venv + pip steps", "rm -rf <copy>/.baseline/venvs && "
             "bench/baseline/setup_all_envs.sh <copy> install")
    c.metric("xtask: sum of its per-env `Synced` times", "(parsed from the stderr of the xtask run)")
    c.ratios += [("baseline / xtask", "baseline venv + pip steps", "xtask setup-envs"),
                 ("uv sequence / xtask", "hand-rolled uv sequence", "xtask setup-envs"),
                 ("sum of per-env syncs / xtask wall (parallelism)", "xtask: sum of its per-env `Synced` times",
                  "xtask setup-envs")]
    p = b.copy("c", b.template_bl)
    for rec in b.iterations():
        rm_venvs(p)
        c.add("hand-rolled uv sequence", b.r.script("uv_sequence.sh", p).seconds, rec)
        rm_venvs(p)
        c.add("hand-rolled uv sequence, no bytecode", b.r.script("uv_sequence.sh", p, "--no-compile-bytecode").seconds,
              rec)
        rm_venvs(p)
        d = b.r.xtask(["setup-envs"], p)
        if count(d.err, "Synced") != len(SAMPLE) or count(d.err, "Locked"):
            raise BenchError(f"expected {len(SAMPLE)} syncs and no lock:\n{d.err}")
        c.add("xtask setup-envs", d.seconds, rec)
        syncs = [float(v) / (1000 if u == "ms" else 1)
                 for v, u in re.findall(r"Synced .* in ([\d.]+)(ms|s)$", d.err, re.M)]
        c.add("xtask: sum of its per-env `Synced` times", sum(syncs), rec)
        shutil.rmtree(p / ".baseline" / "venvs", ignore_errors=True)
        c.add("baseline venv + pip steps", b.r.script("setup_all_envs.sh", p, "install").seconds, rec)
    b.drop(p)
    c.notes += [
        "Warm caches, fresh locks, no venvs. The xtask and the uv sequence install the same locks with the same "
        "uv into the same folders; the xtask syncs envs in parallel (-j = CPUs) and writes stamps.",
        "The baseline makes each venv with `python -m venv` (pip bundled by ensurepip), `pip install -r` its "
        "compiled file, then `pip install -e` the project and its local dependencies (each editable built in "
        "an isolated build env with uv_build).",
        "Bytecode: pip and the first uv sequence compile .pyc for every installed module at install time; "
        "the xtask does not (its test runs compile what they import, once, into the venv), like the "
        "no-bytecode uv sequence, which shows what that part costs.",
    ]


def case_d(b: Bench, c: Case) -> None:
    c.metric("xtask setup-envs, binary (wall)", "cd <copy> && xtask setup-envs")
    c.metric("xtask setup-envs (in-process, its `Fresh` line)", "(parsed from the stderr of the run above)")
    c.metric("cargo run … setup-envs (wall)", "cd <copy> && cargo run -q --manifest-path "
             f"{REPO}/Cargo.toml -p xtask -- setup-envs")
    c.ratios.append(("cargo run / binary", "cargo run … setup-envs (wall)", "xtask setup-envs, binary (wall)"))
    p = b.full_copy()
    # What `cargo run` runs should be built already (if the sources are mid-change, cargo run
    # rebuilds or fails below, and that is reported).
    b.r.run(["cargo", "build", "-q", "-p", "xtask"], REPO, check=False)
    line, rebuilt = "", 0
    for rec in b.iterations():
        d = b.r.xtask(["setup-envs"], p)
        if count(d.err, "Synced") or count(d.err, "Locked"):
            raise BenchError(f"setup-envs did work on fresh envs:\n{d.err}")
        line = d.err.strip()
        c.add("xtask setup-envs, binary (wall)", d.seconds, rec)
        c.add("xtask setup-envs (in-process, its `Fresh` line)", parse_elapsed(d.err, FRESH_ENVS), rec)
        before = XTASK_BUILT.stat().st_mtime_ns
        d = b.r.run(["cargo", "run", "-q", "--manifest-path", REPO / "Cargo.toml", "-p", "xtask", "--",
                     "setup-envs"], p)
        parse_elapsed(d.err, FRESH_ENVS)
        if XTASK_BUILT.stat().st_mtime_ns != before:
            rebuilt += 1
        c.add("cargo run … setup-envs (wall)", d.seconds, rec)
    c.notes.append(f"Its stderr: `{line}`. The in-process figure has a 1 ms resolution and starts after the "
                   "workspace is loaded (config and pyprojects parsed); the wall time adds process start and "
                   "that load.")
    c.notes.append("`cargo run` is what `cargo xtask` expands to: cargo checks the build is up to date, then runs "
                   "target/debug/xtask (a dev build).")
    if rebuilt:
        c.notes.append(f"**{rebuilt} `cargo run` sample(s) rebuilt the xtask** (its sources changed during the "
                       "run): those samples include compile time.")


def case_e(b: Bench, c: Case) -> None:
    c.metric("xtask test-all (wall)", "cd <copy> && xtask test-all")
    c.metric("sum of the suites (xtask's table)", "(seconds column of the table above, summed)")
    c.metric("critical path (xtask's table + graph)", "(longest chain of seconds along `xtask graph` edges)")
    cores = os.cpu_count() or 1
    c.metric(f"least possible on {cores} cores (xtask's table + graph)",
             "(ancestors' seconds / cores + the longest chain on, at the worst suite)")
    c.metric("baseline test_all.sh (wall)", "bench/baseline/test_all.sh <copy>")
    c.ratios += [("baseline / xtask", "baseline test_all.sh (wall)", "xtask test-all (wall)"),
                 ("sum of suites / xtask wall (parallel speed-up)", "sum of the suites (xtask's table)",
                  "xtask test-all (wall)"),
                 ("xtask wall / critical path", "xtask test-all (wall)", "critical path (xtask's table + graph)"),
                 (f"xtask wall / least possible on {cores} cores", "xtask test-all (wall)",
                  f"least possible on {cores} cores (xtask's table + graph)")]
    p = b.full_copy()
    graph = parse_graph(b.r.xtask(["graph"], p).out)
    chain: list[str] = []
    bound_at = ""
    for rec in b.iterations():
        d = b.r.xtask(["test-all"], p)
        table = parse_test_table(d.out)
        if set(table) != set(SAMPLE) or any(r != "ok" for r, _ in table.values()):
            raise BenchError(f"test-all table: {table}")
        seconds = {k: s for k, (_, s) in table.items()}
        path_s, chain = critical_path(graph, seconds)
        bound_s, bound_at = lower_bound(graph, seconds, cores)
        c.add("xtask test-all (wall)", d.seconds, rec)
        c.add("sum of the suites (xtask's table)", sum(seconds.values()), rec)
        c.add("critical path (xtask's table + graph)", path_s, rec)
        c.add(f"least possible on {cores} cores (xtask's table + graph)", bound_s, rec)
        c.add("baseline test_all.sh (wall)", b.r.script("test_all.sh", p).seconds, rec)
    c.notes += [
        f"The critical path of the last run: {' -> '.join(chain)}. A scheduler that starts a suite only after the "
        "suites of its dependencies passed (`--no-speculate`) needs at least the critical path with unlimited "
        f"cores, and with -j = {cores} at least sum / {cores}. By default the xtask may start a dependant early "
        "when a slot would sit idle (case s measures it), so its wall time can go under both bounds; the copy is "
        "not a git repository, so the result cache is off and every suite runs.",
        f"*Least possible on {cores} cores* is a lower bound for any schedule of these suites on {cores} "
        "slots that waits for dependencies: a suite starts only after all its ancestors ran, at least their "
        "summed seconds / cores, and the "
        f"longest chain from it still follows. In the last run it was set by {bound_at}. The gap between the "
        "critical path and this bound is the cost of the core count, not of the scheduling.",
        "Ready suites start most-dependants-first (a suite that others wait for before a leaf), so a leaf such "
        "as digest runs beside the tail of the chain instead of before it.",
        "Per-suite seconds are the xtask's (process start to exit of `python -m pytest`); the envs were fresh, "
        "so the wall time includes the xtask's ms-scale freshness check.",
    ]


def du(paths: list[Path], apparent: bool = False, first: Path | None = None) -> int:
    """KiB that `du -sk` gives `paths` in one invocation (a file hard-linked into several of
    them, or into `first`, which is listed first and not counted, is counted once)."""
    args = ["du", "-sk"] + (["--apparent-size"] if apparent else []) + ([str(first)] if first else []) \
        + [str(p) for p in paths]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout.splitlines()
    sizes = [int(l.split("\t", 1)[0]) for l in out]
    return sum(sizes[1:] if first else sizes)


def linked_files(paths: list[Path]) -> tuple[int, int]:
    files = linked = 0
    for p in paths:
        for dirpath, _, names in os.walk(p):
            for n in names:
                st = os.lstat(os.path.join(dirpath, n))
                if not os.path.islink(os.path.join(dirpath, n)):
                    files += 1
                    linked += st.st_nlink > 1
    return files, linked


def case_g(b: Bench, c: Case) -> None:
    p = b.full_copy()
    sets = {"xtask venvs (projects/*/.venv)": [p / "projects" / n / ".venv" for n in SAMPLE],
            "baseline venvs (.baseline/venvs/*)": [p / ".baseline" / "venvs" / n for n in SAMPLE]}
    rows = []
    for label, venvs in sets.items():
        alone = sum(du([v]) for v in venvs) / 1024
        together = du(venvs) / 1024
        beyond_uv = du(venvs, first=UV_CACHE) / 1024
        apparent = sum(du([v], apparent=True) for v in venvs) / 1024
        files, linked = linked_files(venvs)
        rows.append(f"| {label} | {alone:.1f} MB | {together:.1f} MB | {beyond_uv:.1f} MB | {apparent:.1f} MB | "
                    f"{linked} of {files} |")
    c.extra += [
        "| venvs | `du -sk` per venv, summed | `du -sk` all at once | ... beyond the uv cache | "
        "`du -sk --apparent-size` per venv, summed | files with more than one link |",
        "|---|---:|---:|---:|---:|---:|", *rows, "",
        f"Caches, shared by every repository on the machine: uv cache {du([UV_CACHE]) / 1024:.1f} MB, pip cache "
        f"{du([PIP_CACHE]) / 1024:.1f} MB (`du -sk`; the bench's own caches, {UV_CACHE.relative_to(REPO)} and "
        f"{PIP_CACHE.relative_to(REPO)}, which also hold the scale repos' packages).",
    ]
    c.notes += [
        "How to read it: `du -sk` counts disk blocks, and a file with several hard links once per invocation. "
        "*Per venv, summed* is what each venv weighs if you look at it alone (what `du` of one project shows). "
        "*All at once* counts a file shared by hard links between venvs once. *Beyond the uv cache* lists the "
        "uv cache first in the same `du`, so a file hard-linked from the cache counts zero: the disk the venvs "
        "really add on this machine while the cache exists. *Apparent size* is the bytes of the files, links or "
        "not (what a copy or an archive of the venvs would weigh).",
        "uv installs by hard-linking from its cache (same filesystem here); the xtask compiles no .pyc at "
        "install time (test runs add the ones they import, per venv). pip copies every file into each venv; its cache keeps "
        "wheels and HTTP responses, not unpacked files, so nothing is shared.",
        "The two sets do not hold quite the same packages: the xtask's locks are universal (e.g. numpy under "
        "markers) and sync exactly; the baseline installs what pip-compile pinned for this machine, plus pip and "
        "(3.11's ensurepip) setuptools in each venv.",
    ]


def case_f(b: Bench, c: Case) -> None:
    p = b.full_copy()
    has_update_base = "update-base" in b.r.xtask(["help"], BENCH).out
    xt = "xtask update-base" if has_update_base else "xtask lock + xtask setup-envs"
    c.metric(xt, f"cd <copy> && echo '{BASE_EDIT}' >> _meta/requirements/base.in && "
             + ("xtask update-base" if has_update_base else "xtask lock && xtask setup-envs"))
    c.metric("baseline compile + install", "bench/baseline/setup_all_envs.sh <copy> all")
    c.ratios.append(("baseline / xtask", "baseline compile + install", xt))
    golden = b.work / "f-golden"
    b.r.run(["cp", "-a", p, golden], b.work)
    moved = ""
    for i, rec in enumerate(b.iterations()):
        if i:
            shutil.rmtree(p)
            b.r.run(["cp", "-a", golden, p], b.work)
        with open(p / "_meta" / "requirements" / "base.in", "a") as f:
            f.write(BASE_EDIT + "\n")
        if has_update_base:
            d = b.r.xtask(["update-base"], p)
            seconds, err, out = d.seconds, d.err, d.out
        else:
            d1, d2 = b.r.xtask(["lock"], p), b.r.xtask(["setup-envs"], p)
            seconds, err, out = d1.seconds + d2.seconds, d1.err + d2.err, d1.out + d2.out
        if count(err, "Locked") != b.lock_count or count(err, "Synced") != len(SAMPLE):
            raise BenchError(f"expected {b.lock_count} locks and {len(SAMPLE)} syncs:\n{err}")
        moved = "; ".join(l.strip() for l in out.splitlines() if "pytest-timeout" in l or "pytest_timeout" in l)
        c.add(xt, seconds, rec)
        c.add("baseline compile + install", b.r.script("setup_all_envs.sh", p, "all").seconds, rec)
        for root in [p / "projects" / n / ".venv" for n in SAMPLE] + [p / ".baseline" / "venvs" / n for n in SAMPLE]:
            if not list(root.glob("lib/python*/site-packages/pytest_timeout*")):
                raise BenchError(f"{root} did not get pytest-timeout")
    b.drop(golden)
    c.notes += [
        f"Each run starts from the same state (fresh locks, both sets of venvs synced; restored with `cp -a` at "
        f"the same path, untimed), appends `{BASE_EDIT}` to base.in, then runs each side; every venv of both "
        "sets was checked to have pytest-timeout afterwards.",
        f"The xtask re-locked all {b.lock_count} locks and resynced {len(SAMPLE)} venvs; its table of moves said: "
        f"`{moved or '(no pytest-timeout row)'}`.",
        "The baseline re-runs its whole script: every pip-compile, then `pip install -r` (adds the new package "
        "to the existing venv) and `pip install -e` (rebuilds every editable) per project.",
    ]


def lock_body(text: str) -> str:
    """A lock without the xtask's header (its leading `#` lines): what uv wrote, plus any
    index lines the xtask puts first. uv's own `# via` lines are indented, so they stay."""
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines) and lines[i].startswith("#"):
        i += 1
    return "".join(lines[i:])


def shell_env(env: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """`env` as the user's shell had it, before `pyenv exec`. Where `python3` is pyenv's shim,
    this script runs under `pyenv exec`, which puts the interpreter's own bin folder (and
    pyenv's libexec and plugins) first on PATH and sets PYENV_VERSION: every child then finds
    that interpreter directly, where `cargo xtask` typed in a shell finds pyenv's shims (and
    uv pays a shim query per compile). Returns the env and what was taken out."""
    root = env.get("PYENV_ROOT")
    if not root or "PYENV_VERSION" not in env:
        return env, []
    root = os.path.realpath(root)
    entries = [e for e in env.get("PATH", "").split(os.pathsep) if e != str(TOOLS_BIN)]
    dropped = []
    while entries:
        e = os.path.realpath(entries[0])
        if (e.startswith(os.path.join(root, "versions") + os.sep) or e == os.path.join(root, "libexec")
                or (e.startswith(os.path.join(root, "plugins") + os.sep) and e.endswith(os.sep + "bin"))):
            dropped.append(entries.pop(0))
        else:
            break
    out = {k: v for k, v in env.items() if k not in {"PYENV_VERSION", "PYENV_DIR", "PYENV_HOOK_PATH"}}
    out["PATH"] = os.pathsep.join([str(TOOLS_BIN), *entries])  # the tools' links first, as for every case
    return out, dropped + [k for k in ("PYENV_VERSION", "PYENV_DIR", "PYENV_HOOK_PATH") if k in env]


def pyenv_interpreter(env: dict[str, str], request: str) -> str | None:
    """pyenv's newest install matching `request` (`3.11` -> versions/3.11.7/bin/python),
    as xtask/src/venv.rs `interpreter` finds it for `uv venv`."""
    root = env.get("PYENV_ROOT") or os.path.join(os.path.expanduser("~"), ".pyenv")
    versions = Path(root) / "versions"
    if not re.fullmatch(r"[\d.]+", request) or not versions.is_dir():
        return None
    found = [d for d in versions.iterdir() if d.name == request or d.name.startswith(request + ".")]
    found = [d for d in found if re.fullmatch(r"[\d.]+", d.name) and (d / "bin" / "python").is_file()]
    if not found:
        return None
    best = max(found, key=lambda d: [int(x) for x in d.name.split(".")])
    return str(best / "bin" / "python")


def mixed_template(b: Bench) -> tuple[Path, dict[str, tuple[str, list[str], list[str]]]]:
    """The mixed-backend monorepo (bench/gen_mixed.py), generated once per run, its graph
    checked against the generator's (which the hand-written baseline follows)."""
    sys.path.insert(0, str(BENCH))
    import gen_mixed  # noqa: PLC0415 - next to this file
    t = b.work / "mixed-template"
    if not t.is_dir():
        b.r.run([sys.executable, GEN_MIXED, t, "--config", REPO / "_meta" / "monorepo.toml"], BENCH)
        graph = parse_graph(b.r.xtask(["graph"], t).out)
        want = {p: sorted(local) for p, (_, local, _) in gen_mixed.MIXED.items()}
        if {k: sorted(v) for k, v in graph.items()} != want:
            raise BenchError(f"the mixed monorepo's graph is {graph}, not {want}: update bench/gen_mixed.py and "
                             "bench/baseline/uv_lock_by_hand.sh together")
    return t, gen_mixed.MIXED


def case_m(b: Bench, c: Case) -> None:
    t, mixed = mixed_template(b)
    names = ["base", *mixed]
    env, dropped = shell_env(b.r.env)
    r = Runner(env)  # what a shell gives `cargo xtask lock` and the hand-typed commands
    python = b.config["monorepo"]["python"]
    interpreter = pyenv_interpreter(env, python)
    c.metric("xtask lock", "cd <mixed> && rm -f _meta/requirements/*.txt && xtask lock")
    c.metric("xtask lock (CPU: user + sys)", "(of the run above, its uv processes included)")
    c.metric("xtask lock -j 1", "cd <mixed> && rm -f _meta/requirements/*.txt && xtask lock -j 1")
    c.metric("xtask lock -j 1 (CPU: user + sys)", "(of the run above, its uv processes included)")
    c.metric("uv by hand, one after the other", "bench/baseline/uv_lock_by_hand.sh <mixed>")
    c.metric("uv by hand (CPU: user + sys)", "(of the run above)")
    if interpreter:
        c.metric("uv by hand, `--python` pyenv's interpreter", f"LOCK_INTERPRETER={interpreter} "
                 "bench/baseline/uv_lock_by_hand.sh <mixed>")
        c.metric("uv by hand, `--python` (CPU: user + sys)", "(of the run above)")
    for n in names:
        c.metric(f"xtask lock -j 1: `Locked {n}`", "(its `Locked … in Ns` line)")
    c.ratios += [("xtask lock / uv by hand", "xtask lock", "uv by hand, one after the other"),
                 ("xtask lock -j 1 / uv by hand", "xtask lock -j 1", "uv by hand, one after the other")]
    log("  warming the caches for the mixed monorepo (untimed)")
    w = b.copy("m-warm", t)
    r.xtask(["lock"], w)
    b.drop(w)
    w = b.copy("m-warm", t)
    r.script("uv_lock_by_hand.sh", w)
    b.drop(w)
    same, differ = set(), set()
    for rec in b.iterations():
        locks = {}
        for jobs in ([], ["-j", "1"]):
            x = b.copy("m-xtask", t)
            d = r.xtask(["lock", *jobs], x)
            if count(d.err, "Locked") != len(names):
                raise BenchError(f"xtask lock locked {count(d.err, 'Locked')}, not {len(names)}:\n{d.err}")
            label = "xtask lock" + (" -j 1" if jobs else "")
            c.add(label, d.seconds, rec)
            c.add(f"{label} (CPU: user + sys)", d.cpu, rec)
            if jobs:
                for n, v, u in re.findall(LOCKED, d.err, re.M):
                    c.add(f"xtask lock -j 1: `Locked {n}`", float(v) / (1000 if u == "ms" else 1), rec)
            locks = {n: lock_body((x / "_meta" / "requirements" / f"{n}.txt").read_text()) for n in names}
            b.drop(x)
        for label, extra in [("uv by hand", {})] + ([("uv by hand, `--python`", {"LOCK_INTERPRETER": interpreter})]
                                                    if interpreter else []):
            y = b.copy("m-hand", t)
            d = r.script("uv_lock_by_hand.sh", y, env=extra)
            c.add(label + (", one after the other" if not extra else " pyenv's interpreter"), d.seconds, rec)
            c.add(f"{label} (CPU: user + sys)", d.cpu, rec)
            for n in names:
                (same if (y / "_meta" / "requirements" / f"{n}.txt").read_text() == locks[n] else differ).add(n)
            b.drop(y)
    backends = ", ".join(f"{p} ({backend}{', ' + ', '.join(third) if third else ''})"
                         for p, (backend, _, third) in mixed.items())
    c.notes += [
        f"The monorepo (`python3 bench/gen_mixed.py <mixed>`): {backends}; base layer `pytest>=8`. Every lock is "
        "compiled from nothing (no `.txt`) in a fresh copy; caches warmed by one untimed run of each side.",
        "The by-hand side is the xtask's own commands typed out: the same `uv pip compile` flags, stdin, `-e ./` "
        "editables, `-c base.txt` and environment, one after the other. `xtask lock` runs independent locks in "
        "parallel (-j = CPUs); `-j 1` is the like-for-like comparison. Wall minus CPU is time spent waiting "
        "(network round trips, a sleep between retries, a lock).",
        "The per-lock rows are the xtask's own `Locked <env> … in Ns` lines of the `-j 1` run: a lock that waits "
        "shows there (the numpy and httpx projects, calc and net, resolve the most packages).",
        ("Environment: the shell's, not this script's: " + (f"`pyenv exec` (through which `python3` runs this "
         f"script) had put {', '.join(f'`{x}`' for x in dropped)} in front or set them; taken out for this case, "
         "so uv finds pyenv's shims on PATH as it does under `cargo xtask lock` typed in a shell."
         if dropped else "no `pyenv exec` additions to take out.")),
        (f"`--python {interpreter}` (pyenv's install, what the xtask already gives `uv venv`) spares uv its Python "
         "discovery for builds, which otherwise queries pyenv's `python" + python + "` shim, a shell script "
         "that runs pyenv, in every compile; the lock is the same (the target stays `--python-version "
         f"{python}`)." if interpreter else "No pyenv install of Python " + python + " here: no `--python` variant."),
        (f"The lock bodies (the xtask's header left out) were identical on both sides for all {len(names)} "
         "locks in every run." if not differ else
         f"**The lock bodies differ** between the xtask and the by-hand script for {', '.join(sorted(differ))}: "
         "the script no longer runs what the xtask runs (flags or inputs changed); update "
         "bench/baseline/uv_lock_by_hand.sh."),
    ]


def commit_all(b: Bench, repo: Path) -> None:
    """Makes `repo` a git repository with everything committed (venvs and caches ignored)."""
    (repo / ".gitignore").write_text(COPY_GITIGNORE)
    b.r.run(["git", "init", "--quiet", "--initial-branch=main"], repo)
    b.r.run(["git", *GIT_ID, "add", "--all"], repo)
    b.r.run(["git", *GIT_ID, "commit", "--quiet", "-m", "bench copy"], repo)


SCHED_JOBS = 2


def sched_repo(b: Bench, shape: str, projects: dict[str, tuple[float, list[str]]]) -> tuple[Path, dict[str, list[str]]]:
    """One generated monorepo of case s (bench/gen_sched.py), its graph checked against the
    generator's, committed to git, its locks and venvs made (untimed)."""
    repo = b.work / f"sched-{shape}"
    b.r.run([sys.executable, GEN_SCHED, repo, shape, "--config", REPO / "_meta" / "monorepo.toml"], BENCH)
    graph = parse_graph(b.r.xtask(["graph"], repo).out)
    want = {p: sorted(local) for p, (_, local) in projects.items()}
    if {k: sorted(v) for k, v in graph.items()} != want:
        raise BenchError(f"the {shape} monorepo's graph is {graph}, not {want}: check bench/gen_sched.py")
    commit_all(b, repo)
    log(f"  locks and venvs of {shape}, and one run of its suites (untimed)")
    b.r.xtask(["setup-envs"], repo)
    # The first run of a venv compiles the bytecode of what its suite imports (pytest), about
    # a second per suite here: not what the schedulers are compared on.
    b.r.xtask(["test-all", "--no-cache", "-j", str(SCHED_JOBS)], repo)
    return repo, graph


def schedule_of(events: list[dict], graph: dict[str, list[str]]) -> dict[str, dict]:
    """Per suite of a `test-all --message-format json` run: `start` (seconds after the
    run-started event), `seconds` (its own), `end`, and `early` (it started before one of its
    dependencies' suites ended: speculatively)."""
    t0 = next(e["at"] for e in events if e["event"] == "run-started")
    started = {e["project"]: e["at"] - t0 for e in events if e["event"] == "suite-started"}
    finished = {e["project"]: e for e in events if e["event"] == "suite-finished"}
    bad = {p: e.get("result") for p, e in finished.items() if e.get("result") != "passed"}
    if set(finished) != set(graph) or set(started) != set(graph) or bad:
        raise BenchError(f"test-all did not run and pass every suite: started {sorted(started)}, finished "
                         f"{ {p: e.get('result') for p, e in finished.items()} }")
    out = {p: {"start": started[p], "seconds": finished[p]["seconds"], "end": started[p] + finished[p]["seconds"]}
           for p in graph}
    for p, deps in graph.items():
        # 50 ms of slack: the started event is sent just before pytest is spawned.
        out[p]["early"] = any(out[p]["start"] < out[d]["end"] - 0.05 for d in deps)
    return out


def case_s(b: Bench, c: Case) -> None:
    sys.path.insert(0, str(BENCH))
    import gen_sched  # noqa: PLC0415 - next to this file
    j = SCHED_JOBS
    base = f"xtask test-all --no-cache -j {j}"
    last: dict[str, dict[str, dict[str, dict]]] = {}
    repos = {}
    for shape, projects in gen_sched.SHAPES.items():
        repos[shape] = sched_repo(b, shape, projects)
        c.metric(f"{shape}: `--no-speculate` (wall)", f"cd <{shape}> && {base} --no-speculate")
        c.metric(f"{shape}: speculative (wall)", f"cd <{shape}> && {base}")
        c.metric(f"{shape}: least possible on {j} slots", f"(max(longest suite, sum of suites / {j}), from the "
                 "runs' per-suite seconds)")
        c.metric(f"{shape}: longest chain (least possible without speculation)",
                 "(the longest chain of suite seconds along `xtask graph` edges)")
        c.metric(f"{shape}: sum of the suites", "(their `suite-finished` seconds, summed)")
        c.ratios += [(f"{shape}: `--no-speculate` / speculative", f"{shape}: `--no-speculate` (wall)",
                      f"{shape}: speculative (wall)"),
                     (f"{shape}: speculative / least possible", f"{shape}: speculative (wall)",
                      f"{shape}: least possible on {j} slots"),
                     (f"{shape}: `--no-speculate` / longest chain", f"{shape}: `--no-speculate` (wall)",
                      f"{shape}: longest chain (least possible without speculation)")]
    for rec in b.iterations():
        for shape, (repo, graph) in repos.items():
            runs = {}
            for label, extra in [("`--no-speculate`", ["--no-speculate"]), ("speculative", [])]:
                d, events = b.r.xtask_events(["test-all", "--no-cache", "-j", str(j), *extra], repo)
                runs[label] = schedule_of(events, graph)
                c.add(f"{shape}: {label} (wall)", d.seconds, rec)
            if any(s["early"] for s in runs["`--no-speculate`"].values()):
                raise BenchError(f"--no-speculate started a suite before its dependencies ended: "
                                 f"{runs['`--no-speculate`']}")
            # Each suite's seconds: the mean of its two runs (a sleep's suite varies by milliseconds).
            seconds = {p: statistics.mean(r[p]["seconds"] for r in runs.values()) for p in graph}
            c.add(f"{shape}: least possible on {j} slots", max(max(seconds.values()), sum(seconds.values()) / j), rec)
            c.add(f"{shape}: longest chain (least possible without speculation)", critical_path(graph, seconds)[0],
                  rec)
            c.add(f"{shape}: sum of the suites", sum(seconds.values()), rec)
            last[shape] = runs
    for shape, runs in last.items():
        graph = repos[shape][1]
        sleeps = gen_sched.SHAPES[shape]
        c.extra += [f"The last run's schedule, {shape} (seconds after the run started; *early* = started before a "
                    "dependency's suite ended):", "",
                    "| suite | needs | sleeps | `--no-speculate` | speculative |", "|---|---|---:|---|---|"]
        for p in graph:
            cells = [f"{r[p]['start']:.2f}–{r[p]['end']:.2f} s" + (" *early*" if r[p]["early"] else "")
                     for r in runs.values()]
            c.extra.append(f"| {p} | {', '.join(graph[p]) or '-'} | {sleeps[p][0]} s | {' | '.join(cells)} |")
        c.extra.append("")
        early = [p for p, s in runs["speculative"].items() if s["early"]]
        c.notes.append(f"{shape}, last run: the speculative scheduler started "
                       + (f"{', '.join(early)} early" if early else "nothing early (a ready suite always filled "
                          "the free slot)") + ".")
    c.notes += [
        "The monorepos: `python3 bench/gen_sched.py <dir> <shape>`; each suite is one test that sleeps, so it "
        "costs its sleep plus pytest's start (about 0.2 s) and almost no CPU: the `-j` slots, not the cores, "
        "are what the suites compete for. Each is a git repository with everything committed; locks and "
        "venvs made once, then one untimed run of every suite (a venv's first run compiles the bytecode of "
        "what it imports, about a second per suite here). `--no-cache` in both variants, so every suite runs "
        "every time.",
        f"`--no-speculate` starts a suite only after its dependencies' suites passed (the scheduler before "
        f"speculation): with -j {j} it needs at least the longest chain. The default starts a suite whose "
        "dependencies have all started when a slot would otherwise sit idle, or when its chain of recorded "
        "durations is longer than every ready suite's, "
        f"holding its result until they pass. *Least possible on {j} slots* ignores dependency order, as "
        f"speculation may: max(longest suite, sum / {j}); no schedule of these suites can be shorter.",
        "Bounds use each suite's measured seconds (the `seconds` of its `suite-finished` event, the mean of "
        "the run's two variants); wall times are the whole `xtask test-all` process, which adds the "
        "freshness check of the venvs and the xtask's start (tens of ms).",
        "The start and end times come from `--message-format json`: each event's line is stamped when it "
        "arrives on the pipe (the xtask flushes every event); a suite's end is its start plus its seconds.",
    ]


R_LEAF = "digest"  # a project of the sample that no other project depends on


def case_r(b: Bench, c: Case) -> None:
    leaf = R_LEAF
    if leaf not in b.graph or any(leaf in deps for deps in b.graph.values()):
        raise BenchError(f"{leaf} is not a leaf of the sample (a project nothing depends on): {b.graph}; "
                         "change R_LEAF in bench/run.py")
    p = b.copy("r")
    commit_all(b, p)
    tests = sorted((p / "projects" / leaf / "tests").glob("test_*.py"))
    if not tests:
        raise BenchError(f"projects/{leaf}/tests has no test_*.py")
    test_file = tests[0]
    rel = test_file.relative_to(p)
    original = test_file.read_text()

    def edit(i: int, tag: str) -> None:
        """The pull request: one more passing test, a different one for every run and variant."""
        test_file.write_text(original + f"\n\ndef test_bench_pr_{i}_{tag}():\n    assert {i} + 1 == {i + 1}\n")

    def table_of(d: Done, want: dict[str, str]) -> dict[str, tuple[str, float]]:
        table = parse_test_table(d.out)
        if {k: r for k, (r, _) in table.items()} != want:
            raise BenchError(f"`{fmt_cmd(d.cmd)}`: expected {want}, its table says {table}:\n{tail(d.err)}")
        return table

    log("  syncing the venvs and warming the result cache: one `xtask test-all` (untimed)")
    table_of(b.r.xtask(["test-all"], p), {n: "ok" for n in SAMPLE})
    warm = {n: "ok" if n == leaf else "cached" for n in SAMPLE}
    c.metric("test-all, one leaf edited (warm result cache)",
             f"cd <git copy> && <append a test to {rel}> && xtask test-all")
    c.metric(f"… of which {leaf}'s suite", "(its seconds in the table of the run above)")
    c.metric("test-all --no-cache, one leaf edited (every suite runs)",
             f"cd <git copy> && <append a test to {rel}> && xtask test-all --no-cache")
    c.metric("… sum of its suites", "(the seconds column of the run above, summed)")
    c.metric("test-all, nothing changed (every suite cached)", "cd <git copy> && xtask test-all")
    c.ratios += [("--no-cache / warm cache", "test-all --no-cache, one leaf edited (every suite runs)",
                  "test-all, one leaf edited (warm result cache)"),
                 (f"warm cache / {leaf}'s suite (the cache's overhead)", "test-all, one leaf edited (warm result cache)",
                  f"… of which {leaf}'s suite")]
    for i, rec in enumerate(b.iterations()):
        edit(i, "cached")
        d = b.r.xtask(["test-all"], p)
        c.add("test-all, one leaf edited (warm result cache)", d.seconds, rec)
        c.add(f"… of which {leaf}'s suite", table_of(d, warm)[leaf][1], rec)
        d = b.r.xtask(["test-all"], p)
        table_of(d, {n: "cached" for n in SAMPLE})
        c.add("test-all, nothing changed (every suite cached)", d.seconds, rec)
        edit(i, "full")
        d = b.r.xtask(["test-all", "--no-cache"], p)
        c.add("test-all --no-cache, one leaf edited (every suite runs)", d.seconds, rec)
        c.add("… sum of its suites", sum(s for _, s in table_of(d, {n: "ok" for n in SAMPLE}).values()), rec)
    test_file.write_text(original)
    b.drop(p)
    c.notes += [
        f"The pull request touches one leaf, {leaf} (no project depends on it; `xtask graph`): each run appends a "
        f"passing test to {rel}, a different one per run and per variant, so its key is always new. The copy is "
        "a git repository with everything committed (venvs and `_meta/.cache/` ignored), so the result cache is "
        "on; one untimed `xtask test-all` first synced the venvs and recorded a passing result for every suite.",
        f"Warm cache: {leaf}'s suite runs, the other {len(SAMPLE) - 1} are `cached` (checked in the table of every "
        "run); `--no-cache` runs all of them, as `test-all` did before the cache; *nothing changed* shows the "
        "cache's own cost: the three git calls that key every suite, reading the records, and the venvs' "
        "freshness check.",
        f"-j left at its default ({os.cpu_count()} here). A `--no-cache` run records nothing, so the variants do "
        "not feed each other.",
    ]


def case_scale(b: Bench) -> Case:
    c = Case("scale", "Scale: synthetic monorepos of N projects",
             "`bench/gen_monorepo.py N SEED DIR` makes N tiny projects (each depends on 0-3 earlier ones; one "
             "base layer, `pytest>=8`). Locks and venvs are made once per N with `xtask setup-envs` (untimed, "
             f"cached in {SCALE_DIR.relative_to(REPO)}/); then, with everything fresh, each command is timed "
             "with the repository as the working directory.")
    gen_sha = hashlib.sha256(GEN.read_bytes() + (REPO / "_meta" / "monorepo.toml").read_bytes()).hexdigest()[:16]
    rows = []
    for n in b.opts.scale:
        log(f"scale N={n}")
        repo = SCALE_DIR / f"n{n}-seed{b.opts.seed}"
        marker = repo / ".bench-gen.json"
        meta = json.loads(marker.read_text()) if marker.is_file() else {}
        if meta.get("gen") != gen_sha:
            shutil.rmtree(repo, ignore_errors=True)
            b.r.run([sys.executable, GEN, n, b.opts.seed, repo], BENCH)
            meta = {"gen": gen_sha, "n": n, "seed": b.opts.seed}
            marker.write_text(json.dumps(meta))
        log(f"  preparing locks and venvs for N={n} (untimed; slow the first time)")
        d = b.r.xtask(["setup-envs"], repo, timeout=None)
        if count(d.err, "Locked") or count(d.err, "Synced"):
            meta["prepared"] = {"seconds": round(d.seconds, 1), "locked": count(d.err, "Locked"),
                                "synced": count(d.err, "Synced"), "binary": b.binary_sha}
            marker.write_text(json.dumps(meta))
        if not (repo / ".git").is_dir():
            # Committed once, so `affected` has a history to compare with; venvs are ignored.
            (repo / ".gitignore").write_text(".venv\n.bench-gen.json\n__pycache__/\n.pytest_cache/\n/_meta/.cache/\n/_meta/.state/\n/_meta/.tools/\n")
            b.r.run(["git", "init", "--quiet", "--initial-branch=main"], repo)
            b.r.run(["git", *GIT_ID, "add", "--all"], repo)
            b.r.run(["git", *GIT_ID, "commit", "--quiet", "-m", "generated"], repo)
        graph = parse_graph(b.r.xtask(["graph"], repo).out)
        touched = "projects/p0000/src/synth_p0000/__init__.py"
        expected = dependants_closure(graph, "p0000")
        names = {k: f"N={n}: {k}" for k in ["graph", "lock --check", "lock --check (in-process)",
                                             "setup-envs (wall)", "setup-envs (in-process)",
                                             "affected (wall)", "affected (in-process)"]}
        c.metric(names["graph"], "cd <repo> && xtask graph")
        c.metric(names["lock --check"], "cd <repo> && xtask lock --check")
        c.metric(names["lock --check (in-process)"], "(its `Checked … (Nms)` line)")
        c.metric(names["setup-envs (wall)"], "cd <repo> && xtask setup-envs")
        c.metric(names["setup-envs (in-process)"], "(its `Fresh … (Nms)` line)")
        c.metric(names["affected (wall)"], f"edit {touched}; cd <repo> && xtask affected --since HEAD")
        c.metric(names["affected (in-process)"], "(its `Affected … (Nms)` line: git included)")
        for rec in b.iterations():
            d = b.r.xtask(["graph"], repo)
            if len(d.out.splitlines()) != n:
                raise BenchError(f"xtask graph printed {len(d.out.splitlines())} lines for N={n}")
            c.add(names["graph"], d.seconds, rec)
            d = b.r.xtask(["lock", "--check"], repo)
            c.add(names["lock --check"], d.seconds, rec)
            c.add(names["lock --check (in-process)"], parse_elapsed(d.err, CHECKED), rec)
            d = b.r.xtask(["setup-envs"], repo)
            c.add(names["setup-envs (wall)"], d.seconds, rec)
            c.add(names["setup-envs (in-process)"], parse_elapsed(d.err, FRESH_ENVS), rec)
            original = (repo / touched).read_text()
            (repo / touched).write_text(original + "# edited by the benchmark\n")
            try:
                d = b.r.xtask(["affected", "--since", "HEAD"], repo)
            finally:
                (repo / touched).write_text(original)
            if d.out.split() != expected:
                raise BenchError(f"xtask affected printed {len(d.out.split())} projects for N={n}, "
                                 f"expected the {len(expected)} that p0000 reaches")
            c.add(names["affected (wall)"], d.seconds, rec)
            c.add(names["affected (in-process)"], parse_elapsed(d.err, AFFECTED), rec)
        med = {k: c.median(v) for k, v in names.items()}
        prep = meta.get("prepared")
        rows.append(f"| {n} | {fmt_s(med['graph'])} | {fmt_s(med['lock --check'])} | "
                    f"{fmt_s(med['setup-envs (wall)'])} | {fmt_s(med['setup-envs (in-process)'])} | "
                    f"{fmt_s(med['affected (wall)'])} ({len(expected)} affected) | "
                    f"{med['graph'] / n * 1e6:.0f} µs | {med['lock --check'] / n * 1e6:.0f} µs | "
                    f"{med['setup-envs (wall)'] / n * 1e6:.0f} µs | {med['affected (wall)'] / n * 1e6:.0f} µs | "
                    + (f"{prep['seconds']:.0f} s ({prep['locked']} locks, {prep['synced']} venvs)" if prep else "-")
                    + " |")
    c.extra += [
        "Medians (the table above has min and max); *per project* = median / N.", "",
        "| N | graph | lock --check | setup-envs (fresh, wall) | setup-envs (in-process) | affected (wall) | "
        "graph per project | lock --check per project | setup-envs per project | affected per project | "
        "one-off: locks + venvs from nothing |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", *rows, "",
        "The last column is one `xtask setup-envs` run that made every lock and venv (warm uv cache), timed when "
        "the repo was generated; it is one sample, from whichever run generated the repo.",
    ]
    c.notes += [
        "`affected`: the repo is committed once to git; each run appends a comment to p0000's `__init__.py` "
        "(the first project, so its dependants are many), runs `xtask affected --since HEAD`, checks it printed "
        "exactly p0000's dependants closure, and restores the file. Its time includes git's `rev-parse`, "
        "`merge-base`, `diff` and `ls-files` over the whole tree.",
        "Wall times include process start and loading the workspace (reading N pyprojects); the in-process "
        "figures start after that load. "
        "`lock --check` also reads every lock and lists every venv's site-packages (drift), "
        "`setup-envs` reads every lock, stamp and site-packages.",
    ]
    return c


def case_cold(b: Bench) -> Case:
    c = Case("cold", "Cold build of the xtask",
             "The first `cargo xtask …` on a fresh clone compiles the xtask and its dependencies: "
             "`cargo build -p xtask` into an empty target dir (the crates are already downloaded in "
             "~/.cargo/registry; the OS file cache is warm after the first run).")
    c.metric("cargo build -p xtask (clean target dir)", "cd /work/main && cargo build -p xtask --target-dir <empty dir>")
    # The goal is in CPU seconds (user + sys of cargo and every rustc): wall time
    # depends on the cores, CPU time much less.
    c.metric("the same build, CPU seconds (user + sys)", "as above: getrusage of the children")
    for i, rec in enumerate(b.iterations()):
        t = b.work / f"cold-target-{i}"
        done = b.r.run(["cargo", "build", "-p", "xtask", "--target-dir", t], REPO)
        c.add("cargo build -p xtask (clean target dir)", done.seconds, rec)
        c.add("the same build, CPU seconds (user + sys)", done.cpu, rec)
        shutil.rmtree(t, ignore_errors=True)
    t = b.work / "cold-timings"
    d = b.r.run(["cargo", "build", "-p", "xtask", "--timings", "--target-dir", t], REPO)
    html = t / "cargo-timings" / "cargo-timing.html"
    shutil.copy2(html, TIMING_HTML)
    shutil.rmtree(t, ignore_errors=True)
    units = parse_timings(TIMING_HTML.read_text())
    total = re.search(r"Finished .* in ([\d.]+)s", d.err)
    c.extra += [f"`cargo build -p xtask --timings` (one more cold build{', ' + total.group(1) + ' s' if total else ''}"
                f", {len(units)} units) — the slowest units; full report: {TIMING_HTML.relative_to(REPO)}", "",
                "| unit | version | target | seconds |", "|---|---|---|---:|"]
    for u in sorted(units, key=lambda u: -u["duration"])[:12]:
        c.extra.append(f"| {u['name']} | {u['version']} | {u.get('target', '').strip() or 'lib'} | "
                       f"{u['duration']:.2f} |")
    c.notes.append(f"Profile: dev (what `cargo xtask` builds), {os.cpu_count()} cores.")
    return c


def parse_timings(html: str) -> list[dict]:
    start = html.find("UNIT_DATA")
    if start < 0:
        raise BenchError("no UNIT_DATA in cargo-timing.html")
    units, _ = json.JSONDecoder().raw_decode(html[html.index("[", start):])
    return units


# ---------------------------------------------------------------------------------------
# The report


def write_results(b: Bench, path: Path, started: datetime.datetime, finished: bool) -> None:
    o = b.opts
    cmdline = "python3 bench/run.py" + ("".join(f" {shlex.quote(a)}" for a in sys.argv[1:]))
    minutes = (time.monotonic() - T0) / 60
    out = ["# Benchmark results", "",
           f"Generated by `{cmdline}` on {started:%Y-%m-%d %H:%M} UTC, in {minutes:.1f} min"
           + ("" if finished else " (**incomplete: the run was still going or stopped**)") + ".", ""]
    if o.quick or o.runs < 5:
        out += [f"**Quick run ({o.runs} run(s), {o.warmup} warm-up): a smoke test of the suite, not numbers to "
                "quote.** The full run is `python3 bench/run.py` on a quiet machine.", ""]
    out += ["## Machine and tools", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in b.info.items()]
    out += ["", "## Method", "",
            f"- Each case: {o.warmup} warm-up run(s), then {o.runs} recorded run(s); median, min and max of the "
            "recorded ones. Ratios divide medians of this same run. Variants of a case alternate within each run.",
            f"- `xtask` is {XTASK.relative_to(REPO)}, a copy of target/debug/xtask built by `cargo build -p xtask` "
            "at the start (a dev build, what `cargo xtask` runs), with `-j` left at its default (the CPU count).",
            f"- `<copy>` is a fresh copy of the sample monorepo (_meta/monorepo.toml, the requirements' .in and "
            ".txt, projects/* without .venv, caches or bytecode) in a temp folder; commands run with it as the "
            "working directory, so the xtask finds it as its root.",
            f"- Every command runs with `PATH={TOOLS_BIN.relative_to(REPO)}:$PATH` (uv {b.uv_pin}, pip-compile "
            f"and pip-sync from the tool venv {TOOLS.relative_to(REPO)}, so the xtask uses uv from PATH and never "
            f"bootstraps), `UV_CACHE_DIR={UV_CACHE.relative_to(REPO)}`, `PIP_CACHE_DIR="
            f"{PIP_CACHE.relative_to(REPO)}`"
            + (f", and without {', '.join(b.removed_env)}" if b.removed_env else "") + ".",
            "- The baseline (bench/baseline/setup_all_envs.sh, test_all.sh) is the hand-written script sprawl "
            "for the same seven projects; it writes only under `<copy>/.baseline/`. Its venvs use the interpreter "
            "the xtask picks (`BASELINE_PYTHON`).",
            "- Timings are wall-clock times of the whole process (Python's `time.perf_counter` around "
            "`subprocess.run`); *in-process* figures are what the xtask prints about itself.",
            ]
    out += [f"- {n}" for n in b.notes]
    out += ["", "## Results", ""]
    for case in b.cases:
        out += render_case(case)
    path.write_text("\n".join(out))
    raw = {"args": vars(o) | {"workdir": str(o.workdir), "output": str(o.output)}, "info": b.info,
           "cases": [{"key": c.key, "error": c.error,
                      "metrics": {m.name: m.samples for m in c.metrics.values()}} for c in b.cases]}
    (CACHE / "results.json").write_text(json.dumps(raw, indent=1))


# ---------------------------------------------------------------------------------------


CASES = {
    "a": ("Compile all locks from scratch", case_a,
          "No `.txt` in _meta/requirements (the xtask) / no `.baseline/` (the baseline); warm caches."),
    "b": ("Lock when every lock is fresh", case_b,
          "Committed, fresh locks; nothing to compile. The baseline has its compiled files from a previous run."),
    "c": ("Set up every env: warm package cache, no venvs", case_c,
          "Fresh locks; every venv deleted before each variant; caches warmed before the cases."),
    "d": ("Set up when everything is fresh", case_d,
          "Fresh locks and venvs: the xtask should read a few files and start no process."),
    "e": ("Test all", case_e,
          "Fresh envs; every suite of the sample. The xtask schedules suites on the graph, in parallel; the "
          "baseline runs them one after the other."),
    "g": ("Disk used by the venvs", case_g,
          "Both sets of venvs of the sample, measured once (no timing)."),
    "f": ("Update the base after a one-line edit of base.in", case_f,
          f"Fresh locks, both sets of venvs synced; then `{BASE_EDIT}` appended to _meta/requirements/base.in."),
    "m": ("Lock from nothing: setuptools and hatchling members beside uv_build ones", case_m,
          "A generated six-project monorepo (bench/gen_mixed.py) whose members build with setuptools, hatchling "
          "and uv_build, two with numpy or httpx; no `.txt`; warm caches. `xtask lock` against the same uv "
          "commands typed by hand."),
    "s": ("Test-all scheduling: speculative starts against waiting for dependencies", case_s,
          "Generated monorepos (bench/gen_sched.py) whose suites sleep a known time, with a chain that matters "
          f"on {SCHED_JOBS} slots; `xtask test-all --no-cache -j {SCHED_JOBS}` with and without `--no-speculate`, "
          "against the least possible schedules."),
    "r": ("Test-all after a pull request that touches one leaf: the result cache", case_r,
          "A copy of the sample made a git repository, everything committed, its result cache warmed by one "
          f"`test-all`; each run edits one leaf's tests ({R_LEAF}), then `xtask test-all` (only that suite "
          "runs) against `xtask test-all --no-cache` (every suite runs)."),
}
# The cases that work on copies of the sample and need its caches warmed first (m and s use
# monorepos of their own; r syncs its own copy's venvs, untimed, before its runs).
SAMPLE_CASES = set(CASES) - {"m", "s", "r"}


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of cargo xtask; writes bench/RESULTS.md.")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: 1 run, no warm-up, N up to 100 (unless given explicitly)")
    parser.add_argument("--runs", type=int, help="recorded runs per case (default 5; --quick: 1)")
    parser.add_argument("--warmup", type=int, help="warm-up runs per case, not recorded (default 1; --quick: 0)")
    parser.add_argument("--scale", help="comma-separated N for the scale case (default 10,100,500,1000; "
                                        "--quick: 10,100); empty to skip it")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic monorepos (default 1)")
    parser.add_argument("--cases", default="a,b,c,d,e,g,f,m,s,r,scale,cold",
                        help="which cases to run, comma-separated (default: all: a,b,c,d,e,g,f,m,s,r,scale,cold)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temp copies go (default: the "
                                                                    "system temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the temp copies")
    parser.add_argument("--no-cache-warmup", action="store_true",
                        help="skip warming the caches before the cases (only to develop the suite: the "
                             "numbers then include downloads)")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md", help="default bench/RESULTS.md")
    opts = parser.parse_args()
    opts.runs = opts.runs if opts.runs is not None else (1 if opts.quick else 5)
    opts.warmup = opts.warmup if opts.warmup is not None else (0 if opts.quick else 1)
    if opts.scale is None:
        opts.scale = "10,100" if opts.quick else "10,100,500,1000"
    opts.scale = [int(x) for x in opts.scale.split(",") if x.strip()]
    if opts.runs < 1:
        parser.error("--runs must be at least 1")
    wanted = [c.strip() for c in opts.cases.split(",") if c.strip()]
    unknown = set(wanted) - set(CASES) - {"scale", "cold"}
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    if not opts.scale and "scale" in wanted:
        wanted.remove("scale")

    started = datetime.datetime.now(datetime.timezone.utc)
    CACHE.mkdir(parents=True, exist_ok=True)
    b = Bench(opts)
    log(f"working in {b.work}")
    failed = False
    completed = False
    try:
        b.ensure_tools()
        log("building the xtask")
        b.build_xtask()
        b.collect_info()
        b.make_template()
        if set(wanted) & SAMPLE_CASES:
            if opts.no_cache_warmup:
                b.template_bl = b.copy("template-bl")
                b.r.script("setup_all_envs.sh", b.template_bl, "compile")
                b.notes.append("**Caches not warmed before the cases (--no-cache-warmup).**")
            else:
                b.warm_caches()
        for key in [k for k in CASES if k in wanted] + [k for k in ("scale", "cold") if k in wanted]:
            log(f"case {key}")
            start = time.perf_counter()
            if key in CASES:
                title, fn, what = CASES[key]
                case = Case(key, title, what)
                b.cases.append(case)
                try:
                    fn(b, case)
                except Exception as err:  # noqa: BLE001 - one failed case must not hide the others
                    case.error = f"{err}\n\n{traceback.format_exc(limit=3)}"
                    failed = True
                    log(f"case {key} FAILED: {str(err)[:500]}")
            else:
                try:
                    case = case_scale(b) if key == "scale" else case_cold(b)
                except Exception as err:  # noqa: BLE001
                    case = Case(key, {"scale": "Scale: synthetic monorepos of N projects",
                                      "cold": "Cold build of the xtask"}[key], "")
                    case.error = f"{err}\n\n{traceback.format_exc(limit=3)}"
                    failed = True
                    log(f"case {key} FAILED: {str(err)[:500]}")
                b.cases.append(case)
            case.seconds = time.perf_counter() - start
            log(f"case {key} took {case.seconds:.0f} s")
            write_results(b, opts.output, started, finished=False)
        completed = True
    finally:
        write_results(b, opts.output, started, finished=completed)
        if not opts.keep:
            shutil.rmtree(b.work, ignore_errors=True)
    log(f"wrote {opts.output} ({(time.monotonic() - T0) / 60:.1f} min)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
