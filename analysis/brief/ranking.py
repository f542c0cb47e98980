"""One effect scale for every perception gap, so that page 1 can say which matter most.

The gap table reports Hedges g for numeric rows, Cliff's delta for ordinal rows and
Cramér's V for categorical rows; their sizes are not comparable as they stand (a delta of
0.5 is a larger difference than a g of 0.5). :func:`d_equivalent` converts each to the
standardised mean difference d it corresponds to, and :func:`rank_gap_findings` orders the
gap findings of a diagnostic by it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from analysis.findings import Finding

EFFECT_TYPES = ("hedges_g", "cliffs_delta", "cramers_v")
GAP_EVIDENCE = re.compile(r"^perception_gaps\[(?P<code>[^\]]+)\]$")
MIRROR_EVIDENCE = re.compile(r"^mirror_gaps\[(?P<item>[^,\]]+), (?P<target>[^\]]+)\]$")


def d_equivalent(effect: ArrayLike, effect_type: ArrayLike) -> pd.DataFrame:
    """The standardised mean difference (Cohen's d scale) each effect size corresponds to.

    Parameters
    ----------
    effect : array_like
        Effect sizes (signed or not), e.g. ``perception_gaps(...)["effect"]``.
    effect_type : array_like of str
        Their kind, one of ``hedges_g``, ``cliffs_delta``, ``cramers_v`` (scalar or one per
        effect).

    Returns
    -------
    DataFrame
        ``effect``, ``effect_type``, ``d`` (signed as the effect; V has no sign, so its d
        is positive) and ``abs_d``.

    Notes
    -----
    * Hedges g is a d already (with the small-sample correction): :math:`d = g`.
    * Cliff's delta :math:`\\delta = P(X > Y) - P(X < Y)` relates to the probability of
      superiority :math:`A = (1 + \\delta) / 2` (Vargha & Delaney 2000), and under two
      normal distributions of equal variance :math:`A = \\Phi(d / \\sqrt{2})`, hence
      :math:`d = \\sqrt{2}\\,\\Phi^{-1}((1 + \\delta) / 2)` (Ruscio 2008). Ties (many in
      ordinal items) shrink delta, so this errs on the small side.
    * Cramér's V of a 2 x k table (two departments) equals Cohen's w and is treated as a
      correlation r: :math:`d = 2r / \\sqrt{1 - r^2}` (Cohen 1988; Borenstein et al. 2009,
      ch. 7), exact for 2 x 2 tables (phi).

    Checked against R (``psych::r2d`` and ``qnorm``) in
    ``tests/reference/effect_conversions.R``; the delta conversion is also checked by
    simulation of two normal samples with a known d (``tests/test_brief_ranking.py``).

    Examples
    --------
    >>> d_equivalent([0.5, -0.3, 0.2], ["hedges_g", "cliffs_delta", "cramers_v"]).round(3)
       effect   effect_type      d  abs_d
    0     0.5      hedges_g  0.500  0.500
    1    -0.3  cliffs_delta -0.545  0.545
    2     0.2     cramers_v  0.408  0.408
    """
    effect = np.atleast_1d(np.asarray(effect, dtype="float64"))
    kinds = np.broadcast_to(np.asarray(effect_type, dtype=object), effect.shape)
    unknown = set(kinds) - set(EFFECT_TYPES)
    if unknown:
        raise ValueError(f"unknown effect type(s) {sorted(unknown)}; use one of {EFFECT_TYPES}")
    delta = kinds == "cliffs_delta"
    v = kinds == "cramers_v"
    if (np.abs(effect[delta]) > 1).any() or (effect[v] < 0).any() or (effect[v] > 1).any():
        raise ValueError("Cliff's delta must lie in [-1, 1] and Cramér's V in [0, 1]")
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(
            delta,
            np.sqrt(2) * stats.norm.ppf((1 + effect) / 2),
            np.where(v, 2 * effect / np.sqrt(1 - effect**2), effect),
        )
    return pd.DataFrame({"effect": effect, "effect_type": list(kinds), "d": d, "abs_d": np.abs(d)})


def gap_row(f: Finding, gaps: pd.DataFrame, mirror: pd.DataFrame) -> pd.Series | None:
    """The result row a gap finding cites (``perception_gaps[CODE]`` or
    ``mirror_gaps[ITEM, TARGET]``), or None when it cites another table."""
    if m := GAP_EVIDENCE.match(f.evidence):
        rows = gaps[gaps["code"] == m["code"]]
    elif m := MIRROR_EVIDENCE.match(f.evidence):
        rows = mirror[(mirror["self_item"] == m["item"]) & (mirror["target"] == m["target"])]
    else:
        return None
    return rows.iloc[0] if len(rows) else None


def rank_gap_findings(
    findings: list[Finding], gaps: pd.DataFrame, mirror: pd.DataFrame
) -> pd.DataFrame:
    """The perception-gap findings (not orientation differences, which can help) ordered by
    the size of their gap on the d scale, largest first.

    Returns
    -------
    DataFrame
        ``finding`` (the :class:`Finding`), ``table`` (``gaps`` or ``mirror``), ``row`` (the
        cited result row), ``effect``, ``effect_type``, ``d``, ``abs_d``.
    """
    rows = []
    for f in findings:
        if f.kind == "orientation":
            continue
        row = gap_row(f, gaps, mirror)
        if row is None or (f.kind == "fact" and "effect_type" not in row):
            continue
        table = "mirror" if "self_item" in row else "gaps"
        if table == "mirror":
            effect, kind = row["hedges_g"], "hedges_g"
        else:
            effect, kind = row["effect"], row["effect_type"]
        rows.append({"finding": f, "table": table, "row": row, "effect": effect, "kind": kind})
    columns = ["finding", "table", "row", "effect", "effect_type", "d", "abs_d"]
    if not rows:
        return pd.DataFrame(columns=columns)
    conv = d_equivalent([r["effect"] for r in rows], [r["kind"] for r in rows])
    out = pd.DataFrame(
        {
            "finding": [r["finding"] for r in rows],
            "table": [r["table"] for r in rows],
            "row": [r["row"] for r in rows],
        }
    )
    out = pd.concat([out, conv], axis=1)[columns]
    # stable: equal sizes keep the findings' order
    return out.sort_values("abs_d", ascending=False, kind="stable").reset_index(drop=True)
