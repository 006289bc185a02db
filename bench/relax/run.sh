#!/usr/bin/env bash
# Relaxation benchmark: 1,000 random Cu/Ni/Au/Pd candidates (FCC/BCC, 4-64 atoms, strained, rattled),
#   (a) mlip relax batched (in-flight, --batch-atoms 4096) vs one at a time (--batch-atoms 1), 2 threads;
#   (b) LAMMPS minimize + fix box/relax on the first $LMP_N candidates in one lmp process (serial);
#   (c) FIRE with a fixed cell on $ASE_N pure-Cu candidates: ASE 3.22 (its own EAM calculator) vs mlip;
#   (d) ASE FIRE + ExpCellFilter on our engine (python/mlip_ase.py) vs mlip relax, first $ECF_N: force calls;
#   (e) the same with a small random equivariant model on the first $EQ_N.
# Usage: bash bench/relax/run.sh [N=1000] ; results go to $OUT (default /tmp/mlip-relax-bench).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-1000}"; LMP_N="${LMP_N:-200}"; ASE_N="${ASE_N:-40}"; ECF_N="${ECF_N:-150}"; EQ_N="${EQ_N:-20}"
OUT="${OUT:-/tmp/mlip-relax-bench}"; mkdir -p "$OUT"
PY=/usr/bin/python3; POT="$ROOT/bench/relax/potential.yaml"; CMP="$ROOT/bench/relax/compare.py"
"$PY" "$ROOT/bench/relax/generate.py" "$N" "$OUT/cands.xyz" 1
"$ROOT/mlip" info >/dev/null 2>&1 || true   # build once

run() { local tag=$1; shift; local t0=$(date +%s.%N)
  "$ROOT/mlip" relax -p "$POT" -i "$OUT/cands.xyz" -o "$OUT/$tag.xyz" -s "$OUT/$tag.csv" --threads 2 "$@" 2>&1 | tail -1
  local t1=$(date +%s.%N); echo "$tag: $(echo "$t1 - $t0" | bc) s wall (incl. start-up)"; "$PY" "$CMP" csv "$OUT/$tag.csv"; }
echo "== (a) mlip relax, Frechet cell, FIRE, fmax 0.02 eV/A, smax 1e-3 eV/A^3"
run default                          # auto: one relaxer per thread, one candidate per batch (CPU)
run batched --batch-atoms 4096 --workers 1
run batched-1t --batch-atoms 4096 --workers 1 --threads 1
run default-1t --threads 1

echo "== (b) LAMMPS minimize (cg) + fix box/relax tri 0.0 on the first $LMP_N (ftol 0.02: 2-norm of all forces)"
head_n() { "$PY" -c "from ase.io import read, write; write('$2', read('$1', ':$3'))"; }
head_n "$OUT/cands.xyz" "$OUT/lmp_subset.xyz" "$LMP_N"
"$PY" "$CMP" lammps "$OUT/lmp_subset.xyz" "$LMP_N" "$OUT/lammps"
"$ROOT/mlip" relax -p "$POT" -i "$OUT/lmp_subset.xyz" -o "$OUT/sub.xyz" -s "$OUT/sub.csv" --threads 1 2>&1 | tail -1
"$ROOT/mlip" relax -p "$POT" -i "$OUT/lmp_subset.xyz" -o "$OUT/sub.xyz" -s "$OUT/sub.csv" --threads 2 2>&1 | tail -1

echo "== (c) FIRE, fixed cell, pure Cu (Cu_u3.eam), first $ASE_N candidates"
"$PY" - "$OUT/cands.xyz" "$OUT/cu.xyz" "$ASE_N" <<'PYEOF'
import sys
from ase.io import read, write
frames = read(sys.argv[1], ":" + sys.argv[3])
for a in frames: a.set_chemical_symbols(["Cu"] * len(a))
write(sys.argv[2], frames)
PYEOF
"$PY" "$CMP" ase-fire "$OUT/cu.xyz" "$ASE_N"
"$ROOT/mlip" relax -p "{style: eam, file: /usr/share/lammps/potentials/Cu_u3.eam, elements: [Cu]}" -i "$OUT/cu.xyz" -o "$OUT/cu_out.xyz" -s "$OUT/cu.csv" --cell fixed --threads 2 2>&1 | tail -1
"$PY" "$CMP" csv "$OUT/cu.csv"

echo "== (d) ASE 3.22 FIRE + ExpCellFilter driving our engine over the C ABI, first $ECF_N (force calls)"
make -C "$ROOT/src/native" >/dev/null
head_n "$OUT/cands.xyz" "$OUT/ecf_subset.xyz" "$ECF_N"
for crit in ase mlip; do
  MLIP_LIBRARY="$ROOT/artifacts/libmlip/libmlip.so" "$PY" "$ROOT/bench/relax/ase_fire_ecf.py" "$OUT/ecf_subset.xyz" "$ECF_N" "$POT" --criterion $crit --csv "$OUT/ase_$crit.csv"
done
"$ROOT/mlip" relax -p "$POT" -i "$OUT/ecf_subset.xyz" -o "$OUT/ecf_mlip.xyz" -s "$OUT/ecf_mlip.csv" 2>&1 | tail -1
"$PY" "$CMP" csv "$OUT/ecf_mlip.csv"

echo "== (e) equivariant potential (a RANDOM model: minima are not physical), first $EQ_N"
"$ROOT/mlip" model init --species Cu,Ni,Au,Pd --channels 16 --lmax 1 --correlation 2 --layers 2 --cutoff 5.0 --seed 1 --output "$OUT/m.mlip"
head_n "$OUT/cands.xyz" "$OUT/eq_subset.xyz" "$EQ_N"
"$ROOT/mlip" relax -p "$OUT/m.mlip" -i "$OUT/eq_subset.xyz" -o "$OUT/eq.xyz" -s "$OUT/eq.csv" --threads 2 2>&1 | tail -1
"$PY" "$CMP" csv "$OUT/eq.csv"
