#!/usr/bin/env bash
# Search throughput: the same random Si8 candidates (Stillinger–Weber) relaxed with their cells by
#   mlip search (batched relaxer, 1 and 2 threads), LAMMPS minimize + fix box/relax in one lmp process, and
#   ASE BFGS + ExpCellFilter on LAMMPSlib, one by one (the first ASE_N).
# Usage: bash bench/search/throughput.sh [N=500] [ASE_N=100]; prints one JSON line per code.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
N=${1:-500}; ASE_N=${2:-100}
TMP=runs/bench-throughput
rm -rf "$TMP"; mkdir -p "$TMP"
./mlip info >/dev/null   # build once
./mlip search examples/search/si8-sw.yaml --set trials=$N --candidates "$TMP/cands.xyz" >/dev/null
for t in 1 2; do
  start=$(date +%s.%N)
  ./mlip search examples/search/si8-sw.yaml --set trials=$N --set threads=$t --set output=$TMP/mlip-$t >/dev/null 2>&1
  end=$(date +%s.%N)
  python3 - "$TMP/mlip-$t/journal.jsonl" "$t" "$start" "$end" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])][1:]
dt = float(sys.argv[4]) - float(sys.argv[3])
print(json.dumps({"code": f"mlip search ({sys.argv[2]} thread{'s' if sys.argv[2] != '1' else ''}, incl. start-up and ranking)", "candidates": len(rows),
                  "seconds": round(dt, 3), "per_second": round(len(rows) / dt, 2), "force_evaluations": sum(r["force_calls"] for r in rows),
                  "reached_diamond": sum(isinstance(r.get("energy"), float) and r["energy"] / 8 <= -4.3365 for r in rows)}))
PY
done
/usr/bin/python3 bench/search/peers.py lammps "$TMP/cands.xyz" "$N" "$ROOT/$TMP/lammps"
# Debian's python3-lammps dlopens liblammps.so, which only the -dev package links; point it at the runtime library.
mkdir -p "$TMP/lib"; ln -sf "$(ls /usr/lib/*-linux-gnu/liblammps.so.0 | head -1)" "$TMP/lib/liblammps.so"
LD_LIBRARY_PATH="$ROOT/$TMP/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" /usr/bin/python3 bench/search/peers.py ase "$TMP/cands.xyz" "$ASE_N"
