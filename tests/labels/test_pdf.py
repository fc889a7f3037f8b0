"""PDF output: every code decodes from an independent rasteriser (poppler), fonts are embedded subsets
with correct Chinese text, and memory does not grow with the number of labels."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from suyuan.labels import render
from suyuan.labels.fonts import default_font

from .conftest import NAME, make_items


def _pdftoppm() -> str:
    tool = shutil.which("pdftoppm")
    if tool is None:
        pytest.fail("pdftoppm not found: install Debian's poppler-utils (apt-get install poppler-utils)")
    return tool


def test_100_labels_decode_exactly_once_via_pdftoppm(tmp_path: Path) -> None:
    items = list(make_items(100))
    pdf = tmp_path / "labels.pdf"
    with pdf.open("wb") as out:
        stats = render(items, "a4-4x10", "pdf", out)
    assert stats.pages == 3
    subprocess.run([_pdftoppm(), "-r", "300", "-gray", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == 3
    decoded: Counter[str] = Counter()
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    for page in pages:
        with Image.open(page) as image:
            decoded.update(r.text for r in zxingcpp.read_barcodes(np.asarray(image), formats=formats))
    assert decoded == Counter(item.url for item in items)


def test_font_is_an_embedded_subset_and_text_extracts() -> None:
    out = io.BytesIO()
    render(make_items(3), "a4-2x7", "pdf", out)
    data = out.getvalue()
    assert b"/FontFile2" in data and b"/CIDFontType2" in data
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYiMicroHei", data)
    assert len(data) < 200_000  # a subset, not the 5 MB font
    document = pdfium.PdfDocument(data)
    text = document[0].get_textpage().get_text_range()
    assert "澳大利亚进口婴幼儿配方奶粉" in text.replace("\r", "").replace("\n", "")
    assert "扫码验真 / Scan to verify" in text
    assert "GTIN 09501101530003" in text


def _shape(mask: np.ndarray) -> np.ndarray:
    """The ink of ``mask`` cropped to its bounding box and scaled to 48x48, for shape comparison."""
    ys, xs = np.nonzero(mask)
    crop = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.uint8) * 255
    return np.asarray(Image.fromarray(crop).resize((48, 48))) > 127


@pytest.mark.parametrize("char", "奶粉酪蛋白")
def test_chinese_glyphs_in_pdf_are_the_right_ones(char: str) -> None:
    """Rasterise the PDF and compare each glyph with the font's own drawing of that character:
    catches tofu, blanks and wrong glyph ids (an off-by-one mapping scores ~0.3, correct ~0.93)."""
    out = io.BytesIO()
    render(make_items(1, name="奶粉酪蛋白"), "a4-2x7", "pdf", out)
    page = pdfium.PdfDocument(out.getvalue())[0]
    textpage = page.get_textpage()
    left, bottom, right, top = textpage.get_charbox(textpage.get_text_range().index(char))
    scale = 600 / 72
    gray = page.render(scale=scale, grayscale=True).to_numpy()
    height = gray.shape[0]
    rows = slice(int(height - top * scale) - 2, int(height - bottom * scale) + 2)
    cols = slice(int(left * scale) - 2, int(right * scale) + 2)
    in_pdf = _shape(gray[rows, cols] < 128)
    font = default_font()
    reference = Image.new("L", (200, 200), 255)
    pil_font = ImageFont.truetype(str(font.path), 120, index=font.index)
    ImageDraw.Draw(reference).text((20, 20), char, font=pil_font, fill=0)
    expected = _shape(np.asarray(reference) < 128)
    iou = (in_pdf & expected).sum() / (in_pdf | expected).sum()
    assert iou > 0.75, iou


def _peak_bytes(count: int) -> int:
    class Sink(io.RawIOBase):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            return len(data)

    sink = cast(BinaryIO, Sink())
    render(make_items(1200), "a4-3x8", "pdf", sink)  # fill the bounded caches before measuring
    tracemalloc.start()
    render(make_items(count), "a4-3x8", "pdf", sink)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_memory_does_not_grow_with_label_count() -> None:
    """5x the labels must not need noticeably more memory (reportlab's canvas would need ~5x)."""
    small, large = _peak_bytes(600), _peak_bytes(3000)
    assert large < small * 1.2 + 300_000, (small, large)


def test_product_name_with_all_fields() -> None:
    out = io.BytesIO()
    render(make_items(1, name=NAME), "roll-50x30", "pdf", out)
    text = pdfium.PdfDocument(out.getvalue())[0].get_textpage().get_text_range()
    flat = text.replace("\r", "").replace("\n", "")
    for needle in ("批号 LOT L2611A", "序号 SN 1", "有效期 EXP 2027-05-31"):
        assert needle in flat
