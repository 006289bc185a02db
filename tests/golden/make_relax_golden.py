#!/usr/bin/python3
"""Golden minima for `mlip relax`: LAMMPS `minimize` with `fix box/relax tri 0.0` (Debian lmp).

Makes perturbed and strained EAM structures (4-32 atoms; Cu with Cu_u3.eam, Cu/Ni with
CuNi.eam.alloy), relaxes positions and cell with LAMMPS (min_style cg, line quadratic, repeated
minimize runs so box/relax's reference cell is reset until the enthalpy stops changing), and writes

  tests/MlipEngine.Tests/Golden/relax/cases.xyz

with the *initial* structures (restricted-triclinic cells, as LAMMPS sees them) and, as info keys,
the potential (potential=cu_u3|cuni), LAMMPS' final energy per atom (lmp_energy_per_atom, eV), cell
lengths (lmp_lengths, Å), angles (lmp_angles, degrees) and final pressure (lmp_pressure_bar).

Run from the repository root:  /usr/bin/python3 tests/golden/make_relax_golden.py
"""
import os, subprocess, tempfile
import numpy as np
from ase import Atoms
from ase.io import write
from ase.build import bulk

POT = "/usr/share/lammps/potentials"
OUT = os.path.join(os.path.dirname(__file__), "..", "MlipEngine.Tests", "Golden", "relax", "cases.xyz")

POTENTIALS = {
    "cu_u3": ("eam", "pair_coeff 1 1 {}/Cu_u3.eam".format(POT), ["Cu"]),
    "cuni": ("eam/alloy", "pair_coeff * * {}/CuNi.eam.alloy Cu Ni".format(POT), ["Cu", "Ni"]),
}


def lower_triangular(atoms):
    """Rotate so the cell is LAMMPS' restricted triclinic form (a along x, b in xy)."""
    cellpar = atoms.cell.cellpar()
    new = Atoms(atoms.numbers, cell=cellpar, pbc=True)  # ASE puts a along x, b in xy
    new.set_scaled_positions(atoms.get_scaled_positions(wrap=False))
    return new


def make_case(rng, base, species, strain_amp, rattle):
    a = base.copy()
    if len(species) > 1:
        a.set_chemical_symbols(rng.choice(species, size=len(a)))
    eps = rng.uniform(-strain_amp, strain_amp, size=(3, 3))
    eps = 0.5 * (eps + eps.T)
    a.set_cell(a.cell @ (np.eye(3) + eps), scale_atoms=True)
    a.positions += rng.uniform(-rattle, rattle, size=a.positions.shape)
    return lower_triangular(a)


def run_lammps(atoms, pot):
    style, coeff, elems = POTENTIALS[pot]
    with tempfile.TemporaryDirectory() as d:
        c = atoms.cell
        xy, xz, yz = c[1, 0], c[2, 0], c[2, 1]
        types = [elems.index(s) + 1 for s in atoms.get_chemical_symbols()]
        with open(os.path.join(d, "in.data"), "w") as f:
            f.write("golden\n\n{} atoms\n{} atom types\n\n".format(len(atoms), len(elems)))
            f.write("0 {!r} xlo xhi\n0 {!r} ylo yhi\n0 {!r} zlo zhi\n{!r} {!r} {!r} xy xz yz\n\n".format(
                c[0, 0], c[1, 1], c[2, 2], xy, xz, yz))
            f.write("Masses\n\n")
            from ase.data import atomic_masses, atomic_numbers
            for i, e in enumerate(elems):
                f.write("{} {!r}\n".format(i + 1, atomic_masses[atomic_numbers[e]]))
            f.write("\nAtoms # atomic\n\n")
            for i, (t, p) in enumerate(zip(types, atoms.positions)):
                f.write("{} {} {!r} {!r} {!r}\n".format(i + 1, t, *p))
        rounds = "\n".join(["minimize 0.0 1.0e-13 20000 200000"] * 12)
        script = f"""
units metal
atom_style atomic
boundary p p p
box tilt large
read_data {d}/in.data
pair_style {style}
{coeff}
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
thermo_style custom step pe press lx ly lz xy xz yz
thermo_modify format float %.16g
min_style cg
min_modify line quadratic dmax 0.01
fix relax all box/relax tri 0.0 vmax 0.001 nreset 50
{rounds}
unfix relax
min_modify line quadratic
minimize 0.0 1.0e-14 20000 200000
variable pe equal pe/atoms
variable p equal press
variable lx equal lx
variable ly equal ly
variable lz equal lz
variable vxy equal xy
variable vxz equal xz
variable vyz equal yz
print "RESULT ${{pe}} ${{p}} ${{lx}} ${{ly}} ${{lz}} ${{vxy}} ${{vxz}} ${{vyz}}"
"""
        with open(os.path.join(d, "in.lmp"), "w") as f:
            f.write(script)
        out = subprocess.run(["lmp", "-in", "in.lmp", "-log", "none", "-screen", "log.txt"], cwd=d, capture_output=True, text=True)
        text = open(os.path.join(d, "log.txt")).read()
        if out.returncode != 0:
            raise RuntimeError(text[-3000:])
        line = [l for l in text.splitlines() if l.startswith("RESULT ")][-1]
        pe, p, lx, ly, lz, xy, xz, yz = (float(v) for v in line.split()[1:])
        cell = np.array([[lx, 0, 0], [xy, ly, 0], [xz, yz, lz]])
        return pe, p, cell


def main():
    rng = np.random.default_rng(20261122)
    cases = [
        ("cu_u3", bulk("Cu", "fcc", a=3.615, cubic=True), ["Cu"], 0.03, 0.05),
        ("cu_u3", bulk("Cu", "fcc", a=3.615, cubic=True).repeat((2, 2, 2)), ["Cu"], 0.02, 0.05),
        ("cu_u3", bulk("Cu", "fcc", a=3.615, cubic=True).repeat((3, 1, 1)), ["Cu"], 0.04, 0.04),
        ("cuni", bulk("Cu", "fcc", a=3.58, cubic=True).repeat((2, 1, 1)), ["Cu", "Ni"], 0.03, 0.04),
        ("cuni", bulk("Cu", "fcc", a=3.58, cubic=True).repeat((2, 2, 2)), ["Cu", "Ni"], 0.02, 0.04),
        ("cuni", bulk("Ni", "fcc", a=3.52, cubic=True).repeat((1, 2, 2)), ["Cu", "Ni"], 0.03, 0.05),
    ]
    frames = []
    for k, (pot, base, species, strain, rattle) in enumerate(cases):
        atoms = make_case(rng, base, species, strain, rattle)
        pe, p, cell = run_lammps(atoms, pot)
        from ase.geometry import cell_to_cellpar
        par = cell_to_cellpar(cell)
        atoms.info["case"] = k
        atoms.info["potential"] = pot
        atoms.info["lmp_energy_per_atom"] = pe
        atoms.info["lmp_lengths"] = np.array(par[:3])
        atoms.info["lmp_angles"] = np.array(par[3:])
        atoms.info["lmp_pressure_bar"] = p
        frames.append(atoms)
        print(f"case {k}: {pot} {atoms.get_chemical_formula()} E/atom={pe:.10f} p={p:.3g} bar lengths={par[:3]} angles={par[3:]}")
    write(OUT, frames, format="extxyz")


if __name__ == "__main__":
    main()
