#!/usr/bin/python3
"""External labeller for `mlip active-learn` (label: {command: ...}): GFN2-xTB energy and forces with Debian's xtb.

Usage: xtb-label.py input.xyz output.xyz   (extxyz in, extxyz with energy= and a forces column out; eV and eV/Å)
Runs `xtb structure.xyz --grad --sp` in the current folder (mlip gives each label a fresh one) and reads the
Turbomole-format `gradient` file it writes: the SCF energy (Hartree) and dE/dr (Hartree/Bohr), F = −dE/dr.
Exit status is xtb's, so a failed SCF is recorded by mlip as a failed label.
"""
import subprocess, sys
import numpy as np
from ase.io import read, write
from ase.calculators.singlepoint import SinglePointCalculator

HARTREE, BOHR = 27.211386245988, 0.529177210903   # eV, Å

def main(inp, out):
    atoms = read(inp, format="extxyz")
    write("structure.xyz", atoms, format="xyz")
    charge = int(atoms.info.get("charge", 0))
    run = subprocess.run(["xtb", "structure.xyz", "--grad", "--sp", "--chrg", str(charge)],
                         env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    if run.returncode != 0:
        sys.stderr.write(run.stderr[-2000:] + run.stdout[-2000:])
        return run.returncode
    lines = open("gradient").read().split("\n")
    n = len(atoms)
    energy = float(lines[1].split("SCF energy =")[1].split()[0]) * HARTREE
    grad = np.array([[float(x.replace("D", "E")) for x in l.split()] for l in lines[2 + n:2 + 2 * n]])
    atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=-grad * HARTREE / BOHR)
    write(out, atoms, format="extxyz")
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
