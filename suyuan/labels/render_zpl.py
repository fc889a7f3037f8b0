"""ZPL II for Zebra (and compatible) thermal printers: one ``^XA..^XZ`` format per label.

The printer builds the QR itself from ``^BQN,2,<magnification>,M`` and ``^FDMA,<url>^FS`` (ECC level M,
automatic input mode: the firmware picks numeric/alphanumeric/byte segments). Firmware may segment worse
than zxing-cpp, so the space and magnification are sized for an all-byte-mode symbol: whatever the
firmware picks, the code plus its quiet zone stays inside the label. Magnification is the module size in
printer dots (1-10). Text is UTF-8 (``^CI28``) in a CJK TrueType font stored on the printer (``^CW``); the
printer must hold such a font (see docs/labels.md), or Chinese prints as blanks or boxes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from suyuan.labels.base import CountingWriter, PlacedLabel, Progress, RenderStats, StatsBuilder, pages
from suyuan.labels.errors import LabelError
from suyuan.labels.fonts import LabelFont, default_font
from suyuan.labels.model import LabelItem
from suyuan.labels.qr import QrSymbol, byte_mode_size
from suyuan.labels.templates import INCH_MM, Template

MEDIA_TYPE = "application/vnd.zebra-zpl"
DEFAULT_CJK_FONT = "E:ANMDS.TTF"  # Zebra's "Andale Mono Simplified Chinese" downloadable font
MAX_MAGNIFICATION = 10
_FH_ESCAPES = {"_": "_5F", "^": "_5E", "~": "_7E"}


def dots(mm: float, dpi: int) -> int:
    """Millimetres to printer dots."""
    return round(mm * dpi / INCH_MM)


def escape_field(text: str) -> str:
    """Escape ``text`` for a ``^FH_`` field: ``_``, ``^`` and ``~`` would otherwise be ZPL syntax."""
    return "".join(_FH_ESCAPES.get(ch, ch) for ch in text)


def _worst_case_size(symbol: QrSymbol) -> int:
    return max(symbol.size, byte_mode_size(len(symbol.text.encode("utf-8"))))


def _qr_field(label: PlacedLabel, dpi: int) -> str:
    url = label.item.url
    if any(ch in url for ch in "^~") or not url.isascii():
        raise LabelError(f"URL cannot go into a ZPL field unescaped: {url!r}")
    qr = label.layout.qr
    magnification = min(qr.module_dots, MAX_MAGNIFICATION)
    x, y = dots(qr.x_mm, dpi), dots(qr.y_mm, dpi)
    return f"^FO{x},{y}^BQN,2,{magnification},M^FDMA,{url}^FS\n"


def _text_fields(label: PlacedLabel, dpi: int, font: LabelFont) -> str:
    fields = []
    for line in label.layout.lines:
        height = max(10, dots(line.size_pt * INCH_MM / 72.0, dpi))
        top = dots(line.baseline_mm - line.size_pt * INCH_MM / 72.0 * font.ascent / 1000.0, dpi)
        left, width = dots(line.x_mm, dpi), max(1, dots(line.width_mm, dpi) + 2)
        fields.append(
            f"^FO{left},{top}^A1N,{height},{height}^FB{width},1,0,L,0^FH_^FD{escape_field(line.text)}^FS\n"
        )
    return "".join(fields)


def label_zpl(label: PlacedLabel, template: Template, dpi: int, font: LabelFont, cjk_font: str) -> str:
    """The complete ZPL format for one label (printed on its own label, so origin is the label corner)."""
    width, height = dots(template.label_width_mm, dpi), dots(template.label_height_mm, dpi)
    return (
        f"^XA\n^CI28\n^PW{width}\n^LL{height}\n^LH0,0\n^CW1,{cjk_font}\n"
        f"{_qr_field(label, dpi)}{_text_fields(label, dpi, font)}^PQ1\n^XZ\n"
    )


def render_zpl(
    items: Iterable[LabelItem],
    template: Template,
    out: BinaryIO,
    *,
    dpi: int | None = None,
    progress: Progress | None = None,
    font: LabelFont | None = None,
    cjk_font: str = DEFAULT_CJK_FONT,
) -> RenderStats:
    """Write one ZPL format per item; ``dpi`` must be the printer's (203 or 300), default the template's."""
    font = font or default_font()
    dpi = dpi or template.dpi
    stats = StatsBuilder("zpl", template, dpi, progress)
    sink = CountingWriter(out)
    for page in pages(items, template, dpi, font, size_for=_worst_case_size):
        sink.write("".join(label_zpl(label, template, dpi, font, cjk_font) for label in page).encode("utf-8"))
        stats.page_done(page)
    return stats.build(sink.count, MEDIA_TYPE)
