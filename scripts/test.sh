#!/usr/bin/env bash
# Installs what is missing, builds everything (release, warnings as errors) and runs the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
ctest --preset release --output-on-failure -j 2 --timeout 900
