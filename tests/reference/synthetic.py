"""The synthetic diagnostics the R reference scripts read (``tests/reference/data``).

``alignmeter synth --units U --per-department P --seed S`` (default scenario), every scale
item keyed (reverse items recoded, don't-know as missing), complete rows only, plus the
department and the business unit. The R scripts cannot run alignmeter, so the tables are committed;
``tests/test_reference.py`` checks that the generator still produces them byte for byte.

Run ``python tests/reference/synthetic.py`` to rewrite them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.scoring import keyed_items
from survey import load_instrument
from survey.synthetic import generate

DATA = Path(__file__).parent / "data"
# name: (units, per_department, seed)
DIAGNOSTICS = {"synth_u12_p45_s3": (12, 45, 3), "synth_u8_p30_s7": (8, 30, 7)}


def keyed_table(units: int, per_department: int, seed: int) -> pd.DataFrame:
    """Keyed scale items of one synthetic diagnostic, complete rows, with ``department``
    and ``business_unit``."""
    ins = load_instrument()
    raw = generate(units=units, per_department=per_department, seed=seed).responses
    cols: dict[str, pd.Series] = {}
    for scale in ins.scales:
        for col, values in keyed_items(raw, ins, scale.code).items():
            cols.setdefault(col, values)
    table = pd.DataFrame(cols).assign(
        department=raw["department"].to_numpy(), business_unit=raw["business_unit"].to_numpy()
    )
    return table.dropna().reset_index(drop=True)


def csv_text(name: str) -> str:
    units, per_department, seed = DIAGNOSTICS[name]
    return keyed_table(units, per_department, seed).to_csv(index=False, lineterminator="\n")


# A planted threshold shift: in sales, two of three respondents who answered the
# structural-linkages item STR_PLANNING_WORKS (7 points) with 1 to 6 move one category up
# (no category empties): sales reads the item as easier to agree with, the factor
# unchanged. The scale is scalar invariant without it.
SHIFTED_ITEM = "STR_PLANNING_WORKS"


def shifted_text() -> str:
    table = keyed_table(*DIAGNOSTICS["synth_u12_p45_s3"])
    sales = (table["department"] == "sales") & table[SHIFTED_ITEM].between(1, 6)
    # within each category every third respondent, the first included, stays: no
    # category of sales empties (WLSMV needs every category in every group)
    rank = table[SHIFTED_ITEM].where(sales).groupby(table[SHIFTED_ITEM]).cumcount()
    moved = sales & (rank % 3 != 0)
    table.loc[moved, SHIFTED_ITEM] += 1
    return table.to_csv(index=False, lineterminator="\n")


if __name__ == "__main__":
    DATA.mkdir(exist_ok=True)
    for name in DIAGNOSTICS:
        (DATA / f"{name}.csv").write_text(csv_text(name))
    (DATA / "synth_u12_p45_s3_shifted.csv").write_text(shifted_text())
