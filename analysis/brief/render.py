"""Render a composed brief to self-contained HTML (images embedded) and to PDF (WeasyPrint)."""

from __future__ import annotations

import base64
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from survey.errors import UserError

HERE = Path(str(resources.files("analysis") / "brief"))


@cache
def brief_texts() -> dict:
    """Fixed texts of the brief, ``{key: {de: ..., en: ...}}``."""
    return yaml.safe_load((HERE / "texts.yaml").read_text(encoding="utf-8"))


def texts_for(lang: str) -> dict[str, object]:
    if lang not in ("de", "en"):
        raise UserError(f"unknown language {lang!r}; use de or en")

    def pick(value: dict) -> object:
        if set(value) == {"de", "en"}:
            return value[lang]
        return {key: pick(inner) for key, inner in value.items()}

    return pick(brief_texts())


def data_uri(path: str | Path, mime: str = "image/png") -> str:
    """A file as a ``data:`` URI, so that the HTML needs no other file and no request."""
    payload = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f"data:{mime};base64,{payload}"


def render_html(context: dict) -> str:
    """The brief as one HTML string; ``context`` comes from :func:`analysis.brief.compose`."""
    env = Environment(
        loader=FileSystemLoader(HERE),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
    )
    css = (HERE / "brief.css").read_text(encoding="utf-8")
    return env.get_template("brief.html.j2").render(css=css, **context)


MAX_PAGES = 4


def write_brief(context: dict, out_dir: str | Path, *, stem: str = "brief") -> tuple[Path, Path]:
    """Write ``<stem>.html`` and ``<stem>.pdf`` into ``out_dir``; returns both paths."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Self-contained: only embedded data: URIs may be fetched, and a failure is an error.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    html = render_html(context)
    document = HTML(string=html, url_fetcher=fetcher).render()
    drivers = context.get("drivers") or {}
    if len(document.pages) > MAX_PAGES and drivers.get("figure"):
        # The brief promises at most four pages: the key-driver chart is the one figure
        # that gives way (its sentence stays; the chart is in figures/ and the deck).
        context = {**context, "drivers": {**drivers, "figure": None}}
        html = render_html(context)
        document = HTML(string=html, url_fetcher=fetcher).render()
    html_path = out / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path = out / f"{stem}.pdf"
    document.write_pdf(pdf_path)
    return html_path, pdf_path
