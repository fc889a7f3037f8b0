"""SVG label pages: one self-contained SVG per page (a ZIP of them when there is more than one page).

QR modules are one path of merged runs in module units; text is drawn with the font's glyph outlines
(``<use>`` of paths defined once per page), so the file shows Chinese correctly on any viewer or
cutter software without the font installed. Sizes are in millimetres (``width="210mm"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from suyuan.labels.base import PlacedLabel, Progress, RenderStats, StatsBuilder, pages
from suyuan.labels.fonts import PT_MM, LabelFont, default_font
from suyuan.labels.glyphs import GlyphOutlines
from suyuan.labels.model import LabelItem
from suyuan.labels.pages_out import write_pages
from suyuan.labels.templates import Template

MEDIA_TYPE = "image/svg+xml"


def _qr_svg(label: PlacedLabel) -> str:
    qr = label.layout.qr
    rows, starts, widths = label.symbol.runs()
    d = "".join(f"M{c} {r}h{w}v1h-{w}z" for r, c, w in zip(rows, starts, widths, strict=True))
    x, y = label.x_mm + qr.x_mm, label.y_mm + qr.y_mm
    return f'<path transform="translate({x:.3f} {y:.3f}) scale({qr.module_mm:.5f})" d="{d}"/>\n'


def _text_svg(label: PlacedLabel, glyphs: GlyphOutlines, used: set[int]) -> str:
    parts = []
    units = glyphs.font.face.unitsPerEm
    for line in label.layout.lines:
        scale = line.size_pt * PT_MM / units
        x, y = label.x_mm + line.x_mm, label.y_mm + line.baseline_mm
        uses, advance = [], 0
        for ch in line.text:
            gid = glyphs.glyph_id(ch)
            if glyphs.path(gid):
                used.add(gid)
                uses.append(f'<use xlink:href="#g{gid}" x="{advance}"/>')
            advance += glyphs.advance(gid)
        parts.append(
            f'<g transform="translate({x:.3f} {y:.3f}) scale({scale:.6f} {-scale:.6f})">{"".join(uses)}</g>\n'
        )
    return "".join(parts)


def page_svg(page: list[PlacedLabel], template: Template, glyphs: GlyphOutlines) -> bytes:
    """One page as a complete SVG document (glyph paths defined once, then used)."""
    used: set[int] = set()
    body = [
        '<g fill="#000" shape-rendering="crispEdges">\n',
        *(_qr_svg(label) for label in page),
        '</g>\n<g fill="#000">\n',
        *(_text_svg(label, glyphs, used) for label in page),
        "</g>\n",
    ]
    defs = "".join(f'<path id="g{gid}" d="{glyphs.path(gid)}"/>\n' for gid in sorted(used))
    w, h = template.page_width_mm, template.page_height_mm
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" width="{w:.3f}mm" height="{h:.3f}mm" viewBox="0 0 {w:.3f} {h:.3f}">\n'
        f'<defs>\n{defs}</defs>\n<rect width="{w:.3f}" height="{h:.3f}" fill="#fff"/>\n'
    )
    return (head + "".join(body) + "</svg>\n").encode("utf-8")


def render_svg(
    items: Iterable[LabelItem],
    template: Template,
    out: BinaryIO,
    *,
    dpi: int | None = None,
    progress: Progress | None = None,
    font: LabelFont | None = None,
) -> RenderStats:
    """Write ``items`` as SVG pages: a single SVG for one page, else a ZIP of ``page-0001.svg``..."""
    font = font or default_font()
    dpi = dpi or template.dpi
    stats = StatsBuilder("svg", template, dpi, progress)
    glyphs = GlyphOutlines(font)

    def draw(page: list[PlacedLabel]) -> bytes:
        """Encode one page and count it (called lazily by ``write_pages``)."""
        data = page_svg(page, template, glyphs)
        stats.page_done(page)
        return data

    def blank() -> bytes:
        """An empty page, so that zero items still give a valid file."""
        return page_svg([], template, glyphs)

    written, media_type = write_pages(pages(items, template, dpi, font), draw, out, "svg", MEDIA_TYPE, blank)
    return stats.build(written, media_type)
