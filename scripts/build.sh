#!/usr/bin/env bash
# Configure and build one configuration.
#
#   scripts/build.sh DIR [cmake args...] [-- TARGET...]
#
# Release unless the arguments say otherwise; targets after `--` restrict the
# build (default: all). Environment:
#   PARALLAX_JOBS        parallel compile jobs (default: nproc)
#   PARALLAX_GENERATOR   CMake generator for a new DIR (default: Ninja when
#                        installed, else Unix Makefiles); an existing DIR keeps
#                        the generator it was configured with
#   PARALLAX_CCACHE      0 to build without the compiler cache
#   PARALLAX_CCACHE_DIR  where the cache lives (default ~/.cache/ccache, 5 GB cap)
# With ccache installed it is the C++ and CUDA compiler launcher, configured so
# that a second clone of the same sources (any path) hits the cache
# (scripts/lib.sh, parallax_launcher).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib.sh"
(($#)) || { sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2; }
dir=$1; shift
jobs=${PARALLAX_JOBS:-$(nproc)}

cmake_args=() targets=()
while (($#)); do
  if [[ $1 == -- ]]; then shift; targets=("$@"); break; fi
  cmake_args+=("$1"); shift
done

# Generator: keep the one an existing build folder was made with (CMake
# refuses to switch), otherwise Ninja when it is installed.
gen_args=()
if [[ ! -f $dir/CMakeCache.txt ]]; then
  gen=${PARALLAX_GENERATOR:-}
  if [[ -z $gen ]] && command -v ninja >/dev/null; then gen=Ninja; fi
  [[ -n $gen ]] && gen_args=(-G "$gen")
fi

# Compiler cache (scripts/lib.sh, parallax_launcher). The settings travel
# inside the launcher (through env), so `cmake --build DIR` or `ninja -C DIR`
# run by hand use them too.
launcher_args=()
launcher=$(parallax_launcher "$root")
if [[ -n $launcher ]]; then
  launcher_args=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" -DCMAKE_CUDA_COMPILER_LAUNCHER="$launcher")
else
  # a folder configured with the cache before keeps no stale launcher
  launcher_args=(-UCMAKE_CXX_COMPILER_LAUNCHER -UCMAKE_CUDA_COMPILER_LAUNCHER)
fi

cmake -S "$root" -B "$dir" "${gen_args[@]}" -DCMAKE_BUILD_TYPE=Release "${launcher_args[@]}" "${cmake_args[@]}" >/dev/null
if ((${#targets[@]})); then
  cmake --build "$dir" -j "$jobs" --target "${targets[@]}"
else
  cmake --build "$dir" -j "$jobs"
fi
