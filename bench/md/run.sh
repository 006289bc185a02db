#!/usr/bin/env bash
# MD throughput, mlip vs LAMMPS on the same structure, potential, skin and rebuild policy.
#   EAM Cu (Cu_u3.eam) and LJ Ar (cutoff 8.5 Å), 32,000 atoms (fcc 20×20×20), NVE, 1 fs (Cu) / 5 fs (Ar),
#   velocities at 300 K (Cu) / 60 K (Ar), skin 1.0 Å, rebuild when an atom moved > skin/2
#   (LAMMPS: neighbor 1.0 bin; neigh_modify every 1 delay 0 check yes).
#   LAMMPS serial vs mlip 1 thread; LAMMPS mpirun -np 2 vs mlip 2 threads.
# Usage: bash bench/md/run.sh [steps] [reps]   (defaults 200, 1). Prints atom-steps/s and mlip/LAMMPS ratios;
#   with reps > 1 each program runs reps times, interleaved, and the best rate of each is kept (the
#   machine is shared: the best of several runs is the least disturbed one).
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

printf "%-5s %-8s %14s %14s %8s\n" pot cores lammps mlip ratio
for pot in eam lj; do
  lammps_input $pot > in.$pot
  mlip_config $pot > $pot.yaml
  for np in 1 2; do
    L=0; M=0
    for ((r = 0; r < REPS; r++)); do
      if [[ $np == 1 ]]; then lmp -in in.$pot -log none > lmp.out 2>&1
      else mpirun -np 2 --allow-run-as-root --oversubscribe lmp -in in.$pot -log none > lmp.out 2>&1; fi
      "$ROOT/mlip" md $pot.yaml --set threads=$np > mlip.out 2> mlip.err
      L=$(awk -v a="$L" -v b="$(rate_lammps lmp.out)" 'BEGIN{print (b > a ? b : a)}')
      M=$(awk -v a="$M" -v b="$(rate_mlip mlip.err)" 'BEGIN{print (b > a ? b : a)}')
    done
    printf "%-5s %-8s %14.4g %14.4g %8.3f\n" $pot $np "$L" "$M" "$(awk -v a="$M" -v b="$L" 'BEGIN{print a/b}')"
  done
done
