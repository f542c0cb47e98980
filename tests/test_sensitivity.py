"""Headline gaps with and without flagged respondents, and the subtraction attack on it."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.gaps import perception_gaps
from analysis.sensitivity import flagged_respondents, gap_sensitivity
from survey.synthetic import generate


@pytest.fixture(scope="module")
def messy():
    return generate(units=6, per_department=20, seed=5, scenario="messy").responses


def test_with_and_without_flagged(messy, instrument):
    gaps = perception_gaps(messy, instrument)
    flagged = flagged_respondents(messy, instrument)
    assert flagged.sum() > 0
    codes = ["information_quality", "lead_management", "shared_goals"]
    sens = gap_sensitivity(messy, instrument, gaps, codes, flagged=flagged)
    excluded = sens.attrs["excluded"]
    if sens.empty:  # a department with 1-4 flagged respondents must not be compared
        assert any(0 < k < 5 for k in excluded.values()), sens.attrs
        return
    without = perception_gaps(
        messy[~messy["respondent_id"].map(flagged).to_numpy()], instrument
    ).set_index("code")
    assert sens["effect_without"].tolist() == pytest.approx(without.loc[codes, "effect"].tolist())
    assert sens["effect_all"].tolist() == pytest.approx(
        gaps.set_index("code").loc[codes, "effect"].tolist()
    )


def test_too_few_flagged_is_not_shown(messy, instrument):
    """Subtraction attack: with 2 flagged sales respondents, n*m_all - (n-2)*m_without would
    give those two people's mean, so the comparison must not be published."""
    gaps = perception_gaps(messy, instrument)
    sales = messy.loc[messy["department"] == "sales", "respondent_id"].iloc[:2]
    flagged = pd.Series(messy["respondent_id"].isin(sales).to_numpy(), index=messy["respondent_id"])
    sens = gap_sensitivity(messy, instrument, gaps, ["information_quality"], flagged=flagged)
    assert sens.empty
    assert "reveal" in sens.attrs["reason"]
    assert sens.attrs["excluded"] == {"marketing": 0, "sales": 2}


def test_enough_flagged_in_both_departments_is_shown(messy, instrument):
    gaps = perception_gaps(messy, instrument)
    ids = (
        messy.groupby("department")["respondent_id"]
        .apply(lambda s: s.sample(6, random_state=1))
        .tolist()
    )
    flagged = pd.Series(messy["respondent_id"].isin(ids).to_numpy(), index=messy["respondent_id"])
    sens = gap_sensitivity(messy, instrument, gaps, ["information_quality"], flagged=flagged)
    assert len(sens) == 1
    assert sens.attrs["excluded"] == {"marketing": 6, "sales": 6}
    assert sens["changed"].iloc[0] in (True, False)
