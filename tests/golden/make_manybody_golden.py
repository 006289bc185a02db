#!/usr/bin/python3
"""Golden values for the many-body potentials (pair_style sw, tersoff) from LAMMPS.

Run with Debian's /usr/bin/python3 (python3-ase) and /usr/bin/lmp (LAMMPS 29Sep2021):

    /usr/bin/python3 tests/golden/make_manybody_golden.py

For every case it writes, under tests/MlipEngine.Tests/Golden/manybody/:
  <case>.xyz   ASE extxyz: positions (as LAMMPS used them, wrapped), cell, energy (eV),
               forces (eV/Å), per-atom `energies` (eV, LAMMPS `compute pe/atom`) and
               stress (eV/Å³, ASE sign);
  <case>.yaml  the potential spec: style, file, elements (type order).

Stress: LAMMPS metal units report P_ab = W_ab/V * nktv2p in bar with nktv2p = 1.6021765e6
(force.cpp). We invert exactly that conversion, σ_ASE = −P·1/1.6021765e6 eV/Å³, rather than the
CODATA 1e-4/160.21766208, which differs by 7.5e-8 relative (≈1e-9 eV/Å³ on these stresses, the
size of the test tolerance). Velocities are zero, so the pressure is the virial alone.
"""
import os
import subprocess
import tempfile

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.calculators.singlepoint import SinglePointCalculator
from ase.data import atomic_masses, atomic_numbers
import ase.io
import ase.io.extxyz as _extxyz

# ASE 3.22 writes float columns as %16.8f; goldens need every bit (positions must be exactly the
# ones LAMMPS used), so widen the per-atom float format to round-trip precision.
_output_column_format = _extxyz.output_column_format


def _full_precision_columns(*args, **kwargs):
    comment, ncols, dtype, fmt = _output_column_format(*args, **kwargs)
    return comment, ncols, dtype, fmt.replace("%16.8f", "%25.17g")


_extxyz.output_column_format = _full_precision_columns

POT = "/usr/share/lammps/potentials"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "MlipEngine.Tests", "Golden", "manybody")
NKTV2P_METAL = 1.6021765e6  # LAMMPS force->nktv2p for units metal (eV/Å³ -> bar)


def lower_triangular(atoms):
    """Checks the cell is already LAMMPS' restricted triclinic form (a along x, b in xy)."""
    h = atoms.cell.array
    assert abs(h[0, 1]) < 1e-14 and abs(h[0, 2]) < 1e-14 and abs(h[1, 2]) < 1e-14, h
    assert abs(h[1, 0]) <= 0.5 * h[0, 0] and abs(h[2, 0]) <= 0.5 * h[0, 0] and abs(h[2, 1]) <= 0.5 * h[1, 1], h


def perturbed(atoms, amplitude, seed):
    rng = np.random.default_rng(seed)
    atoms = atoms.copy()
    atoms.positions += rng.uniform(-amplitude, amplitude, size=atoms.positions.shape)
    atoms.wrap()
    return atoms


def write_data(path, atoms, elements):
    h = atoms.cell.array
    with open(path, "w") as f:
        f.write("golden many-body case\n\n%d atoms\n%d atom types\n\n" % (len(atoms), len(elements)))
        f.write("0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n" % (h[0, 0], h[1, 1], h[2, 2]))
        f.write("%.17g %.17g %.17g xy xz yz\n\nMasses\n\n" % (h[1, 0], h[2, 0], h[2, 1]))
        for t, el in enumerate(elements, 1):
            f.write("%d %.17g\n" % (t, atomic_masses[atomic_numbers[el]]))
        f.write("\nAtoms # atomic\n\n")
        for i, (sym, r) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions), 1):
            f.write("%d %d %.17g %.17g %.17g\n" % (i, elements.index(sym) + 1, r[0], r[1], r[2]))


def run_lammps(atoms, style, potfile, elements):
    with tempfile.TemporaryDirectory() as tmp:
        write_data(os.path.join(tmp, "data.lmp"), atoms, elements)
        with open(os.path.join(tmp, "in.lmp"), "w") as f:
            f.write(f"""units metal
atom_style atomic
boundary p p p
atom_modify map array
read_data data.lmp
pair_style {style}
pair_coeff * * {potfile} {' '.join(elements)}
compute pe all pe/atom
thermo_style custom step pe pxx pyy pzz pxy pxz pyz
thermo_modify format float %.17g
dump d all custom 1 dump.txt id type x y z fx fy fz c_pe
dump_modify d format float %.17g sort id
run 0
""")
        subprocess.run(["/usr/bin/lmp", "-in", "in.lmp", "-log", "log.lammps", "-screen", "none"],
                       cwd=tmp, check=True)
        lines = open(os.path.join(tmp, "log.lammps")).read().splitlines()
        k = next(i for i, l in enumerate(lines) if l.split()[:2] == ["Step", "PotEng"])
        thermo = [float(v) for v in lines[k + 1].split()]
        dump = open(os.path.join(tmp, "dump.txt")).read().splitlines()
        k = next(i for i, l in enumerate(dump) if l.startswith("ITEM: ATOMS"))
        rows = np.array([[float(v) for v in l.split()] for l in dump[k + 1:k + 1 + len(atoms)]])
    assert np.all(rows[:, 0] == np.arange(1, len(atoms) + 1))
    energy = thermo[1]
    pxx, pyy, pzz, pxy, pxz, pyz = thermo[2:8]
    stress = -np.array([pxx, pyy, pzz, pyz, pxz, pxy]) / NKTV2P_METAL  # Voigt order, as ASE stores it
    return energy, rows[:, 2:5], rows[:, 5:8], rows[:, 8], stress


def write_case(name, atoms, style, potfile, elements):
    lower_triangular(atoms)
    path = os.path.join(POT, potfile)
    energy, pos, forces, energies, stress = run_lammps(atoms, style, path, elements)
    out = Atoms(atoms.get_chemical_symbols(), positions=pos, cell=atoms.cell, pbc=True)
    out.calc = SinglePointCalculator(out, energy=energy, forces=forces, energies=energies, stress=stress)
    ase.io.write(os.path.join(OUT, name + ".xyz"), out, format="extxyz")
    with open(os.path.join(OUT, name + ".yaml"), "w") as f:
        f.write("{style: %s, file: %s, elements: [%s]}\n" % (style, path, ", ".join(elements)))
    print(f"{name}: {len(atoms)} atoms, E = {energy:.10f} eV, sum(eatom) - E = {energies.sum() - energy:.2e}")


def si_diamond(seed, amplitude=0.1):
    return perturbed(bulk("Si", "diamond", a=5.431, cubic=True).repeat((2, 2, 2)), amplitude, seed)


def si_triclinic(seed):
    """64-atom diamond Si mapped into a skewed lower-triangular cell (same fractional coordinates)."""
    ref = bulk("Si", "diamond", a=5.431, cubic=True).repeat((2, 2, 2))
    frac = ref.get_scaled_positions()
    cell = np.array([[10.862, 0.0, 0.0], [1.3, 10.75, 0.0], [-0.9, 1.2, 10.95]])
    atoms = Atoms(ref.get_chemical_symbols(), scaled_positions=frac, cell=cell, pbc=True)
    return perturbed(atoms, 0.08, seed)


def zincblende(a, el1, el2, reps, seed, amplitude):
    return perturbed(bulk(el1 + el2, "zincblende", a=a, cubic=True).repeat(reps), amplitude, seed)


def wurtzite_gan(seed):
    at = bulk("GaN", "wurtzite", a=3.19, c=5.19).repeat((3, 3, 2))
    h = at.cell.array.copy()
    h[1] = h[1] + h[0]  # b = (a/2, a√3/2, 0): same lattice, positive xy tilt within LAMMPS' limit
    at.set_cell(h, scale_atoms=False)
    at.wrap()
    return perturbed(at, 0.08, seed)


def main():
    os.makedirs(OUT, exist_ok=True)
    write_case("sw_si_diamond64", si_diamond(1), "sw", "Si.sw", ["Si"])
    write_case("sw_si_triclinic64", si_triclinic(2), "sw", "Si.sw", ["Si"])
    write_case("sw_si_cell8", perturbed(bulk("Si", "diamond", a=5.431, cubic=True), 0.1, 3), "sw", "Si.sw", ["Si"])
    write_case("sw_gan_wurtzite72", wurtzite_gan(4), "sw", "GaN.sw", ["Ga", "N"])
    write_case("tersoff_si_diamond64", si_diamond(5), "tersoff", "Si.tersoff", ["Si"])
    write_case("tersoff_si_triclinic64", si_triclinic(6), "tersoff", "Si.tersoff", ["Si"])
    write_case("tersoff_sic_zincblende64", zincblende(4.36, "Si", "C", (2, 2, 2), 7, 0.08), "tersoff", "SiC.tersoff", ["Si", "C"])
    write_case("tersoff_sic_cell8", zincblende(4.36, "Si", "C", (1, 1, 1), 8, 0.08), "tersoff", "SiC.tersoff", ["C", "Si"])
    write_case("tersoff_gan_wurtzite72", wurtzite_gan(9), "tersoff", "GaN.tersoff", ["N", "Ga"])


if __name__ == "__main__":
    main()
