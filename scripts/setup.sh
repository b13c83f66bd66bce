#!/usr/bin/env bash
# Installs the Debian packages Parallax builds against, only those missing.
# Safe to run repeatedly; needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ninja-build ccache
  libboost-dev libgmp-dev libmpfr-dev libmpfi-dev
  libfmt-dev libcli11-dev catch2 nlohmann-json3-dev
  libsqlite3-dev libtomlplusplus-dev libssl-dev berkeley-abc gnuplot-nox
  python3-venv
  clang libclang-rt-dev libomp-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "parallax setup: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
