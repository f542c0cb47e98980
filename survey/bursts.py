"""Padding: bursts of near-identical answers in a unit, held back until the consultant
confirms them.

One real respondent and four identical answers sent through the open link make a cell of
five whose mean, times five, minus four times the fake answer, is the real person's answer.
Fake answers are cheap to repeat and dear to vary, so the robust sign is answer vectors that
are identical or nearly so within one unit. Submission times are not used by default: the
store keeps them to the day at best, and fakes spread over a few days would slip through a
time window (``window_days`` narrows the search when wanted).

An attacker who varies every fake answer by hand is not caught by this; the delta rule
(:mod:`survey.releases`), the threshold and invitation-only collection are the other
defences (see ``docs/privacy.md``).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from survey.releases import write_private

CONFIRMED_NAME = "confirmed_bursts.json"
CONFIRMED_SUFFIX = ".confirmed.json"
MAX_DIFFERENCES = 2  # answer columns in which two "near-identical" responses may differ
NEAR_SHARE = 0.05  # and at most this share of them
PAIRWISE_LIMIT = 2000  # rows per unit compared pairwise; larger units: exact copies only
BURST_COLUMNS = ["burst", "department", "business_unit", "row", "size"]


def min_burst_size(threshold: int) -> int:
    """Fakes needed to pad one real answer up to the threshold is ``threshold - 1``; three
    near-identical answers are already rare among honest respondents (two happen: a
    resubmitted form, two straight-liners)."""
    return max(2, min(3, threshold - 1))


def _matrix(valid: pd.DataFrame, columns: Iterable[str]) -> np.ndarray:
    cols = [c for c in columns if c in valid and pd.api.types.is_numeric_dtype(valid[c])]
    # Unanswered is a value of its own: two fakes that skip the same items stay identical.
    return (
        valid[cols].to_numpy(dtype=float, na_value=np.nan).copy()
        if cols
        else np.zeros((len(valid), 0))
    )


def _components(x: np.ndarray, max_differences: int) -> np.ndarray:
    """Connected components of "differs in at most ``max_differences`` columns"."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(x)
    if n > PAIRWISE_LIMIT:
        # Exact copies only: a pairwise comparison would cost n^2 x columns.
        _, labels = np.unique(np.nan_to_num(x, nan=-1e9), axis=0, return_inverse=True)
        return labels.ravel()
    filled = np.nan_to_num(x, nan=-1e9)
    rows, cols = [], []
    for i in range(n - 1):
        diff = (filled[i + 1 :] != filled[i]).sum(axis=1)
        near = np.flatnonzero(diff <= max_differences) + i + 1
        rows += [i] * len(near)
        cols += near.tolist()
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def find_bursts(
    valid: pd.DataFrame,
    columns: Iterable[str],
    *,
    threshold: int,
    max_differences: int = MAX_DIFFERENCES,
    min_size: int | None = None,
    window_days: int | None = None,
) -> pd.DataFrame:
    """Groups of at least ``min_size`` responses of one unit whose answers differ in at most
    ``max_differences`` columns, and at most 5% of them (chained: a near-copy of a near-copy
    belongs to the group).

    Returns one row per member: ``burst`` (a number), ``department``, ``business_unit``,
    ``row`` (position in ``valid``) and ``size``. With ``window_days``, only responses
    submitted within that many days of each other (by ``submitted_at``) are compared.

    Examples
    --------
    >>> import pandas as pd
    >>> valid = pd.DataFrame({"department": ["sales"] * 5, "business_unit": ["north"] * 5,
    ...                       "A": [1, 4, 4, 4, 4], "B": [2, 5, 5, 5, 5]})
    >>> find_bursts(valid, ["A", "B"], threshold=5)["row"].tolist()
    [1, 2, 3, 4]
    """
    size = min_size or min_burst_size(threshold)
    x = _matrix(valid, columns)
    # "Nearly identical" is relative: at most 5% of the columns may differ (two of 95).
    max_differences = min(max_differences, int(NEAR_SHARE * x.shape[1]))
    units = valid["business_unit"].astype(str).to_numpy()
    if window_days is not None and "submitted_at" in valid:
        day = pd.to_datetime(valid["submitted_at"], utc=True).dt.floor("D")
        since = (day - day.min()).dt.days.fillna(-1).to_numpy() // max(window_days, 1)
        windows = since.astype(int)
    else:
        windows = np.zeros(len(valid), dtype=int)
    members, burst = [], 0
    for unit in np.unique(units):
        for window in np.unique(windows[units == unit]):
            idx = np.flatnonzero((units == unit) & (windows == window))
            labels = _components(x[idx], max_differences)
            for label, count in zip(*np.unique(labels, return_counts=True), strict=True):
                if count < size:
                    continue
                burst += 1
                for i in idx[labels == label]:
                    members.append(
                        (burst, str(valid["department"].iloc[i]), unit, int(i), int(count))
                    )
    return pd.DataFrame(members, columns=BURST_COLUMNS)


def row_digests(valid: pd.DataFrame, columns: Iterable[str], rows: Iterable[int]) -> list[str]:
    """A digest per response of its answers (not of its id: ids may be re-drawn on export),
    so that a confirmation names exactly the answers it covers."""
    x = _matrix(valid, columns)
    return [
        hashlib.sha256(json.dumps([float(v).hex() for v in x[i]]).encode()).hexdigest()[:24]
        for i in rows
    ]


def confirmed_path(project_folder: str | Path | None, data_file: str | Path | None) -> Path:
    """Where confirmations are kept: the project folder, else beside the data file."""
    if project_folder is not None:
        return Path(project_folder) / CONFIRMED_NAME
    data_file = Path(data_file)
    return data_file.with_name(data_file.name + CONFIRMED_SUFFIX)


def read_confirmed(path: Path) -> dict[str, Counter]:
    """``{cell key: Counter(answer digest -> answers confirmed)}``."""
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {cell: Counter(dict(digests)) for cell, digests in raw["cells"].items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: confirmations cannot be read ({exc})") from None


def _cell(department: str, unit: str) -> str:
    return f"department={department}|business_unit={unit}"


def unconfirmed_cells(
    valid: pd.DataFrame, columns: list[str], bursts: pd.DataFrame, confirmed: dict[str, Counter]
) -> dict[tuple[str, str], tuple[str, str]]:
    """Cells reached by bursts the consultant has not confirmed: ``{cell: (reason, detail)}``."""
    out = {}
    for (dept, unit), part in bursts.groupby(["department", "business_unit"], sort=True):
        have = Counter(row_digests(valid, columns, part["row"]))
        ok = confirmed.get(_cell(dept, unit), Counter())
        if any(count > ok[d] for d, count in have.items()):
            out[(dept, unit)] = (
                "padding",
                f"{len(part)} near-identical answers; confirm with `alignmeter confirm "
                f"--unit {unit} --department {dept}` once you know they are genuine",
            )
    return out


def confirm_bursts(
    path: Path,
    valid: pd.DataFrame,
    columns: list[str],
    bursts: pd.DataFrame,
    cells: Iterable[tuple[str, str]],
) -> int:
    """Record the bursts now seen in ``cells`` as genuine; returns the answers confirmed."""
    current = read_confirmed(path)
    wanted = set(cells)
    done = 0
    for (dept, unit), part in bursts.groupby(["department", "business_unit"], sort=True):
        if (dept, unit) not in wanted:
            continue
        have = Counter(row_digests(valid, columns, part["row"]))
        key = _cell(dept, unit)
        current[key] = current.get(key, Counter()) | have
        done += len(part)
    body = {"cells": {k: dict(v) for k, v in sorted(current.items())}}
    write_private(path, json.dumps(body, indent=1, sort_keys=True) + "\n")
    return done
