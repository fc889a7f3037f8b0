"""Decoding and verifying codes in uploaded photos: ``POST /api/v1/scan-image`` (endpoint ``api.scan.*``).

Anyone may call it (it is the fallback of the consumer page's camera mode), so what one call may cost is
bounded before anything is decoded: anonymous callers get :data:`~suyuan.scanner.images.ANONYMOUS_LIMITS`
(one photo, or at most 3 pages, 40 megapixels and 3 s of decoding in all), signed-in callers the default
limits. Refusals: 413 for a file over the byte limit, 422 ``image_<reason>`` for anything that cannot be
decoded within the limits (too many pixels, pages or frames; not an image; damaged). Each client address
may call it :data:`ANONYMOUS_RATE` times a minute anonymously, :data:`SIGNED_IN_RATE` with a token (429
beyond), counted before the upload is read. Each code found carries the name of the product whose lot it
names (``product``, null when no batch has that GTIN and lot), so the camera page's photo fallback can
show it beside the verdict.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, BinaryIO, NoReturn, cast

from flask import Blueprint, Response, abort, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.scanner.images import ANONYMOUS_LIMITS, DEFAULT_LIMITS, ImageRejected, Limits, read_upload
from suyuan.scanner.verify import ScannedCode, online_verifier, scan_upload
from suyuan.trace.codes import MalformedCode, parse_code
from suyuan.trace.errors import InvalidInput, UnprocessableInput
from suyuan.trace.model import Batch, Product
from suyuan.trace.throttle import Limit
from suyuan.web import runtime
from suyuan.web.auth import current_actor
from suyuan.web.throttling import client_key, count_attempt

# A consumer's camera fallback sends one photo per scan; a merchant checking a print run sends more.
ANONYMOUS_RATE = Limit(12, timedelta(minutes=1))
SIGNED_IN_RATE = Limit(60, timedelta(minutes=1))

bp = Blueprint("scan", __name__)


@bp.post("/scan-image")
def scan_image() -> Response:
    """Decode every code in an uploaded photo or PDF (multipart ``file``) and verify each."""
    anonymous = current_actor().role is None
    count_attempt([(client_key("scan-image"), ANONYMOUS_RATE if anonymous else SIGNED_IN_RATE)])
    upload = request.files.get("file")
    if upload is None or (not upload.filename and not upload.mimetype):
        raise InvalidInput("send the image as multipart form field 'file'", field="file")
    limits = caller_limits()
    rt = runtime()
    try:
        data = read_upload(cast(BinaryIO, upload.stream), limits)
        with rt.transaction() as db:
            codes = scan_upload(data, online_verifier(db, rt.ring), limits)
            found = [with_product_name(db, c) for c in codes]
    except ImageRejected as exc:
        upload_rejected(exc)
    return jsonify({"codes": found})


def with_product_name(db: Session, code: ScannedCode) -> dict[str, Any]:
    """A found code as JSON, with the name of the product of the lot it names (else ``None``)."""
    try:
        named = parse_code(code.text).code
    except MalformedCode:
        return code.as_json() | {"product": None}
    lot = select(Product.name).join(Batch, Batch.product_id == Product.id)
    name = db.scalar(lot.where(Batch.gtin == named.gtin, Batch.lot == named.lot))
    return code.as_json() | {"product": name}


def caller_limits() -> Limits:
    """The upload limits of this request's caller: anonymous callers get the small ones."""
    return ANONYMOUS_LIMITS if current_actor().role is None else DEFAULT_LIMITS


def upload_rejected(exc: ImageRejected) -> NoReturn:
    """Answer a refused upload: 413 when it has too many bytes, else 422 ``image_<reason>``."""
    if exc.reason == "too_large":
        abort(413, description=exc.message)
    raise UploadRejected(exc.reason, exc.message) from exc


class UploadRejected(UnprocessableInput):
    """A refused upload: a decompression bomb, too many pages or frames, not an image, malformed."""

    code = "image_rejected"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{message} [{reason}]", field="file")
        self.code = f"image_{reason}"
