"""Charts: what was drawn (bar heights, positions, labels, colours), not pixels."""

from __future__ import annotations

import matplotlib.colors as mcolors
import pandas as pd
import pytest

from analysis import charts
from analysis.charts.theme import PALETTE
from analysis.distributions import category_shares
from analysis.gaps import mirror_gaps, perception_gaps


@pytest.fixture(scope="module")
def shares(instrument, request):
    from survey.synthetic import generate

    data = generate(units=6, per_department=15, seed=9, scenario="clean").responses
    return data, category_shares(
        data, instrument, ["INF_MEET_FREQ", "OUT_GRADE", "LEA_QUALITY", "LEA_LOST"]
    )


def _colour(patch) -> str:
    return mcolors.to_hex(patch.get_facecolor())


def test_category_bars_have_the_shares_and_department_colours(shares):
    _, table = shares
    ax = charts.plot_category_shares(table, column="INF_MEET_FREQ", lang="de")
    part = table[table["column"] == "INF_MEET_FREQ"]
    heights = [p.get_height() for p in ax.patches]
    expected = (
        part[part["group"] == "marketing"]["share"].tolist()
        + part[part["group"] == "sales"]["share"].tolist()
    )
    assert heights == pytest.approx(expected)
    colours = {_colour(p) for p in ax.patches[:7]}, {_colour(p) for p in ax.patches[7:]}
    assert colours == ({PALETTE["marketing"].lower()}, {PALETTE["sales"].lower()})
    assert [t.get_text() for t in ax.get_xticklabels()][2] == "wöchentlich"
    assert ax.get_legend().get_texts()[1].get_text().startswith("Vertrieb (n = ")


def test_likert_bars_are_centred_on_neutral(shares):
    _, table = shares
    part = table[table["column"].isin(["LEA_QUALITY", "LEA_LOST"])]
    ax = charts.plot_likert(part, lang="en")
    bars = charts.likert.likert_bars(part)
    first = bars[(bars["column"] == "LEA_QUALITY") & (bars["group"] == "marketing")]
    disagree = (
        first[first["code"] < 4]["width"].sum() + first[first["code"] == 4]["width"].sum() / 2
    )
    assert first["left"].min() == pytest.approx(-disagree)
    assert len(ax.patches) == 7 * 4
    first_label = ax.get_yticklabels()[0].get_text()
    assert first_label == "LEA_QUALITY – Marketing"


def test_gap_dumbbell_sorted_by_effect_and_marks_significance(shares, instrument):
    data, _ = shares
    gaps = perception_gaps(data, instrument)
    scales = gaps[gaps["level"] == "scale"]
    ax = charts.plot_gaps(scales, top=5)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    top = scales.reindex(scales["effect"].abs().sort_values(ascending=False).index).head(5)
    assert [lab.rstrip(" *") for lab in labels] == top["code"].tolist()
    assert labels[0].endswith(" *") == bool(top["p_adj"].iloc[0] < 0.05)
    for i, (_, row) in enumerate(top.iterrows()):  # one connecting line per row
        assert list(ax.lines[i].get_xdata()) == pytest.approx(
            [row["mean_marketing"], row["mean_sales"]]
        )
        assert list(ax.lines[i].get_ydata()) == [i, i]
        assert ax.lines[i].get_linestyle() == ("-" if row["p_adj"] < 0.05 else ":")
    with pytest.raises(ValueError, match="needs column"):
        charts.plot_gaps(scales.drop(columns="p_adj"))


def test_mirror_heatmap_annotates_the_four_cells(shares, instrument):
    data, _ = shares
    mirror = mirror_gaps(data, instrument)
    ax = charts.plot_mirror(mirror, construct="market_knowledge", lang="de")
    part = mirror[mirror["construct"] == "market_knowledge"].set_index("target")
    texts = [float(t.get_text().replace(",", ".")) for t in ax.texts]
    assert texts[0] == pytest.approx(part.loc["marketing", "self_mean"], abs=0.05)
    assert texts[3] == pytest.approx(part.loc["sales", "self_mean"], abs=0.05)
    assert ax.get_ylabel() == "Bewertet von"


def test_profiles_and_map(instrument, shares):
    from analysis.configurations import configuration_map, nearest_prototype
    from analysis.profiles import profile_matrix, unit_profiles

    data, _ = shares
    profiles = unit_profiles(data, instrument)
    ax = charts.plot_profiles(profiles)
    assert len(ax.lines) == 2
    means = profiles[profiles["department"] == "sales"].groupby("dimension")["mean"].mean()
    assert list(ax.lines[1].get_ydata()) == pytest.approx(
        [means[d] for d in ("information", "structure", "power", "orientation", "knowledge")]
    )
    matrix = profile_matrix(profiles)
    points = configuration_map(matrix, nearest_prototype(matrix))
    ax = charts.plot_configuration_map(points)
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(points)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_save_png_svg_and_alt_text(tmp_path, shares, lang):
    _, table = shares
    ax = charts.plot_grades(table, lang=lang)
    alt = {"de": "Verteilung der Noten", "en": "Grade distribution"}[lang]
    paths = charts.save_chart(ax, tmp_path / f"grades_{lang}", alt=alt)
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in paths["svg"].read_text(encoding="utf-8")[:500]
    assert paths["alt"].read_text(encoding="utf-8").strip() == alt
    from PIL import Image

    with Image.open(paths["png"]) as img:
        assert img.info["dpi"][0] == pytest.approx(300, abs=1)
    with pytest.raises(ValueError, match="alt text"):
        charts.save_chart(charts.plot_grades(table), tmp_path / "x", alt=" ")


def test_charts_reject_missing_columns():
    with pytest.raises(ValueError, match="needs column"):
        charts.plot_category_shares(pd.DataFrame({"x": [1]}), column="Q")


def _changes() -> pd.DataFrame:
    """compare_waves-like rows: sales rose on trust (a finding), marketing cells hidden."""
    return pd.DataFrame(
        {
            "department": ["marketing", "sales", "marketing", "sales", "marketing", "sales"],
            "scale": ["trust", "trust", "conflict", "conflict", "goals", "goals"],
            "diff": [None, 8.44, None, -1.2, None, 0.3],
            "p_adj": [None, 0.001, None, 0.6, None, 0.04],
            "effect_size": [None, 0.52, None, -0.08, None, 0.02],
            "suppressed": [True, False, True, False, True, False],
        }
    )


def test_wave_cells_drop_suppressed_and_mark_findings():
    cells = charts.waves.wave_cells(
        _changes(), min_effect=0.3, order=["goals", "trust", "conflict"]
    )
    assert cells["scale"].tolist() == ["goals", "trust", "conflict"]
    assert set(cells["department"]) == {"sales"}  # suppressed marketing cells are gone
    assert cells["marked"].tolist() == [False, True, False]  # goals: significant but tiny


def test_wave_heatmap_draws_on_the_given_ax():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    order = ["trust", "conflict", "goals"]
    out = charts.plot_wave_changes(
        _changes(), labels={"trust": "Vertrauen"}, order=order, min_effect=0.3, lang="de", ax=ax
    )
    assert out is ax
    assert [t.get_text() for t in ax.texts] == ["+8,4*", "−1,2", "+0,3"]  # sales only
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Vertrauen", "conflict", "goals"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Marketing", "Vertrieb"]
    mesh = ax.collections[0]
    values = mesh.get_array()
    assert values.mask.sum() == 3  # the three suppressed cells stay empty
    colours = mesh.get_facecolors()
    rose, fell = colours[1], colours[3]  # trust / sales, conflict / sales
    assert rose[2] > rose[0] and fell[0] > fell[2]  # blue when up, red when down
    with pytest.raises(ValueError, match="needs column"):
        charts.plot_wave_changes(_changes().drop(columns="p_adj"), ax=ax)


def test_mirror_annotations_follow_the_language(shares, instrument):
    data, _ = shares
    mirror = mirror_gaps(data, instrument)
    de = [
        t.get_text()
        for t in charts.plot_mirror(mirror, construct="market_knowledge", lang="de").texts
    ]
    en = [
        t.get_text()
        for t in charts.plot_mirror(mirror, construct="market_knowledge", lang="en").texts
    ]
    assert all("," in t and "." not in t for t in de)
    assert [t.replace(",", ".") for t in de] == en


def test_gap_chart_title_inside_the_figure_and_legend_outside_the_axes(shares, instrument):
    data, _ = shares
    gaps = perception_gaps(data, instrument)
    names = {s.code: s.label["de"] for s in instrument.scales}
    ax = charts.plot_gaps(gaps[gaps["level"] == "scale"], labels=names, lang="de", top=10)
    fig = ax.figure
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    figbox = fig.bbox
    title = ax.title.get_window_extent(renderer) if ax.title.get_text() else None
    left = ax._left_title.get_window_extent(renderer)
    for box in [b for b in (title, left) if b is not None and b.width > 0]:
        assert box.x0 >= figbox.x0 - 1 and box.x1 <= figbox.x1 + 1
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))


def test_chart_text_prints_at_seven_points_or_more(shares, instrument):
    from analysis.charts.theme import FULL_WIDTH, MIN_FONT_PT

    data, table = shares
    gaps = perception_gaps(data, instrument)
    drawn = [
        charts.plot_gaps(gaps[gaps["level"] == "scale"]),
        charts.plot_mirror(mirror_gaps(data, instrument), construct="market_knowledge"),
        charts.plot_category_shares(table, column="INF_MEET_FREQ"),
        charts.plot_grades(table),
    ]
    for ax in drawn:
        fig = ax.figure
        assert fig.get_figwidth() <= FULL_WIDTH  # printed at (at most) its own size
        sizes = [
            t.get_fontsize()
            for t in fig.findobj(lambda a: hasattr(a, "get_fontsize"))
            if getattr(t, "get_text", lambda: "")()
        ]
        assert sizes and min(sizes) >= MIN_FONT_PT
