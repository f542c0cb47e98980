"""The one exception type for input a user can fix.

Commands raise :class:`UserError` (or a subclass) for a file, option or mapping that cannot
be used; the command line turns it into one line on stderr and exit code 1. Anything else
that escapes a command is a bug and is reported as one (see :mod:`analysis.cli`). It lives
in ``survey`` because ``survey`` must not import ``analysis``.
"""

from __future__ import annotations

MAX_SHOWN = 80  # characters of a value quoted in a message or a quarantine line


class UserError(ValueError):
    """Input that cannot be used; the message names file, row, column and value."""


def shorten(value: object, limit: int = MAX_SHOWN) -> str:
    """A value short enough to quote in one line: long text is cut in the middle.

    Never echo a whole free-text answer: an error message ends up in logs and terminals.

    Examples
    --------
    >>> shorten("x" * 200, 20)
    'xxxxxxxx…(200 chars)'
    >>> shorten("kurz")
    'kurz'
    """
    text = str(value).replace("\r", "\\r").replace("\n", "\\n")
    if len(text) <= limit:
        return text
    tail = f"…({len(text)} chars)"
    return text[: max(limit - len(tail), 1)] + tail


def shorten_message(message: str, limit: int = 400) -> str:
    """A whole message on one line, at most ``limit`` characters."""
    one = " ".join(str(message).split())
    return one if len(one) <= limit else one[: limit - 1] + "…"
