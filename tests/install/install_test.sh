#!/usr/bin/env bash
# The install test (CTest label install). Installs the current build tree to a temporary prefix and
# moves that prefix elsewhere; then, with the source tree (and the build tree) hidden behind an
# empty tmpfs in a private mount namespace where `unshare` allows it, checks that:
#   - the install holds the programs, every bundled scenario, the docs, the headers, the libraries
#     and the CMake package, and no test, benchmark or fuzzer;
#   - no installed program holds the source tree's scenarios path;
#   - `adsim --version` prints the project's version, `adsim list` lists every bundled scenario and
#     `adsim run quickstart` runs, from a folder outside the source tree, ADSIM_SCENARIO_DIR unset,
#     and records the same version in its results database;
#   - a tiny CMake project (tests/install/consumer) finds the install with find_package(adsim),
#     builds against adsim::scenarios and loads an installed scenario.
#
# usage: install_test.sh BUILD_DIR SOURCE_DIR VERSION GENERATOR CXX_COMPILER BUILD_TYPE
#                        CONFIGURED_SCENARIO_DIR [MAKE_PROGRAM]
set -euo pipefail

fail() { echo "install test: FAIL: $*" >&2; exit 1; }
note() { echo "install test: $*"; }

# Everything that must work without the source tree; runs in the namespace when there is one.
checks_without_source() {
  cd "$work/run"
  unset ADSIM_SCENARIO_DIR
  if [[ -e "$source/CMakeLists.txt" ]]; then note "the source tree is still visible (no namespace)"; fi

  local out rc
  out=$("$prefix/bin/adsim" --version) || fail "adsim --version exited $?"
  [[ "$out" == "adsim $version" ]] || fail "adsim --version printed '$out', expected 'adsim $version'"

  out=$("$prefix/bin/adsim" list 2>"$work/list.err") || { cat "$work/list.err" >&2; fail "adsim list exited $?"; }
  local listed
  listed=$(grep -c . <<<"$out" || true)
  [[ "$listed" -eq "$scenario_count" ]] || { echo "$out" >&2; fail "adsim list printed $listed lines for $scenario_count bundled scenarios"; }
  grep -q '^quickstart ' <<<"$out" || fail "adsim list does not list quickstart"
  if grep -q 'does not load' <<<"$out"; then echo "$out" >&2; fail "a bundled scenario does not load"; fi

  rc=0
  "$prefix/bin/adsim" run quickstart --set run.days=0.01 --quiet --db "$work/run/results.db" >"$work/run.out" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || { cat "$work/run.out" >&2; fail "adsim run quickstart exited $rc"; }
  [[ -s "$work/run/results.db" ]] || fail "adsim run quickstart --db wrote no database"
  if command -v sqlite3 >/dev/null; then
    out=$(sqlite3 "$work/run/results.db" "select adsim_version || ' ' || status || ' ' || scenario_name from runs")
    [[ "$out" == "$version completed quickstart" ]] ||
      fail "the results database says '$out', expected '$version completed quickstart'"
  else
    note "sqlite3 not installed: the database's version is not checked"
  fi

  local consumer_build="$work/consumer-build"
  local args=(-S "$work/consumer" -B "$consumer_build" -G "$generator" -DCMAKE_CXX_COMPILER="$cxx"
              -DCMAKE_BUILD_TYPE="$build_type" -DCMAKE_PREFIX_PATH="$prefix")
  [[ -n "$make_program" ]] && args+=(-DCMAKE_MAKE_PROGRAM="$make_program")
  cmake "${args[@]}" >"$work/consumer-configure.log" 2>&1 ||
    { cat "$work/consumer-configure.log" >&2; fail "configuring the consumer (find_package(adsim)) failed"; }
  grep -q "^adsim_DIR:PATH=$prefix/" "$consumer_build/CMakeCache.txt" ||
    fail "the consumer found another adsim: $(grep '^adsim_DIR' "$consumer_build/CMakeCache.txt")"
  cmake --build "$consumer_build" >"$work/consumer-build.log" 2>&1 ||
    { cat "$work/consumer-build.log" >&2; fail "building the consumer against adsim::scenarios failed"; }
  out=$("$consumer_build/adsim_consumer" "$prefix/share/adsim/scenarios/quickstart.toml") || fail "the consumer exited $?"
  local users
  users=$(sed -n 's/^users *= *\([0-9]*\).*/\1/p' "$prefix/share/adsim/scenarios/quickstart.toml" | head -1)
  [[ "$out" == *"scenario: quickstart"* && "$out" == *"users: $users"* && "$out" == *"adsim package: $version"* ]] ||
    fail "the consumer printed '$out', expected quickstart, $users users and package version $version"
  note "consumer: $(tr '\n' ' ' <<<"$out")"
}

if [[ "${1:-}" == --inside ]]; then
  # In the private mount namespace: hide the trees, then check.
  mount -t tmpfs -o size=1m,mode=0755 adsim-hidden "$source" || fail "could not hide $source"
  if [[ "$build/" != "$source/"* ]]; then mount -t tmpfs -o size=1m adsim-hidden "$build" || fail "could not hide $build"; fi
  # A system-wide adsim at the configured prefix would hide a lookup that does not follow the program.
  if [[ -d "$configured_scenarios" ]]; then mount -t tmpfs -o size=1m adsim-hidden "$configured_scenarios"; fi
  [[ ! -e "$source/CMakeLists.txt" ]] || fail "the source tree is still visible"
  checks_without_source
  exit 0
fi

[[ $# -ge 7 ]] || fail "usage: install_test.sh BUILD_DIR SOURCE_DIR VERSION GENERATOR CXX BUILD_TYPE CONFIGURED_SCENARIO_DIR [MAKE_PROGRAM]"
build=$(cd "$1" && pwd -P)
source=$(cd "$2" && pwd -P)
version=$3 generator=$4 cxx=$5 build_type=$6 configured_scenarios=$7 make_program=${8:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/adsim-install-test.XXXXXX")
work=$(cd "$work" && pwd -P)
trap 'rm -rf "$work"' EXIT
[[ "$work/" != "$source/"* ]] || fail "the temporary folder $work is inside the source tree"

# Install, then move: the programs run from a prefix they were not installed to.
cmake --install "$build" --prefix "$work/staged" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "cmake --install $build failed"; }
mv "$work/staged" "$work/prefix"
prefix="$work/prefix"

# What the install holds.
[[ -x "$prefix/bin/adsim" ]] || fail "no bin/adsim"
if [[ -x "$build/gui/adsim-gui" ]]; then [[ -x "$prefix/bin/adsim-gui" ]] || fail "adsim-gui is built but not installed"; fi
for f in "$prefix"/bin/*; do
  case "$(basename "$f")" in adsim|adsim-gui) ;; *) fail "bin/$(basename "$f") is installed (only adsim and adsim-gui are)";; esac
done
scenario_count=$(find "$source/scenarios" -maxdepth 1 -name '*.toml' | wc -l)
installed_count=$(find "$prefix/share/adsim/scenarios" -maxdepth 1 -name '*.toml' | wc -l)
[[ "$scenario_count" -gt 0 && "$installed_count" -eq "$scenario_count" ]] ||
  fail "$installed_count scenarios installed, $scenario_count bundled"
for f in README.md LICENSE CHANGELOG.md docs/scenario-reference.md docs/installing.md; do
  [[ -s "$prefix/share/doc/adsim/$f" ]] || fail "share/doc/adsim/$f is not installed"
done
[[ -s "$prefix/include/adsim/scenarios/scenario_loader.hpp" && -s "$prefix/include/adsim/core/simulation.hpp" ]] ||
  fail "the headers are not installed under include/adsim/<folder>/"
config=$(find "$prefix" -name adsimConfig.cmake)
[[ -n "$config" && -f "$(dirname "$config")/adsimConfigVersion.cmake" && -f "$(dirname "$config")/adsimTargets.cmake" ]] ||
  fail "no adsimConfig.cmake, adsimConfigVersion.cmake and adsimTargets.cmake"
[[ -n "$(find "$prefix" -name 'libadsim_scenarios.a')" ]] || fail "libadsim_scenarios.a is not installed"
if grep -rqF "$source" "$(dirname "$config")"; then fail "the CMake package refers to the source tree $source"; fi
note "installed $(find "$prefix" -type f | wc -l) files under $prefix"

# No program finds its scenarios through the source path compiled in.
if command -v strings >/dev/null; then
  for exe in "$prefix"/bin/*; do
    if strings -a "$exe" | grep -qFx -e "$source/scenarios" -e "$source/scenarios/" ||
       strings -a "$exe" | grep -F "$source/scenarios/" | grep -qF ".toml"; then
      fail "$exe holds the source tree's scenarios path $source/scenarios"
    fi
  done
else
  note "strings not installed: the programs' strings are not checked"
fi

mkdir -p "$work/run"
cp -r "$source/tests/install/consumer" "$work/consumer"
export build source version generator cxx build_type configured_scenarios make_program work prefix scenario_count
cp "${BASH_SOURCE[0]}" "$work/install_test.sh"
if unshare -rm true 2>/dev/null; then
  note "checking with $source hidden (private mount namespace)"
  unshare -rm bash "$work/install_test.sh" --inside
else
  note "unshare is not permitted here: checking with the source tree in place (the prefix was moved and the strings checked)"
  checks_without_source
fi
note "ok"
