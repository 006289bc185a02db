#!/usr/bin/python3
"""BM3 fit of LAMMPS' E(V) points with ASE (the golden B, B', V0 of PropertiesLammpsGoldenTests).
Usage: python3 fit_eos.py eos.dat   (eos.dat written by in.properties: V in Å³/atom, E in eV/atom)"""
import sys
import numpy as np
from ase.eos import EquationOfState
from ase.units import GPa
d = np.loadtxt(sys.argv[1])
eos = EquationOfState(d[:, 0], d[:, 1], eos='birchmurnaghan')
v0, e0, b = eos.fit()
print(f"GOLDEN BM3 V0 = {v0:.10f} A^3/atom, a0 = {(4*v0)**(1/3):.10f} A, E0 = {e0:.10f} eV/atom, B = {b/GPa:.8f} GPa, B' = {eos.eos_parameters[2]:.8f}")
