"""Fitting label text into a box: shrink to a minimum size, then wrap, then ellipsise - never overflow.

Everything is measured with the font's own advance widths (``LabelFont``), so the result is one layout
that every output format draws identically. Chinese has no spaces: a line may break between any two CJK
characters (but not before closing punctuation); Latin text breaks at spaces, and a word longer than the
line is broken between characters rather than allowed to stick out.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from suyuan.labels.errors import LabelTooSmall
from suyuan.labels.fonts import PT_MM, LabelFont

ELLIPSIS = "…"
LINE_SPACING = 1.12  # line pitch in em; the face's ascent+descent is 1.005 em
SIZE_STEP = 0.25
_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
_NO_LINE_START = set("，。、；：！？）】》」』”’,.;:!?)]%")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One field of the text block; ``scale`` enlarges it relative to the others (the product name)."""

    text: str
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class PlacedLine:
    """A line ready to draw: text, size, and its box relative to the text block's top-left (mm)."""

    text: str
    size_pt: float
    x_mm: float
    baseline_mm: float
    width_mm: float
    top_mm: float
    bottom_mm: float


def is_cjk(ch: str) -> bool:
    """True for characters that may be broken around freely (CJK ideographs, kana, hangul, fullwidth)."""
    code = ord(ch)
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or (0xFF00 <= code <= 0xFFEF or code >= 0x20000)
    )


def _tokens(text: str) -> list[str]:
    """Split into unbreakable pieces: words, single CJK characters (with trailing punctuation), spaces."""
    tokens: list[str] = []
    for ch in text:
        if ch == " ":
            tokens.append(ch)
        elif tokens and ch in _NO_LINE_START and tokens[-1] != " ":
            tokens[-1] += ch
        elif is_cjk(ch) or not tokens or tokens[-1] == " " or is_cjk(tokens[-1][-1]):
            tokens.append(ch)
        else:
            tokens[-1] += ch
    return tokens


def _split_long(font: LabelFont, token: str, size_pt: float, width_mm: float) -> list[str]:
    """Break a token wider than the line between characters (a long lot number, a URL-like name)."""
    pieces, current = [], ""
    for ch in token:
        if current and font.width_mm(current + ch, size_pt) > width_mm:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current] if current else pieces


def wrap(font: LabelFont, text: str, size_pt: float, width_mm: float) -> list[str]:
    """Greedy line filling of ``text`` at ``size_pt`` into lines no wider than ``width_mm``."""
    return list(_wrap_cached(font, text, size_pt, width_mm))


@functools.lru_cache(maxsize=512)
def _wrap_cached(font: LabelFont, text: str, size_pt: float, width_mm: float) -> tuple[str, ...]:
    lines: list[str] = []
    current = ""
    for token in _tokens(text):
        candidate = current + token
        if font.width_mm(candidate.rstrip(), size_pt) <= width_mm:
            current = candidate
            continue
        if current.strip():
            lines.append(current.rstrip())
        current = "" if token == " " else token
        if font.width_mm(current, size_pt) > width_mm:
            *full, current = _split_long(font, current, size_pt, width_mm) or [""]
            lines.extend(full)
    if current.strip():
        lines.append(current.rstrip())
    return tuple(lines)


def ellipsise(font: LabelFont, text: str, size_pt: float, width_mm: float) -> str:
    """``text`` if it fits in ``width_mm``, else its longest prefix that fits with a trailing "…"."""
    if font.width_mm(text, size_pt) <= width_mm:
        return text
    prefix = text
    while prefix and font.width_mm(prefix.rstrip() + ELLIPSIS, size_pt) > width_mm:
        prefix = prefix[:-1]
    result = prefix.rstrip() + ELLIPSIS
    return result if font.width_mm(result, size_pt) <= width_mm else ""


def line_height_mm(size_pt: float) -> float:
    """Vertical pitch of one line at ``size_pt``."""
    return size_pt * LINE_SPACING * PT_MM


def _sizes(max_pt: float, min_pt: float) -> list[float]:
    count = round((max_pt - min_pt) / SIZE_STEP)
    return [max_pt - i * SIZE_STEP for i in range(count)] + [min_pt]


def _height(lines: Sequence[tuple[str, float]]) -> float:
    return sum(line_height_mm(size) for _text, size in lines)


def _wrapped(
    font: LabelFont, paragraphs: Sequence[Paragraph], base_pt: float, width_mm: float
) -> list[tuple[str, float]]:
    return [
        (line, base_pt * p.scale)
        for p in paragraphs
        for line in wrap(font, p.text, base_pt * p.scale, width_mm)
    ]


def _truncate_first(
    font: LabelFont, paragraphs: Sequence[Paragraph], size_pt: float, width_mm: float, height_mm: float
) -> list[tuple[str, float]]:
    """Last resort: everything at ``size_pt``; the first paragraph (the name) cut to the lines left."""
    rest = _wrapped(font, paragraphs[1:], size_pt, width_mm)
    spare = height_mm - _height(rest)
    room = int((spare + 1e-9) // line_height_mm(size_pt))
    if room < 1:
        raise LabelTooSmall(
            f"label text needs {_height(rest) + line_height_mm(size_pt):.1f} mm of height even at "
            f"{size_pt:g} pt but the text area is {height_mm:.1f} mm; use a larger template"
        )
    name = wrap(font, paragraphs[0].text, size_pt, width_mm)
    if len(name) > room:
        name = [*name[: room - 1], ellipsise(font, name[room - 1] + ELLIPSIS, size_pt, width_mm)]
    return [(line, size_pt) for line in name] + rest


def fit_block(
    font: LabelFont,
    paragraphs: Sequence[Paragraph],
    width_mm: float,
    height_mm: float,
    *,
    max_pt: float,
    min_pt: float,
) -> list[PlacedLine]:
    """Lay ``paragraphs`` out top-down in a ``width_mm`` x ``height_mm`` box, largest size that fits.

    Sizes shrink from ``max_pt`` to ``min_pt``; each paragraph wraps at the box width. If even ``min_pt``
    is too tall, the first paragraph is cut to the lines that remain and ellipsised. ``LabelTooSmall`` if
    the other paragraphs alone cannot fit. Every returned line lies inside the box.
    """
    key = (
        tuple(paragraphs)
        if not font.tabular_digits
        else tuple(Paragraph(p.text.translate(_DIGITS_TO_ZERO), p.scale) for p in paragraphs)
    )
    size = _fitting_size(font, key, width_mm, height_mm, max_pt, min_pt)
    if size is None:
        return _place(font, _truncate_first(font, paragraphs, min_pt, width_mm, height_mm))
    return _place(font, _wrapped(font, paragraphs, size, width_mm))


@functools.lru_cache(maxsize=256)
def _fitting_size(
    font: LabelFont,
    paragraphs: tuple[Paragraph, ...],
    width_mm: float,
    height_mm: float,
    max_pt: float,
    min_pt: float,
) -> float | None:
    """Largest size at which the wrapped block fits, or None; cached with digits normalised to ``0``.

    With tabular digits (all the same width) a serial's value cannot change the wrapping, so labels of a
    batch - same name, GTIN, lot, expiry; serials of the same length - share one search.
    """
    for size in _sizes(max_pt, min_pt):
        if _height(_wrapped(font, paragraphs, size, width_mm)) <= height_mm + 1e-9:
            return size
    return None


def _place(font: LabelFont, lines: Sequence[tuple[str, float]]) -> list[PlacedLine]:
    placed, top = [], 0.0
    for text, size in lines:
        pitch = line_height_mm(size)
        glyph_box = size * PT_MM * (font.ascent - font.descent) / 1000.0
        baseline = top + (pitch - glyph_box) / 2 + size * PT_MM * font.ascent / 1000.0
        placed.append(PlacedLine(text, size, 0.0, baseline, font.width_mm(text, size), top, top + pitch))
        top += pitch
    return placed
