"""Hostile uploads for the upload tests and ``bench/hostile_uploads.py``: tiny files that declare huge work.

Each is built in milliseconds, by hand from the formats' structures (or with pypdfium2), so that a test can
send it without first paying what the attack makes the server pay: a 20-frame GIF of 39.7 MP frames that
Pillow would write in 10 s is here a few hundred bytes of 1×1 frames on a 6,300×6,300 canvas, which Pillow
decodes to the same 20 canvases.
"""

from __future__ import annotations

import io
import struct

import pypdfium2 as pdfium

SIDE = 6_300
"""Canvas side of the review's bombs: 6,300² = 39.7 megapixels, just under the 40 MP per-image limit."""


def gif_bomb(frames: int = 20, side: int = SIDE) -> bytes:
    """An animated GIF of ``frames`` 1×1 frames on a ``side``×``side`` canvas (each decodes to the canvas)."""
    screen = b"GIF89a" + struct.pack("<HHBBB", side, side, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return screen + frame * frames + b"\x3b"


def fragmented_gif(sub_blocks: int = 300_000) -> bytes:
    """A 1×1 GIF whose one frame's data is split into one-byte sub-blocks (walking them is the attack)."""
    screen = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    descriptor = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02"
    return screen + descriptor + b"\x01\x44" * sub_blocks + b"\x00\x3b"


def tiff_bomb(pages: int = 20, side: int = SIDE, extra_tags: int = 0) -> bytes:
    """A little-endian TIFF of ``pages`` directories, each declaring a ``side``×``side`` 8-bit grey page.

    With ``extra_tags``, each directory also carries that many private tags (parsing them is the attack).
    """
    tags = [
        (256, 4, 1, side),  # ImageWidth
        (257, 4, 1, side),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # PhotometricInterpretation: black is zero
        (273, 4, 1, 8),  # StripOffsets
        (278, 4, 1, side),  # RowsPerStrip
        (279, 4, 1, 1),  # StripByteCounts
    ] + [(60_000 + i, 3, 1, 0) for i in range(extra_tags)]
    size = 2 + 12 * len(tags) + 4
    data = bytearray(b"II*\x00" + struct.pack("<I", 12) + b"\x00" * 4)
    for page in range(pages):
        following = 12 + size * (page + 1) if page < pages - 1 else 0
        data += struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", *tag) for tag in tags)
        data += struct.pack("<I", following)
    return bytes(data)


def pdf_bomb(pages: int = 20, inches: float = 200) -> bytes:
    """A PDF of ``pages`` empty pages of ``inches``×``inches`` (the review's: 4 KB, 10 s to render)."""
    document = pdfium.PdfDocument.new()
    try:
        for _ in range(pages):
            document.new_page(inches * 72, inches * 72)
        buffer = io.BytesIO()
        document.save(buffer)
    finally:
        document.close()
    return buffer.getvalue()
