#!/usr/bin/env bash
# Installs what is missing, builds adsim (release) and runs a bundled scenario headless.
# Usage: scripts/run.sh [SCENARIO] [adsim run options...]   (default: the reference marketplace)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target adsim
scenario="${1:-marketplace}"
shift || true
exec ./build/release/cli/adsim run "$scenario" --db results.db "$@"
