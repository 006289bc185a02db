#!/usr/bin/env bash
# Peak resident memory of a 1,000,000-atom EAM Cu NVE run (fcc 63×63×63 = 1,000,188 atoms), 10 steps.
# Usage: bash bench/md/memory.sh [threads]   Prints peak RSS and bytes per atom.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$ROOT/mlip" --help >/dev/null 2>&1 || true
cat > big.yaml <<IN
structure: {lattice: fcc, element: Cu, a: 3.615, repeat: [63, 63, 63]}
potential: {style: eam, file: /usr/share/lammps/potentials/Cu_u3.eam, elements: [Cu]}
velocities: {temperature: 300, seed: 1}
integrator: {type: nve}
timestep: 1.0
steps: 10
neighbor: {skin: 1.0}
thermo: {every: 10}
checkpoint: {file: big.ckpt}
threads: ${1:-2}
IN
/usr/bin/time -v "$ROOT/mlip" md big.yaml > out.txt 2> err.txt || { cat err.txt; exit 1; }
grep -E "Performance" err.txt
KB=$(grep "Maximum resident" err.txt | awk '{print $NF}')
awk -v kb="$KB" 'BEGIN{printf "peak RSS %.2f GB, %.0f bytes/atom (1,000,188 atoms)\n", kb/1048576, kb*1024/1000188}'
