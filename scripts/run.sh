#!/usr/bin/env bash
# The main job: install what is missing, build, and run the demo that
# recognizes the S5 word problem with a permutation-diagonal LRNN at several
# precisions (until the experiment runner `parallax run` exists).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" "$root/build" -DPARALLAX_BUILD_TESTS=OFF
"$root/build/src/cli/parallax" demo "$@"
