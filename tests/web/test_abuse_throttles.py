"""Per-address throttles on the anonymous entry points that cost the most: photo scans and complaints.

Both count a client address (a keyed hash of it) before the request body is read, so a flood is refused
with 429 and ``Retry-After`` for next to nothing; another address is not affected, and a client-sent
``X-Forwarded-For`` does not make a new address unless a trusted proxy is configured.
"""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from suyuan.trace.model import Complaint
from suyuan.web.api.scan import ANONYMOUS_RATE, SIGNED_IN_RATE
from suyuan.web.complaint_intake import ADDRESS_LIMIT


def upload(client: FlaskClient, address: str = "198.51.100.7", **headers: str) -> TestResponse:
    """An anonymous scan-image call whose body is not an image (cheap to refuse once counted)."""
    return client.post(
        "/api/v1/scan-image",
        data={"file": (io.BytesIO(b"not an image"), "x.png")},
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def complain(client: FlaskClient, device: str, address: str = "198.51.100.7") -> TestResponse:
    """A complaint about a malformed code, from ``device``: counted, then refused as bad input."""
    return client.post(
        "/api/v1/complaints",
        json={"code": "not-a-code", "text": "fake?", "category": "counterfeit"},
        headers={"X-Device-Id": device},
        environ_base={"REMOTE_ADDR": address},
    )


def test_anonymous_photo_scans_are_throttled_per_address(client: FlaskClient) -> None:
    answers = [upload(client).status_code for _ in range(ANONYMOUS_RATE.hits)]
    assert 429 not in answers
    refused = upload(client)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "throttled"
    assert int(refused.headers["Retry-After"]) > 0
    assert upload(client, address="203.0.113.9").status_code != 429


def test_a_client_forwarded_for_header_does_not_make_a_new_address(client: FlaskClient) -> None:
    for i in range(ANONYMOUS_RATE.hits):
        upload(client, **{"X-Forwarded-For": f"10.0.0.{i}"})
    assert upload(client, **{"X-Forwarded-For": "10.9.9.9"}).status_code == 429


def test_signed_in_callers_get_a_larger_allowance() -> None:
    assert SIGNED_IN_RATE.hits > ANONYMOUS_RATE.hits
    assert SIGNED_IN_RATE.window == ANONYMOUS_RATE.window


def test_complaints_are_throttled_per_address_whatever_device_ids_are_invented(
    client: FlaskClient, session: Session
) -> None:
    answers = [complain(client, device=f"forged-{i}").status_code for i in range(ADDRESS_LIMIT.hits)]
    assert set(answers) == {400}  # counted, then refused for the malformed code
    refused = complain(client, device="forged-new")
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert complain(client, device="forged-new", address="203.0.113.9").status_code == 400
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0
