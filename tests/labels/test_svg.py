"""SVG output: glyph outlines match the font, and (with librsvg) every code decodes after rasterising."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from suyuan.labels import get_template, render
from suyuan.labels.fonts import default_font
from suyuan.labels.glyphs import GlyphOutlines
from suyuan.labels.layout import layout_label
from suyuan.labels.qr import encode

from .conftest import make_items

RSVG = shutil.which("rsvg-convert")
needs_rsvg = pytest.mark.skipif(RSVG is None, reason="rsvg-convert (Debian librsvg2-bin) not installed")


def _path_bbox(d: str) -> tuple[float, float, float, float]:
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.mark.parametrize("char", "奶粉扫码验真A8/")
def test_glyph_path_bbox_matches_glyf_header(char: str) -> None:
    outlines = GlyphOutlines(default_font())
    gid = outlines.glyph_id(char)
    header = outlines._data(gid)[2:10]
    x_min, y_min, x_max, y_max = struct.unpack(">hhhh", header)
    bx0, by0, bx1, by1 = _path_bbox(outlines.path(gid))
    # control points may lie outside the outline's bbox; on-curve extremes must match it closely
    assert bx0 <= x_min + 1 and by0 <= y_min + 1 and bx1 >= x_max - 1 and by1 >= y_max - 1
    assert bx1 - bx0 <= (x_max - x_min) * 1.2 + 20


def _rasterise(svg: bytes, tmp_path: Path, dpi: int) -> np.ndarray:
    source, target = tmp_path / "page.svg", tmp_path / "page.png"
    source.write_bytes(svg)
    assert RSVG is not None
    subprocess.run(
        [RSVG, "-d", str(dpi), "-p", str(dpi), "-b", "white", str(source), "-o", str(target)], check=True
    )
    with Image.open(target) as image:
        return np.asarray(image.convert("L"))


@needs_rsvg
def test_svg_codes_decode_after_rasterising(tmp_path: Path) -> None:
    items = list(make_items(24))
    out = io.BytesIO()
    render(items, "a4-3x8", "svg", out)
    gray = _rasterise(out.getvalue(), tmp_path, 300)
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = Counter(r.text for r in zxingcpp.read_barcodes(gray, formats=formats))
    assert found == Counter(item.url for item in items)


@needs_rsvg
def test_svg_glyphs_look_like_the_font(tmp_path: Path) -> None:
    """Catches wrong outlines (bad contour parsing, wrong glyph ids) that a bbox check could miss."""
    template, font = get_template("a4-2x7"), default_font()
    item = next(make_items(1, name="奶"))
    line = layout_label(template, item, encode(item.url).size, template.dpi, font).lines[0]
    out = io.BytesIO()
    render([item], template, "svg", out)
    dpi = 600
    gray = _rasterise(out.getvalue(), tmp_path, dpi)
    x0, y0 = template.label_origin(0)
    size_mm = line.size_pt * 25.4 / 72

    def px(mm: float) -> int:
        return round(mm * dpi / 25.4)

    top, bottom = px(y0 + line.baseline_mm - size_mm), px(y0 + line.baseline_mm + 0.3 * size_mm)
    left, right = px(x0 + line.x_mm), px(x0 + line.x_mm + font.width_mm("奶", line.size_pt))
    glyph = gray[top:bottom, left:right] < 128
    reference = Image.new("L", (200, 200), 255)
    pil_font = ImageFont.truetype(str(font.path), 120, index=font.index)
    ImageDraw.Draw(reference).text((20, 20), "奶", font=pil_font, fill=0)
    assert _iou(glyph, np.asarray(reference) < 128) > 0.75


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    def shape(mask: np.ndarray) -> np.ndarray:
        ys, xs = np.nonzero(mask)
        crop = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.uint8) * 255
        return np.asarray(Image.fromarray(crop).resize((48, 48))) > 127

    sa, sb = shape(a), shape(b)
    return float((sa & sb).sum() / (sa | sb).sum())
