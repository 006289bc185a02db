#!/usr/bin/env bash
# bench/active: committee against random selection (Cu, Mishin EAM oracle), one process at a time, one thread.
# Writes runs/active-bench/{cu-test.xyz, committee/, random/, compare.svg, halt-demo.txt}. ~45 min on one core.
# The xtb example is separate: ./mlip active-learn examples/active/ethanol-xtb.yaml
source "$(dirname "$0")/common.sh"
make_test_set
./mlip active-learn bench/active/cu-committee.yaml | tee $OUT/committee.log
./mlip active-learn bench/active/cu-committee.yaml --set select.method=random --set output=../../runs/active-bench/random | tee $OUT/random.log
bash bench/active/halt-demo.sh | tee $OUT/halt-demo.txt
./mlip active-learn --compare $OUT/compare.svg $OUT/committee $OUT/random | tee $OUT/compare.txt
