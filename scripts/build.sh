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
# that a second clone of the same sources (any path) hits the cache.
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

# Compiler cache. The settings travel inside the launcher (through env), so
# `cmake --build DIR` or `ninja -C DIR` run by hand use them too:
#   base_dir  absolute paths under the clone become relative: clones hit each other
#   hash_dir  off, so -g objects do not key on the build folder
launcher_args=()
cache=$(parallax_ccache_dir)
if parallax_ccache_on && ! mkdir -p "$cache" 2>/dev/null; then
  echo "build.sh: cannot create the compiler cache $cache (PARALLAX_CCACHE_DIR); building without it" >&2
  export PARALLAX_CCACHE=0
fi
if parallax_ccache_on; then
  launcher="/usr/bin/env;CCACHE_DIR=$cache;CCACHE_BASEDIR=$root;CCACHE_NOHASHDIR=1;CCACHE_MAXSIZE=${PARALLAX_CCACHE_MAXSIZE:-5G};$(command -v ccache)"
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
