#!/usr/bin/python3
"""Uniform compression curves of the shipped models (issue 14): E/atom and pressure of the ground-state crystal
from V/V0 = 1 down to 0.25 in steps of 0.01, with `mlip eval`, and where the curve is not monotonically repulsive.

Usage: compression.py [--models DIR] [--elements Cu,Ni,...] [--out runs/validity/compression] [--dft DIR] [--deep 0.05]
  --dft DIR: also plot the aligned GPAW points of DIR/<El>.xyz (bench/validity/compressed_frames.py).
Writes OUT/<El>.csv and OUT/compression.svg (E/atom − E(V0) against V/V0, log scale) and prints per element the
lowest E on the curve and every V/V0 where the energy falls on compression (a well).
"""
import argparse, os, subprocess, sys
import numpy as np
from ase.build import bulk
from ase.io import read, write

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# element: lattice, a0 of the model (docs/validity.md; only sets where V/V0 = 1 is)
CRYSTALS = {"Cu": ("fcc", 3.634), "Ni": ("fcc", 3.521), "Li": ("bcc", 3.445), "Mo": ("bcc", 3.169),
            "Si": ("diamond", 5.467), "Ge": ("diamond", 5.783)}


def evaluate(model, frames, src, dst):
    """The frames as `mlip eval -p MODEL` labels them (one thread), through the extxyz files SRC and DST."""
    write(src, frames, format="extxyz")
    subprocess.run([f"{ROOT}/mlip", "eval", "-p", model, "-i", src, "-o", dst, "-t", "1"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return read(dst, ":")


def curve(model, el, out, ratios, name):
    """E/atom and pressure of the ground-state crystal at each V/V0 in RATIOS; OUT/NAME.csv; the ratios where E falls."""
    lattice, a0 = CRYSTALS[el]
    frames = [bulk(el, lattice, a=a0 * r ** (1 / 3), cubic=True) for r in ratios]
    res = evaluate(model, frames, f"{out}/{name}-in.xyz", f"{out}/{name}-out.xyz")
    e = np.array([f.get_potential_energy() / len(f) for f in res])
    p = np.array([-np.trace(f.get_stress(voigt=False)) / 3 * 160.21766 for f in res])
    with open(f"{out}/{name}.csv", "w") as fh:
        fh.write("volume_ratio,nn_distance_A,energy_per_atom_eV,pressure_GPa\n")
        for r, f, ei, pi in zip(ratios, frames, e, p):
            d = np.sort(f.get_all_distances(mic=True)[0])[1]
            fh.write(f"{r},{d:.4f},{ei:.6f},{pi:.3f}\n")
    falls = [float(ratios[k]) for k in range(1, len(e)) if e[k] <= e[k - 1]]
    return ratios, e, p, falls


def svg(curves, dft, path):
    w, h, m = 640, 420, 60
    ys = [np.log10(np.maximum(e - e[0], 1e-3)) for _, e, _, _ in curves.values()]
    ymin, ymax = -3, max(3, max(y.max() for y in ys))
    X = lambda r: m + (1 - r) / 0.75 * (w - 1.5 * m)
    Y = lambda y: h - m - (y - ymin) / (ymax - ymin) * (h - 1.5 * m)
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
           f'<text x="{w/2}" y="16" text-anchor="middle">Uniform compression: E/atom − E(V0), eV (log; ≤ 1 meV at the floor)</text>']
    for t in range(int(ymin), int(ymax) + 1):
        out.append(f'<line x1="{m}" x2="{w - m/2}" y1="{Y(t):.1f}" y2="{Y(t):.1f}" stroke="#ddd"/><text x="{m-4}" y="{Y(t)+4:.1f}" text-anchor="end">1e{t}</text>')
    for r in (1.0, 0.8, 0.6, 0.4, 0.25):
        out.append(f'<text x="{X(r):.1f}" y="{h - m + 16}" text-anchor="middle">{r}</text>')
    out.append(f'<text x="{w/2}" y="{h - 12}" text-anchor="middle">V/V0</text>')
    for k, (el, (ratios, e, _, falls)) in enumerate(curves.items()):
        c = colors[k % len(colors)]
        y = np.log10(np.maximum(e - e[0], 1e-3))
        pts = " ".join(f"{X(r):.1f},{Y(v):.1f}" for r, v in zip(ratios, y))
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{pts}"/>')
        out.append(f'<text x="{w - m/2 - 60}" y="{40 + 14*k}" fill="{c}">{el}{" (well)" if falls else ""}</text>')
        if el in dft:
            for r, ed in dft[el]:
                out.append(f'<circle cx="{X(r):.1f}" cy="{Y(np.log10(max(ed - e[0], 1e-3))):.1f}" r="3" fill="none" stroke="{c}"/>')
    out.append("</svg>")
    with open(path, "w") as fh: fh.write("\n".join(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=f"{ROOT}/potentials")
    ap.add_argument("--elements", default="Cu,Ni,Li,Mo,Si,Ge")
    ap.add_argument("--out", default=f"{ROOT}/runs/validity/compression")
    ap.add_argument("--dft")
    ap.add_argument("--deep", type=float, metavar="RATIO",
                    help="also scan on below V/V0 0.25, where no model has training data, down to RATIO in steps of 0.005, "
                         "and print where the energy first falls there and the rise from E(V0) to that point")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    curves, dft = {}, {}
    for el in a.elements.split(","):
        model = f"{a.models}/{el.lower()}-mlearn.mlip"
        curves[el] = curve(model, el, a.out, np.round(np.arange(1.0, 0.2499, -0.01), 4), el)
        ratios, e, p, falls = curves[el]
        k = int(np.argmin(e))
        print(f"{el}: E(V0) {e[0]:.4f} eV/atom; lowest {e[k]:.4f} at V/V0 {ratios[k]}; P(0.5) {p[np.argmin(abs(ratios - 0.5))]:.0f} GPa; "
              + (f"energy falls on compression at V/V0 = {', '.join(f'{r:.2f}' for r in falls[:12])}{' …' if len(falls) > 12 else ''}" if falls else "monotonic"))
        if a.dft and os.path.exists(f"{a.dft}/{el}.xyz"):
            dft[el] = [(f.info["volume_ratio"], f.get_potential_energy() / len(f)) for f in read(f"{a.dft}/{el}.xyz", ":")
                       if len(f) <= 2]
        if a.deep:
            # From 0.25 (the last point of the curve above, so a fall right below it counts) down in finer steps
            r, ed, pd, falls = curve(model, el, a.out, np.round(np.arange(0.25, a.deep - 1e-9, -0.005), 4), f"{el}-deep")
            if falls:
                k = int(np.argmin(abs(r - falls[0])))
                print(f"  below the data: energy first falls at V/V0 = {falls[0]:.3f} (E − E(V0) {ed[k - 1] - e[0]:.0f} → {ed[k] - e[0]:.0f} "
                      f"eV/atom, P {pd[k - 1]:.0f} GPa before the fall); falls at {len(falls)} of {len(r) - 1} steps down to {a.deep}")
            else:
                print(f"  below the data: monotonic down to V/V0 = {a.deep} (E − E(V0) there {ed[-1] - e[0]:.3g} eV/atom)")
    svg(curves, dft, f"{a.out}/compression.svg")
    print(f"wrote {a.out}/compression.svg", file=sys.stderr)


if __name__ == "__main__":
    main()
