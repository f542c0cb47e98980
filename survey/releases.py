"""Releases of results and the delta rule: no respondent recoverable by comparing two of them.

A *release* is any publication of figures computed from a diagnostic's answers (``run``,
``brief``, ``deck``, the notebooks, ``status``, the admin page). Each one is appended to the
project's release log (``releases.json`` in the project folder, created 0600). Before a new
release of results, :func:`plan_release` compares every group the results aggregate over
(department x unit cells, departments, units, the whole company) with every earlier release:
a group that would be shown and whose membership changed by fewer respondents than the
threshold (``0 < |n2 - n1| < threshold``, or the same ``n`` but other answers) would let
``n2 * m2 - n1 * m1`` give the changed respondents' answers away. The department x unit
cells that changed inside such a group are held back (their rows are left out of every
table of this release) until enough answers have changed, as employee-survey platforms do
with their "minimum change" (delta) rules.

What the log holds, per group: ``n`` (only when the group is at or above the threshold, so
shown anyway) and a salted SHA-256 *digest* of the group's answer sums. The digest is all
that is needed to tell "same respondents" from "as many, but others"; the aggregates
themselves are not kept, so the log is not a second copy of old results that outlives them.
The digest can only be checked by someone who already holds the answers. Release dates are
kept to the day (times would date the arrival of answers between two releases).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

RELEASE_LOG = "releases.json"
MANIFEST_SUFFIX = ".project.json"  # sidecar of an export: which project it came from
RESULT_KINDS = ("run", "brief", "deck", "notebooks")
STATUS_KINDS = ("status", "admin")
CELL = ("department", "business_unit")
LOG_VERSION = 1


def write_private(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` readable by its owner only (0600), whatever the umask.

    Written to a private temporary file first and renamed, so a reader never sees half a
    file and an existing file's wider permissions do not survive.
    """
    # Kept local until the store helper's shared private-file helper lands.
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def group_key(department: str | None = None, business_unit: str | None = None) -> str:
    """The log's name of a group: ``department=sales|business_unit=north``, ``all`` ..."""
    parts = [f"department={department}"] if department is not None else []
    if business_unit is not None:
        parts.append(f"business_unit={business_unit}")
    return "|".join(parts) or "all"


def _cells_of(key: str, cells: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The department x unit cells a group is made of."""
    want = dict(p.split("=", 1) for p in key.split("|")) if key != "all" else {}
    return [
        c
        for c in cells
        if want.get("department", c[0]) == c[0] and want.get("business_unit", c[1]) == c[1]
    ]


def _numeric_columns(valid: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    return [c for c in columns if c in valid and pd.api.types.is_numeric_dtype(valid[c])]


def group_fingerprints(
    valid: pd.DataFrame, columns: Iterable[str], salt: str
) -> dict[str, tuple[int, str]]:
    """``{group key: (n, digest)}`` for every cell, department, unit and the whole table.

    The digest covers, per answer column, the sum and the count of answers; sums are taken
    over sorted values so that the row order (random in an export) cannot change them.
    """
    cols = _numeric_columns(valid, columns)
    values = valid[cols].to_numpy(dtype=float) if cols else np.empty((len(valid), 0))
    dept = valid["department"].astype(str).to_numpy()
    unit = valid["business_unit"].astype(str).to_numpy()
    groups: dict[str, np.ndarray] = {"all": np.ones(len(valid), dtype=bool)}
    for d in np.unique(dept):
        groups[group_key(d)] = dept == d
        for u in np.unique(unit[dept == d]):
            groups[group_key(d, u)] = (dept == d) & (unit == u)
    for u in np.unique(unit):
        groups[group_key(business_unit=u)] = unit == u
    out = {}
    for key, mask in groups.items():
        part = values[mask]
        sums = np.sort(np.where(np.isnan(part), 0.0, part), axis=0).sum(axis=0)
        counts = (~np.isnan(part)).sum(axis=0)
        payload = json.dumps(
            [salt, int(mask.sum()), [float(s).hex() for s in sums], counts.tolist()]
        )
        out[key] = (int(mask.sum()), hashlib.sha256(payload.encode()).hexdigest()[:32])
    return out


@dataclass
class ReleaseLog:
    """A project's release log (``releases.json``, 0600)."""

    path: Path
    project_id: str
    salt: str
    releases: list[dict] = field(default_factory=list)

    @classmethod
    def open(cls, folder: str | Path, project_id: str) -> ReleaseLog:
        path = Path(folder) / RELEASE_LOG
        if not path.is_file():
            return cls(path, project_id, secrets.token_hex(16))
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            log = cls(path, raw["project_id"], raw["salt"], list(raw["releases"]))
        except (ValueError, KeyError, TypeError) as exc:
            # A damaged log must stop releases, not silently start a new history.
            raise ValueError(
                f"{path}: the release log cannot be read ({exc}); restore it from a backup"
            ) from None
        if log.project_id != project_id:
            raise ValueError(
                f"{path}: release log of project {log.project_id!r}, not {project_id!r}"
            )
        return log

    def result_releases(self) -> list[dict]:
        return [r for r in self.releases if r["kind"] in RESULT_KINDS]

    def append(self, entry: dict) -> None:
        entry = {"seq": len(self.releases) + 1, **entry}
        self.releases.append(entry)
        self.save()

    def save(self) -> None:
        data = {
            "version": LOG_VERSION,
            "project_id": self.project_id,
            "salt": self.salt,
            "releases": self.releases,
        }
        write_private(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")


@dataclass
class ReleasePlan:
    """Which department x unit cells a release of results may include."""

    held: pd.DataFrame  # department, business_unit, reason, detail
    cells: dict[str, dict]  # the log entry's cells
    threshold: int

    def keep(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` without the rows of held cells (rows of other cells untouched)."""
        if self.held.empty:
            return table
        held = set(zip(self.held["department"], self.held["business_unit"], strict=True))
        cell = zip(table["department"].astype(str), table["business_unit"].astype(str), strict=True)
        return table[np.array([c not in held for c in cell], dtype=bool)]


HELD_COLUMNS = ["department", "business_unit", "reason", "detail"]


def plan_release(
    valid: pd.DataFrame,
    columns: Iterable[str],
    *,
    threshold: int,
    log: ReleaseLog | None,
    exclude: dict[tuple[str, str], tuple[str, str]] | None = None,
) -> ReleasePlan:
    """Decide which cells of ``valid`` (the validated rows) a release may show.

    ``exclude`` maps cells held for another reason (an unconfirmed burst) to
    ``(reason, detail)``. Without a ``log`` only those are held. A cell is held when a group
    it belongs to would be shown (at least ``threshold`` respondents) and differs from the
    same group in an earlier release of results by fewer than the threshold of the larger
    of the two releases' thresholds; of such a group, the cells that changed are held (all
    of its cells when none did: its change then comes from cells already held).
    """
    columns = list(columns)
    held: dict[tuple[str, str], tuple[str, str]] = dict(exclude or {})
    all_cells = sorted(
        {(str(d), str(u)) for d, u in zip(valid["department"], valid["business_unit"], strict=True)}
    )
    salt = log.salt if log is not None else ""
    earlier = log.result_releases() if log is not None else []
    while True:
        included = [c for c in all_cells if c not in held]
        rows = _rows_of(valid, included)
        prints = group_fingerprints(rows, columns, salt)
        failed: list[tuple[str, dict, int]] = []
        for key, (n, digest) in prints.items():
            if n < threshold:
                continue  # not shown on its own: nothing to difference against
            for entry in earlier:
                old = entry["cells"].get(key)
                if not old or old.get("n") is None:
                    continue
                limit = max(threshold, int(entry.get("threshold", threshold)))
                change = abs(n - old["n"])
                if (change == 0 and old["digest"] != digest) or 0 < change < limit:
                    failed.append((key, entry, limit))
                    break
        if not failed:
            break
        # Decided on this round's cells, applied together: a cell held for one group must
        # not make the next group look as if none of its cells had changed.
        drops: dict[tuple[str, str], tuple[str, str]] = {}
        for key, entry, limit in failed:
            members = _cells_of(key, included)
            changed = [c for c in members if _changed(c, entry, prints)]
            reason = (
                f"differs from release {entry['seq']} ({entry['released_on']}) by fewer than "
                f"{limit} respondents"
            )
            for c in changed or members:
                drops.setdefault(c, ("delta", reason))
        for c, why in drops.items():
            held.setdefault(c, why)
    cells = {}
    for key, (n, digest) in prints.items():
        single = key.count("|") == 1
        if n >= threshold:
            cells[key] = {"n": n, "digest": digest}
        elif single:
            # Kept without n: only to tell later whether this (unshown) cell changed.
            cells[key] = {"n": None, "digest": digest}
    frame = pd.DataFrame(
        [(d, u, r, t) for (d, u), (r, t) in sorted(held.items())], columns=HELD_COLUMNS
    )
    return ReleasePlan(held=frame, cells=cells, threshold=threshold)


def _rows_of(valid: pd.DataFrame, cells: list[tuple[str, str]]) -> pd.DataFrame:
    keys = set(cells)
    pairs = zip(valid["department"].astype(str), valid["business_unit"].astype(str), strict=True)
    # an array, not a list: an empty list would select columns
    return valid[np.array([p in keys for p in pairs], dtype=bool)]


def _changed(cell: tuple[str, str], entry: dict, prints: dict[str, tuple[int, str]]) -> bool:
    key = group_key(*cell)
    old, now = entry["cells"].get(key), prints.get(key)
    if now is None:
        return False  # not in this release at all
    return old is None or old["digest"] != now[1]


def record_release(log: ReleaseLog, plan: ReleasePlan, kind: str, **extra: object) -> dict:
    """Append a release of results to the log and return its entry."""
    if kind not in RESULT_KINDS:
        raise ValueError(f"unknown kind of release {kind!r}; use one of {RESULT_KINDS}")
    entry = {
        "kind": kind,
        "released_on": dt.date.today().isoformat(),
        "threshold": plan.threshold,
        "cells": plan.cells,
        "held": [
            group_key(d, u)
            for d, u in zip(plan.held["department"], plan.held["business_unit"], strict=True)
        ],
        **extra,
    }
    log.append(entry)
    return entry


def record_status(log: ReleaseLog, table: pd.DataFrame, kind: str = "status") -> None:
    """Record a status release (the masked counts exactly as shown), one entry per day and
    kind: a log of every poll would date each answer's arrival."""
    if kind not in STATUS_KINDS:
        raise ValueError(f"unknown kind of status release {kind!r}; use one of {STATUS_KINDS}")
    today = dt.date.today().isoformat()
    cells = {}
    for row in table.to_dict("records"):
        dept, unit = row.get("department"), row.get("business_unit")
        key = "all" if dept == "total" else group_key(dept, unit)
        cells[key] = {
            k: (v if isinstance(v, str) else int(v))
            for k, v in row.items()
            if k in ("invited", "in_progress", "complete")
        }
    log.releases = [
        r for r in log.releases if not (r["kind"] == kind and r["released_on"] == today)
    ]
    for i, r in enumerate(log.releases, start=1):
        r["seq"] = i
    log.append({"kind": kind, "released_on": today, "cells": cells})


def write_manifest(
    data_file: str | Path, project_folder: str | Path, project_id: str, threshold: int
) -> Path:
    """Mark ``data_file`` as an export of a project (sidecar ``FILE.project.json``), so that
    a later ``run --data FILE`` keeps to the project's threshold and release log."""
    data_file = Path(data_file)
    body = {
        "project": str(Path(project_folder).resolve()),
        "project_id": project_id,
        "anonymity_threshold": threshold,
    }
    return write_private(manifest_path(data_file), json.dumps(body, indent=1) + "\n")


def manifest_path(data_file: str | Path) -> Path:
    data_file = Path(data_file)
    return data_file.with_name(data_file.name + MANIFEST_SUFFIX)


def read_manifest(data_file: str | Path) -> dict | None:
    """The project a data file was exported from, or None for any other file."""
    path = manifest_path(data_file)
    if not path.is_file():
        return None
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return {
            "project": Path(body["project"]),
            "project_id": str(body["project_id"]),
            "anonymity_threshold": int(body["anonymity_threshold"]),
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a readable export manifest ({exc})") from None
