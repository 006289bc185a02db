#!/usr/bin/env bash
# bench/active, imbalanced exploration pool (cu-imbalanced.yaml: perfect + vacancy cell, NVT, 300 K x 8 replicas and
# 900 / 1200 K x 1 each): committee selection with the absolute trust band against random selection from the same
# kind of pool with two selection seeds (100 labels each, then both extended to 150), scored on the issue's test set
# (and the harder one) by score.py. The runs share iteration 0 (copied from the committee run: the configs differ only
# in the selection and the output folder). One thread per process. Writes runs/active-bench/{imbalanced-committee,
# imbalanced-random,imbalanced-random2}/, imbalanced-score.txt, imbalanced-score2.txt and imbalanced-mix.txt.
# Measured 2026-12-07 01:30-03:15 UTC at load 2-21 (~2 h of one core; docs/active-learning.md).
source "$(dirname "$0")/common.sh"
make_test_set
MLIP="$MLIP" bash bench/active/hard-test.sh
$MLIP active-learn bench/active/cu-imbalanced.yaml | tee -a $OUT/imbalanced-committee.log
share_iteration0 imbalanced-committee imbalanced-random
$MLIP active-learn bench/active/cu-imbalanced.yaml --set select.method=random --set output=../../runs/active-bench/imbalanced-random | tee -a $OUT/imbalanced-random.log
# random extended to 150 labels (iterations and stop.labels may grow on resume): where its error reaches the committee's
$MLIP active-learn bench/active/cu-imbalanced.yaml --set select.method=random --set output=../../runs/active-bench/imbalanced-random --set iterations=14 --set stop.labels=150 | tee -a $OUT/imbalanced-random.log
# random once more with another selection seed (the MD seeds are the config's): how far apart two random curves lie
share_iteration0 imbalanced-committee imbalanced-random2
$MLIP active-learn bench/active/cu-imbalanced.yaml --set select.method=random --set select.seed=2 --set output=../../runs/active-bench/imbalanced-random2 | tee -a $OUT/imbalanced-random2.log
$MLIP active-learn bench/active/cu-imbalanced.yaml --set select.method=random --set select.seed=2 --set output=../../runs/active-bench/imbalanced-random2 --set iterations=14 --set stop.labels=150 | tee -a $OUT/imbalanced-random2.log
# a second committee run: another exploration (MD) seed; same initial data, members and selection rule
$MLIP active-learn bench/active/cu-imbalanced.yaml --set explore.seed=2 --set output=../../runs/active-bench/imbalanced-committee-s2 | tee -a $OUT/imbalanced-committee-s2.log
MLIP="$MLIP" python3 bench/active/score.py $OUT/imbalanced-random $OUT/imbalanced-committee $OUT/imbalanced-random2 $OUT/imbalanced-committee-s2 | tee $OUT/imbalanced-score.txt
MLIP="$MLIP" python3 bench/active/score.py $OUT/imbalanced-random2 $OUT/imbalanced-committee $OUT/imbalanced-committee-s2 | tee $OUT/imbalanced-score2.txt
python3 bench/active/selected-mix.py --config bench/active/cu-imbalanced.yaml $OUT/imbalanced-committee $OUT/imbalanced-random $OUT/imbalanced-random2 | tee $OUT/imbalanced-mix.txt
