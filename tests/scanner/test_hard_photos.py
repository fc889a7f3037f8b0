"""The pipeline against plain zxing-cpp on synthetic hard label photos (``bench/photos.py``, fixed seed).

A small, different-seed sample of the benchmark set, so that a change that makes the pipeline no better than
one zxing-cpp call (or loses a photo that call reads) fails in CI, not only in the benchmark report.
"""

from __future__ import annotations

import pytest

from bench.photos import KINDS, make_photo_set
from suyuan.scanner.decode import decode_image, read_plain

pytestmark = pytest.mark.slow


def test_pipeline_reads_clearly_more_hard_photos_than_plain_zxing() -> None:
    photos = make_photo_set(None, seed=99, n=5 * len(KINDS))
    ours = {name for name, image, text in photos if text in [c.text for c in decode_image(image)]}
    plain = {name for name, image, text in photos if text in [b.text for b in read_plain(image)]}
    assert plain <= ours, f"plain zxing-cpp reads {sorted(plain - ours)}, the pipeline does not"
    assert len(ours) >= len(plain) + 4, (len(ours), len(plain))
