#!/usr/bin/env bash
# The GPU figures in one command (under 10 minutes on an H100): the device's
# scan throughput against its copy bandwidth (`parallax bench scan --device
# cuda`) and the Newton solves against the device's sequential recurrence
# (`parallax bench solve --device cuda`), then the "[gpu]" test cases of the
# test binaries that have them. Prints the tables and the JSON Lines, and
# writes the JSON Lines to OUT_DIR (default out/gpu): bench-scan.jsonl,
# bench-solve.jsonl. Exits 2 with the reason when there is no GPU or no CUDA
# backend, 1 when a benchmark or a test fails.
# With --sanitize it then runs the "[gpu]" cases of test_gpu under
# compute-sanitizer's memcheck and racecheck (minutes more).
#   usage: bench/gpu.sh [OUT_DIR] [--quick] [--sanitize]
#   environment: PARALLAX=path/to/parallax (default BUILD/src/cli/parallax),
#                BUILD=the build directory (default build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=out/gpu
quick=()
sanitize=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=(--quick) ;;
    --sanitize) sanitize=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "gpu.sh: unknown option $arg (usage: bench/gpu.sh [OUT_DIR] [--quick])" >&2; exit 2 ;;
    *) out=$arg ;;
  esac
done
build=${BUILD:-$root/build}
bin=${PARALLAX:-}
if [ -z "$bin" ]; then
  for candidate in "$build/src/cli/parallax" "$build/bin/parallax"; do
    if [ -x "$candidate" ]; then bin=$candidate; break; fi
  done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "gpu.sh: build Parallax first (no executable at $build/src/cli/parallax; or set PARALLAX=path)" >&2
  exit 2
fi
mkdir -p "$out"

# Prints JSON Lines as a table (columns: the keys of the first row, less `gpu`).
table() {
  python3 - "$1" <<'PY' || cat "$1"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if not rows:
    sys.exit(0)
cols = [c for c in rows[0] if c != "gpu"]
for r in rows[1:]:
    cols += [c for c in r if c not in cols and c != "gpu"]
def text(v):
    if v is None: return "—"
    if isinstance(v, bool): return "yes" if v else "NO"
    if isinstance(v, float): return f"{v:.4g}"
    return str(v)
cells = [[text(r.get(c)) for c in cols] for r in rows]
w = [max([len(c)] + [len(t[i]) for t in cells]) for i, c in enumerate(cols)]
print("  ".join(c.ljust(w[i]) for i, c in enumerate(cols)).rstrip())
print("  ".join("-" * w[i] for i in range(len(cols))))
for t in cells:
    print("  ".join(x.ljust(w[i]) for i, x in enumerate(t)).rstrip())
print("device:", rows[0].get("gpu", "?"))
PY
}

status=0
# bench scan first: without a GPU it exits 2 with the reason, before any work
rc=0
"$bin" bench scan --device cuda --json "${quick[@]}" > "$out/bench-scan.jsonl" || rc=$?
if [ "$rc" -eq 2 ]; then rm -f "$out/bench-scan.jsonl"; exit 2; fi
[ "$rc" -eq 0 ] || status=1
echo "== bench scan --device cuda (goal: the parallel fp32 diagonal scans at >= 80% of the copy bandwidth)"
table "$out/bench-scan.jsonl"
cat "$out/bench-scan.jsonl"

echo
echo "== bench solve --device cuda (goal: >= 665x over the device's sequential run at the largest T)"
rc=0
"$bin" bench solve --device cuda --json "${quick[@]}" > "$out/bench-solve.jsonl" || rc=$?
[ "$rc" -eq 0 ] || status=1
table "$out/bench-solve.jsonl"
cat "$out/bench-solve.jsonl"

# the "[gpu]" test cases, where the test binaries are built
found=0
for t in "$build"/tests/test_gpu* "$build"/tests/test_device_cli; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  found=1
  echo
  echo "== $(basename "$t") \"[gpu]\""
  "$t" "[gpu]" || status=1
done
[ "$found" -eq 1 ] || echo "gpu.sh: no test binaries under $build/tests (build the tests for the [gpu] cases)"
if [ "$sanitize" -eq 1 ]; then
  cs=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  if [ ! -x "$cs" ] || [ ! -x "$build/tests/test_gpu" ]; then
    echo "gpu.sh: --sanitize needs compute-sanitizer and $build/tests/test_gpu" >&2
    status=1
  else
    for tool in memcheck racecheck; do
      echo
      echo "== compute-sanitizer --tool $tool test_gpu \"[gpu]\""
      "$cs" --tool "$tool" --error-exitcode 3 "$build/tests/test_gpu" "[gpu]" || status=1
    done
  fi
fi
echo
echo "gpu.sh: JSON Lines in $out/bench-scan.jsonl and $out/bench-solve.jsonl"
exit "$status"
