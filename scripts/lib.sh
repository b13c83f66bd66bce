# Shared by the scripts (sourced, not run): the compiler cache's location and
# its statistics.

# The cache folder: PARALLAX_CCACHE_DIR, or ~/.cache/ccache.
parallax_ccache_dir() { echo "${PARALLAX_CCACHE_DIR:-${HOME:-/root}/.cache/ccache}"; }

# Whether builds use the cache: ccache installed and PARALLAX_CCACHE not 0.
parallax_ccache_on() { [[ ${PARALLAX_CCACHE:-1} != 0 ]] && command -v ccache >/dev/null; }

# "hits misses" counted so far in the cache (machine-readable statistics).
parallax_ccache_stats() {
  parallax_ccache_on || { echo "0 0"; return; }
  CCACHE_DIR=$(parallax_ccache_dir) ccache --print-stats 2>/dev/null | awk -F'\t' '
    $1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 }
    $1 == "cache_miss" { m += $2 }
    END { print h + 0, m + 0 }'
}

# Prints this run's hits and misses (against the counts BEFORE, "hits misses")
# and the cache's own summary (ccache -s).
parallax_ccache_report() {
  parallax_ccache_on || { echo "== compiler cache: off (ccache not installed or PARALLAX_CCACHE=0)"; return; }
  local before=($1) after
  after=($(parallax_ccache_stats))
  local hits=$((after[0] - before[0])) misses=$((after[1] - before[1]))
  local total=$((hits + misses))
  if ((total > 0)); then
    echo "== compiler cache: $hits hits, $misses misses this run ($((100 * hits / total)) % hit rate), $(parallax_ccache_dir)"
  else
    echo "== compiler cache: nothing compiled this run, $(parallax_ccache_dir)"
  fi
  CCACHE_DIR=$(parallax_ccache_dir) ccache -s
}

# The compiler launcher for CMake (a ;-list): ccache with the settings that
# let clones hit each other (base_dir = ROOT: absolute paths under the clone
# become relative; hash_dir off), or nothing when the cache is off or its
# folder cannot be made.
#   base_dir  absolute paths under the clone become relative: clones hit each other
#   hash_dir  off, so -g objects do not key on the build folder
parallax_launcher() {
  local root=$1 cache
  cache=$(parallax_ccache_dir)
  if parallax_ccache_on && ! mkdir -p "$cache" 2>/dev/null; then
    echo "scripts: cannot create the compiler cache $cache (PARALLAX_CCACHE_DIR); building without it" >&2
    return
  fi
  parallax_ccache_on || return 0
  echo "/usr/bin/env;CCACHE_DIR=$cache;CCACHE_BASEDIR=$root;CCACHE_NOHASHDIR=1;CCACHE_MAXSIZE=${PARALLAX_CCACHE_MAXSIZE:-5G};$(command -v ccache)"
}

# Makes the virtual environment VENV when it is missing and installs into it
# whichever of the PACKAGES (pip names whose import names are the same, or
# NAME=IMPORT) it lacks. Exit status 2 when python3 cannot make one.
parallax_venv() {
  local venv=$1; shift
  command -v python3 >/dev/null || { echo "scripts: python3 is not installed (apt-get install python3 python3-venv)" >&2; return 2; }
  if [[ ! -x $venv/bin/python ]]; then
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
      echo "scripts: python3 cannot create virtual environments: install python3-venv (apt-get install python3-venv)" >&2
      return 2
    fi
    echo "scripts: creating the virtual environment $venv" >&2
    if ! python3 -m venv "$venv" >&2; then
      rm -rf -- "$venv"
      echo "scripts: python3 -m venv $venv failed: install python3-venv (apt-get install python3-venv)" >&2
      return 2
    fi
  fi
  local missing
  mapfile -t missing < <("$venv/bin/python" - "$@" <<'PY'
import importlib.util, sys
for spec in sys.argv[1:]:
    pip_name, _, import_name = spec.partition("=")
    if importlib.util.find_spec(import_name or pip_name) is None:
        print(pip_name)
PY
)
  if ((${#missing[@]})); then
    echo "scripts: installing ${missing[*]} into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}" \
      || { echo "scripts: pip install ${missing[*]} failed" >&2; return 1; }
  fi
}
