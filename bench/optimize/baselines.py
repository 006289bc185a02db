#!/usr/bin/python3
"""Random-search and Sobol baselines on the benchmark functions, same budgets as `mlip optimize`.

  baselines.py FUNCTION SEED BUDGET   ->  JSON {"random": [best after each call], "sobol": [...]}
Sobol: scipy.stats.qmc.Sobol(scramble=True, seed=SEED); random: numpy default_rng(SEED).
"""
import json, sys
import numpy as np
from scipy.stats import qmc
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from functions import branin, hartmann6

name, seed, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if name == "branin":
    lo, hi, f = np.array([-5.0, 0.0]), np.array([10.0, 15.0]), lambda x: branin(*x)
else:
    lo, hi, f = np.zeros(6), np.ones(6), hartmann6
d = len(lo)
out = {}
for kind, u in [("random", np.random.default_rng(seed).random((budget, d))),
                ("sobol", qmc.Sobol(d, scramble=True, seed=seed).random(budget))]:
    values = [f(lo + ui * (hi - lo)) for ui in u]
    out[kind] = list(np.minimum.accumulate(values))
print(json.dumps(out))
