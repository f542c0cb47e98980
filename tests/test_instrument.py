"""The item bank loads, covers the construct catalogue, and bad files fail helpfully."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from survey import InstrumentError, load_instrument
from survey.instrument import default_instrument_path


def test_default_instrument_has_at_least_50_items_in_both_languages(instrument):
    assert len(instrument.items) >= 50
    for item in instrument.items:
        assert item.text.de.strip() and item.text.en.strip()
        assert item.text.de != item.text.en or item.code.startswith("POW")
        for opt in instrument.options(item):
            assert opt.label.de and opt.label.en


def test_every_catalogue_row_is_covered(instrument):
    constructs = {i.construct for i in instrument.items}
    for needed in [
        "meeting_frequency",
        "information_quality",
        "linkage_exists",
        "linkage_quality",
        "decision_influence",
        "customer_vs_product",
        "short_vs_long_term",
        "market_knowledge",
        "product_knowledge",
        "interpersonal_skills",
        "main_obstacles",
        "personal_conflict",
        "content_conflict",
        "lead_agreements",
        "follow_up_speed",
        "follow_up_rate",
        "shared_goals",
        "mutual_learning",
        "cooperation_grade",
        "relationship_stage",
    ]:
        assert needed in constructs, needed
    kinds = {instrument.kind(i) for i in instrument.items}
    assert kinds == {
        "agreement",
        "bipolar",
        "frequency",
        "grade",
        "timeband",
        "percent",
        "constant_sum",
        "yes_no",
        "single",
        "multiple",
        "text",
    }
    assert {rt.kind for rt in instrument.response_types.values()} >= kinds
    assert {len(instrument.response_types[t].options) for t in ("agree7", "agree5")} == {7, 5}
    assert [q.column for q in instrument.context] == [
        "department",
        "business_unit",
        "role",
        "tenure",
    ]
    # Power: a constant sum over the five decision areas of Homburg, Jensen & Krohmer.
    power = [i.code for i in instrument.items if i.dimension == "power"]
    assert power == [
        "POW_PRICING",
        "POW_PRODUCT",
        "POW_SEGMENTS",
        "POW_COMMUNICATION",
        "POW_KEY_ACCOUNTS",
    ]


def test_scales_have_three_items_and_reverse_keys_where_possible(instrument):
    for scale in instrument.scales:
        assert len(scale.items) >= 3
        has_reverse = any(instrument.item(c).reverse for c in scale.items)
        assert has_reverse or scale.note, f"{scale.code}: no reverse item and no reason given"


def test_mirror_twins_point_back_and_render_the_other_department(instrument):
    pairs = instrument.mirror_pairs()
    assert len(pairs) >= 5
    for own, other in pairs:
        assert other.mirror_of == own.code and own.perspective == "self"
    text = instrument.item("KNW_CUSTOMERS_OTH").text
    assert "Vertrieb" in instrument.render(text, "de", "marketing")
    assert "Marketing" in instrument.render(text, "de", "sales")
    assert "sales team" in instrument.render(text, "en", "marketing")
    assert "marketing team" in instrument.render(text, "en", "sales")
    for item in instrument.items:  # no placeholder survives rendering
        for lang in ("de", "en"):
            for dept in ("marketing", "sales"):
                assert "{" not in instrument.render(item.text, lang, dept)


def test_no_direct_identifier_is_asked(instrument):
    words = re.compile(r"name|e-mail address|email|telefonnummer|phone number", re.I)
    for q in instrument.context:
        assert not words.search(q.text.en + q.text.de)


def _broken(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "adapted.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _item(raw, code):
    return next(i for i in raw["items"] if i["code"] == code)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r["items"].append(dict(_item(r, "LEA_LOST"))), r"item LEA_LOST: duplicate code"),
        (
            lambda r: r["scales"][0]["items"].append("NOPE"),
            r"scale information_quality: names missing item 'NOPE'",
        ),
        (
            lambda r: _item(r, "CON_BLAME")["text"].pop("de"),
            r"item CON_BLAME: text.de: missing translation \(de\)",
        ),
        (
            lambda r: _item(r, "KNW_CUSTOMERS_OTH").update(mirror_of="KNW_PRODUCT_OWN"),
            r"item KNW_CUSTOMERS_OWN: mirror twin KNW_CUSTOMERS_OTH does not point back",
        ),
        (
            lambda r: _item(r, "INF_CHANNEL")["options"].reverse(),
            r"item INF_CHANNEL: .*options out of order",
        ),
        (
            lambda r: r["response_types"]["agree5"]["options"].reverse(),
            r"response_types.agree5: .*options out of order",
        ),
        (
            lambda r: _item(r, "LEA_LOST").update(type="agree9"),
            r"item LEA_LOST: unknown response type 'agree9'",
        ),
        (
            lambda r: _item(r, "LEA_LOST")["text"].update(en="The {others} team"),
            r"item LEA_LOST: unknown placeholder",
        ),
        (lambda r: r["dimensions"].pop("power"), r"item POW_PRICING: unknown dimension 'power'"),
    ],
    ids=[
        "duplicate",
        "missing-item",
        "translation",
        "mirror",
        "option-order",
        "type-option-order",
        "unknown-type",
        "placeholder",
        "dimension",
    ],
)
def test_validation_errors_name_file_and_item(tmp_path, change, expected):
    path = _broken(tmp_path, change)
    with pytest.raises(InstrumentError, match=expected) as err:
        load_instrument(path)
    assert str(path) in str(err.value)


def test_unreadable_files_fail_with_the_path(tmp_path):
    with pytest.raises(InstrumentError, match="cannot read"):
        load_instrument(tmp_path / "nothing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("items: [unclosed", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"bad.yaml: not valid YAML"):
        load_instrument(bad)


def test_an_adapted_copy_loads(tmp_path):
    def drop_item(raw):
        raw["items"] = [i for i in raw["items"] if i["code"] != "OUT_ONE_CHANGE"]
        del raw["roles"]["items"]["improvement_idea"]  # a role must name an existing item
        raw["id"] = "adapted"

    ins = load_instrument(_broken(tmp_path, drop_item))
    assert ins.id == "adapted" and "OUT_ONE_CHANGE" not in ins.item_map
