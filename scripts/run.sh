#!/usr/bin/env bash
# Installs what is missing (no Qt, no test tools), builds the adsim command alone (release, the
# `cli` preset, build/cli) and runs a bundled scenario headless.
# Usage: scripts/run.sh [SCENARIO] [adsim run options...]   (default: the reference marketplace)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --headless
cmake --preset cli >/dev/null
cmake --build --preset cli
scenario="${1:-marketplace}"
shift || true
exec ./build/cli/cli/adsim run "$scenario" --db results.db "$@"
