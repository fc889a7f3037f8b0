"""Vector PDF label sheets: crisp at any printer resolution, one page streamed out at a time.

QR modules are drawn as merged horizontal runs of filled rectangles in a module-unit coordinate system
(``cm`` scales one module to its size and flips y), so each run is a short integer ``x y w 1 re``; text uses
the embedded CJK subset font. Pages go straight to the output through ``PdfWriter`` (constant memory).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from suyuan.labels.base import CountingWriter, PlacedLabel, Progress, RenderStats, StatsBuilder, pages
from suyuan.labels.fonts import LabelFont, default_font
from suyuan.labels.model import LabelItem
from suyuan.labels.pdf_font import FONT_RESOURCE, PdfFontSubset
from suyuan.labels.pdf_writer import PdfWriter
from suyuan.labels.templates import INCH_MM, Template

MM_PT = 72.0 / INCH_MM
MEDIA_TYPE = "application/pdf"
_INT = [str(i) for i in range(256)]


def _qr_ops(label: PlacedLabel, page_height_pt: float) -> str:
    qr = label.layout.qr
    module = qr.module_mm * MM_PT
    x = (label.x_mm + qr.x_mm) * MM_PT
    y = page_height_pt - (label.y_mm + qr.y_mm) * MM_PT
    rows, starts, widths = label.symbol.runs()
    rects = "".join(
        [f"{_INT[c]} {_INT[r]} {_INT[w]} 1 re\n" for r, c, w in zip(rows, starts, widths, strict=True)]
    )
    return f"q {module:.5f} 0 0 {-module:.5f} {x:.3f} {y:.3f} cm\n{rects}f Q\n"


def _text_ops(label: PlacedLabel, page_height_pt: float, subset: PdfFontSubset) -> str:
    parts = ["BT\n"]
    for line in label.layout.lines:
        x = (label.x_mm + line.x_mm) * MM_PT
        y = page_height_pt - (label.y_mm + line.baseline_mm) * MM_PT
        text = subset.encode(line.text).decode("ascii")
        parts.append(f"/F1 {line.size_pt:.2f} Tf 1 0 0 1 {x:.3f} {y:.3f} Tm {text} Tj\n")
    parts.append("ET\n")
    return "".join(parts)


def page_content(page: list[PlacedLabel], page_height_pt: float, subset: PdfFontSubset) -> bytes:
    """The content stream of one page: all QR symbols (black fill), then all text lines."""
    ops = ["0 g\n"]
    for label in page:
        ops.append(_qr_ops(label, page_height_pt))
        ops.append(_text_ops(label, page_height_pt, subset))
    return "".join(ops).encode("ascii")


def render_pdf(
    items: Iterable[LabelItem],
    template: Template,
    out: BinaryIO,
    *,
    dpi: int | None = None,
    progress: Progress | None = None,
    font: LabelFont | None = None,
) -> RenderStats:
    """Write ``items`` as a PDF of ``template`` pages to ``out``; ``dpi`` only snaps QR modules to dots."""
    font = font or default_font()
    dpi = dpi or template.dpi
    stats = StatsBuilder("pdf", template, dpi, progress)
    sink = CountingWriter(out)
    pdf = PdfWriter(sink)
    subset = PdfFontSubset(font)
    font_id = pdf.reserve()
    resources = b"<< /Font << %s %d 0 R >> >>" % (FONT_RESOURCE, font_id)
    width_pt, height_pt = template.page_width_mm * MM_PT, template.page_height_mm * MM_PT
    for page in pages(items, template, dpi, font):
        pdf.add_page(page_content(page, height_pt, subset), width_pt, height_pt, resources)
        stats.page_done(page)
    if stats.pages == 0:  # a PDF needs at least one page; an empty render is a blank page
        pdf.add_page(b"", width_pt, height_pt, resources)
    subset.write(pdf, font_id)
    pdf.finish(f"Suyuan labels ({template.name})")
    return stats.build(sink.count, MEDIA_TYPE)
