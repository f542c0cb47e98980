"""compare_waves: hand-computed values, planted change, anonymity suppression, errors."""

import numpy as np
import pandas as pd
import pytest

from analysis.waves import compare_waves


def test_independent_hand_computed():
    df = pd.DataFrame(
        {"department": "sales", "wave": [1] * 5 + [2] * 5, "trust": [1, 2, 3, 4, 5, 3, 4, 5, 6, 7]}
    )
    row = compare_waves(df, scales=["trust"]).iloc[0]
    # Welch: se = sqrt(2.5/5 + 2.5/5) = 1, t = 2 / 1, dof = 8
    assert row["design"] == "independent"
    assert row["diff"] == pytest.approx(2.0)
    assert row["t"] == pytest.approx(2.0)
    assert row["dof"] == pytest.approx(8.0)
    # Hedges' g = 2 / sqrt(2.5) * (1 - 3 / (4 * 8 - 1))
    assert row["effect_size"] == pytest.approx(2 / np.sqrt(2.5) * (1 - 3 / 31), rel=1e-3)
    assert row["ci_low"] < 2 < row["ci_high"]


def test_paired_hand_computed_from_tidy_input():
    df = pd.DataFrame(
        {
            "department": "marketing",
            "scale": "trust",
            "wave": ["t1"] * 5 + ["t2"] * 5 + ["t2"],
            "panel_code": list("abcde") + list("abcde") + ["z"],  # z answered only once
            "score": [1, 2, 3, 4, 5, 2, 4, 3, 6, 7, 1],
        }
    )
    row = compare_waves(df, panel="panel_code").iloc[0]
    # differences 1, 2, 0, 2, 2: mean 1.4, sd sqrt(0.8), t = 1.4 / (sqrt(0.8)/sqrt(5)) = 3.5
    assert row["design"] == "paired" and row["n_before"] == 5
    assert row["diff"] == pytest.approx(1.4)
    assert row["t"] == pytest.approx(3.5)
    assert row["dof"] == 4
    assert row["effect_size"] == pytest.approx(1.4 / np.sqrt(0.8))
    assert row["effect_type"] == "d_z"


def test_planted_change_is_found_only_where_planted():
    rng = np.random.default_rng(5)
    rows = []
    for dept in ("marketing", "sales"):
        for wave in (2024, 2025):
            lift = 1.0 if (dept == "sales" and wave == 2025) else 0.0
            n = 80
            rows.append(
                pd.DataFrame(
                    {
                        "department": dept,
                        "wave": wave,
                        "info_sharing": rng.normal(3 + lift, 1, n),
                        "trust": rng.normal(3.5, 1, n),
                        "conflict": rng.normal(2.5, 1, n),
                    }
                )
            )
    out = compare_waves(pd.concat(rows), scales=["info_sharing", "trust", "conflict"])
    out = out.set_index(["department", "scale"])
    hit = out.loc[("sales", "info_sharing")]
    assert hit["p_adj"] < 0.001
    assert 0.6 < hit["effect_size"] < 1.4
    assert (out.drop(("sales", "info_sharing"))["p_adj"] > 0.05).all()
    assert (out["p_adj"] >= out["p_val"]).all()


def test_small_cells_are_suppressed():
    df = pd.DataFrame(
        {
            "department": ["sales"] * 10 + ["marketing"] * 8,
            "wave": [1] * 5 + [2] * 5 + [1] * 5 + [2] * 3,
            "trust": np.arange(18, dtype=float),
        }
    )
    out = compare_waves(df, scales=["trust"]).set_index("department")
    assert out.loc["marketing", "suppressed"]
    assert out.loc["marketing", ["n_after", "mean_after", "p_val", "p_adj"]].isna().all()
    assert not out.loc["sales", "suppressed"]


def test_wave_errors():
    df = pd.DataFrame({"department": "sales", "wave": [1, 2, 3], "trust": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="waves="):
        compare_waves(df, scales=["trust"])
    with pytest.raises(ValueError, match="not in column"):
        compare_waves(df, scales=["trust"], waves=(1, 9))
    with pytest.raises(KeyError, match="conflict"):
        compare_waves(df, scales=["conflict"])


def test_scored_synthetic_waves_from_scoring_output():
    """Integration with analysis.scoring.score_scales: tidy scores plus a wave column."""
    from analysis.scoring import score_scales
    from survey.instrument import load_instrument
    from survey.synthetic import generate

    ins = load_instrument()
    waves = [
        score_scales(
            generate(units=6, per_department=10, seed=s, scenario="null").responses, ins
        ).assign(wave=year)
        for s, year in ((1, 2024), (2, 2025))
    ]
    out = compare_waves(pd.concat(waves), value="index")
    assert len(out) == 2 * len(ins.scales)
    assert set(out["department"]) == {"marketing", "sales"}
    assert not out["suppressed"].any()
    assert out["p_adj"].between(0, 1).all()


def test_mixed_wave_labels_need_an_explicit_order():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "department": np.repeat(["marketing", "sales"], 20),
            "wave": (["pre"] * 10 + [2] * 10) * 2,
            "trust": rng.normal(3, 1, 40),
        }
    )
    with pytest.raises(ValueError, match="mix types"):
        compare_waves(df, scales=["trust"])
    out = compare_waves(df, scales=["trust"], waves=("pre", 2))
    assert out["n_before"].tolist() == [10, 10]
