#!/usr/bin/env bash
# bench/active, imbalanced exploration pool (cu-imbalanced.yaml: perfect + vacancy cell, NVT, 300 K x 8 replicas and
# 900 / 1200 K x 1 each): committee selection with the absolute trust band against random selection from the same
# kind of pool, scored on the issue's test set (and the harder one) by score.py. The two runs share iteration 0 (copied
# from the committee run: the configs differ only in the selection and the output folder). One process at a time,
# one thread. Writes runs/active-bench/{imbalanced-committee,imbalanced-random}/ and imbalanced-score.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=runs/active-bench
MLIP=${MLIP:-./mlip}
mkdir -p $OUT
source bench/active/common.sh
make_test_set
MLIP="$MLIP" bash bench/active/hard-test.sh
$MLIP active-learn bench/active/cu-imbalanced.yaml | tee -a $OUT/imbalanced-committee.log
share_iteration0 imbalanced-committee imbalanced-random
$MLIP active-learn bench/active/cu-imbalanced.yaml --set select.method=random --set output=../../runs/active-bench/imbalanced-random | tee -a $OUT/imbalanced-random.log
MLIP="$MLIP" python3 bench/active/score.py $OUT/imbalanced-random $OUT/imbalanced-committee | tee $OUT/imbalanced-score.txt
