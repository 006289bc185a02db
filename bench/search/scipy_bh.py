#!/usr/bin/python3
"""SciPy basin hopping on an LJ cluster (eps = sigma = 1, every pair, no cut-off), the peer of `mlip search`.

Same idea as mlip's side: start from a random cluster in a sphere of N x 1.5 sigma^3 with atoms >= 0.8 sigma
apart, random displacements with step 0.4 (SciPy adapts it every 50 hops, its default), Metropolis at
T = 0.8 on the relaxed energy, L-BFGS-B local minimiser (SciPy defaults) with the analytic gradient; stops
when the energy is within 1e-4 of the known minimum. Prints one JSON line: seed, found, hops, evaluations
(energy+gradient calls), best energy, seconds.
"""
import json, sys, time
import numpy as np
from scipy.optimize import basinhopping

def lj(x):
    r = x.reshape(-1, 3)
    d = r[:, None, :] - r[None, :, :]
    r2 = (d * d).sum(-1)
    n = len(r)
    iu = np.triu_indices(n, 1)
    inv6 = 1.0 / r2[iu] ** 3
    e = 4.0 * (inv6 * inv6 - inv6).sum()
    # dE/dr2 per pair: 4 * (-6 r^-14 + 3 r^-8) = (-24 inv6^2 + 12 inv6) / r2
    c = np.zeros((n, n))
    c[iu] = (-24.0 * inv6 * inv6 + 12.0 * inv6) / r2[iu]
    c = c + c.T
    g = -(c[:, :, None] * d).sum(1) * 1.0   # dE/dr_i = sum_j c_ij * 2 (r_i - r_j) / 2 ... see below
    g = 2.0 * (c[:, :, None] * d).sum(1)     # d r2_ij / d r_i = 2 (r_i - r_j) = 2 d_ij
    return e, g.ravel()

def start(n, seed):
    rng = np.random.default_rng(seed)
    radius = (3 * n * 1.5 / (4 * np.pi)) ** (1 / 3)
    pos = []
    while len(pos) < n:
        p = rng.uniform(-1, 1, 3)
        if p @ p > 1: continue
        p = p * radius
        if all(np.linalg.norm(p - q) >= 0.8 for q in pos): pos.append(p)
    return np.array(pos).ravel()

def main():
    n, target, seed, budget = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    calls = [0]
    def f(x):
        calls[0] += 1
        return lj(x)
    best = [np.inf]
    def stop(x, e, accepted):
        best[0] = min(best[0], e)
        return bool(e <= target + 1e-4)
    t0 = time.time()
    res = basinhopping(f, start(n, seed), niter=budget, T=0.8, stepsize=0.4, seed=seed, callback=stop,
                       minimizer_kwargs={"method": "L-BFGS-B", "jac": True})
    best[0] = min(best[0], res.fun)
    print(json.dumps({"seed": seed, "found": bool(best[0] <= target + 1e-4), "hops": int(res.nit),
                      "evaluations": calls[0], "best": float(best[0]), "seconds": time.time() - t0}))

if __name__ == "__main__":
    main()
