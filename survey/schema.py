"""Validate a wide response table against a pandera schema generated from the instrument.

Nothing is dropped silently: every failing cell becomes a line of the quarantine table
(row, respondent_id, column, value, reason) and its row is held back from the valid table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from survey.errors import shorten
from survey.instrument import LANGUAGES, Instrument, Item
from survey.responses import STATUSES, conform

MAX_TEXT_LENGTH = 5000
QUARANTINE_COLUMNS = ("row", "respondent_id", "column", "value", "reason")


@dataclass(frozen=True)
class ValidationResult:
    """The rows that passed, and one quarantine line per failing cell."""

    valid: pd.DataFrame
    quarantine: pd.DataFrame

    @property
    def ok(self) -> bool:
        return self.quarantine.empty


def _allowed_codes(instrument: Instrument, item: Item) -> list[float]:
    codes = [float(o.code) for o in instrument.options(item)]
    if item.dont_know:
        codes.append(float(instrument.dont_know.code))
    return codes


def _item_checks(instrument: Instrument, item: Item) -> list[pa.Check]:
    kind = instrument.kind(item)
    dk = float(instrument.dont_know.code)
    if kind == "multiple":
        return [pa.Check.isin([0.0, 1.0], error="multiple choice option must be 0 or 1")]
    if kind in {"percent", "constant_sum"}:
        low, high = instrument.value_range(item)
        in_range = pa.Check(
            lambda s, lo=low, hi=high, dk_ok=item.dont_know: (
                s.between(lo, hi) | ((s == dk) if dk_ok else False)
            ),
            error=f"value must be between {low} and {high}"
            + (f" or {int(dk)} (don't know)" if item.dont_know else ""),
        )
        return [in_range]
    if kind == "text":
        return [
            pa.Check.str_length(
                max_value=MAX_TEXT_LENGTH, error=f"text longer than {MAX_TEXT_LENGTH}"
            )
        ]
    codes = _allowed_codes(instrument, item)
    shown = ", ".join(str(int(c)) for c in codes)
    return [pa.Check.isin(codes, error=f"code not one of {shown}")]


def response_schema(instrument: Instrument) -> pa.DataFrameSchema:
    """The pandera schema of the canonical wide table for ``instrument``.

    Examples
    --------
    >>> from survey import load_instrument
    >>> schema = response_schema(load_instrument())
    >>> "LEA_QUALITY" in schema.columns, schema.columns["department"].nullable
    (True, False)
    """
    columns: dict[str, pa.Column] = {
        "respondent_id": pa.Column(
            str, [pa.Check.str_length(min_value=1, error="empty respondent_id")], unique=True
        ),
        "submitted_at": pa.Column("datetime64[s, UTC]", nullable=True),
        "department": pa.Column(
            str, pa.Check.isin(list(instrument.departments), error="unknown department")
        ),
        "business_unit": pa.Column(
            str, pa.Check.str_length(min_value=1, error="empty business_unit")
        ),
        "role": pa.Column(
            str,
            pa.Check.isin(_context_codes(instrument, "role"), error="unknown role"),
            nullable=True,
        ),
        "tenure": pa.Column(
            str,
            pa.Check.isin(_context_codes(instrument, "tenure"), error="unknown tenure"),
            nullable=True,
        ),
        "language": pa.Column(str, pa.Check.isin(list(LANGUAGES), error="unknown language")),
        "duration_s": pa.Column(float, pa.Check.ge(0, error="negative duration"), nullable=True),
        "status": pa.Column(str, pa.Check.isin(list(STATUSES), error="unknown status")),
    }
    for col, item in instrument.column_map.items():
        dtype = str if instrument.kind(item) == "text" else float
        columns[col] = pa.Column(dtype, _item_checks(instrument, item), nullable=True)
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name=instrument.id)


def _context_codes(instrument: Instrument, column: str) -> list[str]:
    return [code for q in instrument.context if q.column == column for code in q.options]


def _row_failures(wide: pd.DataFrame, instrument: Instrument) -> list[pd.DataFrame]:
    """Checks across the columns of one item: constant sums and choice limits."""
    dk = float(instrument.dont_know.code)
    out = []
    for item in instrument.items:
        kind = instrument.kind(item)
        if kind not in {"constant_sum", "multiple"}:
            continue
        block = wide[instrument.item_columns(item)].to_numpy(dtype="float64")
        answered = ~np.isnan(block).all(axis=1)
        if kind == "constant_sum":
            total = instrument.response_type(item).total
            is_dk = (block == dk).all(axis=1)
            bad = answered & ~is_dk & ~np.isclose(np.nansum(block, axis=1), total)
            reason = f"parts of {item.code} must add up to {total}"
        elif kind == "multiple" and item.max_choices:
            bad = answered & (np.nansum(block == 1, axis=1) > item.max_choices)
            reason = f"{item.code} allows at most {item.max_choices} choices"
        else:
            continue
        if bad.any():
            rows = np.flatnonzero(bad)
            out.append(
                pd.DataFrame(
                    {
                        "index": rows,
                        "column": item.code,
                        "failure_case": [";".join(f"{v:g}" for v in block[r]) for r in rows],
                        "reason": reason,
                    }
                )
            )
    return out


def validate_responses(
    wide: pd.DataFrame, instrument: Instrument, *, rejects: list[dict] | None = None
) -> ValidationResult:
    """Split a wide table into valid rows and a quarantine of failing cells.

    The table is first brought into canonical column order and dtypes; a table that cannot
    be (a missing metadata column, an unknown column) raises ``ValueError`` naming the
    column, since no row of it could be judged. Cells that are not numbers or dates where
    those belong quarantine their row, as do the ``rejects`` found earlier by
    :func:`survey.responses.conform` (when the table was read with ``rejects=``). ``row``
    is the 0-based position in the table.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.responses import empty_wide
    >>> ins = load_instrument()
    >>> wide = empty_wide(ins, 2)
    >>> wide[["respondent_id", "department", "business_unit"]] = [["a", "sales", "north"],
    ...                                                          ["b", "sales", "north"]]
    >>> wide["OUT_GRADE"] = [2.0, 9.0]
    >>> result = validate_responses(wide, ins)
    >>> len(result.valid), result.quarantine[["row", "column", "value"]].to_numpy().tolist()
    (1, [[1, 'OUT_GRADE', '9']])
    """
    found = list(rejects or [])
    wide = conform(wide, instrument, rejects=found)
    failures: list[pd.DataFrame] = []
    if found:
        failures.append(pd.DataFrame(found, columns=["index", "column", "failure_case", "reason"]))
    try:
        response_schema(instrument).validate(wide, lazy=True)
    except SchemaErrors as err:
        cases = err.failure_cases
        cases = cases[cases["index"].notna()].copy()
        cases["reason"] = [_reason(check) for check in cases["check"].astype(str)]
        failures.append(cases[["index", "column", "failure_case", "reason"]])
    failures += _row_failures(wide, instrument)
    if failures:
        bad = pd.concat(failures, ignore_index=True)
        bad["index"] = bad["index"].astype("int64")
        bad = bad.sort_values(["index", "column"], kind="stable")
        quarantine = pd.DataFrame(
            {
                "row": bad["index"].to_numpy(),
                "respondent_id": wide["respondent_id"].to_numpy()[bad["index"].to_numpy()],
                "column": bad["column"].astype(str).to_numpy(),
                "value": [_show(v) for v in bad["failure_case"]],
                "reason": bad["reason"].to_numpy(),
            }
        )
        valid = wide.drop(index=quarantine["row"].unique()).reset_index(drop=True)
    else:
        quarantine = pd.DataFrame({c: pd.Series(dtype="object") for c in QUARANTINE_COLUMNS})
        quarantine["row"] = quarantine["row"].astype("int64")
        valid = wide
    return ValidationResult(valid=valid, quarantine=quarantine.reset_index(drop=True))


def _reason(check: str) -> str:
    # pandera reports the `error=` text of custom checks, and a name for built-in ones.
    return {"field_uniqueness": "duplicate respondent_id", "not_nullable": "missing value"}.get(
        check, check
    )


def _show(value: object) -> str:
    # A quarantine line shows an excerpt: it is printed, logged and opened in Excel, and a
    # free-text answer in full has no place there.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return shorten(value)
