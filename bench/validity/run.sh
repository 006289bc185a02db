#!/usr/bin/env bash
# Physical validity of the shipped models: runs `mlip properties` (E(V), elastic constants, vacancy) on
# potentials/{cu,ni,li,mo,si,ge}-mlearn.mlip and compares with DFT values derived from the mlearn training
# data (dft_reference.py), writing docs/validity.md. Usage: bash bench/validity/run.sh [DATA_DIR]
# (default /work/shared/data/mlearn; the data files are read, never copied). Needs /usr/bin/python3 with ASE.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="${1:-/work/shared/data/mlearn}"
OUT="$ROOT/runs/validity"
mkdir -p "$OUT/compression"
# element lattice a(start, Å) vacancy-supercell (the DFT vacancy cells: 108, 54, 54, 64 atoms)
while read -r el lat a sc; do
  lower="$(echo "$el" | tr 'A-Z' 'a-z')"
  echo "== $el ($lat)" >&2
  "$ROOT/mlip" properties -p "$ROOT/potentials/$lower-mlearn.mlip" --lattice "$lat" --a "$a" --supercell "$sc" \
    --only eos,elastic,vacancy --json "$OUT/$el.json" > "$OUT/$el.txt"
done <<'LIST'
Cu fcc 3.62 3
Ni fcc 3.51 3
Li bcc 3.43 3
Mo bcc 3.16 3
Si diamond 5.47 2
Ge diamond 5.76 2
LIST
/usr/bin/python3 "$ROOT/bench/validity/compression.py" --out "$OUT/compression" --dft "$ROOT/runs/compressed" --deep 0.05 > "$OUT/compression/summary.txt"
/usr/bin/python3 "$ROOT/bench/validity/dft_reference.py" "$DATA" Cu Ni Li Mo Si Ge > "$OUT/dft.json"
/usr/bin/python3 "$ROOT/bench/validity/make_table.py" "$OUT" "$(git -C "$ROOT" rev-parse --short HEAD)" > "$ROOT/docs/validity.md"
echo "wrote docs/validity.md" >&2
