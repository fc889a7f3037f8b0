"""Finding and measuring the CJK font that every label output uses.

Product names are Chinese, so every output must carry glyphs for them (no tofu boxes). One TrueType font
with ``glyf`` outlines serves all formats: reportlab parses and subsets it for PDF, Pillow rasterises it for
PNG, and its outlines become SVG paths. We look for it, in order:

1. ``SUYUAN_LABEL_FONT`` (a .ttf/.ttc path; append ``#N`` for face N of a collection) - an operator override;
2. a font vendored in ``suyuan/labels/fonts/`` (the package data glob already ships that folder);
3. the PyPI package ``paperang-p2-fonts-cjk`` (WenQuanYi Micro Hei, byte-identical to Debian's file);
4. Debian's ``fonts-wqy-microhei`` / ``fonts-wqy-zenhei`` / ``fonts-arphic-uming`` at their usual paths.

CFF-flavoured OpenType fonts (Noto Sans CJK, Source Han) are skipped: reportlab cannot embed them.
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from reportlab.pdfbase.ttfonts import TTFError, TTFontFile

from suyuan.labels.errors import FontNotFound

PROBE_TEXT = "扫码验真婴幼儿配方奶粉"
REPLACEMENT = "?"
PT_MM = 25.4 / 72.0
_CACHE_LIMIT = 1024
T = TypeVar("T")

_DEBIAN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_INSTALL_HINT = (
    "no CJK TrueType font found for labels; install one with `pip install paperang-p2-fonts-cjk` "
    "or `apt-get install fonts-wqy-microhei`, or set SUYUAN_LABEL_FONT=/path/to/font.ttf[#index]"
)


def _candidates() -> Iterator[tuple[Path, int]]:
    """Font files to try, best first (see the module docstring for the order and the reasons)."""
    override = os.environ.get("SUYUAN_LABEL_FONT")
    if override:
        path_text, _, index = override.partition("#")
        yield Path(path_text), int(index or 0)
    vendored = Path(__file__).with_name("fonts")
    if vendored.is_dir():
        for font_file in sorted(vendored.iterdir()):
            if font_file.suffix.lower() in {".ttf", ".ttc"}:
                yield font_file, 0
    if importlib.util.find_spec("paperang_p2_fonts_cjk") is not None:
        resource = importlib.resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
        yield Path(str(resource)), 0
    for debian_path in _DEBIAN_FONTS:
        yield Path(debian_path), 0


def _load(path: Path, index: int) -> TTFontFile | None:
    """Parse one candidate; ``None`` if missing, not TrueType-outlined, or lacking common Chinese glyphs."""
    if not path.is_file():
        return None
    try:
        face = TTFontFile(str(path), subfontIndex=index)
    except (TTFError, OSError, ValueError):
        return None
    if not all(ord(ch) in face.charToGlyph for ch in PROBE_TEXT):
        return None
    return face


@dataclass(eq=False)
class LabelFont:
    """A parsed TrueType face plus the measurements the layout needs (widths in 1/1000 em, like PDF).

    Measuring with the font's own advance widths (not a renderer's) keeps the text layout identical in
    every output format, so "fits the label" is decided once and holds for PDF, PNG, SVG alike.
    """

    path: Path
    index: int
    face: TTFontFile
    _widths: dict[int, float] = field(default_factory=dict, repr=False)
    _text_units: dict[str, float] = field(default_factory=dict, repr=False)
    _cleaned: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def ps_name(self) -> str:
        """PostScript name, used as the embedded PDF font's BaseFont."""
        raw = self.face.name
        return raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)

    @property
    def ascent(self) -> float:
        """Ascender in 1/1000 em (positive)."""
        return float(self.face.ascent)

    @property
    def descent(self) -> float:
        """Descender in 1/1000 em (negative)."""
        return float(self.face.descent)

    @functools.cached_property
    def tabular_digits(self) -> bool:
        """True if 0-9 all have the same advance, so digits can be swapped without changing any layout."""
        return len({self.advance(digit) for digit in "0123456789"}) == 1

    def has_glyph(self, ch: str) -> bool:
        """True if the font draws ``ch`` (so it will not show as a tofu box)."""
        return ord(ch) in self.face.charToGlyph

    def clean(self, text: str) -> str:
        """``text`` with control characters turned into spaces and unsupported characters into ``?``."""
        cached = self._cleaned.get(text)
        if cached is None:
            cached = _remember(self._cleaned, text, self._clean(text))
        return cached

    def _clean(self, text: str) -> str:
        out = []
        for ch in text:
            if ch.isspace() or not ch.isprintable():
                out.append(" ")
            else:
                out.append(ch if self.has_glyph(ch) else REPLACEMENT)
        return " ".join("".join(out).split())

    def advance(self, ch: str) -> float:
        """Advance width of one character in 1/1000 em."""
        code = ord(ch)
        width = self._widths.get(code)
        if width is None:
            width = float(self.face.charWidths.get(code, self.face.defaultWidth))
            self._widths[code] = width
        return width

    def width_mm(self, text: str, size_pt: float) -> float:
        """Rendered width of ``text`` at ``size_pt`` points, in millimetres."""
        units = self._text_units.get(text)
        if units is None:
            units = _remember(self._text_units, text, sum(self.advance(ch) for ch in text))
        return units * size_pt / 1000.0 * PT_MM


def _remember(cache: dict[str, T], key: str, value: T) -> T:
    """Store in a small memo that is simply emptied when full (labels repeat the same few strings)."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _first_usable() -> tuple[Path, int, TTFontFile]:
    """The first candidate that loads and draws Chinese, or ``FontNotFound`` with install instructions."""
    for path, index in _candidates():
        face = _load(path, index)
        if face is not None:
            return path, index, face
    raise FontNotFound(_INSTALL_HINT)


def find_font() -> tuple[Path, int]:
    """Path and face index of the font labels will use (for diagnostics and the docs)."""
    path, index, _face = _first_usable()
    return path, index


@functools.lru_cache(maxsize=1)
def default_font() -> LabelFont:
    """The process-wide label font (parsed once: parsing a 5 MB collection takes ~0.1 s)."""
    path, index, face = _first_usable()
    return LabelFont(path=path, index=index, face=face)
