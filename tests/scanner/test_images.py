"""Loading untrusted uploads: hostile files are refused quickly with the right reason; odd but legitimate
ones (EXIF-rotated, transparent, 16-bit, animated, PDF) come out as upright L/RGB pages."""

from __future__ import annotations

import io
import random
import struct
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from suyuan.scanner.images import (
    DEFAULT_LIMITS,
    REASONS,
    ImageRejected,
    Limits,
    iter_pages,
    load_pages,
    read_upload,
    sniff,
)
from tests.scanner.conftest import encode, qr_image


def _chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header declares ``width``×``height`` 8-bit grey pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG with its SOF0 dimensions patched to ``width``×``height``."""
    data = bytearray(encode(Image.new("L", (16, 16), 128), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_declaring(width: int, height: int) -> bytes:
    """A small real GIF with its logical screen patched to ``width``×``height``."""
    data = bytearray(encode(Image.new("L", (16, 16), 128), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def pdf_with_pages(count: int) -> bytes:
    """A PDF with ``count`` (empty) A6 pages."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(298, 420))
    for _ in range(count):
        pdf.drawString(20, 20, "page")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def rejected(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ImageRejected:
    """Load ``data`` completely, expecting a rejection within half a second; return it."""
    started = time.perf_counter()
    with pytest.raises(ImageRejected) as info:
        load_pages(data, limits)
    assert time.perf_counter() - started < 0.5, "hostile input must be refused quickly"
    assert info.value.reason in REASONS
    assert str(info.value)  # a human-readable message
    return info.value


@pytest.mark.parametrize(
    "make",
    [
        lambda: png_declaring(100_000, 100_000),
        lambda: jpeg_declaring(60_000, 60_000),
        lambda: gif_declaring(65_535, 65_535),
    ],
    ids=["png", "jpeg", "gif"],
)
def test_decompression_bombs_are_refused_before_decoding(make: Callable[[], bytes]) -> None:
    data = make()
    assert len(data) < 2_000
    assert rejected(data).reason == "too_many_pixels"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_just_over_the_pixel_limit_is_refused() -> None:
    # Between one and two times Pillow's limit Pillow only warns; our own check must refuse it.
    assert rejected(png_declaring(8_000, 6_000)).reason == "too_many_pixels"


def test_pixel_limit_is_configurable() -> None:
    data = encode(qr_image(), "PNG")
    assert rejected(data, Limits(max_pixels=10_000)).reason == "too_many_pixels"
    assert len(load_pages(data, Limits(max_pixels=1_000_000))) == 1


def test_file_over_the_size_limit_is_refused() -> None:
    data = encode(qr_image(), "PNG")
    assert rejected(data, Limits(max_bytes=len(data) - 1)).reason == "too_large"
    assert rejected(b"\xff\xd8\xff" + b"\x00" * DEFAULT_LIMITS.max_bytes).reason == "too_large"


def test_read_upload_stops_reading_past_the_limit() -> None:
    stream = io.BytesIO(b"x" * 10_000)
    with pytest.raises(ImageRejected) as info:
        read_upload(stream, Limits(max_bytes=1_000))
    assert info.value.reason == "too_large"
    assert stream.tell() == 1_001
    assert read_upload(io.BytesIO(b"abc"), Limits(max_bytes=3)) == b"abc"


def test_random_bytes_are_not_an_image() -> None:
    assert rejected(random.Random(7).randbytes(5_000)).reason == "not_an_image"


def test_text_file_named_png_is_not_an_image() -> None:
    assert rejected(b"Just some text, though the file was called label.png\n" * 20).reason == "not_an_image"


def test_empty_file_is_refused() -> None:
    assert rejected(b"").reason == "empty"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "TIFF"])
def test_truncated_images_are_malformed(fmt: str) -> None:
    noise = Image.fromarray(np.random.default_rng(3).integers(0, 255, (300, 300), dtype=np.uint8), "L")
    data = encode(noise, fmt)
    assert rejected(data[: len(data) // 2]).reason == "malformed_image"


def test_header_only_png_is_malformed() -> None:
    assert rejected(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40).reason == "malformed_image"


def test_pdf_with_too_many_pages_is_refused() -> None:
    data = pdf_with_pages(DEFAULT_LIMITS.max_pages + 1)
    assert rejected(data).reason == "too_many_pages"
    assert len(load_pages(pdf_with_pages(3), Limits(max_pages=3))) == 3


def test_broken_pdf_is_malformed() -> None:
    assert rejected(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrash").reason == "malformed_image"


def test_animation_with_too_many_frames_is_refused() -> None:
    frames = [Image.new("L", (20, 20), shade) for shade in range(0, 250, 10)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert rejected(data, Limits(max_pages=len(frames) - 1)).reason == "too_many_pages"
    assert len(load_pages(data, Limits(max_pages=len(frames)))) == len(frames)


def test_rejection_is_a_value_error_with_a_known_reason() -> None:
    error = ImageRejected("empty", "nothing here")
    assert isinstance(error, ValueError)
    assert (error.reason, str(error)) == ("empty", "nothing here")
    with pytest.raises(ValueError, match="unknown rejection reason"):
        ImageRejected("bad_vibes", "?")


def test_type_comes_from_magic_bytes_not_names() -> None:
    assert sniff(encode(qr_image(), "PNG")) == "png"
    assert sniff(encode(qr_image(), "JPEG")) == "jpeg"
    assert sniff(encode(qr_image(), "WEBP")) == "webp"
    assert sniff(pdf_with_pages(1)) == "pdf"
    assert sniff(b"GIF89a....") == "gif"
    assert sniff(b"<html>") is None


def test_exif_orientation_is_applied() -> None:
    image = Image.new("RGB", (200, 100), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    data = encode(image, "JPEG", exif=exif.tobytes())
    (page,) = load_pages(data)
    assert page.size == (100, 200)


def test_transparent_png_is_flattened_onto_white() -> None:
    code = np.asarray(qr_image(module_px=2))
    rgba = np.zeros((*code.shape, 4), dtype=np.uint8)  # fully transparent black ...
    rgba[..., 3] = np.where(code < 128, 255, 0)  # ... except opaque black modules
    (page,) = load_pages(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert page.mode == "RGB"
    assert page.getpixel((0, 0)) == (255, 255, 255)


def test_sixteen_bit_greyscale_keeps_its_contrast() -> None:
    deep = (np.asarray(qr_image(module_px=2), dtype=np.uint16) * 257 // 4).astype(np.uint16)  # 0..16383
    (page,) = load_pages(encode(Image.fromarray(deep), "PNG"))
    values = np.asarray(page)
    assert page.mode == "L"
    assert (values.min(), values.max()) == (0, 255)


def test_pages_come_lazily() -> None:
    frames = [Image.new("RGB", (30, 30), (shade, 0, 0)) for shade in (0, 100, 200)]
    pages = iter_pages(encode(frames[0], "PNG", save_all=True, append_images=frames[1:]))
    assert isinstance(pages, Iterator)
    assert [page.getpixel((5, 5)) for page in pages] == [(0, 0, 0), (100, 0, 0), (200, 0, 0)]


def test_pdf_pages_render_at_the_configured_resolution() -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(144, 72))  # 2 × 1 inch
    pdf.drawImage(ImageReader(qr_image(module_px=1).convert("RGB")), 10, 10, 50, 50)
    pdf.save()
    (page,) = load_pages(buffer.getvalue(), Limits(pdf_dpi=100))
    assert page.size == (200, 100)
    assert page.mode == "L"


def test_huge_pdf_page_is_rendered_within_the_pixel_limit() -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(14_400, 14_400))  # 200 × 200 inches
    pdf.drawString(100, 100, "a poster")
    pdf.save()
    (page,) = load_pages(buffer.getvalue(), Limits(max_pixels=1_000_000))
    assert page.width * page.height <= 1_000_000


def test_loading_leaves_no_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    frames = [qr_image(), qr_image("second")]
    for data in (
        encode(frames[0], "JPEG"),
        encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        pdf_with_pages(2),
        encode(frames[0], "TIFF", save_all=True, append_images=frames[1:]),
    ):
        load_pages(data)
    assert list(tmp_path.iterdir()) == []


_MAGICS = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"II*\x00",
    b"BM",
    b"%PDF-1.4\n",
    b"RIFF\0\0\0\0WEBP",
]


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about corrupt EXIF while refusing it
@settings(max_examples=150, deadline=None)
@given(magic=st.sampled_from(_MAGICS), body=st.binary(max_size=600))
def test_garbage_behind_a_valid_magic_only_ever_raises_image_rejected(magic: bytes, body: bytes) -> None:
    try:
        pages = load_pages(magic + body, Limits(max_pixels=2_000_000))
    except ImageRejected as exc:
        assert exc.reason in {"malformed_image", "too_many_pixels", "empty", "too_many_pages"}
    else:
        assert all(page.mode in ("L", "RGB") for page in pages)


def test_grayscale_pages_for_the_decoder() -> None:
    colour = Image.new("RGB", (200, 100), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 8  # "rotate 90° counter-clockwise to display"
    for data in (encode(colour, "JPEG", exif=exif.tobytes()), encode(colour, "PNG"), pdf_with_pages(1)):
        (page,) = load_pages(data, grayscale=True)
        assert page.mode == "L"
    (jpeg_page,) = load_pages(encode(colour, "JPEG", exif=exif.tobytes()), grayscale=True)
    assert jpeg_page.size == (100, 200)
    assert abs(jpeg_page.getpixel((50, 100)) - 81) <= 3  # ITU-R 601 luma of (200, 30, 30)
