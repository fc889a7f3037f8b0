"""Decoding and verifying codes in uploaded photos: ``POST /api/v1/scan-image``."""

from __future__ import annotations

from typing import BinaryIO, cast

from flask import Response, abort, jsonify, request

from suyuan.scanner.images import DEFAULT_LIMITS, ImageRejected, read_upload
from suyuan.scanner.verify import online_verifier, scan_upload
from suyuan.trace.errors import InvalidInput
from suyuan.web import runtime
from suyuan.web.api import bp


@bp.post("/scan-image")
def scan_image() -> Response:
    """Decode every code in an uploaded photo or PDF (multipart ``file``) and verify each.

    Anonymous callers are welcome: it is the fallback of the consumer page's camera mode.
    """
    upload = request.files.get("file")
    if upload is None or (not upload.filename and not upload.mimetype):
        raise InvalidInput("send the image as multipart form field 'file'", field="file")
    rt = runtime()
    try:
        data = read_upload(cast(BinaryIO, upload.stream), DEFAULT_LIMITS)
        with rt.transaction() as db:
            codes = scan_upload(data, online_verifier(db, rt.ring))
    except ImageRejected as exc:
        if exc.reason == "too_large":
            abort(413, description=exc.message)
        raise UploadRejected(exc.reason, exc.message) from exc
    return jsonify({"codes": [c.as_json() for c in codes]})


class UploadRejected(InvalidInput):
    """A refused upload: too large, a decompression bomb, not an image, malformed."""

    code = "image_rejected"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{message} [{reason}]", field="file")
        self.code = f"image_{reason}"
