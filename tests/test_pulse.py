"""The pulse form: short, current with the full instrument, and backed by its evidence."""

from __future__ import annotations

from survey.instrument import load_instrument
from survey.pulse import (
    MAX_ITEMS,
    PULSE_FILE,
    PULSE_SCALES,
    estimated_seconds_of,
    pulse_evidence,
    render_pulse,
)


def test_pulse_file_is_current():
    assert PULSE_FILE.read_text(encoding="utf-8") == render_pulse(), (
        "survey/instruments/marketing_sales_pulse.yaml is stale: run python -m survey.pulse"
    )


def test_pulse_keeps_what_the_issue_asks_and_is_short():
    full, pulse = load_instrument(), load_instrument(PULSE_FILE)
    assert len(pulse.items) <= MAX_ITEMS
    assert estimated_seconds_of(pulse, [i.code for i in pulse.items]) <= 7 * 60
    assert len(pulse.mirror_pairs()) == len(full.mirror_pairs())
    for role in ("meeting_frequency", "lead_followup_time", "lead_followup_rate", "overall_grade"):
        assert pulse.role(role) == full.role(role)
    # same texts as the full form: a pulse wave compares with a full wave item for item
    for item in pulse.items:
        assert item.text == full.item(item.code).text
    assert set(pulse.role_scales("cooperation_index")) == set(PULSE_SCALES)
    missing = {s.analysis for s in pulse.supported_analyses() if not s.supported}
    assert missing == {"obstacles", "lead_agreements", "relationship_stage", "configurations"}


def test_pulse_evidence_holds():
    # the figures PULSE.md quotes, recomputed on the synthetic generator
    evidence = pulse_evidence()
    for code, keep in PULSE_SCALES.items():
        e = evidence[code]
        assert e["alpha_pulse"] >= 0.9, code
        assert e["alpha_full"] - e["alpha_pulse"] < 0.05, code
        kept = [e["r_drop"][c] for c in keep]
        assert min(kept) > 0.8 and max(e["r_drop"].values()) - min(kept) < 0.05, code
    assert round(evidence["information_quality"]["alpha_pulse"], 3) == 0.919


def test_a_pulse_wave_compares_with_a_full_wave_on_what_both_share():
    from analysis.brief.changes import changes_section, wave_changes
    from analysis.pipeline import run_analysis
    from analysis.waves import shared_scales
    from survey.synthetic import generate

    full, pulse = load_instrument(), load_instrument(PULSE_FILE)
    shared, left_out = shared_scales(full, pulse)
    # the three pulse scales on their three items, the mirror scales whole
    assert {c: len(v) for c, v in shared.items() if c in PULSE_SCALES} == dict.fromkeys(
        PULSE_SCALES, 3
    )
    assert "relationship_stage" in left_out and not set(shared) & set(left_out)
    before = generate(units=4, per_department=8, seed=1, scenario="clean").responses
    after = generate(units=4, per_department=8, seed=2, scenario="clean", instrument=pulse)
    results = run_analysis(after.responses, pulse)
    changes = wave_changes(results, before, pulse, full)
    assert set(changes["scale"]) == {"cooperation", *shared}
    section = changes_section(changes, pulse, "en", {"caption": ""})
    assert "Asked in only one of the two waves and so not compared" in section["suppressed"]
    assert full.scale_map["relationship_stage"].label["en"] in section["suppressed"]
