"""Numbers for people: formatted for the language (German decimal comma), used only where
text is rendered (statistics stay unrounded everywhere else)."""

from __future__ import annotations

import math

from babel.numbers import format_decimal, format_percent

LOCALES = {"de": "de_DE", "en": "en_GB"}


def _locale(lang: str) -> str:
    try:
        return LOCALES[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; use de or en") from None


def fmt_number(value: float, lang: str, digits: int = 1) -> str:
    """A number with ``digits`` decimals in the language's notation; NaN becomes an en dash.

    Examples
    --------
    >>> fmt_number(1234.567, "de"), fmt_number(1234.567, "en"), fmt_number(-0.25, "de", 2)
    ('1.234,6', '1,234.6', '−0,25')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    text = format_decimal(value, format=pattern, locale=_locale(lang))
    return text.replace("-", "−")


def fmt_percent(share: float, lang: str, digits: int = 0) -> str:
    """A share (0-1) as a percentage: ``0.641`` is ``64 %`` in German, ``64%`` in English.

    Examples
    --------
    >>> fmt_percent(0.641, "de"), fmt_percent(0.641, "en"), fmt_percent(0.0537, "de", 1)
    ('64\\xa0%', '64%', '5,4\\xa0%')
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "\u00a0%"
    if lang == "en":
        pattern = pattern.replace("\u00a0", "")
    return format_percent(share, format=pattern, locale=_locale(lang))


def fmt_ci(low: float, high: float, lang: str, digits: int = 1) -> str:
    """A confidence interval as ``[low; high]`` (German) or ``[low, high]`` (English).

    Examples
    --------
    >>> fmt_ci(0.12, 0.5, "de", 2), fmt_ci(0.12, 0.5, "en", 2)
    ('[0,12; 0,50]', '[0.12, 0.50]')
    """
    sep = "; " if lang == "de" else ", "
    return f"[{fmt_number(low, lang, digits)}{sep}{fmt_number(high, lang, digits)}]"


def fmt_p(p: float, lang: str) -> str:
    """A p-value: three decimals, or ``< 0.001``.

    Examples
    --------
    >>> fmt_p(0.0004, "en"), fmt_p(0.0123, "de")
    ('< 0.001', '0,012')
    """
    if p < 0.001:
        return "< " + fmt_number(0.001, lang, 3)
    return fmt_number(p, lang, 3)


def fmt_signed(value: float, lang: str, digits: int = 1) -> str:
    """A change with its sign: ``+9,2`` / ``−9,2``; zero (after rounding) has none.

    Examples
    --------
    >>> fmt_signed(9.24, "de"), fmt_signed(-9.24, "en"), fmt_signed(-0.04, "en")
    ('+9,2', '−9.2', '0.0')
    """
    if value is None or math.isnan(value):
        return "–"
    if round(value, digits) == 0:
        return fmt_number(0.0, lang, digits)
    text = fmt_number(value, lang, digits)
    return text if value < 0 else "+" + text
