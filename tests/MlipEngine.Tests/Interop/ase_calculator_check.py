#!/usr/bin/python3
"""Checks python/mlip_ase.py inside ASE 3.22. usage: ase_calculator_check.py POTENTIAL SYSTEMS.xyz

Prints, per frame of SYSTEMS.xyz, "energy/stress/force" lines (full precision) for the C# test to
compare with `mlip eval`; then asserts ASE's own finite-difference checks and runs MD and FIRE.
"""
import faulthandler
import sys

import numpy as np
from ase.io import read
from ase.calculators.test import numeric_force
from ase.md.verlet import VelocityVerlet
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase.optimize import FIRE
from ase.stress import voigt_6_to_full_3x3_stress
from ase import units

from mlip_ase import MlipCalculator

faulthandler.dump_traceback_later(120, exit=True)
spec, path = sys.argv[1], sys.argv[2]
calc = MlipCalculator(spec)
frames = read(path, ":")
for atoms in frames:
    atoms.calc = calc
    e = atoms.get_potential_energy()
    f = atoms.get_forces()
    ae = atoms.get_potential_energies()
    print("energy %r" % e)
    if atoms.pbc.any():
        print("stress " + " ".join(repr(v) for v in voigt_6_to_full_3x3_stress(atoms.get_stress()).ravel()))
    for fi, ei in zip(f, ae):
        print("force %r %r %r %r" % (fi[0], fi[1], fi[2], ei))
    assert abs(ae.sum() - e) < 1e-9 * max(1.0, abs(e))

# ASE's finite differences. Central differences with step d: truncation ~ d²·|E'''|/6 and
# rounding ~ ε·|E|/d. EAM splines have large third derivatives: measured errors are ~2e-8 eV/Å
# (d = 1e-5 Å) and ~2e-10 eV/Å³ (strain step 1e-6); the bounds leave a factor 50 for other structures.
atoms = frames[0]
atoms.calc = calc
numerical = calc.calculate_numerical_forces(atoms, d=1e-5)
err_f = np.abs(numerical - atoms.get_forces()).max()
numerical_s = calc.calculate_numerical_stress(atoms, d=1e-6)
err_s = np.abs(numerical_s - atoms.get_stress()).max()
print("check numerical forces %.3e eV/A, stress %.3e eV/A^3" % (err_f, err_s), file=sys.stderr)
assert err_f < 1e-6, err_f
assert err_s < 1e-7, err_s

# NVE MD: energy is conserved to O(dt²) (1 fs on Cu/Ni: ~1e-4 eV per atom at most).
md_atoms = frames[0].copy()
md_atoms.calc = calc
MaxwellBoltzmannDistribution(md_atoms, temperature_K=300, rng=np.random.RandomState(3))
e0 = md_atoms.get_total_energy()
VelocityVerlet(md_atoms, 1 * units.fs).run(50)
drift = abs(md_atoms.get_total_energy() - e0) / len(md_atoms)
print("check md drift %.3e eV/atom" % drift, file=sys.stderr)
assert drift < 1e-3, drift

# FIRE relaxation converges.
relax = frames[0].copy()
relax.calc = calc
opt = FIRE(relax, logfile=None)
assert opt.run(fmax=0.01, steps=500), "FIRE did not converge"
assert relax.get_potential_energy() < frames[0].get_potential_energy()
print("check fire %d steps" % opt.nsteps, file=sys.stderr)

# The same calculator on OpenCL (PoCL in CI) through mlip_create_on: fp64 device kernels give the
# CPU numbers to summation-order round-off; fp32 to single precision (1e-5 relative on energies,
# 1e-4 of the largest force on force components: sums of cancelling fp32 pair terms).
for precision, tol in (("float64", 1e-9), ("float32", 1e-5)):
    dev = MlipCalculator(spec, backend="opencl", precision=precision)
    a = frames[0].copy()
    a.calc = dev
    b = frames[0].copy()
    b.calc = calc
    de = abs(a.get_potential_energy() - b.get_potential_energy())
    df = np.abs(a.get_forces() - b.get_forces()).max()
    print("check opencl %s: |dE| %.3e eV, max |dF| %.3e eV/A" % (precision, de, df), file=sys.stderr)
    assert de <= tol * max(1.0, abs(b.get_potential_energy())), de
    assert df <= tol * max(1.0, np.abs(b.get_forces()).max()) * 10, df
