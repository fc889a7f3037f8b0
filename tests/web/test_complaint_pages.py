"""Complaint pages: the form on the scan page, the consumer's status page, the merchant's and the office's
desks; CSRF on every form, refused forms shown again with a 4xx, and markup escaped wherever text appears."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import complaints
from suyuan.trace.model import Batch, Complaint, ComplaintPhoto
from suyuan.web.display import beijing
from tests.complaint_factories import (
    TEXT_AS_JPEG,
    XSS,
    XSS_ESCAPED,
    bomb_png,
    forged_lot,
    make_other_office,
    photo_jpeg,
)
from tests.factories import World, code_urls, make_batch, make_world

EN = {"Accept-Language": "en"}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def token_of(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def login(client: FlaskClient, email: str) -> None:
    token = token_of(client.get("/login").data.decode())
    response = client.post("/login", data={"email": email, "password": "password1", "csrf_token": token})
    assert response.status_code == 302


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


@pytest.fixture
def batch(session: Session, runtime: Runtime, world: World) -> Batch:
    return make_batch(session, world, runtime.ring, count=5)


@pytest.fixture
def url(session: Session, runtime: Runtime, batch: Batch) -> str:
    return code_urls(session, runtime.ring, batch, 1, 1)[0]


def form_of(client: FlaskClient, url: str, **overrides: Any) -> dict[str, Any]:
    """The scan page's complaint form, filled in."""
    page = client.get(path_of(url), headers=EN).data.decode()
    code = re.search(r'name="code" value="([^"]+)"', page)
    assert code is not None
    return {
        "csrf_token": token_of(page),
        "code": code.group(1).replace("&amp;", "&"),
        "category": "labelling",
        "text": "No Chinese label on the tin.",
        "contact": "",
        **overrides,
    }


def test_the_scan_page_carries_the_complaint_form_with_the_code_attached(
    client: FlaskClient, url: str
) -> None:
    page = client.get(path_of(url), headers=EN).data.decode()
    assert 'data-test="complaint-form"' in page and 'enctype="multipart/form-data"' in page
    assert f'name="code" value="{url}"' in page and 'name="csrf_token"' in page
    assert 'value="safety_incident"' in page and 'name="photo"' in page
    zh = client.get(path_of(url)).data.decode()
    assert "投诉" in zh or "问题" in zh


def test_counterfeit_and_malformed_code_pages_offer_the_form_with_suspected_fake_chosen(
    client: FlaskClient, url: str, batch: Batch
) -> None:
    forged = client.get(path_of(forged_lot(url, batch))).data.decode()
    assert 'data-test="complaint-form"' in forged
    assert '<option value="suspected_fake" selected>' in forged
    malformed = client.get("/01/12345/10/L1/21/1")
    page = malformed.data.decode()
    assert malformed.status_code == 400 and 'data-test="complaint-form"' in page
    assert '<option value="suspected_fake" selected>' in page and 'name="malformed" value="1"' in page


def test_a_malformed_code_is_reported_from_its_page_as_a_counterfeit_label(
    client: FlaskClient, session: Session, url: str, batch: Batch
) -> None:
    wrong_check_digit = path_of(url).replace(
        f"/01/{batch.gtin}", f"/01/{batch.gtin[:-1]}{(int(batch.gtin[-1]) + 1) % 10}"
    )
    page = client.get(wrong_check_digit).data.decode()
    form = {
        "csrf_token": token_of(page),
        "code": re.search(r'name="code" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        "malformed": "1",
        "category": "suspected_fake",
        "text": "标签扫出来显示假冒",
    }
    assert client.post("/complaints", data=form).status_code == 303
    complaint = session.scalars(select(Complaint)).one()
    assert (complaint.verdict, complaint.category.value, complaint.lot) == (
        "counterfeit",
        "suspected_fake",
        batch.lot,
    )
    assert complaint.batch_id is None and complaint.gtin != batch.gtin
    del form["malformed"]  # without the page's flag, a text that is no code stays refused
    assert client.post("/complaints", data=form).status_code == 400


def test_a_consumer_files_from_the_scan_page_and_sees_the_status_under_the_reference(
    client: FlaskClient, session: Session, url: str
) -> None:
    form = form_of(client, url, contact="13800000000", photo=(io.BytesIO(photo_jpeg(800, 600)), "a.jpg"))
    response = client.post("/complaints", data=form, headers=EN)
    assert response.status_code == 303
    complaint = session.scalars(select(Complaint)).one()
    assert response.headers["Location"].startswith(f"/complaints/{complaint.reference}")
    assert complaint.device_hash and complaint.category.value == "labelling" and complaint.photo is not None
    page = client.get(response.headers["Location"], headers=EN).data.decode()
    assert complaint.reference in page and 'data-status="received"' in page and "Thank you" in page
    assert "13800000000" not in page
    zh = client.get(f"/complaints/{complaint.reference}").data.decode()
    assert "已收到" in zh or "投诉" in zh


def test_a_form_post_without_csrf_is_refused_and_writes_nothing(
    client: FlaskClient, session: Session, url: str
) -> None:
    form = form_of(client, url)
    del form["csrf_token"]
    assert client.post("/complaints", data=form).status_code == 400
    form["csrf_token"] = "forged-token"
    assert client.post("/complaints", data=form).status_code == 400
    assert count(session, Complaint) == 0


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"text": "bad"}, 400, "Describe the problem in 5 to 2,000 characters."),
        ({"category": ""}, 400, "Choose what the complaint is about."),
        ({"code": "https://evil.example/01/x"}, 400, "is not a traceability code"),
        ({"photo": (io.BytesIO(TEXT_AS_JPEG), "photo.jpg")}, 400, "The file is not a photo"),
        ({"photo": (io.BytesIO(bomb_png()), "photo.png")}, 400, "The photo has too many pixels."),
        (
            {"photo": (io.BytesIO(b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024)), "big.jpg")},
            413,
            "larger than 10 MB",
        ),
    ],
    ids=["short-text", "no-category", "bad-code", "text-as-jpg", "bomb", "oversized"],
)
def test_a_refused_form_is_shown_again_with_the_message_and_nothing_is_written(
    client: FlaskClient, session: Session, url: str, overrides: dict[str, Any], status: int, message: str
) -> None:
    form = form_of(client, url, contact=XSS, **overrides)
    response = client.post("/complaints", data=form, headers=EN)
    page = response.data.decode()
    assert response.status_code == status and message in page and 'data-test="complaint-error"' in page
    assert XSS not in page
    assert count(session, Complaint) == 0 and count(session, ComplaintPhoto) == 0


def test_a_refused_form_keeps_what_was_typed_escaped(client: FlaskClient, url: str) -> None:
    form = form_of(client, url, text=XSS[:4], contact=f'"><img src=x onerror=alert(1)>{XSS}')
    page = client.post("/complaints", data=form, headers=EN).data.decode()
    assert XSS not in page and "<img src=x" not in page and XSS_ESCAPED in page


def test_the_rate_limit_shows_a_friendly_429(client: FlaskClient, session: Session, url: str) -> None:
    form = form_of(client, url)
    for _ in range(5):
        assert client.post("/complaints", data=form).status_code == 303
    refused = client.post("/complaints", data=form, headers=EN)
    assert refused.status_code == 429 and "many complaints" in refused.data.decode()
    assert count(session, Complaint) == 5


def test_looking_up_a_reference(client: FlaskClient, session: Session, url: str) -> None:
    client.post("/complaints", data=form_of(client, url))
    reference = session.scalars(select(Complaint.reference)).one()
    assert client.get("/complaints").status_code == 200
    found = client.get(f"/complaints?reference={reference.lower()}")
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/complaints/{reference}")
    assert client.get("/complaints?reference=nonsense").status_code == 404
    missing = client.get(f"/complaints/TS-0000000000?x={XSS}", headers=EN)
    assert missing.status_code == 404 and "No complaint has the reference" in missing.data.decode()
    assert XSS not in client.get(f"/complaints/{XSS}").data.decode()


def _xss_complaint(session: Session, runtime: Runtime, url: str) -> Complaint:
    complaint = complaints.file_complaint(
        session,
        runtime.ring,
        url,
        "quality",
        f"Bad smell {XSS}",
        contact=f"phone-4711 {XSS}",
        device_hash="d",
    )
    session.commit()
    return complaint


def test_the_merchant_desk_lists_and_answers_its_own_complaints_escaping_everything(
    client: FlaskClient, session: Session, runtime: Runtime, world: World, url: str
) -> None:
    mine = _xss_complaint(session, runtime, url)
    theirs = make_batch(session, world, runtime.ring, count=1, owner="merchant_b")
    other = complaints.file_complaint(
        session, runtime.ring, code_urls(session, runtime.ring, theirs, 1, 1)[0], "other", "Not mine at all."
    )
    session.commit()
    assert client.get("/merchant/complaints").status_code == 302  # to the login form
    login(client, "staff@a.example")
    listing = client.get("/merchant/complaints", headers=EN).data.decode()
    assert mine.reference in listing and other.reference not in listing
    assert XSS not in listing and XSS_ESCAPED in listing
    detail = client.get(f"/merchant/complaints/{mine.id}", headers=EN).data.decode()
    assert XSS not in detail and detail.count(XSS_ESCAPED) == 2 and 'data-test="answer-form"' in detail
    assert "/regulator/trace/" not in detail
    assert client.get(f"/merchant/complaints/{other.id}").status_code == 404
    assert client.get("/regulator/complaints").status_code == 403
    token = token_of(detail)
    assert (
        client.post(f"/merchant/complaints/{mine.id}/answer", data={"text": "No token here"}).status_code
        == 400
    )
    short = client.post(f"/merchant/complaints/{mine.id}/answer", data={"text": "no", "csrf_token": token})
    assert short.status_code == 400 and 'data-test="form-error"' in short.data.decode()
    theirs_answer = client.post(
        f"/merchant/complaints/{other.id}/answer", data={"text": "Sneaky answer", "csrf_token": token}
    )
    assert theirs_answer.status_code == 404
    answer = f"We will refund you. {XSS}"
    done = client.post(f"/merchant/complaints/{mine.id}/answer", data={"text": answer, "csrf_token": token})
    assert done.status_code == 303
    session.expire_all()
    assert session.get(Complaint, mine.id).status.value == "answered"  # type: ignore[union-attr]
    public = client.get(f"/complaints/{mine.reference}", headers=EN).data.decode()
    assert "We will refund you." in public and XSS not in public and XSS_ESCAPED in public
    assert "phone-4711" not in public  # the contact stays with the merchant and the office


def test_the_office_queue_filters_shows_photo_and_trace_link_and_decides(
    client: FlaskClient, session: Session, runtime: Runtime, world: World, url: str
) -> None:
    mine = _xss_complaint(session, runtime, url)
    form = form_of(client, url, photo=(io.BytesIO(photo_jpeg(640, 480)), "p.jpg"))
    client.post("/complaints", data=form)
    with_photo = session.scalars(select(Complaint).where(Complaint.id != mine.id)).one()
    login(client, "officer@test.example")
    queue = client.get("/regulator/complaints", headers=EN).data.decode()
    assert mine.reference in queue and with_photo.reference in queue and XSS not in queue
    assert client.get("/merchant/complaints").status_code == 403
    detail = client.get(f"/regulator/complaints/{with_photo.id}", headers=EN).data.decode()
    assert f'href="/regulator/trace/complaint/{with_photo.id}"' in detail
    assert f'src="/api/v1/complaints/{with_photo.id}/photo"' in detail
    assert client.get(f"/api/v1/complaints/{with_photo.id}/photo").mimetype == "image/jpeg"
    detail = client.get(f"/regulator/complaints/{mine.id}", headers=EN).data.decode()
    assert XSS not in detail and detail.count(XSS_ESCAPED) == 2
    filed_beijing = beijing(mine.created_at)  # Beijing time on pages, never UTC
    assert filed_beijing in detail and "UTC" not in detail
    token = token_of(detail)
    post = f"/regulator/complaints/{mine.id}/status"
    assert client.post(post, data={"status": "triaged"}).status_code == 400  # no CSRF token
    illegal = client.post(post, data={"status": "closed", "csrf_token": token}, headers=EN)
    assert illegal.status_code == 409 and 'data-test="form-error"' in illegal.data.decode()
    assert client.post(post, data={"status": "triaged", "note": XSS, "csrf_token": token}).status_code == 303
    triaged = client.get("/regulator/complaints?status=triaged", headers=EN).data.decode()
    assert mine.reference in triaged and with_photo.reference not in triaged
    detail = client.get(f"/regulator/complaints/{mine.id}", headers=EN).data.decode()
    assert XSS not in detail and detail.count(XSS_ESCAPED) == 3  # text, contact, internal note
    noted = client.post(post, data={"status": "", "note": "Asked the lab", "csrf_token": token})
    assert noted.status_code == 303
    upheld = client.post(
        post, data={"status": "upheld", "note": "Confirmed", "public": "1", "csrf_token": token}
    )
    assert upheld.status_code == 303
    public = client.get(f"/complaints/{mine.reference}", headers=EN).data.decode()
    assert "Confirmed" in public and "Asked the lab" not in public and XSS not in public
    other = make_other_office(session)
    del other
    assert client.get("/regulator/complaints/9999").status_code == 404


def test_an_office_does_not_see_another_offices_complaints(
    client: FlaskClient, session: Session, runtime: Runtime, world: World, url: str
) -> None:
    mine = _xss_complaint(session, runtime, url)
    make_other_office(session)
    login(client, "officer@nanshan.example")
    assert mine.reference not in client.get("/regulator/complaints").data.decode()
    assert client.get(f"/regulator/complaints/{mine.id}").status_code == 404
