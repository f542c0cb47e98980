"""Page 1 of the brief as an executive summary, on the demo, the null scenario and the
small-unit scenario, in both languages: plain words on the page, details in footnotes that
name a table row, 2-4 pages."""

from __future__ import annotations

import re
import subprocess

import pytest
from cli_helpers import pdf_pages

from analysis.brief.compose import compose_brief, make_brief, recommendation_rules
from analysis.brief.render import brief_texts
from analysis.pipeline import run_analysis
from survey.synthetic import generate

pytestmark = pytest.mark.slow


def page_one(pdf) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return re.sub(r"\s+", " ", out)


def _split(text: str, lang: str) -> tuple[str, str]:
    """Page 1 above its evidence footnotes, and the footnotes."""
    head = {"de": " Belege ", "en": " Evidence "}[lang]
    assert head in text
    body, _, notes = text.partition(head)
    return body, notes


@pytest.fixture(scope="module")
def scenarios(instrument):
    return {
        name: run_analysis(
            generate(
                units=12 if name == "default" else 8, per_department=20, seed=1, scenario=name
            ).responses,
            instrument,
        )
        for name in ("default", "null", "small_unit")
    }


PLAIN = {
    "en": "Marketing thinks the two teams meet weekly; sales says quarterly.",
    "de": "Das Marketing meint, beide Bereiche treffen sich wöchentlich; der Vertrieb sagt: "
    "quartalsweise.",
}
VERDICT = {"en": "out of 100: middling", "de": "von 100 Punkten: mittelmäßig"}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_demo_page_one_speaks_plainly(tmp_path, instrument, scenarios, lang):
    _, pdf = make_brief(scenarios["default"], instrument, tmp_path, lang=lang)
    assert 2 <= pdf_pages(pdf) <= 4
    body, notes = _split(page_one(pdf), lang)
    assert VERDICT[lang] in body
    assert PLAIN[lang] in body  # the Demand Gen puzzle is on page 1, as people say it
    assert {"de": "Verantwortlich:", "en": "Owner:"}[lang] in body
    # no researcher's voice above the footnotes: no CI, effect size, p or n
    for detail in ("KI", "CI", "g =", "δ", "p =", "n ="):
        assert detail not in body, detail
    # every claim traced to a table row
    assert "tables/scale_summary.csv, " in notes and "tables/gaps.csv, INF_MEET_FREQ" in notes
    assert notes.count("tables/") >= 4 and "recommendations.yaml" in notes
    # the numbers said on the page are the table's, rounded
    summary = scenarios["default"].scale_summary.set_index(["scale", "group"])
    index = round(summary.loc[("cooperation", "all"), "mean"])
    assert re.search(rf"\b{index}\b", body)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_null_page_one_says_there_is_no_gap_without_filler(tmp_path, instrument, scenarios, lang):
    res = scenarios["null"]
    ctx = compose_brief(res, instrument, lang=lang, figures_dir=tmp_path)
    assert ctx["summary"]["gaps"] == []
    _, pdf = make_brief(res, instrument, tmp_path, lang=lang)
    body, _ = _split(page_one(pdf), lang)
    none = brief_texts()["gaps_none"][lang]
    assert none in body
    assert not re.search(r"weekly; sales|wöchentlich; der Vertrieb", body)
    heading = {"de": "Was die beiden Bereiche verschieden sehen", "en": "What the two teams see"}
    # the gap section is the heading and that one sentence, nothing else
    after = body.split(heading[lang], 1)[1]
    section = after.split({"de": "Was zuerst", "en": "What to do first"}[lang], 1)[0]
    assert len(section) < len(none) + 40
    assert {"de": "etwa gleich", "en": "about the same"}[lang] in body  # no department gap


@pytest.mark.parametrize("lang", ["de", "en"])
def test_small_unit_never_reaches_page_one(tmp_path, instrument, scenarios, lang):
    res = scenarios["small_unit"]
    small = sorted(set(res.responses["business_unit"]) - set(res.profiles["business_unit"]))
    assert small  # the unit of 3 per department has no profile
    _, pdf = make_brief(res, instrument, tmp_path, lang=lang)
    text = page_one(pdf)
    assert not any(u in text for u in small)
    assert "n = 3 " not in text and "/ 3;" not in text
    assert 2 <= pdf_pages(pdf) <= 4


def test_every_rule_has_an_owner_in_both_languages():
    owners = brief_texts()["owners"]
    for rule in recommendation_rules():
        assert set(owners[rule["id"]]) == {"de", "en"}, rule["id"]
        assert all(owners[rule["id"]].values())


@pytest.mark.parametrize("lang", ["de", "en"])
def test_page_one_pngs_render(tmp_path, instrument, scenarios, lang):
    for name, res in scenarios.items():
        _, pdf = make_brief(res, instrument, tmp_path / name, lang=lang)
        subprocess.run(
            ["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(pdf),
             str(tmp_path / f"{name}_{lang}")],
            check=True,
        )  # fmt: skip
        png = next(tmp_path.glob(f"{name}_{lang}*.png"))
        assert png.stat().st_size > 20000
