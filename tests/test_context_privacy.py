"""Joint coarsening of role x tenure x language, formula cells in every export, and a
status that does not tell 0 from "<5"."""

from __future__ import annotations

import os
import re
import stat

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import survey.web.simulated as simulated
from analysis.cli import app
from survey.collected import CONTEXT, coarsen_context, project_cells, status_table
from survey.project import init_project, load_project
from survey.releases import ReleaseLog
from survey.store import Store
from survey.web.app import create_app
from survey.web.simulated import walk

runner = CliRunner()
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _issue_cell() -> pd.DataFrame:
    """The issue's cell of ten: five heads, five staff; five under a year, five over ten;
    the only head with under a year answered in German."""
    return pd.DataFrame(
        {
            "department": ["sales"] * 10,
            "business_unit": ["north"] * 10,
            "role": ["head"] * 5 + ["staff"] * 5,
            "tenure": ["lt1"] + ["gt10"] * 4 + ["lt1"] * 4 + ["gt10"],
            "language": ["de"] + ["en"] * 9,
        }
    )


def _shown_classes_are_large(out: pd.DataFrame, threshold: int) -> bool:
    keys = ["department", "business_unit", *CONTEXT]
    sizes = out[keys].astype(object).fillna("*").groupby(keys).size()
    return bool((sizes >= threshold).all())


def test_the_issues_combination_is_coarsened():
    out = coarsen_context(_issue_cell(), 5)
    head = out.iloc[0]
    assert not (head["role"] == "head" and head["tenure"] == "lt1" and head["language"] == "de")
    assert _shown_classes_are_large(out, 5)
    # column by column every value was common: the old rule kept all three
    for col in CONTEXT:
        assert (_issue_cell()[col].value_counts() >= 1).all()


def test_one_blank_row_among_shown_ones_is_not_left_to_elimination():
    cell = pd.DataFrame(
        {
            "department": ["sales"] * 11,
            "business_unit": ["north"] * 11,
            "role": ["staff"] * 10 + ["head"],
            "tenure": ["gt10"] * 5 + ["lt1"] * 5 + ["lt1"],
            "language": ["en"] * 11,
        }
    )
    out = coarsen_context(cell, 5)
    blank = out[list(CONTEXT)].isna().all(axis=1)
    assert blank.sum() == 0 or blank.sum() >= 5
    assert _shown_classes_are_large(out, 5)


@pytest.mark.parametrize("seed", range(25))
def test_random_cells_leave_no_combination_below_the_threshold(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 40))
    table = pd.DataFrame(
        {
            "department": rng.choice(["marketing", "sales"], n),
            "business_unit": rng.choice(["north", "south"], n),
            "role": rng.choice(["head", "manager", "staff", None], n, p=[0.1, 0.2, 0.6, 0.1]),
            "tenure": rng.choice(["lt1", "1to3", "3to10", "gt10"], n),
            "language": rng.choice(["de", "en"], n, p=[0.7, 0.3]),
        }
    )
    out = coarsen_context(table, 5)
    keys = ["department", "business_unit", *CONTEXT]
    for _, part in out.groupby(["department", "business_unit"]):
        sizes = part[keys].fillna("*").groupby(keys).size()
        blank = sizes.index.map(lambda k: all(v == "*" for v in k[2:]))
        # every combination shown is shared by five; all-blank rows: none or five or all
        assert (sizes[~blank] >= 5).all()
        assert sizes[blank].sum() in (0, len(part)) or sizes[blank].sum() >= 5
    assert (out[["department", "business_unit"]] == table[["department", "business_unit"]]).all(
        axis=None
    )


@pytest.fixture
def cell_of_ten(tmp_path, instrument, monkeypatch):
    """The issue's cell through the web survey, plus five marketing answers."""
    folder = tmp_path / "acme"
    project, key = init_project(folder, company="ACME", business_units={"north": "Nord"})
    store = Store(project.sqlite_url, project.id)
    original = simulated.page_form
    people = iter(
        [("head", "lt1", "de")]
        + [("head", "gt10", "en")] * 4
        + [("staff", "lt1", "en")] * 4
        + [("staff", "gt10", "en")]
    )
    current: dict[str, str] = {}

    def form(instrument, page, rng, **kw):
        out = original(instrument, page, rng, **kw)
        if page.key == "context" and current:
            out.update(role=current["role"], tenure=current["tenure"])
        return out

    monkeypatch.setattr(simulated, "page_form", form)
    client = lambda: TestClient(create_app(project, store, instrument), follow_redirects=False)  # noqa: E731
    for i, (role, tenure, lang) in enumerate(people):
        current.update(role=role, tenure=tenure)
        run = walk(client(), instrument, "/s/north/sales", seed=i, department="sales", lang=lang)
        assert run.finished
    current.clear()
    for i in range(5):
        assert walk(client(), instrument, "/s/north/marketing", seed=50 + i).finished
    yield load_project(folder), key, store, client
    store.dispose()


def _only_head_lt1_de(table: pd.DataFrame) -> int:
    return int(
        ((table["role"] == "head") & (table["tenure"] == "lt1") & (table["language"] == "de")).sum()
    )


def test_export_and_admin_download_coarsen_the_combination(cell_of_ten, tmp_path):
    project, key, store, client = cell_of_ten
    os.umask(0o022)
    raw = pd.DataFrame(store.response_rows())
    assert _only_head_lt1_de(raw) == 1  # the store has it; no export may show it
    out = tmp_path / "export.csv"
    result = runner.invoke(
        app, ["export", "--project", str(project.folder), "--admin-key", key, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    exported = pd.read_csv(out)
    assert _only_head_lt1_de(exported) == 0 and _shown_classes_are_large(exported, 5)
    admin = client()
    login = admin.get("/admin")
    admin.post("/admin", data={"csrf": CSRF.search(login.text).group(1), "key": key})
    download = admin.get("/admin/export.csv")
    assert download.status_code == 200
    from io import StringIO

    table = pd.read_csv(StringIO(download.text))
    assert _only_head_lt1_de(table) == 0 and _shown_classes_are_large(table, 5)
    assert admin.get("/admin").status_code == 200  # the admin page is a release too
    log = ReleaseLog.open(project.folder, project.id)
    assert [r["kind"] for r in log.releases] == ["admin"]
    assert log.releases[0]["cells"]["department=sales|business_unit=north"]["complete"] == 10


@pytest.mark.slow
def test_runs_data_file_is_coarsened_private_and_defused(cell_of_ten, tmp_path, instrument):
    project, key, _, client = cell_of_ten
    os.umask(0o022)
    text = next(i.code for i in instrument.items if instrument.kind(i) == "text")
    original = simulated.page_form

    def evil(instrument, page, rng, **kw):
        out = original(instrument, page, rng, **kw)
        if text in out:
            out[text] = '=HYPERLINK("http://evil.example","click")'
        return out

    simulated.page_form = evil
    try:
        assert walk(client(), instrument, "/s/north/marketing", seed=99).finished
    finally:
        simulated.page_form = original
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", "--project", str(project.folder), "--admin-key", key, "-o", str(out)]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    data = out / "data" / "responses.csv"
    assert stat.S_IMODE(data.stat().st_mode) == 0o600
    body = data.read_text()
    assert "'=HYPERLINK" in body and ',"=HYPERLINK' not in body and ",=HYPERLINK" not in body
    assert _only_head_lt1_de(pd.read_csv(data)) == 0
    assert (out / "data" / "responses.csv.project.json").exists()
    # the manifest: a re-run from the data file keeps to the project's threshold
    again = runner.invoke(
        app, ["run", "--data", str(data), "-o", str(tmp_path / "r2"), "--threshold", "2"]
    )
    assert again.exit_code != 0 and "below the 5 promised" in str(again.exception)


# --- status ------------------------------------------------------------------------


def test_status_does_not_tell_nobody_from_the_first_person(tmp_path, instrument):
    project, _ = init_project(
        tmp_path / "acme", company="ACME", business_units={"north": "N", "south": "S"}
    )
    store = Store(project.sqlite_url, project.id)
    cells = project_cells(project)
    before = status_table(store, 5, cells)
    client = lambda: TestClient(create_app(project, store, instrument), follow_redirects=False)  # noqa: E731
    # the first person starts (one page saved), then submits
    started = client()
    page = started.get("/s/north/sales", params={"lang": "en"})
    started.post("/start", data=simulated.start_form(page.text))
    during = status_table(store, 5, cells)
    assert walk(client(), instrument, "/s/north/sales", seed=1, department="sales").finished
    after = status_table(store, 5, cells)
    assert before.equals(during) and during.equals(after)
    assert set(before.loc[:, "in_progress"]) == {"<5"}
    assert len(before) == len(cells) + 1  # every cell listed from the start
    store.dispose()


def test_status_commands_record_one_entry_a_day(tmp_path, instrument):
    project, key = init_project(tmp_path / "acme", company="ACME", business_units={"n": "N"})
    for _ in range(3):
        result = runner.invoke(
            app, ["status", "--project", str(project.folder), "--admin-key", key]
        )
        assert result.exit_code == 0, result.output
    log = ReleaseLog.open(project.folder, project.id)
    assert [r["kind"] for r in log.releases] == ["status"]
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    assert log.releases[0]["cells"]["all"]["complete"] == "<5"
