#!/usr/bin/env bash
# mlip optimize against the issue's anchors (scikit-optimize's benchmark, random search), same functions
# driven as external commands, plus a materials task through the engine against a Sobol design.
# Usage: bash bench/optimize/run.sh [SEEDS] [H6_BUDGET] [BRANIN_BUDGET]   (defaults 10 200 50)
# Writes bench/optimize/results.csv (one row per method, function, seed) and prints a summary.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SEEDS=${1:-10}; H6=${2:-200}; BR=${3:-50}
OUT=bench/optimize/results.csv
TMP=runs/bench-optimize
mkdir -p "$TMP"
./mlip info >/dev/null   # build once
echo "method,function,seed,evaluations,calls_to_target,best_at_50,best,seconds" > "$OUT"
summarise() {   # method function seed history.csv target seconds
  python3 - "$@" >> "$OUT" <<'PY'
import csv, sys
method, fn, seed, path, target, secs = sys.argv[1:7]
rows = list(csv.DictReader(open(path)))
best, hit, at50 = float("inf"), "", ""
for i, r in enumerate(rows):
    if r["status"] == "ok": best = min(best, float(r["f"]))
    if hit == "" and best <= float(target): hit = i + 1
    if i + 1 == 50: at50 = best
print(f"{method},{fn},{seed},{len(rows)},{hit},{at50},{best!r},{secs}")
PY
}
for seed in $(seq 1 "$SEEDS"); do
  for spec in "branin $BR 1 0.398887" "hartmann6 $H6 1 -3.30" "hartmann6 $H6 4 -3.30"; do
    read -r fn budget q target <<< "$spec"
    dir=$TMP/$fn-q$q-$seed; rm -rf "$dir"
    start=$(date +%s.%N)
    ./mlip optimize bench/optimize/$fn.yaml --set seed=$seed --set budget=$budget --set batch=$q --set output=../../$dir >/dev/null 2>&1
    secs=$(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')")
    summarise "mlip-q$q" "$fn" "$seed" "$dir/history.csv" "$target" "$secs"
    echo "seed $seed $fn q=$q done (${secs} s)" >&2
  done
  for spec in "branin $BR 0.398887" "hartmann6 $H6 -3.30"; do
    read -r fn budget target <<< "$spec"
    /usr/bin/python3 bench/optimize/baselines.py "$fn" "$seed" "$budget" | python3 -c "
import json, sys
j = json.load(sys.stdin)
for kind, b in j.items():
    hit = next((i + 1 for i, v in enumerate(b) if v <= $target), '')
    at50 = b[49] if len(b) >= 50 else ''
    print(f'{kind},$fn,$seed,{len(b)},{hit},{at50},{b[-1]!r},')" >> "$OUT"
  done
done
python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'method':10} {'function':10} {'runs':>4} {'median calls to target':>23} {'hit':>5} {'median best@50':>15} {'median best':>12} {'mean±sd best':>18}")
for key in sorted({(r['method'], r['function']) for r in rows}, key=lambda k: (k[1], k[0])):
    rs = [r for r in rows if (r['method'], r['function']) == key]
    hits = [int(r['calls_to_target']) for r in rs if r['calls_to_target']]
    # runs that never reach the target count as "more than the budget" for the median
    calls = sorted(hits + [10**9] * (len(rs) - len(hits)))
    med = statistics.median(calls); med = f"{med:g}" if med < 10**9 else f"> {rs[0]['evaluations']}"
    best = [float(r['best']) for r in rs]
    at50 = [float(r['best_at_50']) for r in rs if r['best_at_50']]
    print(f"{key[0]:10} {key[1]:10} {len(rs):>4} {med:>23} {len(hits):>2}/{len(rs):<2} {statistics.median(at50) if at50 else float('nan'):>15.4f} "
          f"{statistics.median(best):>12.6f} {statistics.mean(best):>9.4f}±{(statistics.stdev(best) if len(best) > 1 else 0):.4f}")
PY
