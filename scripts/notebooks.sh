#!/usr/bin/env bash
# Executes every notebooks/*.ipynb headless, as the test suite does.
#
#   scripts/notebooks.sh [--parallax PATH] [--run-dir DIR] [-- RUN_NOTEBOOKS_OPTIONS…]
#
# Creates the virtual environment ${PARALLAX_VENV:-<repo>/.venv} if it is
# missing, installs into it whichever of the notebook packages it lacks
# (nbclient nbformat ipykernel pandas matplotlib numpy), then runs
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

command -v python3 >/dev/null || die "python3 is not installed (apt-get install python3 python3-venv)"

if [[ ! -x $venv/bin/python ]]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    die "python3 cannot create virtual environments: install python3-venv (apt-get install python3-venv)"
  fi
  echo "notebooks.sh: creating the virtual environment $venv" >&2
  if ! python3 -m venv "$venv" >&2; then
    rm -rf -- "$venv"
    die "python3 -m venv $venv failed: install python3-venv (apt-get install python3-venv)"
  fi
fi
py=$venv/bin/python

# Install only what the environment lacks (import names equal the package names here).
mapfile -t missing < <("$py" - "${packages[@]}" <<'EOF'
import importlib.util, sys
for name in sys.argv[1:]:
    if importlib.util.find_spec(name) is None:
        print(name)
EOF
)
if ((${#missing[@]})); then
  echo "notebooks.sh: installing ${missing[*]} into $venv" >&2
  "$py" -m pip install --quiet --disable-pip-version-check "${missing[@]}" \
    || { echo "notebooks.sh: pip install ${missing[*]} failed" >&2; exit 1; }
fi

exec "$py" "$root/scripts/run_notebooks.py" --folder "$root/notebooks" "${forward[@]}"
