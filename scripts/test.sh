#!/usr/bin/env bash
# The whole test suite: install what is missing, build the Release
# configuration and run every test, then build the ASan+UBSan configuration
# and run the [quick] tests under it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${PARALLAX_JOBS:-$(nproc)}
bash "$root/scripts/setup.sh"

echo "== Release build and full test suite" >&2
bash "$root/scripts/build.sh" "$root/build"
ctest --test-dir "$root/build" -j "$jobs" --output-on-failure

echo "== ASan+UBSan build, [quick] tests" >&2
# (without the CUDA backend: the sanitizers instrument host code, and the
# Release build already compiles every kernel)
bash "$root/scripts/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPARALLAX_SANITIZE=ON -DPARALLAX_CUDA=OFF -DPARALLAX_TEST_SPEC="[quick]"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure
echo "== all tests passed" >&2
