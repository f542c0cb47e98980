"""The slide deck read back with python-pptx: slide count, native charts holding the analysis
tables' numbers, no picture, text that fits its box, no group below the threshold anywhere
(slides, chart data sheets, notes), a consultancy's template, LibreOffice renders it."""

from __future__ import annotations

import io
import re
import subprocess
import time

import openpyxl
import pytest
from cli_helpers import pdf_pages, run_cli
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches, Pt

from analysis.brief.compose import recommend
from analysis.charts.dumbbell import gap_rows
from analysis.charts.theme import PALETTE
from analysis.deck import make_deck
from analysis.findings import find_findings
from analysis.invariance import department_invariance
from analysis.pipeline import run_analysis
from survey.synthetic import generate

pytestmark = pytest.mark.slow

FIXED_SLIDES = 7  # title, verdict, gaps, mirror, meeting, follow-up, stage


@pytest.fixture(scope="module")
def results(instrument):
    return run_analysis(generate(units=10, per_department=20, seed=1).responses, instrument)


@pytest.fixture(scope="module")
def invariance(results, instrument):
    return department_invariance(results.responses, instrument, threshold=results.threshold)


@pytest.fixture(scope="module")
def decks(results, instrument, invariance, tmp_path_factory):
    out = tmp_path_factory.mktemp("deck")
    return {
        lang: make_deck(
            results, instrument, out, lang=lang, company="Muster AG", invariance=invariance
        )
        for lang in ("de", "en")
    }


def _charts(prs):
    for i, slide in enumerate(prs.slides):
        for shape in slide.shapes:
            if shape.has_chart:
                yield i, slide, shape.chart


def _workbook_text(chart) -> str:
    """Every cell of a chart's embedded data sheet, as one string."""
    blob = chart.part.chart_workbook.xlsx_part.blob
    wb = openpyxl.load_workbook(io.BytesIO(blob))
    return " ".join(
        str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None
    )


def _all_text(prs) -> str:
    """Every text of the deck: shapes, tables, notes, chart titles, categories, data sheets."""
    parts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [c.text for row in shape.table.rows for c in row.cells]
            if shape.has_chart:
                chart = shape.chart
                parts += [str(c) for c in chart.plots[0].categories]
                parts += [s.name for s in chart.series]
                parts.append(_workbook_text(chart))
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_slide_count(decks, results, instrument, lang):
    prs = Presentation(decks[lang])
    recs = recommend(find_findings(results, instrument))
    dims = {s.dimension for s in instrument.scales}
    assert len(prs.slides) == FIXED_SLIDES + len(recs) + 1 + len(dims)
    assert prs.slide_width == Inches(13.333)


def test_charts_are_native_and_hold_the_tables(decks, results, instrument):
    prs = Presentation(decks["en"])
    pictures = [
        (i, s.name)
        for i, slide in enumerate(prs.slides)
        for s in slide.shapes
        if s.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]
    assert pictures == []  # every figure is a chart object, none a picture
    found = {
        slide.shapes.title.text if slide.shapes.title else i: chart
        for i, slide, chart in _charts(prs)
    }
    charts = list(_charts(prs))
    assert len(charts) >= 6 + len({s.dimension for s in instrument.scales}) - 1
    # the perception-gap chart: the ten scales with the largest effects, both means
    gaps = results.gaps
    scales = gaps[
        (gaps["level"] == "scale") & ~gaps["suppressed"] & (gaps["code"] != "marketing_power")
    ]
    rows = gap_rows(scales, top=10)
    _, _, gap_chart = charts[0]
    series = {s.name: list(s.values) for s in gap_chart.series}
    assert series["Marketing"] == pytest.approx(rows["mean_marketing"].tolist(), abs=1e-9)
    assert series["Sales"] == pytest.approx(rows["mean_sales"].tolist(), abs=1e-9)
    colours = [s.format.fill.fore_color.rgb for s in gap_chart.series]
    assert colours == [RGBColor.from_string(PALETTE[d][1:].upper()) for d in ("marketing", "sales")]
    # meeting frequency: the shares table, option by option
    shares = results.shares[results.shares["column"] == "INF_MEET_FREQ"]
    meeting = next(c for _, s, c in charts if "meet" in s.shapes.title.text if s.shapes.title)
    for s in meeting.series:
        dept = {"Marketing": "marketing", "Sales": "sales"}[s.name]
        expected = shares[shares["group"] == dept].sort_values("code")["share"].tolist()
        assert list(s.values) == pytest.approx(expected, abs=1e-12)
    # the mirror matrix: self and other means of the mirror table
    mirror = results.mirror[
        (results.mirror["gap_type"] == "competence") & ~results.mirror["suppressed"]
    ]
    _, _, mirror_chart = charts[1]
    by_marketing = list(mirror_chart.series[0].values)
    expected = [
        r.self_mean if r.target == "marketing" else r.other_mean for r in mirror.itertuples()
    ]
    assert by_marketing == pytest.approx(expected, abs=1e-12)
    assert found  # the charts sit on titled slides


def _runs(frame):
    for para in frame.paragraphs:
        yield from para.runs


def _estimated_lines(text: str, width_pt: float, size_pt: float) -> int:
    """An estimate independent of the builder's: 0.55 em per character, greedy wrapping."""
    per_line = max(1, int(width_pt / (0.55 * size_pt)))
    lines = 0
    for para in text.split("\n"):
        lines += max(1, -(-len(para) // per_line))
    return lines


@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_text_frame_overflows(decks, lang):
    prs = Presentation(decks[lang])
    checked = 0
    for i, slide in enumerate(prs.slides):
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            sizes = [r.font.size.pt for r in _runs(shape.text_frame) if r.font.size]
            assert sizes, f"slide {i + 1}: {shape.name} has no font size"
            size = max(sizes)
            assert size >= 8, f"slide {i + 1}: {size} pt is too small to read"
            width = shape.width / Pt(1) - 14.4
            height = shape.height / Pt(1) - 7.2
            lines = _estimated_lines(shape.text_frame.text, width, size)
            assert lines * 1.2 * size <= height + 0.5, (
                f"slide {i + 1}: {shape.text_frame.text[:50]!r} needs {lines} lines at {size} pt"
            )
            checked += 1
    assert checked > 40


@pytest.mark.parametrize("lang", ["de", "en"])
def test_notes_carry_numbers_and_sources(decks, lang):
    prs = Presentation(decks[lang])
    for i, slide in enumerate(list(prs.slides)[1:], 2):
        notes = slide.notes_slide.notes_text_frame.text
        assert notes.strip(), f"slide {i} has no speaker notes"
    charted = [slide for _, slide, _ in _charts(prs)]
    for slide in charted:
        notes = slide.notes_slide.notes_text_frame.text
        assert "tables/" in notes and re.search(r"\d", notes)


def test_no_group_below_the_threshold_anywhere(instrument, tmp_path):
    # a unit of 3 per department: never shown, in no chart's data, in no note
    diag = generate(units=6, per_department=10, seed=2, scenario="small_unit")
    res = run_analysis(diag.responses, instrument)
    small = "unit_07"
    assert (diag.responses["business_unit"] == small).sum() == 6
    for lang in ("de", "en"):
        text = _all_text(Presentation(make_deck(res, instrument, tmp_path, lang=lang)))
        assert small not in text
        assert "n = 3 " not in text and "n = 3\n" not in text


def test_a_department_below_the_threshold_is_compared_nowhere(instrument, tmp_path):
    data = generate(units=4, per_department=10, seed=5).responses
    sales = data.index[data["department"] == "sales"]
    data = data.drop(sales[3:])  # 3 sales respondents remain
    res = run_analysis(data, instrument)
    said = {"de": "konnten nicht verglichen werden", "en": "could not be compared"}
    for lang, name in (("de", "Vertrieb"), ("en", "Sales")):
        prs = Presentation(make_deck(res, instrument, tmp_path, lang=lang))
        for _, _, chart in _charts(prs):
            assert all(name not in s.name for s in chart.series)
            assert name not in _workbook_text(chart)
        notes = " ".join(s.notes_slide.notes_text_frame.text for s in prs.slides)
        sales_rows = res.scale_summary[res.scale_summary["group"] == "sales"]
        assert sales_rows.empty  # the analysis hides them, so no number can leak
        assert "n = 3" not in notes and "/ 3;" not in notes
        text = _all_text(prs)
        assert said[lang] in text and f"{name}: <5" in text  # the count is masked too


def _template(path) -> str:
    """A consultancy's template: 4:3, a branded master, renamed layouts, an example slide."""
    prs = Presentation()
    # python-pptx draws shapes on slides only: draw the band on a scratch slide and move
    # its element into the master's shape tree
    scratch = prs.slides.add_slide(prs.slide_layouts[6])
    band = scratch.shapes.add_shape(1, 0, 0, prs.slide_width, Inches(0.3))
    band.name = "ACME brand band"
    band.fill.solid()
    band.fill.fore_color.rgb = RGBColor(0x8B, 0x00, 0x00)
    prs.slide_master.shapes._spTree.append(band._element)
    prs.slide_layouts[5].name = "Title Only"
    example = prs.slides.add_slide(prs.slide_layouts[1])
    example.shapes.title.text = "ACME example slide"
    prs.save(str(path))
    return str(path)


def test_template_masters_are_used(results, instrument, invariance, tmp_path):
    template = _template(tmp_path / "acme.pptx")
    path = make_deck(
        results, instrument, tmp_path / "out", lang="de", invariance=invariance, template=template
    )
    prs = Presentation(path)
    assert prs.slide_width == Inches(10)  # the template's size
    assert "ACME example slide" not in _all_text(prs)  # its own slides are dropped
    for slide in prs.slides:
        names = [s.name for s in slide.slide_layout.slide_master.shapes]
        assert "ACME brand band" in names
        assert slide.shapes.title is not None and slide.shapes.title.text
        for shape in slide.shapes:  # everything inside the (smaller) slide
            assert shape.left + shape.width <= prs.slide_width + 1
            assert shape.top + shape.height <= prs.slide_height + 1
    content = [s for s in prs.slides][1:]
    assert {s.slide_layout.name for s in content} == {"Title Only"}


def test_bad_template_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.pptx"
    bad.write_text("not a deck")
    data = tmp_path / "r.csv"
    generate(units=3, per_department=6, seed=1).responses.to_csv(data, index=False)
    out = run_cli("deck", "--data", str(data), "--template", str(bad), "-o", str(tmp_path / "o"))
    assert out.returncode == 1 and "bad.pptx" in out.stderr and "PowerPoint" in out.stderr


def test_cli_deck_and_libreoffice_renders_it(tmp_path):
    data = tmp_path / "responses.csv"
    generate(units=6, per_department=12, seed=3).responses.to_csv(data, index=False)
    start = time.perf_counter()
    out = run_cli("deck", "--data", str(data), "-o", str(tmp_path / "deck"), "--lang", "en")
    assert out.returncode == 0, out.stderr
    assert time.perf_counter() - start < 60
    deck = tmp_path / "deck" / "deck_en.pptx"
    slides = len(Presentation(deck).slides)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = tmp_path / "deck_en.pdf"
    assert pdf_pages(pdf) == slides
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "s")], check=True)
    pngs = sorted(tmp_path.glob("s-*.png"))
    assert len(pngs) == slides and all(p.stat().st_size > 3000 for p in pngs)


def test_demo_writes_both_decks(tmp_path):
    out = run_cli(
        "demo", "-o", str(tmp_path), "--units", "5", "--per-department", "8", "--no-notebooks"
    )
    assert out.returncode == 0, out.stderr
    for lang in ("de", "en"):
        deck = tmp_path / f"deck_{lang}.pptx"
        assert deck.exists() and str(deck) in out.stdout
        assert len(Presentation(deck).slides) > FIXED_SLIDES
