#!/usr/bin/python3
"""Two model-level bounds on the learned energy below the training data, tried as a prototype (issue 14; results in
docs/repulsion.md, "The density fade"). The fade was then built into every backend and ships with the Ni model
(`mlip model repulsion --fade-data`); the cap was not.

Uniform compression below V/V0 0.25 puts every neighbour of every atom inside the ZBL core at once. The per-pair ρ
clamp keeps each pair's radial features bounded, but the number of neighbours inside the cutoff keeps growing, and the
learned many-body energy extrapolates in that neighbour density (Ni: −16 000 eV/atom at V/V0 0.15). The prototype
(prototype.patch, applied to the Reference backend only, energies only) measures each atom's neighbour density
n_i = Σ_j u(ρ_ij) (u the model's cutoff envelope, ρ the core's learned distance) against N, its largest value in the
training data, here the crystal at the deepest V/V0 the model was trained on, and either
  cap:  scales the messages into atom i by λ_i = N(1 + m tanh((x − 1)/m))/n_i for x = n_i/N > 1, so that the density
        the learned model sees saturates at N(1 + m), i.e. the learned energy is bounded for every configuration, or
  fade: multiplies atom i's learned energy (E_i − E0) by the core's switch s((x − 1)/w), so that beyond N(1 + w) only
        E0 and the ZBL core remain.
Both are exactly inactive (λ = 1, s = 1) on the training data. This script builds the patched CLI in a scratch
worktree and scans V/V0 = 0.40 … 0.05 (steps of 0.005) for each variant.

Usage: run.py [--elements Ni,Si,Cu] [--out runs/density-bound]   (~2 min build, ~10 s per scan, one thread)
"""
import argparse, json, os, subprocess
import numpy as np
from ase.build import bulk
from ase.io import read, write
from ase.neighborlist import neighbor_list

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# element: lattice, the model's a0 (docs/validity.md), the deepest V/V0 of its training crystals (docs/repulsion.md)
CRYSTALS = {"Ni": ("fcc", 3.521, 0.25), "Si": ("diamond", 5.467, 0.25), "Cu": ("fcc", 3.634, 0.35),
            "Ge": ("diamond", 5.783, 0.25), "Mo": ("bcc", 3.169, 0.25), "Li": ("bcc", 3.445, 1.0)}
# the commit prototype.patch was written against (the Reference backend before the shipped density fade)
PATCH_BASE = "ee2b792"
VARIANTS = [("none", {}), ("cap m=0.25", {"MLIP_PROTO_CAP_WIDTH": "0.25"}), ("cap m=0.05", {"MLIP_PROTO_CAP_WIDTH": "0.05"}),
            ("fade w=0.1", {"MLIP_PROTO_FADE_WIDTH": "0.1"}), ("fade w=0.2", {"MLIP_PROTO_FADE_WIDTH": "0.2"}),
            ("fade w=0.5", {"MLIP_PROTO_FADE_WIDTH": "0.5"})]


def header(model):
    """The JSON header of a .mlip file (magic, version, header length H as uint32 LE, then H bytes of JSON)."""
    with open(model, "rb") as fh:
        raw = fh.read(16)
        return json.loads(fh.read(int.from_bytes(raw[12:16], "little")))


def density(atoms, hdr):
    """max over atoms of n_i = Σ_j u(ρ(r_ij)) for a one-species model, as the patch computes it."""
    rc, p = hdr["cutoff"], hdr["envelope_p"]
    ri, ro = hdr["repulsion"]["inner"][0], hdr["repulsion"]["outer"][0]
    i, d = neighbor_list("id", atoms, rc)
    rho = np.where(d >= ro, d, ro - 0.25 * (ro - ri) * np.tanh((ro - d) / (0.25 * (ro - ri))))
    x = rho / rc
    u = 1 - 0.5 * (p + 1) * (p + 2) * x**p + p * (p + 2) * x**(p + 1) - 0.5 * p * (p + 1) * x**(p + 2)
    return np.bincount(i, weights=np.where(x < 1, u, 0), minlength=len(atoms)).max()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--elements", default="Ni,Si,Cu")
    ap.add_argument("--out", default=f"{ROOT}/runs/density-bound")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    src, cli = f"{out}/src", f"{out}/cli"
    if not os.path.exists(f"{cli}/mlip.dll"):
        os.makedirs(out, exist_ok=True)
        if not os.path.exists(src):
            subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", src, PATCH_BASE], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["git", "-C", src, "checkout", "-q", "."], check=True)
        subprocess.run(["git", "-C", src, "apply", os.path.join(os.path.dirname(os.path.abspath(__file__)), "prototype.patch")], check=True)
        subprocess.run(["dotnet", "build", f"{src}/src/MlipEngine.Cli/MlipEngine.Cli.csproj", "-c", "Release", "-o", cli, "--nologo", "-v", "quiet"],
                       check=True, stdout=subprocess.DEVNULL)
    ratios = np.round(np.arange(0.40, 0.0499, -0.005), 4)
    for el in args.elements.split(","):
        lattice, a0, deepest = CRYSTALS[el]
        model = f"{src}/potentials/{el.lower()}-mlearn.mlip"   # the models as they were at PATCH_BASE (no fade, format ≤ 2)
        hdr = header(model)
        n_max = density(bulk(el, lattice, a=a0 * deepest ** (1 / 3), cubic=True), hdr)
        frames = [bulk(el, lattice, a=a0 * r ** (1 / 3), cubic=True) for r in ratios]
        write(f"{out}/{el}-in.xyz", frames, format="extxyz")
        print(f"{el}: N = {n_max:.2f} (the crystal at V/V0 {deepest}); n at V/V0 1: {density(frames[0], hdr) if ratios[0] == 1 else density(bulk(el, lattice, a=a0, cubic=True), hdr):.2f}")
        print("  variant       E−E(0.40) eV/atom at V/V0 0.25 / 0.2 / 0.15 / 0.1   falls below 0.40 (V/V0: ΔE eV/atom)")
        for name, env in VARIANTS:
            e_env = dict(os.environ, MLIP_PROTO_DENSITY_MAX=f"{n_max:.6f}", **env)
            subprocess.run(["dotnet", f"{cli}/mlip.dll", "eval", "-p", model, "-i", f"{out}/{el}-in.xyz", "-o", f"{out}/{el}-out.xyz",
                            "--device", "reference", "-t", "1"], check=True, env=e_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            e = np.array([f.get_potential_energy() / len(f) for f in read(f"{out}/{el}-out.xyz", ":")])
            at = lambda r: e[int(np.argmin(np.abs(ratios - r)))] - e[0]
            falls = [(float(ratios[k]), round(float(e[k] - e[k - 1]), 2)) for k in range(1, len(e)) if e[k] <= e[k - 1]]
            shown = ", ".join(f"{r}: {d:+g}" for r, d in falls[:6]) + (f", … ({len(falls)} in all)" if len(falls) > 6 else "")
            print(f"  {name:12s}  {at(0.25):10.4g} {at(0.2):10.4g} {at(0.15):10.4g} {at(0.1):10.4g}   {shown or 'monotonic'}")


if __name__ == "__main__":
    main()
