"""The respondent-facing parts that need no browser: pages of at most eight items with
mirror pairs together, the completion-time estimate, the instrument changelog, the
project's look (logo, colour, sender, contact, dates) and its `init` options, the pages'
markup (Enter guard, error summary, end labels, running total, thank-you text)."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from analysis.cli import app as cli
from survey.changes import instrument_changes
from survey.project import ProjectError, init_project, load_project
from survey.questionnaire import MAX_ITEMS, estimated_minutes, pages
from survey.store import Store
from survey.web.app import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')
ENTRY = re.compile(r'name="entry" value="([^"]+)"')


def test_no_page_holds_more_than_eight_items_and_mirror_twins_share_a_page(instrument):
    plan = pages(instrument)
    assert max(len(p.items) for p in plan) <= MAX_ITEMS == 8
    page_of = {i.code: p.number for p in plan for i in p.items}
    assert set(page_of) == {i.code for i in instrument.items}  # every item, once
    for own, other in instrument.mirror_pairs():
        assert page_of[own.code] == page_of[other.code], own.code
    order = [i.code for p in plan for i in p.items]
    assert sorted(order, key=[i.code for i in instrument.items].index) == order
    split = [p for p in plan if p.parts > 1]
    assert split and all(
        abs(len(a.items) - len(b.items)) <= 2
        for a, b in itertools.pairwise(split)
        if a.key == b.key
    )


def test_pages_split_a_long_dimension_evenly(instrument):
    plan = pages(instrument, max_items=4)
    assert max(len(p.items) for p in plan) <= 4
    info = [p for p in plan if p.key == "information"]
    assert [p.part for p in info] == list(range(1, len(info) + 1)) and info[0].parts == len(info)


def test_estimated_minutes_grow_with_the_instrument(instrument):
    minutes = estimated_minutes(instrument, "de")
    assert 6 < minutes < 15
    shorter = instrument.model_copy(update={"items": instrument.items[:40]})
    assert estimated_minutes(shorter, "de") < minutes


def test_changelog_names_only_real_codes_and_the_current_version(instrument):
    changes = instrument_changes(instrument)
    assert set(changes["comparable"]) <= {"yes", "caution", "no"}
    assert changes["version"].iloc[-1] == instrument.version == "2.0"
    codes = {i.code for i in instrument.items}
    items = changes[changes["subject"] == "item"]
    assert set(items["code"]) <= codes
    removed = changes[changes["subject"] == "removed"]
    assert not set(removed["code"]) & codes
    for successors in removed["replaces"]:
        assert set(successors.split(", ")) <= codes
    new = items[items["comparable"] == "no"]
    assert set(new["replaces"]) <= set(removed["code"])
    successors = {c for s in removed["replaces"] for c in s.split(", ")}
    assert successors == set(new["code"])  # each new code says which old one it replaces
    for scale in instrument.scales:
        assert len(scale.items) >= 3


def test_items_ask_one_thing_and_midpoints_match(instrument):
    agree7 = instrument.response_types["agree7"].options[3].label
    assert "weder" in agree7.de and "neither" in agree7.en
    tenure = next(q for q in instrument.context if q.column == "tenure").options
    assert "unter 3" in tenure["1to3"].de and "less than 3" in tenure["1to3"].en
    grade = instrument.item("OUT_GRADE").text.en
    assert "1 is the best" in grade and "6 the worst" in grade
    for item in instrument.items:
        assert "Verteilen Sie 100 Punkte" not in item.text.de and "Split 100" not in item.text.en
        if item.perspective == "self":
            assert "{own}" in item.text.de and "{own}" in item.text.en, item.code
    gone = {
        "STR_CRM_TRUSTED",
        "STR_ROLES_AGREED",
        "INF_FIELD_FEEDBACK",
        "GOA_REPORTS_USED",
        "STG_SHARED_SYSTEMS",
        "KNW_MARKET_OWN",
        "CON_DEBATE_APPROACH",
    }
    assert not gone & {i.code for i in instrument.items}
    assert "tatsächlich" not in instrument.item("LEA_FOLLOWUP_RATE").text.de
    assert "eigenen Produkte" not in instrument.item("KNW_PRODUCT_OTH").text.de


# --- the project's look ---------------------------------------------------------------------
def test_look_is_kept_in_project_yaml(tmp_path):
    logo = tmp_path / "brand.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    init_project(
        tmp_path / "acme",
        company="ACME",
        business_units={"n": "N"},
        logo=logo,
        colour="#7a1f5c",
        sender="Dr. A. Weber",
        contact="hr@acme.example",
        closes=dt.date(2030, 1, 31),
        results=dt.date(2030, 2, 20),
    )
    again = load_project(tmp_path / "acme")
    assert (again.logo, again.colour, again.sender, again.contact, again.results) == (
        "logo.png",
        "#7a1f5c",
        "Dr. A. Weber",
        "hr@acme.example",
        dt.date(2030, 2, 20),
    )
    assert (tmp_path / "acme" / "logo.png").read_bytes() == logo.read_bytes()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "#ffcc00"}, r"contrast of 1\.5:1 on white"),
        ({"colour": "red"}, r"colour"),
        ({"logo": "brand.gif"}, r"the logo must be an existing"),
    ],
)
def test_bad_look_is_refused_with_a_reason(tmp_path, change, message):
    (tmp_path / "brand.gif").write_bytes(b"GIF89a")
    if "logo" in change:
        change = {"logo": tmp_path / change["logo"]}
    with pytest.raises(ProjectError, match=message):
        init_project(tmp_path / "acme", company="ACME", business_units={"n": "N"}, **change)


def test_init_options_set_the_look(tmp_path):
    logo = tmp_path / "brand.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    result = CliRunner().invoke(
        cli,
        [
            "init",
            str(tmp_path / "acme"),
            "--company",
            "ACME",
            "--unit",
            "n",
            "--logo",
            str(logo),
            "--colour",
            "#0b5cad",
            "--sender",
            "Vertriebsleitung",
            "--contact",
            "+49 30 1234",
            "--closes",
            "2030-01-31",
            "--results",
            "2030-02-15",
        ],
    )
    assert result.exit_code == 0, result.output
    raw = yaml.safe_load((tmp_path / "acme" / "project.yaml").read_text())
    assert (raw["logo"], raw["colour"], raw["sender"], raw["contact"], raw["results"]) == (
        "logo.svg",
        "#0b5cad",
        "Vertriebsleitung",
        "+49 30 1234",
        "2030-02-15",
    )


@pytest.fixture
def site(tmp_path, instrument):
    logo = tmp_path / "brand.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    project, _ = init_project(
        tmp_path / "acme",
        company="ACME",
        business_units={"north": "Nord"},
        logo=logo,
        colour="#7a1f5c",
        sender="Dr. A. Weber",
        contact="hr@acme.example",
        closes=dt.date.today() + dt.timedelta(days=5),
        results=dt.date(2031, 3, 2),
    )
    store = Store(project.sqlite_url, project.id)
    yield TestClient(create_app(project, store, instrument), base_url="http://test")
    store.dispose()


def _begin(client, lang="de"):
    page = client.get(f"/s/north?lang={lang}")
    form = {
        "csrf": CSRF.search(page.text).group(1),
        "lang": lang,
        "entry": ENTRY.search(page.text).group(1),
        "nonce": NONCE.search(page.text).group(1),
    }
    client.post("/start", data=form, follow_redirects=False)
    # The welcome page's token has no questionnaire yet; later forms carry one bound to the
    # questionnaire the browser now holds (a token from another questionnaire is refused).
    return CSRF.search(client.get("/q/0").text).group(1), page


def test_every_page_shows_logo_sender_contact_and_closing_date(site):
    _, welcome = _begin(site)
    closes = dt.date.today() + dt.timedelta(days=5)
    for html in (
        welcome.text,
        site.get("/q/0").text,
        site.get("/thanks?lang=de").text,
        site.get("/resume?lang=de").text,
    ):
        assert '<img src="/static/logo.svg" alt="Logo ACME"' in html
        assert "Absender: Dr. A. Weber" in html and 'href="mailto:hr@acme.example"' in html
        assert f"Teilnahme bis einschließlich {closes.day}.{closes.month}.{closes.year}" in html
    logo = site.get("/static/logo.svg")
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/svg+xml"
    assert "default-src 'none'" in logo.headers["content-security-policy"]
    assert site.get("/static/logo.png").status_code == 404
    assert "--accent: #7a1f5c" in site.get("/static/survey.css").text


def test_welcome_keeps_privacy_short_with_details_folded(site):
    _, welcome = _begin(site)
    html = welcome.text
    short, rest = html.split('<form method="post" action="/start"')
    assert "freiwillig" in short and "mindestens 5 Personen" in short
    assert "IP-Adresse" not in short and "<details" in rest and "IP-Adresse" in rest
    assert re.search(r"etwa \d+ Minuten", short)


def test_thank_you_page_says_when_and_how_results_are_shared(site):
    de = site.get("/thanks?lang=de").text
    assert "Wie es weitergeht" in de and "Ab dem 2.3.2031 stellt ACME die Ergebnisse" in de
    assert "keine einzelnen Antworten" in de and "weniger als 5 Personen" in de
    en = site.get("/thanks?lang=en").text
    assert "From 2 March 2031, ACME will present the results" in en


def test_item_pages_guard_enter_and_order_back_before_next(site):
    csrf, _ = _begin(site)
    site.post("/q/0", data={"csrf": csrf, "page": "0", "lang": "de", "department": "sales"})
    html = site.get("/q/1").text
    form = html.split('<form method="post" action="/q/1"')[1]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'formmethod="dialog"' in first_button and "hidden" in first_button
    assert form.index('value="back"') < form.index('value="next"')
    assert "required" not in site.get("/q/0").text.split("<form")[1].split("</form>")[0].replace(
        "(Pflichtangabe)", ""
    )


def test_error_summary_takes_focus_and_links_to_the_whole_question(site):
    csrf, _ = _begin(site)
    response = site.post("/q/0", data={"csrf": csrf, "page": "0", "lang": "de"})
    assert response.status_code == 422
    summary = re.search(r'<div class="error-summary"[^>]*>', response.text).group(0)
    assert "autofocus" in summary and 'tabindex="-1"' in summary
    assert '<a href="#q-department">In welchem Bereich arbeiten Sie? – ' in response.text
    assert 'id="q-department" tabindex="-1"' in response.text


def test_points_page_allows_only_its_own_script(site, instrument):
    power_page = next(p.number for p in pages(instrument) if p.key == "power")
    csrf, _ = _begin(site, "en")
    site.post("/q/0", data={"csrf": csrf, "page": "0", "lang": "en", "department": "sales"})
    plain = site.get("/q/1")
    assert (
        "<script" not in plain.text and "script-src" not in plain.headers["content-security-policy"]
    )
    for n in range(1, power_page):
        site.post(f"/q/{n}", data={"csrf": csrf, "page": str(n), "lang": "en"})
    power = site.get(f"/q/{power_page}")
    assert 'output id="POW_PRICING-total"' in power.text and "Total: 0 of 100" in power.text
    assert '<script src="/static/sum.js" defer></script>' in power.text
    assert power.headers["content-security-policy"].endswith("script-src 'self'")
    assert "unsafe-inline" not in power.headers["content-security-policy"]
    assert site.get("/static/sum.js").headers["content-type"].startswith("text/javascript")
