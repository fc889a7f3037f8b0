"""Getting QR codes out of imperfect photos: a time-boxed sequence of zxing-cpp passes.

Why a pipeline: one ``zxingcpp.read_barcodes`` call reads a good photo in a few milliseconds but gives up on
dim, grainy, soft or tiny codes that a second look at a cleaned-up image reads fine. So the image is tried
as is first, and only if that finds nothing, again after each clean-up step in :data:`PASSES` — ordered by
how many hard photos each one rescues per millisecond on our benchmark (``bench/scanner_bench.py``) — until
a pass finds codes or the time budget runs out. Good photos cost one pass; hopeless ones cost the budget.

When a pass *locates* a QR symbol but cannot decode it (zxing-cpp reports a checksum error with the corners
and version), the pipeline looks closer before the next full-image pass: :data:`REGION_PASSES` resample
just that symbol upright at five pixels per module (:mod:`suyuan.scanner.rectify`) and retry with glare
flattening, other thresholds, sharpening, deblurring and a handful of cylinder (bottle) unbendings — each a
millisecond or two on a few hundred pixels. This is what reads glare, curved labels and soft focus
(docs/bench-scanner.md, "Hard photos").

Only QR codes are looked for (all formats cost ten times as much; see DESIGN.md §7), and text is decoded in
zxing-cpp's ``Plain`` mode, i.e. exactly the characters the symbol encodes (no ``<GS>``-style escapes, no
GS1 parentheses), which is what a verifier needs to compare and what a phone would open.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import zxingcpp
from PIL import Image

from suyuan.scanner import filters
from suyuan.scanner.filters import Gray
from suyuan.scanner.images import DEFAULT_LIMITS, Limits, iter_pages, normalise
from suyuan.scanner.rectify import Bend, Region, View, rectify

__all__ = [
    "PASSES",
    "REGION_PASSES",
    "DecodedCode",
    "Pass",
    "RegionPass",
    "decode_bytes",
    "decode_image",
    "later_pass",
    "prepare",
    "read_plain",
    "to_gray",
]

Point = tuple[int, int]

_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

MAX_UPSCALED_PIXELS = 12_000_000
"""Upscaling passes are skipped (or use a smaller factor) when the result would exceed this many pixels:
zxing-cpp's cost grows with the pixel count, and small codes in huge photos are already large enough."""

MAX_WORK_PIXELS = 3_000_000
"""Filtering passes work on a copy reduced (by an integer factor) to at most this many pixels: their cost
grows with the pixel count, and a code in a 12 MP photo that needs filtering is big enough at 3 MP."""

MIN_HALVED_SIDE = 200
"""The halving pass is skipped when the result's short side would be smaller than this."""

MAX_REGIONS = 2
"""Located-but-unread symbols looked at closer per image (:data:`REGION_PASSES`); more are false finds."""

_QR_FORMATS = {zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.QRCodeModel2}


@dataclass(frozen=True)
class DecodedCode:
    """One QR code found in an upload.

    ``position`` is the symbol's four corners (top-left, top-right, bottom-right, bottom-left, as the symbol
    reads) in pixels of the *original* image as displayed (EXIF orientation applied), whichever scaled copy
    the code was actually found in; ``page`` is the 0-based PDF page or animation frame; ``method`` names the
    pass that found it (see :data:`PASSES`), which tells support staff and benchmarks how hard the photo was.
    """

    text: str
    position: tuple[Point, ...]
    page: int
    method: str


Stage = Callable[[Gray], Gray | None]
"""An image transformation; ``None`` means "does not apply to this image" (e.g. too large to upscale)."""


@dataclass(frozen=True)
class Pass:
    """One decoding attempt: transformations applied in order, then zxing-cpp with the given options.

    Why stages are named: passes sharing a prefix of stages (say, "upscale" then "median") reuse the
    intermediate image from an earlier pass instead of recomputing it.
    """

    name: str
    stages: tuple[str, ...] = ()
    binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage
    try_rotate: bool = True
    try_invert: bool = True
    try_downscale: bool = True

    def read(self, work: Gray) -> list[zxingcpp.Barcode]:
        """Run zxing-cpp on a prepared image with this pass's options.

        Symbols that were located but not decoded (checksum errors) are returned too (``valid`` false):
        they tell the pipeline where to look closer (:data:`REGION_PASSES`).
        """
        return read_plain(
            work,
            binarizer=self.binarizer,
            try_rotate=self.try_rotate,
            try_invert=self.try_invert,
            try_downscale=self.try_downscale,
            return_errors=True,
        )


def later_pass(
    name: str, *stages: str, binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage
) -> Pass:
    """A pass for after the first, with the zxing-cpp options that make sense there.

    Why not the defaults: QR detection is rotation invariant, so the 90° retries only cost time; inverted
    (light-on-dark) codes are already searched by the plain pass; and zxing-cpp's own downscaling of an
    image this pipeline has just enlarged would undo the enlargement.
    """
    enlarged = any(stage.startswith("up") for stage in stages)
    return Pass(name, stages, binarizer, try_rotate=False, try_invert=False, try_downscale=not enlarged)


def _upscale_to(factor: float, gray: Gray) -> Gray | None:
    """Upscale by ``factor``, or by less if the pixel cap requires; ``None`` if not worth it any more."""
    pixels = gray.shape[0] * gray.shape[1]
    factor = min(factor, (MAX_UPSCALED_PIXELS / pixels) ** 0.5)
    return filters.upscale(gray, factor) if factor >= 1.25 else None


def _fit(gray: Gray) -> Gray:
    """Reduce to at most :data:`MAX_WORK_PIXELS` by averaging k×k blocks (unchanged if already small)."""
    factor = math.ceil(math.sqrt(gray.shape[0] * gray.shape[1] / MAX_WORK_PIXELS))
    return filters.reduce(gray, factor) if factor > 1 else gray


def _half_if_large(gray: Gray) -> Gray | None:
    """Halve, unless the result would be too small to hold a readable code."""
    return filters.half(gray) if min(gray.shape) >= 2 * MIN_HALVED_SIDE else None


STAGES: dict[str, Stage] = {
    "fit": _fit,
    "half": _half_if_large,
    "up2": partial(_upscale_to, 2.0),
    "up3": partial(_upscale_to, 3.0),
    "median": filters.median3,
    "smooth": filters.smooth,
    "sharpen": filters.sharpen,
    "stretch": filters.stretch,
    "equalise": filters.equalise,
    "deblur2": partial(filters.deblur, sigma=2.0),
    "deblur3": partial(filters.deblur, sigma=3.0),
    "flatten": filters.flatten,
    "flatten8": partial(filters.flatten, window=8),
}
"""The transformations passes can be built from, by name."""

_GLOBAL = zxingcpp.Binarizer.GlobalHistogram

PASSES: tuple[Pass, ...] = (
    Pass("plain"),
    later_pass("half", "half"),
    later_pass("global", binarizer=_GLOBAL),
    later_pass("median-global", "fit", "median", binarizer=_GLOBAL),
    later_pass("smooth", "fit", "smooth"),
    later_pass("median", "fit", "median"),
    later_pass("upscale", "up2"),
    later_pass("stretch", "fit", "stretch"),
    later_pass("equalise", "fit", "equalise"),
    later_pass("equalise-global", "fit", "equalise", binarizer=_GLOBAL),
    later_pass("deblur", "fit", "deblur2"),
    later_pass("deblur-strong", "fit", "deblur3"),
    later_pass("upscale3", "up3"),
)
"""The decoding passes in the order they are tried; the first is one plain zxing-cpp call.

How the list was chosen (docs/bench-scanner.md): every candidate pass was run alone on every photo plain
zxing-cpp misses, in zxing-cpp's sample set and two synthetic sets of 300 and 180 label photos; passes were
kept if they read photos no earlier pass reads, and ordered cheap first. ``global`` and ``median-global``
(GlobalHistogram binariser) read the halftoned and textured codes of the real samples; ``half`` (2×2
averaging) most dim and grainy photos; ``upscale``/``upscale3`` small and steeply tilted codes; ``smooth``,
``median``, ``stretch`` and ``equalise`` some dim and unevenly lit ones; ``deblur`` (Wiener) out-of-focus
ones. Sharpening (unsharp mask, at 1× or 2×) read one photo of 617 that nothing else reads, for about
100 ms more on every hopeless photo, so it is available as a stage and not in the default list; nor is
zxing-cpp's FixedThreshold binariser (nothing unique).
"""


@dataclass(frozen=True)
class RegionPass:
    """One closer look at a located symbol: a rectified view (optionally unbent), stages, a binariser.

    Why separate from :class:`Pass`: these run on a few hundred pixels around one symbol, upright and at a
    known module size, so zxing-cpp's rotation, inversion and downscaling searches are all switched off.
    """

    name: str
    stages: tuple[str, ...] = ()
    binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage
    bend: Bend | None = None

    def read(self, work: Gray) -> list[zxingcpp.Barcode]:
        """Run zxing-cpp on a prepared view."""
        return read_plain(
            work, binarizer=self.binarizer, try_rotate=False, try_invert=False, try_downscale=False
        )


def _bends() -> tuple[RegionPass, ...]:
    """Cylinder hypotheses: both axes, the symbol spanning 40° or 70° of the bottle, facing or turned away."""
    passes = []
    for axis in (0, 1):
        for span in (0.7, 1.2):
            for centre in (-0.9, -0.45, 0.0, 0.45, 0.9):
                if abs(centre) + span / 2 > 1.45:
                    continue
                bend = Bend(axis=axis, span=span, centre=centre)
                passes.append(RegionPass(f"bend-{'xy'[axis]}{span:g}{centre:+g}", ("flatten8",), bend=bend))
    return tuple(passes)


REGION_PASSES: tuple[RegionPass, ...] = (
    RegionPass("region"),
    RegionPass("region-flat", ("flatten8",)),
    RegionPass("region-global", binarizer=_GLOBAL),
    RegionPass("region-flat-global", ("flatten8",), binarizer=_GLOBAL),
    RegionPass("region-smooth", ("smooth",)),
    RegionPass("region-sharpen", ("sharpen",)),
    RegionPass("region-deblur", ("deblur2",)),
    *_bends(),
)
"""Closer looks at a symbol a pass located but could not decode, in the order they are tried."""


def read_plain(image: Image.Image | Gray, **options: Any) -> list[zxingcpp.Barcode]:
    """One ``zxingcpp.read_barcodes`` call for QR codes in ``Plain`` text mode (the baseline pass).

    Exposed so that benchmarks and tests compare against exactly what the pipeline's first pass does.
    """
    return list(zxingcpp.read_barcodes(image, formats=_QR_ONLY, text_mode=zxingcpp.TextMode.Plain, **options))


def decode_image(
    image: Image.Image,
    *,
    budget_s: float = 2.0,
    page: int = 0,
    min_codes: int = 1,
    passes: Sequence[Pass] = PASSES,
    region_passes: Sequence[RegionPass] = REGION_PASSES,
) -> list[DecodedCode]:
    """Find the QR codes in one image, trying :data:`PASSES` in order until one finds codes.

    Each code is returned once (by text), with its position in ``image``'s pixel coordinates. The passes stop
    at the first one that brings the number of distinct codes to ``min_codes`` (default: any code at all —
    a label photo shows one code; raise it for sheets of labels), or when ``budget_s`` seconds have been
    spent; the first pass always runs, and a pass already started is not interrupted. When a pass locates a
    symbol it cannot decode, ``region_passes`` look closer at that symbol (up to :data:`MAX_REGIONS` per
    image) before the next full-image pass.
    """
    deadline = time.perf_counter() + budget_s
    gray = to_gray(image)
    cache: dict[tuple[str, ...], Gray | None] = {(): gray}
    found: dict[str, DecodedCode] = {}
    regions: list[Region] = []
    for index, decode_pass in enumerate(passes):
        if index and time.perf_counter() >= deadline:
            break
        work = prepare(decode_pass.stages, cache)
        if work is None:
            continue
        barcodes = decode_pass.read(work)
        _collect(found, barcodes, work.shape, gray.shape, page, decode_pass.name)
        if len(found) >= min_codes:
            break
        for region in _new_regions(barcodes, work.shape, gray.shape, regions):
            regions.append(region)
            _read_region(gray, region, region_passes, deadline, found, page)
            if len(found) >= min_codes or time.perf_counter() >= deadline:
                return list(found.values())
    return list(found.values())


def _new_regions(
    barcodes: Iterable[zxingcpp.Barcode],
    work_shape: tuple[int, ...],
    original_shape: tuple[int, ...],
    seen: list[Region],
) -> list[Region]:
    """Located-but-unread QR symbols (not Micro QR or rMQR) not already looked at, in original pixels."""
    scale_x = original_shape[1] / work_shape[1]
    scale_y = original_shape[0] / work_shape[0]
    new: list[Region] = []
    for barcode in barcodes:
        extra = barcode.extra if isinstance(barcode.extra, dict) else {}
        version = str(extra.get("Version", ""))
        if barcode.valid or barcode.format not in _QR_FORMATS or not version.isdigit():
            continue
        p = barcode.position
        corners = tuple(
            (pt.x * scale_x, pt.y * scale_y)
            for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
        )
        region = Region(corners=corners, modules=17 + 4 * int(version))
        if region.side() < 8 or any(region.overlaps(other) for other in (*seen, *new)):
            continue
        if len(seen) + len(new) < MAX_REGIONS:
            new.append(region)
    return new


def _read_region(
    gray: Gray,
    region: Region,
    region_passes: Sequence[RegionPass],
    deadline: float,
    found: dict[str, DecodedCode],
    page: int,
) -> None:
    """Try ``region_passes`` on rectified views of one region until one decodes or time runs out."""
    views: dict[Bend | None, tuple[View, dict[tuple[str, ...], Gray | None]]] = {}
    for region_pass in region_passes:
        if time.perf_counter() >= deadline:
            return
        if region_pass.bend not in views:
            view = rectify(gray, region, region_pass.bend)
            views[region_pass.bend] = (view, {(): view.image})
        view, cache = views[region_pass.bend]
        work = prepare(region_pass.stages, cache)
        if work is None:
            continue
        before = len(found)
        for barcode in region_pass.read(work):
            if barcode.valid and barcode.text not in found:
                found[barcode.text] = _decoded_in_view(barcode, view, work.shape, page, region_pass.name)
        if len(found) > before:
            return


def _decoded_in_view(
    barcode: zxingcpp.Barcode, view: View, work_shape: tuple[int, ...], page: int, method: str
) -> DecodedCode:
    """A code read in a rectified view, with its corners mapped back to the source image."""
    scale = view.image.shape[0] / work_shape[0]
    p = barcode.position
    xs = np.array([pt.x * scale for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)], float)
    ys = np.array([pt.y * scale for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)], float)
    sx, sy = view.to_source(xs, ys)
    position = tuple((round(float(x)), round(float(y))) for x, y in zip(sx, sy, strict=True))
    return DecodedCode(text=barcode.text, position=position, page=page, method=method)


def decode_bytes(
    data: bytes,
    limits: Limits = DEFAULT_LIMITS,
    *,
    budget_s: float = 2.0,
    total_budget_s: float | None = None,
    min_codes: int = 1,
) -> list[DecodedCode]:
    """Load an upload (any supported image or PDF, see :mod:`suyuan.scanner.images`) and decode every page.

    Raises :class:`~suyuan.scanner.images.ImageRejected` for files refused by ``limits``. Each page gets
    ``budget_s`` seconds but no more than what is left of ``total_budget_s`` (default
    ``limits.max_decode_seconds``); pages after the total budget is spent are not decoded (a 20-page PDF of
    hopeless pages must not hold a web worker for 40 s). A text found on several pages is reported once, on
    the first.
    """
    total = limits.max_decode_seconds if total_budget_s is None else total_budget_s
    deadline = time.perf_counter() + total
    found: dict[str, DecodedCode] = {}
    for page, image in enumerate(iter_pages(data, limits, grayscale=True)):
        remaining = deadline - time.perf_counter()
        if page and remaining <= 0:
            break
        for code in decode_image(image, budget_s=min(budget_s, remaining), page=page, min_codes=min_codes):
            found.setdefault(code.text, code)
    return list(found.values())


def to_gray(image: Image.Image) -> Gray:
    """The image's luminance as a C-contiguous ``uint8`` array (the input of every pass).

    Any Pillow mode is accepted: transparency is flattened onto white and 16-bit scans are scaled, as the
    loader does (:func:`suyuan.scanner.images.normalise`), so callers may pass images from anywhere.
    """
    upright = normalise(image)
    if upright.mode != "L":
        upright = upright.convert("L")
    return np.ascontiguousarray(np.asarray(upright, dtype=np.uint8))


def prepare(stages: tuple[str, ...], cache: dict[tuple[str, ...], Gray | None]) -> Gray | None:
    """Apply ``stages`` to the original image (``cache[()]``), reusing and filling ``cache`` by prefix.

    Returns ``None`` if a stage does not apply to this image (then the pass is skipped).
    """
    if stages in cache:
        return cache[stages]
    previous = prepare(stages[:-1], cache)
    result = None if previous is None else STAGES[stages[-1]](previous)
    cache[stages] = None if result is None else np.ascontiguousarray(result)
    return cache[stages]


def _collect(
    found: dict[str, DecodedCode],
    barcodes: Iterable[zxingcpp.Barcode],
    work_shape: tuple[int, ...],
    original_shape: tuple[int, ...],
    page: int,
    method: str,
) -> None:
    """Add newly seen texts to ``found``, with corners mapped back to original-image pixels."""
    scale_x = original_shape[1] / work_shape[1]
    scale_y = original_shape[0] / work_shape[0]
    for barcode in barcodes:
        if not barcode.valid or barcode.text in found:
            continue
        corners = barcode.position
        points = (corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left)
        position = tuple((round(p.x * scale_x), round(p.y * scale_y)) for p in points)
        found[barcode.text] = DecodedCode(text=barcode.text, position=position, page=page, method=method)
