#!/usr/bin/env bash
# Installs what is missing, then:
#   1. builds everything (release, warnings as errors) and runs the whole test suite;
#   2. builds with AddressSanitizer + UBSan (the debug preset) and runs the suite again, but for
#      the lessons (minutes of simulation, run in release) and the install tests;
#   3. fuzzes the scenario loader and the --set parser for a fixed number of executions.
# Usage: scripts/test.sh [--release-only]   (--release-only: step 1 alone, for a quick check)
set -euo pipefail
cd "$(dirname "$0")/.."
release_only=0
case "${1:-}" in
  --release-only) release_only=1 ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--release-only]" >&2; exit 2 ;;
esac

bash scripts/setup.sh
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"

echo "== release: build and test"
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release --output-on-failure -j 2 --timeout 900
[ "$release_only" -eq 1 ] && exit 0

echo "== AddressSanitizer + UBSan: build and test"
cmake --preset debug >/dev/null
cmake --build --preset debug
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# The fingerprints pin the release build's results: at -O0 the vectorized sums (omp simd
# reductions) add in another order, so a few runs differ in the last digits.
ctest --preset debug --output-on-failure -j 2 --timeout 1800 -LE 'lessons|install' -E '^Fingerprints\.'

echo "== fuzzing"
bash scripts/fuzz.sh
