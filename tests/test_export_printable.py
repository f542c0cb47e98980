"""Printable questionnaire: HTML per language and department, PDF through WeasyPrint."""

from __future__ import annotations

import subprocess

import pytest

from survey import load_instrument
from survey.exporters import export_instrument


def test_html_names_the_departments_and_lists_every_item(tmp_path):
    ins = load_instrument()
    paths = export_instrument(ins, "print", tmp_path / "q.html", ("de", "en"))
    assert sorted(p.name for p in paths) == [
        "q.de.marketing.html", "q.de.sales.html", "q.en.marketing.html", "q.en.sales.html",
    ]  # fmt: skip
    sales_de = (tmp_path / "q.de.sales.html").read_text(encoding="utf-8")
    assert "Fragebogen für den Bereich Vertrieb" in sales_de
    assert "Der Bereich Marketing hält uns gut darüber auf dem Laufenden" in sales_de
    marketing_en = (tmp_path / "q.en.marketing.html").read_text(encoding="utf-8")
    assert "The sales team keeps us well informed" in marketing_en
    for item in ins.items:
        assert item.code in sales_de


def test_rejects_other_suffixes(tmp_path):
    with pytest.raises(ValueError, match=r"\.html or \.pdf"):
        export_instrument(load_instrument(), "print", tmp_path / "q.docx", ("de",))


@pytest.mark.slow
def test_pdf_has_pages_and_text(tmp_path):
    paths = export_instrument(load_instrument(), "print", tmp_path / "q.pdf", ("en",))
    assert len(paths) == 2
    text = subprocess.run(
        ["pdftotext", str(paths[1]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Questionnaire for sales" in text and "OUT_GRADE" in text
    assert text.count("\f") > 3  # several pages
