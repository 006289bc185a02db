#!/usr/bin/env bash
# Materials task through the engine: the lowest-energy Cu-Ni crystal (lattice fcc/bcc/sc, composition,
# density; ions relaxed under the Cu-Ni EAM) by mlip optimize against a Sobol design of the same budget
# (the same command with initial = budget, so only the proposals differ).
# Usage: bash bench/optimize/materials.sh [SEEDS] [BUDGET]   (defaults 10 40)
# Writes bench/optimize/materials.csv and prints a summary.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SEEDS=${1:-10}; BUDGET=${2:-40}
OUT=bench/optimize/materials.csv
TMP=runs/bench-optimize
./mlip info >/dev/null
echo "method,seed,evaluations,calls_to_target,best,best_design" > "$OUT"
for seed in $(seq 1 "$SEEDS"); do
  for method in bo sobol; do
    dir=$TMP/cuni-$method-$seed; rm -rf "$dir"
    init=8; [[ $method == sobol ]] && init=$BUDGET
    ./mlip optimize examples/optimize/cuni-lowest-energy.yaml --set seed=$seed --set budget=$BUDGET --set initial=$init \
      --set threads=1 --set output=../../$dir >/dev/null 2>&1
    python3 - "$method" "$seed" "$dir/history.csv" >> "$OUT" <<'PY'
import csv, sys
method, seed, path = sys.argv[1:4]
rows = list(csv.DictReader(open(path)))
target = -4.45 + 1e-3   # fcc Ni at its equilibrium lattice constant, within 1 meV/atom
best, hit, design = float("inf"), "", ""
for i, r in enumerate(rows):
    if r["status"] == "ok" and float(r["energy_per_atom"]) < best:
        best = float(r["energy_per_atom"]); design = f"{r['lattice']} Ni{float(r['x.Ni']):.2f} a={float(r['a']):.3f}"
    if hit == "" and best <= target: hit = i + 1
print(f"{method},{seed},{len(rows)},{hit},{best!r},{design}")
PY
  done
done
python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for m in ("bo", "sobol"):
    rs = [r for r in rows if r["method"] == m]
    hits = [int(r["calls_to_target"]) for r in rs if r["calls_to_target"]]
    best = [float(r["best"]) for r in rs]
    print(f"{m:6} runs {len(rs)}: reached -4.449 eV/atom in {len(hits)}/{len(rs)} (median calls {statistics.median(hits) if hits else '-'}), "
          f"median best {statistics.median(best):.5f}, worst {max(best):.5f} eV/atom")
PY
