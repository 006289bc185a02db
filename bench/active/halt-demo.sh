#!/usr/bin/env bash
# The halt rule's counterfactual: the committee run's first committee (10 rattled frames) at 1200 K without the
# halt rule (halt-demo.yaml), then per saved frame: the committee's largest force spread, its force RMSE against
# the EAM oracle, and the shortest interatomic distance. Needs runs/active-bench/committee from run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=runs/active-bench
M=$OUT/committee/iter-000
[[ -s $OUT/halt-demo.xyz ]] || ./mlip md bench/active/halt-demo.yaml > $OUT/halt-demo.log 2>&1 || echo "md stopped (exit $?)"
grep -h "error\|stop" $OUT/halt-demo.log | tail -2 || true
./mlip eval -t 1 -p "{style: committee, members: [$M/member-0/model.mlip, $M/member-1/model.mlip, $M/member-2/model.mlip, $M/member-3/model.mlip]}" \
  -i $OUT/halt-demo.xyz -o $OUT/halt-committee.xyz
./mlip eval -t 1 -p '{style: eam/alloy, file: /usr/share/lammps/potentials/Cu_mishin1.eam.alloy, elements: [Cu]}' -i $OUT/halt-demo.xyz -o $OUT/halt-eam.xyz
/usr/bin/python3 - "$OUT" <<'PY'
import sys, numpy as np
from ase.io import read
out = sys.argv[1]
com = read(f"{out}/halt-committee.xyz", ":"); eam = read(f"{out}/halt-eam.xyz", ":")
print(" step  max_force_std(eV/Å)  force_RMSE_vs_EAM(meV/Å)  E_committee-E_EAM(meV/atom)  d_min(Å)")
first = None
for k, (c, e) in enumerate(zip(com, eam)):
    step = 20 * k
    s = c.info["max_force_std"]
    if first is None and s >= 0.5: first = step
    rmse = 1000 * np.sqrt(np.mean((c.arrays["forces"] - e.arrays["forces"]) ** 2))
    de = 1000 * (c.info["energy"] - e.info["energy"]) / len(c)
    d = c.get_all_distances(mic=True); dmin = d[np.triu_indices(len(c), 1)].min()
    if k % 5 == 0 or (first is not None and step <= first + 100 and step >= first - 20):
        print(f"{step:5d}  {s:19.3f}  {rmse:24.0f}  {de:27.1f}  {dmin:8.3f}")
print(f"first frame with spread ≥ 0.5 eV/Å (the halt threshold): step {first}")
PY
