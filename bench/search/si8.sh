#!/usr/bin/env bash
# Si8 with Stillinger–Weber: how often a relaxed trial reaches diamond (−4.336600 eV/atom; cubic or hexagonal,
# which SW makes degenerate), for random cells, symmetric random cells (all 230 groups / cubic groups only)
# and evolution, over several seeds with the same budget.
# Usage: bash bench/search/si8.sh [TRIALS] [SEEDS]   (defaults 1000 3)
# Writes bench/search/si8-results.csv and prints the summary table (docs/search.md quotes it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
TRIALS=${1:-1000}; SEEDS=${2:-3}
OUT=bench/search/si8-results.csv
TMP=runs/bench-si8
mkdir -p "$TMP"
./mlip info >/dev/null   # build once
echo "method,seed,trials,reached,share,first_trial,force_evaluations" > "$OUT"
run() {   # name seed extra --set arguments...
  local name=$1 seed=$2; shift 2
  rm -rf "$TMP/$name-$seed"
  ./mlip search examples/search/si8-sw.yaml --set trials=$TRIALS --set seed=$seed --set output=$TMP/$name-$seed "$@" >/dev/null 2>&1
  python3 - "$TMP/$name-$seed/journal.jsonl" "$name" "$seed" >> "$OUT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])][1:]
hits = [r["trial"] for r in rows if isinstance(r.get("energy"), float) and r["energy"] / 8 <= -4.3365]
evals = sum(r.get("force_calls", 0) for r in rows)
print(f"{sys.argv[2]},{sys.argv[3]},{len(rows)},{len(hits)},{len(hits)/len(rows):.4f},{min(hits) if hits else ''},{evals}")
PY
}
for seed in $(seq 1 "$SEEDS"); do
  run random "$seed"
  run symmetric-all "$seed" --set symmetry=true
  run symmetric-cubic "$seed" --set "symmetry={min: 195, max: 230}"
  run evolution "$seed" --set mode=evolutionary
  run evolution-symmetric "$seed" --set mode=evolutionary --set symmetry=true
done
python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("| method | seeds | trials each | share reaching diamond (mean, min–max) | median first trial | force evaluations per trial |")
print("|---|---|---|---|---|---|")
for m in dict.fromkeys(r["method"] for r in rows):
    r = [x for x in rows if x["method"] == m]
    sh = [float(x["share"]) for x in r]
    first = [int(x["first_trial"]) for x in r if x["first_trial"]]
    ev = sum(int(x["force_evaluations"]) for x in r) / sum(int(x["trials"]) for x in r)
    print(f"| {m} | {len(r)} | {r[0]['trials']} | {100*statistics.mean(sh):.1f} % ({100*min(sh):.1f}–{100*max(sh):.1f}) | {statistics.median(first) if first else '—'} | {ev:.0f} |")
PY
