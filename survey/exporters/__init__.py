"""Export the instrument to other survey tools and to paper.

One module per format; :func:`export_instrument` picks the right one.
"""

from __future__ import annotations

from pathlib import Path

from survey.errors import UserError
from survey.instrument import LANGUAGES, Instrument, Language

EXPORT_FORMATS = ("limesurvey", "surveyjs", "qualtrics", "print")


def parse_languages(value: str) -> tuple[Language, ...]:
    """``"de,en"`` -> ``("de", "en")``; unknown languages raise ``ValueError``."""
    langs = tuple(part.strip() for part in value.split(",") if part.strip())
    bad = [lang for lang in langs if lang not in LANGUAGES]
    if not langs or bad:
        raise UserError(f"--lang {value!r}: use a comma-separated list of {LANGUAGES}")
    return langs  # type: ignore[return-value]


def export_instrument(
    instrument: Instrument,
    fmt: str,
    path: str | Path,
    langs: tuple[Language, ...],
    units: dict[str, str] | None = None,
) -> list[Path]:
    """Write the instrument in format ``fmt``; returns the files written.

    ``units`` (code -> name, a project's business units) turn the business-unit question
    into a list to choose from, as in our web survey; without them it is a required text.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "limesurvey":
        from survey.exporters.limesurvey import write_limesurvey

        return [write_limesurvey(instrument, path, langs, units)]
    if fmt == "surveyjs":
        from survey.exporters.surveyjs import write_surveyjs

        return [write_surveyjs(instrument, path, langs, units)]
    if fmt == "qualtrics":
        from survey.exporters.qualtrics import write_qualtrics

        return write_qualtrics(instrument, path, langs, units)
    if fmt == "print":
        from survey.exporters.printable import write_questionnaire

        # HTML and PDF per language (q.html, or q_de.html and q_en.html), both departments.
        out: list[Path] = []
        for lang in langs:
            target = path if len(langs) == 1 else path.with_name(f"{path.stem}_{lang}{path.suffix}")
            out += write_questionnaire(instrument, target, lang, units)
        return out
    raise UserError(f"unknown export format {fmt!r}; use one of {EXPORT_FORMATS}")


def per_language_path(path: Path, lang: str, langs: tuple[str, ...]) -> Path:
    """``q.txt`` -> ``q.de.txt`` when several languages go to separate files."""
    return path if len(langs) == 1 else path.with_suffix(f".{lang}{path.suffix}")
