# Sourced by bench/active/run*.sh: the setup and the steps they share. Moves to the repository root, stops on the first
# error, and sets OUT (runs/active-bench, created) and MLIP (./mlip unless exported).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=runs/active-bench
MLIP=${MLIP:-./mlip}
mkdir -p $OUT

# The issue's test set, runs/active-bench/cu-test.xyz: independent oracle MD of the 32-atom cell at 300-1200 K
# (cu-test-md.yaml), labelled with the Mishin EAM. Made once; kept while it exists.
make_test_set() {
  [[ -f $OUT/cu-test.xyz ]] && return 0
  $MLIP md bench/active/cu-test-md.yaml > $OUT/test-md.log
  : > $OUT/cu-test.xyz.part
  for r in 0 1 2 3; do
    $MLIP eval -p '{style: eam/alloy, file: /usr/share/lammps/potentials/Cu_mishin1.eam.alloy, elements: [Cu]}' -i $OUT/test-md.r$r.xyz -o $OUT/test-r$r.xyz -t 1
    cat $OUT/test-r$r.xyz >> $OUT/cu-test.xyz.part
  done
  mv $OUT/cu-test.xyz.part $OUT/cu-test.xyz
}

# share_iteration0 SRC DST: run SRC's iteration 0 (initial labels, members, first pool) into run DST's folder (both
# under $OUT), for runs whose configs differ only after iteration 0 (selection, iterations, output), so that it would
# be computed identically. Nothing is copied when DST already has an iteration 0.
share_iteration0() {
  local src=$OUT/$1 dst=$OUT/$2
  [[ -d $dst/iter-000 ]] && return 0
  mkdir -p $dst/data $dst/iter-000
  cp $src/data/initial.xyz $dst/data/
  cp -r $src/iter-000/member-* $src/iter-000/pool.xyz $dst/iter-000/
}
