#!/usr/bin/python3
"""Peers for the relaxation benchmark (run by run.sh; needs Debian lmp and ASE 3.22).

  compare.py lammps CANDS.xyz N WORKDIR   -> LAMMPS minimize + fix box/relax tri 0.0 on the first N
                                             candidates in ONE lmp process; prints seconds and force evaluations
  compare.py ase-fire CANDS.xyz N          -> ASE FIRE (fixed cell, ASE's own EAM calculator, Cu_u3.eam) on the
                                             first N candidates (pure Cu); prints seconds and force calls
  compare.py csv SUMMARY.csv               -> candidates, converged, force calls from an mlip relax summary
"""
import csv, os, re, subprocess, sys, time
import numpy as np
from ase.io import read, write

POT = "/usr/share/lammps/potentials"
ELEMENTS = ["Cu", "Ni", "Au", "Pd"]


def lammps_loop(frames, work, specorder, pair_lines, ftol):
    """Relaxes frames one after the other in ONE lmp process (minimize cg + fix box/relax tri 0.0); returns the
    seconds, the total force evaluations and the final energies per atom."""
    os.makedirs(work, exist_ok=True)
    for k, a in enumerate(frames):
        write(os.path.join(work, f"c{k}.data"), a, format="lammps-data", specorder=specorder, atom_style="atomic")
    script = f"""
variable i loop {len(frames)}
label loop
clear
units metal
atom_style atomic
boundary p p p
box tilt large
variable k equal $i-1
read_data {work}/c${{k}}.data
{pair_lines}
neighbor 0.3 bin
neigh_modify every 1 delay 0 check yes
thermo 100000
min_style cg
fix relax all box/relax tri 0.0 vmax 0.001
minimize 0.0 {ftol} 1000 10000
print "DONE ${{k}} $(pe/atoms:%.10f) $(press:%.4f)"
next i
jump SELF loop
"""
    with open(os.path.join(work, "in.relax"), "w") as f:
        f.write(script)
    t0 = time.perf_counter()
    subprocess.run(["lmp", "-in", "in.relax", "-log", "log.lammps", "-screen", "none"], cwd=work, check=True)
    dt = time.perf_counter() - t0
    log = open(os.path.join(work, "log.lammps")).read()
    evals = sum(int(m) for m in re.findall(r"Iterations, force evaluations\s*=\s*\d+\s+(\d+)", log))
    energies = [float(e) for e in re.findall(r"^DONE \d+ (\S+)", log, re.M)]
    return dt, evals, energies


def lammps(cands, n, work):
    coeffs = "\n".join(f"pair_coeff {t + 1} {t + 1} {POT}/{e}_u3.eam" for t, e in enumerate(ELEMENTS))
    dt, evals, energies = lammps_loop(read(cands, f":{n}"), work, ELEMENTS, "pair_style eam\n" + coeffs, 0.02)
    done = len(energies)
    print(f"lammps: {done} candidates, {dt:.2f} s, {done / dt:.2f} candidates/s, {evals} force evaluations ({evals / max(done, 1):.1f}/candidate, {evals / dt:.0f}/s)")


def ase_fire(cands, n):
    from ase.calculators.eam import EAM
    from ase.optimize import FIRE
    calc = EAM(potential=f"{POT}/Cu_u3.eam", elements=["Cu"])
    frames = read(cands, f":{n}")
    calls = 0
    t0 = time.perf_counter()
    for a in frames:
        a.calc = calc
        opt = FIRE(a, logfile=None)
        opt.run(fmax=0.02, steps=1000)
        calls += opt.nsteps + 1
    dt = time.perf_counter() - t0
    print(f"ase-fire: {len(frames)} candidates, {dt:.2f} s, {len(frames) / dt:.2f} candidates/s, {calls} force calls ({calls / len(frames):.1f}/candidate)")


def summary(path):
    rows = list(csv.DictReader(open(path)))
    calls = sum(int(r["force_calls"]) for r in rows)
    conv = sum(r["status"] == "converged" for r in rows)
    print(f"{path}: {len(rows)} candidates, {conv} converged, {calls} force calls ({calls / len(rows):.1f}/candidate)")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "lammps": lammps(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif mode == "ase-fire": ase_fire(sys.argv[2], int(sys.argv[3]))
    elif mode == "csv": summary(sys.argv[2])
