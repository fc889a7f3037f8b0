"""Taking in a consumer's complaint at the web edge, shared by the JSON API and the scan page's form.

One path for both, so the form and the API cannot drift apart: the device comes from the scan pages'
device cookie (:func:`suyuan.web.consumer._device`), the rate limit is checked before an uploaded photo is
decoded, the photo goes through :func:`suyuan.scanner.photos.clean_photo`, and the complaint is filed in
one transaction (nothing is written when anything fails). The device id is the client's to choose, so
each client address is also throttled (:data:`ADDRESS_LIMIT`, a keyed hash of the address, never stored).
"""

from __future__ import annotations

from datetime import timedelta
from typing import BinaryIO, cast

from flask import current_app, request
from werkzeug.datastructures import FileStorage

from suyuan.scanner.images import read_upload
from suyuan.scanner.photos import PHOTO_LIMITS, clean_photo
from suyuan.trace import complaints
from suyuan.trace.complaints import CleanPhoto, ComplaintLimits
from suyuan.trace.model import Complaint
from suyuan.trace.throttle import Limit
from suyuan.web import consumer, runtime
from suyuan.web.throttling import client_key, count_attempt

# Complaints one client address may file per hour, whatever device ids it presents: a household or an
# office behind one address stays well under it, a script inventing device ids does not.
ADDRESS_LIMIT = Limit(20, timedelta(hours=1))


def complaint_limits() -> ComplaintLimits:
    """The app's complaint rate limits: its config over the environment over the defaults (read once)."""
    if "suyuan_complaint_limits" not in current_app.extensions:
        current_app.extensions["suyuan_complaint_limits"] = ComplaintLimits.from_mapping(current_app.config)
    return cast(ComplaintLimits, current_app.extensions["suyuan_complaint_limits"])


def request_device() -> str:
    """The salted device hash of the caller, or "" when it presents no device id.

    A device id is never minted here: a client that drops cookies would otherwise get a fresh device,
    and so a fresh rate limit, with every complaint. Cookieless clients share the device "".
    """
    if not (request.cookies.get(consumer.DEVICE_COOKIE) or request.headers.get("X-Device-Id")):
        return ""
    return consumer._device()


def photo_bytes(upload: FileStorage | None) -> bytes | None:
    """The uploaded photo's bytes (at most the photo size limit plus one byte), or ``None`` if none was sent.

    Browsers send an empty part without a file name when no file was chosen: that is no photo.
    An empty part *with* a name is an empty file, refused by the checks.
    """
    if upload is None or not upload.filename:
        return None
    return read_upload(cast(BinaryIO, upload.stream), PHOTO_LIMITS)


def submit_complaint(
    code: str,
    category: str,
    text: str,
    contact: str,
    upload: FileStorage | None,
    *,
    accept_malformed: bool = False,
) -> Complaint:
    """File a complaint from this request; raises domain errors or ``ImageRejected``, writing nothing.

    ``accept_malformed`` takes a text that is no code as a counterfeit label (the malformed-code page's
    form); the API keeps refusing it.
    """
    rt = runtime()
    device = request_device()
    region = consumer.request_region()  # only from a trusted proxy, as for scans
    limits = complaint_limits()
    count_attempt([(client_key("complaint"), ADDRESS_LIMIT)])
    with rt.transaction() as db:  # refuse a flood before spending time on its photos
        complaints.enforce_rate_limit(db, device, limits)
    data = photo_bytes(upload)
    photo: CleanPhoto | None = clean_photo(data) if data is not None else None
    with rt.transaction() as db:
        return complaints.file_complaint(
            db,
            rt.ring,
            code,
            category,
            text,
            contact,
            photo,
            device,
            region,
            limits=limits,
            accept_malformed=accept_malformed,
        )
