#!/usr/bin/env bash
# Executes every notebooks/*.ipynb headless, as the test suite does.
#
#   scripts/notebooks.sh [--parallax PATH] [--run-dir DIR] [-- RUN_NOTEBOOKS_OPTIONS…]
#
# Creates the virtual environment ${PARALLAX_VENV:-<repo>/.venv} if it is
# missing, installs into it whichever of the notebook packages it lacks
# (nbclient nbformat ipykernel pandas matplotlib numpy) and the package
# parallax itself (scripts/python.sh) when it is missing, then runs
# scripts/run_notebooks.py with its python: each notebook is executed in a
# temporary copy (the committed ones are never written), and a notebook
# committed with outputs or execution counts fails.
#   --parallax PATH   the program the notebooks call (default: $PARALLAX, parallax on PATH,
#                     or build/src/cli/parallax)
#   --run-dir DIR     results of `parallax run --out DIR` for 01-expressivity (default: it runs
#                     `parallax run --quick` itself)
# Exit status: 0 all ran, 1 a notebook failed, 2 bad usage or no python3 venv support.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${PARALLAX_VENV:-$root/.venv}
packages=(nbclient nbformat ipykernel pandas matplotlib numpy)

usage() { sed -n '2,17s/^# \{0,1\}//p' "$0"; }
die() { echo "notebooks.sh: $*" >&2; exit 2; }

forward=()
while (($#)); do
  case $1 in
    --parallax) (($# >= 2)) || die "--parallax needs a path"; forward+=(--parallax "$2"); shift 2 ;;
    --parallax=*) forward+=(--parallax "${1#*=}"); shift ;;
    --run-dir) (($# >= 2)) || die "--run-dir needs a directory"; forward+=(--run-dir "$2"); shift 2 ;;
    --run-dir=*) forward+=(--run-dir "${1#*=}"); shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; forward+=("$@"); break ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done

source "$root/scripts/lib.sh"
parallax_venv "$venv" "${packages[@]}" || exit $?
py=$venv/bin/python
# the notebooks import the package: build and install it when it is missing
if ! "$py" -c "import parallax" 2>/dev/null; then
  PARALLAX_VENV=$venv bash "$root/scripts/python.sh" || { echo "notebooks.sh: installing the package failed" >&2; exit 1; }
fi

exec "$py" "$root/scripts/run_notebooks.py" --folder "$root/notebooks" "${forward[@]}"
