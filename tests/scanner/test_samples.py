"""Real photos and scans from zxing-cpp's own test set (vendored in ``tests/data/zxing-qr-samples``).

The pipeline must decode, folder by folder, at least as many images as zxing-cpp's own black-box test
harness expects at rotation 0 (see the set's ATTRIBUTION.md) and at least as many as one plain
``read_barcodes`` call does. A decode counts only if the text equals the ``.txt`` file exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from suyuan.scanner.decode import decode_bytes, read_plain
from suyuan.scanner.images import load_pages
from tests.scanner.conftest import SAMPLES

# zxing-cpp's BlackboxTestRunner expectations at rotation 0 (ATTRIBUTION.md).
REFERENCE = {"qrcode-1": 8, "qrcode-2": 50, "qrcode-3": 18, "qrcode-4": 15, "qrcode-5": 16, "qrcode-6": 15}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif"}


@dataclass(frozen=True)
class Sample:
    """One image with the text it encodes."""

    path: Path
    expected: str


def samples(folder: str) -> list[Sample]:
    """The images of a sample folder that have an expected-text file."""
    found = []
    for path in sorted((SAMPLES / folder).iterdir()):
        text_file = path.with_suffix(".txt")
        if path.suffix.lower() in IMAGE_SUFFIXES and text_file.exists():
            found.append(Sample(path, text_file.read_bytes().decode("utf-8")))
    return found


def pipeline_reads(sample: Sample) -> bool:
    """Whether our pipeline finds the expected text in the file."""
    return sample.expected in [code.text for code in decode_bytes(sample.path.read_bytes())]


def plain_reads(sample: Sample) -> bool:
    """Whether a single plain zxing-cpp call (QR only, Plain text) finds the expected text."""
    (page,) = load_pages(sample.path.read_bytes())
    return sample.expected in [barcode.text for barcode in read_plain(page)]


@pytest.mark.parametrize("folder", sorted(REFERENCE))
def test_pipeline_meets_the_reference_and_beats_plain_zxing(folder: str) -> None:
    items = samples(folder)
    assert len(items) >= REFERENCE[folder], f"{folder}: sample set incomplete"
    ours = [item.path.name for item in items if pipeline_reads(item)]
    plain = [item.path.name for item in items if plain_reads(item)]
    assert len(ours) >= REFERENCE[folder], (
        f"{folder}: {len(ours)}/{len(items)} < reference {REFERENCE[folder]}"
    )
    assert set(plain) <= set(ours), (
        f"{folder}: plain zxing-cpp reads {sorted(set(plain) - set(ours))}, we do not"
    )


def test_pipeline_reads_more_than_plain_zxing_overall() -> None:
    items = [item for folder in REFERENCE for item in samples(folder)]
    ours = sum(pipeline_reads(item) for item in items)
    plain = sum(plain_reads(item) for item in items)
    assert ours > plain
    assert ours >= sum(REFERENCE.values())


def test_structured_append_parts_decode_and_join_to_the_whole_text() -> None:
    folder = SAMPLES / "qrcode-7"
    parts = sorted(folder.glob("01-*.png"))
    assert len(parts) == 4
    texts = []
    for part in parts:
        (code,) = decode_bytes(part.read_bytes())
        texts.append(code.text)
    assert "".join(texts) == (folder / "01.txt").read_bytes().decode("utf-8")
