"""The slide deck a consultant presents: native, editable PowerPoint charts with the data
behind them, in the toolkit's department colours, speaker notes with numbers and sources.

Slides: title; verdict; perception-gap chart; mirror matrix; meeting frequency; lead
follow-up; relationship stage and configuration; one per recommendation; method and
reliability; an appendix slide per dimension. Only results that passed the anonymity
threshold reach a slide, a chart's data sheet or a note: suppressed rows are dropped, and
when a department is below the threshold nothing compares the departments.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import pandas as pd
import yaml
from babel.dates import format_date
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from analysis import charts
from analysis.brief import comparability
from analysis.brief.compose import departments_hidden, masked, recommend
from analysis.brief.render import texts_for
from analysis.brief.summary import _role, executive_summary
from analysis.deck.fit import EMU_PER_PT, fit_size
from analysis.findings import find_findings
from analysis.formatting import LOCALES, fmt_ci, fmt_number, fmt_p, fmt_percent
from analysis.invariance import department_invariance
from analysis.pipeline import Results
from survey.errors import UserError
from survey.instrument import Instrument
from survey.prototypes import load_prototypes

HERE = Path(__file__).resolve().parent
WIDE = (Inches(13.333), Inches(7.5))
FONT = "Arial"
INK = RGBColor(0x1B, 0x1B, 0x1B)
NAVY = RGBColor(0x12, 0x35, 0x5B)
GREY = RGBColor(0x55, 0x55, 0x55)
DEPTS = ("marketing", "sales")
TOP_SCALES = 10


@cache
def _deck_texts() -> dict:
    return yaml.safe_load((HERE / "texts.yaml").read_text(encoding="utf-8"))


def deck_texts(lang: str) -> dict:
    """The deck's texts in ``lang``, over the brief's (``analysis/brief/texts.yaml``)."""

    def pick(value: dict) -> object:
        if isinstance(value, dict) and set(value) == {"de", "en"}:
            return value[lang]
        return {k: pick(v) for k, v in value.items()} if isinstance(value, dict) else value

    return {**texts_for(lang), **pick(_deck_texts())}


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


class Deck:
    """A presentation with the toolkit's layout, or a consultancy's template's masters."""

    def __init__(self, template: str | Path | None = None) -> None:
        self.templated = template is not None
        if template is not None:
            path = Path(template)
            if not path.is_file():
                raise UserError(f"--template {path}: no such file")
            try:
                self.prs = Presentation(str(path))
            except Exception as exc:  # python-pptx raises several kinds for a bad file
                raise UserError(f"--template {path}: not a PowerPoint file ({exc})") from None
            self._drop_slides()
        else:
            self.prs = Presentation()
            self.prs.slide_width, self.prs.slide_height = WIDE
        self.width, self.height = self.prs.slide_width, self.prs.slide_height
        self.margin = int(self.width * 0.04)

    def _drop_slides(self) -> None:
        """A template's own example slides are not part of the deck."""
        ids = self.prs.slides._sldIdLst
        for sld in list(ids):
            self.prs.part.drop_rel(sld.rId)
            ids.remove(sld)

    def _layout(self, kind: str):
        """The template's title layout, or its title-only layout for content slides."""
        layouts = list(self.prs.slide_layouts)
        if kind == "title":
            return layouts[0]
        wanted = ("title only", "nur titel")
        for layout in layouts:
            if layout.name.strip().lower() in wanted:
                return layout
        titled = [
            lo for lo in layouts[1:] if any(p.placeholder_format.type == 1 for p in lo.placeholders)
        ]
        return min(titled, key=lambda lo: len(lo.placeholders)) if titled else layouts[-1]

    def slide(self, title: str, kind: str = "content"):
        """A new slide with ``title``; returns (slide, top of the free area in EMU)."""
        if not self.templated:
            # a real title placeholder (outline view, screen readers), placed for 16:9
            slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # title only
            shape = slide.shapes.title
            shape.left, shape.top = Emu(self.margin), Emu(int(self.height * 0.04))
            shape.width = Emu(self.width - 2 * self.margin)
            shape.height = Emu(int(self.height * 0.12))
            frame = shape.text_frame
            frame.word_wrap = True
            frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            size = fit_size(title, shape.width / EMU_PER_PT, shape.height / EMU_PER_PT, 28, 16)
            frame.text = title
            para = frame.paragraphs[0]
            para.alignment = PP_ALIGN.LEFT
            for run in para.runs:
                run.font.size, run.font.bold, run.font.name = Pt(size), True, FONT
                run.font.color.rgb = NAVY
            return slide, int(self.height * 0.18)
        slide = self.prs.slides.add_slide(self._layout(kind))
        title_shape = slide.shapes.title
        top = int(self.height * 0.18)
        for ph in list(slide.placeholders):
            if ph.placeholder_format.type != 1 and ph.placeholder_format.idx != 0:
                ph._element.getparent().remove(ph._element)  # empty placeholders show prompts
        if title_shape is not None:
            try:
                size = fit_size(
                    title, title_shape.width / EMU_PER_PT, title_shape.height / EMU_PER_PT, 28, 14
                )
            except ValueError:  # a template's small title box: its smallest readable size
                size = 14
            title_shape.text_frame.text = title
            for run in title_shape.text_frame.paragraphs[0].runs:
                run.font.size = Pt(size)
            top = max(top, title_shape.top + title_shape.height + int(self.height * 0.02))
        return slide, top

    def text(
        self,
        slide,
        text: str,
        pos: tuple[int, int],
        size: tuple[int, int],
        *,
        largest: float = 18,
        smallest: float = 10,
        bold: bool = False,
        colour: RGBColor = INK,
        align=PP_ALIGN.LEFT,
    ):
        """A text box whose font size is the largest at which ``text`` fits it."""
        box = slide.shapes.add_textbox(Emu(pos[0]), Emu(pos[1]), Emu(size[0]), Emu(size[1]))
        frame = box.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.TOP
        pt = fit_size(text, size[0] / EMU_PER_PT, size[1] / EMU_PER_PT, largest, smallest)
        for i, line in enumerate(text.split("\n")):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.alignment = align
            run = para.add_run()
            run.text = line
            run.font.size = Pt(pt)
            run.font.bold = bold
            run.font.color.rgb = colour
            if not self.templated:
                run.font.name = FONT
        return box

    def body(self, top: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """Position and size of the free area below ``top`` (a footer line left free)."""
        return (self.margin, top), (
            self.width - 2 * self.margin,
            self.height - top - int(self.height * 0.09),
        )

    def footer(self, slide, text: str) -> None:
        self.text(
            slide,
            text,
            (self.margin, int(self.height * 0.925)),
            (self.width - 2 * self.margin, int(self.height * 0.06)),
            largest=11,
            smallest=8,
            colour=GREY,
        )


def bar_chart(
    slide,
    pos: tuple[int, int],
    size: tuple[int, int],
    categories: list[str],
    series: dict[str, tuple[list[float], str]],
    *,
    horizontal: bool = True,
    number_format: str = "0",
    axis: tuple[float, float] | None = None,
    font_pt: float = 12,
):
    """A native clustered bar (or column) chart; ``series`` maps a name to its values and
    colour. The chart's data sheet holds exactly these numbers."""
    data = CategoryChartData(number_format=number_format)
    data.categories = categories
    for name, (values, _) in series.items():
        data.add_series(name, [float(v) for v in values])
    kind = XL_CHART_TYPE.BAR_CLUSTERED if horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    frame = slide.shapes.add_chart(kind, Emu(pos[0]), Emu(pos[1]), Emu(size[0]), Emu(size[1]), data)
    chart = frame.chart
    chart.font.size = Pt(font_pt)
    chart.font.name = FONT
    for plot_series, (_, colour) in zip(chart.series, series.values(), strict=True):
        plot_series.format.fill.solid()
        plot_series.format.fill.fore_color.rgb = _rgb(colour)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format = number_format
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(font_pt - 2)
    chart.has_legend = len(series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
    # every category labelled: LibreOffice and PowerPoint skip labels of a crowded axis
    axis_xml = chart.category_axis._element
    skip = axis_xml.makeelement(qn("c:tickLblSkip"), {"val": "1"})
    later = axis_xml.find(qn("c:tickMarkSkip"))  # the schema's order: before these
    later = later if later is not None else axis_xml.find(qn("c:noMultiLvlLbl"))
    if later is not None:
        later.addprevious(skip)
    else:
        axis_xml.append(skip)
    # category labels a size smaller: two-line labels of ten categories must not overlap,
    # or the renderer hides every other one
    chart.category_axis.tick_labels.font.size = Pt(font_pt - 2 if horizontal else font_pt)
    if horizontal:
        chart.category_axis.reverse_order = True  # first category on top, as read
        chart.value_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    if axis is not None:
        chart.value_axis.minimum_scale, chart.value_axis.maximum_scale = axis
    chart.value_axis.has_major_gridlines = True
    chart.value_axis.tick_labels.number_format = number_format
    chart.value_axis.tick_labels.number_format_is_linked = False
    return frame


def _notes(slide, lines: list[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(line for line in lines if line)


def _dept_name(t: dict, dept: str) -> str:
    return t["departments"][dept]


class DeckBuilder:
    """Composes every slide of one language from a diagnostic's results."""

    def __init__(
        self,
        results: Results,
        instrument: Instrument,
        lang: str,
        *,
        company: str,
        invariance: pd.DataFrame,
        template: str | Path | None,
        date: dt.date | None,
    ) -> None:
        self.r, self.ins, self.lang = results, instrument, lang
        self.t = deck_texts(lang)
        self.company = company
        self.invariance = invariance
        self.date = date or dt.date.today()
        self.deck = Deck(template)
        self.findings = find_findings(results, instrument)
        self.recs = recommend(self.findings)
        self.hidden = departments_hidden(results, instrument)
        self.summary = executive_summary(
            results, instrument, self.findings, self.recs, lang, self.hidden
        )

    # -- helpers ---------------------------------------------------------------------------
    def n(self, value: float, digits: int = 1) -> str:
        return fmt_number(value, self.lang, digits)

    def not_compared(self, title: str) -> None:
        slide, top = self.deck.slide(title)
        pos, size = self.deck.body(top)
        self.deck.text(slide, self.t["not_compared"].format(threshold=self.r.threshold), pos, size)
        _notes(slide, [self.t["threshold_note"].format(threshold=self.r.threshold)])

    # -- slides ----------------------------------------------------------------------------
    def title(self) -> None:
        d, t = self.deck, self.t
        heading = t["title"] + (f" – {self.company}" if self.company else "")
        sub = (
            f"{t['deck_subtitle']} · "
            f"{format_date(self.date, format='long', locale=LOCALES[self.lang])}"
        )
        if d.templated:
            slide = d.prs.slides.add_slide(d._layout("title"))
            placeholders = list(slide.placeholders)
            for ph in placeholders:
                kind = ph.placeholder_format.type
                if kind in (1, 3):  # title, centre title
                    ph.text_frame.text = heading
                elif ph.placeholder_format.idx == 1:
                    ph.text_frame.text = sub
                else:
                    ph._element.getparent().remove(ph._element)
            if slide.shapes.title is not None:
                shape = slide.shapes.title
                size = fit_size(
                    heading, shape.width / EMU_PER_PT, shape.height / EMU_PER_PT, 36, 16
                )
                for run in shape.text_frame.paragraphs[0].runs:
                    run.font.size = Pt(size)
        else:
            slide = d.prs.slides.add_slide(d.prs.slide_layouts[6])
            w = d.width - 2 * d.margin
            d.text(
                slide,
                heading,
                (d.margin, int(d.height * 0.3)),
                (w, int(d.height * 0.22)),
                largest=40,
                smallest=20,
                bold=True,
                colour=NAVY,
            )
            d.text(
                slide,
                sub,
                (d.margin, int(d.height * 0.55)),
                (w, int(d.height * 0.1)),
                largest=20,
                smallest=12,
                colour=GREY,
            )
        _notes(slide, [t["threshold_note"].format(threshold=self.r.threshold)])

    def verdict(self) -> None:
        d, t, s = self.deck, self.t, self.summary
        slide, top = d.slide(t["verdict_title"])
        (x, y), (w, h) = d.body(top)
        left = int(w * 0.22)
        d.text(
            slide,
            s["verdict"]["index"],
            (x, y),
            (left, int(h * 0.3)),
            largest=72,
            smallest=36,
            bold=True,
            colour=NAVY,
            align=PP_ALIGN.CENTER,
        )
        d.text(
            slide,
            f"{t['out_of_100']}\n{s['verdict']['band']}",
            (x, y + int(h * 0.3)),
            (left, int(h * 0.2)),
            largest=20,
            smallest=12,
            align=PP_ALIGN.CENTER,
        )
        gap = int(w * 0.03)
        d.text(
            slide,
            s["verdict"]["text"],
            (x + left + gap, y),
            (w - left - gap, int(h * 0.45)),
            largest=20,
            smallest=12,
        )
        lines = [g["text"] for g in s["gaps"]] or ([s["gaps_none"]] if s["gaps_none"] else [])
        if self.hidden:
            lines = [t["not_compared"].format(threshold=self.r.threshold)]
        if lines:
            d.text(
                slide,
                t["gaps_heading"],
                (x + left + gap, y + int(h * 0.5)),
                (w - left - gap, int(h * 0.1)),
                largest=18,
                smallest=12,
                bold=True,
                colour=NAVY,
            )
            d.text(
                slide,
                "\n".join(f"• {line}" for line in lines),
                (x + left + gap, y + int(h * 0.6)),
                (w - left - gap, int(h * 0.4)),
                largest=18,
                smallest=11,
            )
        d.footer(
            slide,
            t["table_source"].format(
                source="tables/scale_summary.csv, stage.csv, gaps.csv, mirror.csv"
            ),
        )
        _notes(slide, [f"[{i}] {note}" for i, note in enumerate(s["footnotes"], 1)])

    def gap_chart(self) -> None:
        t = self.t
        if self.hidden:
            return self.not_compared(t["gaps_title"])
        gaps = self.r.gaps
        scales = gaps[
            (gaps["level"] == "scale") & ~gaps["suppressed"] & (gaps["code"] != "marketing_power")
        ]
        rows = charts.dumbbell.gap_rows(scales, top=TOP_SCALES)
        flagged = set(comparability.not_comparable(self.invariance))
        names = [
            self.ins.scale_map[r.code].label[self.lang]
            + (" *" if r.significant else "")
            + (" †" if r.code in flagged else "")
            for r in rows.itertuples()
        ]
        slide, top = self.deck.slide(t["gaps_title"])
        pos, size = self.deck.body(top)
        series = {
            _dept_name(t, dept): (rows[f"mean_{dept}"].tolist(), charts.theme.PALETTE[dept])
            for dept in DEPTS
        }
        chart_size = (size[0], int(size[1] * 0.88))
        bar_chart(slide, pos, chart_size, names, series, axis=(0, 100))
        self.deck.text(
            slide,
            t["gap_chart_note"],
            (pos[0], pos[1] + chart_size[1]),
            (size[0], size[1] - chart_size[1]),
            largest=12,
            smallest=9,
            colour=GREY,
        )
        self.deck.footer(
            slide, t["table_source"].format(source="tables/gaps.csv, tables/invariance.csv")
        )
        notes = [t["gap_chart_title"]]
        for r in rows.itertuples():
            notes.append(
                f"{self.ins.scale_map[r.code].label[self.lang]} ({r.code}): "
                f"{_dept_name(t, 'marketing')} {self.n(r.mean_marketing)}, "
                f"{_dept_name(t, 'sales')} {self.n(r.mean_sales)}; Δ {self.n(r.diff)} "
                f"{fmt_ci(r.ci_low, r.ci_high, self.lang)}; g = {self.n(r.effect, 2)}; "
                f"p_adj {fmt_p(r.p_adj, self.lang)}; n = {int(r.n_marketing)} / {int(r.n_sales)}"
            )
        notes.append(f"{t['notes_source']}: tables/gaps.csv")
        _notes(slide, notes)

    def mirror(self) -> None:
        t = self.t
        if self.hidden:
            return self.not_compared(t["mirror_title"])
        m = self.r.mirror
        part = m[(m["gap_type"] == "competence") & ~m["suppressed"]].dropna(
            subset=["self_mean", "other_mean"]
        )
        if part.empty:
            return None
        cats, by = [], {d: [] for d in DEPTS}
        for r in part.itertuples():
            cats.append(
                t["competence_of"].format(
                    dept=_dept_name(t, r.target),
                    construct=self.ins.construct_label(r.construct, self.lang),
                )
            )
            for rater in DEPTS:
                by[rater].append(r.self_mean if rater == r.target else r.other_mean)
        series = {
            t["rated_by"].format(dept=t["rated_by_dept"][d]): (by[d], charts.theme.PALETTE[d])
            for d in DEPTS
        }
        slide, top = self.deck.slide(t["mirror_title"])
        pos, size = self.deck.body(top)
        chart_size = (size[0], int(size[1] * 0.88))
        bar_chart(slide, pos, chart_size, cats, series, number_format="0.0", axis=(1, 7))
        self.deck.text(
            slide,
            t["mirror_note"],
            (pos[0], pos[1] + chart_size[1]),
            (size[0], size[1] - chart_size[1]),
            largest=12,
            smallest=9,
            colour=GREY,
        )
        self.deck.footer(slide, t["table_source"].format(source="tables/mirror.csv"))
        notes = [
            f"{c}: self {self.n(r.self_mean, 2)} (n = {int(r.n_self)}), other "
            f"{self.n(r.other_mean, 2)} "
            f"(n = {int(r.n_other)}); Δ {self.n(r.diff, 2)} "
            f"{fmt_ci(r.ci_low, r.ci_high, self.lang, 2)}; "
            f"g = {self.n(r.hedges_g, 2)}; p_adj {fmt_p(r.p_adj, self.lang)} ({r.self_item} / "
            f"{r.other_item})"
            for c, r in zip(cats, part.itertuples(), strict=True)
        ]
        _notes(slide, [*notes, f"{t['notes_source']}: tables/mirror.csv"])

    def shares(self, role: str, title_key: str) -> None:
        t = self.t
        code = _role(self.ins, role)
        if code is None:
            return None
        if self.hidden:
            return self.not_compared(t[title_key])
        part = self.r.shares[self.r.shares["column"] == code]
        if set(part["group"]) != set(DEPTS):
            return None
        wide = (
            part.pivot(index="code", columns="group", values="share")
            .reindex(columns=list(DEPTS))
            .fillna(0.0)
        )
        labels = (
            part.drop_duplicates("code").set_index("code")[f"label_{self.lang}"].reindex(wide.index)
        )
        series = {_dept_name(t, d): (wide[d].tolist(), charts.theme.PALETTE[d]) for d in DEPTS}
        n = part.groupby("group")["n"].first()
        slide, top = self.deck.slide(t[title_key])
        pos, size = self.deck.body(top)
        chart_size = (size[0], int(size[1] * 0.86))
        bar_chart(
            slide,
            pos,
            chart_size,
            labels.tolist(),
            series,
            horizontal=False,
            number_format="0%",
            axis=(0, max(0.1, float(wide.to_numpy().max()) * 1.15)),
        )
        extra = ""
        rate = _role(self.ins, "lead_followup_rate")
        gaps = self.r.gaps.set_index("code")
        if role == "lead_followup_time" and rate in gaps.index and not gaps.loc[rate, "suppressed"]:
            g = gaps.loc[rate]
            extra = " " + self.t["plain"]["lead_followup_rate"].format(
                marketing=fmt_percent(g["mean_marketing"] / 100, self.lang),
                sales=fmt_percent(g["mean_sales"] / 100, self.lang),
            )
        note = (
            t["shares_note"].format(n_marketing=int(n["marketing"]), n_sales=int(n["sales"]))
            + extra
        )
        self.deck.text(
            slide,
            note,
            (pos[0], pos[1] + chart_size[1]),
            (size[0], size[1] - chart_size[1]),
            largest=14,
            smallest=9,
            colour=GREY,
        )
        self.deck.footer(
            slide, t["table_source"].format(source=f"tables/shares.csv, {code}; tables/gaps.csv")
        )
        notes = [
            f"{lab}: {_dept_name(t, 'marketing')} "
            f"{fmt_percent(wide.loc[c, 'marketing'], self.lang, 1)}, "
            f"{_dept_name(t, 'sales')} {fmt_percent(wide.loc[c, 'sales'], self.lang, 1)}"
            for c, lab in labels.items()
        ]
        if code in gaps.index and not gaps.loc[code, "suppressed"]:
            g = gaps.loc[code]
            notes.append(
                f"{code}: Cliff's δ = {self.n(g['cliffs_delta'], 2)}, p_adj "
                f"{fmt_p(g['p_adj'], self.lang)}, "
                f"n = {int(g['n_marketing'])} / {int(g['n_sales'])}"
            )
        if extra:
            g = gaps.loc[rate]
            notes.append(
                f"{rate}: {self.n(g['mean_marketing'])} / {self.n(g['mean_sales'])} %, Δ "
                f"{self.n(g['diff'])} "
                f"{fmt_ci(g['ci_low'], g['ci_high'], self.lang)}; g = {self.n(g['hedges_g'], 2)}; "
                f"p_adj {fmt_p(g['p_adj'], self.lang)}; n = {int(g['n_marketing'])} / "
                f"{int(g['n_sales'])}"
            )
        _notes(slide, [*notes, f"{t['notes_source']}: tables/shares.csv, tables/gaps.csv"])

    def stage(self) -> None:
        t = self.t
        stage = self.r.stage.set_index("group")
        groups = [
            g for g in ("all", *DEPTS) if g in stage.index and not (self.hidden and g != "all")
        ]
        slide, top = self.deck.slide(t["stage_title"])
        (x, y), (w, h) = self.deck.body(top)
        lines = []
        if "all" in stage.index:
            s = stage.loc["all", "stage"]
            lines.append(
                t["stage_sentence"].format(
                    ordinal=t["stage_ordinals"][s],
                    stage=t["stages"][s],
                    meaning=t["stage_meanings"][s],
                )
            )
        company = self.r.prototypes[self.r.prototypes["business_unit"] == "company"]
        protos = load_prototypes()
        notes = []
        if len(company):
            c = company.iloc[0]
            lines.append(t["configuration_sentence"].format(configuration=c[f"label_{self.lang}"]))
            lines.append(
                t["config_note"]
                .format(
                    distance=self.n(c["distance"], 0),
                    runner_up_distance=self.n(c["runner_up_distance"], 0),
                    runner_up=protos.configurations[c["runner_up"]].label[self.lang],
                    note="",
                )
                .strip()
            )
            notes.append(
                f"tables/prototypes.csv, company: {c['configuration']} "
                f"({self.n(c['distance'], 2)}), "
                f"{c['runner_up']} ({self.n(c['runner_up_distance'], 2)}). "
                f"{protos.approximation_note[self.lang]}"
            )
        self.deck.text(slide, "\n".join(lines), (x, y), (int(w * 0.45), h), largest=20, smallest=11)
        if groups:
            names = [t["all_respondents"] if g == "all" else _dept_name(t, g) for g in groups]
            frame = bar_chart(
                slide,
                (x + int(w * 0.5), y),
                (int(w * 0.5), h),
                names,
                {t["stage_chart_title"]: ([stage.loc[g, "total"] for g in groups], "#555555")},
                horizontal=False,
                axis=(0, 100),
            )
            for point, g in zip(frame.chart.series[0].points, groups, strict=True):
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = _rgb(charts.theme.PALETTE[g])
            frame.chart.has_title = True
            frame.chart.chart_title.text_frame.text = t["stage_chart_title"]
            for g in groups:
                row = stage.loc[g]
                notes.append(
                    f"tables/stage.csv, {g}: {self.n(row['total'])} "
                    f"{fmt_ci(row['ci_low'], row['ci_high'], self.lang)}, "
                    f"n = {int(row['n'])}, {t['stages'][row['stage']]}"
                )
        self.deck.footer(
            slide, t["table_source"].format(source="tables/stage.csv, tables/prototypes.csv")
        )
        _notes(slide, [*notes, t["limit_stage"], t["limit_prototypes"]])

    def recommendations(self) -> None:
        t, d = self.t, self.deck
        if not self.recs:
            slide, top = d.slide(t["no_recommendation_title"])
            pos, size = d.body(top)
            key = (
                "no_recommendation_hidden"
                if self.hidden
                else ("no_recommendation" if self.findings else "no_recommendation_none")
            )
            d.text(slide, t[key], pos, size)
            return None
        for i, rec in enumerate(self.recs, 1):
            slide, top = d.slide(rec.title[self.lang])
            (x, y), (w, h) = d.body(top)
            blocks = [
                (t["finding"], rec.because.text[self.lang], 0.24),
                (t["action"], rec.action[self.lang], 0.26),
                (t["rationale"], rec.rationale[self.lang], 0.24),
                (t["source"], "; ".join(s[self.lang] for s in rec.sources), 0.14),
            ]
            label_w = int(w * 0.16)
            cursor = y
            for label, body, share in blocks:
                bh = int(h * share)
                d.text(
                    slide,
                    label,
                    (x, cursor),
                    (label_w, bh),
                    largest=16,
                    smallest=10,
                    bold=True,
                    colour=NAVY,
                )
                d.text(
                    slide, body, (x + label_w, cursor), (w - label_w, bh), largest=16, smallest=9
                )
                cursor += bh
            d.text(
                slide,
                f"{t['owner']}: {t['owners'][rec.id]}",
                (x, cursor),
                (w, y + h - cursor),
                largest=16,
                smallest=10,
                colour=NAVY,
            )
            d.footer(slide, t["recommendation"].format(i=i, n=len(self.recs)))
            _notes(
                slide,
                [
                    f"{rec.id} (recommendations.yaml); {t['finding']}: {rec.because.id}, "
                    f"{rec.because.evidence}",
                    rec.because.text[self.lang],
                    f"{t['source']}: " + "; ".join(s[self.lang] for s in rec.sources),
                ],
            )

    def method(self) -> None:
        t, d = self.t, self.deck
        slide, top = d.slide(t["method_title"])
        (x, y), (w, h) = d.body(top)
        resp = self.r.responses
        parts = []
        for dept in DEPTS:
            n = int((resp["department"] == dept).sum())
            parts.append(f"{_dept_name(t, dept)}: {masked(n, self.r.threshold)}")
        intro = (
            f"{t['respondents']}: "
            + ", ".join(parts)
            + ". "
            + t["threshold_note"].format(threshold=self.r.threshold)
        )
        d.text(slide, intro, (x, y), (w, int(h * 0.14)), largest=14, smallest=9)
        cells = comparability.table_cells(self.invariance, self.lang)
        rel = self.r.reliability
        header = [t["scale"], t["n_items_label"], "α", "ω", t["invariance"]]
        rows = len(rel) + 1
        table_top = y + int(h * 0.16)
        shape = slide.shapes.add_table(
            rows, len(header), Emu(x), Emu(table_top), Emu(w), Emu(h - int(h * 0.16))
        )
        table = shape.table
        widths = (0.4, 0.1, 0.1, 0.1, 0.3)
        for j, share in enumerate(widths):
            table.columns[j].width = Emu(int(w * share))
        row_h = int((h - int(h * 0.16)) / rows)
        font = max(8.0, min(12.0, row_h / EMU_PER_PT / 1.6))
        for j, head in enumerate(header):
            table.cell(0, j).text = head
        for i, r in enumerate(rel.itertuples(), 1):
            values = [
                self.ins.scale_map[r.scale].label[self.lang],
                str(len(self.ins.scale_map[r.scale].items)),
                self.n(r.alpha, 2),
                self.n(r.omega_total, 2),
                cells.get(r.scale, {"level": "–"})["level"],
            ]
            for j, value in enumerate(values):
                table.cell(i, j).text = value
        for i in range(rows):
            table.rows[i].height = Emu(row_h)
            for j in range(len(header)):
                cell = table.cell(i, j)
                cell.margin_top = cell.margin_bottom = Emu(0)
                for para in cell.text_frame.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(font)
        d.footer(
            slide, t["table_source"].format(source="tables/reliability.csv, tables/invariance.csv")
        )
        _notes(
            slide,
            [
                t["ranking_method"],
                t["index_method"],
                comparability.method_note(self.lang),
                t["limit_perception"],
            ],
        )

    def appendix(self) -> None:
        t = self.t
        dims = list(dict.fromkeys(s.dimension for s in self.ins.scales))
        gaps = self.r.gaps
        for dim in dims:
            title = t["appendix_title"].format(dimension=t["dimensions"].get(dim, dim))
            slide, top = self.deck.slide(title)
            pos, size = self.deck.body(top)
            shown = gaps[~gaps["suppressed"]].dropna(subset=["mean_marketing", "mean_sales"])
            items = shown[
                (shown["level"] == "item")
                & (shown["dimension"] == dim)
                & (shown["kind"] == "agreement")
            ]
            neutral = [self.ins.column_map[c].perspective == "neutral" for c in items["code"]]
            items = items.loc[pd.Series(neutral, index=items.index, dtype=bool)]
            if self.hidden or (
                items.empty
                and shown[(shown["level"] == "scale") & (shown["dimension"] == dim)].empty
            ):
                self.deck.text(slide, t["appendix_none"], pos, size)
                _notes(slide, [t["threshold_note"].format(threshold=self.r.threshold)])
                continue
            ranges = {self.ins.value_range(c) for c in items["code"]}
            if len(items) and len(ranges) == 1:
                low, high = ranges.pop()
                cats = [
                    self.ins.render(self.ins.column_map[c].text, self.lang, "marketing")
                    for c in items["code"]
                ]
                rows, heading, fmt, axis = (
                    items,
                    t["appendix_items"].format(low=low, high=high),
                    "0.0",
                    (low, high),
                )
            else:
                rows = shown[(shown["level"] == "scale") & (shown["dimension"] == dim)]
                cats = [self.ins.scale_map[c].label[self.lang] for c in rows["code"]]
                heading, fmt, axis = t["appendix_scales"], "0", (0, 100)
            series = {
                _dept_name(t, d): (rows[f"mean_{d}"].tolist(), charts.theme.PALETTE[d])
                for d in DEPTS
            }
            chart_size = (size[0], int(size[1] * 0.9))
            font = 12 if len(cats) <= 6 else 10
            bar_chart(
                slide, pos, chart_size, cats, series, number_format=fmt, axis=axis, font_pt=font
            )
            self.deck.text(
                slide,
                heading,
                (pos[0], pos[1] + chart_size[1]),
                (size[0], size[1] - chart_size[1]),
                largest=12,
                smallest=9,
                colour=GREY,
            )
            self.deck.footer(slide, t["table_source"].format(source="tables/gaps.csv"))
            _notes(
                slide,
                [
                    f"{r.code}: {self.n(r.mean_marketing, 2)} / {self.n(r.mean_sales, 2)}; Δ "
                    f"{self.n(r.diff, 2)} "
                    f"{fmt_ci(r.ci_low, r.ci_high, self.lang, 2)}; {r.effect_type} = "
                    f"{self.n(r.effect, 2)}; "
                    f"p_adj {fmt_p(r.p_adj, self.lang)}; n = {int(r.n_marketing)} / "
                    f"{int(r.n_sales)}"
                    for r in rows.itertuples()
                ]
                + [f"{t['notes_source']}: tables/gaps.csv"],
            )

    def build(self) -> Presentation:
        self.title()
        self.verdict()
        self.gap_chart()
        self.mirror()
        self.shares("meeting_frequency", "meeting_title")
        self.shares("lead_followup_time", "follow_up_title")
        self.stage()
        self.recommendations()
        self.method()
        self.appendix()
        return self.deck.prs


def make_deck(
    results: Results,
    instrument: Instrument,
    out_dir: str | Path,
    *,
    lang: str,
    company: str = "",
    invariance: pd.DataFrame | None = None,
    template: str | Path | None = None,
    date: dt.date | None = None,
) -> Path:
    """Write ``deck_<lang>.pptx`` into ``out_dir`` and return its path.

    Parameters
    ----------
    results : Results
        This diagnostic's analysis.
    instrument : Instrument
        The instrument it follows.
    out_dir : str or Path
        Folder to write.
    lang : {"de", "en"}
        Language of the slides and notes.
    company : str
        Company name for the title slide.
    invariance : DataFrame, optional
        :func:`analysis.invariance.department_invariance`; computed when not given.
    template : str or Path, optional
        A ``.pptx`` whose slide masters and layouts the deck uses (its slides are dropped).
    date : datetime.date, optional
        Date on the title slide (default today).
    """
    texts_for(lang)  # validates the language
    summary = results.scale_summary
    if not ((summary["scale"] == "cooperation") & (summary["group"] == "all")).any():
        raise UserError(
            f"fewer than {results.threshold} respondents rated the cooperation: a deck "
            "would single them out (anonymity threshold)"
        )
    if invariance is None:
        invariance = department_invariance(
            results.responses, instrument, threshold=results.threshold
        )
    prs = DeckBuilder(
        results,
        instrument,
        lang,
        company=company,
        invariance=invariance,
        template=template,
        date=date,
    ).build()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"deck_{lang}.pptx"
    prs.save(str(path))
    return path
