"""Confirmatory factor analysis of ordered items by DWLS with lavaan's WLSMV test.

Hand-written because no Python package fits categorical CFA (semopy has no thresholds, no
robust weight matrix). It follows lavaan 0.6 (``ordered = TRUE, estimator = "WLSMV"``,
delta parameterisation) step by step, so that its figures can be checked against lavaan:

1. sample statistics per group: thresholds from the margins and two-step polychoric
   correlations (:mod:`analysis.ordinal`);
2. their asymptotic covariance Γ by Muthén (1984), as lavaan's ``muthen1984``: casewise
   scores of the univariate and bivariate likelihoods, sandwiched with the block
   triangular Jacobian of the two-step estimating equations;
3. DWLS estimates: minimise :math:`\\sum_g N_g (s_g - \\sigma_g)' W_g (s_g - \\sigma_g)`
   with :math:`W_g = diag(\\Gamma_g)^{-1}`;
4. the scaled-shifted statistic (Asparouhov & Muthén 2010) from
   :math:`U = V - V\\Delta(\\Delta'V\\Delta)^{-1}\\Delta'V` and :math:`U\\Gamma`, the same
   for the independence baseline, and CFI, TLI and RMSEA from the scaled statistics.

The model is written per group as matrices whose entries are fixed values or labelled
free parameters (one label in several places: an equality constraint), which is all that
the invariance levels of Wu & Estabrook (2016) need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats

from analysis.ordinal import _bivariate_density, bivariate_normal_cdf, pair_correlations


@dataclass
class OrdinalMoments:
    """One group's sample statistics: thresholds (item by item), polychorics, Γ."""

    thresholds: list[np.ndarray]
    corr: np.ndarray
    gamma: np.ndarray  # asymptotic covariance of sqrt(N) * (thresholds, vech_offdiag(corr))
    n: int

    @property
    def vector(self) -> np.ndarray:
        p = self.corr.shape[0]
        rows, cols = _pairs(p)
        return np.concatenate([*self.thresholds, self.corr[rows, cols]])


def _pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    """lavaan's order of correlations: column by column below the diagonal."""
    cols, rows = np.triu_indices(p, 1)
    return rows, cols


def _normal_cuts(tau: np.ndarray) -> np.ndarray:
    return np.concatenate([[-np.inf], tau, [np.inf]])


def ordinal_moments(
    codes: np.ndarray, n_categories: list[int], names: list[str] | None = None
) -> OrdinalMoments:
    """Thresholds, polychoric correlations and their asymptotic covariance (lavaan).

    ``codes``: (n, p) integers 0..K_i-1 without missing values.
    """
    n, p = codes.shape
    taus, sc_th = [], []
    for i in range(p):
        k = n_categories[i]
        counts = np.bincount(codes[:, i], minlength=k)
        if (counts == 0).any():
            raise ValueError(f"item {i}: an answer category is empty in this group")
        tau = stats.norm.ppf(np.cumsum(counts)[:-1] / n)
        taus.append(tau)
        cuts = _normal_cuts(tau)
        prob = np.diff(special.ndtr(cuts))
        dens = stats.norm.pdf(cuts)  # 0 at the infinite ends
        # d log P_c / d tau_t: +phi(tau_c)/P_c for t = c, -phi(tau_{c-1})/P_c for t = c-1
        score = np.zeros((k, k - 1))
        for c in range(k):
            if c < k - 1:
                score[c, c] = dens[c + 1] / prob[c]
            if c > 0:
                score[c, c - 1] = -dens[c] / prob[c]
        sc_th.append(score[codes[:, i]])
    rows, cols = _pairs(p)
    n_pairs = len(rows)
    tables = np.zeros((n_pairs, max(n_categories), max(n_categories)))
    for t, (i, j) in enumerate(zip(rows, cols, strict=True)):
        np.add.at(tables[t], (codes[:, i], codes[:, j]), 1.0)
    # Pairs differ in their numbers of categories: pad with empty bands (infinite cuts).
    kmax = max(n_categories)

    def padded(i: int) -> np.ndarray:
        cuts = _normal_cuts(taus[i])
        return np.concatenate([cuts, np.full(kmax + 1 - len(cuts), np.inf)])

    row_cuts = np.stack([padded(i) for i in rows])
    col_cuts = np.stack([padded(j) for j in cols])
    rho = pair_correlations(tables, row_cuts, col_cuts)
    if (np.abs(rho) > 1 - 1e-6).any():
        t = int(np.argmax(np.abs(rho)))
        name = names or [str(i) for i in range(p)]
        raise ValueError(
            f"items {name[rows[t]]} and {name[cols[t]]}: polychoric correlation at {rho[t]:+.0f} "
            "(their table has empty off-diagonal cells); the ordinal model is not identified"
        )
    corr = np.eye(p)
    corr[rows, cols] = corr[cols, rows] = rho

    th_start = np.concatenate([[0], np.cumsum([k - 1 for k in n_categories])])
    n_th = int(th_start[-1])
    sc_cor = np.zeros((n, n_pairs))
    a21 = np.zeros((n_pairs, n_th))
    for t, (i, j) in enumerate(zip(rows, cols, strict=True)):
        r = rho[t]
        s = np.sqrt(1 - r**2)
        hc, kc = _normal_cuts(taus[i]), _normal_cuts(taus[j])
        cdf = bivariate_normal_cdf(hc[:, None], kc[None, :], r)
        dens = _bivariate_density(hc[:, None], kc[None, :], np.full((1, 1), r))
        pi = cdf[1:, 1:] - cdf[:-1, 1:] - cdf[1:, :-1] + cdf[:-1, :-1]
        dpi = dens[1:, 1:] - dens[:-1, 1:] - dens[1:, :-1] + dens[:-1, :-1]
        cell_rho = dpi / pi
        # d pi_ab / d h (row cut) = phi(h) [Phi((k_b - r h)/s) - Phi((k_{b-1} - r h)/s)]
        with np.errstate(invalid="ignore"):
            cond_r = special.ndtr((kc[None, :] - r * hc[:, None]) / s)
            cond_c = special.ndtr((hc[:, None] - r * kc[None, :]) / s)
        cond_r = np.where(np.isfinite(hc)[:, None], cond_r, 0.0)
        cond_c = np.where(np.isfinite(kc)[None, :], cond_c, 0.0)
        d_row = stats.norm.pdf(hc)[:, None] * np.diff(cond_r, axis=1)  # (K_i+1, K_j)
        d_col = stats.norm.pdf(kc)[None, :] * np.diff(cond_c, axis=0)  # (K_i, K_j+1)
        ki, kj = n_categories[i], n_categories[j]
        counts = tables[t, :ki, :kj]
        sc_cor[:, t] = cell_rho[codes[:, i], codes[:, j]]
        for c in range(ki - 1):  # threshold c of item i is the upper cut of row c
            g = np.zeros((ki, kj))
            g[c] += d_row[c + 1]
            g[c + 1] -= d_row[c + 1]
            a21[t, th_start[i] + c] = (counts * cell_rho * g / pi).sum()
        for c in range(kj - 1):
            g = np.zeros((ki, kj))
            g[:, c] += d_col[:, c + 1]
            g[:, c + 1] -= d_col[:, c + 1]
            a21[t, th_start[j] + c] = (counts * cell_rho * g / pi).sum()
    sc = np.hstack([*sc_th, sc_cor])
    inner = sc.T @ sc
    a11_inv = np.zeros((n_th, n_th))
    for i in range(p):
        idx = slice(th_start[i], th_start[i + 1])
        a11_inv[idx, idx] = np.linalg.inv(inner[idx, idx])
    a22_inv = np.diag(1 / (sc_cor**2).sum(axis=0))
    b_inv = np.block([[a11_inv, np.zeros((n_th, n_pairs))], [-a22_inv @ a21 @ a11_inv, a22_inv]])
    # lavaan divides the casewise crossproducts by N - 1 where N would be the textbook
    # choice (checked on its NACOV); follow it so that the statistics agree.
    gamma = n * n / (n - 1) * (b_inv @ inner @ b_inv.T)
    if not np.isfinite(gamma).all():
        raise ValueError("the asymptotic covariance of the polychorics is not finite")
    return OrdinalMoments(taus, corr, gamma, n)


# --- the model ----------------------------------------------------------------------


@dataclass
class GroupSpec:
    """One group's parameter matrices: index into the free vector, or -1 and a value."""

    lam: np.ndarray  # (p, m) int
    lam_value: np.ndarray
    phi: np.ndarray  # (m, m) int, symmetric
    phi_value: np.ndarray
    alpha: np.ndarray  # (m,)
    alpha_value: np.ndarray
    nu: np.ndarray  # (p,)
    nu_value: np.ndarray
    delta: np.ndarray  # (p,)
    delta_value: np.ndarray
    tau: list[np.ndarray]  # per item
    tau_value: list[np.ndarray]


@dataclass
class ModelSpec:
    groups: list[GroupSpec]
    labels: list[tuple]
    start: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _take(index: np.ndarray, value: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.where(index >= 0, x[np.maximum(index, 0)], value)


def implied(spec: GroupSpec, x: np.ndarray) -> np.ndarray:
    """Implied (standardised thresholds, off-diagonal correlations) of one group."""
    lam = _take(spec.lam, spec.lam_value, x)
    phi = _take(spec.phi, spec.phi_value, x)
    alpha = _take(spec.alpha, spec.alpha_value, x)
    nu = _take(spec.nu, spec.nu_value, x)
    delta = _take(spec.delta, spec.delta_value, x)
    mean = nu + lam @ alpha
    th = [
        (_take(t, v, x) - mean[i]) * delta[i]
        for i, (t, v) in enumerate(zip(spec.tau, spec.tau_value, strict=True))
    ]
    common = lam @ phi @ lam.T
    rows, cols = _pairs(len(nu))
    return np.concatenate([*th, delta[rows] * delta[cols] * common[rows, cols]])


def _jacobian(spec: GroupSpec, x: np.ndarray) -> np.ndarray:
    """d implied / d x, analytic: thresholds (tau - nu - Lambda alpha) Delta and
    correlations Delta_i Delta_j (Lambda Phi Lambda')_ij."""
    lam = _take(spec.lam, spec.lam_value, x)
    phi = _take(spec.phi, spec.phi_value, x)
    alpha = _take(spec.alpha, spec.alpha_value, x)
    nu = _take(spec.nu, spec.nu_value, x)
    delta = _take(spec.delta, spec.delta_value, x)
    p, m = lam.shape
    mean = nu + lam @ alpha
    rows, cols = _pairs(p)
    n_th = sum(len(t) for t in spec.tau)
    jac = np.zeros((n_th + len(rows), len(x)))
    item_of = np.concatenate([np.full(len(t), i) for i, t in enumerate(spec.tau)])
    tau_idx = np.concatenate(spec.tau)
    tau_val = np.concatenate(
        [_take(t, v, x) for t, v in zip(spec.tau, spec.tau_value, strict=True)]
    )
    r_th = np.arange(n_th)

    def put(r: np.ndarray, idx: np.ndarray, val: np.ndarray) -> None:
        ok = idx >= 0
        np.add.at(jac, (r[ok], idx[ok]), val[ok])

    d_i = delta[item_of]
    put(r_th, tau_idx, d_i)
    put(r_th, spec.nu[item_of], -d_i)
    put(r_th, spec.delta[item_of], tau_val - mean[item_of])
    for k in range(m):
        put(r_th, spec.lam[item_of, k], -alpha[k] * d_i)
        put(r_th, np.full(n_th, spec.alpha[k]), -lam[item_of, k] * d_i)
    common = lam @ phi @ lam.T
    r_c = n_th + np.arange(len(rows))
    dd = delta[rows] * delta[cols]
    put(r_c, spec.delta[rows], delta[cols] * common[rows, cols])
    put(r_c, spec.delta[cols], delta[rows] * common[rows, cols])
    phil = phi @ lam.T  # (m, p)
    for k in range(m):
        put(r_c, spec.lam[rows, k], dd * phil[k, cols])
        put(r_c, spec.lam[cols, k], dd * phil[k, rows])
        for l_ in range(k + 1):
            val = lam[rows, k] * lam[cols, l_]
            if l_ != k:
                val = val + lam[rows, l_] * lam[cols, k]
            put(r_c, np.full(len(rows), spec.phi[k, l_]), dd * val)
    return jac


@dataclass
class WLSMVFit:
    x: np.ndarray
    chi2: float
    df: int
    chi2_scaled: float
    shift: float
    scaling: float
    chi2_baseline: float
    df_baseline: int
    chi2_baseline_scaled: float
    cfi: float
    tli: float
    rmsea: float
    cfi_scaled: float
    tli_scaled: float
    rmsea_scaled: float
    converged: bool
    se: np.ndarray


def _scaled_shifted(t: float, df: int, deltas, weights, gammas, fg):
    """lavaan's scaled-shifted statistic (``lav_test_satorra_bentler``, method original)."""
    v = np.zeros((sum(len(w) for w in weights),) * 2)
    gam = np.zeros_like(v)
    at = 0
    for w, g_, f in zip(weights, gammas, fg, strict=True):
        k = len(w)
        v[at : at + k, at : at + k] = np.diag(f * w)
        gam[at : at + k, at : at + k] = g_ / f
        at += k
    d = np.vstack(deltas)
    e_inv = np.linalg.pinv(d.T @ v @ d) if d.shape[1] else np.zeros((0, 0))
    u = v - v @ d @ e_inv @ d.T @ v
    if df <= 0:  # saturated: lavaan reports the unscaled statistic
        return t, 0.0, np.nan, d, v, e_inv
    ug = u @ gam
    tr1, tr2 = np.trace(ug), (ug * ug.T).sum()
    a = np.sqrt(df / tr2)
    shift = df - a * tr1
    return t * a + shift, shift, 1 / a, d, v, e_inv


def fit_wlsmv(spec: ModelSpec, moments: list[OrdinalMoments]) -> WLSMVFit:
    """DWLS estimates and lavaan's scaled-shifted fit statistics."""
    s = [m.vector for m in moments]
    w = [1 / np.diag(m.gamma) for m in moments]
    sizes = np.array([m.n for m in moments], dtype=float)
    n_total = sizes.sum()
    fg = sizes / n_total

    def residuals(x: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [
                np.sqrt(sizes[g] * w[g]) * (s[g] - implied(spec.groups[g], x))
                for g in range(len(moments))
            ]
        )

    def jac(x: np.ndarray) -> np.ndarray:
        return np.vstack(
            [
                -np.sqrt(sizes[g] * w[g])[:, None] * _jacobian(spec.groups[g], x)
                for g in range(len(moments))
            ]
        )

    res = optimize.least_squares(
        residuals, spec.start, jac=jac, method="lm", xtol=1e-12, ftol=1e-12, gtol=1e-12,
        max_nfev=2000,
    )  # fmt: skip
    x = res.x
    t = float((res.fun**2).sum())
    n_stats = sum(len(v) for v in s)
    df = n_stats - len(x)
    deltas = [_jacobian(spec.groups[g], x) for g in range(len(moments))]
    gammas = [m.gamma for m in moments]
    t_s, shift, scaling, d, v, e_inv = _scaled_shifted(t, df, deltas, w, gammas, fg)
    # Independence baseline: thresholds free per group, correlations zero.
    base_t, base_deltas, at = 0.0, [], 0
    n_th_all = sum(sum(len(th) for th in m.thresholds) for m in moments)
    for g, m in enumerate(moments):
        n_th = sum(len(th) for th in m.thresholds)
        r = s[g][n_th:]
        base_t += sizes[g] * float((w[g][n_th:] * r**2).sum())
        dg = np.zeros((len(s[g]), n_th_all))
        dg[:n_th, at : at + n_th] = np.eye(n_th)
        at += n_th
        base_deltas.append(dg)
    df_b = n_stats - n_th_all
    base_ts = _scaled_shifted(base_t, df_b, base_deltas, w, gammas, fg)[0]
    n_groups = len(moments)

    def cfi(x2, d_, x2b, db):
        t1, t2 = max(x2 - d_, 0), max(x2 - d_, x2b - db, 0)
        return 1.0 if np.isclose(t1, 0) and np.isclose(t2, 0) else 1 - t1 / t2

    def tli(x2, d_, x2b, db):
        return 1 - ((x2 - d_) * db) / ((x2b - db) * d_) if df > 0 else np.nan

    def rmsea(x2, d_):
        # lavaan counts N - G observations here for categorical data (as for its
        # unbiased sample statistics).
        n_r = n_total - n_groups
        return np.sqrt(max(x2 / n_r / d_ - 1 / n_r, 0)) * np.sqrt(n_groups) if d_ else 0.0

    # Robust standard errors (lavaan's "robust.sem"): E^-1 D'V Gamma V D E^-1 / N.
    gam = np.zeros_like(v)
    at = 0
    for g_, f in zip(gammas, fg, strict=True):
        k = len(g_)
        gam[at : at + k, at : at + k] = g_ / f
        at += k
    cov = e_inv @ d.T @ v @ gam @ v @ d @ e_inv / n_total
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    return WLSMVFit(
        x=x, chi2=t, df=df, chi2_scaled=t_s, shift=shift, scaling=scaling,
        chi2_baseline=base_t, df_baseline=df_b, chi2_baseline_scaled=base_ts,
        cfi=cfi(t, df, base_t, df_b), tli=tli(t, df, base_t, df_b), rmsea=rmsea(t, df),
        cfi_scaled=cfi(t_s, df, base_ts, df_b), tli_scaled=tli(t_s, df, base_ts, df_b),
        rmsea_scaled=rmsea(t_s, df), converged=bool(res.success), se=se,
    )  # fmt: skip


class _Labels:
    def __init__(self) -> None:
        self.keys: dict[tuple, int] = {}
        self.start: list[float] = []

    def __call__(self, key: tuple, start: float) -> int:
        if key not in self.keys:
            self.keys[key] = len(self.keys)
            self.start.append(start)
        return self.keys[key]


def build_spec(
    factors: dict[str, list[str]],
    n_categories: list[int],
    moments: list[OrdinalMoments],
    *,
    level: str = "lavaan",
) -> ModelSpec:
    """Parameter matrices of every group.

    ``level``: ``"lavaan"`` (lavaan's defaults for ordered items, delta parameterisation:
    first loading 1, factor (co)variances and thresholds free per group, intercepts 0,
    scales 1, factor means 0), or a Wu & Estabrook (2016) level as
    ``semTools::measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016")`` builds it:
    ``"configural"``, ``"thresholds"``, ``"loadings"`` (thresholds and loadings) or
    ``"intercepts"`` (thresholds, loadings and intercepts).
    """
    fnames = list(factors)
    items = [x for f in fnames for x in factors[f]]
    p, m = len(items), len(fnames)
    label = _Labels()
    # Starting loadings: a one-factor principal axis of each factor's polychorics in the
    # first group (signs right even when the marker is reverse-keyed).
    first = np.zeros(p)
    for f in fnames:
        idx = [items.index(x) for x in factors[f]]
        vals, vecs = np.linalg.eigh(moments[0].corr[np.ix_(idx, idx)])
        vec = vecs[:, -1] * np.sqrt(max(vals[-1], 1e-3)) * 0.9
        first[idx] = vec * (np.sign(vec[0]) or 1.0)
    groups = []
    eq_th = level in ("thresholds", "loadings", "intercepts")
    eq_load = level in ("loadings", "intercepts")
    eq_int = level == "intercepts"
    for g, mom in enumerate(moments):
        lam = -np.ones((p, m), dtype=int)
        lam_v = np.zeros((p, m))
        phi = -np.ones((m, m), dtype=int)
        phi_v = np.eye(m)
        alpha = -np.ones(m, dtype=int)
        nu = -np.ones(p, dtype=int)
        nu_v = np.zeros(p)
        delta = -np.ones(p, dtype=int)
        delta_v = np.ones(p)
        tau, tau_v = [], []
        for k, f in enumerate(fnames):
            for x in factors[f]:
                j = items.index(x)
                marker = first[items.index(factors[f][0])]
                if level == "lavaan" and x == factors[f][0]:
                    lam_v[j, k] = 1.0
                    continue
                key = ("load", f, x) if eq_load else ("load", f, x, g)
                lam[j, k] = label(key, first[j] / marker if level == "lavaan" else first[j])
        for a in range(m):
            for b in range(a + 1):
                free_var = level == "lavaan" or (eq_load and g > 0)
                if a == b and not free_var:
                    continue  # std.lv: variance 1 (reference group, or not yet identified)
                marker = first[items.index(factors[fnames[a]][0])]
                start = (marker**2 if level == "lavaan" else 1.0) if a == b else 0.0
                phi[a, b] = phi[b, a] = label(("phi", a, b, g), start)
        if eq_int and g > 0:
            alpha = np.array([label(("mean", a, g), 0.0) for a in range(m)])
        for j in range(p):
            t0 = mom.thresholds[j]
            if eq_th:
                keys = [("tau", j, c) for c in range(n_categories[j] - 1)]
            else:
                keys = [("tau", j, c, g) for c in range(n_categories[j] - 1)]
            tau.append(np.array([label(key, v) for key, v in zip(keys, t0, strict=True)]))
            tau_v.append(np.zeros(n_categories[j] - 1))
            if g > 0 and eq_th:
                # Wu & Estabrook: with thresholds equal, scales and (for items with three
                # or more categories) intercepts are free in the other groups, until the
                # loadings (scales stay free) and intercepts (fixed again) are equated.
                delta[j] = label(("delta", j, g), 1.0)
                if not eq_int and n_categories[j] > 2:
                    nu[j] = label(("nu", j, g), 0.0)
        groups.append(
            GroupSpec(
                lam, lam_v, phi, phi_v, alpha, np.zeros(m), nu, nu_v, delta, delta_v, tau, tau_v
            )
        )
    return ModelSpec(groups, list(label.keys), np.array(label.start))


def group_moments(data, items: list[str], group: str | None, min_n: int):
    """Codes per item (levels over all groups, as lavaan's ordered factors) and each
    group's ordinal moments; groups in order of first appearance."""
    frame = data[[*items, *([group] if group else [])]].dropna()
    values = frame[items].to_numpy(float)
    if not np.allclose(values, np.round(values)):
        raise ValueError("ordered items need integer answer codes")
    levels = [np.unique(values[:, j]) for j in range(len(items))]
    too_many = [x for x, lv in zip(items, levels, strict=True) if len(lv) > 10]
    if too_many:
        raise ValueError(f"items {too_many} have more than 10 categories; not ordinal")
    n_categories = [len(lv) for lv in levels]
    if min(n_categories) < 2:
        const = [x for x, k in zip(items, n_categories, strict=True) if k < 2]
        raise ValueError(f"items {const} are constant")
    labels = ["all"] if group is None else list(dict.fromkeys(frame[group].astype(str)))
    keys = None if group is None else frame[group].astype(str).to_numpy()
    moments = []
    for label in labels:
        part = values if keys is None else values[keys == label]
        if len(part) < max(min_n, len(items) + 1):
            raise ValueError(
                f"group {label!r} has {len(part)} complete rows; a CFA of {len(items)} "
                f"indicators needs at least {max(min_n, len(items) + 1)}"
            )
        codes = np.column_stack([np.searchsorted(levels[j], part[:, j]) for j in range(len(items))])
        for j, x in enumerate(items):
            if len(np.unique(codes[:, j])) < n_categories[j]:
                raise ValueError(
                    f"group {label!r}: item {x!r} has an answer category nobody chose there; "
                    "ordered models need every category in every group"
                )
        try:
            moments.append(ordinal_moments(codes, n_categories, items))
        except ValueError as exc:
            raise ValueError(f"group {label!r}: {exc}") from None
    return moments, labels, n_categories, levels


def estimates_table(spec: ModelSpec, fit: WLSMVFit, factors, labels) -> list[tuple]:
    """Rows (group, lhs, op, rhs, estimate, free, se) in lavaan's notation: ``=~``
    loadings, ``~~`` factor (co)variances, ``|`` thresholds (rhs ``t1``...), ``~1``
    intercepts and factor means, ``~*~`` scales."""
    fnames = list(factors)
    items = [x for f in fnames for x in factors[f]]
    x, se = fit.x, fit.se
    rows = []

    def add(g, lhs, op, rhs, idx, value):
        free = idx >= 0
        rows.append((labels[g], lhs, op, rhs, x[idx] if free else value, free,
                     se[idx] if free else np.nan))  # fmt: skip

    for g, gs in enumerate(spec.groups):
        for k, f in enumerate(fnames):
            for i in factors[f]:
                j = items.index(i)
                add(g, f, "=~", i, gs.lam[j, k], gs.lam_value[j, k])
        for j, i in enumerate(items):
            for c, (idx, val) in enumerate(zip(gs.tau[j], gs.tau_value[j], strict=True)):
                add(g, i, "|", f"t{c + 1}", idx, val)
        for a in range(len(fnames)):
            for b in range(a, len(fnames)):
                add(g, fnames[a], "~~", fnames[b], gs.phi[a, b], gs.phi_value[a, b])
        for j, i in enumerate(items):
            add(g, i, "~1", "", gs.nu[j], gs.nu_value[j])
        for k, f in enumerate(fnames):
            add(g, f, "~1", "", gs.alpha[k], gs.alpha_value[k])
        for j, i in enumerate(items):
            add(g, i, "~*~", i, gs.delta[j], gs.delta_value[j])
    return rows


def scaled_difference(
    spec1: ModelSpec, fit1: WLSMVFit, spec0: ModelSpec, fit0: WLSMVFit, moments
) -> tuple[float, int, float]:
    """Scaled-shifted difference test of nested WLSMV models (m0 within m1), as lavaan's
    ``lavTestLRT`` computes it for WLSMV (``lav_test_diff_Satorra2000``, A by the delta
    method). Returns (statistic, df, p)."""
    m = fit0.df - fit1.df
    if m <= 0:
        return np.nan, m, np.nan
    sizes = np.array([mo.n for mo in moments], dtype=float)
    fg = sizes / sizes.sum()
    d1 = [_jacobian(g, fit1.x) for g in spec1.groups]
    d0 = np.vstack([_jacobian(g, fit0.x) for g in spec0.groups])
    pi = np.vstack(d1)
    h = np.linalg.pinv(pi) @ d0
    # rows of A span the orthogonal complement of H's columns: the restrictions
    u_, s_, _ = np.linalg.svd(h, full_matrices=True)
    rank = int((s_ > s_.max() * 1e-10).sum())
    a_mat = u_[:, rank:].T
    weights = [1 / np.diag(mo.gamma) for mo in moments]
    p_info = sum(f * dg.T @ (w[:, None] * dg) for f, dg, w in zip(fg, d1, weights, strict=True))
    p_inv = np.linalg.pinv(p_info)
    apa = a_mat @ p_inv @ a_mat.T
    middle = p_inv @ a_mat.T @ np.linalg.pinv(apa) @ a_mat @ p_inv
    v_all = np.diag(np.concatenate(weights))
    k = [len(w) for w in weights]
    gam = np.zeros_like(v_all)
    at = 0
    for mo, f, kk in zip(moments, fg, k, strict=True):
        gam[at : at + kk, at : at + kk] = f * mo.gamma
        at += kk
    u = v_all @ pi @ middle @ pi.T @ v_all
    ug = u @ gam
    tr1, tr2 = np.trace(ug), np.trace(ug @ ug)
    a = np.sqrt(m / tr2)
    stat = (fit0.chi2 - fit1.chi2) * a + (m - a * tr1)
    return float(stat), int(m), float(stats.chi2.sf(stat, m))
