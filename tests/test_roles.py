"""Instrument roles: the analysis names roles, never item codes; bad roles are clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from survey.instrument import InstrumentError, default_instrument_path, load_instrument

ROOT = Path(__file__).resolve().parents[1]


def test_analysis_code_names_no_item_code_of_the_shipped_instrument():
    ins = load_instrument()
    codes = sorted({*ins.item_map, *ins.column_map}, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, codes)) + r")\b")
    files = sorted((ROOT / "analysis").rglob("*.py"))
    files += sorted((ROOT / "analysis" / "brief").glob("*.yaml"))
    files += sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(files) > 30
    found = [
        f"{path.relative_to(ROOT)}:{n}: {m.group(1)}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for m in pattern.finditer(line)
    ]
    assert found == []


def test_the_grep_would_catch_a_code(tmp_path):
    # the test above can fail: the same pattern finds a code written into Python
    ins = load_instrument()
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, ins.item_map)) + r")\b")
    assert pattern.search(f'x = results["{ins.role("overall_grade")}"]')


def test_roles_of_the_shipped_instrument():
    ins = load_instrument()
    for role in (
        "meeting_frequency",
        "lead_followup_time",
        "lead_followup_rate",
        "overall_grade",
        "obstacles",
    ):
        assert ins.role(role) in ins.item_map
    assert ins.role("nope") is None and ins.role_scales("nope") == ()
    coop = ins.role_scales("cooperation_index")
    assert len(coop) >= 5 and set(ins.role_scales("cooperation_inverted")) <= set(coop)
    assert ins.gap_type("market_knowledge") == "competence"
    assert ins.gap_type("customer_vs_product") == "orientation"
    assert all(s.supported for s in ins.supported_analyses())


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "adapted.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_role_naming_a_missing_item_names_file_line_and_role(tmp_path):
    text = default_instrument_path().read_text(encoding="utf-8")
    text = text.replace("overall_grade: OUT_GRADE", "overall_grade: OUT_GRADE_X")
    path = _write(tmp_path, text)
    line = _line_of(text, "overall_grade: OUT_GRADE_X")
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    msg = str(err.value)
    assert str(path) in msg and f"line {line}: role 'overall_grade'" in msg
    assert "OUT_GRADE_X" in msg


def test_a_role_naming_a_missing_scale_names_file_line_and_role(tmp_path):
    text = default_instrument_path().read_text(encoding="utf-8")
    text = text.replace("shared_goals: [shared_goals]", "shared_goals: [shared_goalz]")
    path = _write(tmp_path, text)
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    line = _line_of(text, "shared_goals: [shared_goalz]")
    assert f"line {line}: role 'shared_goals': names missing scale 'shared_goalz'" in str(err.value)


def test_a_role_given_twice_names_both_lines(tmp_path):
    text = default_instrument_path().read_text(encoding="utf-8")
    first = "    overall_grade: OUT_GRADE"
    text = text.replace(first, first + "\n    overall_grade: OUT_GRADE")
    path = _write(tmp_path, text)
    line = _line_of(text, first)
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    assert f"line {line + 1}: role 'overall_grade' given twice (first on line {line})" in str(
        err.value
    )
    assert str(path) in str(err.value)


def test_a_role_given_in_two_sections_is_an_error(tmp_path):
    raw = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    raw["roles"]["scales"]["overall_grade"] = ["shared_goals"]
    path = _write(tmp_path, yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    with pytest.raises(InstrumentError, match=r"line \d+: role 'overall_grade': given twice"):
        load_instrument(path)


def test_a_benchmark_link_to_a_missing_option_is_an_error(tmp_path):
    raw = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    raw["roles"]["benchmarks"]["follow_up_never"]["codes"] = [9]
    path = _write(tmp_path, yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    with pytest.raises(InstrumentError, match=r"role 'follow_up_never': .* no option\(s\) \[9\]"):
        load_instrument(path)


def test_supported_analyses_say_what_is_missing(tmp_path):
    raw = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    grade = raw["roles"]["items"].pop("overall_grade")
    raw["items"] = [i for i in raw["items"] if i["code"] != grade]
    raw["roles"]["benchmarks"].pop("grade_4_to_6_marketing")
    path = _write(tmp_path, yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    ins = load_instrument(path)
    missing = {s.analysis: s for s in ins.supported_analyses() if not s.supported}
    assert set(missing) == {"overall_grade"}
    assert "64%" in missing["overall_grade"].left_out


def test_validate_command_reports_supported_analyses(tmp_path):
    from typer.testing import CliRunner

    from analysis.cli import app

    raw = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    grade = raw["roles"]["items"].pop("overall_grade")
    raw["items"] = [i for i in raw["items"] if i["code"] != grade]
    raw["roles"]["benchmarks"].pop("grade_4_to_6_marketing")
    path = _write(tmp_path, yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    result = CliRunner().invoke(app, ["instrument", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "no overall grade item: no grade distribution, no comparison with the 64% figure" in (
        result.output
    )


def _english_only(node):
    if isinstance(node, dict):
        if set(node) == {"de", "en"}:
            return {"en": node["en"]}
        return {k: _english_only(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_english_only(v) for v in node]
    return node


def test_an_instrument_declares_its_languages(tmp_path):
    raw = _english_only(yaml.safe_load(default_instrument_path().read_text(encoding="utf-8")))
    raw["languages"] = ["en"]
    ins = load_instrument(_write(tmp_path, yaml.safe_dump(raw, allow_unicode=True)))
    assert ins.languages == ("en",)
    assert ins.render(ins.items[0].text, "en", "sales")
    with pytest.raises(KeyError, match="no 'de' text"):
        ins.items[0].text["de"]
    # declared German, but the texts are English only: every missing text is named
    raw["languages"] = ["de", "en"]
    path = _write(tmp_path, yaml.safe_dump(raw, allow_unicode=True))
    with pytest.raises(InstrumentError, match=r"item INF_MEET_FREQ: text\.de: missing translation"):
        load_instrument(path)


def test_a_project_offers_only_the_instruments_languages(tmp_path):
    from survey.project import ProjectError, init_project

    raw = _english_only(yaml.safe_load(default_instrument_path().read_text(encoding="utf-8")))
    raw["languages"] = ["en"]
    path = _write(tmp_path, yaml.safe_dump(raw, allow_unicode=True))
    project, _ = init_project(
        tmp_path / "p1", company="ACME", business_units={"n": "N"}, instrument=path
    )
    assert project.languages == ("en",) and project.instrument.sha256
    with pytest.raises(ProjectError, match="has no de texts"):
        init_project(
            tmp_path / "p2",
            company="ACME",
            business_units={"n": "N"},
            languages=("de",),
            instrument=path,
        )
