"""Profiles, anonymity, configurations and the relationship stage on planted data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from analysis.anonymity import suppression_mask
from analysis.configurations import (
    cluster_units,
    configuration_map,
    nearest_prototype,
    relationship_stage,
)
from analysis.gaps import perception_gaps
from analysis.profiles import profile_matrix, unit_profiles
from analysis.scoring import score_scales
from survey.prototypes import DIMENSIONS, load_prototypes
from survey.synthetic import generate


@pytest.fixture(scope="module")
def clean(instrument):
    diag = generate(units=20, per_department=20, seed=31, scenario="clean")
    return diag, profile_matrix(unit_profiles(diag.responses, instrument))


def test_configurations_are_recovered_on_the_clean_scenario(clean):
    diag, matrix = clean
    truth = [diag.truth["units"][u] for u in matrix.index]
    clusters, selection = cluster_units(matrix, n_boot=30)
    assert adjusted_rand_score(truth, clusters["cluster"]) >= 0.9
    assert int(selection.loc[selection["chosen"], "k"].iloc[0]) == 5
    chosen = selection[selection["chosen"]].iloc[0]
    assert chosen["stability_ari"] > 0.8
    proto = nearest_prototype(matrix)
    assert adjusted_rand_score(truth, proto["configuration"]) >= 0.9
    assert proto["approximate"].all()


def test_unit_levels_match_planted_levels(clean):
    diag, matrix = clean
    planted = pd.DataFrame(diag.truth["unit_levels"]).T.loc[matrix.index, list(DIMENSIONS)]
    for dim in DIMENSIONS:
        assert matrix[dim].corr(planted[dim]) > 0.95, dim


def test_nearest_prototype_of_a_prototype_is_itself():
    protos = load_prototypes()
    frame = pd.DataFrame({name: c.profile for name, c in protos.configurations.items()}).T
    res = nearest_prototype(frame[list(DIMENSIONS)])
    assert (res["configuration"] == res["business_unit"]).all()
    assert (res["distance"] == 0).all()


def test_configuration_map_places_units_and_prototypes(clean):
    _, matrix = clean
    points = configuration_map(matrix, nearest_prototype(matrix))
    assert (points["kind"] == "unit").sum() == len(matrix)
    assert (points["kind"] == "prototype").sum() == 5


def test_stage_bands():
    scores = pd.DataFrame(
        {
            "scale": "relationship_stage",
            "department": ["marketing"] * 3 + ["sales"] * 3,
            "mean": [1.5, 1.8, 1.7, 4.5, 4.2, 4.4],
        }
    )
    stage = relationship_stage(scores, threshold=3).set_index("group")
    assert stage.loc["marketing", "stage"] == "undefined"  # 20 x 1.67 = 33
    assert stage.loc["sales", "stage"] == "integrated"  # 20 x 4.37 = 87
    assert stage.loc["all", "total"] == pytest.approx(20 * scores["mean"].mean())


def test_stage_hides_small_groups_and_their_complement():
    scores = pd.DataFrame(
        {
            "scale": "relationship_stage",
            "department": ["marketing"] * 8 + ["sales"] * 3,
            "mean": [3.0, 3.5, 3.2, 2.8, 3.1, 3.3, 2.9, 3.0, 4.5, 4.2, 4.4],
        }
    )
    # Sales (3) is below the threshold; showing marketing beside "all" would reveal it.
    stage = relationship_stage(scores)
    assert stage["group"].tolist() == ["all"] and stage["n"].tolist() == [11]
    assert relationship_stage(scores.head(4)).empty


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"a": 12, "b": 3, "c": 8, "d": 20}, {"b", "c"}),  # b alone = total - others
        ({"a": 12, "b": 2, "c": 2, "d": 20}, {"a", "b", "c"}),  # 2 + 2 < 5: add the next
        ({"a": 2, "b": 2, "c": 6, "d": 20}, {"a", "b", "c"}),
        ({"a": 9, "b": 7}, set()),
    ],
)
def test_suppression_cannot_be_undone_by_subtraction(counts, hidden):
    mask = suppression_mask(pd.Series(counts))
    assert set(mask.index[mask]) == hidden
    if hidden:
        assert sum(counts[h] for h in hidden) >= 5 and len(hidden) >= 2


def test_small_unit_never_appears(instrument):
    diag = generate(units=6, per_department=10, seed=2, scenario="small_unit")
    small = "unit_07"
    assert (diag.responses["business_unit"] == small).sum() == 6
    profiles = unit_profiles(diag.responses, instrument)
    assert small not in set(profiles["business_unit"])
    # the suppressed unit cannot be recovered from the department totals either: on every
    # dimension another cell of its department is hidden with it
    units = set(diag.responses["business_unit"])
    for (_, dept), part in profiles.groupby(["dimension", "department"]):
        if dept != "all":
            assert len(units - set(part["business_unit"])) >= 2
    scores = score_scales(diag.responses, instrument)
    assert set(scores["business_unit"]) >= {small}  # respondent-level data keeps everyone
    assert perception_gaps(diag.responses, instrument)["suppressed"].sum() == 0


def test_identical_units_cannot_be_clustered():
    same = pd.DataFrame(
        np.full((5, 5), 50.0), columns=list(DIMENSIONS), index=[f"u{i}" for i in range(5)]
    )
    with pytest.raises(ValueError, match="identical profiles"):
        cluster_units(same, n_boot=5)
