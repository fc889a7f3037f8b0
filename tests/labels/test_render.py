"""Every template x format renders; outputs are well-formed; rendering streams lazily with progress."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator

import pytest

from suyuan.labels import (
    FORMATS,
    LabelError,
    LabelItem,
    Template,
    UnknownFormat,
    UnknownTemplate,
    file_extension,
    list_templates,
    render,
)

from .conftest import make_items

MAGIC = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "zpl": b"^XA"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("template", list_templates(), ids=lambda t: t.name)
def test_every_template_and_format_renders(template: Template, fmt: str) -> None:
    count = template.labels_per_page + 1  # always more than one page
    out = io.BytesIO()
    stats = render(make_items(count), template, fmt, out)
    data = out.getvalue()
    assert stats.labels == count
    assert stats.pages == 2 if template.labels_per_page > 1 else stats.pages == count
    assert stats.bytes_written == len(data)
    assert stats.min_module_mm >= 0.33
    if fmt in ("png", "svg"):
        assert stats.media_type == "application/zip" and file_extension(stats) == "zip"
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            assert names[0] == f"page-0001.{fmt}" and len(names) == stats.pages
            assert archive.read(names[0]).startswith(MAGIC[fmt])
    else:
        assert data.startswith(MAGIC[fmt]) and file_extension(stats) == fmt


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_single_page_is_a_plain_file(fmt: str) -> None:
    out = io.BytesIO()
    stats = render(make_items(3), "a4-3x8", fmt, out)
    assert out.getvalue().startswith(MAGIC[fmt])
    assert stats.pages == 1 and file_extension(stats) == fmt


def test_svg_is_well_formed_and_draws_text_as_paths() -> None:
    out = io.BytesIO()
    render(make_items(2), "a4-2x7", "svg", out)
    root = ET.fromstring(out.getvalue())
    assert root.get("width") == "210.000mm"
    ns = {"svg": "http://www.w3.org/2000/svg"}
    glyphs = root.findall("svg:defs/svg:path", ns)
    assert len(glyphs) > 20 and all(g.get("d") for g in glyphs)
    assert not root.findall(".//svg:text", ns)  # no dependency on fonts installed on the viewer


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_input_still_writes_a_valid_file(fmt: str) -> None:
    out = io.BytesIO()
    stats = render([], "a4-3x8", fmt, out)
    assert stats.labels == 0
    if fmt != "zpl":
        assert out.getvalue().startswith(MAGIC[fmt])


@pytest.mark.parametrize("fmt", FORMATS)
def test_items_are_pulled_lazily_page_by_page(fmt: str) -> None:
    pulled = 0
    seen: list[tuple[int, int]] = []

    def items() -> Iterator[LabelItem]:
        nonlocal pulled
        for item in make_items(100):
            pulled += 1
            yield item

    def progress(done: int) -> None:
        seen.append((done, pulled))

    render(items(), "a4-3x8", fmt, io.BytesIO(), progress=progress)
    assert [done for done, _ in seen] == [24, 48, 72, 96, 100]
    for done, pulled_then in seen:
        assert pulled_then <= done + 2 * 24  # at most the look-ahead page (PNG/SVG) beyond what is drawn


def test_unknown_format_and_template_and_dpi() -> None:
    with pytest.raises(UnknownFormat, match="pdf, png, svg, zpl"):
        render(make_items(1), "a4-3x8", "tiff", io.BytesIO())
    with pytest.raises(UnknownTemplate):
        render(make_items(1), "nope", "pdf", io.BytesIO())
    with pytest.raises(LabelError, match="dpi"):
        render(make_items(1), "a4-3x8", "png", io.BytesIO(), dpi=20)


def test_png_dpi_changes_pixels_not_millimetres() -> None:
    from PIL import Image

    for dpi in (203, 300, 600):
        out = io.BytesIO()
        stats = render(make_items(1), "roll-50x30", "png", out, dpi=dpi)
        with Image.open(out) as image:
            assert image.mode == "1"
            assert image.size == (round(50 * dpi / 25.4), round(30 * dpi / 25.4))
            assert image.info["dpi"][0] == pytest.approx(dpi, abs=0.01)
        assert stats.dpi == dpi


def test_pdf_is_deterministic() -> None:
    first, second = io.BytesIO(), io.BytesIO()
    render(make_items(30), "a4-3x8", "pdf", first)
    render(make_items(30), "a4-3x8", "pdf", second)
    assert first.getvalue() == second.getvalue()
