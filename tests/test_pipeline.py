"""run_analysis on degenerate data: it notes what it leaves out instead of failing."""

from __future__ import annotations

import numpy as np

from analysis.pipeline import run_analysis
from survey.prototypes import load_prototypes
from survey.synthetic import generate


def test_constant_item_and_constant_scale_do_not_stop_the_analysis(instrument):
    data = generate(units=5, per_department=8, seed=1).responses
    data["KNW_CUSTOMERS_OWN"] = 6.0
    for col in instrument.scale_columns("knowledge_other"):
        data[col] = 5.0
    res = run_analysis(data, instrument)
    rel = res.reliability.set_index("scale")
    assert np.isfinite(rel.loc["knowledge_own", "alpha"])
    assert np.isnan(rel.loc["knowledge_own", "std_alpha"])
    assert np.isnan(rel.loc["knowledge_other", "alpha"])  # no variance at all
    noted = res.notes.query("table == 'reliability'")["subject"].tolist()
    assert "knowledge_other" in noted


def test_unit_without_a_dimension_score_is_noted(instrument):
    data = generate(units=5, per_department=8, seed=1).responses
    unit = sorted(data["business_unit"].unique())[0]
    cols = [
        c
        for s in load_prototypes().dimension_scales["knowledge"]
        for c in instrument.scale_columns(s)
    ]
    data.loc[data["business_unit"] == unit, cols] = np.nan
    res = run_analysis(data, instrument)
    assert unit not in res.prototypes["business_unit"].tolist()
    assert unit not in res.clusters["business_unit"].tolist()
    note = res.notes.set_index("subject").loc[unit]
    assert note["table"] == "clusters, prototypes" and "knowledge" in note["note"]
    assert len(res.quarantine) == 0
