#!/usr/bin/env bash
# Side-by-side: one force evaluation and one neighbor-list build, mlip vs Debian's LAMMPS, on this machine.
#   EAM Cu (Cu_u3.eam) and LJ Ar (cutoff 8.5), 32,000 atoms (fcc 20³), skin 1.0 Å, jittered by ±0.05 Å.
#   LAMMPS: Pair and Neigh section times / steps with the list rebuilt every step (in.*.lmp);
#   serial vs 1 thread, `mpirun -np 2` vs 2 threads; plain styles and the OPT package (-sf opt).
# Rounds are interleaved (lmp, mlip, lmp, mlip, ...) and medians reported, so background load hits both alike.
# Usage: bench/classical/compare_lammps.sh [ROUNDS=3] [REPEAT=20]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; ROOT="$HERE/../.."
ROUNDS="${1:-3}"; REP="${2:-20}"; STEPS=20
dotnet build "$ROOT/bench/MlipEngine.Bench" -c Release -o "$ROOT/artifacts/bench" --nologo -v quiet -clp:ErrorsOnly >/dev/null
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
lmp_time() { # style np suffix -> "pair_s neigh_s"
  local style=$1 np=$2 sf=$3 cmd=(lmp)
  [[ $np -gt 1 ]] && cmd=(mpirun --allow-run-as-root --oversubscribe -np "$np" lmp)
  [[ -n $sf ]] && cmd+=(-sf "$sf")
  (cd "$TMP" && "${cmd[@]}" -in "$HERE/in.$style.lmp" -var rep "$REP" -var steps "$STEPS" -log none -screen "$TMP/out" >/dev/null)
  awk -v s=$STEPS '/^Pair /{p=$5} /^Neigh /{n=$5} END{printf "%.6f %.6f\n", p/s, n/s}' "$TMP/out"
}
mlip_time() { # style threads -> "force_s neigh_s"
  dotnet "$ROOT/artifacts/bench/MlipEngine.Bench.dll" time "$1" "$REP" "$2" 10 1.0 | awk '/force_seconds/{f=$2} /neighbor_seconds/{n=$2} END{printf "%.6f %.6f\n", f, n}'
}
median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
printf "%-5s %-22s %12s %12s %12s %12s\n" style "comparison" "lmp force ms" "mlip force ms" "lmp neigh ms" "mlip neigh ms"
for style in eam lj; do
  for cfg in "1 1 " "2 2 " "1 1 opt" "2 2 opt"; do
    read -r np threads sf <<<"$cfg"
    : > "$TMP/lf"; : > "$TMP/ln"; : > "$TMP/mf"; : > "$TMP/mn"
    for ((r = 0; r < ROUNDS; r++)); do
      read -r a b < <(lmp_time "$style" "$np" "${sf:-}"); echo "$a" >> "$TMP/lf"; echo "$b" >> "$TMP/ln"
      read -r c d < <(mlip_time "$style" "$threads"); echo "$c" >> "$TMP/mf"; echo "$d" >> "$TMP/mn"
    done
    lf=$(median < "$TMP/lf"); ln=$(median < "$TMP/ln"); mf=$(median < "$TMP/mf"); mn=$(median < "$TMP/mn")
    label="np $np${sf:+ -sf $sf} vs $threads thr"
    printf "%-5s %-22s %12.2f %12.2f %12.2f %12.2f   force speedup %.2fx, neighbor speedup %.2fx\n" "$style" "$label" \
      "$(echo "$lf*1000" | bc -l)" "$(echo "$mf*1000" | bc -l)" "$(echo "$ln*1000" | bc -l)" "$(echo "$mn*1000" | bc -l)" \
      "$(echo "$lf/$mf" | bc -l)" "$(echo "$ln/$mn" | bc -l)"
  done
done
