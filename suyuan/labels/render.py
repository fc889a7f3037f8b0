"""The one entry point for label output: ``render(items, template, fmt, out)``.

The CLI and the API call this without knowing the formats; each format lives in its own module
(``render_pdf``, ``render_png``, ``render_svg``, ``render_zpl``) with the same signature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import BinaryIO, Literal, get_args

from suyuan.labels.base import Progress, RenderStats
from suyuan.labels.errors import LabelError, UnknownFormat
from suyuan.labels.model import LabelItem
from suyuan.labels.render_pdf import render_pdf
from suyuan.labels.render_png import render_png
from suyuan.labels.render_svg import render_svg
from suyuan.labels.render_zpl import render_zpl
from suyuan.labels.templates import Template, get_template

Format = Literal["pdf", "png", "svg", "zpl"]
FORMATS: tuple[str, ...] = get_args(Format)
MIN_DPI, MAX_DPI = 100, 1200
Renderer = Callable[..., RenderStats]
_RENDERERS: dict[str, Renderer] = {"pdf": render_pdf, "png": render_png, "svg": render_svg, "zpl": render_zpl}

EXTENSIONS = {"pdf": "pdf", "png": "png", "svg": "svg", "zpl": "zpl"}


def render(
    items: Iterable[LabelItem],
    template: Template | str,
    fmt: str,
    out: BinaryIO,
    *,
    dpi: int | None = None,
    progress: Progress | None = None,
) -> RenderStats:
    """Render ``items`` (any iterable, consumed lazily page by page) on ``template`` as ``fmt`` to ``out``.

    ``dpi`` is the printer resolution (default: the template's); it sets PNG pixels and ZPL dots, and
    snaps QR modules to whole dots in every format. ``progress(labels_done)`` is called after each page.
    PNG/SVG with more than one page are written as a ZIP: check ``RenderStats.media_type``.
    Raises ``UnknownTemplate``, ``UnknownFormat``, ``LabelTooSmall`` or ``FontNotFound`` (all ValueError).
    """
    chosen = get_template(template) if isinstance(template, str) else template
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise UnknownFormat(fmt, FORMATS)
    if dpi is not None and not MIN_DPI <= dpi <= MAX_DPI:
        raise LabelError(f"dpi must be between {MIN_DPI} and {MAX_DPI}, got {dpi}")
    return renderer(items, chosen, out, dpi=dpi, progress=progress)


def file_extension(stats: RenderStats) -> str:
    """The file extension matching what was written (``zip`` for multi-page PNG/SVG)."""
    return "zip" if stats.media_type == "application/zip" else EXTENSIONS[stats.format]
