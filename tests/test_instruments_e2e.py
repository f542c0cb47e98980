"""Any instrument, end to end: synth -> web survey -> export -> run -> brief -> notebooks.

Five instruments: the full one, the pulse form, one without the grade and benchmark items,
an English-only one with a client-specific "CRM usage" scale, and one without mirror items.
Each must go through every stage without an error; its briefs (every language it has) name
only constructs it has, and every analysis it cannot support is said in the method section.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from analysis.cli import app
from analysis.findings import omission_texts
from survey.instrument import default_instrument_path, load_instrument
from survey.project import init_project
from survey.pulse import PULSE_FILE
from survey.store import Store
from survey.tables import read_table
from survey.web.app import create_app
from survey.web.simulated import walk

FULL = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))


def _drop_items(raw: dict, codes: set[str]) -> dict:
    """``raw`` without the items ``codes``, the scales and roles that named them."""
    raw["items"] = [i for i in raw["items"] if i["code"] not in codes]
    raw["scales"] = [s for s in raw["scales"] if not set(s["items"]) & codes]
    scales = {s["code"] for s in raw["scales"]}
    roles = raw["roles"]
    roles["items"] = {r: c for r, c in roles["items"].items() if c not in codes}
    roles["item_groups"] = {
        r: [c for c in cs if c not in codes]
        for r, cs in roles["item_groups"].items()
        if set(cs) - codes
    }
    roles["scales"] = {
        r: [c for c in cs if c in scales] for r, cs in roles["scales"].items() if set(cs) & scales
    }
    kept = {i["construct"] for i in raw["items"]}
    roles["mirror"] = {c: m for c, m in roles["mirror"].items() if c in kept}
    roles["benchmarks"] = {
        b: link for b, link in roles["benchmarks"].items() if link["item"] in roles["items"]
    }
    return raw


def _english_only(node):
    if isinstance(node, dict):
        if set(node) == {"de", "en"}:
            return {"en": node["en"]}
        return {k: _english_only(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_english_only(v) for v in node]
    return node


def _variant(name: str) -> dict:
    raw = yaml.safe_load(yaml.safe_dump(FULL))  # a deep copy
    if name == "no_grade_benchmarks":
        benchmark_items = {raw["roles"]["items"][r] for r in ("overall_grade", "obstacles")}
        benchmark_items.add(raw["roles"]["items"]["lead_followup_time"])
        raw = _drop_items(raw, benchmark_items)
        raw["roles"]["benchmarks"] = {}
        raw["id"] = "no_grade"
    elif name == "english_crm":
        raw = _english_only(raw)
        raw["languages"] = ["en"]
        raw["id"], raw["version"] = "acme_crm", "2.1"
        raw["dimensions"]["crm"] = {"en": "CRM usage"}
        texts = {
            "CRM_DAILY": ("I record every customer contact in the CRM the same day.", False),
            "CRM_COMPLETE": ("The CRM shows me everything the {other} team knows.", False),
            "CRM_WORKAROUND": ("We keep our own lists next to the CRM.", True),
        }
        for code, (text, reverse) in texts.items():
            raw["items"].append(
                {
                    "code": code,
                    "dimension": "crm",
                    "construct": "crm_usage",
                    "type": "agree7",
                    "reverse": reverse,
                    "text": {"en": text},
                    "source": "Client-specific (ACME's CRM roll-out)",
                }
            )
        raw["scales"].append(
            {
                "code": "crm_usage",
                "dimension": "crm",
                "label": {"en": "CRM usage"},
                "items": list(texts),
            }
        )
    elif name == "no_mirror":
        mirror = {i["code"] for i in raw["items"] if i.get("perspective", "neutral") != "neutral"}
        raw = _drop_items(raw, mirror)
        raw["id"] = "no_mirror"
    return raw


VARIANTS = ["full", "pulse", "no_grade_benchmarks", "english_crm", "no_mirror"]


@pytest.fixture(params=VARIANTS)
def variant(request, tmp_path):
    path = tmp_path / f"{request.param}.yaml"
    if request.param == "full":
        path.write_bytes(default_instrument_path().read_bytes())
    elif request.param == "pulse":
        path.write_bytes(PULSE_FILE.read_bytes())
    else:
        text = yaml.safe_dump(_variant(request.param), allow_unicode=True, sort_keys=False)
        path.write_text(text, encoding="utf-8")
    return request.param, path, load_instrument(path)


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code in (0, 2), f"{args}: {result.output}\n{result.exception!r}"
    return result.output


def _text(path: Path) -> str:
    body = path.read_text(encoding="utf-8")
    body = re.sub(r"<style>.*?</style>", " ", body, flags=re.S)
    body = re.sub(r'src="data:[^"]*"', " ", body)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _absent_constructs(ins, lang: str) -> list[str]:
    """Names (in ``lang``) of the full instrument's scales and mirror constructs that this
    instrument lacks."""
    full = load_instrument()
    names = [s.label[lang] for s in full.scales if s.code not in ins.scale_map]
    present = {own.construct for own, _ in ins.mirror_pairs()}
    names += [
        full.construct_label(c, lang) for c, _ in full.roles.mirror.items() if c not in present
    ]
    return names


def _results_text(path: Path) -> str:
    """The brief's text without the recommendations' general advice (action, rationale,
    sources: research statements, not results); the finding each one cites stays."""
    body = path.read_text(encoding="utf-8")
    body = re.sub(
        r'<li class="rec">.*?(<p class="because">.*?</p>).*?</li>', r"\1", body, flags=re.S
    )
    tmp = path.with_name(path.stem + ".results.txt")
    tmp.write_text(body, encoding="utf-8")
    return _text(tmp)


def _check_brief(path: Path, ins, lang: str) -> None:
    text = _text(path)
    sentences = omission_texts()["analyses"]
    named = _results_text(path)
    for sentence in sentences.values():  # saying what is left out may name it
        named = named.replace(sentence[lang], " ")
    for name in _absent_constructs(ins, lang):
        # a construct the instrument lacks is never named (case-insensitive, whole words)
        assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", named, re.I), (path, name)
    for support in ins.supported_analyses():
        said = sentences[support.analysis][lang] in text
        assert said == (not support.supported), (path, support.analysis)


def _web_survey(folder: Path, ins, path: Path) -> str:
    project, key = init_project(
        folder, company="ACME", business_units={"north": "Nord", "south": "Süd"}, instrument=path
    )
    assert project.instrument.id == ins.id and project.instrument.version == ins.version
    assert (folder / "instrument.yaml").read_bytes() == path.read_bytes()
    store = Store(project.sqlite_url, project.id)
    try:
        web = create_app(project, store, project.load_instrument())
        seed = 0
        for unit in project.business_units:
            for dept in ins.departments:
                for _ in range(3):  # a few respondents per department and unit
                    seed += 1
                    client = TestClient(web, follow_redirects=False)
                    run = walk(
                        client,
                        ins,
                        f"/s/{unit}/{dept}",
                        seed=seed,
                        department=dept,
                        lang=ins.languages[seed % len(ins.languages)],
                    )
                    assert run.finished, run.statuses
    finally:
        store.dispose()
    return key


@pytest.mark.slow
def test_any_instrument_end_to_end(variant, tmp_path):
    _name, path, ins = variant
    # 1. synthetic data following this instrument
    synth = tmp_path / "synth.csv"
    _invoke("synth", "--instrument", path, "--units", 5, "--per-department", 8, "-o", synth)
    table = read_table(synth, ins)
    assert set(ins.columns()) <= set(table.columns)
    assert pd.read_csv(synth, usecols=["instrument_id"])["instrument_id"].eq(ins.id).all()
    # 2. the web survey, through the ASGI client, on the project's copy of the instrument
    folder = tmp_path / "acme"
    key = _web_survey(folder, ins, path)
    # 3. export from the survey database
    export = tmp_path / "export.csv"
    _invoke("export", "--project", folder, "--admin-key", key, "-o", export)
    exported = pd.read_csv(export)
    assert len(exported) == 12
    assert exported["instrument_id"].eq(ins.id).all()
    assert exported["instrument_version"].astype(str).eq(ins.version).all()
    # 4. run on the survey's answers and on the synthetic ones, briefs in every language
    _invoke("run", "--project", folder, "--admin-key", key, "-o", tmp_path / "web")
    _invoke("run", "--data", synth, "--instrument", path, "-o", tmp_path / "out")
    for out in (tmp_path / "web", tmp_path / "out"):
        briefs = sorted(out.glob("brief_*.html"))
        assert [b.stem.split("_")[1] for b in briefs] == sorted(ins.languages)
        for brief in briefs:
            _check_brief(brief, ins, brief.stem.split("_")[1])
            assert brief.with_suffix(".pdf").stat().st_size > 10_000
    # 5. the brief alone (run wrote every language already)
    lang = ins.languages[-1]
    _invoke("brief", "--data", synth, "--instrument", path, "--lang", lang, "-o", tmp_path / "b")
    _check_brief(tmp_path / "b" / f"brief_{lang}.html", ins, lang)
    # 6. the notebooks, with the instrument as a parameter
    nb = tmp_path / "nb"
    _invoke(
        "notebooks", "run", "--data", synth, "--instrument", path,
        "--lang", ins.languages[0], "-o", nb,
    )  # fmt: skip
    assert len(list(nb.glob("*.html"))) == 5


def test_a_table_of_another_instrument_is_refused_naming_the_columns(tmp_path):
    pulse = load_instrument(PULSE_FILE)
    synth = tmp_path / "full.csv"
    _invoke("synth", "--units", 2, "--per-department", 3, "-o", synth)
    with pytest.raises(ValueError, match=r"column instrument_id says the table follows"):
        read_table(synth, pulse)
    # without the recorded columns: the unknown columns are named
    bare = tmp_path / "bare.csv"
    pd.read_csv(synth).drop(columns=["instrument_id", "instrument_version"]).to_csv(
        bare, index=False
    )
    with pytest.raises(ValueError, match=r"does not know: \["):
        read_table(bare, pulse)
    # another version of the same instrument
    raw = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    raw["version"] = "9.9"
    other = tmp_path / "v99.yaml"
    other.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"instrument_version says the table follows 2\.0, not 9\.9"
    ):
        read_table(synth, load_instrument(other))


def test_serve_refuses_an_instrument_changed_after_the_first_response(tmp_path):
    from survey.project import ProjectError, check_instrument_unchanged, load_project

    folder = tmp_path / "acme"
    project, _ = init_project(folder, company="ACME", business_units={"north": "Nord"})
    copy = folder / "instrument.yaml"
    copy.write_text(copy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    check_instrument_unchanged(load_project(folder), responses=0)  # no answer yet: recorded
    assert load_project(folder).instrument.sha256 == load_instrument(copy).content_hash
    store = Store(project.sqlite_url, project.id)
    try:
        ins = load_project(folder).load_instrument()
        client = TestClient(create_app(load_project(folder), store, ins), follow_redirects=False)
        assert walk(client, ins, "/s/north/sales", department="sales").finished
    finally:
        store.dispose()
    copy.write_text(copy.read_text(encoding="utf-8") + "# edited again\n", encoding="utf-8")
    with pytest.raises(ProjectError, match=r"changed after the project's first response") as err:
        check_instrument_unchanged(load_project(folder), responses=1)
    assert "alignmeter init NEW_FOLDER --instrument" in str(err.value)
    # the command refuses before serving anything, saying how to start a new wave
    result = CliRunner().invoke(app, ["serve", "--project", str(folder), "--port", "8765"])
    assert result.exit_code == 1
    assert "new wave" in result.output + str(result.exception)
