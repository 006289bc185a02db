#!/usr/bin/env bash
# Issue 18's decision, measured in one command on a GPU machine: first that every style's forces on ILGPU and OpenCL agree
# with the CPU backend there (`agree`: a GPU compiles the kernels through other compilers than CI's), then ILGPU (CUDA on
# NVIDIA) vs the OpenCL C kernels on the same GPU vs the CPU backend, atom-steps/s of one force call (energy + forces, host
# positions in, host forces out), fp64 and fp32, neighbor list reused (skin 1 Å) and rebuilt (skin 0).
#   EAM Cu (Cu_u3.eam):     32 000 atoms (fcc 20³) and 1 000 188 atoms (fcc 63³): one force call, then NVE MD
#                           (CPU host loop vs device-resident OpenCL and ILGPU, MDSTEPS steps)
#   equivariant model (potentials/cu-mlearn.mlip) on 4 000 (fcc 10³) and 32 000 (fcc 20³) Cu atoms: one force call
#     (CPU vs OpenCL vs ILGPU, fp64 and fp32), then NVE MD on 4 000 atoms (CPU host loop vs device-resident OpenCL and ILGPU).
#     Both accelerator backends chunk the edge stages (scratch ≤ 1/8 of GPU memory, at most 4 GiB); `ilgpu-memory` prints ILGPU's chunks and bytes.
#   training (`ilgpu-grad`): ∂E/∂θ of a minibatch of 32 × 108 Cu atoms in one ILGPU call vs the CPU trainer's dual pass frame by frame
#     (one thread), then the whole E+F+σ loss gradient of the minibatch: `mlip train --device ilgpu`'s DeviceLossGradient (fp64, fp32)
#     vs the CPU trainer's FrameLossGradient per frame.
# Usage: bench/gpu/run.sh [OPENCL_DEVICE=0] [ILGPU_DEVICE=0] [REPS=10] [LARGE=63] [MDSTEPS=100]
#   find the indices with `mlip info` (ILGPU numbers GPUs first: ilgpu:0 is the first CUDA GPU when there is one;
#   OpenCL numbers platforms in loader order: pick the NVIDIA/AMD/Intel GPU, not PoCL). LARGE=0 skips the ~1M cell.
# Output: one table per system (see bench/opencl/README.md for the columns); paste into bench/gpu/README.md.
# On a machine without the .NET SDK (the lent device machines): run `bash bench/gpu/pack.sh` here first and carry bench/gpu/pack,
# e.g. device run, carry [bench/gpu/pack]: `set -o pipefail; bash bench/gpu/run.sh 0 0 5 63 50 2>&1 | tee $OUT/gpu.txt`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CL="${1:-0}"; IL="${2:-0}"; REPS="${3:-10}"; LARGE="${4:-63}"; MDSTEPS="${5:-100}"
# the CPU backend as ./mlip runs it: Vector<T> may use 512-bit registers (the launcher's default)
export DOTNET_MaxVectorTBitWidth="${DOTNET_MaxVectorTBitWidth:-512}"
PACK="$ROOT/bench/gpu/pack/MlipEngine.Bench"   # bench/gpu/pack.sh: for machines without the .NET SDK
if [[ -x "$PACK" ]]; then
  echo "# bench program: $PACK (self-contained, from bench/gpu/pack.sh)"
  bench() { "$PACK" "$@" || echo "# bench $* failed (exit $?)"; echo; }
else
  dotnet build "$ROOT/bench/MlipEngine.Bench" -c Release --nologo -v quiet >/dev/null
  bench() { dotnet run -c Release --no-build --project "$ROOT/bench/MlipEngine.Bench" -- "$@" || echo "# bench $* failed (exit $?)"; echo; }
fi
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  # ILGPU opens the driver as libcuda.so and OpenCL goes through the ICD loader libOpenCL.so.1 and a vendor file
  # nvidia.icd; containers often carry only libcuda.so.1 and no ICD: link what is missing into a folder of our own.
  SHIM="$(mktemp -d)"
  find_lib() { { ldconfig -p 2>/dev/null | awk -v n="$1" '$1 == n { print $NF; exit }'; \
                 find /usr/local/nvidia /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
                      -maxdepth 2 -name "$1*" 2>/dev/null || true; } | head -1; }
  lib="$(find_lib libcuda.so.1)"; [[ -n "$lib" ]] && ln -sf "$lib" "$SHIM/libcuda.so"
  if [[ -z "$(ldconfig -p 2>/dev/null | awk '$1 == "libOpenCL.so.1"')" ]]; then
    lib="$(find_lib libOpenCL.so.1)"; [[ -n "$lib" ]] && ln -sf "$lib" "$SHIM/libOpenCL.so.1"
  fi
  if [[ ! -e /etc/OpenCL/vendors/nvidia.icd ]]; then
    lib="$(find_lib libnvidia-opencl.so.1)"
    if [[ -n "$lib" ]]; then mkdir -p "$SHIM/vendors"; echo "$lib" > "$SHIM/vendors/nvidia.icd"; export OCL_ICD_VENDORS="$SHIM/vendors"; fi
  fi
  export LD_LIBRARY_PATH="$SHIM${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # never time a ~1M-atom cell on a CPU stand-in: a backend whose device is not a GPU here is skipped (device 99)
  check="$(bench devices "$CL" "$IL" | tee /dev/stderr | grep '^gpu-check' || true)"
  [[ "$check" == *"opencl=yes"* ]] || { echo "# OpenCL device $CL is not a GPU here: OpenCL skipped"; CL=99; }
  [[ "$check" == *"ilgpu=yes"* ]] || { echo "# ILGPU device $IL is not a GPU here: ILGPU skipped"; IL=99; }
else
  bench devices "$CL" "$IL"
fi
lscpu 2>/dev/null | grep -E '^(Model name|CPU\(s\)):' || true
echo "## agreement: every style on ILGPU and OpenCL (fp64, fp32) against the CPU backend, before any timing"
bench agree "$CL" "$IL"
echo "## EAM Cu, 32 000 atoms"
bench gpu eam 20 "$REPS" "$CL" "$IL"
bench gpu-md eam 20 "$MDSTEPS" "$CL" "$IL"
if [[ "$IL" != 99 ]]; then bench ilgpu-list 20 5 "$IL"; fi   # list rebuild: host (build, copy, upload) vs ILGPU's device builder (resident MD's path)
if [[ "$LARGE" -gt 0 ]]; then
  echo "## EAM Cu, $((4 * LARGE * LARGE * LARGE)) atoms"
  bench gpu eam "$LARGE" "$(( REPS > 5 ? 5 : REPS ))" "$CL" "$IL"
  bench gpu-md eam "$LARGE" "$(( MDSTEPS > 20 ? 20 : MDSTEPS ))" "$CL" "$IL"
  if [[ "$IL" != 99 ]]; then bench ilgpu-list "$LARGE" 3 "$IL"; fi
fi
for ml in 10 20; do
  echo "## equivariant model, $((4 * ml * ml * ml)) Cu atoms"
  bench gpu mlip "$ml" "$(( REPS > 5 ? 5 : REPS ))" "$CL" "$IL"
done
echo "## equivariant model on ILGPU, 32 000 Cu atoms: edge chunks and device memory (default budget)"
if [[ "$IL" != 99 ]]; then bench ilgpu-memory 20 0 "$IL"; fi
echo "## equivariant model, 4000 Cu atoms, NVE MD"
bench gpu-md mlip 10 "$(( MDSTEPS > 20 ? 20 : MDSTEPS ))" "$CL" "$IL"
echo "## training: the parameter gradient (∂E/∂θ, then the E+F+σ loss) of a minibatch of 32 Cu cells (108 atoms each) on ILGPU vs the CPU trainer"
if [[ "$IL" != 99 ]]; then bench ilgpu-grad 32 3 "$(( REPS > 5 ? 5 : REPS ))" "$IL"; fi
