#!/usr/bin/env bash
# The reference for `xtask lock` from nothing on the mixed-backend monorepo of case m
# (bench/gen_mixed.py): the same `uv pip compile` commands the xtask runs, typed by hand,
# one after the other: base first, then one lock per project, from the root (the locks'
# editable paths are relative to it), each project with its local dependencies as editables
# (copied in by hand from the pyprojects, as a script would be) and constrained by base.txt.
#
#   uv_lock_by_hand.sh ROOT
#
# Writes ROOT/_meta/requirements/{base,<project>}.txt (uv's output only: no xtask header), in
# a copy of its own, where a person typing these would. Needs uv on PATH. $LOCK_PYTHON
# (default 3.11) is the `--python-version`. Same flags and environment as the xtask's
# compiles (xtask/src/uv.rs `Uv::cmd`, `Uv::pip_compile`; xtask/src/lock.rs `compile`);
# run.py compares the lock bodies with the xtask's and says when they drift apart.
# $LOCK_INTERPRETER, when set, is also passed as `--python` (the interpreter uv runs builds
# with; the resolution's target stays `--python-version`), which spares uv its Python
# discovery: on a machine with pyenv, a query of pyenv's shim per compile.
set -euo pipefail

ROOT=$(cd "${1:?usage: uv_lock_by_hand.sh ROOT}" && pwd)
PY=${LOCK_PYTHON:-3.11}
cd "$ROOT"
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
REQ=_meta/requirements

compile() { # compile OUT: the requirements on stdin
  uv --no-config pip compile --universal --python-version "$PY" ${LOCK_INTERPRETER:+--python "$LOCK_INTERPRETER"} \
    --quiet --output-file "$REQ/$1.txt" - --no-header --generate-hashes
}

compile base <<IN
-r $REQ/base.in
IN

# project: its own folder last, its local dependencies (direct and indirect) before it.
lock_env() { # lock_env PROJECT DEPENDENCY...
  local p=$1
  shift
  {
    printf -- '-r %s/base.in\n-c %s/base.txt\n' "$REQ" "$REQ"
    for d in "$@" "$p"; do printf -- '-e ./projects/%s\n' "$d"; done
  } | compile "$p"
}

lock_env core
lock_env util core
lock_env calc core
lock_env net core
lock_env report core util
lock_env cli calc core net util
