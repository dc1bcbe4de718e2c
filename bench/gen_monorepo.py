#!/usr/bin/env python3
"""Generates a synthetic monorepo for the scale benchmarks of `cargo xtask`.

    python3 bench/gen_monorepo.py N SEED DIR [--config PATH]

DIR gets N tiny projects `projects/pNNNN` (package `synth-pNNNN`, module `synth_pNNNN`), each
a PEP 621 pyproject built by `uv_build`, a `src/<module>/__init__.py` and one test file.
Project i depends on 0 to 3 earlier projects, drawn with `random.Random(SEED)`, so the graph
is acyclic and the same for the same N and SEED. Every env gets one shared base layer,
`_meta/requirements/base.in` = `pytest>=8`. `_meta/monorepo.toml` is the sample's config
(from --config, default the repository's own) with its opt-in layers dropped.

Writes nothing outside DIR, and refuses a DIR that exists and is not empty.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "_meta" / "monorepo.toml"
BASE_IN = "# The dev tools every env gets (synthetic monorepo).\npytest>=8\n"


def dependencies(n: int, seed: int) -> list[list[int]]:
    """deps[i]: the earlier projects project i depends on (0 to 3 of them)."""
    rng = random.Random(seed)
    deps = []
    for i in range(n):
        k = rng.randint(0, min(3, i))
        deps.append(sorted(rng.sample(range(i), k)))
    return deps


def config_without_layers(sample: str) -> str:
    """The sample config up to its first layer table, without the comment block above it."""
    lines = sample.splitlines()
    cut = next((i for i, l in enumerate(lines) if l.strip().startswith("[layers")), len(lines))
    while cut > 0 and (lines[cut - 1].startswith("#") or not lines[cut - 1].strip()):
        cut -= 1
    kept = "\n".join(lines[:cut]).rstrip() + "\n"
    if "[monorepo]" not in kept or 'members = ["projects/*"]' not in kept:
        raise SystemExit(f'error: the sample config has no [monorepo] with members = ["projects/*"]:\n{sample}')
    return kept


def name(i: int) -> str:
    return f"p{i:04d}"


def generate(n: int, seed: int, root: Path, sample_config: str) -> list[list[int]]:
    deps = dependencies(n, seed)
    (root / "_meta" / "requirements").mkdir(parents=True)
    (root / "_meta" / "monorepo.toml").write_text(config_without_layers(sample_config))
    (root / "_meta" / "requirements" / "base.in").write_text(BASE_IN)
    depth = [0] * n
    for i in range(n):
        depth[i] = 1 + max((depth[d] for d in deps[i]), default=0)
        p, module = name(i), f"synth_{name(i)}"
        folder = root / "projects" / p
        (folder / "src" / module).mkdir(parents=True)
        (folder / "tests").mkdir()
        requirements = ", ".join(f'"synth-{name(d)}"' for d in deps[i])
        (folder / "pyproject.toml").write_text(
            f'[project]\nname = "synth-{p}"\nversion = "0.1.0"\n'
            f'description = "Synthetic project {i} of {n} (seed {seed})."\n'
            f'requires-python = ">=3.11"\ndependencies = [{requirements}]\n\n'
            '[build-system]\nrequires = ["uv_build>=0.9,<0.14"]\nbuild-backend = "uv_build"\n\n'
            '[tool.pytest.ini_options]\ntestpaths = ["tests"]\naddopts = "-q"\n'
        )
        imports = "".join(f"from synth_{name(d)} import depth as _d{d}\n" for d in deps[i])
        below = ", ".join(f"_d{d}()" for d in deps[i])
        (folder / "src" / module / "__init__.py").write_text(
            f'"""Synthetic project {p}."""\n{imports}\n\ndef depth() -> int:\n'
            f"    return 1 + max([{below}], default=0)\n"
        )
        (folder / "tests" / f"test_{p}.py").write_text(
            f"from {module} import depth\n\n\ndef test_depth():\n    assert depth() == {depth[i]}\n"
        )
    return deps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of projects")
    parser.add_argument("seed", type=int, help="random seed for the dependency graph")
    parser.add_argument("dir", type=Path, help="where to write the monorepo (must not exist or be empty)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="the sample _meta/monorepo.toml")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("N must be at least 1")
    if args.dir.exists() and any(args.dir.iterdir()):
        parser.error(f"{args.dir} exists and is not empty")
    deps = generate(args.n, args.seed, args.dir, args.config.read_text())
    edges = sum(len(d) for d in deps)
    print(f"wrote {args.n} projects ({edges} local dependencies, seed {args.seed}) to {args.dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
