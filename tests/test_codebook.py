"""The codebook in three formats; the CSV reads back to the instrument's content."""

from __future__ import annotations

import json

import pytest

from survey.codebook import read_codebook, write_codebook


def test_csv_codebook_round_trip(tmp_path, instrument):
    path = write_codebook(instrument, tmp_path / "codebook.csv", fmt="csv")
    book = read_codebook(path).set_index("code")
    for col in (
        "code",
        "dimension",
        "construct",
        "type",
        "perspective",
        "mirror_of",
        "reverse",
        "scale",
        "text_de",
        "text_en",
        "options",
    ):
        assert col in book.reset_index().columns
    assert list(book.index) == [i.code for i in instrument.items]
    for item in instrument.items:
        row = book.loc[item.code]
        assert (row["text_de"], row["text_en"]) == (item.text.de, item.text.en)
        assert (row["dimension"], row["construct"], row["type"]) == (
            item.dimension,
            item.construct,
            item.type,
        )
        assert row["perspective"] == item.perspective
        assert row["mirror_of"] == (item.mirror_of or "")
        assert bool(row["reverse"]) is item.reverse and bool(row["dont_know"]) is item.dont_know
        assert row["columns"].split() == instrument.item_columns(item)
        options = json.loads(row["options"])
        if item.parts:
            assert [o["code"] for o in options] == [p.code for p in item.parts]
        else:
            assert [o["code"] for o in options] == [o.code for o in instrument.options(item)]
            assert [o["en"].split(" (")[0] for o in options] == [
                o.label.en for o in instrument.options(item)
            ]
    assert book.loc["LEA_QUALITY", "scale"] == "lead_management"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_people_formats_are_in_one_language(tmp_path, instrument, lang):
    md = write_codebook(instrument, tmp_path / "c.md", fmt="md", lang=lang).read_text("utf-8")
    html = write_codebook(instrument, tmp_path / "c.html", fmt="html", lang=lang).read_text("utf-8")
    item = instrument.item("LEA_LOST")
    other = "en" if lang == "de" else "de"
    for text in (md, html):
        assert item.text[lang] in text and item.text[other] not in text
        assert all(i.code in text for i in instrument.items)
    assert md.count("\n| `") == len(instrument.items)
    assert f'<html lang="{lang}">' in html and html.count("<tr id=") == len(instrument.items)


def test_bad_codebook_arguments(tmp_path, instrument):
    with pytest.raises(ValueError, match="unknown codebook format"):
        write_codebook(instrument, tmp_path / "x", fmt="pdf")
    with pytest.raises(ValueError, match="unknown language"):
        write_codebook(instrument, tmp_path / "x", fmt="md", lang="fr")
    (tmp_path / "y.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a codebook"):
        read_codebook(tmp_path / "y.csv")
