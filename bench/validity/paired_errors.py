#!/usr/bin/python3
"""Paired comparison of two or more models on the same held-out frames (issue 14: is a fine-tune's force error
"no worse" than the model it replaces, beyond the noise of a 21-frame validation split?).

Usage: paired_errors.py DATA.xyz INDICES MODEL_A.mlip MODEL_B.mlip [...] [--boot 10000]
  INDICES: comma-separated frame indices of DATA.xyz, or the split.csv `mlip train` writes into its output folder (then
  its validation frames of DATA.xyz, matched by file name).
Prints per model the energy MAE (meV/atom) and force MAE (meV/Å) over the frames, and for every model against the
first: the difference of force MAE with a 95 % interval from a bootstrap over frames (frames resampled with
replacement, the same resample for both models: the frames are the unit of independence, atoms within a frame are
correlated).
"""
import argparse, os, sys, tempfile
import numpy as np
from ase.io import read

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compression import evaluate  # noqa: E402


def per_frame(model, frames, tmp):
    out = evaluate(model, frames, f"{tmp}/in.xyz", f"{tmp}/out.xyz")
    ae = np.array([abs(o.get_potential_energy() - f.get_potential_energy()) / len(f) * 1000 for f, o in zip(frames, out)])
    fs = np.array([np.abs(o.get_forces() - f.get_forces()).sum() * 1000 for f, o in zip(frames, out)])   # Σ|ΔF| per frame
    return ae, fs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data"); ap.add_argument("indices"); ap.add_argument("models", nargs="+")
    ap.add_argument("--boot", type=int, default=10000)
    a = ap.parse_args()
    allf = read(a.data, ":")
    if os.path.isfile(a.indices):
        import csv
        with open(a.indices, newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if r["set"] == "validation"]
        idx = [int(r["index"]) for r in rows if os.path.basename(r["file"]) == os.path.basename(a.data)]
        if not idx:
            sys.exit(f"{a.indices}: no validation frame of {os.path.basename(a.data)}")
    else:
        idx = [int(i) for i in a.indices.split(",")]
    frames = [allf[i] for i in idx]
    ncomp = np.array([3 * len(f) for f in frames], float)
    rng = np.random.default_rng(1)
    pick = rng.integers(0, len(frames), size=(a.boot, len(frames)))
    with tempfile.TemporaryDirectory(dir=f"{ROOT}/runs") as tmp:
        res = [per_frame(m, frames, tmp) for m in a.models]
    f0 = res[0][1]
    for m, (ae, fs) in zip(a.models, res):
        line = f"{m}: E MAE {ae.mean():.3f} meV/atom, F MAE {fs.sum() / ncomp.sum():.3f} meV/Å"
        if fs is not f0:
            d = fs.sum() / ncomp.sum() - f0.sum() / ncomp.sum()
            boot = (fs[pick].sum(1) - f0[pick].sum(1)) / ncomp[pick].sum(1)
            lo, hi = np.percentile(boot, [2.5, 97.5])
            line += f"; ΔF MAE vs first {d:+.3f} meV/Å (95 % {lo:+.3f} … {hi:+.3f}; {100 * d / (f0.sum() / ncomp.sum()):+.1f} %)"
        print(line)


if __name__ == "__main__":
    main()
