#!/usr/bin/python3
"""An independent PBE check of the elastic constants derived from the mlearn data (dft_reference.py), for cubic
crystals: GPAW plane waves at the data's own reference lattice constant, stress route, central differences.

Usage: gpaw_elastic.py DATA_DIR EL [--strain 0.01] [--k 12]     (prints JSON)

C11 = ∂σ_xx/∂ε_xx, C12 = ∂σ_yy/∂ε_xx (uniaxial ±ε), C44 = ∂σ_yz/∂γ_yz (engineering shear ±2ε); the primitive cell
is strained as a whole (fcc and bcc have no internal relaxation under these strains; diamond would, so it is
refused). Stresses in ASE's sign (σ = −P); GPa. The calculator, its settings and its cache (a .json beside each
log) are compressed_frames.gpaw_point's.
"""
import argparse, json, os, sys
import numpy as np
from ase.build import bulk
from ase.io import read
from ase.units import GPa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dft_reference import ground_state  # noqa: E402
from compressed_frames import gpaw_point  # noqa: E402

LATTICE = {"Cu": ("fcc", 4), "Ni": ("fcc", 4), "Li": ("bcc", 2), "Mo": ("bcc", 2)}


def stress(atoms, k, el, tag, work):
    """σ (3×3) of one GPAW calculation with compressed_frames.py's settings and cache."""
    return gpaw_point(atoms, k, 1.0, el, f"{work}/{tag}.txt")[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data"); ap.add_argument("element")
    ap.add_argument("--strain", type=float, default=0.01); ap.add_argument("--k", type=int, default=12)
    ap.add_argument("--work", default="runs/validity/gpaw-elastic")
    a = ap.parse_args()
    el, eps = a.element, a.strain
    lattice, per_cube = LATTICE[el]
    ref, _ = ground_state(read(f"{a.data}/{el}_train.xyz", ":"))
    a0 = (ref.get_volume() / len(ref) * per_cube) ** (1 / 3)
    work = f"{a.work}/{el}"
    os.makedirs(work, exist_ok=True)

    def strained(e):
        at = bulk(el, lattice, a=a0)
        at.set_cell(at.cell.array @ (np.eye(3) + e).T, scale_atoms=True)
        return at

    res = {}
    for sign in (+1, -1):
        e = np.zeros((3, 3)); e[0, 0] = sign * eps
        res[("u", sign)] = stress(strained(e), a.k, el, f"uniaxial{sign:+d}", work)
        e = np.zeros((3, 3)); e[1, 2] = e[2, 1] = sign * eps   # γ_yz = 2ε
        res[("s", sign)] = stress(strained(e), a.k, el, f"shear{sign:+d}", work)
    c11 = (res[("u", 1)][0, 0] - res[("u", -1)][0, 0]) / (2 * eps) / GPa
    c12 = (res[("u", 1)][1, 1] - res[("u", -1)][1, 1]) / (2 * eps) / GPa
    c44 = (res[("s", 1)][1, 2] - res[("s", -1)][1, 2]) / (4 * eps) / GPa
    print(json.dumps({el: {"a0_A": a0, "C11_GPa": c11, "C12_GPa": c12, "C44_GPa": c44, "B_GPa": (c11 + 2 * c12) / 3,
                           "method": f"GPAW {__import__('gpaw').__version__} PW 500 eV PBE, k {a.k}^3, FD 0.1 eV, strain ±{eps}"}}, indent=1))


if __name__ == "__main__":
    main()
