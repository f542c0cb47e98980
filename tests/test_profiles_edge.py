"""Unit profiles suppress per dimension, on the respondents scored on it."""

from __future__ import annotations

import numpy as np

from analysis.profiles import unit_profiles
from survey.prototypes import load_prototypes
from survey.synthetic import generate


def test_cells_are_suppressed_on_valid_scores_per_dimension(instrument):
    data = generate(units=4, per_department=8, seed=2).responses
    unit = sorted(data["business_unit"].unique())[0]
    sales = data[(data["business_unit"] == unit) & (data["department"] == "sales")].index
    power = load_prototypes().dimension_scales["power"]
    cols = [c for s in power for c in instrument.scale_columns(s)]
    data.loc[sales[2:], cols] = np.nan  # two respondents left with a power score
    prof = unit_profiles(data, instrument)
    assert (prof["n"] >= 5).all()
    cells = prof.set_index(["business_unit", "department", "dimension"])
    assert (unit, "sales", "power") not in cells.index
    assert (unit, "all", "power") not in cells.index  # all - marketing would reveal it
    assert (unit, "sales", "information") in cells.index
    # Every combined row rests on two shown department cells.
    for u, _, dim in cells.index[cells.index.get_level_values(1) == "all"]:
        assert (u, "marketing", dim) in cells.index and (u, "sales", dim) in cells.index
