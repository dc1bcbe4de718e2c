#!/usr/bin/env bash
# The baseline: the script sprawl `cargo xtask setup-envs` replaces, written by hand for the
# sample monorepo (model, configload, classification, digest, scoring, sources, web).
#
#   setup_all_envs.sh ROOT [compile|install|all]      (default: all)
#
# compile: pip-tools `pip-compile`, one layer after the other (base.in -> base.txt; http.in
#          with -c base.txt -> http.txt), then one requirements file per project from its
#          hand-copied third-party dependencies (its own and those of its local dependencies),
#          plus base (and http for sources and web), constrained by the layer locks.
# install: per project, in a hand-written order: `python -m venv` (when missing), `pip install
#          -r` its compiled file, then `pip install -e` of the project and its local
#          dependencies.
#
# Everything it writes stays under $BASELINE_OUT (default ROOT/.baseline): req/*.in, req/*.txt
# and venvs/<project>. It reads ROOT/_meta/requirements/{base,http}.in and ROOT/projects/*.
# Needs pip-compile on PATH; $BASELINE_PYTHON (default python3) makes the venvs.
set -euo pipefail

ROOT=$(cd "${1:?usage: setup_all_envs.sh ROOT [compile|install|all]}" && pwd)
PHASE=${2:-all}
OUT=${BASELINE_OUT:-$ROOT/.baseline}
PYTHON=${BASELINE_PYTHON:-python3}
REQ=$OUT/req
VENVS=$OUT/venvs

compile() {
  mkdir -p "$REQ"
  cd "$REQ"
  # The layer inputs, relative to req/ so the compiled files name no absolute path.
  local LAYERS
  LAYERS=$(realpath --relative-to="$REQ" "$ROOT/_meta/requirements")
  # Layers, in order: base, then http on top of it.
  printf -- '-r %s/base.in\n' "$LAYERS" > base.in
  pip-compile --quiet --strip-extras --output-file base.txt base.in
  printf -- '-r %s/http.in\n-c base.txt\n' "$LAYERS" > http.in
  pip-compile --quiet --strip-extras --output-file http.txt http.in

  # One requirements file per project. The third-party dependencies of each project's local
  # dependencies are copied in by hand (this is what goes stale in real life).
  cat > model.in <<IN
-r $LAYERS/base.in
-c base.txt
IN
  cat > configload.in <<IN
-r $LAYERS/base.in
-c base.txt
python-dotenv>=1.0
IN
  cat > classification.in <<IN
-r $LAYERS/base.in
-c base.txt
IN
  cat > digest.in <<IN
-r $LAYERS/base.in
-c base.txt
numpy>=1.26,<2
IN
  cat > scoring.in <<IN
-r $LAYERS/base.in
-c base.txt
numpy>=2.0
# from configload
python-dotenv>=1.0
IN
  cat > sources.in <<IN
-r $LAYERS/base.in
-r $LAYERS/http.in
-c base.txt
-c http.txt
httpx>=0.27
IN
  cat > web.in <<IN
-r $LAYERS/base.in
-r $LAYERS/http.in
-c base.txt
-c http.txt
fastapi>=0.110
# from scoring
numpy>=2.0
# from configload (via scoring)
python-dotenv>=1.0
# from sources
httpx>=0.27
IN
  for p in model configload classification digest scoring sources web; do
    pip-compile --quiet --strip-extras --output-file "$p.txt" "$p.in"
  done
}

# install PROJECT LOCAL_DEP...
install() {
  local p=$1
  shift
  local venv=$VENVS/$p
  [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ/$p.txt"
  local editables=()
  for d in "$@" "$p"; do
    editables+=(-e "$ROOT/projects/$d")
  done
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${editables[@]}"
}

install_all() {
  mkdir -p "$VENVS"
  install model
  install configload
  install classification model
  install digest model
  install scoring model configload
  install sources model
  install web model configload classification scoring sources
}

case $PHASE in
  compile) compile ;;
  install) install_all ;;
  all) compile; install_all ;;
  *) echo "usage: setup_all_envs.sh ROOT [compile|install|all]" >&2; exit 2 ;;
esac
