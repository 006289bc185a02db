#!/usr/bin/env bash
# OpenCL vs CPU-backend throughput at 32k atoms (fcc 20^3 cells) for EAM (Cu_u3) and LJ (Ar):
# one force call per backend, then NVE MD (CPU backend, OpenCL per-step upload, OpenCL device-resident).
# Usage: bench/opencl/run.sh [REPEAT=20] [REPS=5] [DEVICE=0] [MDSTEPS=100]     (REPEAT 63 ≈ 1.0M atoms)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REPEAT="${1:-20}"; REPS="${2:-5}"; DEVICE="${3:-0}"; MDSTEPS="${4:-100}"
dotnet build "$ROOT/bench/MlipEngine.Bench" -c Release --nologo -v quiet >/dev/null
for style in eam lj; do
  dotnet run -c Release --no-build --project "$ROOT/bench/MlipEngine.Bench" -- opencl "$style" "$REPEAT" "$REPS" "$DEVICE"
  echo
done
for style in eam lj; do
  dotnet run -c Release --no-build --project "$ROOT/bench/MlipEngine.Bench" -- opencl-md "$style" "$REPEAT" "$MDSTEPS" "$DEVICE"
  echo
done
