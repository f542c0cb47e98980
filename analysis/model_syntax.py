"""Parse a lavaan-like measurement model: ``f1 =~ x1 + x2 + x3``.

Only the measurement operator ``=~`` is needed for invariance testing; anything else is
rejected with a message naming the line, so a model never silently loses a statement.
"""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def parse_model(syntax: str) -> dict[str, list[str]]:
    """Parse measurement statements into ``{factor: [indicators]}``.

    Parameters
    ----------
    syntax : str
        One statement per line (or separated by ``;``), ``factor =~ item + item``.
        ``#`` starts a comment. A factor may appear on several lines; its indicators are
        appended in order.

    Returns
    -------
    dict
        Factor name to list of indicator names, in the order given. The first indicator
        of each factor is its marker (loading fixed to 1).

    Examples
    --------
    >>> parse_model("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6  # comment")
    {'visual': ['x1', 'x2', 'x3'], 'textual': ['x4', 'x5', 'x6']}
    """
    if not isinstance(syntax, str):
        raise TypeError(f"model syntax must be a string, got {type(syntax).__name__}")
    factors: dict[str, list[str]] = {}
    statements = []
    for lineno, line in enumerate(syntax.splitlines(), start=1):
        for part in line.split("#", 1)[0].split(";"):
            if part.strip():
                statements.append((lineno, part.strip()))
    for lineno, stmt in statements:
        if "=~" not in stmt:
            raise ValueError(
                f"model syntax line {lineno}: {stmt!r} is not a measurement statement "
                "'factor =~ item + item' (other lavaan operators are not supported)"
            )
        lhs, rhs = (s.strip() for s in stmt.split("=~", 1))
        items = [s.strip() for s in rhs.split("+")]
        for name in [lhs, *items]:
            if not _NAME.match(name):
                raise ValueError(f"model syntax line {lineno}: {name!r} is not a valid name")
        factors.setdefault(lhs, []).extend(items)
    if not factors:
        raise ValueError("model syntax contains no 'factor =~ item' statement")
    seen: dict[str, str] = {}
    for factor, items in factors.items():
        if len(items) < 2:
            raise ValueError(f"factor {factor!r} needs at least two indicators, got {items}")
        for item in items:
            if item in factors:
                raise ValueError(f"{item!r} is a factor and cannot be an indicator")
            if item in seen:
                raise ValueError(
                    f"indicator {item!r} loads on {seen[item]!r} and {factor!r}; "
                    "cross-loadings are not supported"
                )
            seen[item] = factor
    return factors
