"""PNG label pages at a chosen resolution: bilevel (1-bit) like the printer, lossless, dpi recorded.

Each QR module is exactly ``module_dots`` pixels (the layout snaps modules to the dot grid), so codes are
pixel-perfect. Text is drawn by Pillow with the same font; if Pillow's hinted width at this pixel size is
wider than the layout's, the line is drawn a pixel size smaller so it never leaves its box. One PNG per
page; several pages come as a ZIP (see ``pages_out``).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from suyuan.labels.base import PlacedLabel, Progress, RenderStats, StatsBuilder, pages
from suyuan.labels.fonts import LabelFont, default_font
from suyuan.labels.model import LabelItem
from suyuan.labels.pages_out import write_pages
from suyuan.labels.templates import INCH_MM, Template
from suyuan.labels.textfit import PlacedLine

MEDIA_TYPE = "image/png"


@functools.lru_cache(maxsize=64)
def _pil_font(path: Path, index: int, size_px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size_px, index=index)


def px(mm: float, dpi: int) -> int:
    """Millimetres to whole pixels at ``dpi``."""
    return round(mm * dpi / INCH_MM)


def _paste_qr(canvas: np.ndarray, label: PlacedLabel, dpi: int) -> None:
    qr = label.layout.qr
    scale = qr.module_dots
    block = np.repeat(np.repeat(label.symbol.dark, scale, axis=0), scale, axis=1)
    top, left = px(label.y_mm + qr.y_mm, dpi), px(label.x_mm + qr.x_mm, dpi)
    region = canvas[top : top + block.shape[0], left : left + block.shape[1]]
    region[block] = 0


def _fitting_font(font: LabelFont, line: PlacedLine, dpi: int) -> ImageFont.FreeTypeFont:
    size_px = round(line.size_pt * dpi / 72.0 * 4) / 4
    limit = line.width_mm * dpi / INCH_MM + 0.5
    pil = _pil_font(font.path, font.index, size_px)
    while pil.getlength(line.text) > limit and size_px > 4:
        size_px -= 0.5
        pil = _pil_font(font.path, font.index, size_px)
    return pil


def _draw_text(draw: ImageDraw.ImageDraw, label: PlacedLabel, dpi: int, font: LabelFont) -> None:
    for line in label.layout.lines:
        pil = _fitting_font(font, line, dpi)
        xy = ((label.x_mm + line.x_mm) * dpi / INCH_MM, (label.y_mm + line.baseline_mm) * dpi / INCH_MM)
        draw.text(xy, line.text, fill=0, font=pil, anchor="ls")


def page_png(page: list[PlacedLabel], template: Template, dpi: int, font: LabelFont) -> bytes:
    """One page as a 1-bit PNG with its dpi in the pHYs chunk (so printing at 100 % is true size)."""
    canvas = np.full((px(template.page_height_mm, dpi), px(template.page_width_mm, dpi)), 255, np.uint8)
    for label in page:
        _paste_qr(canvas, label, dpi)
    image = Image.fromarray(canvas, mode="L").convert("1", dither=Image.Dither.NONE)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    for label in page:
        _draw_text(draw, label, dpi, font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi), compress_level=6)
    return buffer.getvalue()


def render_png(
    items: Iterable[LabelItem],
    template: Template,
    out: BinaryIO,
    *,
    dpi: int | None = None,
    progress: Progress | None = None,
    font: LabelFont | None = None,
) -> RenderStats:
    """Write ``items`` as PNG pages at ``dpi`` (default: the template's printer resolution)."""
    font = font or default_font()
    dpi = dpi or template.dpi
    stats = StatsBuilder("png", template, dpi, progress)

    def draw(page: list[PlacedLabel]) -> bytes:
        data = page_png(page, template, dpi, font)
        stats.page_done(page)
        return data

    def blank() -> bytes:
        return page_png([], template, dpi, font)

    written, media_type = write_pages(pages(items, template, dpi, font), draw, out, "png", MEDIA_TYPE, blank)
    return stats.build(written, media_type)
