"""The codebook: every item with its codes, texts and options, as CSV, Markdown or HTML.

The CSV is lossless for what an analyst needs (both languages, options as JSON) and reads
back with :func:`read_codebook`; Markdown and HTML are for people, in one language.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from survey.errors import UserError
from survey.instrument import Instrument

CODEBOOK_COLUMNS = (
    "code",
    "columns",
    "dimension",
    "construct",
    "type",
    "kind",
    "perspective",
    "mirror_of",
    "reverse",
    "dont_know",
    "scale",
    "text_de",
    "text_en",
    "options",
    "source",
)
FORMATS = ("csv", "md", "html")


def codebook_table(instrument: Instrument) -> pd.DataFrame:
    """One row per item; ``options`` is JSON ``[{"code", "de", "en"}, ...]``.

    Examples
    --------
    >>> from survey import load_instrument
    >>> book = codebook_table(load_instrument())
    >>> row = book.set_index("code").loc["LEA_LOST"]
    >>> row["scale"], bool(row["reverse"])
    ('lead_management', True)
    """
    scale_of: dict[str, list[str]] = {}
    for scale in instrument.scales:
        for code in scale.items:
            scale_of.setdefault(code, []).append(scale.code)
    rows = []
    for item in instrument.items:
        options = [
            {"code": o.code, "de": o.label.de, "en": o.label.en} for o in instrument.options(item)
        ]
        if item.poles:
            options = [{"code": o["code"], "de": o["de"], "en": o["en"]} for o in options]
            options[0]["de"] += f" ({item.poles[0].de})"
            options[0]["en"] += f" ({item.poles[0].en})"
            options[-1]["de"] += f" ({item.poles[1].de})"
            options[-1]["en"] += f" ({item.poles[1].en})"
        if item.parts:
            options = [{"code": p.code, "de": p.label.de, "en": p.label.en} for p in item.parts]
        rows.append(
            {
                "code": item.code,
                "columns": " ".join(instrument.item_columns(item)),
                "dimension": item.dimension,
                "construct": item.construct,
                "type": item.type,
                "kind": instrument.kind(item),
                "perspective": item.perspective,
                "mirror_of": item.mirror_of or "",
                "reverse": item.reverse,
                "dont_know": item.dont_know,
                "scale": " ".join(scale_of.get(item.code, [])),
                "text_de": item.text.de,
                "text_en": item.text.en,
                "options": json.dumps(options, ensure_ascii=False),
                "source": item.source,
            }
        )
    return pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS))


def read_codebook(path: str | Path) -> pd.DataFrame:
    """Read a CSV codebook written by :func:`write_codebook`, with typed columns."""
    book = pd.read_csv(path, dtype="str", keep_default_na=False)
    missing = [c for c in CODEBOOK_COLUMNS if c not in book.columns]
    if missing:
        raise UserError(f"{path}: not a codebook, missing column(s) {missing}")
    for col in ("reverse", "dont_know"):
        book[col] = book[col].map({"True": True, "False": False})
    return book


def _for_people(instrument: Instrument, lang: str) -> list[dict]:
    book = codebook_table(instrument)
    dims = {code: text[lang] for code, text in instrument.dimensions.items()}
    rows = []
    for row in book.to_dict("records"):
        options = json.loads(row["options"])
        row["options_text"] = "; ".join(f"{o['code']} = {o[lang]}" for o in options)
        row["text"] = row[f"text_{lang}"]
        row["dimension_label"] = dims[row["dimension"]]
        rows.append(row)
    return rows


def write_codebook(instrument: Instrument, path: str | Path, *, fmt: str, lang: str = "en") -> Path:
    """Write the codebook as ``csv``, ``md`` or ``html`` (texts of md/html in ``lang``)."""
    if fmt not in FORMATS:
        raise UserError(f"unknown codebook format {fmt!r}; use one of {FORMATS}")
    if lang not in ("de", "en"):
        raise UserError(f"unknown language {lang!r}; use de or en")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        codebook_table(instrument).to_csv(path, index=False, lineterminator="\n")
        return path
    rows = _for_people(instrument, lang)
    env = Environment(
        loader=PackageLoader("survey", "templates"),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )
    template = env.get_template(f"codebook.{fmt}.j2")
    text = template.render(
        instrument=instrument, rows=rows, lang=lang, dk=instrument.dont_know.label[lang]
    )
    path.write_text(text, encoding="utf-8")
    return path
