#!/usr/bin/python3
"""Golden values for the classical potentials, computed by Debian's LAMMPS (`lmp`).

For each case: build a perturbed (and often skewed, multi-element) structure with ASE, write it
as a LAMMPS data file in LAMMPS' restricted triclinic form, run `lmp` for a single point
(energy, per-atom energy via compute pe/atom, forces, pressure tensor), and write the result as
ASE-style extended XYZ with full precision plus the potential spec YAML beside it.

Reproduce:  /usr/bin/python3 tests/golden/make_golden.py   (needs Debian lammps + lammps-data + python3-ase)
Stress: LAMMPS reports P_ab = W_ab * nktv2p / V in bar (metal units, nktv2p = 1.6021765e6);
ASE stress = -P / nktv2p in eV/A^3.
"""
import os, subprocess, tempfile, sys
import numpy as np
from ase.build import bulk
from ase.data import atomic_masses, atomic_numbers

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'MlipEngine.Tests', 'Golden')
POT = '/usr/share/lammps/potentials'
NKTV2P = 1.6021765e6

def lmp_restricted(atoms):
    """Rotate a cell into LAMMPS' restricted form (a along x, b in xy) and return the new atoms."""
    cellpar = atoms.cell.cellpar()
    from ase.geometry import cellpar_to_cell
    new_cell = cellpar_to_cell(cellpar)  # a along x, b in xy plane
    a = atoms.copy()
    a.set_cell(new_cell, scale_atoms=True)
    return a

def structure(kind, seed):
    rng = np.random.RandomState(seed)
    if kind == 'fcc_cu':
        at = bulk('Cu', 'fcc', a=3.615, cubic=True).repeat((3, 3, 3))
    elif kind == 'fcc_cu_skew':
        at = bulk('Cu', 'fcc', a=3.615, cubic=True).repeat((3, 3, 3))
        c = at.cell.array.copy(); c[1, 0] += 1.3; c[2, 0] -= 0.9; c[2, 1] += 1.1
        at.set_cell(c, scale_atoms=True)
    elif kind == 'cuni_skew':
        at = bulk('Cu', 'fcc', a=3.56, cubic=True).repeat((3, 3, 3))
        sym = np.array(at.get_chemical_symbols())
        sym[rng.rand(len(at)) < 0.4] = 'Ni'
        at.set_chemical_symbols(sym)
        c = at.cell.array.copy(); c[1, 0] += 0.8; c[2, 1] -= 1.2; c[2, 0] += 0.5
        at.set_cell(c, scale_atoms=True)
    elif kind == 'alfe_bcc':
        at = bulk('Fe', 'bcc', a=2.87, cubic=True).repeat((4, 4, 3))
        sym = np.array(at.get_chemical_symbols())
        sym[rng.rand(len(at)) < 0.3] = 'Al'
        at.set_chemical_symbols(sym)
        c = at.cell.array.copy(); c[2, 0] += 1.0; c[1, 0] -= 0.6
        at.set_cell(c, scale_atoms=True)
    elif kind == 'arkr':
        at = bulk('Ar', 'fcc', a=5.4, cubic=True).repeat((3, 3, 3))
        sym = np.array(at.get_chemical_symbols())
        sym[rng.rand(len(at)) < 0.5] = 'Kr'
        at.set_chemical_symbols(sym)
        c = at.cell.array.copy(); c[1, 0] += 1.5; c[2, 1] += 0.7
        at.set_cell(c, scale_atoms=True)
    elif kind == 'cuni_morse':
        at = bulk('Cu', 'fcc', a=3.6, cubic=True).repeat((3, 3, 3))
        sym = np.array(at.get_chemical_symbols())
        sym[rng.rand(len(at)) < 0.5] = 'Ni'
        at.set_chemical_symbols(sym)
        c = at.cell.array.copy(); c[2, 0] += 1.4
        at.set_cell(c, scale_atoms=True)
    else:
        raise ValueError(kind)
    at.positions += rng.normal(scale=0.08, size=at.positions.shape)
    at.pbc = True
    return lmp_restricted(at)

def write_data(path, atoms, elements):
    c = atoms.cell.array
    assert abs(c[0, 1]) < 1e-12 and abs(c[0, 2]) < 1e-12 and abs(c[1, 2]) < 1e-12
    with open(path, 'w') as f:
        f.write('golden structure\n\n%d atoms\n%d atom types\n\n' % (len(atoms), len(elements)))
        f.write('0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n' % (c[0, 0], c[1, 1], c[2, 2]))
        f.write('%.17g %.17g %.17g xy xz yz\n\nMasses\n\n' % (c[1, 0], c[2, 0], c[2, 1]))
        for t, e in enumerate(elements):
            f.write('%d %.17g # %s\n' % (t + 1, atomic_masses[atomic_numbers[e]], e))
        f.write('\nAtoms # atomic\n\n')
        for i, (s, p) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions)):
            f.write('%d %d %.17g %.17g %.17g\n' % (i + 1, elements.index(s) + 1, p[0], p[1], p[2]))

def run_lammps(atoms, elements, pair_lines):
    with tempfile.TemporaryDirectory() as d:
        write_data(os.path.join(d, 'data.lmp'), atoms, elements)
        inp = """units metal
atom_style atomic
boundary p p p
box tilt large
read_data data.lmp
%s
neighbor 1.0 bin
compute pe all pe/atom
thermo_style custom step pe pxx pyy pzz pxy pxz pyz
thermo_modify format float %%.17g
dump d all custom 1 dump.txt id type fx fy fz c_pe
dump_modify d format float %%.17g sort id
run 0
""" % '\n'.join(pair_lines)
        open(os.path.join(d, 'in.lmp'), 'w').write(inp)
        r = subprocess.run(['lmp', '-in', 'in.lmp', '-log', 'log.lammps', '-screen', 'none'], cwd=d, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit('lmp failed:\n' + r.stdout + r.stderr + open(os.path.join(d, 'log.lammps')).read())
        log = open(os.path.join(d, 'log.lammps')).read().splitlines()
        k = next(i for i, l in enumerate(log) if l.split()[:2] == ['Step', 'PotEng'])
        vals = [float(x) for x in log[k + 1].split()]
        pe, (pxx, pyy, pzz, pxy, pxz, pyz) = vals[1], vals[2:8]
        lines = open(os.path.join(d, 'dump.txt')).read().splitlines()
        k = next(i for i, l in enumerate(lines) if l.startswith('ITEM: ATOMS'))
        rows = np.array([[float(x) for x in l.split()] for l in lines[k + 1:]])
        forces, eatom = rows[:, 2:5], rows[:, 5]
        P = np.array([[pxx, pxy, pxz], [pxy, pyy, pyz], [pxz, pyz, pzz]])
        return pe, forces, eatom, -P / NKTV2P

def fmt(x):
    return repr(float(x))

def write_golden(name, atoms, energy, forces, eatom, stress, spec):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    lat = ' '.join(fmt(x) for x in atoms.cell.array.ravel())
    st = ' '.join(fmt(x) for x in stress.ravel())
    with open(os.path.join(d, 'golden.xyz'), 'w') as f:
        f.write('%d\n' % len(atoms))
        f.write('Lattice="%s" Properties=species:S:1:pos:R:3:forces:R:3:energies:R:1 energy=%s stress="%s" pbc="T T T" source=lammps\n'
                % (lat, fmt(energy), st))
        for s, p, fo, e in zip(atoms.get_chemical_symbols(), atoms.positions, forces, eatom):
            f.write('%s %s %s %s %s %s %s %s\n' % (s, fmt(p[0]), fmt(p[1]), fmt(p[2]), fmt(fo[0]), fmt(fo[1]), fmt(fo[2]), fmt(e)))
    with open(os.path.join(d, 'potential.yaml'), 'w') as f:
        f.write(spec)
    print('%-22s %4d atoms  E = %.10f eV  |F|max = %.4f' % (name, len(atoms), energy, np.abs(forces).max()))

CASES = [
    # name, structure, elements, LAMMPS pair lines, spec
    ('eam_cu_u3', 'fcc_cu', ['Cu'], ['pair_style eam', 'pair_coeff 1 1 %s/Cu_u3.eam' % POT],
     'style: eam\nfile: %s/Cu_u3.eam\nelements: [Cu]\n' % POT),
    ('eam_cu_u3_skew', 'fcc_cu_skew', ['Cu'], ['pair_style eam', 'pair_coeff 1 1 %s/Cu_u3.eam' % POT],
     'style: eam\nfile: %s/Cu_u3.eam\nelements: [Cu]\n' % POT),
    ('eam_funcfl_cuni', 'cuni_skew', ['Cu', 'Ni'], ['pair_style eam', 'pair_coeff 1 1 %s/Cu_u3.eam' % POT, 'pair_coeff 2 2 %s/Ni_u3.eam' % POT],
     'style: eam\nfiles: [%s/Cu_u3.eam, %s/Ni_u3.eam]\nelements: [Cu, Ni]\n' % (POT, POT)),
    ('eam_alloy_cuni', 'cuni_skew', ['Cu', 'Ni'], ['pair_style eam/alloy', 'pair_coeff * * %s/CuNi.eam.alloy Cu Ni' % POT],
     'style: eam/alloy\nfile: %s/CuNi.eam.alloy\nelements: [Cu, Ni]\n' % POT),
    ('eam_alloy_nicu_order', 'cuni_skew', ['Ni', 'Cu'], ['pair_style eam/alloy', 'pair_coeff * * %s/CuNi.eam.alloy Ni Cu' % POT],
     'style: eam/alloy\nfile: %s/CuNi.eam.alloy\nelements: [Ni, Cu]\n' % POT),
    ('eam_fs_alfe', 'alfe_bcc', ['Al', 'Fe'], ['pair_style eam/fs', 'pair_coeff * * %s/AlFe_mm.eam.fs Al Fe' % POT],
     'style: eam/fs\nfile: %s/AlFe_mm.eam.fs\nelements: [Al, Fe]\n' % POT),
    ('lj_arkr', 'arkr', ['Ar', 'Kr'], ['pair_style lj/cut 8.5', 'pair_coeff 1 1 0.0104 3.40', 'pair_coeff 2 2 0.0140 3.65', 'pair_coeff 1 2 0.0121 3.52 7.9'],
     'style: lj/cut\ncutoff: 8.5\nshift: false\npairs:\n  Ar-Ar: {epsilon: 0.0104, sigma: 3.40}\n  Kr-Kr: {epsilon: 0.0140, sigma: 3.65}\n  Ar-Kr: {epsilon: 0.0121, sigma: 3.52, cutoff: 7.9}\n'),
    ('lj_arkr_shift_mixed', 'arkr', ['Ar', 'Kr'], ['pair_style lj/cut 8.5', 'pair_modify shift yes mix geometric', 'pair_coeff 1 1 0.0104 3.40', 'pair_coeff 2 2 0.0140 3.65'],
     'style: lj/cut\ncutoff: 8.5\nshift: true\nmixing: geometric\npairs:\n  Ar-Ar: {epsilon: 0.0104, sigma: 3.40}\n  Kr-Kr: {epsilon: 0.0140, sigma: 3.65}\n'),
    ('morse_cuni', 'cuni_morse', ['Cu', 'Ni'], ['pair_style morse 6.0', 'pair_modify shift yes', 'pair_coeff 1 1 0.3429 1.3588 2.866', 'pair_coeff 2 2 0.4205 1.4199 2.780', 'pair_coeff 1 2 0.3800 1.3900 2.820 5.5'],
     'style: morse\ncutoff: 6.0\nshift: true\npairs:\n  Cu-Cu: {d0: 0.3429, alpha: 1.3588, r0: 2.866}\n  Ni-Ni: {d0: 0.4205, alpha: 1.4199, r0: 2.780}\n  Cu-Ni: {d0: 0.3800, alpha: 1.3900, r0: 2.820, cutoff: 5.5}\n'),
]

if __name__ == '__main__':
    only = sys.argv[1:]
    for name, kind, elements, pair, spec in CASES:
        if only and name not in only:
            continue
        atoms = structure(kind, seed=abs(hash(name)) % 1000 if False else sum(map(ord, name)))
        e, f, ea, s = run_lammps(atoms, elements, pair)
        write_golden(name, atoms, e, f, ea, s, spec)
