#!/usr/bin/env bash
# The main job: install what is missing, build, and run the quick default
# suite (`parallax run --quick`, a few minutes on 2 cores) into out/quick:
# the result store out/quick/results.sqlite and the report out/quick/report.md
# (.html, .tex, CSV tables, plots). Extra arguments go to `parallax run`,
# e.g. `bash scripts/run.sh --jobs 8`; PARALLAX_OUT changes the directory.
# It also installs the Python package into .venv/ (scripts/python.sh).
# The full default suite: build/src/cli/parallax run --out out/full
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" "$root/build" -DPARALLAX_BUILD_TESTS=OFF
bash "$root/scripts/python.sh"  # `import parallax` in .venv/ (docs/python.md)
"$root/build/src/cli/parallax" run --quick --out "${PARALLAX_OUT:-$root/out/quick}" "$@"
