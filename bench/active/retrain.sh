#!/usr/bin/env bash
# bench/active: is it the labels or the training? One model per labelled set, trained from scratch with a fixed,
# longer budget (the members' architecture and optimiser, 300 epochs, no time limit, seed 1), tested on the issue's
# test set: the committee run's first 30, 40, 50 and all its 62 labels, the random run's first 60 and 80 and all its 100.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=runs/active-bench/retrain
MLIP=${MLIP:-./mlip}
B=$PWD/runs/active-bench
mkdir -p $OUT
one() {   # name, data files...
  local name=$1; shift
  local files; files=$(printf '"%s", ' "$@"); files="[${files%, }]"
  mkdir -p $OUT/$name
  cat > $OUT/$name/train.yaml <<YAML
data:
  train: $files
  validation: {fraction: 0.2, seed: 1}
  test: $B/cu-test.xyz
model: {cutoff: 4.5, channels: 16, hidden_lmax: 1, sh_lmax: 2, correlation: 2, layers: 1, radial_hidden: [16], num_bessel: 6, readout_hidden: 16, repulsion: none, seed: 1}
loss: {energy: 100, forces: 100, stress: 0}
optimizer: {type: amsgrad, lr: 0.01, batch_size: 4, ema: 0.9}
schedule: {type: constant}
epochs: 300
threads: 1
output: {dir: $PWD/$OUT/$name, model: $PWD/$OUT/$name/model.mlip}
YAML
  [[ -f $OUT/$name/model.mlip ]] || $MLIP train $OUT/$name/train.yaml > $OUT/$name.log 2>&1
  echo "$name: $(grep -E '^ +test ' $OUT/$name.log | head -1)"
}
C=$B/varied-committee/data; R=$B/varied-random/data
one committee-62 $C/initial.xyz $C/iter-00[0-8].xyz
one random-60 $R/initial.xyz $R/iter-00[0-4].xyz
one random-100 $R/initial.xyz $R/iter-00[0-8].xyz
one committee-30 $C/initial.xyz $C/iter-00[0-1].xyz
one committee-40 $C/initial.xyz $C/iter-00[0-2].xyz
one committee-50 $C/initial.xyz $C/iter-00[0-3].xyz
one random-80 $R/initial.xyz $R/iter-00[0-6].xyz
