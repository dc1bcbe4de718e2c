#!/usr/bin/env python3
"""Generates the mixed-backend monorepo of benchmark case m (lock from nothing).

    python3 bench/gen_mixed.py DIR [--config PATH]

DIR gets six small projects whose `[build-system]` is setuptools, hatchling or uv_build,
two of them with third-party dependencies (numpy, httpx), all with static PEP 621 metadata:

    core    uv_build     no dependencies
    util    setuptools   -> core
    calc    setuptools   -> core; numpy>=2.0
    net     hatchling    -> core; httpx>=0.27
    report  hatchling    -> util
    cli     uv_build     -> util, calc, net

Package `mixed-<name>`, module `mixed_<name>` in `src/`, one test each. One base layer,
`_meta/requirements/base.in` = `pytest>=8`. `_meta/monorepo.toml` is the sample's config (from
--config, default the repository's own) with its opt-in layers dropped, as for the synthetic
monorepos. bench/baseline/uv_lock_by_hand.sh knows this graph by hand; keep them in step
(run.py checks `xtask graph` against MIXED below).

Writes nothing outside DIR, and refuses a DIR that exists and is not empty.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_monorepo import DEFAULT_CONFIG, config_without_layers  # noqa: E402

BASE_IN = "# The dev tools every env gets (mixed-backend monorepo).\npytest>=8\n"

# name -> (build backend, local dependencies, third-party requirements), in dependency order.
MIXED: dict[str, tuple[str, list[str], list[str]]] = {
    "core": ("uv_build", [], []),
    "util": ("setuptools", ["core"], []),
    "calc": ("setuptools", ["core"], ["numpy>=2.0"]),
    "net": ("hatchling", ["core"], ["httpx>=0.27"]),
    "report": ("hatchling", ["util"], []),
    "cli": ("uv_build", ["util", "calc", "net"], []),
}

BUILD_SYSTEMS = {
    "uv_build": 'requires = ["uv_build>=0.9,<0.14"]\nbuild-backend = "uv_build"\n',
    "setuptools": 'requires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n',
    "hatchling": 'requires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
}

# What each module does with its third-party dependency, so the tests touch it.
BODIES = {
    "calc": "import numpy\n\n\ndef total(values: list[float]) -> float:\n    return float(numpy.asarray(values).sum())\n",
    "net": "import httpx\n\n\ndef url(base: str, path: str) -> str:\n    return str(httpx.URL(base).join(path))\n",
}
TESTS = {
    "calc": "from mixed_calc import total\n\n\ndef test_total():\n    assert total([1.0, 2.5]) == 3.5\n",
    "net": "from mixed_net import url\n\n\ndef test_url():\n    assert url(\"https://example.org/a/\", \"b\") == \"https://example.org/a/b\"\n",
}


def generate(root: Path, sample_config: str) -> None:
    (root / "_meta" / "requirements").mkdir(parents=True)
    (root / "_meta" / "monorepo.toml").write_text(config_without_layers(sample_config))
    (root / "_meta" / "requirements" / "base.in").write_text(BASE_IN)
    for p, (backend, local, third) in MIXED.items():
        module = f"mixed_{p}"
        folder = root / "projects" / p
        (folder / "src" / module).mkdir(parents=True)
        (folder / "tests").mkdir()
        requirements = ", ".join(f'"{r}"' for r in [f"mixed-{d}" for d in local] + third)
        (folder / "pyproject.toml").write_text(
            f'[project]\nname = "mixed-{p}"\nversion = "0.1.0"\n'
            f'description = "Project {p} of the mixed-backend benchmark monorepo ({backend})."\n'
            f'requires-python = ">=3.11"\ndependencies = [{requirements}]\n\n'
            f"[build-system]\n{BUILD_SYSTEMS[backend]}\n"
            '[tool.pytest.ini_options]\ntestpaths = ["tests"]\naddopts = "-q"\n'
        )
        imports = "".join(f"import mixed_{d}  # noqa: F401\n" for d in local)
        (folder / "src" / module / "__init__.py").write_text(
            f'"""Project {p} ({backend})."""\n{imports}' + (BODIES.get(p) or f'\nNAME = "{p}"\n')
        )
        (folder / "tests" / f"test_{p}.py").write_text(
            TESTS.get(p) or f"from {module} import NAME\n\n\ndef test_name():\n    assert NAME == \"{p}\"\n"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="where to write the monorepo (must not exist or be empty)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="the sample _meta/monorepo.toml")
    args = parser.parse_args()
    if args.dir.exists() and any(args.dir.iterdir()):
        parser.error(f"{args.dir} exists and is not empty")
    generate(args.dir, args.config.read_text())
    print(f"wrote {len(MIXED)} projects ({', '.join(f'{p}: {b[0]}' for p, b in MIXED.items())}) to {args.dir}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
