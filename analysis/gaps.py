"""Perception gaps: how marketing and sales see the same things, item by item and scale by
scale, and how each side sees itself versus how the other side sees it (mirror items)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import twosample
from analysis.scoring import score_scales
from survey.instrument import ORDINAL_KINDS, Instrument

DEPARTMENTS = ("marketing", "sales")
DEFAULT_SESOI = 0.3  # smallest effect of interest, standardised (Cohen's d)
CATEGORICAL_KINDS = {"yes_no", "single", "multiple"}
MIRROR_COLUMNS = [
    *("construct", "self_item", "other_item", "target", "rater_self", "rater_other"),
    *("gap_type", "n_self", "n_other", "self_mean", "other_mean", "diff", "ci_low"),
    *("ci_high", "t", "dof", "p_welch", "hedges_g", "g_ci_low", "g_ci_high", "p_mwu"),
    *("suppressed", "p_adj", "interpretation"),
]


def _test_of(kind: str) -> str:
    if kind in ORDINAL_KINDS:
        return "ordinal"
    if kind in CATEGORICAL_KINDS:
        return "categorical"
    return "numeric"


def _variables(instrument: Instrument) -> pd.DataFrame:
    rows = []
    for col, item in instrument.column_map.items():
        kind = instrument.kind(item)
        if kind == "text":
            continue
        rows.append(
            {
                "level": "item",
                "code": col,
                "item": item.code,
                "dimension": item.dimension,
                "construct": item.construct,
                "kind": kind,
                "test": _test_of(kind),
            }
        )
    for scale in instrument.scales:
        rows.append(
            {
                "level": "scale",
                "code": scale.code,
                "item": "",
                "dimension": scale.dimension,
                "construct": scale.code,
                "kind": "scale",
                "test": "numeric",
            }
        )
    return pd.DataFrame(rows)


def _group_codes(column: pd.Series) -> np.ndarray:
    """0 for marketing, 1 for sales, 2 for anyone else (see :func:`twosample.group_counts`)."""
    codes = np.full(len(column), len(DEPARTMENTS), dtype=np.intp)
    for g, dept in enumerate(DEPARTMENTS):
        codes[(column == dept).to_numpy(dtype=bool, na_value=False)] = g
    return codes


def _common_axis(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two (values, counts) tables on the union of their values: (values, counts a, b)."""
    values = np.union1d(a[0][a[1] > 0], b[0][b[1] > 0])
    out = []
    for v, c in (a, b):
        full = np.zeros(len(values), dtype=np.int64)
        present = c > 0
        full[np.searchsorted(values, v[present])] = c[present]
        out.append(full)
    return values, out[0], out[1]


def _family(tables: list, tests: np.ndarray, top2: list, sesoi: float) -> dict:
    """All statistics of a family of variables from their (values, counts) tables."""
    da = twosample.describe_counts([(v, c[0]) for v, c in tables])
    db = twosample.describe_counts([(v, c[1]) for v, c in tables])
    res: dict[str, np.ndarray] = {
        "n_marketing": da["n"],
        "n_sales": db["n"],
        "mean_marketing": da["mean"],
        "mean_sales": db["mean"],
        "sd_marketing": da["sd"],
        "sd_sales": db["sd"],
    }
    res.update(twosample.welch(da, db))
    res.update(twosample.hedges_g(da, db))
    # Equivalence bounds in raw units: the smallest effect of interest times the pooled SD.
    res["eq_bound"] = sesoi * twosample.pooled_sd(da, db)
    res["p_equivalence"] = twosample.tost_welch(da, db, res["eq_bound"])["p_equivalence"]
    pairs = [(v, c[0], c[1]) for v, c in tables]
    mwu = twosample.mann_whitney_counts(pairs)
    res["median_marketing"], res["median_sales"] = mwu.pop("median_a"), mwu.pop("median_b")
    res.update(mwu)
    for side, d in (("marketing", da), ("sales", db)):
        low, high = twosample.mean_ci(d)
        res[f"ci_low_{side}"], res[f"ci_high_{side}"] = low, high
    k = len(tables)
    for key in ("chi2", "p_chi2", "cramers_v", "mode_marketing", "mode_sales"):
        res[key] = np.full(k, np.nan)
    cat = np.flatnonzero(tests != "numeric")
    if len(cat):
        ct = twosample.contingency_counts([pairs[j] for j in cat])
        for key, src in (
            ("chi2", "chi2"),
            ("p_chi2", "p_chi2"),
            ("cramers_v", "cramers_v"),
            ("mode_marketing", "mode_a"),
            ("mode_sales", "mode_b"),
        ):
            res[key][cat] = ct[src]
        n_total = (da["n"] + db["n"])[cat]
        w0 = twosample.d_to_w(sesoi)
        res["eq_bound"][cat] = w0
        res["p_equivalence"][cat] = twosample.equivalence_chi2(ct["chi2"], n_total, ct["dof"], w0)
    res["top2_marketing"] = np.full(k, np.nan)
    res["top2_sales"] = np.full(k, np.nan)
    for j, high in enumerate(top2):
        if high is not None:
            values, counts = tables[j]
            for side, key in enumerate(("top2_marketing", "top2_sales")):
                n = counts[side].sum()
                if n > 0:
                    res[key][j] = counts[side][values >= high - 1].sum() / n
    return res


def perception_gaps(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    by: str = "department",
    padjust: str = "holm",
    threshold: int = 5,
    min_answered: float = 0.5,
    scores: pd.DataFrame | None = None,
    sesoi: float = DEFAULT_SESOI,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Marketing versus sales on every item and every scale.

    Parameters
    ----------
    responses : DataFrame
        The canonical wide table.
    instrument : Instrument
        Its instrument.
    by : str
        Column holding the two departments (``marketing`` and ``sales``).
    padjust : {"holm", "fdr_bh", "bonf", "none"}
        Adjustment of the primary p-values across the whole family (all rows).
    threshold : int
        Anonymity threshold: a variable with fewer answers than this in either group is
        reported without statistics (``suppressed`` True).
    min_answered : float
        Passed to :func:`analysis.scoring.score_scales` for the scale rows.
    scores : DataFrame, optional
        Output of :func:`analysis.scoring.score_scales` for ``responses``, to avoid scoring
        twice.
    sesoi : float
        Smallest effect size of interest in standardised units (Cohen's d; default 0.3):
        the equivalence bounds of the two one-sided tests.
    alpha : float
        Level of the verdict.

    Returns
    -------
    DataFrame
        One row per variable (item column or scale): ``level`` (item/scale), ``code``,
        ``item``, ``dimension``, ``construct``, ``kind``, ``test`` (numeric, ordinal,
        categorical); per side ``n_*``, ``mean_*`` with ``ci_low_*``/``ci_high_*`` (t
        interval), ``sd_*``, ``median_*``, ``top2_*``
        (share in the two highest agreement categories), ``mode_*`` (modal category of
        ordinal/categorical items); ``diff`` (marketing - sales) with Welch ``ci_low``,
        ``ci_high``, ``t``, ``dof``, ``p_welch``; Mann-Whitney ``u`` (of marketing) and
        ``p_mwu``; ``hedges_g`` with ``g_ci_low``, ``g_ci_high``; ``cliffs_delta``;
        ``chi2``, ``p_chi2`` (Fisher's exact test for small 2x2 tables), ``cramers_v``;
        ``p`` (the primary p: Welch for numeric, Mann-Whitney for ordinal, chi-square or
        Fisher for categorical variables), ``p_adj``, ``effect`` and ``effect_type``
        (Hedges g, Cliff's delta or Cramér's V), ``suppressed``; ``eq_bound`` (raw
        equivalence bound: ``sesoi`` x pooled SD, or Cohen's w for categorical variables),
        ``p_equivalence`` and ``p_equivalence_adj`` (adjusted as ``p``), and ``verdict``:
        ``different`` (``p_adj < alpha``, not equivalent), ``equivalent`` (the gap lies
        within the bounds, ``p_equivalence_adj < alpha``) or ``inconclusive`` (neither).

    Notes
    -----
    "Don't know" answers are missing values. Welch: :math:`t = (\\bar x_m - \\bar x_s) /
    \\sqrt{s_m^2/n_m + s_s^2/n_s}` with Welch-Satterthwaite df; Hedges g and its CI as
    pingouin (Hedges & Olkin 1985); Mann-Whitney asymptotic with tie and continuity
    correction as SciPy; Cliff's delta :math:`P(m > s) - P(m < s)`; Holm (1979) or
    Benjamini & Hochberg (1995) via statsmodels. Checked against ``pingouin.ttest``,
    ``pingouin.mwu``, ``pingouin.compute_effsize`` and ``scipy.stats.chi2_contingency``
    to 1e-9 (tests and ``benchmarks/bench_analysis.py``).

    Equivalence (Schuirmann 1987; Lakens 2017): for numeric and ordinal variables two
    one-sided Welch tests of H0 ``diff <= -b`` and H0 ``diff >= b`` with
    ``b = sesoi * s_pooled`` (on the category codes for ordinal variables), ``p_equivalence``
    the larger p; for categorical variables Wellek's (2010) test of H0 ``w >= w0`` from
    Pearson's chi-square against a noncentral chi-square with noncentrality ``n w0^2``,
    ``w0 = sesoi / sqrt(sesoi^2 + 4)`` (Cohen 1988: d as phi for two equal groups). A gap
    that is significant yet within the bounds is ``equivalent``: real but too small to
    matter. Checked against R (``t.test`` with ``mu = -/+ b`` and ``pchisq(ncp=)``,
    ``tests/reference/equivalence.R``) and ``pingouin.tost``.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> ins = load_instrument()
    >>> data = generate(units=6, per_department=20, seed=1, scenario="clean").responses
    >>> gaps = perception_gaps(data, ins).set_index("code")
    >>> gaps.loc[ins.role("meeting_frequency"), ["mode_marketing", "mode_sales"]].tolist()
    [3.0, 5.0]
    >>> bool(gaps.loc["lead_management", "p_adj"] < 0.05)
    True
    """
    if by not in responses.columns:
        raise ValueError(f"responses lack the group column {by!r}")
    groups = set(responses[by].dropna().unique())
    if not groups <= set(DEPARTMENTS):
        raise ValueError(f"column {by!r} must hold {DEPARTMENTS}, found {sorted(groups)}")
    if responses[by].isna().any():
        raise ValueError(f"column {by!r} has missing values; validate the responses first")
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    variables = _variables(instrument)
    items = variables[variables["level"] == "item"]
    if scores is None:
        scores = score_scales(responses, instrument, min_answered=min_answered)
    scale_values = _scale_matrix(scores, responses, [s.code for s in instrument.scales])
    # Value counts per department, one column at a time: no copy of the whole table.
    groups = _group_codes(responses[by])
    dk = instrument.dont_know.code
    tables = [
        twosample.group_counts(responses[col].to_numpy(dtype="float64"), groups, missing=dk)
        for col in items["code"]
    ]
    tables += [twosample.group_counts(row, groups) for row in scale_values]
    top2 = [
        instrument.value_range(code)[1] if kind == "agreement" else None
        for code, kind in zip(variables["code"], variables["kind"], strict=True)
    ]
    tests = variables["test"].to_numpy()
    if not 0 < sesoi < 2:
        raise ValueError(f"sesoi must lie between 0 and 2 (standardised units), got {sesoi}")
    res = _family(tables, tests, top2, sesoi)
    out = pd.concat([variables.reset_index(drop=True), pd.DataFrame(res)], axis=1)
    out["p"] = np.select(
        [tests == "numeric", tests == "ordinal"], [out["p_welch"], out["p_mwu"]], out["p_chi2"]
    )
    out["effect"] = np.select(
        [tests == "numeric", tests == "ordinal"],
        [out["hedges_g"], out["cliffs_delta"]],
        out["cramers_v"],
    )
    out["effect_type"] = np.select(
        [tests == "numeric", tests == "ordinal"], ["hedges_g", "cliffs_delta"], "cramers_v"
    )
    small = (out["n_marketing"] < threshold) | (out["n_sales"] < threshold)
    out["suppressed"] = small.to_numpy()
    stat_cols = [
        c
        for c in out.columns
        if c not in variables.columns and c != "suppressed" and c != "effect_type"
    ]
    out.loc[small, stat_cols] = np.nan
    out["p_adj"] = twosample.adjust_p(out["p"].to_numpy(), padjust)
    out["p_equivalence_adj"] = twosample.adjust_p(out["p_equivalence"].to_numpy(), padjust)
    out["verdict"] = gap_verdict(out["p_adj"], out["p_equivalence_adj"], alpha)
    out.loc[small, "verdict"] = np.nan
    return out


def gap_verdict(p_adj: pd.Series, p_equivalence_adj: pd.Series, alpha: float = 0.05) -> pd.Series:
    """``different``, ``equivalent`` or ``inconclusive`` from the two adjusted p-values; a
    missing p (e.g. a constant variable) counts as not significant.

    Examples
    --------
    >>> gap_verdict(pd.Series([0.001, 0.4, 0.3, 0.01]), pd.Series([0.9, 0.01, 0.2, 0.02])).tolist()
    ['different', 'equivalent', 'inconclusive', 'equivalent']
    """
    p_adj, p_eq = pd.Series(p_adj), pd.Series(p_equivalence_adj)
    verdict = np.select(
        [p_eq < alpha, p_adj < alpha], ["equivalent", "different"], "inconclusive"
    ).astype(object)
    return pd.Series(verdict, index=p_adj.index, name="verdict")


def _scale_matrix(scores: pd.DataFrame, responses: pd.DataFrame, codes: list[str]) -> np.ndarray:
    """Scale indices as scales x respondents, in the order of ``codes`` and ``responses``."""
    missing = sorted(set(codes) - set(scores["scale"].unique()))
    if missing:
        raise ValueError(f"scores lack scale(s) {missing}; score every scale of the instrument")
    ids = responses["respondent_id"].to_numpy()
    k, n = len(codes), len(ids)
    if (
        len(scores) == k * n
        and _in_layout(scores["scale"], codes, n)
        and _in_layout(scores["respondent_id"], ids, k, blocks=False)
    ):  # score_scales' layout: one block per scale, each in responses' order
        return scores["index"].to_numpy(dtype="float64").reshape(k, n)
    wide = scores.pivot(index="scale", columns="respondent_id", values="index")
    absent = pd.Index(ids).difference(wide.columns)
    if len(absent):
        raise ValueError(f"scores lack {len(absent)} respondent(s) of responses")
    return wide.reindex(index=codes, columns=ids).to_numpy(dtype="float64")


def _in_layout(column: pd.Series, labels, size: int, *, blocks: bool = True) -> bool:
    """Whether ``column`` is ``labels`` repeated block by block (each ``size`` long) or, with
    ``blocks=False``, ``labels`` over and over (``size`` times). On category codes where it
    can: comparing 13 million strings one by one takes seconds."""
    labels = np.asarray(labels, dtype=object)
    if isinstance(column.dtype, pd.CategoricalDtype):
        expected = column.cat.categories.get_indexer(labels)
        if (expected < 0).any():
            return False
        values = column.cat.codes.to_numpy()
    else:
        expected, values = labels, column.to_numpy()
    grid = values.reshape(len(labels), size) if blocks else values.reshape(size, len(labels))
    return bool((grid == (expected[:, None] if blocks else expected[None, :])).all())


def mirror_gaps(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    by: str = "department",
    padjust: str = "holm",
    threshold: int = 5,
) -> pd.DataFrame:
    """Self-image versus other-image for every mirror pair and target department.

    For a pair (``self`` item S, ``other`` item O) the four cells are: marketing rating
    marketing (S answered by marketing), sales rating marketing (O answered by sales),
    sales rating sales (S by sales) and marketing rating sales (O by marketing).

    Returns
    -------
    DataFrame
        One row per construct and target department: ``construct``, ``self_item``,
        ``other_item``, ``target``, ``rater_self`` (= target), ``rater_other``,
        ``n_self``, ``n_other``, ``self_mean``, ``other_mean``, ``diff`` (self - other)
        with Welch ``ci_low``, ``ci_high``, ``t``, ``dof``, ``p_welch``, ``hedges_g``,
        ``g_ci_low``, ``g_ci_high``, ``p_mwu``, ``p_adj`` (across all rows), ``gap_type``
        (orientation, competence, other) and ``interpretation``: orientation gaps can help
        (different orientations raise market performance), competence gaps hurt
        (Homburg & Jensen 2007); ``suppressed`` for cells below the threshold (their
        figures, counts included, are NaN).

    Notes
    -----
    The two images of one department come from different raters, so they are compared as
    independent samples (Welch t, Hedges g, Mann-Whitney), as in :func:`perception_gaps`.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> ins = load_instrument()
    >>> data = generate(units=6, per_department=20, seed=1, scenario="clean").responses
    >>> mirror = mirror_gaps(data, ins)
    >>> row = mirror.query("construct == 'market_knowledge' and target == 'sales'").iloc[0]
    >>> bool(row["self_mean"] > row["other_mean"])
    True
    """
    dk = instrument.dont_know.code
    groups = _group_codes(responses[by])
    counts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    rows, a_tables, b_tables = [], [], []
    for own, other in instrument.mirror_pairs():
        for code in (own.code, other.code):
            if code not in counts:
                x = responses[code].to_numpy(dtype="float64")
                counts[code] = twosample.group_counts(x, groups, missing=dk)
        for target in DEPARTMENTS:
            rater_other = instrument.other_department(target)
            a_values, a_counts = counts[own.code]
            b_values, b_counts = counts[other.code]
            a_tables.append((a_values, a_counts[DEPARTMENTS.index(target)]))
            b_tables.append((b_values, b_counts[DEPARTMENTS.index(rater_other)]))
            # competence or orientation: the instrument's roles say (Homburg & Jensen 2007)
            gap_type = instrument.gap_type(own.construct)
            rows.append(
                {
                    "construct": own.construct,
                    "self_item": own.code,
                    "other_item": other.code,
                    "target": target,
                    "rater_self": target,
                    "rater_other": rater_other,
                    "gap_type": gap_type,
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:  # an instrument without mirror items: the columns, no rows
        return pd.DataFrame(columns=MIRROR_COLUMNS).astype({"suppressed": bool})
    da, db = twosample.describe_counts(a_tables), twosample.describe_counts(b_tables)
    stats_ = {
        "n_self": da["n"],
        "n_other": db["n"],
        "self_mean": da["mean"],
        "other_mean": db["mean"],
    }
    stats_.update(twosample.welch(da, db))
    stats_.update(twosample.hedges_g(da, db))
    # Mann-Whitney ranks both sides on one axis of values.
    pairs = [_common_axis(a, b) for a, b in zip(a_tables, b_tables, strict=True)]
    stats_["p_mwu"] = twosample.mann_whitney_counts(pairs)["p_mwu"]  # medians unused here
    out = pd.concat([out, pd.DataFrame(stats_)], axis=1)
    small = (out["n_self"] < threshold) | (out["n_other"] < threshold)
    out["suppressed"] = small
    out.loc[small, list(stats_)] = np.nan  # counts too, as perception_gaps
    out["p_adj"] = twosample.adjust_p(out["p_welch"].to_numpy(), padjust)
    out["interpretation"] = out["gap_type"].map(
        {
            "orientation": "different orientations can help market performance",
            "competence": "competence differences hurt cooperation",
            "other": "self-image versus other-image",
        }
    )
    return out
