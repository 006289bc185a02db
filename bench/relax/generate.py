#!/usr/bin/python3
"""Random Cu/Ni/Au/Pd candidates for the relaxation benchmark.

Substitutional FCC and BCC supercells of 4-64 atoms (conventional cells repeated), random species,
random symmetric strain (|eps| <= 4 %) and rattling (sigma 0.05 A), written as one multi-frame
extxyz.  Usage:  /usr/bin/python3 bench/relax/generate.py N OUT.xyz [SEED]
"""
import sys
import numpy as np
from ase.build import bulk
from ase.io import write

ELEMENTS = ["Cu", "Ni", "Au", "Pd"]
A_FCC = {"Cu": 3.615, "Ni": 3.52, "Au": 4.08, "Pd": 3.89}


def candidate(rng):
    while True:
        lattice = rng.choice(["fcc", "bcc"])
        reps = tuple(int(r) for r in rng.integers(1, 4, size=3))
        per_cell = 4 if lattice == "fcc" else 2
        if 4 <= per_cell * np.prod(reps) <= 64:
            break
    species = rng.choice(ELEMENTS, size=per_cell * int(np.prod(reps)))
    a_fcc = np.mean([A_FCC[s] for s in species])
    # same volume per atom: bcc a^3/2 = fcc a^3/4
    a = a_fcc if lattice == "fcc" else a_fcc * 0.5 ** (1 / 3)
    atoms = bulk("Cu", lattice, a=a, cubic=True).repeat(reps)
    atoms.set_chemical_symbols(species)
    eps = rng.uniform(-0.04, 0.04, size=(3, 3))
    eps = 0.5 * (eps + eps.T)
    atoms.set_cell(atoms.cell @ (np.eye(3) + eps), scale_atoms=True)
    atoms.positions += rng.normal(0, 0.05, size=atoms.positions.shape)
    atoms.info["lattice"] = lattice
    return atoms


def main():
    n = int(sys.argv[1]); out = sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n):
        a = candidate(rng)
        a.info["id"] = f"cand{k:05d}"
        frames.append(a)
    write(out, frames, format="extxyz")
    sizes = [len(a) for a in frames]
    print(f"{n} candidates, {sum(sizes)} atoms, sizes {min(sizes)}-{max(sizes)}, mean {np.mean(sizes):.1f}")


if __name__ == "__main__":
    main()
