"""Qualtrics Advanced Format TXT: one file per language, our codes as export tags."""

from __future__ import annotations

import re

from survey import load_instrument
from survey.exporters import export_instrument
from survey.exporters.qualtrics import choice_recodes


def test_one_file_per_language_with_codes_and_choices(tmp_path):
    ins = load_instrument()
    paths = export_instrument(ins, "qualtrics", tmp_path / "q.txt", ("de", "en"))
    assert [p.name for p in paths] == ["q.de.txt", "q.en.txt"]
    de = paths[0].read_text(encoding="utf-8")
    assert de.startswith("[[AdvancedFormat]]")
    ids = re.findall(r"^\[\[ID:(\w+)\]\]$", de, flags=re.M)
    assert len(ids) == len(set(ids)) == len(ins.items) + len(ins.context)
    block = de.split("[[ID:INF_KEEPS_OTH]]\n", 1)[1].split("\n\n", 1)[0]
    assert block.startswith("Der Bereich ${e://Field/other_dept} hält uns")
    assert "[[Choice:8]]\nweiß nicht / trifft nicht zu" in de.split("[[ID:INF_TIMELY]]")[1]
    multi = de.split("[[ID:OBS_MAIN]]")[0].rsplit("[[Question:", 1)[1]
    assert multi.startswith("MC:MultipleAnswer")


def test_choice_recodes_map_dont_know_to_its_code():
    ins = load_instrument()
    assert choice_recodes(ins, ins.item("INF_TIMELY"))[8] == -9
    assert choice_recodes(ins, ins.item("OUT_GRADE")) == {k: float(k) for k in range(1, 7)}
