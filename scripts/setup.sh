#!/usr/bin/env bash
# Installs the Debian 12 packages adsim needs. Safe to run twice: it installs only what is missing.
#
#   scripts/setup.sh              everything scripts/test.sh uses: build, tests, benchmarks, the
#                                 desktop app (Qt 6), studies across machines (MPI) and fuzzing
#   scripts/setup.sh --headless   what building and running the adsim command needs (what
#                                 scripts/run.sh uses): no Qt, no X, no test tools
set -euo pipefail

# Building the adsim command and its libraries.
build=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-random-dev libboost-program-options-dev libboost-math-dev
  libeigen3-dev
  libsqlite3-dev libsqlitecpp-dev
  libtomlplusplus-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev
  libxgboost-dev                 # boosted trees of the gbdt_lr click model (XGBoost's C API)
  libssl-dev                     # SHA-256 of the scenario in --json's provenance (libcrypto)
  libboost-mpi-dev openmpi-bin   # studies across machines under mpirun
)
# The test suite, benchmarks and fuzzing.
tests=(
  libgtest-dev libgmock-dev libbenchmark-dev
  sqlite3                        # the install test and the schema tests read databases with it
  git                            # tests/mutation/run_mutants.py copies the tree with git
  file                           # cpack -G DEB finds the libraries a package depends on with it
  clang libclang-rt-14-dev llvm  # scripts/fuzz.sh: libFuzzer and the sanitizer runtimes, llvm-symbolizer
)
# The desktop app and `adsim report`'s figures.
gui=(
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev
  fonts-dejavu-core              # text in figures drawn offscreen
)

packages=("${build[@]}")
case "${1:-}" in
  --headless) ;;
  "") packages+=("${tests[@]}" "${gui[@]}") ;;
  *) echo "usage: scripts/setup.sh [--headless]" >&2; exit 2 ;;
esac

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
