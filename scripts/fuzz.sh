#!/usr/bin/env bash
# Fuzz every parser with libFuzzer under ASan and UBSan (docs/fuzzing.md).
#
#   scripts/fuzz.sh [--seconds N] [--build DIR] [--no-build] [NAME...]
#
# Builds the harnesses of fuzz/ with clang into DIR (default build-fuzz) and
# runs each named one (default: all) for N seconds (default 600), one after
# the other, starting from its seed corpus (fuzz/corpus/NAME) and its past
# findings (fuzz/regressions/NAME). New inputs that raise coverage collect in
# DIR/corpus/NAME; a finding (crash, sanitizer report, uncaught exception,
# timeout over 10 s, more than 2 GiB of memory) is written to
# DIR/findings/NAME/. Prints executions and findings per harness, and exits 1
# when there is any finding. To keep a finding as a regression input, copy it
# into fuzz/regressions/NAME/ once fixed: the test suite replays it.
# --no-build runs the harnesses already in DIR (e.g. two runs side by side).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=600 dir=$root/build-fuzz names=() build=1
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --build) dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 ]] || { echo "fuzz.sh: --seconds takes a whole number >= 1" >&2; exit 2; }
if ((${#names[@]} == 0)); then
  for f in "$root"/fuzz/fuzz_*.cpp; do n=$(basename "$f" .cpp); names+=("${n#fuzz_}"); done
fi
for n in "${names[@]}"; do
  [[ -f $root/fuzz/fuzz_$n.cpp ]] || { echo "fuzz.sh: no harness '$n' (fuzz/fuzz_$n.cpp)" >&2; exit 2; }
done
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is needed (scripts/setup.sh installs it)" >&2; exit 2; }

targets=()
for n in "${names[@]}"; do targets+=("fuzz_$n"); done
((build)) && bash "$root/scripts/build.sh" "$dir" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPARALLAX_FUZZ=ON -DPARALLAX_SANITIZE=ON -DPARALLAX_CUDA=OFF -DPARALLAX_BUILD_TESTS=OFF -- "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
total_findings=0
rows=()
for n in "${names[@]}"; do
  work=$dir/corpus/$n findings=$dir/findings/$n log=$dir/logs/$n.log
  mkdir -p "$work" "$findings" "$(dirname "$log")"
  seeds=("$root/fuzz/corpus/$n")
  [[ -d $root/fuzz/regressions/$n ]] && seeds+=("$root/fuzz/regressions/$n")
  dict=()
  [[ -f $root/fuzz/dict/$n.dict ]] && dict=(-dict="$root/fuzz/dict/$n.dict")
  echo "== fuzz_$n for ${seconds}s" >&2
  set +e
  "$dir/fuzz/fuzz_$n" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "$work" "${seeds[@]}" >"$log" 2>&1
  status=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  found=$(find "$findings" -type f | wc -l)
  ((status != 0 && found == 0)) && found=1  # died without an artifact: still a finding
  total_findings=$((total_findings + found))
  rows+=("$(printf '%-12s %6ss %12s %8s %9s' "$n" "$seconds" "${runs:-?}" "${cov:-?}" "$found")")
  ((found)) && { echo "fuzz.sh: fuzz_$n: $found finding(s), see $findings and $log" >&2; tail -40 "$log" >&2; }
done
printf '%-12s %7s %12s %8s %9s\n' harness time executions coverage findings
printf '%s\n' "${rows[@]}"
((total_findings == 0)) || exit 1
