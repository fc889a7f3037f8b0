"""Writing one-file-per-page formats (PNG, SVG): a single file, or a ZIP when there are several pages.

Whether a render has one page or more is only known by looking ahead one page in the lazy stream, so we
do exactly that (two pages in memory at most). A single-page render stays a plain image that opens
anywhere; a multi-page one becomes ``page-0001.<ext>``... in a stored (uncompressed) ZIP, written as a
stream (no seeking needed).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from typing import BinaryIO, TypeVar

from suyuan.labels.base import CountingWriter

ZIP_MEDIA_TYPE = "application/zip"
Page = TypeVar("Page")


def write_pages(
    page_iter: Iterator[Page],
    draw: Callable[[Page], bytes],
    out: BinaryIO,
    extension: str,
    media_type: str,
    blank: Callable[[], bytes] | None = None,
) -> tuple[int, str]:
    """Draw every page and write it; returns (bytes written, media type actually written)."""
    sink = CountingWriter(out)
    first = next(page_iter, None)
    second = next(page_iter, None)
    if second is None:
        data = draw(first) if first is not None else (blank() if blank else b"")
        sink.write(data)
        return sink.count, media_type
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, page in enumerate(_chain(first, second, page_iter), start=1):
            archive.writestr(f"page-{number:04d}.{extension}", draw(page))
    return sink.count, ZIP_MEDIA_TYPE


def _chain(first: Page | None, second: Page, rest: Iterator[Page]) -> Iterator[Page]:
    if first is not None:
        yield first
    yield second
    yield from rest
