#!/usr/bin/env bash
# bench/active: committee against random selection (Cu, Mishin EAM oracle), one process at a time, one thread.
# Writes runs/active-bench/{cu-test.xyz, committee/, random/, compare.svg, halt-demo.txt}. ~45 min on one core.
# The xtb example is separate: ./mlip active-learn examples/active/ethanol-xtb.yaml
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=runs/active-bench
mkdir -p $OUT
if [[ ! -f $OUT/cu-test.xyz ]]; then
  ./mlip md bench/active/cu-test-md.yaml > $OUT/test-md.log
  : > $OUT/cu-test.xyz.part
  for r in 0 1 2 3; do
    ./mlip eval -p '{style: eam/alloy, file: /usr/share/lammps/potentials/Cu_mishin1.eam.alloy, elements: [Cu]}' -i $OUT/test-md.r$r.xyz -o $OUT/test-r$r.xyz -t 1
    cat $OUT/test-r$r.xyz >> $OUT/cu-test.xyz.part
  done
  mv $OUT/cu-test.xyz.part $OUT/cu-test.xyz
fi
./mlip active-learn bench/active/cu-committee.yaml | tee $OUT/committee.log
./mlip active-learn bench/active/cu-committee.yaml --set select.method=random --set output=../../runs/active-bench/random | tee $OUT/random.log
bash bench/active/halt-demo.sh | tee $OUT/halt-demo.txt
./mlip active-learn --compare $OUT/compare.svg $OUT/committee $OUT/random | tee $OUT/compare.txt
