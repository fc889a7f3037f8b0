"""Shared helpers for the scanner tests: rendering QR codes and encoding images in memory.

Why fixtures of our own: the scanner tests must not depend on the database fixtures of the other packages,
and every test image is generated (fixed content, no randomness) so that failures are reproducible.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from tests.conftest import DATA

SAMPLES = DATA / "zxing-qr-samples"

CODE_TEXT = (
    "HTTPS://SY.EXAMPLE.CN/01/09501101530003/10/L2611A/21/4711?s=1"
    "38471093847561029384756102938475610293847561029384756102938475610293847561029384756102938"
    "4756102938475610293847561029384756102938475610293847561029384756"
)


def qr_array(text: str, module_px: int = 6) -> np.ndarray:
    """The QR symbol of ``text`` (ECC M, 4-module quiet zone) as a uint8 array, ``module_px`` per module."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = np.asarray(barcode.to_image(scale=1), dtype=np.uint8)
    return np.kron(modules, np.ones((module_px, module_px), dtype=np.uint8))


def qr_image(
    text: str = CODE_TEXT,
    module_px: int = 6,
    canvas: tuple[int, int] | None = None,
    at: tuple[int, int] = (0, 0),
) -> Image.Image:
    """A white ``canvas`` (width, height) with the QR code of ``text`` pasted at ``at`` (an "L" image)."""
    code = Image.fromarray(qr_array(text, module_px), "L")
    if canvas is None:
        return code
    sheet = Image.new("L", canvas, 255)
    sheet.paste(code, at)
    return sheet


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """Encode ``image`` to ``fmt`` in memory."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.fixture
def code_png() -> bytes:
    """A clean PNG of a Suyuan-shaped code."""
    return encode(qr_image(), "PNG")
