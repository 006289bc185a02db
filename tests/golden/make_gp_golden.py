#!/usr/bin/python3
"""Golden Gaussian-process values for MlipEngine.Discovery.Optimization.GaussianProcess from scikit-learn.

Fixed hyperparameters: GaussianProcessRegressor(kernel=ConstantKernel(s2, "fixed") * Matern(ls, nu=2.5,
"fixed") [or RBF], alpha=noise, normalize_y=True, optimizer=None) on 30 points in 3-D; records the
posterior mean and (latent) standard deviation at 12 test points and log_marginal_likelihood_value_.
Fitted: the same kernel with bounded hyperparameters (s2 in [0.05, 20], ls in [0.01, 20]) plus a
WhiteKernel (noise in [1e-6, 1]), 10 optimizer restarts; records the best log marginal likelihood so the
C# fit can be checked to reach it.

Writes tests/MlipEngine.Tests/Golden/gp_sklearn/golden.json. Run from the repository root:
  /usr/bin/python3 tests/golden/make_gp_golden.py
"""
import json
import numpy as np
import sklearn
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, RBF, WhiteKernel

rng = np.random.default_rng(20261206)
X = rng.random((30, 3))
y = np.sin(6 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2] + 0.05 * rng.standard_normal(30) + 3.0
Xt = rng.random((12, 3))
cases = []
for name, base in [("matern52", lambda ls, b: Matern(ls, b, nu=2.5)), ("rbf", lambda ls, b: RBF(ls, b))]:
    s2, ls, noise = 1.7, [0.3, 0.8, 1.9], 1e-3
    gp = GaussianProcessRegressor(ConstantKernel(s2, "fixed") * base(ls, "fixed"), alpha=noise, normalize_y=True, optimizer=None)
    gp.fit(X, y)
    mu, sd = gp.predict(Xt, return_std=True)
    fit = GaussianProcessRegressor(ConstantKernel(1.0, (0.05, 20)) * base([0.5] * 3, (0.01, 20)) + WhiteKernel(1e-3, (1e-6, 1)),
                                   alpha=0.0, normalize_y=True, n_restarts_optimizer=10, random_state=0)
    fit.fit(X, y)
    cases.append({
        "kernel": name, "signal_variance": s2, "length_scales": ls, "noise_variance": noise,
        "mean": mu.tolist(), "std": sd.tolist(), "log_marginal_likelihood": float(gp.log_marginal_likelihood_value_),
        "fitted_log_marginal_likelihood": float(fit.log_marginal_likelihood_value_), "fitted_kernel": str(fit.kernel_),
    })
out = {"sklearn": sklearn.__version__, "x": X.tolist(), "y": y.tolist(), "x_test": Xt.tolist(), "cases": cases}
with open("tests/MlipEngine.Tests/Golden/gp_sklearn/golden.json", "w") as f:
    json.dump(out, f, indent=1)
for c in cases: print(c["kernel"], c["log_marginal_likelihood"], c["fitted_log_marginal_likelihood"], c["fitted_kernel"])
