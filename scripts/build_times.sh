#!/usr/bin/env bash
# The slowest steps of the last Ninja build of a folder, from its .ninja_log.
#
#   scripts/build_times.sh [DIR] [N]     (default: build, 15)
#
# Prints N rows of "seconds  output" (translation units, links), slowest
# first, and the sum over every step. Only steps that ran count: files served
# by the compiler cache show their (short) cache time. Needs a Ninja build
# (scripts/build.sh uses Ninja when it is installed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build}
n=${2:-15}
log=$dir/.ninja_log
[[ $n =~ ^[0-9]+$ ]] || { echo "build_times.sh: N must be a count, got '$n'" >&2; exit 2; }
[[ -f $log ]] || { echo "build_times.sh: $log not found (is $dir a Ninja build folder?)" >&2; exit 2; }
# .ninja_log v5: start_ms end_ms mtime output hash; a step rebuilt later
# appears again, and the last entry is the current one.
rows=$(awk -F'\t' '!/^#/ { t[$4] = ($2 - $1) / 1000 }
  END { for (o in t) printf "%8.1f  %s\n", t[o], o }' "$log" | sort -rn)
printf '%s\n' "$rows" | head -n "$n"
printf '%s\n' "$rows" | awk '{ s += $1 } END { printf "%8.1f  (sum over %d steps)\n", s, NR }'
