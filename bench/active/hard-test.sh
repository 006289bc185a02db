#!/usr/bin/env bash
# Builds the harder oracle test set runs/active-bench/cu-hard-test.xyz (vacancy cell NVT + perfect cell at 4.5 GPa,
# 300–1200 K; cu-hard-test-md.yaml, cu-hard-test-npt.yaml), each frame tagged config_type=vacancy / npt-4.5GPa.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=runs/active-bench
MLIP=${MLIP:-./mlip}
mkdir -p $OUT
[[ -f $OUT/cu-hard-test.xyz ]] && exit 0
$MLIP md bench/active/cu-hard-test-md.yaml > $OUT/hard-md-vac.log
$MLIP md bench/active/cu-hard-test-npt.yaml > $OUT/hard-md-npt.log
: > $OUT/cu-hard-test.xyz.part
for kind in vac npt; do
  tag=$([[ $kind == vac ]] && echo vacancy || echo npt-4.5GPa)
  for r in 0 1 2 3; do
    $MLIP eval -p '{style: eam/alloy, file: /usr/share/lammps/potentials/Cu_mishin1.eam.alloy, elements: [Cu]}' \
      -i $OUT/hard-md-$kind.r$r.xyz -o $OUT/hard-$kind-r$r.xyz -t 1 > /dev/null
    python3 -c "
import sys
lines=open('$OUT/hard-$kind-r$r.xyz').read().splitlines()
out=[];i=0
while i<len(lines):
    n=int(lines[i]); out.append(lines[i]); out.append(lines[i+1]+' config_type=$tag'); out+=lines[i+2:i+2+n]; i+=2+n
open('$OUT/hard-$kind-r$r.xyz','w').write('\n'.join(out)+'\n')"
    cat $OUT/hard-$kind-r$r.xyz >> $OUT/cu-hard-test.xyz.part
  done
done
mv $OUT/cu-hard-test.xyz.part $OUT/cu-hard-test.xyz
