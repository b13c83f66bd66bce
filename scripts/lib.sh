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
