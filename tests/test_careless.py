"""Careless-responding indices against R (psych::outlier and careless's definitions),
and their flags on a synthetic diagnostic with planted careless respondents."""

from __future__ import annotations

import numpy as np
import pytest
from r_reference import data as reference_data
from r_reference import load as reference

from survey.quality import (
    CARELESS_THRESHOLDS,
    careless_indices,
    evenodd,
    irv,
    longstring,
    mahalanobis,
)


@pytest.fixture(scope="module")
def ref():
    raw = reference("careless")
    return {
        k: np.array([np.nan if v == "NA" else v for v in raw[k]], dtype=float)
        if isinstance(raw[k], list)
        else raw[k]
        for k in raw
    }


@pytest.fixture(scope="module")
def x():
    return reference_data("careless").to_numpy(dtype=float)


def test_longstring_matches_r(ref, x):
    np.testing.assert_array_equal(longstring(x), ref["longstring"])


def test_irv_matches_r(ref, x):
    np.testing.assert_allclose(irv(x), ref["irv"], rtol=1e-12)


def test_mahalanobis_matches_psych_outlier(ref, x):
    np.testing.assert_allclose(mahalanobis(x), ref["mahalanobis"], rtol=1e-9)


def test_evenodd_matches_r(ref, x):
    factors = [int(f) for f in ref["factors"]]
    np.testing.assert_allclose(evenodd(x, factors), ref["evenodd"], rtol=1e-10, equal_nan=True)


def test_planted_careless_respondents_are_flagged(instrument):
    from survey.synthetic import generate

    diag = generate(units=6, per_department=20, seed=5, scenario="messy")
    data = diag.responses.copy()
    codes = [i.code for i in instrument.items if instrument.kind(i) in {"agreement", "bipolar"}]
    rng = np.random.default_rng(1)
    random_ids = data["respondent_id"].iloc[:10].tolist()
    for rid in random_ids:  # uniform random answers on every rating item
        row = data["respondent_id"] == rid
        for code in codes:
            low, high = instrument.value_range(code)
            data.loc[row, code] = rng.integers(low, high + 1)
    ci = careless_indices(data, instrument).set_index("respondent_id")
    straight = diag.truth["data_quality"]["straight_liners"]
    assert ci.loc[straight, "irv"].mean() < ci["irv"].median()
    assert ci.loc[random_ids, "mahalanobis"].min() > ci["mahalanobis"].median()
    # Every random responder is far out by Mahalanobis distance; even-odd, over only a dozen
    # scales, misses about half of them by chance, so the two-index rule catches about half
    # (5 of the 10 planted here) while keeping false alarms among the others below 5%.
    assert ci.loc[random_ids, "mahalanobis_flag"].all()
    assert ci.loc[random_ids, "careless"].sum() >= 4
    assert ci.loc[straight, "longstring_flag"].all()
    honest = ci.drop(index=[*random_ids, *straight])
    assert honest["careless"].mean() < 0.05  # few false alarms among ordinary respondents


def test_thresholds_live_in_one_place():
    assert set(CARELESS_THRESHOLDS) == {
        "longstring_share",
        "irv_max",
        "mahalanobis_confidence",
        "evenodd_min",
        "min_indices",
    }
