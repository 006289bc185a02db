#!/usr/bin/env bash
# MD throughput, mlip vs LAMMPS on the same structure, potential, skin and rebuild policy.
#   EAM Cu (Cu_u3.eam) and LJ Ar (cutoff 8.5 Å), 32,000 atoms (fcc 20×20×20), NVE, 1 fs (Cu) / 5 fs (Ar),
#   velocities at 300 K (Cu) / 60 K (Ar), skin 1.0 Å, rebuild when an atom moved > skin/2
#   (LAMMPS: neighbor 1.0 bin; neigh_modify every 1 delay 0 check yes).
#   LAMMPS serial vs mlip 1 thread; LAMMPS mpirun -np 2 vs mlip 2 threads.
# Usage: bash bench/md/run.sh [steps] [reps]   (defaults 200, 1). Prints atom-steps/s and mlip/LAMMPS ratios;
#   with reps > 1 each program runs reps times, interleaved (LAMMPS, mlip, LAMMPS, …), and both the median
#   and the best rate of each are reported (the machine is shared: the best of several runs is the least
#   disturbed one, the median the typical one). The table also goes to bench/md/last-run.txt with the
#   date, commit and load average.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STEPS="${1:-200}"
REPS="${2:-1}"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$ROOT/mlip" --help >/dev/null 2>&1 || true   # build once

lammps_input() { # $1 = eam|lj
  if [[ $1 == eam ]]; then
    cat <<IN
units metal
atom_style atomic
lattice fcc 3.615
region box block 0 20 0 20 0 20
create_box 1 box
create_atoms 1 box
mass 1 63.546
pair_style eam
pair_coeff 1 1 /usr/share/lammps/potentials/Cu_u3.eam
velocity all create 300 376847 mom yes dist gaussian
timestep 0.001
IN
  else
    cat <<IN
units metal
atom_style atomic
lattice fcc 5.26
region box block 0 20 0 20 0 20
create_box 1 box
create_atoms 1 box
mass 1 39.948
pair_style lj/cut 8.5
pair_coeff 1 1 0.0104 3.40
velocity all create 60 376847 mom yes dist gaussian
timestep 0.005
IN
  fi
  cat <<IN
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
fix 1 all nve
thermo 100
run $STEPS
IN
}

mlip_config() { # $1 = eam|lj
  if [[ $1 == eam ]]; then
    echo "structure: {lattice: fcc, element: Cu, a: 3.615, repeat: [20, 20, 20]}"
    echo "potential: {style: eam, file: /usr/share/lammps/potentials/Cu_u3.eam, elements: [Cu]}"
    echo "velocities: {temperature: 300, seed: 376847}"
    echo "timestep: 1.0"
  else
    echo "structure: {lattice: fcc, element: Ar, a: 5.26, repeat: [20, 20, 20]}"
    echo "potential: {style: lj/cut, cutoff: 8.5, shift: false, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.40}}}"
    echo "velocities: {temperature: 60, seed: 376847}"
    echo "timestep: 5.0"
  fi
  cat <<IN
integrator: {type: nve}
steps: $STEPS
neighbor: {skin: 1.0}
thermo: {every: 100}
checkpoint: {file: bench.ckpt}
IN
}

# LAMMPS 29Sep2021 prints "Loop time of T on P procs for S steps with A atoms": rate = A·S/T.
rate_lammps() { grep -m1 '^Loop time of' "$1" | awk '{print $12*$9/$4}'; }
rate_mlip() { grep -oE '[0-9.E+]+ atom-steps/s' "$1" | tail -1 | awk '{printf "%.6g\n", $1}'; }

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END{print (NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
best() { tr ' ' '\n' | grep . | sort -g | tail -1; }
OUT="$ROOT/bench/md/last-run.txt"
{
  echo "# bash bench/md/run.sh $STEPS $REPS  ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  printf "%-5s %-8s %12s %12s %8s %12s %12s %8s\n" pot cores lmp-median mlip-median ratio lmp-best mlip-best ratio
} | tee "$OUT"
for pot in eam lj; do
  lammps_input $pot > in.$pot
  mlip_config $pot > $pot.yaml
  for np in 1 2; do
    L=""; M=""
    for ((r = 0; r < REPS; r++)); do
      if [[ $np == 1 ]]; then lmp -in in.$pot -log none > lmp.out 2>&1
      else mpirun -np 2 --allow-run-as-root --oversubscribe lmp -in in.$pot -log none > lmp.out 2>&1; fi
      "$ROOT/mlip" md $pot.yaml --set threads=$np > mlip.out 2> mlip.err
      L="$L $(rate_lammps lmp.out)"; M="$M $(rate_mlip mlip.err)"
    done
    Lm=$(echo $L | median); Mm=$(echo $M | median); Lb=$(echo $L | best); Mb=$(echo $M | best)
    printf "%-5s %-8s %12.4g %12.4g %8.3f %12.4g %12.4g %8.3f\n" $pot $np "$Lm" "$Mm" "$(awk -v a="$Mm" -v b="$Lm" 'BEGIN{print a/b}')" \
      "$Lb" "$Mb" "$(awk -v a="$Mb" -v b="$Lb" 'BEGIN{print a/b}')" | tee -a "$OUT"
  done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
