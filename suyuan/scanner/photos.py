"""Consumer photos attached to complaints: checked like every upload, then re-encoded, never kept as sent.

Why here and not in the domain: parsing untrusted image bytes is the scanner's concern (bounded loading in
:mod:`suyuan.scanner.images`), and ``suyuan.trace`` must not depend on Pillow or on this package. The web
edge turns an upload into a :class:`~suyuan.trace.complaints.CleanPhoto` here and hands only that to the
domain.

Why re-encode: the stored file is one we wrote: a baseline JPEG of at most :data:`MAX_SIDE` pixels a side,
upright, with no EXIF (a phone photo's EXIF often carries the GPS position of the consumer's home), no
ICC profile, comments or trailing bytes that a polyglot file could hide.
"""

from __future__ import annotations

import io

from PIL import Image

from suyuan.scanner.images import ImageRejected, Limits, first_page, sniff
from suyuan.trace.complaints import CleanPhoto

MAX_SIDE = 2048
JPEG_QUALITY = 85
PHOTO_LIMITS = Limits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000, max_total_pixels=40_000_000)
"""At most 10 MB and 40 megapixels: any phone photo, while one request stays cheap to load. Only the first
frame of an animation is used, so the frame count does not matter: later frames are never decoded."""


def clean_photo(data: bytes, limits: Limits = PHOTO_LIMITS) -> CleanPhoto:
    """Check ``data`` (size, type by magic bytes, pixels before decoding) and re-encode its first frame.

    A JPEG is decoded straight at a reduced scale that still covers :data:`MAX_SIDE` (libjpeg's DCT
    scaling), so a 40 MP phone photo costs a fraction of a full decode. Raises :class:`ImageRejected` for
    anything that is not a loadable still image, PDFs included.
    """
    if sniff(data) == "pdf":
        raise ImageRejected("not_an_image", "A photo must be an image (JPEG, PNG, WebP, ...), not a PDF.")
    image = first_page(data, limits, reduce_to=MAX_SIDE)  # validated before decoding; later frames never
    # Box-reduce by the whole factor first, then Lanczos: a 40 MP frame costs 0.1 s, not 2 s of Lanczos.
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=1.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= / icc_profile=: stripped
    return CleanPhoto(data=buffer.getvalue(), width=image.width, height=image.height)
