"""Measurement invariance across groups (departments) by multi-group CFA.

Mean scores of marketing and sales may only be compared when both departments read the
items alike: equal loadings (metric) and equal intercepts (scalar invariance).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from analysis import wlsmv
from analysis.anonymity import DEFAULT_THRESHOLD
from analysis.cfa import cfa, ordered_fit_table
from analysis.model_syntax import parse_model

DONT_KNOW = -9
# The fits multiply matrices of a dozen rows: one BLAS thread. More threads only spin-wait;
# on a busy machine that made the invariance table ten times slower.
ONE_BLAS_THREAD = {"limits": 1, "user_api": "blas"}
MIN_FIT_N = 30  # complete answers per group before a scale's invariance is tested
LEVELS = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts")}
# Ordered items (Wu & Estabrook 2016, as semTools::measEq.syntax): thresholds first.
ORDERED_LEVELS = {
    "configural": "configural",
    "thresholds": "thresholds",
    "metric": "loadings",
    "scalar": "intercepts",
}
MIN_ORDINAL_N = 100  # complete answers per group before the ordinal model is used
ORDINAL_OPTIONS = (5, 7)  # answer scales treated as ordinal by invariance_by_scale


def model_from_scales(instrument, scales: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Build a measurement model with one factor per instrument scale.

    Parameters
    ----------
    instrument : survey.instrument.Instrument
        The instrument; items come from ``Instrument.scale_columns``.
    scales : sequence of str, optional
        Scale codes to include (default: all scales).

    Returns
    -------
    dict
        ``{scale_code: [item columns]}``, usable as ``model`` in :func:`measurement_invariance`.

    Examples
    --------
    >>> from survey.instrument import load_instrument
    >>> ins = load_instrument()
    >>> model = model_from_scales(ins, [ins.scales[0].code])
    >>> len(next(iter(model.values()))) >= 3
    True
    """
    chosen = list(scales) if scales is not None else [s.code for s in instrument.scales]
    known = {s.code for s in instrument.scales}
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise KeyError(f"unknown scale(s) {unknown}; the instrument has {sorted(known)}")
    return {code: instrument.scale_columns(code) for code in chosen}


def _prepare(data: pd.DataFrame, factors, group: str, min_group_size: int):
    """Refuse don't-know codes; drop groups below the anonymity threshold."""
    if group not in data.columns:
        raise KeyError(f"group column {group!r} not in data")
    items = [x for f in factors for x in factors[f]]
    missing = [c for c in items if c not in data.columns]
    if missing:
        raise KeyError(f"columns not in data: {missing}")
    coded = [c for c in items if (data[c] == DONT_KNOW).any()]
    if coded:
        raise ValueError(
            f"columns {coded} hold the don't-know code {DONT_KNOW}; "
            "pass responses through survey.responses.answers() first"
        )
    complete = data.dropna(subset=[*items, group])
    sizes = complete[group].value_counts()
    kept = sizes[sizes >= min_group_size].index
    if len(kept) < 2:
        # Sizes below the threshold are not shown: the message may be read by anyone.
        shown = sizes[sizes >= min_group_size].to_dict()
        raise ValueError(
            f"column {group!r} has {len(kept)} group(s) with at least {min_group_size} "
            f"complete rows ({shown}; {len(sizes) - len(kept)} smaller group(s)); "
            "invariance needs two or more"
        )
    return complete[complete[group].isin(kept)], [g for g in sizes.index if g not in kept]


def _split_partial(partial: Sequence[str]) -> tuple[list[str], list[str]]:
    loads = [s for s in partial if "=~" in s]
    ints = [s for s in partial if "=~" not in s]
    return loads, ints


def measurement_invariance(
    data: pd.DataFrame,
    model: str | dict[str, list[str]],
    *,
    group: str,
    partial: Sequence[str] = (),
    min_group_size: int = DEFAULT_THRESHOLD,
    delta_cfi: float = -0.01,
    delta_rmsea: float = 0.015,
    rmsea_min_df: int = 10,
    ordered: bool | Sequence[str] = False,
) -> pd.DataFrame:
    """Fit configural, metric and scalar models and compare them step by step (ML), or
    for ordered items configural, thresholds, metric and scalar models (WLSMV).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent with the indicator columns and the ``group`` column.
    model : str or dict
        lavaan-like syntax or ``{factor: [items]}`` (see :func:`model_from_scales`).
    group : str
        Grouping column, e.g. ``"department"``.
    partial : sequence of str
        Parameters freed for partial invariance: ``"f =~ x"`` (loading, freed at the
        metric and scalar levels) or ``"x ~ 1"`` (intercept, freed at the scalar level).
    min_group_size : int
        Groups with fewer complete rows are left out (anonymity threshold, default 5);
        their number is reported in ``suppressed_groups``, never their labels.
    delta_cfi, delta_rmsea : float
        Cut-offs for a level to hold: change in CFI at least ``delta_cfi`` (Cheung &
        Rensvold 2002) and change in RMSEA at most ``delta_rmsea`` (Chen 2007).
    rmsea_min_df : int
        The RMSEA criterion applies only when the less constrained model has at least this
        many degrees of freedom; below it ΔCFI alone decides. RMSEA is unreliable in models
        with few df (Kenny, Kaniskan & McCoach 2015): a three- or four-item scale's
        configural model has 0 or 4 df, where RMSEA jumps from 0 to 0.03 on noise.
    ordered : bool or sequence of str
        True (or a list of every indicator): ordinal items. The levels are then those of
        Wu & Estabrook (2016) as ``semTools::measEq.syntax(ID.fac = "std.lv",
        ID.cat = "Wu.Estabrook.2016", parameterization = "delta")`` builds them, fitted
        by DWLS with lavaan's WLSMV statistics: ``configural``; ``thresholds`` (equal
        thresholds; scales and intercepts free in the other groups); ``metric``
        (thresholds and loadings equal; factor variances free there); ``scalar`` (also
        intercepts equal; factor means free there). ``chi2``, ``cfi``, ``tli``,
        ``rmsea`` are lavaan's scaled statistics; ``chi2_diff``, ``df_diff``, ``p_diff``
        the scaled-shifted difference test lavaan's ``lavTestLRT`` computes for WLSMV
        (Satorra 2000; Asparouhov & Muthén 2006); ``holds`` uses the ΔCFI/ΔRMSEA
        cut-offs as for ML.

    Returns
    -------
    pandas.DataFrame
        One row per level: ``level``, ``freed`` (comma-separated parameters freed at that
        level), ``groups`` (the groups analysed), ``suppressed_groups``, ``chi2``, ``df``,
        ``p_val``, ``cfi``, ``tli``, ``rmsea``, ``rmsea_ci_low``, ``rmsea_ci_high``,
        ``srmr``, ``n``, ``n_groups``, ``chi2_diff``, ``df_diff``,
        ``p_diff`` (likelihood-ratio test against the previous level), ``delta_cfi``,
        ``delta_rmsea``, ``holds`` (the changes in CFI and RMSEA are within the cut-offs;
        True for the configural level), ``converged`` (the optimiser reported success),
        ``estimator`` (``"ML"`` or ``"WLSMV"``).

    Notes
    -----
    The chi-square difference test is the plain LR test of nested ML models (lavaan's
    ``lavTestLRT`` for ``estimator = "ML"``). Checked against lavaan 0.6 on Holzinger &
    Swineford (1939) by school: configural 115.851 (48 df), metric 124.044 (54 df),
    scalar 164.103 (60 df); lavaan tutorial "Multiple groups", lavaan.ugent.be, and
    ``tests/reference/invariance_ml.R`` (R lavaan 0.6.14, also two synthetic scales by
    department, 1e-4). Ordered: ``tests/reference/invariance_ordinal.R`` (semTools 0.5.6
    measEq.syntax, lavaan WLSMV; four models, every level, df exact, scaled chi-square to
    1e-5 relative, CFI, TLI, RMSEA to 1e-5), e.g. the synthetic diagnostic's
    relationship-stage scale by department: configural 610.736 (40 df), thresholds
    607.694 (56), metric 570.345 (63), scalar 550.445 (70).

    References
    ----------
    Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
    measurement invariance. Structural Equation Modeling, 9(2), 233-255.
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. Structural Equation Modeling, 14(3), 464-504.
    Kenny, D. A., Kaniskan, B., & McCoach, D. B. (2015). The performance of RMSEA in models
    with small degrees of freedom. Sociological Methods & Research, 44(3), 486-507.

    Examples
    --------
    >>> import pandas as pd
    >>> from pathlib import Path
    >>> import analysis
    >>> root = Path(analysis.__file__).resolve().parents[1]
    >>> hs = pd.read_csv(root / "tests/fixtures/research/holzinger_swineford_1939.csv")
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> mi = measurement_invariance(hs, model, group="school")
    >>> mi[["level", "chi2", "df"]].round(3)
            level     chi2  df
    0  configural  115.851  48
    1      metric  124.044  54
    2      scalar  164.103  60
    """
    factors = parse_model(model) if isinstance(model, str) else dict(model)
    data, dropped = _prepare(data, factors, group, min_group_size)
    if ordered is not False:
        return _ordered_sequence(
            data, factors, group, ordered, partial, dropped, min_group_size,
            delta_cfi, delta_rmsea, rmsea_min_df,
        )  # fmt: skip
    loads, ints = _split_partial(partial)
    fit_only = {"min_group_size": min_group_size, "standard_errors": False}
    rows = []
    for level, equal in LEVELS.items():
        freed = (loads if "loadings" in equal else []) + (ints if "intercepts" in equal else [])
        with threadpool_limits(**ONE_BLAS_THREAD):
            res = cfa(data, factors, group=group, equal=equal, free=freed, **fit_only)
        row = res.fit.iloc[0].to_dict()
        row.update(level=level, freed=", ".join(freed), groups=", ".join(res.groups))
        row.update(suppressed_groups=len(dropped))
        rows.append(row)
    return _compare_levels(pd.DataFrame(rows), delta_cfi, delta_rmsea, rmsea_min_df)


def _ordered_sequence(
    data, factors, group, ordered, partial, dropped, min_group_size,
    delta_cfi, delta_rmsea, rmsea_min_df,
) -> pd.DataFrame:  # fmt: skip
    items = [x for f in factors for x in factors[f]]
    if ordered is not True and set(ordered) != set(items):
        raise ValueError("ordered must be True or name every indicator of the model")
    if partial:
        raise ValueError("partial invariance is not supported for ordered items")
    with threadpool_limits(**ONE_BLAS_THREAD):
        moments, labels, n_categories, _ = wlsmv.group_moments(data, items, group, min_group_size)
        fits = []
        for spec_level in ORDERED_LEVELS.values():
            spec = wlsmv.build_spec(factors, n_categories, moments, level=spec_level)
            fits.append((spec, wlsmv.fit_wlsmv(spec, moments)))
        tests = [(np.nan, np.nan, np.nan)] + [
            wlsmv.scaled_difference(*fits[i - 1], *fits[i], moments) for i in range(1, len(fits))
        ]
    rows = []
    for level, (_, res) in zip(ORDERED_LEVELS, fits, strict=True):
        row = ordered_fit_table(res, moments).iloc[0].to_dict()
        row.update(level=level, freed="", groups=", ".join(labels))
        row.update(suppressed_groups=len(dropped))
        rows.append(row)
    out = _compare_levels(pd.DataFrame(rows), delta_cfi, delta_rmsea, rmsea_min_df)
    # lavaan's scaled-shifted difference test (lavTestLRT for WLSMV), not the difference
    # of the scaled statistics
    out["chi2_diff"] = [t[0] for t in tests]
    out["df_diff"] = [t[1] for t in tests]
    out["p_diff"] = [t[2] for t in tests]
    return out


def _compare_levels(out, delta_cfi, delta_rmsea, rmsea_min_df) -> pd.DataFrame:
    out["chi2_diff"] = out["chi2"].diff()
    out["df_diff"] = out["df"].diff()
    out["p_diff"] = [
        stats.chi2.sf(c, d) if d > 0 else np.nan
        for c, d in zip(out["chi2_diff"], out["df_diff"], strict=True)
    ]
    out["delta_cfi"] = out["cfi"].diff()
    out["delta_rmsea"] = out["rmsea"].diff()
    rmsea_counts = out["df"].shift() >= rmsea_min_df  # df of the less constrained model
    rmsea_ok = ~rmsea_counts | (out["delta_rmsea"].fillna(0) <= delta_rmsea)
    out["holds"] = (out["delta_cfi"].fillna(0) >= delta_cfi) & rmsea_ok
    out["holds"] = out["holds"] | (out["level"] == "configural")
    cols = [
        "level",
        "freed",
        "groups",
        "suppressed_groups",
        "chi2",
        "df",
        "p_val",
        "cfi",
        "tli",
        "rmsea",
        "rmsea_ci_low",
    ]
    cols += ["rmsea_ci_high", "srmr", "n", "n_groups", "chi2_diff", "df_diff", "p_diff"]
    cols += ["delta_cfi", "delta_rmsea", "holds", "converged", "estimator"]
    return out[cols]


def locate_noninvariance(
    data: pd.DataFrame,
    model: str | dict[str, list[str]],
    *,
    group: str,
    level: str = "scalar",
    partial: Sequence[str] = (),
    min_group_size: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Find which constrained parameters differ between groups.

    Each equality-constrained parameter of ``level`` (intercepts for scalar, loadings for
    metric) is freed in turn and the improvement in chi-square tested with 1 df, a
    likelihood-ratio counterpart of lavaan's ``lavTestScore`` univariate tests.

    Parameters
    ----------
    data, model, group, min_group_size
        As in :func:`measurement_invariance`.
    level : {"metric", "scalar"}
        Which constraints to examine.
    partial : sequence of str
        Parameters already freed (kept free throughout).

    Returns
    -------
    pandas.DataFrame
        ``parameter`` (``"f =~ x"`` or ``"x ~ 1"``), ``chi2_diff``, ``df_diff``, ``p_val``,
        ``p_holm`` (Holm-adjusted), sorted by ``chi2_diff`` descending.

    Examples
    --------
    >>> import pandas as pd
    >>> from pathlib import Path
    >>> import analysis
    >>> root = Path(analysis.__file__).resolve().parents[1]
    >>> hs = pd.read_csv(root / "tests/fixtures/research/holzinger_swineford_1939.csv")
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> locate_noninvariance(hs, model, group="school")["parameter"].iloc[0]
    'x3 ~ 1'
    """
    if level not in ("metric", "scalar"):
        raise ValueError(f"level must be 'metric' or 'scalar', got {level!r}")
    factors = parse_model(model) if isinstance(model, str) else dict(model)
    data, _ = _prepare(data, factors, group, min_group_size)
    equal = LEVELS[level]
    fit_only = {"min_group_size": min_group_size, "standard_errors": False}
    with threadpool_limits(**ONE_BLAS_THREAD):
        base = cfa(data, factors, group=group, equal=equal, free=partial, **fit_only)
    if level == "scalar":
        candidates = [f"{x} ~ 1" for f in factors for x in factors[f]]
    else:
        candidates = [f"{f} =~ {x}" for f in factors for x in factors[f][1:]]
    candidates = [
        c for c in candidates if c.replace(" ", "") not in {s.replace(" ", "") for s in partial}
    ]
    rows = []
    for cand in candidates:
        with threadpool_limits(**ONE_BLAS_THREAD):
            res = cfa(data, factors, group=group, equal=equal, free=[*partial, cand], **fit_only)
        diff = base.fit["chi2"].iloc[0] - res.fit["chi2"].iloc[0]
        ddf = int(base.fit["df"].iloc[0] - res.fit["df"].iloc[0])
        rows.append((cand, diff, ddf, stats.chi2.sf(max(diff, 0.0), ddf)))
    out = pd.DataFrame(rows, columns=["parameter", "chi2_diff", "df_diff", "p_val"])
    order = np.argsort(out["p_val"].to_numpy())
    m = len(out)
    holm = np.maximum.accumulate(
        [(m - i) * p for i, p in enumerate(out["p_val"].to_numpy()[order])]
    )
    out.loc[out.index[order], "p_holm"] = np.minimum(holm, 1.0)
    return out.sort_values("chi2_diff", ascending=False, ignore_index=True)


def invariance_by_scale(
    data: pd.DataFrame,
    instrument,
    *,
    group: str = "department",
    scales: Sequence[str] | None = None,
    min_group_size: int = DEFAULT_THRESHOLD,
    min_fit_n: int = MIN_FIT_N,
    min_ordinal_n: int = MIN_ORDINAL_N,
    ordinal: bool = True,
) -> pd.DataFrame:
    """Which scales' mean comparisons between groups are backed by scalar invariance.

    Fits a one-factor model per scale (:func:`model_from_scales`) at each level. Scales
    of 5- or 7-point items get the ordinal model (WLSMV, Wu & Estabrook levels:
    thresholds before loadings and intercepts) when every group has at least
    ``min_ordinal_n`` complete answers and has used every answer category; otherwise
    the continuous model (ML). This is the table the brief and the gap notebook read.

    Parameters
    ----------
    data : pandas.DataFrame
        Item answers with don't-know set to NaN (``survey.responses.answers``) and the
        ``group`` column.
    instrument : survey.instrument.Instrument
        Supplies the scales and their item columns.
    group : str
        Grouping column (default ``"department"``).
    scales : sequence of str, optional
        Scale codes (default all).
    min_group_size : int
        Anonymity threshold passed to :func:`measurement_invariance`.
    min_fit_n : int
        Complete answers each group needs before a scale is tested (default 30, a
        pragmatic floor: below it the fit indices are mostly noise). Fewer: ``status``
        ``"too_few"``.
    min_ordinal_n : int
        Complete answers each group needs for the ordinal model (default 100: DWLS
        with thresholds per group is unstable in smaller samples; Flora & Curran 2004).
    ordinal : bool
        Use the ordinal model where it applies (default); False: ML for every scale.

    Returns
    -------
    pandas.DataFrame
        One row per scale: ``scale``, ``status`` (``"tested"``; ``"too_few"``: fewer than
        two groups with ``min_fit_n`` complete answers; ``"no_fit"``: singular covariances
        or the optimiser did not converge), ``n``, ``supported_level`` (``"scalar"``,
        ``"metric"``, ``"configural"``, or None unless tested), ``means_comparable``
        (scalar invariance holds), ``p_metric``, ``delta_cfi_metric``,
        ``delta_rmsea_metric``, ``p_scalar``, ``delta_cfi_scalar``, ``delta_rmsea_scalar``,
        ``p_thresholds``, ``delta_cfi_thresholds``, ``delta_rmsea_thresholds`` (ordinal
        model only; NaN otherwise), ``model`` (``"ordinal"`` or ``"continuous"``),
        ``estimator`` (``"WLSMV"`` or ``"ML"``), ``note`` (why a scale was not tested, or
        why the continuous model was used for ordinal items; never the size of a group
        below the anonymity threshold).

    Examples
    --------
    >>> from survey.instrument import load_instrument
    >>> from survey.responses import answers
    >>> from survey.synthetic import generate
    >>> ins = load_instrument()
    >>> raw = generate(units=12, per_department=20, seed=3, scenario="clean").responses
    >>> data = answers(raw, ins).assign(department=raw["department"].to_numpy())
    >>> invariance_by_scale(data, ins, scales=["shared_goals"])[["scale", "supported_level"]]
              scale supported_level
    0  shared_goals          scalar
    >>> invariance_by_scale(data.head(40), ins, scales=["shared_goals"])["status"].iloc[0]
    'too_few'
    """
    model = model_from_scales(instrument, scales)
    if group not in data.columns:
        raise KeyError(f"group column {group!r} not in data")
    items = [x for cols in model.values() for x in cols]
    coded = [c for c in items if c in data.columns and (data[c] == DONT_KNOW).any()]
    if coded:
        raise ValueError(
            f"columns {coded} hold the don't-know code {DONT_KNOW}; "
            "pass responses through survey.responses.answers() first"
        )
    rows = []
    for code, cols in model.items():
        row = {"scale": code, "status": "tested", "supported_level": None}
        row["means_comparable"] = False
        sizes = data.dropna(subset=[*cols, group])[group].value_counts()
        shown = sizes[sizes >= min_group_size]
        if len(shown) < 2 or shown.min() < min_fit_n:
            note = f"fewer than two groups with {min_fit_n} complete answers"
            rows.append({**row, "status": "too_few", "note": note})
            continue
        ordinal_, why = _ordinal_choice(instrument, cols, data, group, shown, min_ordinal_n)
        ordinal_ = ordinal_ and ordinal
        why = why if ordinal else ""
        row.update(model="ordinal" if ordinal_ else "continuous")
        row.update(estimator="WLSMV" if ordinal_ else "ML")
        mi = None
        if ordinal_:
            try:
                mi = measurement_invariance(
                    data, {code: cols}, group=group, min_group_size=min_group_size,
                    ordered=True,
                ).set_index("level")  # fmt: skip
                if not mi["converged"].all():
                    raise ValueError("the optimiser did not converge")
            except (ValueError, np.linalg.LinAlgError) as exc:
                # e.g. a polychoric correlation at 1: the continuous model still fits
                why = f"ordinal items; continuous model: the ordinal model failed ({exc})"
                row.update(model="continuous", estimator="ML")
                ordinal_, mi = False, None
        if mi is None:
            try:
                mi = measurement_invariance(
                    data, {code: cols}, group=group, min_group_size=min_group_size
                ).set_index("level")
            except (ValueError, np.linalg.LinAlgError) as exc:
                rows.append({**row, "status": "no_fit", "note": str(exc)})
                continue
        if not mi["converged"].all():
            rows.append({**row, "status": "no_fit", "note": "the optimiser did not converge"})
            continue
        metric, scalar = mi.loc["metric"], mi.loc["scalar"]
        level = "configural"
        thresholds_hold = bool(mi.loc["thresholds", "holds"]) if ordinal_ else True
        if metric["holds"] and thresholds_hold:
            level = "scalar" if scalar["holds"] else "metric"
        if ordinal_:
            th = mi.loc["thresholds"]
            row.update(
                p_thresholds=th["p_diff"], delta_cfi_thresholds=th["delta_cfi"],
                delta_rmsea_thresholds=th["delta_rmsea"],
            )  # fmt: skip
        row.update(
            n=int(metric["n"]), supported_level=level, means_comparable=level == "scalar",
            p_metric=metric["p_diff"], delta_cfi_metric=metric["delta_cfi"],
            delta_rmsea_metric=metric["delta_rmsea"], p_scalar=scalar["p_diff"],
            delta_cfi_scalar=scalar["delta_cfi"], delta_rmsea_scalar=scalar["delta_rmsea"],
            note=why,
        )  # fmt: skip
        rows.append(row)
    cols = ["scale", "status", "n", "supported_level", "means_comparable", "p_metric"]
    cols += ["delta_cfi_metric", "delta_rmsea_metric", "p_scalar", "delta_cfi_scalar"]
    cols += ["delta_rmsea_scalar", "p_thresholds", "delta_cfi_thresholds"]
    cols += ["delta_rmsea_thresholds", "model", "estimator", "note"]
    out = pd.DataFrame(rows).reindex(columns=cols)
    out["means_comparable"] = out["means_comparable"].astype(bool)
    return out


def _ordinal_choice(instrument, cols, data, group, shown, min_ordinal_n) -> tuple[bool, str]:
    """Whether a scale gets the ordinal model, and why not (a note) when its items are
    ordinal but the data do not allow it."""
    ranges = []
    for col in cols:
        try:
            item = instrument.item(col)
        except KeyError:
            return False, ""
        if instrument.kind(item) not in ("agreement", "bipolar", "grade"):
            return False, ""
        ranges.append(instrument.value_range(item))
    if any(r is None or r[1] - r[0] + 1 not in ORDINAL_OPTIONS for r in ranges):
        return False, ""
    if shown.min() < min_ordinal_n:
        return (
            False,
            f"ordinal items; continuous model: fewer than {min_ordinal_n} answers per group",
        )
    complete = data.dropna(subset=[*cols, group])
    complete = complete[complete[group].isin(shown.index)]
    for col in cols:
        used = complete.groupby(group)[col].nunique()
        if (used < complete[col].nunique()).any():
            return False, "ordinal items; continuous model: an answer category is empty in a group"
    return True, ""


def department_invariance(
    responses: pd.DataFrame,
    instrument,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    min_fit_n: int = MIN_FIT_N,
    ordinal: bool = True,
) -> pd.DataFrame:
    """:func:`invariance_by_scale` across departments, straight from a wide response table.

    Parameters
    ----------
    responses : pandas.DataFrame
        The canonical wide table (don't-know codes are set to NaN here).
    instrument : survey.instrument.Instrument
        The instrument the table follows.
    threshold : int
        Anonymity threshold: departments with fewer complete answers are left out.
    min_fit_n, ordinal : int, bool
        See :func:`invariance_by_scale`.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`invariance_by_scale`, one row per scale.
    """
    from survey.responses import answers

    data = answers(responses, instrument).assign(department=responses["department"].to_numpy())
    return invariance_by_scale(
        data, instrument, min_group_size=threshold, min_fit_n=min_fit_n, ordinal=ordinal
    )
