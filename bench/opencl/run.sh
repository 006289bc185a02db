#!/usr/bin/env bash
# OpenCL vs CPU-backend throughput: EAM (Cu_u3) and LJ (Ar) at 32k atoms (fcc 20^3 cells), and the shipped
# equivariant model (potentials/cu-mlearn.mlip) at MLREPEAT^3 fcc cells (default 6 = 864 atoms, small enough
# for PoCL on 2 cores): one force call per backend, then NVE MD (CPU backend, OpenCL per-step upload,
# OpenCL device-resident).
# Usage: bench/opencl/run.sh [REPEAT=20] [REPS=5] [DEVICE=0] [MDSTEPS=100] [MLREPEAT=6] [MLSTEPS=20]
#        (REPEAT/MLREPEAT 20 = 32 000 atoms, 63 ≈ 1.0M atoms; MLREPEAT 0 skips the equivariant model,
#         REPEAT 0 skips EAM and LJ)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REPEAT="${1:-20}"; REPS="${2:-5}"; DEVICE="${3:-0}"; MDSTEPS="${4:-100}"; MLREPEAT="${5:-6}"; MLSTEPS="${6:-20}"
dotnet build "$ROOT/bench/MlipEngine.Bench" -c Release --nologo -v quiet >/dev/null
bench() { dotnet run -c Release --no-build --project "$ROOT/bench/MlipEngine.Bench" -- "$@"; echo; }
if [[ "$REPEAT" -gt 0 ]]; then
  for style in eam lj; do bench opencl "$style" "$REPEAT" "$REPS" "$DEVICE"; done
  for style in eam lj; do bench opencl-md "$style" "$REPEAT" "$MDSTEPS" "$DEVICE"; done
fi
if [[ "$MLREPEAT" -gt 0 ]]; then
  bench opencl mlip "$MLREPEAT" "$REPS" "$DEVICE"
  bench opencl-md mlip "$MLREPEAT" "$MLSTEPS" "$DEVICE"
fi
cat <<'NOTE'
# On a GPU (find INDEX with ./mlip info), please collect and add to bench/opencl/README.md:
#   bench/opencl/run.sh 20 10 INDEX 200 20 50     # 32k atoms: EAM, LJ and the equivariant model
#   bench/opencl/run.sh 63 5 INDEX 50 63 10       # ~1M atoms (equivariant: ~14 KB/atom fp64, ~9 KB/atom fp32, + 1/8 of the GPU's memory)
NOTE
