#!/usr/bin/env bash
# When adsim finds no bundled scenarios it says so and where it looked, with a non-zero exit:
# `adsim list` (it used to print nothing and exit 0) and `adsim run NAME`.
#
# usage: no_scenarios_test.sh ADSIM_PROGRAM CONFIGURED_SCENARIO_DIR
set -euo pipefail

fail() { echo "no-scenarios test: FAIL: $*" >&2; exit 1; }

adsim=$1 configured_scenarios=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/adsim-no-scenarios.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/empty" "$work/bin"
cd "$work"

# 1. ADSIM_SCENARIO_DIR names a folder without scenarios: only that folder is tried.
rc=0
ADSIM_SCENARIO_DIR="$work/empty" "$adsim" list >"$work/out" 2>"$work/err" || rc=$?
[[ $rc -ne 0 ]] || fail "adsim list exited 0 with ADSIM_SCENARIO_DIR=$work/empty (printed: $(cat "$work/out"))"
grep -qF "$work/empty" "$work/err" || fail "adsim list does not say where it looked: $(cat "$work/err")"
grep -qF "ADSIM_SCENARIO_DIR" "$work/err" || fail "adsim list does not name ADSIM_SCENARIO_DIR: $(cat "$work/err")"

rc=0
ADSIM_SCENARIO_DIR="$work/empty" "$adsim" run quickstart >"$work/out" 2>"$work/err" || rc=$?
[[ $rc -eq 2 ]] || fail "adsim run quickstart exited $rc without scenarios, expected 2"
grep -qF "$work/empty" "$work/err" || fail "adsim run quickstart does not say where it looked: $(cat "$work/err")"

# 2. A copy of the program with no share/adsim/scenarios beside it.
if [[ -d "$configured_scenarios" ]]; then
  echo "no-scenarios test: $configured_scenarios exists (adsim is installed there): part 2 skipped"
  exit 0
fi
cp "$adsim" "$work/bin/adsim"
rc=0
env -u ADSIM_SCENARIO_DIR "$work/bin/adsim" list >"$work/out" 2>"$work/err" || rc=$?
[[ $rc -ne 0 ]] || fail "a copy of adsim without scenarios: adsim list exited 0"
grep -qF "$work/share/adsim/scenarios" "$work/err" || fail "adsim list does not say where it looked: $(cat "$work/err")"
echo "no-scenarios test: ok"
