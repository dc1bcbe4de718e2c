#!/usr/bin/env bash
# A second reference for setup-envs: the same locks (_meta/requirements/<p>.txt) installed
# with uv by hand, one project after the other, from the root (the locks' editable paths are
# relative to it), into the same venv folders the xtask uses. No freshness check, no stamps.
#
#   uv_sequence.sh ROOT [--no-compile-bytecode]
#
# Needs uv on PATH. $UV_SEQ_PYTHON (default 3.11) is the interpreter given to `uv venv`.
# --no-compile-bytecode leaves out the .pyc compilation (as the xtask does: bytecode is
# compiled on first import instead), to show what that part costs.
set -euo pipefail

ROOT=$(cd "${1:?usage: uv_sequence.sh ROOT [--no-compile-bytecode]}" && pwd)
BYTECODE=--compile-bytecode
[ "${2:-}" = --no-compile-bytecode ] && BYTECODE=
cd "$ROOT"
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
for p in model configload classification digest scoring sources web; do
  uv venv --quiet --python "${UV_SEQ_PYTHON:-3.11}" "projects/$p/.venv"
  uv pip sync --quiet $BYTECODE --python "projects/$p/.venv/bin/python" "_meta/requirements/$p.txt"
done
