"""Compare two survey waves (before/after an intervention) per department and scale.

Input is already-scored data (one score per respondent and scale), either tidy
(``department``, ``scale``, ``wave``, ``score``) or wide with one column per scale (pass
``scales=``), so this module does not depend on how scores are computed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pingouin as pg
from scipy import stats

from analysis.anonymity import DEFAULT_THRESHOLD
from survey.instrument import Instrument

COLUMNS = [
    "department", "scale", "design", "wave_before", "wave_after", "n_before", "n_after",
    "mean_before", "mean_after", "diff", "ci_low", "ci_high", "t", "dof", "p_val",
    "effect_size", "effect_type", "p_adj", "suppressed",
]  # fmt: skip


def _tidy(data, *, scales, value, department, wave, panel):
    needed = [department, wave, *([panel] if panel else [])]
    if scales is not None:
        needed += list(scales)
    else:
        needed += ["scale", value]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise KeyError(f"columns not in data: {missing}")
    if scales is None:
        names = {department: "department", wave: "wave", value: "score"}
        return data[needed].rename(columns=names)
    ids = [department, wave, *([panel] if panel else [])]
    long = data.melt(id_vars=ids, value_vars=list(scales), var_name="scale", value_name="score")
    return long.rename(columns={department: "department", wave: "wave"})


def compare_waves(
    data: pd.DataFrame,
    *,
    scales: Sequence[str] | None = None,
    value: str = "score",
    department: str = "department",
    wave: str = "wave",
    waves: tuple | None = None,
    panel: str | None = None,
    padjust: str = "holm",
    min_group_size: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Test the change of each scale between two waves, per department.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy scores with columns ``scale`` and ``score`` plus ``department`` and ``wave``
        (one row per respondent and scale), or wide scores with one column per scale.
    scales : sequence of str, optional
        Scale columns of wide data; omit for tidy data.
    value : str
        Score column of tidy data, e.g. ``"index"`` or ``"mean"`` for the output of
        ``analysis.scoring.score_scales`` with a wave column added.
    department, wave : str
        Names of the department and wave columns.
    waves : tuple, optional
        ``(before, after)`` wave labels; default the two sorted distinct values.
    panel : str, optional
        Column holding a respondent's panel code. When given, the design is paired: only
        respondents answering in both waves are compared (paired t-test, :math:`d_z`).
        Without it, waves are independent samples (anonymous surveys; Welch t-test,
        Hedges' g).
    padjust : str
        Multiple-comparison correction over all reported rows (``pingouin.multicomp``
        method, e.g. ``"holm"``, ``"fdr_bh"``, ``"bonf"``).
    min_group_size : int
        Anonymity threshold: a department-scale cell with fewer respondents (or pairs) in
        a wave is suppressed (all numbers NaN, ``suppressed`` True).

    Returns
    -------
    pandas.DataFrame
        One row per department and scale: ``department``, ``scale``, ``design``
        (``independent`` or ``paired``), ``wave_before``, ``wave_after``, ``n_before``,
        ``n_after`` (pairs when paired), ``mean_before``, ``mean_after``, ``diff``
        (after - before), ``ci_low``, ``ci_high`` (95% CI of ``diff``), ``t``, ``dof``,
        ``p_val``, ``effect_size``, ``effect_type`` (``hedges_g`` or ``d_z``), ``p_adj``,
        ``suppressed``.

    Notes
    -----
    Independent waves: Welch's t-test (``scipy.stats.ttest_ind(equal_var=False)``) and
    Hedges' g (``pingouin.compute_effsize``). Paired: ``scipy.stats.ttest_rel`` and
    :math:`d_z = \\bar d / s_d` (Lakens 2013).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({
    ...     "department": np.repeat(["marketing", "sales"], 40),
    ...     "wave": np.tile(np.repeat([1, 2], 20), 2),
    ...     "trust": rng.normal(3, 1, 80) + np.tile(np.repeat([0, 1], 20), 2),
    ... })
    >>> out = compare_waves(df, scales=["trust"])
    >>> out[["department", "design", "n_before", "n_after"]]
      department       design  n_before  n_after
    0  marketing  independent        20       20
    1      sales  independent        20       20
    """
    long = _tidy(data, scales=scales, value=value, department=department, wave=wave, panel=panel)
    long = long.dropna(subset=["score"])
    found = long["wave"].dropna().unique().tolist()
    try:
        labels = sorted(found)
    except TypeError:  # e.g. "pre" and 2: no order to infer
        labels = sorted(found, key=str)
        if waves is None:
            raise ValueError(
                f"wave labels {labels} mix types; pass waves=(before, after)"
            ) from None
    if waves is None:
        if len(labels) != 2:
            raise ValueError(f"found waves {labels}; pass waves=(before, after) to choose two")
        waves = (labels[0], labels[1])
    unknown = [w for w in waves if w not in labels]
    if unknown:
        raise ValueError(f"wave(s) {unknown} not in column {wave!r} (found {labels})")
    before, after = waves
    rows = []
    for (dept, scale), cell in long.groupby(["department", "scale"], sort=True):
        a = cell[cell["wave"] == before]
        b = cell[cell["wave"] == after]
        row = {"department": dept, "scale": scale, "wave_before": before, "wave_after": after}
        if panel:
            pairs = (
                a.groupby(panel)["score"]
                .mean()
                .to_frame("x")
                .join(b.groupby(panel)["score"].mean().to_frame("y"), how="inner")
            )
            row.update(_paired(pairs["x"].to_numpy(), pairs["y"].to_numpy(), min_group_size))
        else:
            row.update(_independent(a["score"].to_numpy(), b["score"].to_numpy(), min_group_size))
        rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=COLUMNS)
    ok = ~out["suppressed"].astype(bool)
    if ok.any():
        out.loc[ok, "p_adj"] = pg.multicomp(out.loc[ok, "p_val"].to_numpy(float), method=padjust)[1]
    return out


def shared_scales(before: Instrument, after: Instrument) -> tuple[dict[str, tuple], list[str]]:
    """What two waves' instruments share: scale code -> the items both ask (at least three,
    so that both waves can be scored on the same items), and the scales left out (only one
    wave has them, or they share fewer than three items).

    A pulse form keeps three items of a full scale: both waves are then scored on those
    three, like with like.

    Examples
    --------
    >>> from survey import load_instrument
    >>> full = load_instrument()
    >>> shared, left_out = shared_scales(full, full)
    >>> len(shared) == len(full.scales), left_out
    (True, [])
    """
    shared: dict[str, tuple] = {}
    for scale in after.scales:
        other = before.scale_map.get(scale.code)
        if other is None or other.part != scale.part:
            continue
        common = tuple(c for c in scale.items if c in set(other.items))
        if len(common) >= 3:
            shared[scale.code] = common
    codes = [s.code for s in before.scales] + [s.code for s in after.scales]
    left_out = list(dict.fromkeys(c for c in codes if c not in shared))
    return shared, left_out


def restrict_scales(instrument: Instrument, shared: dict[str, tuple]) -> Instrument:
    """A copy of ``instrument`` whose scales are only ``shared`` (code -> items)."""
    data = instrument.model_dump()
    data["scales"] = [
        {**scale, "items": list(shared[scale["code"]])}
        for scale in data["scales"]
        if scale["code"] in shared
    ]
    roles = data["roles"]["scales"]
    data["roles"]["scales"] = {
        r: [c for c in cs if c in shared] for r, cs in roles.items() if any(c in shared for c in cs)
    }
    return Instrument.model_validate(data)


def _suppressed(design: str) -> dict:
    return {"design": design, "suppressed": True}


def _independent(x: np.ndarray, y: np.ndarray, min_n: int) -> dict:
    if min(len(x), len(y)) < min_n:
        return _suppressed("independent")
    res = stats.ttest_ind(y, x, equal_var=False)
    ci = res.confidence_interval(0.95)
    return {
        "design": "independent", "n_before": len(x), "n_after": len(y),
        "mean_before": x.mean(), "mean_after": y.mean(), "diff": y.mean() - x.mean(),
        "ci_low": ci.low, "ci_high": ci.high, "t": res.statistic, "dof": res.df,
        "p_val": res.pvalue, "effect_size": pg.compute_effsize(y, x, eftype="hedges"),
        "effect_type": "hedges_g", "suppressed": False,
    }  # fmt: skip


def _paired(x: np.ndarray, y: np.ndarray, min_n: int) -> dict:
    if len(x) < min_n:
        return _suppressed("paired")
    res = stats.ttest_rel(y, x)
    ci = res.confidence_interval(0.95)
    d = y - x
    return {
        "design": "paired", "n_before": len(x), "n_after": len(y),
        "mean_before": x.mean(), "mean_after": y.mean(), "diff": d.mean(),
        "ci_low": ci.low, "ci_high": ci.high, "t": res.statistic, "dof": res.df,
        "p_val": res.pvalue, "effect_size": d.mean() / d.std(ddof=1),
        "effect_type": "d_z", "suppressed": False,
    }  # fmt: skip
