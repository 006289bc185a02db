#!/usr/bin/python3
"""Peers for the search throughput benchmark (run by throughput.sh; Debian lmp, python3-lammps and ASE 3.22).

  peers.py lammps CANDS.xyz N WORKDIR  -> `lmp` minimize (cg) + fix box/relax tri 0.0 on the first N Si candidates
                                          (Stillinger-Weber), one after the other in ONE lmp process
  peers.py ase CANDS.xyz N             -> ASE BFGS + ExpCellFilter with the LAMMPSlib calculator (the same SW),
                                          one candidate after the other
Each prints one JSON line: code, candidates, seconds, relaxations per second, force evaluations, and how many
reached diamond (<= -4.3365 eV/atom).
"""
import json, os, sys, time
from ase.io import read, write

SW = "/usr/share/lammps/potentials/Si.sw"
DIAMOND = -4.3365


def lammps(cands, n, work):
    # The loop of the relaxation benchmark (bench/relax/compare.py), with SW and the search's force criterion.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "relax"))
    from compare import lammps_loop
    pair = f"mass 1 28.0855\npair_style sw\npair_coeff * * {SW} Si"
    dt, evals, energies = lammps_loop(read(cands, f":{n}"), work, ["Si"], pair, 0.01)
    report("lmp minimize + box/relax", len(energies), dt, evals, energies)


def ase(cands, n):
    from ase.calculators.lammpslib import LAMMPSlib
    from ase.constraints import ExpCellFilter
    from ase.optimize import BFGS
    frames = read(cands, f":{n}")
    calc = LAMMPSlib(lmpcmds=["pair_style sw", f"pair_coeff * * {SW} Si"], atom_types={"Si": 1}, keep_alive=True, log_file=None)
    calls, energies = 0, []
    t0 = time.perf_counter()
    for a in frames:
        a.calc = calc
        opt = BFGS(ExpCellFilter(a), logfile=None)
        opt.run(fmax=0.01, steps=1500)
        calls += opt.nsteps + 1
        energies.append(a.get_potential_energy() / len(a))
    dt = time.perf_counter() - t0
    report("ASE BFGS + ExpCellFilter (LAMMPSlib)", len(frames), dt, calls, energies)


def report(code, n, dt, evals, energies):
    print(json.dumps({"code": code, "candidates": n, "seconds": round(dt, 3), "per_second": round(n / dt, 2),
                      "force_evaluations": evals, "reached_diamond": sum(e <= DIAMOND for e in energies)}))


if __name__ == "__main__":
    if sys.argv[1] == "lammps":
        lammps(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "ase":
        ase(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
