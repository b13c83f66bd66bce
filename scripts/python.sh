#!/usr/bin/env bash
# Builds the Python package and installs it, with the `parallax` command,
# into the virtual environment ${PARALLAX_VENV:-<repo>/.venv} (made when
# missing), with its build tools and test packages (scikit-build-core,
# nanobind, numpy, pandas, pytest). The build folder build-py/ persists, and
# the compiler cache is shared with scripts/build.sh, so a second install
# compiles only what changed. Extra arguments go to `pip install`.
#
#   bash scripts/python.sh              # then: .venv/bin/python -c "import parallax"
#   .venv/bin/python -m pytest          # the package's tests (python/tests)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib.sh"
venv=${PARALLAX_VENV:-$root/.venv}

parallax_venv "$venv" scikit-build-core=scikit_build_core nanobind numpy pandas pytest || exit $?

# the compiler cache through CMake's launcher (scikit-build-core reads CMAKE_ARGS)
launcher=$(parallax_launcher "$root")
cmake_args=${CMAKE_ARGS:-}
if [[ -n $launcher ]]; then
  cmake_args+=" -DCMAKE_CXX_COMPILER_LAUNCHER=$launcher -DCMAKE_CUDA_COMPILER_LAUNCHER=$launcher"
fi
jobs=${PARALLAX_JOBS:-$(nproc)}
# the compiler CMake picks for build/ when CXX is unset, so that both builds hit the same cache entries
export CXX=${CXX:-c++}
echo "python.sh: building and installing the package into $venv" >&2
CMAKE_ARGS=$cmake_args CMAKE_BUILD_PARALLEL_LEVEL=$jobs \
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation "$@" "$root"
"$venv/bin/python" -c "import parallax; print('python.sh: parallax', parallax.__version__, 'installed in $venv')" >&2
