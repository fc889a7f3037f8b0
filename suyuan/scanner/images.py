"""Loading untrusted uploads (photos, scans, PDFs) into Pillow images, safely and in memory.

Why this module exists: every image a consumer, merchant or regulator uploads is hostile until proven
otherwise. Image parsers are a classic attack surface (decompression bombs, malformed headers, thousands of
animation frames, PDFs with ten thousand pages), so loading is bounded in bytes, pixels (per page and for
the whole upload together) and pages *before* any pixel is decoded: dimensions, frame and page counts and
PDF page sizes are read from the headers, GIF and TIFF structures are walked here with caps (Pillow's own
walk of a hostile file costs seconds), and a refusal costs milliseconds. The container type is identified
by its magic bytes (never the file name or the client's MIME type), Pillow is only allowed to use the one
plugin the magic bytes name, and everything happens in memory (no temporary files to leak or clean up).

What it yields: one upright (EXIF orientation applied) ``"L"`` or ``"RGB"`` image per page — a still image is
one page, every frame of an animated GIF / PNG / WebP or multi-page TIFF is a page, every PDF page is
rendered at a fixed resolution, lowered so that all pages together fit the pixel budget. Every refusal is
an :class:`ImageRejected` with a stable ``reason``.
"""

from __future__ import annotations

import io
import math
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageOps

__all__ = [
    "ANONYMOUS_LIMITS",
    "DEFAULT_LIMITS",
    "REASONS",
    "ImageRejected",
    "Limits",
    "first_page",
    "iter_pages",
    "load_pages",
    "normalise",
    "read_upload",
    "sniff",
]

REASONS: frozenset[str] = frozenset(
    {"too_large", "too_many_pixels", "not_an_image", "malformed_image", "too_many_pages", "empty"}
)
"""Every value :attr:`ImageRejected.reason` can take; callers (the JSON API) may map them to error codes."""


class ImageRejected(ValueError):
    """An upload we refuse to decode, with a stable machine-readable ``reason`` (one of :data:`REASONS`).

    Why one type: callers (web endpoint, CLI) need exactly one ``except`` to turn any bad upload into a 4xx
    answer or exit status 2, and the ``reason`` lets them localise the message without parsing text.
    """

    def __init__(self, reason: str, message: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Limits:
    """Bounds on what one upload may cost to load.

    Why: the defaults let through any real phone photo (a 200 MP sensor is rare; 12-50 MP is usual and
    browsers usually send less) and a label sheet PDF, while keeping the worst case of one request at tens of
    megabytes of memory and well under a second of parsing.
    """

    max_bytes: int = 15 * 1024 * 1024
    """Size of the uploaded file."""
    max_pixels: int = 40_000_000
    """Pixels of one page or frame, checked from the header before decoding."""
    max_total_pixels: int = 80_000_000
    """Pixels of all pages and frames of one upload together: what decoding it may cost in all. Raster files
    over it are refused before decoding; PDF pages are rendered at a resolution lowered to fit it."""
    max_pages: int = 20
    """Pages of a PDF or frames of an animation / multi-page TIFF."""
    pdf_dpi: float = 200.0
    """Rendering resolution of PDF pages: 0.33 mm QR modules become 2.6 pixels."""
    max_decode_seconds: float = 10.0
    """Seconds the QR decoder (:func:`suyuan.scanner.decode.decode_bytes`) may spend on all pages of one
    upload; pages reached after it is spent are neither rendered nor decoded."""


DEFAULT_LIMITS = Limits()
"""For signed-in callers and the CLI: a 20-page label PDF at 200 dpi (77 megapixels) fits."""

ANONYMOUS_LIMITS = Limits(max_total_pixels=40_000_000, max_pages=3, max_decode_seconds=3.0)
"""For anonymous callers: one phone photo of up to 40 megapixels, or at most 3 pages or frames sharing that
budget, and 3 s of decoding in all. Anyone on the internet may send these, so one request must stay cheap."""

_MAX_GIF_BLOCKS = 1 << 18
"""Blocks and sub-blocks a GIF may consist of: a 64 MB GIF written in the usual 255-byte sub-blocks has
fewer; a hostile one of one-byte sub-blocks is refused after 0.5 MB instead of being walked for seconds."""

_MAX_TIFF_TAGS = 512
"""Tags in one TIFF directory: real files have tens; Pillow parses each of up to 65,535 in Python."""

# Pillow's own bomb guard (a warning above this, an error above twice this) is process-wide; align it with
# our default so that code paths outside this module's explicit size check are guarded too. (Turning the
# warning into an error per call would need warnings.catch_warnings, which is not thread-safe; between one
# and two times the limit Pillow only warns, and _check_pixels refuses the image right after.)
Image.MAX_IMAGE_PIXELS = DEFAULT_LIMITS.max_pixels

# pdfium is not thread-safe: every call into it goes through this lock (re-entrant, because a garbage
# collection inside a locked section may finalise another document on the same thread).
_PDFIUM_LOCK = threading.RLock()

_PIL_FORMATS = {
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "tiff": "TIFF",
    "bmp": "BMP",
    "avif": "AVIF",
}
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_ORIENTATION = 0x0112  # EXIF tag


def sniff(data: bytes) -> str | None:
    """Name the container of ``data`` from its magic bytes ("jpeg", "png", "pdf", ...), or ``None``.

    Why magic bytes: file names and client-declared MIME types are attacker-controlled and often wrong
    (a ``.png`` that is a JPEG); the first bytes decide which parser is allowed to touch the data.
    """
    head = data[:32]
    signatures = (
        (b"\xff\xd8\xff", "jpeg"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"GIF87a", "gif"),
        (b"GIF89a", "gif"),
        (b"II*\x00", "tiff"),
        (b"MM\x00*", "tiff"),
        (b"BM", "bmp"),
        (b"%PDF-", "pdf"),
    )
    for magic, kind in signatures:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "avif"
    if b"%PDF-" in data[:1024]:  # PDF readers accept up to 1 KiB of junk before the header
        return "pdf"
    return None


def read_upload(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Read an upload stream into memory, refusing it as soon as it exceeds ``limits.max_bytes``.

    Why: a web handler should not buffer a 2 GB body to find out it is too big; this reads at most one byte
    more than the limit.
    """
    data = stream.read(limits.max_bytes + 1)
    _check_size(data, limits)
    return data


def load_pages(data: bytes, limits: Limits = DEFAULT_LIMITS, *, grayscale: bool = False) -> list[Image.Image]:
    """All pages of an upload as upright images (see :func:`iter_pages`).

    Convenient for small files; prefer :func:`iter_pages` for PDFs and animations, which holds one page in
    memory at a time.
    """
    return list(iter_pages(data, limits, grayscale=grayscale))


def iter_pages(
    data: bytes, limits: Limits = DEFAULT_LIMITS, *, grayscale: bool = False
) -> Iterator[Image.Image]:
    """Yield each page / frame of an upload as an upright ``"L"`` or ``"RGB"`` image, lazily.

    Size, type, pixel and page limits are checked before the first page is yielded (so a bad upload fails
    before any work is done on it); a page that turns out to be truncated or corrupt raises
    :class:`ImageRejected` (``"malformed_image"``) when it is reached. With ``grayscale``, every page is
    ``"L"``, and JPEG photos are decoded straight to luminance (about twice as fast for a 12 MP photo):
    what the QR decoder needs.
    """
    kind = _kind(data, limits)
    if kind == "pdf":
        pages = _pdf_pages(data, limits)
    else:
        pages = _raster_pages(data, kind, limits, grayscale=grayscale, first_only=False)
    return (page.convert("L") if grayscale and page.mode != "L" else page for page in pages)


def first_page(data: bytes, limits: Limits = DEFAULT_LIMITS, *, reduce_to: int | None = None) -> Image.Image:
    """Only the first page / frame of an upload, upright, ``"L"`` or ``"RGB"``: what a photo needs.

    Later frames of an animation are neither counted against ``limits.max_pages`` nor decoded, so a
    20-frame GIF costs what its first frame costs. With ``reduce_to``, a JPEG is decoded at the smallest
    scale libjpeg offers (1/2, 1/4, 1/8) that keeps both sides at least that many pixels: a 40 MP photo
    that will be shrunk anyway then costs a fraction of a full decode.
    """
    kind = _kind(data, limits)
    if kind == "pdf":
        return next(iter(_pdf_pages(data, limits, first_only=True)))
    frames = _raster_pages(data, kind, limits, grayscale=False, first_only=True, reduce_to=reduce_to)
    return next(iter(frames))


def _kind(data: bytes, limits: Limits) -> str:
    """The container of an upload after the size checks, or :class:`ImageRejected` if unsupported."""
    _check_size(data, limits)
    kind = sniff(data)
    if kind is None:
        raise ImageRejected(
            "not_an_image",
            "The file is not a supported image (JPEG, PNG, GIF, WebP, TIFF, BMP, AVIF) or PDF.",
        )
    return kind


def _check_size(data: bytes, limits: Limits) -> None:
    """Refuse empty and oversized uploads before looking inside them."""
    if not data:
        raise ImageRejected("empty", "The file is empty.")
    if len(data) > limits.max_bytes:
        megabytes = limits.max_bytes / 1024 / 1024
        raise ImageRejected("too_large", f"The file is larger than {megabytes:.0f} MB; send a smaller one.")


def _check_pixels(size: tuple[int, int], limits: Limits) -> None:
    """Refuse a page whose declared dimensions exceed the pixel limit (before decoding it)."""
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageRejected("malformed_image", "The image declares no pixels.")
    if width * height > limits.max_pixels:
        megapixels = limits.max_pixels / 1e6
        raise ImageRejected(
            "too_many_pixels",
            f"The image is {width}×{height} pixels; at most {megapixels:.0f} megapixels are accepted.",
        )


def _check_total(pixels: int, count: int, limits: Limits) -> None:
    """Refuse an upload whose frames together exceed the per-upload pixel budget (before decoding any)."""
    if pixels > limits.max_total_pixels:
        raise ImageRejected(
            "too_many_pixels",
            f"The file's {count} frames hold {pixels / 1e6:.0f} megapixels together; "
            f"at most {limits.max_total_pixels / 1e6:.0f} megapixels are accepted per file.",
        )


def _check_pages(count: int, limits: Limits, what: str, *, first_only: bool = False) -> None:
    """Refuse files with no pages, or more pages/frames than the limit unless only the first is used."""
    if count <= 0:
        raise ImageRejected("empty", f"The file contains no {what}.")
    if count > limits.max_pages and not first_only:
        raise ImageRejected(
            "too_many_pages", f"The file has {count} {what}; at most {limits.max_pages} are accepted."
        )


def _open_raster(data: bytes, kind: str, limits: Limits) -> Image.Image:
    """Open (parse headers only) with the one Pillow plugin the magic bytes name, and check pixels."""
    try:
        image = Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[kind]])
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_many_pixels", f"The image has too many pixels ({exc}).") from exc
    except Exception as exc:  # any parser failure on untrusted bytes is the upload's fault, not ours
        raise ImageRejected("malformed_image", f"The {kind.upper()} file is damaged or incomplete.") from exc
    _check_pixels(image.size, limits)
    return image


def _raster_pages(
    data: bytes,
    kind: str,
    limits: Limits,
    *,
    grayscale: bool,
    first_only: bool,
    reduce_to: int | None = None,
) -> Iterator[Image.Image]:
    """Open a raster file, validate it eagerly, and return a lazy iterator over its frames.

    Everything is checked before the first frame is decoded: the frame count (walked here for GIF and
    TIFF, whose structure Pillow would walk in Python however hostile), each frame's pixels, and the
    pixels of all frames that will be decoded together.
    """
    walked = _walk_frames(data, kind, 1 if first_only else limits.max_pages)
    image = _open_raster(data, kind, limits)
    count = walked if walked is not None else _frame_count(image, kind)
    _check_pages(count, limits, "frames", first_only=first_only)
    count = 1 if first_only else count
    _check_total(_raster_pixels(image, kind, count, limits), count, limits)
    if kind == "jpeg" and (grayscale or reduce_to):
        side = reduce_to or max(image.size)
        image.draft("L" if grayscale else "RGB", (side, side))  # libjpeg skips chroma and/or scales down
    return _frames(image, count, kind, limits)


def _frame_count(image: Image.Image, kind: str) -> int:
    """Frames of an opened PNG / WebP / AVIF / BMP / JPEG as its header declares them (no walking)."""
    # JPEG "frames" (MPO) are previews or depth maps of the same scene, not further pages.
    return 1 if kind == "jpeg" else int(getattr(image, "n_frames", 1))


def _raster_pixels(image: Image.Image, kind: str, count: int, limits: Limits) -> int:
    """Pixels of the first ``count`` frames, from headers only.

    GIF, PNG and WebP frames are drawn on the file's canvas, so each costs the canvas; TIFF pages have
    their own sizes, read by seeking (which parses a directory, never pixel data).
    """
    if kind != "tiff" or count == 1:
        return count * image.size[0] * image.size[1]
    total = 0
    try:
        for index in range(count):
            image.seek(index)
            _check_pixels(image.size, limits)
            total += image.size[0] * image.size[1]
        image.seek(0)
    except ImageRejected:
        raise
    except Exception as exc:  # a directory Pillow cannot follow: the file's fault
        raise ImageRejected("malformed_image", "The TIFF file is damaged or incomplete.") from exc
    return total


def _walk_frames(data: bytes, kind: str, cap: int) -> int | None:
    """Frames of a GIF or TIFF counted from its structure, up to ``cap`` + 1; ``None`` for other kinds.

    A file in which no frame can be found is refused here, before Pillow would walk it byte by byte.
    """
    if kind not in ("gif", "tiff"):
        return None
    try:
        frames = _gif_frames(data, cap) if kind == "gif" else _tiff_frames(data, cap)
    except (IndexError, struct.error):
        frames = 0
    if frames == 0:
        raise ImageRejected("malformed_image", f"The {kind.upper()} file is damaged or incomplete.")
    return frames


def _gif_frames(data: bytes, cap: int) -> int:
    """Image descriptors of a GIF, counted by walking its blocks without decoding, up to ``cap`` + 1.

    Stops at the trailer or at anything that is not a block (Pillow decodes no frame past it either,
    because only the counted frames are ever decoded).
    """
    pos, frames, blocks = 13 + _gif_colour_table(data[10]), 0, 0
    while frames <= cap and pos < len(data):
        marker = data[pos]
        if marker == 0x2C:  # image descriptor, local colour table, LZW code size, then data sub-blocks
            frames += 1
            pos += 11 + _gif_colour_table(data[pos + 9])
        elif marker == 0x21:  # extension: label, then sub-blocks
            pos += 2
        else:
            break
        pos, blocks = _gif_skip_sub_blocks(data, pos, blocks)
    return frames


def _gif_colour_table(flags: int) -> int:
    """Bytes of the colour table a GIF descriptor's flags announce."""
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _gif_skip_sub_blocks(data: bytes, pos: int, blocks: int) -> tuple[int, int]:
    """The position after a chain of sub-blocks, and the running count of blocks (capped)."""
    while pos < len(data):
        size = data[pos]
        pos += size + 1
        blocks += 1
        if blocks > _MAX_GIF_BLOCKS:
            raise ImageRejected("malformed_image", "The GIF file is split into too many blocks.")
        if size == 0:
            break
    return pos, blocks


def _tiff_frames(data: bytes, cap: int) -> int:
    """Directories (pages) of a TIFF, counted by following their chain, up to ``cap`` + 1.

    A directory with more than :data:`_MAX_TIFF_TAGS` tags is refused; a loop or an offset outside the file
    ends the count (Pillow then refuses or stops at the same place).
    """
    order = "<" if data[:2] == b"II" else ">"
    (offset,) = struct.unpack_from(order + "I", data, 4)
    seen: set[int] = set()
    frames = 0
    while offset and offset not in seen and offset + 2 <= len(data) and frames <= cap:
        seen.add(offset)
        (tags,) = struct.unpack_from(order + "H", data, offset)
        if tags > _MAX_TIFF_TAGS:
            raise ImageRejected("malformed_image", f"A TIFF directory has {tags} tags; that is not an image.")
        frames += 1
        end = offset + 2 + 12 * tags
        if end + 4 > len(data):
            break
        (offset,) = struct.unpack_from(order + "I", data, end)
    return frames


def _frames(image: Image.Image, count: int, kind: str, limits: Limits) -> Iterator[Image.Image]:
    """Decode frames one at a time, each checked, oriented and normalised.

    A still image is handed out as decoded (no copy: a 12 MP photo copy costs 30 ms); frames of an animation
    are copied, because seeking to the next frame overwrites the decoder's image.
    """
    if count == 1:
        yield _decode_frame(image, 0, kind, limits, detach=False)
        return
    try:
        for index in range(count):
            yield _decode_frame(image, index, kind, limits, detach=True)
    finally:
        image.close()


def _decode_frame(image: Image.Image, index: int, kind: str, limits: Limits, *, detach: bool) -> Image.Image:
    """Decode frame ``index`` of an open image into an upright ``L``/``RGB`` image."""
    try:
        if index:
            image.seek(index)
        _check_pixels(image.size, limits)
        image.load()
        frame = image.copy() if detach else image
    except ImageRejected:
        raise
    except Exception as exc:  # truncated data, bad compression streams, bogus offsets: all the file's fault
        raise ImageRejected(
            "malformed_image", f"The {kind.upper()} file is damaged or incomplete (frame {index + 1})."
        ) from exc
    return normalise(_upright(frame))


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation, so that positions refer to the image as people see it.

    A broken EXIF block is not worth refusing a photo for: orientation does not matter to the QR decoder,
    so the image is then used as stored.
    """
    try:
        if image.getexif().get(_ORIENTATION, 1) in (1, None):
            return image  # exif_transpose would return a copy of an upright image
        return ImageOps.exif_transpose(image)
    except Exception:  # malformed EXIF: keep the pixels, lose only the orientation hint
        return image


def normalise(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to ``"L"`` or ``"RGB"``: transparency over white, 16/32-bit scaled to 8 bits.

    Why: a transparent PNG of a QR code often has black modules on *transparent black*; dropping the alpha
    channel would make it black on black. High-bit-depth scans would be clipped to white by Pillow's own
    conversion.
    """
    mode = image.mode
    if mode in ("L", "RGB"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode == "P" and not image.has_transparency_data:
        return image.convert("RGB")  # nothing to flatten: skip two 4-byte-per-pixel copies
    if mode == "P" or mode in _ALPHA_MODES:
        rgba = image if mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        return background.convert("RGB")
    if mode.startswith("I") or mode == "F":
        return _scale_to_8bit(image)
    return image.convert("RGB")


def _scale_to_8bit(image: Image.Image) -> Image.Image:
    """Map a 16-bit, 32-bit or float greyscale image linearly onto 0..255 using its actual range."""
    values = np.asarray(image, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) * (255.0 / (high - low)) if high > low else np.zeros_like(values)
    return Image.fromarray(np.clip(scaled, 0, 255).astype(np.uint8), "L")


def _pdf_pages(data: bytes, limits: Limits, *, first_only: bool = False) -> Iterator[Image.Image]:
    """Open a PDF, check its page count and page sizes eagerly, and return a lazy iterator rendering them.

    The resolution is fixed here, before any page is rendered, from the page sizes pdfium reads without
    loading the pages' contents: one scale for all pages, so that together they fit the pixel budget.
    """
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            message = "The PDF file is damaged, incomplete or encrypted."
            raise ImageRejected("malformed_image", message) from exc
        try:
            count = len(document)
            _check_pages(count, limits, "pages", first_only=first_only)
            count = 1 if first_only else count
            sizes = [_pdf_page_size(document, index) for index in range(count)]
            scale = _pdf_scale(sizes, limits)
        except BaseException:
            document.close()
            raise
    return _render_pdf(document, sizes, scale)


def _pdf_page_size(document: pdfium.PdfDocument, index: int) -> tuple[float, float]:
    """Width and height of a page in points, from the page tree (its contents are not parsed)."""
    try:
        width_pt, height_pt = document.get_page_size(index)
    except Exception as exc:  # pdfium errors on a broken page tree
        raise ImageRejected("malformed_image", f"Page {index + 1} of the PDF cannot be read.") from exc
    return float(width_pt), float(height_pt)


def _render_pdf(
    document: pdfium.PdfDocument, sizes: list[tuple[float, float]], scale: float
) -> Iterator[Image.Image]:
    """Render the pages of an open document one at a time (greyscale, at ``scale`` pixels per point)."""
    try:
        for index, size in enumerate(sizes):
            yield _render_page(document, index, size, scale)
    finally:
        with _PDFIUM_LOCK:
            document.close()


def _render_page(
    document: pdfium.PdfDocument, index: int, planned: tuple[float, float], scale: float
) -> Image.Image:
    """Render one PDF page at the scale fixed for the whole document.

    The loaded page must be no larger than the size the budget was planned with (pdfium reads both from
    the same page box; this guards the budget should they ever disagree).
    """
    with _PDFIUM_LOCK:
        try:
            page = document[index]
            try:
                width_pt, height_pt = page.get_size()
                if width_pt > planned[0] + 1 or height_pt > planned[1] + 1:
                    raise ImageRejected("malformed_image", f"Page {index + 1} of the PDF changes its size.")
                bitmap = page.render(scale=scale, grayscale=True, fill_color=(255, 255, 255, 255))
                try:
                    rendered = bitmap.to_pil().copy()
                finally:
                    bitmap.close()
            finally:
                page.close()
        except ImageRejected:
            raise
        except Exception as exc:  # pdfium errors and nonsense page boxes
            message = f"Page {index + 1} of the PDF cannot be rendered."
            raise ImageRejected("malformed_image", message) from exc
    return normalise(rendered)


def _pdf_scale(sizes: list[tuple[float, float]], limits: Limits) -> float:
    """Points-to-pixels factor for all pages: ``pdf_dpi``, lowered to keep the largest page within
    ``max_pixels`` and all pages together within ``max_total_pixels``.

    Why lower instead of refuse: a poster-sized page is a legitimate document; rendering it at a
    resolution that fits the budget is still useful when its codes are printed proportionally large. The
    cost of rendering is what the budget bounds, whatever size the pages claim.
    """
    areas = [width * height for width, height in sizes]
    if not all(width > 0 and height > 0 and math.isfinite(width * height) for width, height in sizes):
        raise ImageRejected("malformed_image", "A PDF page has no area.")
    scale = limits.pdf_dpi / 72.0
    largest = math.sqrt(limits.max_pixels / max(areas)) * 0.999
    together = math.sqrt(limits.max_total_pixels / math.fsum(areas)) * 0.999
    return min(scale, largest, together)
