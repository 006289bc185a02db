#!/usr/bin/env bash
# Packs the bench program for a GPU machine that has no .NET SDK (the lent device machines have CUDA, no dotnet):
# one self-contained linux-x64 executable, runtime included and compressed (~50 MB), written to bench/gpu/pack/
# (ignored by git; name it in the device call's `carry`). bench/gpu/run.sh uses it when it is there.
# It is published from a copy of the working tree, so this checkout's obj/ keeps no RID-specific restore.
# Usage: bash bench/gpu/pack.sh      then, on the GPU machine: bash bench/gpu/run.sh [OPENCL_DEVICE] [ILGPU_DEVICE] ...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
(cd "$ROOT" && git ls-files -co --exclude-standard -z | grep -zv '^bench/gpu/pack/' | tar --null -T - -cf -) | tar -C "$TMP" -xf -
rm -rf "$ROOT/bench/gpu/pack"
dotnet publish "$TMP/bench/MlipEngine.Bench" -c Release -r linux-x64 --self-contained --nologo -v quiet \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
  -p:InvariantGlobalization=true -p:DebugType=none -o "$TMP/pack" >/dev/null
mkdir -p "$ROOT/bench/gpu/pack"
cp "$TMP/pack/MlipEngine.Bench" "$ROOT/bench/gpu/pack/"
# the LAMMPS potential files the bench reads (Debian's lammps-data; a GPU machine has no LAMMPS)
mkdir -p "$ROOT/bench/gpu/pack/potentials"
for f in Cu_u3.eam Si.sw SiC.tersoff; do cp "/usr/share/lammps/potentials/$f" "$ROOT/bench/gpu/pack/potentials/"; done
echo "packed $(du -h "$ROOT/bench/gpu/pack/MlipEngine.Bench" | cut -f1) into bench/gpu/pack/ (commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src bench kernels || echo ', with uncommitted changes'))"
