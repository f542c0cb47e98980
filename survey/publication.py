"""One gate for every release of results: validation, padding bursts, the delta rule, the log.

``run``, ``brief``, ``deck`` and the notebooks all call :func:`prepare_release` on the table
they are about to analyse and then analyse only ``release.table``. When the table is a
project's export (it has a ``FILE.project.json`` manifest, written by ``export --project``
and by ``run``), the project's threshold is the floor and the release goes into the
project's log; any other file is checked for bursts only (there is no history to compare).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from survey.bursts import confirmed_path, find_bursts, read_confirmed, unconfirmed_cells
from survey.instrument import Instrument
from survey.releases import ReleaseLog, ReleasePlan, plan_release, read_manifest, record_release
from survey.schema import validate_responses


@dataclass
class Release:
    """What a release may show."""

    table: pd.DataFrame  # rows of the cells that may be shown (positions renumbered)
    rejects: list[dict]  # the read-time rejects of those rows, renumbered
    positions: np.ndarray  # row of ``table`` -> row of the table given
    quarantine: pd.DataFrame  # of the whole table given
    plan: ReleasePlan
    project: Path | None

    @property
    def held(self) -> pd.DataFrame:
        return self.plan.held

    def notes(self) -> pd.DataFrame:
        """Held cells as ``Results.notes`` rows (table ``release``)."""
        return pd.DataFrame(
            {
                "table": "release",
                "subject": [
                    f"{d}, {u}"
                    for d, u in zip(
                        self.held["department"], self.held["business_unit"], strict=True
                    )
                ],
                "note": [
                    f"held back ({r}): {t}"
                    for r, t in zip(self.held["reason"], self.held["detail"], strict=True)
                ],
            },
            columns=["table", "subject", "note"],
        )

    def messages(self) -> list[str]:
        """One line per held cell, for the console."""
        return [
            f"held back: {d} in {u}: {t}"
            for d, u, t in zip(
                self.held["department"],
                self.held["business_unit"],
                self.held["detail"],
                strict=True,
            )
        ]


def floor_threshold(data_file: str | Path | None, threshold: int | None, default: int) -> int:
    """The threshold for a data file: a project's export accepts none below the project's."""
    manifest = read_manifest(data_file) if data_file is not None else None
    if manifest is None:
        return threshold or default
    promised = manifest["anonymity_threshold"]
    if threshold is not None and threshold < promised:
        raise ValueError(
            f"--threshold {threshold} is below the {promised} promised to the respondents of "
            f"project {manifest['project_id']!r}, whose export {data_file} is; use {promised} "
            "or more"
        )
    return max(threshold or promised, promised)


def prepare_release(
    table: pd.DataFrame,
    instrument: Instrument,
    *,
    threshold: int,
    data_file: str | Path | None,
    kind: str,
    rejects: list[dict] | None = None,
    record: bool = True,
) -> Release:
    """Decide what a release of results from ``table`` (read from ``data_file``) may show,
    and record it in the project's release log when ``record``.

    Cells reached by unconfirmed bursts of near-identical answers and cells that would let
    a reader difference this release against an earlier one are held back (see
    :mod:`survey.bursts` and :mod:`survey.releases`); the release is recorded before any
    figure is written, so a release that fails half-way still counts.
    """
    rejects = list(rejects or [])
    manifest = read_manifest(data_file) if data_file is not None else None
    project = None
    log = None
    if manifest is not None:
        project = manifest["project"]
        if not project.is_dir():
            raise ValueError(
                f"{data_file} is an export of project {manifest['project_id']!r}, whose folder "
                f"{project} (with its release log) is not found"
            )
        log = ReleaseLog.open(project, manifest["project_id"])
    checked = validate_responses(table, instrument, rejects=list(rejects))
    valid = checked.valid
    columns = list(instrument.columns())
    bursts = find_bursts(valid, columns, threshold=threshold)
    where = confirmed_path(project, data_file) if (project or data_file) else None
    confirmed = read_confirmed(where) if where is not None else {}
    exclude = unconfirmed_cells(valid, columns, bursts, confirmed)
    plan = plan_release(valid, columns, threshold=threshold, log=log, exclude=exclude)
    if log is not None and record:
        record_release(log, plan, kind)
    mask = np.ones(len(table), dtype=bool)
    if not plan.held.empty:
        held = set(zip(plan.held["department"], plan.held["business_unit"], strict=True))
        pairs = zip(
            table["department"].astype(str), table["business_unit"].astype(str), strict=True
        )
        mask = np.array([p not in held for p in pairs], dtype=bool)
    positions = np.flatnonzero(mask)
    renumber = {int(old): new for new, old in enumerate(positions)}
    kept_rejects = [{**r, "index": renumber[r["index"]]} for r in rejects if r["index"] in renumber]
    return Release(
        table=table[mask].reset_index(drop=True),
        rejects=kept_rejects,
        positions=positions,
        quarantine=checked.quarantine,
        plan=plan,
        project=project,
    )
