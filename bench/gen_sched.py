#!/usr/bin/env python3
"""Generates the monorepos of benchmark case s (the test-all scheduler).

    python3 bench/gen_sched.py DIR SHAPE [--config PATH]

DIR gets the projects of SHAPE (see SHAPES below), each of whose suites takes a known wall time:
its one test sleeps (`time.sleep`), so a suite costs its sleep plus pytest's start, and almost
no CPU (the slots of `-j`, not the cores, are what the suites compete for). Each project is
`projects/<name>`, package `sched-<name>`, module `sched_<name>` in `src/` (which imports its
local dependencies), built by `uv_build`. One base layer, `_meta/requirements/base.in` =
`pytest>=8`. `_meta/monorepo.toml` is the sample's config (from --config, default the
repository's own) with its opt-in layers dropped, as for the synthetic monorepos.

Shapes (seconds of sleep; -> local dependencies):

    chain+4-leaves   core 3 s; mid 3 s -> core; top 3 s -> mid; leaf1..leaf4 1.5 s each
    chain+1-leaf     core 3 s; mid 3 s -> core; top 3 s -> mid; leaf 1.5 s

Writes nothing outside DIR, and refuses a DIR that exists and is not empty.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_monorepo import DEFAULT_CONFIG, config_without_layers  # noqa: E402

BASE_IN = "# The dev tools every env gets (scheduler benchmark monorepo).\npytest>=8\n"

CHAIN = {"core": (3.0, []), "mid": (3.0, ["core"]), "top": (3.0, ["mid"])}
# shape -> {name: (seconds of sleep, local dependencies)}, in dependency order.
SHAPES: dict[str, dict[str, tuple[float, list[str]]]] = {
    "chain+4-leaves": {**CHAIN, **{f"leaf{i}": (1.5, []) for i in range(1, 5)}},
    "chain+1-leaf": {**CHAIN, "leaf": (1.5, [])},
}


def generate(root: Path, shape: str, sample_config: str) -> None:
    (root / "_meta" / "requirements").mkdir(parents=True)
    (root / "_meta" / "monorepo.toml").write_text(config_without_layers(sample_config))
    (root / "_meta" / "requirements" / "base.in").write_text(BASE_IN)
    for p, (seconds, local) in SHAPES[shape].items():
        module = f"sched_{p}"
        folder = root / "projects" / p
        (folder / "src" / module).mkdir(parents=True)
        (folder / "tests").mkdir()
        requirements = ", ".join(f'"sched-{d}"' for d in local)
        (folder / "pyproject.toml").write_text(
            f'[project]\nname = "sched-{p}"\nversion = "0.1.0"\n'
            f'description = "Project {p} of the scheduler benchmark ({shape}): a {seconds} s suite."\n'
            f'requires-python = ">=3.11"\ndependencies = [{requirements}]\n\n'
            '[build-system]\nrequires = ["uv_build>=0.9,<0.14"]\nbuild-backend = "uv_build"\n\n'
            '[tool.pytest.ini_options]\ntestpaths = ["tests"]\naddopts = "-q"\n'
        )
        imports = "".join(f"import sched_{d}  # noqa: F401\n" for d in local)
        (folder / "src" / module / "__init__.py").write_text(
            f'"""Project {p} of the scheduler benchmark."""\n{imports}\nNAME = "{p}"\nSECONDS = {seconds}\n'
        )
        (folder / "tests" / f"test_{p}.py").write_text(
            f"import time\n\nfrom {module} import NAME, SECONDS\n\n\ndef test_takes_its_time():\n"
            f"    time.sleep(SECONDS)\n    assert NAME == \"{p}\"\n"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="where to write the monorepo (must not exist or be empty)")
    parser.add_argument("shape", choices=sorted(SHAPES), help="the project graph and suite times")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="the sample _meta/monorepo.toml")
    args = parser.parse_args()
    if args.dir.exists() and any(args.dir.iterdir()):
        parser.error(f"{args.dir} exists and is not empty")
    generate(args.dir, args.shape, args.config.read_text())
    shape = SHAPES[args.shape]
    print(f"wrote {len(shape)} projects ({args.shape}: "
          + ", ".join(f"{p} {s} s" + (f" -> {', '.join(d)}" if d else "") for p, (s, d) in shape.items())
          + f") to {args.dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
