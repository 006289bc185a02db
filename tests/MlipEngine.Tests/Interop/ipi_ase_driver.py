#!/usr/bin/python3
"""i-PI driver side of the embedding tests: ASE 3.22's SocketIOCalculator serving positions to
`mlip serve` over a Unix socket. Writes every frame ASE evaluated, with the energy, forces and
stress it received over the socket, as extended XYZ with repr() precision (ASE's own writer rounds
to 8 decimals), so the test can compare them with `mlip eval` on the same frames.

usage: ipi_ase_driver.py SOCKETNAME OUTDIR
Phases: (1) VelocityVerlet MD of a rattled 32-atom CuNi fcc cell; (2) variable-cell relaxation
(UnitCellFilter + FIRE) of a strained 32-atom cell (cell changes every step); (3) a new
SocketIOCalculator on the same socket with a 4-atom cell (an atom-count change; the client
reconnects); then EXIT.
"""
import faulthandler
import sys
import numpy as np
from ase.build import bulk
from ase.calculators.socketio import SocketIOCalculator
from ase.md.verlet import VelocityVerlet
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase.constraints import UnitCellFilter
from ase.optimize import FIRE
from ase import units

name, outdir = sys.argv[1], sys.argv[2]
# Never hang a test run: dump where we are and exit if the whole script takes over 60 s.
faulthandler.dump_traceback_later(60, exit=True)


def cuni(n_rep, seed):
    atoms = bulk('Cu', 'fcc', a=3.58, cubic=True).repeat((n_rep, n_rep, n_rep))
    rng = np.random.RandomState(seed)
    sym = atoms.get_chemical_symbols()
    for i in rng.choice(len(atoms), len(atoms) // 4, replace=False):
        sym[i] = 'Ni'
    atoms.set_chemical_symbols(sym)
    atoms.rattle(0.05, seed=seed)
    return atoms


def fmt(x):
    return repr(float(x))


class Recorder:
    """Appends the current frame and its socket results with full precision."""

    def __init__(self, atoms, path):
        self.atoms, self.f, self.count = atoms, open(path, 'w'), 0

    def __call__(self):
        a = self.atoms.atoms if hasattr(self.atoms, 'atoms') else self.atoms
        e = a.get_potential_energy()
        forces = a.get_forces()
        stress = a.get_stress(voigt=False)
        lattice = ' '.join(fmt(v) for v in a.cell.array.ravel())
        s = ' '.join(fmt(v) for v in stress.ravel())
        self.f.write('%d\n' % len(a))
        self.f.write('Lattice="%s" Properties=species:S:1:pos:R:3:forces:R:3 energy=%s stress="%s" pbc="T T T"\n'
                     % (lattice, fmt(e), s))
        for sym, p, fo in zip(a.get_chemical_symbols(), a.positions, forces):
            self.f.write('%s %s\n' % (sym, ' '.join(fmt(v) for v in list(p) + list(fo))))
        self.f.flush()
        self.count += 1


template = open(outdir + '/template.xyz', 'w')
md_atoms = cuni(2, 1)
small = cuni(1, 3)
for a in (md_atoms, small):   # the template the client reads: species per system size
    template.write('%d\nLattice="%s" Properties=species:S:1:pos:R:3 pbc="T T T"\n'
                   % (len(a), ' '.join(fmt(v) for v in a.cell.array.ravel())))
    for sym, p in zip(a.get_chemical_symbols(), a.positions):
        template.write('%s %s\n' % (sym, ' '.join(fmt(v) for v in p)))
template.close()

with SocketIOCalculator(unixsocket=name, timeout=60) as calc:
    # (1) NVE molecular dynamics.
    atoms = md_atoms.copy()
    atoms.calc = calc
    MaxwellBoltzmannDistribution(atoms, temperature_K=600, rng=np.random.RandomState(5))
    rec = Recorder(atoms, outdir + '/md.xyz')
    md = VelocityVerlet(atoms, 2 * units.fs)
    md.attach(rec, interval=1)
    md.run(8)
    # (2) Variable-cell relaxation: strain the cell so the relaxation moves it.
    relax = md_atoms.copy()
    relax.set_cell(relax.cell.array @ np.array([[1.03, 0.01, 0.0], [0.0, 0.98, 0.02], [0.01, 0.0, 1.01]]), scale_atoms=True)
    relax.calc = calc
    ucf = UnitCellFilter(relax)
    rec2 = Recorder(relax, outdir + '/relax.xyz')
    opt = FIRE(ucf, logfile=None)
    opt.attach(rec2, interval=1)
    opt.run(fmax=1e-3, steps=12)
    assert not np.allclose(relax.cell.array, md_atoms.cell.array), 'cell did not change'
    print('md frames', rec.count, 'relax frames', rec2.count)

# (3) A different system needs a new calculator (ASE refuses atom-count changes on one).
with SocketIOCalculator(unixsocket=name, timeout=60) as calc:
    small.calc = calc
    rec3 = Recorder(small, outdir + '/small.xyz')
    rec3()
    small.positions[0] += 0.05
    rec3()
    calc.server.protocol.end()   # EXIT: the client stops with status 0
print('small frames', rec3.count)
