"""Google Forms CSV, Microsoft Forms XLSX and mapped CSV: question texts as headers,
labels as values; round trips, dates, mapping files, and no silent guessing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from survey.importers.forms import _dates, match_columns
from survey.ingest import detect_format, ingest
from survey.responses import conform
from survey.synthetic import generate


def _render(wide, ins, *, lang, multi_sep, trailing="", grid=False, timestamp):
    """A form export: one column per question (text headers), labels as answers."""
    out = {}
    for q in ins.context:
        values = wide[q.column]
        if q.options:
            values = values.map(lambda v, q=q: q.options[v][lang] if isinstance(v, str) else "")
        out[q.text[lang]] = values.fillna("")
    for item in ins.items:
        kind = ins.kind(item)
        cols = ins.item_columns(item)
        header = ins.render(item.text, lang, "marketing")
        if grid and kind == "agreement":
            header = f"{ins.response_types[item.type].label[lang]} [{header}]"
        if kind == "constant_sum":
            for col in cols:
                out[col] = wide[col].map(lambda v: "" if math.isnan(v) else f"{v:g}")
            continue
        if kind == "multiple":
            labels = [o.label[lang] for o in ins.options(item)]
            out[header] = [
                ""
                if all(math.isnan(r[c]) for c in cols)
                else multi_sep.join(lab for lab, c in zip(labels, cols, strict=True) if r[c] == 1)
                + (trailing if any(r[c] == 1 for c in cols) else "")
                for _, r in wide.iterrows()
            ]
            continue
        if kind == "text":
            out[header] = wide[item.code].fillna("")
            continue
        if kind == "percent":
            out[header] = wide[item.code].map(
                lambda v: (
                    "" if math.isnan(v) else (ins.dont_know.label[lang] if v == -9 else f"{v:g}")
                )
            )
            continue
        labels = {float(o.code): o.label[lang] for o in ins.options(item)}
        labels[float(ins.dont_know.code)] = ins.dont_know.label[lang]
        out[header] = wide[item.code].map(
            lambda v, labels=labels: "" if math.isnan(v) else labels[v]
        )
    frame = pd.DataFrame(out)
    frame.insert(0, "Timestamp", timestamp)
    return frame


def _expected(synthetic, ins):
    expected = synthetic.copy()
    for item in ins.items:
        if ins.kind(item) == "multiple":  # nothing chosen exports as an empty cell
            cols = ins.item_columns(item)
            expected.loc[expected[cols].eq(0).all(axis=1), cols] = np.nan
    return expected


@pytest.fixture(scope="module")
def synthetic(instrument):
    return conform(generate(units=3, per_department=6, seed=15).responses, instrument)


def _check(valid, synthetic, ins):
    cols = [c for c in ins.columns() if c != "OUT_ONE_CHANGE"]
    expected = _expected(synthetic, ins)
    np.testing.assert_array_equal(valid[cols].to_numpy(float), expected[cols].to_numpy(float))
    for col in ("department", "business_unit", "role", "tenure"):
        assert valid[col].tolist() == synthetic[col].tolist(), col


@pytest.mark.parametrize(
    ("lang", "sep", "encoding", "grid"),
    [("en", ",", "utf-8", False), ("de", ";", "utf-8-sig", True), ("de", ",", "cp1252", False)],
)
def test_google_forms_round_trip(tmp_path, instrument, synthetic, lang, sep, encoding, grid):
    stamps = synthetic["submitted_at"].dt.strftime(
        "%d.%m.%Y %H:%M:%S" if lang == "de" else "%Y/%m/%d %I:%M:%S %p GMT+0"
    )
    table = _render(
        synthetic, instrument, lang=lang, multi_sep=", ", grid=grid, timestamp=stamps.fillna("")
    )
    if lang == "de":
        table = table.rename(columns={"Timestamp": "Zeitstempel"})
    path = tmp_path / "google.csv"
    table.to_csv(path, index=False, sep=sep, encoding=encoding)
    assert detect_format(path) == "google"
    valid, quarantine, report = ingest(path, instrument)
    assert quarantine.empty, quarantine.head()
    assert report.rows_read == report.accepted == len(synthetic)
    _check(valid, synthetic, instrument)
    done = synthetic["submitted_at"].notna()
    assert (valid.loc[done, "submitted_at"] == synthetic.loc[done, "submitted_at"]).all()


def test_microsoft_forms_round_trip(tmp_path, instrument, synthetic):
    table = _render(
        synthetic,
        instrument,
        lang="de",
        multi_sep=";",
        trailing=";",
        timestamp=synthetic["submitted_at"].dt.tz_localize(None),
    )
    table = table.rename(columns={"Timestamp": "Completion time"})
    start = synthetic["submitted_at"].dt.tz_localize(None) - pd.to_timedelta(
        synthetic["duration_s"], unit="s"
    )
    table.insert(0, "ID", range(1, len(table) + 1))
    table.insert(1, "Start time", start)
    table.insert(3, "Email", "anonymous")
    table.insert(4, "Name", "")
    cols = list(table.columns)
    cols[5:] = cols[5:][::-1]  # MS Forms may put columns out of question order
    path = tmp_path / "forms.xlsx"
    table[cols].to_excel(path, index=False)
    assert detect_format(path) == "msforms"
    valid, quarantine, _ = ingest(path, instrument)
    assert quarantine.empty, quarantine.head()
    _check(valid, synthetic, instrument)
    done = synthetic["submitted_at"].notna()
    assert valid.loc[done, "duration_s"].tolist() == pytest.approx(
        synthetic.loc[done, "duration_s"].tolist()
    )
    assert "anonymous" not in valid.to_csv()


def test_unknown_columns_stop_the_import_unless_mapped(tmp_path, instrument, synthetic):
    table = _render(
        synthetic.head(4), instrument, lang="en", multi_sep=", ", timestamp="2026/10/05 10:00:00"
    )
    table = table.rename(
        columns={"Leads regularly get lost between the two departments.": "Lost leads?"}
    )
    table["Favourite colour"] = "blue"
    path = tmp_path / "custom.csv"
    table.to_csv(path, index=False)
    with pytest.raises(
        ValueError,
        match=r"custom.csv: cannot map every column.*unknown: "
        r"'Lost leads\?', 'Favourite colour'",
    ):
        ingest(path, instrument)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  'Lost leads?': LEA_LOST\n  'Favourite colour': ignore\n", encoding="utf-8"
    )
    valid, quarantine, _ = ingest(path, instrument, mapping=mapping)
    assert quarantine.empty and valid["LEA_LOST"].tolist() == synthetic.head(4)["LEA_LOST"].tolist()
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  'Lost leads?': NOPE\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping names unknown column 'NOPE'"):
        ingest(path, instrument, mapping=bad)


def test_ambiguous_headers_are_not_guessed(instrument):
    # "Marketing" is a part of all five power items: which one, only a mapping can say.
    with pytest.raises(
        ValueError,
        match=r"ambiguous: 'Pricing \[Marketing\]' \(could be "
        r"\['POW_COMMUNICATION_marketing'",
    ):
        match_columns(["Pricing [Marketing]"], instrument)
    headers = {
        "Which department do you work in?": "department",
        "In welchem Bereich arbeiten Sie?": "department",
        "  leads REGULARLY get lost between the two departments ": "LEA_LOST",
        "Agreement - The leads that marketing hands over to sales are of good quality.": "LEA_QUALITY",
    }
    assert match_columns(list(headers), instrument) == headers


def test_dates_in_the_usual_shapes():
    got = _dates(
        pd.Series(
            [
                "05.10.2026 08:15:00",
                "2026-10-05T08:15:00Z",
                "46300.34375",
                "2026/10/05 8:15:00 AM GMT+0",
                "",
            ]
        )
    )
    assert got.iloc[0] == got.iloc[1] == got.iloc[3] == pd.Timestamp("2026-10-05 08:15", tz="UTC")
    assert got.iloc[2] == pd.Timestamp("1899-12-30", tz="UTC") + pd.Timedelta(days=46300.34375)
    assert pd.isna(got.iloc[4])
