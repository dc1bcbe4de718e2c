#!/usr/bin/env bash
# A second reference for setup-envs: the same locks (_meta/requirements/<p>.txt) installed
# with uv by hand, one project after the other, from the root (the locks' editable paths are
# relative to it), into the same venv folders the xtask uses. No freshness check, no stamps.
#
#   uv_sequence.sh ROOT        (needs uv on PATH)
set -euo pipefail

ROOT=$(cd "${1:?usage: uv_sequence.sh ROOT}" && pwd)
cd "$ROOT"
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
for p in model configload classification scoring sources web; do
  uv venv --quiet --python 3.11 "projects/$p/.venv"
  uv pip sync --quiet --compile-bytecode --python "projects/$p/.venv/bin/python" "_meta/requirements/$p.txt"
done
