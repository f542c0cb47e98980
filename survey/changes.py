"""The per-item changelog of an instrument: what changed in which version, and whether an
answer may be compared with the same code in an earlier wave.

The changelog sits beside the instrument as ``<instrument file stem>.changes.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from survey.instrument import Instrument

COLUMNS = ["version", "subject", "code", "comparable", "replaces", "change"]
COMPARABLE = {"yes", "caution", "no"}


def changelog_path(instrument: Instrument) -> Path:
    source = Path(instrument.source_file)
    return source.with_name(f"{source.stem}.changes.yaml")


def instrument_changes(instrument: Instrument) -> pd.DataFrame:
    """One row per changed item, response type or context question and version.

    ``subject`` is ``item``, ``response_type``, ``context`` or ``removed``; ``comparable``
    is ``yes``, ``caution`` or ``no`` (``removed`` rows: ``no``); ``replaces`` names the
    old code a new item takes over from (``removed`` rows: the successors, comma-separated).

    Examples
    --------
    >>> from survey import load_instrument
    >>> changes = instrument_changes(load_instrument())
    >>> changes.query("code == 'KNW_CUSTOMERS_OWN'")[["version", "comparable", "replaces"]]
    ... # doctest: +NORMALIZE_WHITESPACE
       version comparable        replaces
    27     2.0         no  KNW_MARKET_OWN
    """
    path = changelog_path(instrument)
    if not path.is_file():
        return pd.DataFrame(columns=COLUMNS)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = []
    for entry in raw.get("versions", []):
        version = str(entry["version"])
        for subject, key in (("response_type", "response_types"), ("context", "context")):
            for code, what in (entry.get(key) or {}).items():
                rows.append(_row(path, version, subject, code, what))
        for code, what in (entry.get("items") or {}).items():
            rows.append(_row(path, version, "item", code, what))
        for code, successors in (entry.get("removed") or {}).items():
            rows.append(
                {
                    "version": version,
                    "subject": "removed",
                    "code": code,
                    "comparable": "no",
                    "replaces": ", ".join(successors),
                    "change": "removed; see the codes that replace it",
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(path: Path, version: str, subject: str, code: str, what: dict) -> dict:
    comparable = str(what.get("comparable", "")).lower()
    comparable = {"true": "yes", "false": "no"}.get(comparable, comparable)
    if comparable not in COMPARABLE:
        raise ValueError(
            f"{path}: {code} (version {version}): comparable must be yes, caution or no"
        )
    return {
        "version": version,
        "subject": subject,
        "code": code,
        "comparable": comparable,
        "replaces": what.get("replaces") or "",
        "change": what["change"],
    }
