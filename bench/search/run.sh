#!/usr/bin/env bash
# LJ13 and LJ55 basin hopping: mlip search against SciPy basinhopping, same seeds, side by side.
# Usage: bash bench/search/run.sh [SEEDS13] [SEEDS55] [BUDGET13] [BUDGET55]   (defaults 20 10 1000 3000)
# Writes bench/search/results.csv (one row per code, cluster, seed) and prints the summary table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
S13=${1:-20}; S55=${2:-10}; B13=${3:-1000}; B55=${4:-3000}
OUT=bench/search/results.csv
TMP=runs/bench-search
mkdir -p "$TMP"
./mlip info >/dev/null   # build once
echo "code,cluster,seed,found,hops,evaluations,best,seconds" > "$OUT"
run_case() {   # n target seeds budget
  local n=$1 target=$2 seeds=$3 budget=$4
  for seed in $(seq 1 "$seeds"); do
    rm -rf "$TMP/lj$n-$seed"
    start=$(date +%s.%N)
    ./mlip search bench/search/lj-bh.yaml --set composition.Ar=$n --set seed=$seed --set trials=$budget \
      --set stop_energy=$(python3 -c "print($target + 1e-4)") --set output=$TMP/lj$n-$seed >/dev/null 2>&1
    end=$(date +%s.%N)
    python3 - "$TMP/lj$n-$seed/search.json" "$n" "$seed" "$target" "$start" "$end" >> "$OUT" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); n, seed, target = sys.argv[2], sys.argv[3], float(sys.argv[4])
found = j["best_energy"] is not None and j["best_energy"] <= target + 1e-4
print(f"mlip,LJ{n},{seed},{found},{j['trials']},{j['force_evaluations']},{j['best_energy']:.6f},{float(sys.argv[6]) - float(sys.argv[5]):.2f}")
PY
    /usr/bin/python3 bench/search/scipy_bh.py "$n" "$target" "$seed" "$budget" | python3 -c "
import json,sys; j=json.loads(sys.stdin.read())
print(f\"scipy,LJ$n,{j['seed']},{j['found']},{j['hops']},{j['evaluations']},{j['best']:.6f},{j['seconds']:.2f}\")" >> "$OUT"
  done
}
run_case 13 -44.326801 "$S13" "$B13"
run_case 55 -279.248470 "$S55" "$B55"
python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("| cluster | code | seeds found | median force evaluations (found seeds) | median hops | median wall s |")
print("|---|---|---|---|---|---|")
for cl in ("LJ13", "LJ55"):
    for code in ("mlip", "scipy"):
        r = [x for x in rows if x["cluster"] == cl and x["code"] == code]
        f = [x for x in r if x["found"] == "True"]
        med = lambda k: statistics.median(float(x[k]) for x in f) if f else float("nan")
        print(f"| {cl} | {code} | {len(f)}/{len(r)} | {med('evaluations'):.0f} | {med('hops'):.0f} | {med('seconds'):.2f} |")
PY
