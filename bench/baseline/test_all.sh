#!/usr/bin/env bash
# The baseline's test runner: pytest per project, in a hand-written order, one after the
# other, each in the venv setup_all_envs.sh made. Runs every suite; exits 1 if any failed.
#
#   test_all.sh ROOT          (venvs from $BASELINE_OUT, default ROOT/.baseline)
set -uo pipefail

ROOT=$(cd "${1:?usage: test_all.sh ROOT}" && pwd)
VENVS=${BASELINE_OUT:-$ROOT/.baseline}/venvs
status=0
for p in model configload classification digest scoring sources web; do
  echo "==> $p"
  (cd "$ROOT/projects/$p" && "$VENVS/$p/bin/python" -m pytest) || status=1
done
exit $status
