#!/usr/bin/env bash
# How close a threaded study comes to independent processes on every core.
#
#   bench/study_scaling.sh [ADSIM] [N] [DAYS] [REPEATS]
#
# Runs the reference marketplace (scenarios/marketplace.toml, shortened to DAYS simulated days):
#   1. one run alone (seed 1): the single-run rate in ad requests per second;
#   2. N independent `adsim run` processes at once (seeds 1..N): their aggregate rate;
#   3. one `adsim sweep --jobs N` of the same N runs (seeds 1..N, recorded into a fresh database):
#      its aggregate rate. The runs are deterministic, so (2) and (3) simulate the same requests.
# and prints each rate, the speedups over one run, and study / independent (the issue's target:
# within 5 % on 16 cores). (2) and (3) alternate REPEATS times; medians are reported.
# Needs bash and python3 (to read --json); nothing else. Defaults: build/release/cli/adsim, nproc,
# 0.5 days, 3 repeats.
set -euo pipefail
cd "$(dirname "$0")/.."
ADSIM="${1:-build/release/cli/adsim}"
N="${2:-$(nproc)}"
DAYS="${3:-0.5}"
REPEATS="${4:-3}"
SCENARIO="${ADSIM_SCENARIO:-scenarios/marketplace.toml}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

now() { python3 -c 'import time; print(time.monotonic())'; }
requests_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$1"; }

echo "adsim study scaling: $SCENARIO, $DAYS days per run, N = $N, $(nproc) cores, $REPEATS repeats"

# 1. One run alone.
t0=$(now)
"$ADSIM" run "$SCENARIO" --seed 1 --set "run.days=$DAYS" --json --quiet > "$TMP/single.json"
t1=$(now)
single_wall=$(python3 -c "print($t1 - $t0)")
single_requests=$(requests_of "$TMP/single.json")

independent=()
study=()
total_requests=0
for r in $(seq 1 "$REPEATS"); do
  # 2. N independent processes.
  t0=$(now)
  for s in $(seq 1 "$N"); do
    "$ADSIM" run "$SCENARIO" --seed "$s" --set "run.days=$DAYS" --json --quiet > "$TMP/run_$s.json" &
  done
  wait
  t1=$(now)
  independent+=("$(python3 -c "print($t1 - $t0)")")
  total_requests=0
  for s in $(seq 1 "$N"); do total_requests=$((total_requests + $(requests_of "$TMP/run_$s.json"))); done
  # 3. The same runs as one threaded study.
  rm -f "$TMP"/study.db*
  t0=$(now)
  "$ADSIM" sweep "$SCENARIO" --vary auction.reserve=0.05 --seeds "$N" --jobs "$N" --set "run.days=$DAYS" \
    --db "$TMP/study.db" --json --quiet --metrics revenue > "$TMP/study.json"
  t1=$(now)
  study+=("$(python3 -c "print($t1 - $t0)")")
  python3 - "$TMP/study.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))["invocation"]
book = j["coordinator_seconds"] + j["worker_store_seconds"]
print(f"  study: {j['ran']} runs, {j['run_seconds']:.1f} s of simulation, bookkeeping {book:.2f} s "
      f"({100 * book / j['run_seconds']:.1f} %)")
EOF
  echo "  repeat $r: independent ${independent[-1]} s, study ${study[-1]} s"
done

python3 - "$single_wall" "$single_requests" "$total_requests" "$N" "${independent[*]}" "${study[*]}" <<'EOF'
import statistics, sys
single_wall, single_requests, total, n = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
independent = [float(x) for x in sys.argv[5].split()]
study = [float(x) for x in sys.argv[6].split()]
one = single_requests / single_wall
ind = total / statistics.median(independent)
stu = total / statistics.median(study)
print(f"one run alone:            {one:12,.0f} requests/s ({single_wall:.2f} s, whole process)")
print(f"{n} independent processes: {ind:12,.0f} requests/s = {ind / one:5.2f}x one run   (walls {independent})")
print(f"adsim sweep --jobs {n}:    {stu:12,.0f} requests/s = {stu / one:5.2f}x one run   (walls {study})")
print(f"study / independent:      {stu / ind:.3f}")
EOF
