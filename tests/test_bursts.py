"""Padding: one real answer and four identical fakes through the open link must not be
published at n = 5 until the consultant confirms them."""

from __future__ import annotations

import stat

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from release_helpers import assert_same_tables
from typer.testing import CliRunner

from analysis.cli import app
from survey.bursts import find_bursts, min_burst_size
from survey.project import init_project, load_project
from survey.store import Store
from survey.synthetic import generate
from survey.web.app import create_app
from survey.web.simulated import walk

runner = CliRunner()


def test_identical_and_nearly_identical_answers_form_one_burst(instrument):
    table = generate(units=2, per_department=6, seed=4, scenario="clean").responses
    cols = list(instrument.columns())
    fake = table.iloc[0].copy()
    copies = pd.DataFrame([fake] * 4).reset_index(drop=True)
    numeric = [c for c in cols if pd.api.types.is_numeric_dtype(table[c])]
    copies.loc[1, numeric[3]] = 1 if copies.loc[1, numeric[3]] != 1 else 2  # one change
    copies.loc[2, numeric[:2]] = 7  # two changes
    copies["business_unit"] = "unit_02"
    copies["respondent_id"] = [f"f{i}" for i in range(4)]
    padded = pd.concat([table, copies], ignore_index=True)
    bursts = find_bursts(padded, cols, threshold=5)
    assert sorted(bursts["row"]) == list(range(len(table), len(padded)))
    assert bursts["business_unit"].unique().tolist() == ["unit_02"]
    # judged per unit: two copies moved to the original's unit make a burst of three
    # there, and the two left behind are no burst
    assert table.loc[0, "business_unit"] == "unit_01"
    copies.loc[[0, 1], "business_unit"] = "unit_01"
    split = find_bursts(pd.concat([table, copies], ignore_index=True), cols, threshold=5)
    assert sorted(split["row"]) == [0, len(table), len(table) + 1]
    assert split["business_unit"].unique().tolist() == ["unit_01"]


def test_honest_answers_and_duplicate_pairs_are_not_flagged(instrument):
    """The default scenario has straight-liners and duplicated pairs: no burst among 480."""
    table = generate(units=12, per_department=20, seed=1, scenario="default").responses
    assert find_bursts(table, instrument.columns(), threshold=5).empty
    assert min_burst_size(5) == 3 and min_burst_size(2) == 2


def test_a_window_splits_answers_far_apart_in_time(instrument):
    table = generate(units=1, per_department=3, seed=4, scenario="clean").responses
    fakes = pd.DataFrame([table.iloc[0]] * 4).reset_index(drop=True)
    fakes["submitted_at"] = pd.to_datetime(
        ["2026-12-01", "2026-12-01", "2026-12-20", "2026-12-20"], utc=True
    )
    cols = list(instrument.columns())
    assert len(find_bursts(fakes, cols, threshold=5)) == 4
    assert find_bursts(fakes, cols, threshold=5, window_days=1).empty


@pytest.fixture
def padded(tmp_path, instrument):
    """The issue's attack: marketing north, south and sales south answer honestly (five
    each); in sales north one real respondent answers, then four identical answers
    arrive through /s/north/sales."""

    def make(real_seed: int, name: str):
        folder = tmp_path / name
        project, key = init_project(
            folder, company="ACME", business_units={"north": "Nord", "south": "Süd"}
        )
        store = Store(project.sqlite_url, project.id)
        client = lambda: TestClient(create_app(project, store, instrument), follow_redirects=False)  # noqa: E731
        for i in range(5):
            for base, entry, dept in (
                (100, "/s/north/marketing", "marketing"),
                (200, "/s/south/marketing", "marketing"),
                (300, "/s/south/sales", "sales"),
            ):
                assert walk(client(), instrument, entry, seed=base + i, department=dept).finished
        real = walk(client(), instrument, "/s/north/sales", seed=real_seed, department="sales")
        for _ in range(4):
            assert walk(
                client(), instrument, "/s/north/sales", seed=99, department="sales"
            ).finished
        store.dispose()
        return load_project(folder), key, real

    return make


def _run(project, key, out):
    result = runner.invoke(
        app, ["run", "--project", str(project.folder), "--admin-key", key, "-o", str(out)]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.mark.slow
def test_padding_attack_publishes_nothing_until_confirmed(padded, tmp_path, instrument):
    worlds = {seed: padded(seed, f"w{seed}") for seed in (1, 2)}
    outs = {}
    for seed, (project, key, _) in worlds.items():
        result = _run(project, key, tmp_path / f"out{seed}")
        assert "held back: sales in north: 5 near-identical answers" not in result.output
        assert "held back: sales in north: 4 near-identical answers" in result.output
        outs[seed] = tmp_path / f"out{seed}"
    # nothing published depends on the real respondent: 5 x mean - 4 x fake finds nothing
    assert_same_tables(outs[1], outs[2])
    en = (outs[1] / "brief_en.html").read_text()
    de = (outs[1] / "brief_de.html").read_text()
    assert "Held back until the consultant confirms them: sales (north)" in en
    assert (
        "Zurückgehalten, bis die Beraterin oder der Berater sie bestätigt: Vertrieb (north)" in de
    )
    profiles = pd.read_csv(outs[1] / "tables" / "profiles.csv")
    assert not ((profiles["business_unit"] == "north") & (profiles["department"] == "sales")).any()

    project, key, _ = worlds[1]
    listed = runner.invoke(app, ["confirm", "--project", str(project.folder), "--admin-key", key])
    assert listed.exit_code == 0 and "sales in north: 4 near-identical answers" in listed.output
    done = runner.invoke(
        app,
        ["confirm", "--project", str(project.folder), "--admin-key", key,
         "--unit", "north", "--department", "sales"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    path = project.folder / "confirmed_bursts.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = _run(project, key, tmp_path / "confirmed")
    assert "held back" not in again.output
    profiles = pd.read_csv(tmp_path / "confirmed" / "tables" / "profiles.csv")
    north_sales = profiles[
        (profiles["business_unit"] == "north") & (profiles["department"] == "sales")
    ]
    assert len(north_sales) and (north_sales["n"] == 5).all()

    # a new burst after the confirmation needs a new one
    store = Store(project.sqlite_url, project.id)
    client = lambda: TestClient(create_app(project, store, instrument), follow_redirects=False)  # noqa: E731
    for _ in range(5):
        walk(client(), instrument, "/s/north/sales", seed=77, department="sales")
    store.dispose()
    later = _run(project, key, tmp_path / "later")
    assert "held back: sales in north" in later.output


def test_confirm_names_a_unit_without_bursts_clearly(padded, tmp_path):
    project, key, _ = padded(1, "w")
    result = runner.invoke(
        app,
        ["confirm", "--project", str(project.folder), "--admin-key", key, "--unit", "south"],
    )
    assert result.exit_code != 0
    assert "no burst of near-identical answers in south" in str(result.exception)


def test_burst_members_are_near_identical_on_the_answers_only(instrument):
    rng = np.random.default_rng(0)
    table = generate(units=1, per_department=4, seed=8, scenario="clean").responses
    same = pd.DataFrame([table.iloc[0]] * 3).reset_index(drop=True)
    same["respondent_id"] = ["a", "b", "c"]
    same["duration_s"] = rng.integers(60, 600, 3)  # context and timing are not answers
    cols = list(instrument.columns())
    assert len(find_bursts(same, cols, threshold=5)) == 3
