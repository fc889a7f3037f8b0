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

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from suyuan.labels import render

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


def test_chinese_glyphs_are_drawn_not_blank() -> None:
    out = io.BytesIO()
    render(make_items(1, name="奶粉奶粉奶粉"), "a4-2x7", "pdf", out)
    page = pdfium.PdfDocument(out.getvalue())[0]
    textpage = page.get_textpage()
    index = textpage.get_text_range().index("奶粉")
    left, bottom, right, top = textpage.get_charbox(index)
    gray = page.render(scale=600 / 72, grayscale=True).to_numpy()
    scale = 600 / 72
    height = gray.shape[0]
    box = gray[
        int(height - top * scale) : int(height - bottom * scale), int(left * scale) : int(right * scale)
    ]
    ink = float((box < 128).mean())
    assert 0.08 < ink < 0.6, ink  # a glyph has some ink; a tofu box outline or an empty box does not fit


def _peak_bytes(count: int) -> int:
    class Sink(io.RawIOBase):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            return len(data)

    render(make_items(24), "a4-3x8", "pdf", Sink())  # warm caches before measuring
    tracemalloc.start()
    render(make_items(count), "a4-3x8", "pdf", Sink())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_memory_does_not_grow_with_label_count() -> None:
    small, large = _peak_bytes(240), _peak_bytes(2400)
    assert large < small * 1.5 + 200_000, (small, large)


def test_product_name_with_all_fields() -> None:
    out = io.BytesIO()
    render(make_items(1, name=NAME), "roll-50x30", "pdf", out)
    text = pdfium.PdfDocument(out.getvalue())[0].get_textpage().get_text_range()
    flat = text.replace("\r", "").replace("\n", "")
    for needle in ("批号 LOT L2611A", "序号 SN 1", "有效期 EXP 2027-05-31"):
        assert needle in flat
