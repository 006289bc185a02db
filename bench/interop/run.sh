#!/usr/bin/env bash
# Embedding overhead for a 64-atom EAM Cu system (Cu_u3.eam, 1 thread, skin 0.5 Å):
# force evaluation alone vs one i-PI force call (Unix socket) vs one C ABI call (mlip_compute).
#   bash bench/interop/run.sh [REPEAT]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REPEAT="${1:-20000}"
SPEC="{style: eam, file: /usr/share/lammps/potentials/Cu_u3.eam, elements: [Cu]}"
OUT="$ROOT/artifacts/bench-interop"
mkdir -p "$OUT"
dotnet build "$ROOT/bench/interop/InteropBench.csproj" -c Release -o "$OUT/bench" --nologo -v quiet -clp:ErrorsOnly >&2
make -s -C "$ROOT/src/native" OUT="$OUT/lib" MANAGED="$OUT/bench" >&2
gcc -O2 -I"$ROOT/src/native/include" -o "$OUT/test_mlip" "$ROOT/tests/native/test_mlip.c" -L"$OUT/lib" -lmlip -Wl,-rpath,"$OUT/lib" -lm
cd "$OUT"
dotnet bench/InteropBench.dll "$SPEC" cu64.txt "$REPEAT"
"$OUT/test_mlip" "$SPEC" cu64.txt "$REPEAT" 2>&1 >/dev/null | sed -n 's/^timing: /C ABI mlip_compute     : /p'
