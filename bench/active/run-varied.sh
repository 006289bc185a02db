#!/usr/bin/env bash
# bench/active, varied exploration (cu-varied.yaml: perfect + vacancy cell, NPT 0/3/6 GPa, 300/750/1200 K, fixed-epoch
# fine-tunes): committee selection with the absolute trust band, with the adaptive (quantile) band, with the quantile band on the
# relative deviation, and random selection
# from the same kind of pool. The four runs share iteration 0 (the same initial data, committee and first pool: copied
# from the committee run, as they would be computed identically). One process at a time, one thread.
# Writes runs/active-bench/{varied-committee,varied-random,varied-quantile,varied-relative,retrain}/, varied-score.txt and
# retrain.txt. ~90 min on one shared core (measured 22:48-00:16 at load 4-14).
source "$(dirname "$0")/common.sh"
make_test_set   # the issue's test set, as run.sh makes it
MLIP="$MLIP" bash bench/active/hard-test.sh
$MLIP active-learn bench/active/cu-varied.yaml | tee $OUT/varied-committee.log
share_iteration0 varied-committee varied-random
$MLIP active-learn bench/active/cu-varied.yaml --set select.method=random --set output=../../runs/active-bench/varied-random | tee $OUT/varied-random.log
share_iteration0 varied-committee varied-quantile
# the adaptive band: lower edge at the 0.75 quantile of the pool's spreads (no absolute floor), 6 iterations
$MLIP active-learn bench/active/cu-varied.yaml --set select.lower=0 --set select.lower_quantile=0.75 --set iterations=6 --set output=../../runs/active-bench/varied-quantile | tee $OUT/varied-quantile.log
# the same with DP-GEN's relative deviation σ_F,i / (|F̄_i| + 0.5 eV/Å) as the score
share_iteration0 varied-committee varied-relative
$MLIP active-learn bench/active/cu-varied.yaml --set select.lower=0 --set select.lower_quantile=0.75 --set select.relative=0.5 --set iterations=6 --set output=../../runs/active-bench/varied-relative | tee $OUT/varied-relative.log
MLIP="$MLIP" python3 bench/active/score.py $OUT/varied-random $OUT/varied-committee $OUT/varied-quantile $OUT/varied-relative | tee $OUT/varied-score.txt
# labels or training: each labelled set trained once from scratch (300 epochs)
MLIP="$MLIP" bash bench/active/retrain.sh | tee $OUT/retrain.txt
