#!/usr/bin/env bash
# Transition monoids: Parallax's Froidure-Pin enumeration against GAP's
# Size(Semigroup(...)) of transformations, on the same generators, in one run:
# the S5 word-problem automaton and 20 random 8-state 3-letter DFAs.
# Prints a table (sizes must match; times are the best of --repeat runs) and
# writes BUILD_DIR/bench-monoid.json. Installs GAP (Debian: gap-core) when missing.
#   usage: bench/gap_monoid.sh [BUILD_DIR] [extra `parallax bench monoid` options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
bin=$build/src/cli/parallax
[ -x "$bin" ] || { echo "gap_monoid.sh: build Parallax first ($bin not found)" >&2; exit 2; }
if ! command -v gap >/dev/null; then
  echo "gap_monoid.sh: installing GAP (Debian package gap-core)" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get install -y -q gap-core >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" bench monoid --json --gap-out "$work/monoid.g" "$@" > "$work/parallax.jsonl"
gap -q -b "$work/monoid.g" > "$work/gap.txt" < /dev/null
python3 - "$work/parallax.jsonl" "$work/gap.txt" "$build/bench-monoid.json" <<'PY'
import json, sys
px = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
gap = {}
for line in open(sys.argv[2]):
    parts = line.split()
    if len(parts) == 3:
        gap[parts[0]] = (int(parts[1]), float(parts[2]))
rows, ok = [], True
tp = tg = 0.0
print(f"{'automaton':<22} {'states':>6} {'size':>9} {'GAP size':>9} {'parallax s':>11} {'GAP s':>10} {'speed-up':>9}")
for r in px:
    gs, gt = gap.get(r["name"], (None, None))
    same = gs == r["monoid_size"]
    ok = ok and same
    sp = gt / r["seconds"] if gt and r["seconds"] > 0 else float("nan")
    tp += r["seconds"]; tg += gt or 0.0
    print(f"{r['name']:<22} {r['states']:>6} {r['monoid_size']:>9} {str(gs):>9} {r['seconds']:>11.2e} {gt if gt is not None else float('nan'):>10.2e} {sp:>8.1f}x{'' if same else '  SIZE MISMATCH'}")
    rows.append({**r, "gap_size": gs, "gap_seconds": gt, "speedup": sp, "sizes_match": same})
s5 = [r for r in rows if r["name"] == "word:S5"]
rnd = [r for r in rows if r["name"] != "word:S5"]
summary = {"sizes_match": ok,
           "s5_speedup": s5[0]["speedup"] if s5 else None,
           "random_total_parallax_s": sum(r["seconds"] for r in rnd),
           "random_total_gap_s": sum(r["gap_seconds"] or 0 for r in rnd)}
if rnd and summary["random_total_parallax_s"] > 0:
    summary["random_speedup"] = summary["random_total_gap_s"] / summary["random_total_parallax_s"]
print(json.dumps(summary))
json.dump({"rows": rows, "summary": summary}, open(sys.argv[3], "w"), indent=1)
sys.exit(0 if ok else 1)
PY
