#!/usr/bin/env bash
# The whole test suite: install what is missing, build the Release
# configuration and the Python package (installed into .venv/), run every
# test (the package's pytest suite among them), then build the ASan+UBSan configuration
# (only the test programs that hold [quick] cases, and what they need) and run
# the [quick] tests under it; then fuzz every parser for a short budget
# (PARALLAX_FUZZ_SECONDS, default 30 s each; 0 skips). Prints the wall time of each phase and the
# compiler cache's hit rate at the end. PARALLAX_JOBS sets the parallelism
# (default: nproc); scripts/build.sh lists the other settings.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib.sh"
jobs=${PARALLAX_JOBS:-$(nproc)}

phases=() seconds=()
phase_start=0 current=""
begin() { current=$1; phase_start=$SECONDS; echo "== $1" >&2; }
end() { phases+=("$current"); seconds+=($((SECONDS - phase_start))); current=""; }
summary() {
  local status=$?
  [[ -n $current ]] && { phases+=("$current (failed)"); seconds+=($((SECONDS - phase_start))); }
  echo >&2
  echo "== wall time per phase" >&2
  local i
  for i in "${!phases[@]}"; do
    printf '  %-28s %4d:%02d\n' "${phases[$i]}" $((seconds[i] / 60)) $((seconds[i] % 60)) >&2
  done
  printf '  %-28s %4d:%02d\n' "total" $((SECONDS / 60)) $((SECONDS % 60)) >&2
  parallax_ccache_report "$ccache_before" >&2 || true
  return $status
}
ccache_before=$(parallax_ccache_stats)
trap summary EXIT

begin "setup"
bash "$root/scripts/setup.sh"
end

begin "Release build"
bash "$root/scripts/build.sh" "$root/build"
end

begin "Python package"
bash "$root/scripts/python.sh"
end

begin "Release tests"
ctest --test-dir "$root/build" -j "$jobs" --output-on-failure --no-label-summary
end

# (without the CUDA backend: the sanitizers instrument host code, and the
# Release build already compiles every kernel)
begin "sanitizer build"
bash "$root/scripts/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPARALLAX_SANITIZE=ON -DPARALLAX_CUDA=OFF -DPARALLAX_TEST_SPEC="[quick]" -- parallax_tests
end

begin "sanitizer tests ([quick])"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure --no-label-summary
end

# every parser under libFuzzer (clang, ASan+UBSan) for a short budget each;
# PARALLAX_FUZZ_SECONDS=0 skips it (docs/fuzzing.md)
fuzz_seconds=${PARALLAX_FUZZ_SECONDS:-30}
if ((fuzz_seconds > 0)); then
  begin "fuzzing (${fuzz_seconds} s per parser)"
  bash "$root/scripts/fuzz.sh" --seconds "$fuzz_seconds" --build "$root/build-fuzz"
  end
fi
echo "== all tests passed" >&2
