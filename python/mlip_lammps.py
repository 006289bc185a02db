"""Run LAMMPS with an MlipEngine potential through LAMMPS' Python interface and `fix external`.

    from lammps import lammps
    from mlip_lammps import MlipFixExternal
    lmp = lammps(cmdargs=["-log", "none"])
    lmp.commands_string(open("in.setup").read())          # units metal, box, atoms, masses ...
    mlip = MlipFixExternal(lmp, "{style: eam/alloy, file: CuNi.eam.alloy, elements: [Cu, Ni]}",
                           elements=["Cu", "Ni"])          # LAMMPS atom type 1 = Cu, 2 = Ni
    lmp.command("fix integrate all nve")
    lmp.command("run 1000")

`fix ID all external pf/callback 1 1` calls us every step with the positions; we return forces
(eV/Å), the energy and the virial (eV) through fix_modify energy/virial, so thermo `pe` and
`press` include the potential and NPT barostats work. Needs `units metal` and serial LAMMPS (one
MPI rank: the callback sees only local atoms). Debian's python3-lammps looks for the unversioned
liblammps.so that only liblammps-dev ships; importing this module makes it fall back to
liblammps.so.0.
"""
import os

import numpy as np

try:
    import lammps.core as _lammps_core

    _cdll = _lammps_core.CDLL

    def _cdll_with_soname(path, *args, **kwargs):
        try:
            return _cdll(path, *args, **kwargs)
        except OSError:
            if os.path.basename(str(path)) == "liblammps.so":
                return _cdll("liblammps.so.0", *args, **kwargs)
            raise

    _lammps_core.CDLL = _cdll_with_soname
except ImportError:  # LAMMPS' Python module is optional until MlipFixExternal is used
    pass

from ase.data import atomic_numbers

from mlip_ase import MlipPotential

__all__ = ["MlipFixExternal"]


class MlipFixExternal:
    """Installs `fix FIX_ID GROUP external pf/callback 1 1` driven by an MlipEngine potential.

    elements: chemical symbol of each LAMMPS atom type, in type order.
    The last evaluation is kept in .last (positions, cell, numbers, energy, forces, virial).
    """

    def __init__(self, lmp, potential, elements, fix_id="mlip", group="all", threads=1, skin=0.5, backend="cpu"):
        self.lmp = lmp
        self.fix_id = fix_id
        self.potential = MlipPotential(potential, threads=threads, skin=skin, backend=backend)
        self.type_to_z = np.array([0] + [atomic_numbers[e] for e in elements], dtype=np.int32)
        if lmp.extract_global("units") != "metal":
            raise ValueError("MlipFixExternal needs `units metal` (eV, Å)")
        lmp.command("fix %s %s external pf/callback 1 1" % (fix_id, group))
        lmp.command("fix_modify %s energy yes virial yes" % fix_id)
        lmp.set_fix_external_callback(fix_id, self._callback, None)
        self.last = None
        self.calls = 0

    def _cell(self):
        # LAMMPS' restricted triclinic box: a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz) as rows.
        lo, hi, xy, yz, xz, periodicity, _ = self.lmp.extract_box()
        cell = np.array([[hi[0] - lo[0], 0.0, 0.0], [xy, hi[1] - lo[1], 0.0], [xz, yz, hi[2] - lo[2]]])
        return cell, [bool(p) for p in periodicity]

    def _callback(self, caller, ntimestep, nlocal, tag, x, f):
        natoms = self.lmp.get_natoms()
        if nlocal != natoms:
            raise RuntimeError("MlipFixExternal runs on one MPI rank only (%d of %d atoms local)" % (nlocal, natoms))
        types = self.lmp.numpy.extract_atom("type")[:nlocal]
        numbers = self.type_to_z[types]
        cell, pbc = self._cell()
        # LAMMPS keeps positions inside the box only up to the last reneighboring; the engine
        # works with unwrapped positions (neighbor images from integer shifts), so pass them as is.
        energy, forces, stress, _ = self.potential.compute(numbers, x, cell, pbc, forces=True, stress=True)
        f[:] = forces
        volume = abs(np.linalg.det(cell))
        w = -stress * volume  # virial W = -σV (eV), LAMMPS sign
        self.lmp.fix_external_set_energy_global(self.fix_id, energy)
        self.lmp.fix_external_set_virial_global(self.fix_id, [w[0, 0], w[1, 1], w[2, 2], w[0, 1], w[0, 2], w[1, 2]])
        self.last = dict(step=ntimestep, positions=np.array(x), cell=cell, pbc=pbc, numbers=numbers.copy(),
                         energy=energy, forces=forces.copy(), virial=w, tag=np.array(tag).ravel())
        self.calls += 1
