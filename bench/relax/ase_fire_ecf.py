#!/usr/bin/python3
"""ASE 3.22 FIRE + ExpCellFilter driving OUR engine (python/mlip_ase.py over libmlip's C ABI).

Counts force calls per candidate for the same candidates, potential, optimizer parameters and
step limit as `mlip relax --optimizer fire --cell frechet`, under two convergence criteria:

  ase   ASE's own: Optimizer.converged() on ExpCellFilter's generalized forces, i.e.
        max_i |F_i · F_def| < fmax (eV/Å, atomic rows) AND max_row |W| < fmax, where the three cell
        rows are W = −V (σ + p I), the virial in eV (ASE 3.22 forces cell_factor = 1 and uses the
        naive virial unless the exact log-space gradient is misaligned with it by cos < 0.8).
        For a 20-atom cell of 240 Å³ and fmax 0.02 that is |σ row| < 8e-5 eV/Å³: stricter than ours.
  mlip  mlip relax's: max_i |F_i| < fmax (true atomic forces, eV/Å) AND max_ij |σ_ij| < smax (eV/Å³);
        implemented by overriding FIRE.converged(), so ASE's steps are unchanged.

Force calls = calls of the calculator (one call gives energy, forces and stress), i.e. steps + 1.

Usage: /usr/bin/python3 bench/relax/ase_fire_ecf.py CANDS.xyz N POTENTIAL [--fmax 0.02] [--smax 1e-3]
       [--criterion ase|mlip] [--csv OUT.csv]
Needs MLIP_LIBRARY (or artifacts/libmlip/libmlip.so from `make -C src/native`).
"""
import argparse, csv, os, sys, time
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from ase.io import read
from ase.constraints import ExpCellFilter
from ase.optimize import FIRE
from mlip_ase import MlipCalculator


class CountingCalculator(MlipCalculator):
    calls = 0

    def calculate(self, *args, **kwargs):
        CountingCalculator.calls += 1
        MlipCalculator.calculate(self, *args, **kwargs)


class FireMlipCriterion(FIRE):
    """ASE FIRE whose stopping test is mlip relax's (true forces and Cauchy stress components)."""
    smax = 1e-3

    def converged(self, forces=None):
        atoms = self.atoms.atoms            # the real Atoms under the filter (results cached: no new call)
        f = atoms.get_forces()
        s = atoms.get_stress(voigt=False)
        return (f ** 2).sum(axis=1).max() < self.fmax ** 2 and np.abs(s).max() < self.smax


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cands"); ap.add_argument("n", type=int); ap.add_argument("potential")
    ap.add_argument("--fmax", type=float, default=0.02); ap.add_argument("--smax", type=float, default=1e-3)
    ap.add_argument("--criterion", choices=["ase", "mlip"], default="mlip")
    ap.add_argument("--max-steps", type=int, default=1000); ap.add_argument("--csv")
    a = ap.parse_args()
    calc = CountingCalculator(a.potential, threads=1, skin=0.8)
    frames = read(a.cands, f":{a.n}")
    rows = []
    t0 = time.perf_counter()
    for k, atoms in enumerate(frames):
        atoms.calc = calc
        calc.reset()
        before = CountingCalculator.calls
        ecf = ExpCellFilter(atoms)
        opt = (FireMlipCriterion if a.criterion == "mlip" else FIRE)(ecf, logfile=None)
        opt.smax = a.smax
        conv = opt.run(fmax=a.fmax, steps=a.max_steps)
        f = atoms.get_forces(); s = atoms.get_stress(voigt=False)
        rows.append(dict(index=k, id=atoms.info.get("id", k), atoms=len(atoms), converged=bool(conv),
                         steps=opt.nsteps, force_calls=CountingCalculator.calls - before,
                         energy_per_atom_eV=atoms.get_potential_energy() / len(atoms),
                         fmax_eV_A=float(np.sqrt((f ** 2).sum(axis=1).max())), smax_eV_A3=float(np.abs(s).max())))
    dt = time.perf_counter() - t0
    calls = sum(r["force_calls"] for r in rows); conv = sum(r["converged"] for r in rows)
    print(f"ase FIRE+ExpCellFilter ({a.criterion} criterion): {len(rows)} candidates, {conv} converged, "
          f"{calls} force calls ({calls / len(rows):.1f}/candidate), {dt:.2f} s, {len(rows) / dt:.2f} candidates/s")
    if a.csv:
        with open(a.csv, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0])); w.writeheader(); w.writerows(rows)


if __name__ == "__main__":
    main()
