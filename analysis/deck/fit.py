"""Text that fits its box: an estimate of wrapped lines from font size and box size.

PowerPoint wraps text only when it renders it, and python-pptx cannot measure a font; so the
deck estimates each line's width with a conservative average character width (wide enough
for DejaVu Sans, the widest of the fonts LibreOffice and PowerPoint substitute for Arial)
and picks the largest font size at which the text fits. Written by hand because no library
wraps text without the renderer.
"""

from __future__ import annotations

EM_WIDTH = 0.6  # average character width in em: generous for Arial / DejaVu Sans text
LINE_HEIGHT = 1.2  # line height in em (PowerPoint's single spacing)
EMU_PER_PT = 12700
INSET_PT = 7.2  # PowerPoint's default left + right (and top + bottom) inset, 0.1 in each


def wrapped_lines(text: str, width_pt: float, size_pt: float, em: float = EM_WIDTH) -> int:
    """Lines ``text`` takes in a box ``width_pt`` wide at ``size_pt``, wrapping at spaces.

    Examples
    --------
    >>> # 16 characters a line at 10 pt in 100 pt: three 4-letter words (14 characters) fit
    >>> wrapped_lines("a b c", 1000, 10), wrapped_lines("word " * 40, 100, 10)
    (1, 14)
    """
    per_line = max(1, int(width_pt / (em * size_pt)))
    lines = 0
    for paragraph in text.split("\n"):
        used = 0
        lines += 1
        for word in paragraph.split():
            if used and used + 1 + len(word) > per_line:
                lines += 1
                used = 0
            # a word longer than the line breaks over several lines
            while len(word) > per_line:
                lines += 1
                word = word[per_line:]
            used += len(word) + (1 if used else 0)
    return lines


def fits(text: str, width_pt: float, height_pt: float, size_pt: float) -> bool:
    """Whether ``text`` at ``size_pt`` fits a box (insets included) of the given size."""
    inner_w, inner_h = width_pt - 2 * INSET_PT, height_pt - 2 * INSET_PT / 2
    return wrapped_lines(text, inner_w, size_pt) * LINE_HEIGHT * size_pt <= inner_h


def fit_size(
    text: str, width_pt: float, height_pt: float, largest: float = 20, smallest: float = 9
) -> float:
    """The largest font size (half points) from ``largest`` down at which ``text`` fits;
    raises when even ``smallest`` does not (the layout has to change, not the reader's eyes).
    """
    size = largest
    while size >= smallest:
        if fits(text, width_pt, height_pt, size):
            return size
        size -= 0.5
    raise ValueError(
        f"text of {len(text)} characters does not fit a {width_pt:.0f} x {height_pt:.0f} pt "
        f"box even at {smallest} pt: {text[:60]!r}"
    )
