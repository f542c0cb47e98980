"""Releases and the delta rule: the differencing attack (n = 5, one more answer, n = 6)
recovers nothing from any published table, brief or notebook input."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.cli import app
from survey.collected import write_responses
from survey.project import init_project
from survey.releases import (
    ReleaseLog,
    group_key,
    plan_release,
    read_manifest,
    record_release,
    write_manifest,
)
from survey.synthetic import generate

runner = CliRunner()
CELL = ("sales", "unit_01")


def _base() -> pd.DataFrame:
    """Three units, five respondents per department and unit (every cell at n = 5)."""
    return generate(units=3, per_department=5, seed=2, scenario="clean").responses


def _newcomer(seed: int) -> pd.DataFrame:
    """One more sales respondent of unit_01, answers drawn with ``seed``."""
    pool = generate(units=3, per_department=5, seed=seed, scenario="clean").responses
    row = pool[(pool.department == CELL[0]) & (pool.business_unit == CELL[1])].iloc[[0]].copy()
    row["respondent_id"] = f"new{seed}"
    return row


def _project(tmp_path, name="acme"):
    units = {u: u for u in sorted(_base()["business_unit"].unique())}
    project, _ = init_project(tmp_path / name, company="ACME", business_units=units)
    return project


def _export(project, table, path):
    """What `export --project` writes: the table and its manifest."""
    write_responses(table, path)
    write_manifest(path, project.folder, project.id, project.anonymity_threshold)
    return path


def _run(data, out, *extra):
    result = runner.invoke(app, ["--quiet", "run", "--data", str(data), "-o", str(out), *extra])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def _tables(out) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((out / "tables").glob("*.csv"))}


def _brief_text(out, lang) -> str:
    import re

    html = (out / f"brief_{lang}.html").read_text()
    return re.sub(r"data:image/[^\"')]+", "", html)  # embedded figures compared below


def _figures(out) -> dict[str, str]:
    import re

    # matplotlib names clip paths at random; everything drawn must be the same
    return {
        p.name: re.sub(r"\b[mp][0-9a-f]{10}\b", "id", p.read_text())
        for p in sorted((out / "figures").glob("*.svg"))
    }


# --- the rule itself ---------------------------------------------------------------


def _plan(table, log, threshold=5):
    from survey import load_instrument

    return plan_release(table, load_instrument().columns(), threshold=threshold, log=log)


def _held(plan) -> set[tuple[str, str]]:
    return set(zip(plan.held["department"], plan.held["business_unit"], strict=True))


def test_one_more_answer_holds_exactly_its_cell_and_five_more_release_it(tmp_path):
    project = _project(tmp_path)
    log = ReleaseLog.open(project.folder, project.id)
    first = _plan(_base(), log)
    assert first.held.empty
    record_release(log, first, "run")
    second = _plan(pd.concat([_base(), _newcomer(9)], ignore_index=True), log)
    assert _held(second) == {CELL}
    assert "release 1" in second.held["detail"].iloc[0]
    record_release(log, second, "run")
    more = pd.concat([_base(), *[_newcomer(s) for s in range(20, 25)]], ignore_index=True)
    assert _plan(more, log).held.empty  # 10 vs 5: five changed, as many as the threshold


def test_as_many_answers_but_other_ones_is_a_change(tmp_path):
    """One answer withdrawn and another added: n stays 5, 5 x m2 - 5 x m1 = new - old."""
    project = _project(tmp_path)
    log = ReleaseLog.open(project.folder, project.id)
    record_release(log, _plan(_base(), log), "run")
    base = _base()
    gone = base.index[(base.department == CELL[0]) & (base.business_unit == CELL[1])][0]
    swapped = pd.concat([base.drop(index=gone), _newcomer(9)], ignore_index=True)
    assert _held(_plan(swapped, log)) == {CELL}
    shuffled = base.sample(frac=1, random_state=3).reset_index(drop=True)
    assert _plan(shuffled, log).held.empty  # same answers, other order: no change


def test_a_withdrawn_answer_is_a_change_too_and_unchanged_data_passes(tmp_path):
    project = _project(tmp_path)
    log = ReleaseLog.open(project.folder, project.id)
    record_release(log, _plan(_base(), log), "run")
    base = _base()
    gone = base.index[(base.department == "marketing") & (base.business_unit == "unit_02")][0]
    assert _held(_plan(base.drop(index=gone), log)) == {("marketing", "unit_02")}
    assert _plan(base, log).held.empty


def test_the_log_is_private_and_holds_no_aggregates_or_small_counts(tmp_path):
    os.umask(0o022)
    project = _project(tmp_path)
    log = ReleaseLog.open(project.folder, project.id)
    table = _base()
    keep = ~((table.department == "marketing") & (table.business_unit == "unit_03"))
    keep |= table.index.isin(table.index[~keep][:2])  # that cell: 2 respondents
    record_release(log, _plan(table[keep].reset_index(drop=True), log), "run")
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    body = json.loads(log.path.read_text())
    cells = body["releases"][0]["cells"]
    assert cells[group_key("marketing", "unit_03")] == {
        "n": None,
        "digest": cells[group_key("marketing", "unit_03")]["digest"],
    }
    assert set(cells[group_key("sales", "unit_01")]) == {"n", "digest"}
    assert "T" not in body["releases"][0]["released_on"]  # the day, no time


def test_a_stronger_earlier_threshold_binds_later_releases(tmp_path):
    project = _project(tmp_path)
    log = ReleaseLog.open(project.folder, project.id)
    table = pd.concat([_base(), *[_newcomer(s) for s in range(30, 35)]], ignore_index=True)
    record_release(log, _plan(table, log, threshold=7), "run")
    grown = pd.concat([table, *[_newcomer(s) for s in range(40, 46)]], ignore_index=True)
    # six more: enough for 5, not for the 7 the first release was made with
    assert CELL in _held(_plan(grown, log, threshold=5))


def test_a_damaged_log_stops_releases(tmp_path):
    project = _project(tmp_path)
    (project.folder / "releases.json").write_text("{not json")
    with pytest.raises(ValueError, match="release log cannot be read"):
        ReleaseLog.open(project.folder, project.id)


# --- the attack through the commands -----------------------------------------------


@pytest.mark.slow
def test_differencing_attack_recovers_nothing_from_any_published_table(tmp_path):
    """run at n = 5, one more answer, run at n = 6: no table, brief text or figure of the
    second run depends on the newcomer's answers (so no 6 x m2 - 5 x m1 gives them), and
    the brief says why the cell is missing."""
    outs = {}
    for seed in (9, 11):  # two worlds that differ only in the newcomer's answers
        project = _project(tmp_path / f"w{seed}")
        _run(_export(project, _base(), tmp_path / f"w{seed}" / "e1.csv"), tmp_path / f"w{seed}r1")
        grown = pd.concat([_base(), _newcomer(seed)], ignore_index=True)
        data = _export(project, grown, tmp_path / f"w{seed}" / "e2.csv")
        result = runner.invoke(
            app, ["run", "--data", str(data), "-o", str(tmp_path / f"w{seed}r2")]
        )
        assert result.exit_code == 0, result.output
        assert "held back: sales in unit_01" in result.output
        outs[seed] = tmp_path / f"w{seed}r2"
    first, second = outs[9], outs[11]
    assert _tables(first) == _tables(second)
    for lang in ("de", "en"):
        assert _brief_text(first, lang) == _brief_text(second, lang)
    assert _figures(first) == _figures(second)
    assert "Held back: sales (unit_01)" in _brief_text(first, "en")
    assert "Zurückgehalten: Vertrieb (unit_01)" in _brief_text(first, "de")
    # no published count includes the newcomer (totals 31, 16, 11 and the cell's 6)
    for table, text in _tables(first).items():
        if not text.strip():
            continue  # an empty table (e.g. too few units to cluster)
        frame = pd.read_csv(first / "tables" / table)
        # counts of respondents (n_items counts questions, a property of the instrument)
        counts_of = [c for c in frame.columns if c == "n" or c.startswith("n_")]
        for col in [c for c in counts_of if c != "n_items"]:
            counts = pd.to_numeric(frame[col], errors="coerce")
            assert not counts.isin([31, 16, 11, 6]).any(), (table, col)  # a total with the newcomer


@pytest.mark.slow
def test_without_the_log_the_same_attack_would_work(tmp_path):
    """The control: a plain file (no project) publishes the newcomer at n = 6, so the test
    above could fail."""
    outs = {}
    for seed in (9, 11):
        data = tmp_path / f"plain{seed}.csv"
        write_responses(pd.concat([_base(), _newcomer(seed)], ignore_index=True), data)
        assert read_manifest(data) is None
        _run(data, tmp_path / f"p{seed}")
        outs[seed] = tmp_path / f"p{seed}"
    assert _tables(outs[9])["gaps.csv"] != _tables(outs[11])["gaps.csv"]
    # 6 x m2 - 5 x m1 on the sales means of every item gives the newcomer's answers back
    gaps2 = pd.read_csv(outs[9] / "tables" / "gaps.csv").set_index("code")
    assert np.isfinite(gaps2["mean_sales"]).any()


def test_run_of_a_projects_export_refuses_a_lower_threshold(tmp_path):
    project = _project(tmp_path)
    data = _export(project, _base(), tmp_path / "e.csv")
    result = runner.invoke(
        app, ["run", "--data", str(data), "-o", str(tmp_path / "o"), "--threshold", "3"]
    )
    assert result.exit_code != 0
    assert "below the 5 promised" in str(result.exception)


def test_export_of_a_project_writes_its_manifest_and_a_private_defused_file(tmp_path):
    os.umask(0o022)
    project = _project(tmp_path)
    table = _base()
    table.loc[0, "OUT_ONE_CHANGE"] = '=HYPERLINK("http://evil.example","x")'
    source = _export(project, table, tmp_path / "e.csv")
    out = tmp_path / "copy.csv"
    result = runner.invoke(app, ["export", "--data", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text()
    assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text
    assert read_manifest(out)["project_id"] == project.id  # a copy keeps its origin


def test_brief_of_a_projects_export_is_a_release_and_holds_the_same_cells(tmp_path):
    project = _project(tmp_path)
    _run(_export(project, _base(), tmp_path / "e1.csv"), tmp_path / "r1")
    grown = _export(
        project, pd.concat([_base(), _newcomer(9)], ignore_index=True), tmp_path / "e2.csv"
    )
    out = tmp_path / "brief"
    result = runner.invoke(app, ["brief", "--data", str(grown), "-o", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "held back: sales in unit_01" in result.output
    assert "Held back: sales (unit_01)" in (out / "brief_en.html").read_text()
    log = ReleaseLog.open(project.folder, project.id)
    assert [r["kind"] for r in log.releases] == ["run", "brief"]
    assert log.releases[1]["held"] == [group_key(*CELL)]
