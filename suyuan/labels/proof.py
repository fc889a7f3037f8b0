"""Print proof: rasterise rendered labels as the printer would and decode every QR code with zxing-cpp.

A sheet passes only if every expected code decodes exactly once, to exactly the expected URL, and (if a
``verify`` callback is given, e.g. the signature check) is accepted by it. Pages are rendered at the
printer's resolution and thresholded to black/white dots - a printer has no grey - so a code that only
decodes thanks to anti-aliasing fails here rather than on the merchant's shelf.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

Source = bytes | str | os.PathLike[str]
Verify = Callable[[str], bool]
Gray = npt.NDArray[np.uint8]
THRESHOLD = 128
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)  # 10x faster than all formats


@dataclass(frozen=True, slots=True)
class PageProof:
    """What one page yielded: decoded codes, problems found on it, and how long it took."""

    page: int
    labels_found: int
    unexpected: tuple[str, ...]
    duplicates: tuple[str, ...]
    rejected: tuple[str, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True if nothing on this page is wrong (missing codes are reported for the whole document)."""
        return not (self.unexpected or self.duplicates or self.rejected)


@dataclass(frozen=True, slots=True)
class ProofReport:
    """The verdict on a whole rendered file; ``passed`` is the only thing a print job should check."""

    pages: tuple[PageProof, ...]
    expected: int
    found: int
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    duplicates: tuple[str, ...]
    rejected: tuple[str, ...]
    seconds: float

    @property
    def passed(self) -> bool:
        """Every expected code decoded exactly once, nothing else, and all verified."""
        return not (self.missing or self.unexpected or self.duplicates or self.rejected)

    @property
    def seconds_per_page(self) -> float:
        """Average rasterise-and-decode time per page."""
        return self.seconds / len(self.pages) if self.pages else 0.0

    def summary(self) -> str:
        """One line for the CLI: PASS/FAIL with the counts."""
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{verdict}: {self.found}/{self.expected} codes decoded on {len(self.pages)} page(s); "
            f"missing {len(self.missing)}, unexpected {len(self.unexpected)}, "
            f"duplicated {len(self.duplicates)}, rejected {len(self.rejected)} "
            f"({self.seconds_per_page * 1000:.0f} ms/page)"
        )


def decode(gray: Gray) -> list[str]:
    """All QR codes zxing-cpp finds in a greyscale image, thresholded to bilevel first."""
    bilevel = np.where(gray < THRESHOLD, 0, 255).astype(np.uint8)
    results = zxingcpp.read_barcodes(bilevel, formats=_QR_ONLY)
    return [result.text for result in results if result.valid]


def pdf_pages(source: Source, dpi: int) -> Iterator[Gray]:
    """Each page of a PDF rendered to greyscale at ``dpi`` (one page in memory at a time)."""
    document = pdfium.PdfDocument(source if not isinstance(source, os.PathLike) else os.fspath(source))
    try:
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=dpi / 72.0, grayscale=True)
            yield np.array(bitmap.to_numpy(), dtype=np.uint8).reshape(bitmap.height, bitmap.width)
            page.close()
    finally:
        document.close()


def image_pages(source: Source) -> Iterator[Gray]:
    """Each page of a PNG (or other Pillow image) or of a ZIP of them, as greyscale arrays."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in sorted(archive.namelist()):
                yield _gray(archive.read(name))
    else:
        yield _gray(data)


def _gray(data: bytes) -> Gray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("L"), dtype=np.uint8)


def proof_pages(
    pages: Iterator[Gray], expected_urls: Sequence[str], verify: Verify | None = None
) -> ProofReport:
    """Decode every page and compare with ``expected_urls`` (each must appear exactly once)."""
    wanted = Counter(expected_urls)
    seen: Counter[str] = Counter()
    verdicts: dict[str, bool] = {}
    proofs: list[PageProof] = []
    started = page_started = time.perf_counter()
    for number, gray in enumerate(pages, start=1):  # rasterising happens inside the iterator: timed too
        texts = decode(gray)
        seen.update(texts)
        for text in texts:
            if text in wanted and text not in verdicts:
                verdicts[text] = verify(text) if verify is not None else True
        now = time.perf_counter()
        proofs.append(_page_proof(number, texts, wanted, seen, verdicts, now - page_started))
        page_started = now
    return ProofReport(
        pages=tuple(proofs),
        expected=sum(wanted.values()),
        found=sum(min(seen[url], count) for url, count in wanted.items()),
        missing=tuple(url for url, count in wanted.items() if seen[url] < count),
        unexpected=tuple(sorted(text for text in seen if text not in wanted)),
        duplicates=tuple(sorted(url for url, count in wanted.items() if seen[url] > count)),
        rejected=tuple(sorted(url for url, ok in verdicts.items() if not ok)),
        seconds=time.perf_counter() - started,
    )


def _page_proof(
    number: int,
    texts: list[str],
    wanted: Counter[str],
    seen: Counter[str],
    verdicts: dict[str, bool],
    seconds: float,
) -> PageProof:
    return PageProof(
        page=number,
        labels_found=len(texts),
        unexpected=tuple(text for text in texts if text not in wanted),
        duplicates=tuple(text for text in texts if text in wanted and seen[text] > wanted[text]),
        rejected=tuple(text for text in texts if verdicts.get(text) is False),
        seconds=seconds,
    )


def proof_pdf(
    pdf: Source, expected_urls: Sequence[str], *, dpi: int = 300, verify: Verify | None = None
) -> ProofReport:
    """Proof a PDF (bytes or path): rasterise every page at ``dpi`` and decode every label."""
    return proof_pages(pdf_pages(pdf, dpi), expected_urls, verify)


def proof_images(
    images: Source, expected_urls: Sequence[str], *, verify: Verify | None = None
) -> ProofReport:
    """Proof PNG output (one PNG, or a ZIP of page PNGs) at its own resolution."""
    return proof_pages(image_pages(images), expected_urls, verify)
