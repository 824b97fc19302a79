#!/usr/bin/env bash
# Installs every Debian 12 package adsim needs to build, test, benchmark and run its GUI.
# Safe to run twice: apt-get skips what is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libboost-random-dev libboost-program-options-dev libboost-math-dev
  libeigen3-dev
  libsqlite3-dev libsqlitecpp-dev sqlite3
  libtomlplusplus-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libboost-mpi-dev openmpi-bin
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6charts6 libqt6test6 libqt6opengl6-dev libgl-dev
  xvfb xauth fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
