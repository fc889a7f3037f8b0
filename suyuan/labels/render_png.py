"""PNG label pages at a chosen resolution: bilevel (1-bit) like the printer, lossless, dpi recorded.

Each QR module is exactly ``module_dots`` pixels (the layout snaps modules to the dot grid), so codes are
pixel-perfect. Text is drawn by Pillow with the same font (each distinct line rasterised once and cached, as
labels of a batch repeat most lines); if Pillow's hinted width at this pixel size is wider than the
layout's, the line is drawn a little smaller so it never leaves its box. One PNG per
page; several pages come as a ZIP (see ``pages_out``).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from suyuan.labels.base import PlacedLabel, Progress, RenderStats, StatsBuilder, pages
from suyuan.labels.fonts import LabelFont, default_font
from suyuan.labels.model import LabelItem
from suyuan.labels.pages_out import write_pages
from suyuan.labels.templates import INCH_MM, Template

MEDIA_TYPE = "image/png"
PNG_COMPRESS_LEVEL = 3  # bilevel pages: level 3 is ~2x faster than 6 for a few % more bytes


@functools.lru_cache(maxsize=64)
def _pil_font(path: Path, index: int, size_px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size_px, index=index, layout_engine=ImageFont.Layout.BASIC)


def px(mm: float, dpi: int) -> int:
    """Millimetres to whole pixels at ``dpi``."""
    return round(mm * dpi / INCH_MM)


@dataclass(frozen=True, slots=True)
class LineMask:
    """A rasterised text line: True where ink goes; ``left``/``top`` are offsets from the baseline origin."""

    ink: npt.NDArray[np.bool_]
    left: int
    top: int


@functools.lru_cache(maxsize=256)
def line_mask(path: Path, index: int, text: str, size_px: float, limit_px: float) -> LineMask:
    """Rasterise ``text`` once (labels repeat most lines), a half pixel size smaller while wider than allowed.

    Pillow's hinted advances at small pixel sizes can exceed the font's design widths that the layout used;
    shrinking here keeps the "never leaves its box" guarantee in pixels too.
    """
    pil = _pil_font(path, index, size_px)
    while pil.getlength(text) > limit_px and size_px > 4:
        size_px -= 0.5
        pil = _pil_font(path, index, size_px)
    left, top, right, bottom = pil.getbbox(text, anchor="ls")
    image = Image.new("L", (max(1, int(right - left)), max(1, int(bottom - top))), 255)
    ImageDraw.Draw(image).text((-left, -top), text, fill=0, font=pil, anchor="ls")
    return LineMask(ink=np.asarray(image) < 128, left=int(left), top=int(top))


def _paste(canvas: npt.NDArray[np.uint8], ink: npt.NDArray[np.bool_], top: int, left: int) -> None:
    height = min(ink.shape[0], canvas.shape[0] - top)
    width = min(ink.shape[1], canvas.shape[1] - left)
    if height > 0 and width > 0 and top >= 0 and left >= 0:
        canvas[top : top + height, left : left + width][ink[:height, :width]] = 0


def _paste_qr(canvas: npt.NDArray[np.uint8], label: PlacedLabel, dpi: int) -> None:
    qr = label.layout.qr
    scale = qr.module_dots
    block = np.repeat(np.repeat(label.symbol.dark, scale, axis=0), scale, axis=1)
    _paste(canvas, block, px(label.y_mm + qr.y_mm, dpi), px(label.x_mm + qr.x_mm, dpi))


def _paste_text(canvas: npt.NDArray[np.uint8], label: PlacedLabel, dpi: int, font: LabelFont) -> None:
    for line in label.layout.lines:
        size_px = round(line.size_pt * dpi / 72.0 * 4) / 4
        limit = line.width_mm * dpi / INCH_MM + 0.5
        mask = line_mask(font.path, font.index, line.text, size_px, limit)
        x = px(label.x_mm + line.x_mm, dpi) + mask.left
        y = px(label.y_mm + line.baseline_mm, dpi) + mask.top
        _paste(canvas, mask.ink, y, x)


def page_png(page: list[PlacedLabel], template: Template, dpi: int, font: LabelFont) -> bytes:
    """One page as a 1-bit PNG with its dpi in the pHYs chunk (so printing at 100 % is true size)."""
    canvas = np.full((px(template.page_height_mm, dpi), px(template.page_width_mm, dpi)), 255, np.uint8)
    for label in page:
        _paste_qr(canvas, label, dpi)
        _paste_text(canvas, label, dpi, font)
    image = Image.fromarray(canvas).convert("1", dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)
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
        """Encode one page and count it (called lazily by ``write_pages``)."""
        data = page_png(page, template, dpi, font)
        stats.page_done(page)
        return data

    def blank() -> bytes:
        """An empty page, so that zero items still give a valid file."""
        return page_png([], template, dpi, font)

    written, media_type = write_pages(pages(items, template, dpi, font), draw, out, "png", MEDIA_TYPE, blank)
    return stats.build(written, media_type)
