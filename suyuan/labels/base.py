"""What all renderers share: paging a lazy stream of items, encoding and laying out each label, stats.

Renderers pull one page of labels at a time from ``pages()``, draw it, write it and drop it, so memory
stays constant however many items the (possibly lazy) iterable yields.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from suyuan.labels.fonts import LabelFont
from suyuan.labels.layout import PREFERRED_MODULE_MM, LabelLayout, layout_label
from suyuan.labels.model import LabelItem
from suyuan.labels.qr import QrSymbol, encode
from suyuan.labels.templates import Template

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class PlacedLabel:
    """One label ready to draw: its item, QR matrix, layout, and top-left corner on the page (mm)."""

    item: LabelItem
    symbol: QrSymbol
    layout: LabelLayout
    x_mm: float
    y_mm: float


@dataclass(frozen=True, slots=True)
class RenderStats:
    """What a render produced, for the CLI/API to report and for the print proof to cross-check.

    ``media_type`` tells the caller what was written (a multi-page PNG/SVG render is a ZIP);
    ``small_module_labels`` counts labels whose QR modules are under the preferred 0.33 mm.
    """

    format: str
    template: str
    dpi: int
    labels: int
    pages: int
    bytes_written: int
    seconds: float
    media_type: str
    min_module_mm: float
    qr_versions: tuple[int, ...]
    small_module_labels: int

    @property
    def labels_per_second(self) -> float:
        """Throughput of the whole render (encode, lay out, draw, compress, write)."""
        return self.labels / self.seconds if self.seconds > 0 else 0.0


@dataclass
class StatsBuilder:
    """Accumulates counters while rendering; ``build()`` freezes them into ``RenderStats``."""

    format: str
    template: Template
    dpi: int
    progress: Progress | None = None
    labels: int = 0
    pages: int = 0
    min_module_mm: float = float("inf")
    versions: set[int] = field(default_factory=set)
    small: int = 0
    started: float = field(default_factory=time.perf_counter)

    def page_done(self, page: list[PlacedLabel]) -> None:
        """Count a finished page and tell the progress callback how many labels are done."""
        self.pages += 1
        self.labels += len(page)
        for label in page:
            module = label.layout.qr.module_mm
            self.min_module_mm = min(self.min_module_mm, module)
            self.versions.add(label.symbol.version)
            self.small += module < PREFERRED_MODULE_MM - 1e-9
        if self.progress is not None:
            self.progress(self.labels)

    def build(self, bytes_written: int, media_type: str) -> RenderStats:
        """The final, immutable stats."""
        return RenderStats(
            format=self.format,
            template=self.template.name,
            dpi=self.dpi,
            labels=self.labels,
            pages=self.pages,
            bytes_written=bytes_written,
            seconds=time.perf_counter() - self.started,
            media_type=media_type,
            min_module_mm=0.0 if self.labels == 0 else self.min_module_mm,
            qr_versions=tuple(sorted(self.versions)),
            small_module_labels=self.small,
        )


class CountingWriter:
    """Wraps the caller's binary stream to count bytes (works for unseekable streams such as sockets)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.count = 0

    def write(self, data: bytes) -> int:
        """Write ``data`` through and count it."""
        self.out.write(data)
        self.count += len(data)
        return len(data)

    def flush(self) -> None:
        """Flush the underlying stream."""
        self.out.flush()

    def close(self) -> None:
        """Flush only: the caller owns ``out`` and closes it (``ZipFile`` calls this when it finishes)."""
        self.out.flush()


SizeFor = Callable[[QrSymbol], int]


def place(
    template: Template,
    item: LabelItem,
    index: int,
    dpi: int,
    font: LabelFont,
    size_for: SizeFor | None = None,
) -> PlacedLabel:
    """Encode ``item`` and lay it out as label ``index`` of its page.

    ``size_for`` lets a renderer reserve room for a bigger symbol than ours (ZPL printers encode the QR
    themselves); by default the layout fits the symbol zxing-cpp made.
    """
    symbol = encode(item.url)
    modules = size_for(symbol) if size_for is not None else symbol.size
    layout = layout_label(template, item, modules, dpi, font)
    x, y = template.label_origin(index)
    return PlacedLabel(item=item, symbol=symbol, layout=layout, x_mm=x, y_mm=y)


def pages(
    items: Iterable[LabelItem], template: Template, dpi: int, font: LabelFont, size_for: SizeFor | None = None
) -> Iterator[list[PlacedLabel]]:
    """Pages of placed labels, produced lazily: only one page of items is held at a time."""
    iterator = iter(items)
    per_page = template.labels_per_page
    while chunk := list(itertools.islice(iterator, per_page)):
        yield [place(template, item, index, dpi, font, size_for) for index, item in enumerate(chunk)]
