"""Data-quality flags: hand-built cases and the problems the synthetic generator plants."""

from __future__ import annotations

import numpy as np
import pytest

from survey import load_instrument
from survey.quality import item_blocks, quality_flags
from survey.responses import empty_wide
from survey.synthetic import generate


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def _table(instrument, n=6):
    wide = empty_wide(instrument, n)
    wide["respondent_id"] = [f"r{i}" for i in range(n)]
    wide["department"] = "sales"
    wide["business_unit"] = "north"
    wide["duration_s"] = [600.0, 620.0, 580.0, 100.0, 610.0, 590.0]
    rng = np.random.default_rng(0)
    for item in instrument.items:
        if instrument.kind(item) in {"agreement", "frequency", "grade", "bipolar", "yes_no"}:
            lo, hi = instrument.value_range(item)
            wide[item.code] = rng.integers(lo, hi + 1, n).astype(float)
    return wide


def test_hand_built_flags(instrument):
    wide = _table(instrument)
    long_blocks = [b for b in item_blocks(instrument) if len(b) >= 4]
    for block in long_blocks:  # r1 answers every long block uniformly
        wide.loc[1, block] = float(instrument.value_range(block[0])[1])
    wide.loc[2, "status"] = "partial"
    wide.loc[4] = wide.loc[0]  # same token and answers as r0
    wide.loc[5, instrument.columns()] = wide.loc[2, instrument.columns()]  # same answers as r2
    wide.loc[5, "respondent_id"] = "r5"
    wide.loc[3, "OUT_GRADE"] = 9.0  # no such grade
    wide.loc[3, "INF_TIMELY"] = -9.0  # don't know is allowed here
    flags = quality_flags(wide, instrument)
    assert flags["speeder"].tolist() == [False, False, False, True, False, False]  # 100 < 600/3
    assert flags["straight_liner"].tolist() == [False, True, False, False, False, False]
    assert flags.loc[1, "straight_blocks"] == len(long_blocks)
    assert flags["partial"].tolist() == [False, False, True, False, False, False]
    assert flags["duplicate"].tolist() == [False, False, False, False, True, True]
    assert flags["duplicate_of"].tolist()[4:] == ["r0", "r2"]
    assert flags["out_of_range"].tolist() == [0, 0, 0, 1, 0, 0]


def test_flags_never_remove_rows(instrument):
    wide = _table(instrument)
    assert len(quality_flags(wide, instrument)) == len(wide)


@pytest.mark.parametrize("seed", [2, 3])
def test_planted_problems_are_found(instrument, seed):
    diag = generate(units=4, per_department=15, seed=seed, scenario="messy")
    flags = quality_flags(diag.responses, instrument).set_index("respondent_id")
    truth = diag.truth["data_quality"]
    assert set(flags.index[flags["speeder"]]) == set(truth["speeders"])
    planted = set(truth["straight_liners"])
    # a duplicate of a straight-liner answers the same way and is one too
    planted |= {copy for first, copy in truth["duplicates"] if first in planted}
    flagged = set(flags.index[flags["straight_liner"]])
    # every planted one is found; at most one respondent (of 120) looks uniform by chance
    # (a partial response with few answered blocks)
    assert planted <= flagged and len(flagged - planted) <= 1, flagged - planted
    copies = {copy for _, copy in truth["duplicates"]}
    assert set(flags.index[flags["duplicate"]]) == copies
    assert not flags["out_of_range"].any()


def test_clean_data_raises_no_flags(instrument):
    flags = quality_flags(
        generate(units=3, per_department=10, seed=4, scenario="clean").responses, instrument
    )
    assert not flags[["speeder", "straight_liner", "partial", "duplicate"]].to_numpy().any()
