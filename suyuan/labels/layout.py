"""Where things go on one label: the QR symbol, its quiet zone, and the fitted text block.

The layout is computed once per label in millimetres (origin: the label's top-left corner) and drawn by
every renderer, so PDF, PNG, SVG and ZPL agree. The QR module size is the largest whole number of printer
dots that fits; it must be at least 0.25 mm (ISO/IEC 18004 practice for phone scanning) and we report when
it is under the preferred 0.33 mm. Text never enters the 4-module quiet zone or the label's padding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from suyuan.labels.errors import LabelTooSmall
from suyuan.labels.fonts import LabelFont
from suyuan.labels.model import LabelItem
from suyuan.labels.qr import QUIET_ZONE
from suyuan.labels.templates import INCH_MM, Template
from suyuan.labels.textfit import Paragraph, PlacedLine, fit_block

MIN_MODULE_MM = 0.25
PREFERRED_MODULE_MM = 0.33
MAX_QR_SHARE = 0.6  # symbol + quiet zones may take at most this share of the label width
MIN_TEXT_WIDTH_MM = 12.0
TEXT_MAX_PT = 8.0
TEXT_MIN_PT = 5.0
NAME_SCALE = 1.25
SLOGAN = "扫码验真 / Scan to verify"


@dataclass(frozen=True, slots=True)
class QrPlacement:
    """The symbol's top-left corner (quiet zone excluded), module size, and modules per side."""

    x_mm: float
    y_mm: float
    module_mm: float
    module_dots: int
    size: int

    @property
    def side_mm(self) -> float:
        """Side of the symbol without quiet zone."""
        return self.size * self.module_mm


@dataclass(frozen=True, slots=True)
class TextBox:
    """The rectangle the text block may use (mm, label coordinates)."""

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float


@dataclass(frozen=True, slots=True)
class LabelLayout:
    """Everything a renderer draws for one label; ``lines`` are in label coordinates (mm)."""

    qr: QrPlacement
    box: TextBox
    lines: tuple[PlacedLine, ...]


def module_size(template: Template, modules: int, dpi: int) -> tuple[int, float]:
    """Largest module (in whole dots at ``dpi``, and in mm) for a symbol of ``modules`` per side.

    Constraints: symbol + 2x4-module quiet zone within the label height and ``MAX_QR_SHARE`` of its width,
    and the symbol itself clear of the padding. ``LabelTooSmall`` if that leaves modules under 0.25 mm.
    """
    width, height, pad = template.label_width_mm, template.label_height_mm, template.padding_mm
    quiet = modules + 2 * QUIET_ZONE
    limit = min((height - 2 * pad) / modules, height / quiet, width * MAX_QR_SHARE / quiet)
    dots = math.floor(limit * dpi / INCH_MM + 1e-9)
    module_mm = dots * INCH_MM / dpi
    if module_mm < MIN_MODULE_MM:
        raise LabelTooSmall(
            f"template {template.name}: a {modules}-module QR code needs {quiet * MIN_MODULE_MM:.1f} mm "
            f"with its quiet zone at 0.25 mm per module, but the label allows only "
            f"{limit * quiet:.1f} mm at {dpi} dpi; use a larger template or a shorter base URL"
        )
    return dots, module_mm


def place_qr(template: Template, modules: int, dpi: int) -> QrPlacement:
    """Put the symbol at the left, vertically centred, its quiet zone inside the label."""
    dots, module_mm = module_size(template, modules, dpi)
    side = modules * module_mm
    left = max(template.padding_mm, QUIET_ZONE * module_mm)
    top = (template.label_height_mm - side) / 2
    return QrPlacement(x_mm=left, y_mm=top, module_mm=module_mm, module_dots=dots, size=modules)


def text_box(template: Template, qr: QrPlacement) -> TextBox:
    """The area right of the QR's quiet zone and inside the padding."""
    x = qr.x_mm + qr.side_mm + max(QUIET_ZONE * qr.module_mm, 1.5)
    pad = template.padding_mm
    width = template.label_width_mm - pad - x
    if width < MIN_TEXT_WIDTH_MM:
        raise LabelTooSmall(f"template {template.name}: only {width:.1f} mm left for text beside the QR code")
    return TextBox(x_mm=x, y_mm=pad, width_mm=width, height_mm=template.label_height_mm - 2 * pad)


def paragraphs(item: LabelItem, font: LabelFont) -> tuple[Paragraph, ...]:
    """The text fields of a label, bilingual, in print order (the product name first and larger)."""
    fields = [
        Paragraph(font.clean(item.product_name), NAME_SCALE),
        Paragraph(font.clean(f"GTIN {item.gtin}")),
        Paragraph(font.clean(f"批号 LOT {item.lot}")),
        Paragraph(font.clean(f"序号 SN {item.serial}")),
    ]
    if item.expiry is not None:
        fields.append(Paragraph(f"有效期 EXP {item.expiry.isoformat()}"))
    fields.append(Paragraph(SLOGAN))
    return tuple(fields)


def layout_label(template: Template, item: LabelItem, modules: int, dpi: int, font: LabelFont) -> LabelLayout:
    """Compute the full layout of one label whose QR symbol has ``modules`` per side."""
    qr = place_qr(template, modules, dpi)
    box = text_box(template, qr)
    fitted = fit_block(
        font, paragraphs(item, font), box.width_mm, box.height_mm, max_pt=TEXT_MAX_PT, min_pt=TEXT_MIN_PT
    )
    used = fitted[-1].bottom_mm if fitted else 0.0
    dy = box.y_mm + max(0.0, (box.height_mm - used) / 2)
    lines = tuple(
        PlacedLine(
            line.text,
            line.size_pt,
            box.x_mm + line.x_mm,
            dy + line.baseline_mm,
            line.width_mm,
            dy + line.top_mm,
            dy + line.bottom_mm,
        )
        for line in fitted
    )
    return LabelLayout(qr=qr, box=box, lines=lines)
