"""Exploratory factor analysis the way psych::fa(fm="minres") computes it, with the
varimax and oblimin rotations psych::schmid uses.

Written by hand because omega must give psych's numbers to 1e-3, Heywood cases included:
factor_analyzer (the one Python port) breaks with scikit-learn >= 1.8 and minimises a
different objective near the bounds. psych minimises the squared off-diagonal residuals
with R's L-BFGS-B but feeds it the gradient of the *unweighted least squares* criterion
(diagonal included). Where the solution is interior the two agree; where a uniqueness hits
its lower bound (a Heywood case) the optimiser stops where that gradient says, not at the
minimum of the residual. We reproduce psych's objective, gradient, start, bounds and
optimiser settings (parscale 0.01, factr 1e7, five corrections, 100 iterations), so
the fit ends where psych's does.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

_EPS = np.finfo(float).eps
PSI_LOWER = 0.005  # psych's lower bound on uniquenesses
PARSCALE = 0.01  # psych's optim(control = list(parscale = 0.01))


def smc(corr: np.ndarray) -> np.ndarray:
    """Squared multiple correlations, clipped to [0, 1] as psych::smc does."""
    out = 1 - 1 / np.diag(np.linalg.pinv(corr))
    return np.clip(out, 0.0, 1.0)


def _top_loadings(mat: np.ndarray, n_factors: int, floor: float | None) -> np.ndarray:
    vals, vecs = np.linalg.eigh(mat)
    vals, vecs = vals[::-1][:n_factors], vecs[:, ::-1][:, :n_factors]
    vals = np.where(vals < _EPS, 100 * _EPS, vals) if floor is None else np.maximum(vals, floor)
    return vecs * np.sqrt(vals)


def minres(corr: np.ndarray, n_factors: int) -> tuple[np.ndarray, np.ndarray]:
    """Unrotated minres loadings and the fitted uniquenesses (psych::fa's ``fit``).

    Returns loadings with each column's sum made positive (psych's sign convention).
    """
    k = corr.shape[0]
    s_smc = smc(corr)
    upper = max(float(s_smc.max()), 1.0)

    def objective(x: np.ndarray) -> float:
        # fit.residuals(fm = "minres"): lower-triangle squared residuals, eigenvalues of
        # the reduced matrix below machine epsilon replaced by 100 eps.
        red = corr.copy()
        red[np.diag_indices(k)] = 1 - x * PARSCALE
        lam = _top_loadings(red, n_factors, None)
        resid = (red - lam @ lam.T)[np.tril_indices(k, -1)]
        return float((resid**2).sum())

    def gradient(x: np.ndarray) -> np.ndarray:
        # FAgr.minres: the ULS gradient diag(LL' + Psi - S), scaled as optim does.
        psi = x * PARSCALE
        lam = _top_loadings(corr - np.diag(psi), n_factors, 0.0)
        return (np.einsum("ij,ij->i", lam, lam) + psi - np.diag(corr)) * PARSCALE

    start = (np.diag(corr) - s_smc) / PARSCALE
    res = optimize.minimize(
        objective, start, jac=gradient, method="L-BFGS-B",
        bounds=[(PSI_LOWER / PARSCALE, upper / PARSCALE)] * k,
        options={"maxcor": 5, "ftol": 1e7 * _EPS, "gtol": 0.0, "maxiter": 100},
    )  # fmt: skip
    psi = res.x * PARSCALE
    lam = _top_loadings(corr - np.diag(psi), n_factors, 0.0)  # FAout.wls
    sign = np.where(lam.sum(axis=0) < 0, -1.0, 1.0)
    return lam * sign, psi


def varimax(loadings: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Kaiser-normalised varimax exactly as R's stats::varimax (SVD iteration)."""
    p, m = loadings.shape
    if m < 2:
        return loadings
    sc = np.sqrt((loadings**2).sum(axis=1))
    x = loadings / sc[:, None]
    rot = np.eye(m)
    d = 0.0
    for _ in range(1000):
        z = x @ rot
        b = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, s, vt = np.linalg.svd(b)
        rot = u @ vt
        d_past, d = d, s.sum()
        if d < d_past * (1 + eps):
            break
    return (x @ rot) * sc[:, None]


def oblimin(loadings: np.ndarray, eps: float = 1e-5, max_iter: int = 1000):
    """Quartimin (oblimin, gamma 0) by gradient projection: GPArotation::GPFoblq with its
    defaults (identity start, no normalisation, eps 1e-5). Returns (pattern, Phi)."""
    m = loadings.shape[1]
    off = np.ones((m, m)) - np.eye(m)

    def crit(lam: np.ndarray) -> tuple[float, np.ndarray]:
        l2 = lam**2
        x = l2 @ off
        return float((l2 * x).sum() / 4), lam * x

    t = np.eye(m)
    lam = loadings.copy()
    f, gq = crit(lam)
    g = -(lam.T @ gq @ np.linalg.inv(t)).T
    step = 1.0
    for _ in range(max_iter + 1):
        gp = g - t @ np.diag((t * g).sum(axis=0))
        s = np.sqrt((gp**2).sum())
        if s < eps:
            break
        step *= 2
        for _ in range(11):
            x = t - step * gp
            t_new = x / np.sqrt((x**2).sum(axis=0))
            lam = loadings @ np.linalg.inv(t_new).T
            f_new, gq = crit(lam)
            if f - f_new > 0.5 * s**2 * step:
                break
            step /= 2
        t, f = t_new, f_new
        g = -(lam.T @ gq @ np.linalg.inv(t)).T
    return lam, t.T @ t


def fa_varimax(corr: np.ndarray, n_factors: int) -> np.ndarray:
    """psych::fa(r, nfactors, rotate = "varimax", fm = "minres") loadings: minres, varimax,
    columns reflected to positive sums and ordered by their sums of squares."""
    lam, _ = minres(corr, n_factors)
    lam = np.where(lam == 0, 1e-15, lam)
    lam = varimax(lam)
    lam = lam * np.where(lam.sum(axis=0) < 0, -1.0, 1.0)
    order = np.argsort(-(lam**2).sum(axis=0), kind="stable")
    return lam[:, order]
