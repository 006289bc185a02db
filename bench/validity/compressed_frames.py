#!/usr/bin/python3
"""Uniformly compressed crystals labelled with DFT (GPAW, PBE), aligned to the mlearn (VASP, PBE) data, for
training the shipped models where their data stops (issue 14: the compression wells of Cu, Ni and Si).

Usage: compressed_frames.py DATA_DIR EL OUT.xyz [--ratios 0.95,0.9,...] [--rattled N] [--near 0.85] [--geometry-only]

Why: the mlearn sets hold no crystal compressed beyond a few per cent, so the models' energies of, say, fcc Cu at
V/V0 = 0.35 (twelve neighbours at 1.8 Å) are pure extrapolation, and three of the six models fall into deep wells
there (docs/repulsion.md). These frames give the learned part the rise of E(V) down to where the ZBL core takes
over.

What is computed: the primitive cell of the ground-state crystal (fcc Cu/Ni: 1 atom, diamond Si: 2 atoms) at
V/V0 = ratio, V0 the DFT-relaxed reference cell of the mlearn strain set (dft_reference.ground_state), with
GPAW plane waves (500 eV), a Monkhorst–Pack Γ-centred mesh whose density is kept as the cell shrinks
(k = ceil(k0 · a0/a)), Fermi–Dirac smearing 0.1 eV, spin-polarised Ni (initial moment 0.6 μB; the points at V/V0 ≤ 0.5 were run with --no-spin,
where the moment has vanished: 0.26 μB at 0.55 and falling). With
--rattled N, each ratio also gets N conventional cells (4 or 8 atoms) with the atoms displaced by a Gaussian of
0.03·d_nn, for force labels.

Alignment with the VASP data (a constant offset of energies and of pressure between two PAW codes):
  E_label(V) = E_VASP(V0)/atom · N + [E_GPAW(V) − N·e_GPAW(V0)] + N·P_GPAW(V0)·(V/N − V0/N)
  σ_label(V) = σ_GPAW(V) + P_GPAW(V0)·I          (ASE sign: σ = −P)
i.e. the GPAW curve shifted so that it passes through the VASP energy at V0 with zero pressure there, as the
VASP-relaxed V0 has; e_GPAW(V0) and P_GPAW(V0) come from the primitive cell at V0. The raw GPAW values are kept as
gpaw_energy / gpaw_stress in each frame's info.
"""
import argparse, json, math, os, sys
import numpy as np
from ase.build import bulk
from ase.io import read, write
from ase.calculators.singlepoint import SinglePointCalculator
from ase.constraints import full_3x3_to_voigt_6_stress

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dft_reference import ground_state  # noqa: E402

SPIN = True   # --no-spin: Ni without spin polarisation (its moment is gone below V/V0 ≈ 0.5; twice as fast)
LATTICE = {"Cu": ("fcc", 4, 12), "Ni": ("fcc", 4, 12), "Si": ("diamond", 8, 8), "Ge": ("diamond", 8, 8), "Mo": ("bcc", 2, 12)}   # lattice, atoms per cube, k0


def gpaw_point(atoms, k0, a_ratio, element, txt):
    """E, F, σ (3×3) of one GPAW calculation, cached in a .json beside its log (a rerun recomputes nothing)."""
    cache = txt[:-4] + ".json"
    if os.path.exists(cache):
        with open(cache) as fh: c = json.load(fh)
        return c["energy"], np.array(c["forces"]), np.array(c["stress"])
    from gpaw import GPAW, PW
    k = max(1, math.ceil(k0 * a_ratio))
    kw = dict(mode=PW(500), xc="PBE", kpts={"size": (k, k, k), "gamma": True},
              occupations={"name": "fermi-dirac", "width": 0.1}, txt=txt)
    if element == "Ni" and SPIN:
        atoms.set_initial_magnetic_moments([0.6] * len(atoms))
    atoms.calc = GPAW(**kw)
    e, f, s = atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress(voigt=False)
    with open(cache + ".tmp", "w") as fh: json.dump({"energy": e, "forces": f.tolist(), "stress": s.tolist()}, fh)
    os.replace(cache + ".tmp", cache)
    return e, f, s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data"); ap.add_argument("element"); ap.add_argument("out")
    ap.add_argument("--ratios", default="0.95,0.9,0.85,0.8,0.75,0.7,0.65,0.6,0.55,0.5,0.45,0.4,0.35,0.3,0.25")
    ap.add_argument("--rattled", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-spin", action="store_true")
    ap.add_argument("--near", type=float, default=None, metavar="RATIO",
                    help="frames with V/V0 ≥ RATIO get config_type CompressedNear instead of Compressed, so a training "
                         "config can weight the near-equilibrium ones (which fix B) like the data and the deep ones lightly")
    ap.add_argument("--geometry-only", action="store_true",
                    help="write the primitive cells at each V/V0 without labels and run no DFT (for `mlip model repulsion "
                         "--fade-data`, which needs only where the training crystals are)")
    a = ap.parse_args()
    global SPIN
    SPIN = not a.no_spin
    el = a.element
    lattice, per_cube, k0 = LATTICE[el]
    ref, _ = ground_state(read(f"{a.data}/{el}_train.xyz", ":"))
    n_ref = len(ref)
    v0_atom = ref.get_volume() / n_ref
    e_vasp_atom = ref.get_potential_energy() / n_ref
    a0 = (v0_atom * per_cube) ** (1 / 3)
    if a.geometry_only:
        frames = []
        for r in [float(x) for x in a.ratios.split(",")]:
            atoms = bulk(el, lattice, a=a0 * r ** (1 / 3))
            atoms.info.update(config_type="Compressed", volume_ratio=r, description=f"{el} {lattice} at V/V0 = {r} (prim), no labels")
            frames.append(atoms)
        write(a.out, frames, format="extxyz")
        return
    work = os.path.splitext(a.out)[0] + ".gpaw"
    os.makedirs(work, exist_ok=True)

    prim0 = bulk(el, lattice, a=a0)
    e0, _, s0 = gpaw_point(prim0, k0, 1.0, el, f"{work}/v1.000.txt")
    e0_atom, p0 = e0 / len(prim0), -np.trace(s0) / 3
    print(f"{el}: a0 {a0:.4f} Å from the VASP reference ({n_ref} atoms), E_VASP {e_vasp_atom:.5f} eV/atom; "
          f"GPAW at V0: {e0_atom:.5f} eV/atom, P {p0 * 160.21766:.2f} GPa", file=sys.stderr)

    rng = np.random.default_rng(a.seed)
    frames = []
    for r in [float(x) for x in a.ratios.split(",")]:
        scale = r ** (1 / 3)
        cells = [("prim", bulk(el, lattice, a=a0 * scale))]
        for i in range(a.rattled):
            c = bulk(el, lattice, a=a0 * scale, cubic=True)
            d_nn = a0 * scale * (math.sqrt(0.5) if lattice == "fcc" else math.sqrt(3) / 4)
            c.positions += rng.normal(0, 0.03 * d_nn, c.positions.shape)
            cells.append((f"rattled{i}", c))
        for tag, atoms in cells:
            n = len(atoms)
            k_base = k0 if tag == "prim" else max(1, round(k0 * (len(prim0) / n) ** (1 / 3)))
            e, f, s = gpaw_point(atoms, k_base, 1 / scale, el, f"{work}/v{r:.3f}-{tag}.txt")
            v_atom = atoms.get_volume() / n
            e_label = n * e_vasp_atom + (e - n * e0_atom) + n * p0 * (v_atom - v0_atom)
            s_label = s + p0 * np.eye(3)
            out = atoms.copy()
            out.calc = SinglePointCalculator(out, energy=e_label, forces=f, stress=full_3x3_to_voigt_6_stress(s_label))
            near = a.near is not None and r >= a.near - 1e-9
            out.info.update(config_type="CompressedNear" if near else "Compressed", volume_ratio=r, gpaw_energy=e,
                            gpaw_stress=" ".join(f"{x:.10g}" for x in s.ravel()),
                            description=f"{el} {lattice} at V/V0 = {r} ({tag}), GPAW PBE aligned to the mlearn VASP data")
            frames.append(out)
            print(f"  V/V0 {r:.3f} {tag:9s} E_label/atom {e_label / n:10.5f} eV  P {-np.trace(s_label) / 3 * 160.21766:9.2f} GPa  "
                  f"max|F| {np.abs(f).max():.3f}", file=sys.stderr)
    tmp = a.out + ".tmp"
    write(tmp, frames, format="extxyz")
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
