#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, the `fuzz` preset, build/fuzz) and runs each for a fixed
# number of executions with a fixed seed, from a fresh copy of the seed corpus under
# build/fuzz/run (the source tree is never written). On a finding it prints the reproducer's path
# and exits 1. See fuzz/README.md.
#
#   scripts/fuzz.sh [--optional] [EXECUTIONS]
#
# EXECUTIONS: inputs run through the loader target (default 20000; the overrides target, about
# twenty times slower per input, runs a twentieth as many). --optional: exit 0, saying why, when clang or
# libFuzzer is missing (without it: exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=20000
optional=0
for arg in "$@"; do
  case "$arg" in
    --optional) optional=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    ''|*[!0-9]*) echo "fuzz: unknown argument '$arg' (usage: scripts/fuzz.sh [--optional] [EXECUTIONS])" >&2; exit 2 ;;
    *) runs="$arg" ;;
  esac
done

unavailable() {
  echo "fuzz: $1" >&2
  echo "fuzz: Debian 12 packages: clang libclang-rt-14-dev llvm (scripts/setup.sh installs them)" >&2
  if [ "$optional" -eq 1 ]; then
    echo "fuzz: skipped (--optional)" >&2
    exit 0
  fi
  exit 1
}

command -v clang++ >/dev/null 2>&1 || unavailable "clang++ is not installed"
command -v cmake >/dev/null 2>&1 || unavailable "cmake is not installed"
probe_dir="$(mktemp -d)"
trap 'rm -rf "$probe_dir"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe_dir/probe.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$probe_dir/probe.cpp" -o "$probe_dir/probe" 2>"$probe_dir/log"; then
  unavailable "clang++ cannot link -fsanitize=fuzzer,address,undefined (libFuzzer's runtime is missing): $(head -c 300 "$probe_dir/log")"
fi

# Symbolized sanitizer reports; Debian names the versioned symbolizer only.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null 2>&1; then
  for s in /usr/lib/llvm-*/bin/llvm-symbolizer; do
    if [ -x "$s" ]; then export ASAN_SYMBOLIZER_PATH="$s"; break; fi
  done
fi
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

start=$SECONDS
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
echo "fuzz: built in $((SECONDS - start)) s"

run_dir=build/fuzz/run
rm -rf "$run_dir"
mkdir -p "$run_dir"

# The dictionary: TOML syntax (fuzz/toml.dict) and every scenario key and enum value, read from the
# generated reference (kept equal to the schema by the scenarios tests).
dict="$run_dir/scenario.dict"
{
  cat fuzz/toml.dict
  awk -F'|' '/^\| `[a-z0-9_.]+` \|/ {
      key = $2; gsub(/[ `]/, "", key)
      name = key; sub(/.*\./, "", name)
      printf "\"%s\"\n\"%s=\"\n", name, key
      if (index(key, ".") > 0) { section = key; sub(/\.[^.]*$/, "", section); printf "\"[%s]\"\n", section }
      type = $3; gsub(/ /, "", type)
      if (type == "enum") {
        n = split($6, values, ",")
        for (i = 1; i <= n; ++i) { v = values[i]; gsub(/ /, "", v); printf "\"%s\"\n\"\\\"%s\\\"\"\n", v, v }
      }
    }' docs/scenario-reference.md | sort -u
} >"$dict"

status=0
for target in loader overrides; do
  dir="$run_dir/$target"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  find "fuzz/regressions/$target" -type f ! -name '.*' -exec cp {} "$dir/corpus/" \;
  if [ "$target" = loader ]; then
    cp scenarios/*.toml "$dir/corpus/"
    max_len=16384  # the largest bundled scenario is under 10 KiB
    target_runs="$runs"
  else
    # An input is a few --set lines, each checked twice (parse_scenario and apply_overrides), and
    # every unknown key costs a did-you-mean search over all keys: a twentieth of the executions.
    max_len=1024
    target_runs=$(( (runs + 19) / 20 ))
  fi
  echo "fuzz: $target: $target_runs executions (log: $dir/fuzz.log)"
  t0=$SECONDS
  set +e
  "build/fuzz/fuzz/adsim_fuzz_$target" "$dir/corpus" -runs="$target_runs" -seed=1 -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -dict="$dict" -artifact_prefix="$dir/artifacts/" -print_final_stats=1 >"$dir/fuzz.log" 2>&1
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    status=1
    tail -n 60 "$dir/fuzz.log" >&2
    echo "fuzz: $target: FINDING (exit $rc) after $((SECONDS - t0)) s" >&2
    for reproducer in "$dir"/artifacts/*; do
      [ -e "$reproducer" ] || continue
      echo "fuzz: reproducer: $reproducer" >&2
      echo "fuzz:   replay: build/fuzz/fuzz/adsim_fuzz_$target $reproducer" >&2
    done
    echo "fuzz: make it a regression test: fuzz/README.md, \"When the fuzzer finds something\"" >&2
  else
    echo "fuzz: $target: no findings in $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$dir/fuzz.log" | grep -o '[0-9]*$') executions, $((SECONDS - t0)) s; $(grep -o 'cov: [0-9]* ft: [0-9]*' "$dir/fuzz.log" | tail -n 1)"
  fi
done
echo "fuzz: done in $((SECONDS - start)) s"
exit "$status"
