"""The synthetic generator: deterministic, and its marginals match what it planted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from survey.responses import answers
from survey.synthetic import SCENARIOS, generate, write_diagnostic


@pytest.fixture(scope="module")
def big():
    return generate(units=20, per_department=60, seed=11, scenario="clean")


def test_same_seed_same_bytes(tmp_path):
    a = write_diagnostic(generate(units=4, per_department=6, seed=5), tmp_path / "a.csv")
    b = write_diagnostic(generate(units=4, per_department=6, seed=5), tmp_path / "b.csv")
    c = write_diagnostic(generate(units=4, per_department=6, seed=6), tmp_path / "c.csv")
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes() == b[1].read_bytes()
    assert a[0].read_bytes() != c[0].read_bytes()
    truth = json.loads(a[1].read_text(encoding="utf-8"))
    assert truth["seed"] == 5 and len(truth["units"]) == 4


def test_shape_and_units(big, instrument):
    wide = big.responses
    assert len(wide) == 20 * 2 * 60
    assert wide.groupby(["business_unit", "department"]).size().eq(60).all()
    assert set(big.truth["units"].values()) == set(
        [
            "ambivalent_hierarchy",
            "brand_focused_professionals",
            "marketing_driven_devils_advocacy",
            "sales_driven_symbiosis",
            "sales_rules",
        ]
    )


def _shares(series, k):
    counts = series.value_counts(normalize=True)
    return np.array([counts.get(float(c), 0.0) for c in range(1, k + 1)])


def test_meeting_puzzle_and_follow_up_are_planted(big):
    wide, planted = big.responses, big.truth["planted"]
    for dept in ("marketing", "sales"):
        rows = wide[wide["department"] == dept]
        np.testing.assert_allclose(
            _shares(rows["INF_MEET_FREQ"], 7), planted["INF_MEET_FREQ"][dept], atol=0.03
        )
        np.testing.assert_allclose(
            _shares(rows["LEA_FOLLOWUP_TIME"], 6), planted["LEA_FOLLOWUP_TIME"][dept], atol=0.03
        )
        assert rows["LEA_FOLLOWUP_RATE"].mean() == pytest.approx(
            planted["LEA_FOLLOWUP_RATE"][dept], abs=1.5
        )
        assert (rows["LEA_SCORING_JOINT"] == 1).mean() == pytest.approx(
            planted["LEA_SCORING_JOINT"][dept], abs=0.03
        )
    modal = wide.groupby("department")["INF_MEET_FREQ"].agg(lambda s: s.mode()[0])
    assert modal.to_dict() == {"marketing": 3.0, "sales": 5.0}  # weekly vs quarterly


def test_item_means_match_the_latent_model(big, instrument):
    values = answers(big.responses, instrument)
    dept = big.responses["department"]
    expected = big.truth["expected_item_means"]
    assert len(expected) >= 40
    for col, means in expected.items():
        for d in ("marketing", "sales"):
            got = values.loc[dept == d, col].mean()
            assert got == pytest.approx(means[d], abs=0.15), (col, d)
    lq = expected["LEA_QUALITY"]
    assert lq["marketing"] - lq["sales"] > 0.8  # sales rates lead quality lower


def test_unit_levels_are_recoverable(big, instrument):
    values = answers(big.responses, instrument)
    cols = instrument.scale_columns("structural_linkages")
    keyed = values[cols].copy()
    for c in cols:
        if instrument.item(c).reverse:
            keyed[c] = 8 - keyed[c]
    unit_mean = keyed.mean(axis=1).groupby(big.responses["business_unit"]).mean()
    planted = {u: lv["structure"] for u, lv in big.truth["unit_levels"].items()}
    index = (unit_mean - 1) / 6 * 100
    corr = np.corrcoef(index.to_numpy(), [planted[u] for u in index.index])[0, 1]
    assert corr > 0.95


def test_null_scenario_plants_no_department_difference():
    diag = generate(units=10, per_department=80, seed=3, scenario="null")
    wide = diag.responses
    for col in ("INF_MEET_FREQ", "LEA_FOLLOWUP_RATE", "KNW_CUSTOMERS_OWN", "ORI_HORIZON_OWN"):
        means = wide[wide[col] != -9].groupby("department")[col].mean()
        assert abs(means["marketing"] - means["sales"]) < 0.25 * wide[col].std(), col
    assert diag.truth["scale_bias"] == {} and diag.truth["self_bias"] == 0.0


def test_data_quality_problems_are_planted_and_recorded(instrument):
    diag = generate(units=6, per_department=25, seed=4, scenario="messy")
    wide = diag.responses.set_index("respondent_id")
    dq = diag.truth["data_quality"]
    sc = SCENARIOS["messy"]
    n = 6 * 2 * 25
    assert len(dq["speeders"]) == round(sc.speeders * n)
    assert wide.loc[dq["speeders"], "duration_s"].max() < wide["duration_s"].median() / 4
    agree7 = [c for c in instrument.columns() if instrument.column_map[c].type == "agree7"]
    straight = wide.loc[[r for r in dq["straight_liners"] if r not in dq["partial"]], agree7]
    assert (straight.nunique(axis=1) == 1).all()
    assert (wide.loc[dq["partial"], "status"] == "partial").all()
    assert wide.loc[dq["partial"], "submitted_at"].isna().all()
    assert len(dq["duplicates"]) == round(sc.duplicates * n)
    for original, copy in dq["duplicates"]:
        items = instrument.columns()
        assert wide.loc[original, items].equals(wide.loc[copy, items])


def test_small_unit_scenario_has_a_unit_below_the_threshold():
    diag = generate(units=5, per_department=10, seed=1, scenario="small_unit")
    sizes = diag.responses.groupby(["business_unit", "department"]).size()
    assert sizes.min() == 3 and (sizes < 5).sum() == 2


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown scenario 'bogus'"):
        generate(scenario="bogus")
    with pytest.raises(ValueError, match="at least 1"):
        generate(units=0)
