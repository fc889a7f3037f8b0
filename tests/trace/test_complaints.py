"""Complaints in the domain: filing from any code, remit, validation, rate limits, the status machine,
answers and triage, who sees what, and what the consumer's reference shows."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.trace import audit, complaints
from suyuan.trace.actors import ANONYMOUS, OPERATOR
from suyuan.trace.codes import parse_code
from suyuan.trace.complaints import CleanPhoto, ComplaintLimits
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound, PermissionDenied, RateLimited
from suyuan.trace.model import (
    AuditEntry,
    Batch,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    CreditEvent,
    CreditEventKind,
    Scan,
)
from suyuan.trace.model.types import utcnow
from tests.complaint_factories import forged_lot, forged_serial, make_other_office, unknown_gtin
from tests.factories import World, code_urls, make_batch, make_world

REFERENCE = re.compile(r"^TS-[0-9A-HJKMNP-TV-Z]{10}$")


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


@pytest.fixture
def batch(session: Session, runtime: Runtime, world: World) -> Batch:
    return make_batch(session, world, runtime.ring, count=10)


@pytest.fixture
def url(session: Session, runtime: Runtime, batch: Batch) -> str:
    return code_urls(session, runtime.ring, batch, 1, 1)[0]


def file(session: Session, runtime: Runtime, code: str, **kw: object) -> Complaint:
    args: dict[str, object] = {"category": "quality", "text": "The powder smells sour.", **kw}
    complaint = complaints.file_complaint(session, runtime.ring, code, **args)  # type: ignore[arg-type]
    session.commit()
    return complaint


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- filing -----------------------------------------------------------------------------------


def test_a_complaint_keeps_the_code_its_verdict_and_the_batch_remit_and_records_no_scan(
    session: Session, runtime: Runtime, world: World, batch: Batch, url: str
) -> None:
    c = file(session, runtime, url, contact="138 0000 0000", device_hash="d1", region="CN-GD")
    assert REFERENCE.match(c.reference)
    assert (c.gtin, c.lot, c.serial, c.verdict) == (batch.gtin, batch.lot, "1", "genuine")
    assert (c.batch_id, c.office_id, c.enterprise_id) == (batch.id, world.office.id, world.merchant.id)
    assert c.status.value == "received" and c.code_url == url and c.region == "CN-GD"
    assert [(e.kind, e.status, e.public) for e in c.events] == [("filed", "received", True)]
    assert count(session, Scan) == 0
    entry = session.scalars(select(AuditEntry).filter_by(action="complaint.filed")).one()
    assert entry.subject == f"complaint:{c.id}" and "138" not in entry.payload and "sour" not in entry.payload


def test_a_parsed_code_is_accepted_too(session: Session, runtime: Runtime, batch: Batch, url: str) -> None:
    c = file(session, runtime, parse_code(url))
    assert c.batch_id == batch.id and c.code_url.startswith(f"/01/{batch.gtin}/10/")


def test_a_forged_code_of_a_real_lot_is_counterfeit_and_belongs_to_that_batch(
    session: Session, runtime: Runtime, world: World, batch: Batch, url: str
) -> None:
    c = file(session, runtime, forged_serial(url), category="suspected_fake")
    assert (c.verdict, c.serial, c.batch_id, c.enterprise_id) == (
        "counterfeit",
        "999999",
        batch.id,
        world.merchant.id,
    )


def test_a_fake_of_an_unknown_batch_goes_to_the_office_that_filed_the_gtin(
    session: Session, runtime: Runtime, world: World, batch: Batch, url: str
) -> None:
    c = file(session, runtime, forged_lot(url, batch), category="suspected_fake")
    assert (c.verdict, c.lot, c.batch_id) == ("counterfeit", "FAKE01", None)
    assert (c.office_id, c.enterprise_id) == (world.office.id, None)


def test_a_fake_of_a_gtin_nobody_filed_goes_to_every_office(
    session: Session, runtime: Runtime, world: World, batch: Batch, url: str
) -> None:
    other = make_other_office(session)
    c = file(session, runtime, unknown_gtin(url, batch))
    assert (c.verdict, c.office_id, c.enterprise_id, c.batch_id) == ("counterfeit", None, None, None)
    assert complaints.get_complaint(session, other.regulator, c.id) is c
    assert complaints.get_complaint(session, world.regulator, c.id) is c


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"category": "smell"}, "category"),
        ({"text": "bad"}, "text"),
        ({"text": "  \x00\x07 bad \x1b "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"contact": "c" * 201}, "contact"),
        ({"code": "https://sy.example.cn/01/123"}, "code"),
        ({"code": ""}, "code"),
        ({"photo": CleanPhoto(b"GIF89a", 10, 10, "image/gif")}, "photo"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    session: Session, runtime: Runtime, url: str, kw: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {"code": url, "category": "quality", "text": "The powder smells sour.", **kw}
    before = count(session, AuditEntry)
    with pytest.raises(InvalidInput) as info:
        complaints.file_complaint(session, runtime.ring, **args)  # type: ignore[arg-type]
    session.rollback()
    assert info.value.field == field
    assert count(session, Complaint) == 0 and count(session, AuditEntry) == before


def test_control_and_bidi_characters_are_stripped_and_markup_is_kept_raw(
    session: Session, runtime: Runtime, url: str
) -> None:
    c = file(
        session,
        runtime,
        url,
        text="  <b>Leaking</b>\x00 lid\u202e\r\nsecond line\x1b  ",
        contact=" me@example.cn\n\t ",
    )
    assert c.text == "<b>Leaking</b> lid\nsecond line" and c.contact == "me@example.cn"


def test_a_photo_is_stored_with_its_digest_and_size(session: Session, runtime: Runtime, url: str) -> None:
    data = b"\xff\xd8\xff" + b"jpeg" * 100
    c = file(session, runtime, url, photo=CleanPhoto(data, 640, 480))
    photo = session.scalars(select(ComplaintPhoto)).one()
    assert (photo.complaint_id, photo.width, photo.height, photo.media_type) == (c.id, 640, 480, "image/jpeg")
    assert photo.sha256 == hashlib.sha256(data).hexdigest() and photo.data == data


def test_references_are_unique_and_normalise_as_people_type_them(
    session: Session, runtime: Runtime, url: str
) -> None:
    refs = {file(session, runtime, url, device_hash=f"d{i}").reference for i in range(20)}
    assert len(refs) == 20
    ref = next(iter(refs))
    typed = " " + ref.lower().replace("0", "o").replace("1", "l") + " "
    assert complaints.normalise_reference(typed) == ref
    assert complaints.normalise_reference(ref[3:]) == ref
    for junk in ("", "TS-", "TS-UUUUUUUUUU", "TS-12345", "x" * 100, "TS-0123456789A"):
        assert complaints.normalise_reference(junk) is None


# --- rate limits ------------------------------------------------------------------------------


def test_a_device_files_at_most_five_complaints_an_hour(session: Session, runtime: Runtime, url: str) -> None:
    for _ in range(5):
        file(session, runtime, url, device_hash="phone")
    with pytest.raises(RateLimited) as info:
        file(session, runtime, url, device_hash="phone")
    assert info.value.code == "rate_limited"
    session.rollback()
    file(session, runtime, url, device_hash="other-phone")
    assert count(session, Complaint) == 6


def test_the_daily_limit_and_the_window_moving_on(session: Session, runtime: Runtime, url: str) -> None:
    limits = ComplaintLimits(per_hour=2, per_day=3)
    start = utcnow() - timedelta(hours=30)
    for hours in (0, 2, 4):
        file(session, runtime, url, device_hash="p", limits=limits, now=start + timedelta(hours=hours))
    with pytest.raises(RateLimited, match="per day"):
        file(session, runtime, url, device_hash="p", limits=limits, now=start + timedelta(hours=6))
    session.rollback()
    file(session, runtime, url, device_hash="p", limits=limits, now=start + timedelta(hours=25))


def test_cookieless_clients_share_one_bucket_with_its_own_limits(
    session: Session, runtime: Runtime, url: str
) -> None:
    limits = ComplaintLimits(per_hour=1, anonymous_per_hour=3)
    for _ in range(3):
        file(session, runtime, url, limits=limits)
    with pytest.raises(RateLimited, match="per hour"):
        file(session, runtime, url, limits=limits)


def test_limits_come_from_settings_over_the_defaults(tmp_path: Path) -> None:
    environ = {"SUYUAN_INSTANCE_DIR": str(tmp_path), "SUYUAN_COMPLAINTS_PER_DAY": "9"}
    policy = Settings.from_env(environ).policy
    limits = ComplaintLimits.from_mapping({**policy, "SUYUAN_COMPLAINTS_PER_HOUR": "2"})
    assert (limits.per_hour, limits.per_day, limits.anonymous_per_hour) == (2, 9, 10)
    with pytest.raises(ValueError):
        ComplaintLimits.from_mapping({"SUYUAN_COMPLAINTS_PER_HOUR": "0"})


# --- answers, triage and the status machine ----------------------------------------------------


def test_the_whole_life_of_an_upheld_complaint(
    session: Session, runtime: Runtime, world: World, batch: Batch, url: str
) -> None:
    c = file(session, runtime, url)
    complaints.set_status(session, world.regulator, c.id, "triaged")
    complaints.answer_complaint(session, world.merchant_staff, c.id, "We are sorry; a refund is on its way.")
    complaints.set_status(session, world.regulator, c.id, "upheld", "Lab confirms spoilage")
    complaints.set_status(session, world.regulator, c.id, "closed")
    session.commit()
    assert c.status.value == "closed"
    assert [(e.kind, e.status, e.public) for e in c.events] == [
        ("filed", "received", True),
        ("status", "triaged", True),
        ("answer", "answered", True),
        ("status", "upheld", True),
        ("note", "upheld", False),
        ("status", "closed", True),
    ]
    event = session.scalars(select(CreditEvent)).one()
    assert (event.enterprise_id, event.kind, event.source) == (
        world.merchant.id,
        CreditEventKind.COMPLAINT_UPHELD,
        f"complaint:{c.id}",
    )
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-6:] == [
        "complaint.filed",
        "complaint.status",
        "complaint.answered",
        "complaint.status",
        "credit.event",
        "complaint.status",
    ]
    assert audit.verify_chain(session).ok


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "closed"),
        ([], "upheld"),
        ([], "answered"),
        (["triaged"], "triaged"),
        (["triaged"], "received"),
        (["dismissed"], "upheld"),
        (["triaged", "upheld"], "dismissed"),
        (["dismissed", "closed"], "triaged"),
        (["dismissed", "closed"], "closed"),
    ],
)
def test_illegal_transitions_are_refused(
    session: Session, runtime: Runtime, world: World, url: str, path: list[str], illegal: str
) -> None:
    c = file(session, runtime, url)
    for step in path:
        complaints.set_status(session, world.regulator, c.id, step, "reason given")
    session.commit()
    with pytest.raises(InvalidState):
        complaints.set_status(session, world.regulator, c.id, illegal, "reason given")


def test_upholding_or_dismissing_needs_a_reason_and_unknown_statuses_are_input_errors(
    session: Session, runtime: Runtime, world: World, url: str
) -> None:
    c = file(session, runtime, url)
    complaints.set_status(session, world.regulator, c.id, "triaged")
    with pytest.raises(InvalidInput, match="say why"):
        complaints.set_status(session, world.regulator, c.id, "dismissed", "   ")
    with pytest.raises(InvalidInput):
        complaints.set_status(session, world.regulator, c.id, "lost")


def test_a_public_note_is_shown_to_the_consumer_an_internal_one_is_not(
    session: Session, runtime: Runtime, world: World, url: str
) -> None:
    c = file(session, runtime, url)
    complaints.set_status(
        session, world.regulator, c.id, "dismissed", "Not a product defect", public_note=True
    )
    complaints.add_note(session, world.regulator, c.id, "Caller known for repeated claims")
    session.commit()
    public = complaints.public_status(session, c.reference)
    assert [(e.kind, e.text) for e in public.events] == [("filed", ""), ("status", "Not a product defect")]
    assert len(complaints.visible_events(world.regulator, c)) == 3
    assert len(complaints.visible_events(world.merchant_staff, c)) == 2


def test_only_the_batch_merchant_answers_and_only_while_the_complaint_is_open(
    session: Session, runtime: Runtime, world: World, url: str
) -> None:
    c = file(session, runtime, url)
    with pytest.raises(NotFound):
        complaints.answer_complaint(session, world.merchant_b_staff, c.id, "Not ours at all.")
    with pytest.raises(PermissionDenied):
        complaints.answer_complaint(session, world.regulator, c.id, "Offices do not answer.")
    with pytest.raises(InvalidInput):
        complaints.answer_complaint(session, world.merchant_staff, c.id, "ok")
    complaints.answer_complaint(session, world.merchant_staff, c.id, "First answer here.")
    complaints.answer_complaint(session, world.merchant_staff, c.id, "And a follow-up.")
    complaints.set_status(session, world.regulator, c.id, "dismissed", "Answered well")
    with pytest.raises(InvalidState):
        complaints.answer_complaint(session, world.merchant_staff, c.id, "Too late now.")


def test_merchants_cannot_triage(session: Session, runtime: Runtime, world: World, url: str) -> None:
    c = file(session, runtime, url)
    with pytest.raises(PermissionDenied):
        complaints.set_status(session, world.merchant_staff, c.id, "triaged")
    with pytest.raises(PermissionDenied):
        complaints.add_note(session, world.merchant_staff, c.id, "hello")


def test_upholding_a_complaint_without_a_merchant_records_no_credit_event(
    session: Session, runtime: Runtime, world: World, batch: Batch, url: str
) -> None:
    c = file(session, runtime, forged_lot(url, batch))
    complaints.set_status(session, world.regulator, c.id, "triaged")
    complaints.set_status(session, world.regulator, c.id, "upheld", "A fake in circulation")
    session.commit()
    assert count(session, CreditEvent) == 0 and c.status.value == "upheld"


# --- who sees what ----------------------------------------------------------------------------


def test_merchants_see_their_own_offices_their_own_and_the_unassigned(
    session: Session, runtime: Runtime, world: World, batch: Batch, url: str
) -> None:
    other = make_other_office(session)
    theirs = make_batch(session, world, runtime.ring, count=2, owner="merchant_b")
    mine = file(session, runtime, url)
    b = file(session, runtime, code_urls(session, runtime.ring, theirs, 1, 1)[0])
    nobody = file(session, runtime, unknown_gtin(url, batch))
    assert complaints.list_complaints(session, world.merchant_staff) == [mine]
    assert complaints.list_complaints(session, world.merchant_b_staff) == [b]
    assert complaints.list_complaints(session, world.regulator) == [nobody, b, mine]
    assert complaints.list_complaints(session, other.regulator) == [nobody]
    assert complaints.list_complaints(session, OPERATOR, batch_id=batch.id) == [mine]
    with pytest.raises(NotFound):
        complaints.get_complaint(session, world.merchant_b_staff, mine.id)
    with pytest.raises(NotFound):
        complaints.get_complaint(session, other.regulator, mine.id)
    with pytest.raises(NotFound):
        complaints.set_status(session, other.regulator, mine.id, "triaged")
    with pytest.raises(NotFound):
        complaints.photo_of(session, world.merchant_staff, mine.id)
    with pytest.raises(PermissionDenied):
        complaints.list_complaints(session, ANONYMOUS)
    with pytest.raises(NotFound):
        complaints.get_complaint(session, ANONYMOUS, mine.id)


def test_lists_filter_by_status_newest_first_with_a_limit(
    session: Session, runtime: Runtime, world: World, url: str
) -> None:
    first, second, third = (file(session, runtime, url, device_hash=str(i)) for i in range(3))
    complaints.set_status(session, world.regulator, second.id, "triaged")
    session.commit()
    assert complaints.list_complaints(session, world.regulator, status="triaged") == [second]
    assert complaints.list_complaints(session, world.regulator, limit=2) == [third, second]
    with pytest.raises(InvalidInput):
        complaints.list_complaints(session, world.regulator, status="pending")
    with pytest.raises(InvalidInput):
        complaints.list_complaints(session, world.regulator, limit=0)
    assert first in complaints.list_complaints(session, world.regulator)


def test_the_reference_shows_status_and_public_events_never_contact_or_device(
    session: Session, runtime: Runtime, world: World, url: str
) -> None:
    c = file(session, runtime, url, contact="wechat: secret-handle", device_hash="device-xyz")
    complaints.answer_complaint(session, world.merchant_staff, c.id, "Please send us the lot photo.")
    session.commit()
    public = complaints.public_status(session, c.reference.lower())
    assert (public.reference, public.status.value, public.category.value) == (
        c.reference,
        "answered",
        "quality",
    )
    assert [e.text for e in public.events] == ["", "Please send us the lot photo."]
    assert "secret-handle" not in repr(public) and "device-xyz" not in repr(public)
    for bad in ("TS-0000000000", "nonsense", "'; drop table complaint; --"):
        with pytest.raises(NotFound):
            complaints.public_status(session, bad)


def test_contacts_of_a_batch_for_recall_notices(
    session: Session, runtime: Runtime, world: World, batch: Batch, url: str
) -> None:
    with_contact = file(session, runtime, url, contact="13800000000")
    file(session, runtime, url)
    forged = file(session, runtime, forged_serial(url), contact="fake@example.cn")
    file(session, runtime, forged_lot(url, batch), contact="elsewhere@example.cn")
    assert complaints.complaint_contacts(session, batch.id) == [
        (with_contact.reference, "13800000000"),
        (forged.reference, "fake@example.cn"),
    ]
    assert complaints.complaint_contacts(session, batch.id + 100) == []


def test_events_and_photos_go_with_nothing_else(session: Session, runtime: Runtime, url: str) -> None:
    c = file(session, runtime, url, photo=CleanPhoto(b"\xff\xd8\xff1", 1, 1))
    assert complaints.photos_of(session, [c.id])[c.id].sha256 == hashlib.sha256(b"\xff\xd8\xff1").hexdigest()
    assert complaints.photos_of(session, []) == {}
    assert count(session, ComplaintEvent) == 1
