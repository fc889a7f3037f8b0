"""Consumer complaints: filing one from a scanned code, its status machine, answers, triage and remit.

A consumer files a complaint from the code in their hand; nobody signs in. What makes it useful later is
kept at filing time, whatever the code turns out to be: the GTIN, lot and serial, the verdict, and the remit
(batch, office, merchant) copied from the batch the code names. A complaint about a fake is most useful
exactly when its code matched nothing, so it is kept too, and goes to the office that filed the GTIN's
product (or, if none or several offices did, to every office).

The life of a complaint (docs/complaints.md)::

    received ─┬─> triaged ─┬─> upheld ──> closed
              │            └─> dismissed ─> closed
              └─> dismissed
    (the merchant may answer while received, triaged or answered: the status becomes answered,
     from which the office upholds or dismisses)

The reference (``TS-`` and ten Crockford base32 characters from :mod:`secrets`) is the consumer's only
key: :func:`public_status` answers it with the status and the public events, never the contact or the
device. Anonymous filing is rate-limited per salted device hash (:class:`ComplaintLimits`); a filing
counts the device's complaints and inserts its own as one unit serialised per device (advisory lock on
PostgreSQL, write lock on SQLite: :func:`suyuan.trace.db.serialise`), so concurrent filings cannot all
pass on the same count.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, defer

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.codes import MAX_URL_LENGTH, CodeId, MalformedCode, ParsedCode, identity_path, parse_code
from suyuan.trace.db import serialise
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound, PermissionDenied, RateLimited
from suyuan.trace.fields import choice
from suyuan.trace.keys import KeyRing
from suyuan.trace.model import (
    Batch,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintPhoto,
    ComplaintStatus,
    CreditEventKind,
    Enterprise,
    Product,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import remit_filter, remit_of, visible
from suyuan.trace.scanning import CodeCheck, check_code
from suyuan.trace.verdicts import Reason
from suyuan.trace.zone import credit

REFERENCE_PREFIX = "TS-"
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
REFERENCE_LENGTH = 10  # 50 bits
TEXT_MIN, TEXT_MAX = 5, 2000
CONTACT_MAX = 200
NOTE_MAX = 2000
PHOTO_MEDIA_TYPES = frozenset({"image/jpeg"})
MAX_PHOTO_BYTES = 4 * 1024 * 1024  # a re-encoded photo of at most 2048 px a side is far below this
MAX_LIST = 500
CONSUMER = "consumer"

S = ComplaintStatus
TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    S.RECEIVED: frozenset({S.TRIAGED, S.DISMISSED}),
    S.TRIAGED: frozenset({S.UPHELD, S.DISMISSED}),
    S.ANSWERED: frozenset({S.UPHELD, S.DISMISSED}),
    S.UPHELD: frozenset({S.CLOSED}),
    S.DISMISSED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
"""What the office may move a complaint to from each status (answering is the merchant's move)."""
ANSWERABLE = frozenset({S.RECEIVED, S.TRIAGED, S.ANSWERED})
NEEDS_NOTE = frozenset({S.UPHELD, S.DISMISSED})
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class ComplaintLimits:
    """How many complaints one device may file: policy, not code (env / Flask config overrides).

    Complaints from clients that keep no device cookie all share the device ``""``, so that bucket has
    its own, larger limits: it is shared by every cookieless consumer.
    """

    per_hour: int = 5
    per_day: int = 20
    anonymous_per_hour: int = 10
    anonymous_per_day: int = 50

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any] | None = None) -> ComplaintLimits:
        """Limits from ``config`` (``Settings.policy``, or the Flask config) over the defaults.

        Keys: ``SUYUAN_COMPLAINTS_PER_HOUR``, ``SUYUAN_COMPLAINTS_PER_DAY``,
        ``SUYUAN_COMPLAINTS_ANONYMOUS_PER_HOUR``, ``SUYUAN_COMPLAINTS_ANONYMOUS_PER_DAY``.
        """
        merged: Mapping[str, Any] = config or {}
        defaults = cls()
        values = {
            name: _positive(merged.get(f"SUYUAN_COMPLAINTS_{name.upper()}"), getattr(defaults, name))
            for name in ("per_hour", "per_day", "anonymous_per_hour", "anonymous_per_day")
        }
        return cls(**values)


def _positive(value: Any, default: int) -> int:
    """A positive whole number setting; a malformed value is a configuration error, said at start-up."""
    if value is None or value == "":
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) >= 1:
        return int(value)
    raise ValueError(f"expected a positive whole number, got {value!r}")


@dataclass(frozen=True)
class CleanPhoto:
    """A photo already through the scanner's safety checks and re-encoded (``suyuan.scanner.photos``).

    The domain takes only this, never upload bytes: parsing untrusted images is the scanner's concern,
    and ``suyuan.trace`` must not depend on it.
    """

    data: bytes
    width: int
    height: int
    media_type: str = "image/jpeg"


@dataclass(frozen=True)
class PublicEvent:
    """One step of a complaint as its consumer sees it."""

    at: datetime
    kind: str
    status: str
    text: str


@dataclass(frozen=True)
class PublicStatus:
    """What the reference shows a consumer: never the contact, the device or the office's notes."""

    reference: str
    status: ComplaintStatus
    category: ComplaintCategory
    created_at: datetime
    updated_at: datetime
    gtin: str
    lot: str
    serial: str
    events: list[PublicEvent] = field(default_factory=list)


# --- filing ---------------------------------------------------------------------------------------


def file_complaint(
    session: Session,
    ring: KeyRing,
    code: str | ParsedCode,
    category: str,
    text: str,
    contact: str = "",
    photo: CleanPhoto | None = None,
    device_hash: str = "",
    region: str = "",
    *,
    limits: ComplaintLimits | None = None,
    now: datetime | None = None,
    accept_malformed: bool = False,
) -> Complaint:
    """File a consumer's complaint about the code ``code`` (a URL or an already parsed code).

    The code is verified (no scan is recorded: filing is not scanning) and its identity, verdict and
    remit are kept. Input is validated and the device's rate limit enforced before anything is written.

    With ``accept_malformed``, a text that is no code at all (a mistyped check digit, a cut-off link)
    is accepted as a ``counterfeit`` label: the most obviously fake labels must be reportable from the
    page that calls them fake. Whatever GTIN and lot the text names are kept, so an office can still
    find the goods it imitates; otherwise no office holds it, and every office sees it.
    """
    now = now or utcnow()
    kind = choice(ComplaintCategory, category, "category")
    body = clean_text(text, "text", TEXT_MAX, minimum=TEXT_MIN)
    contact = clean_text(contact, "contact", CONTACT_MAX, single_line=True)
    device_hash, region = device_hash[:32], clean_text(region, "region", 200, single_line=True)[:64]
    _check_photo(photo)
    serialise(session, "complaint-device", device_hash)  # the count and the insert: one unit per device
    enforce_rate_limit(session, device_hash, limits, now=now)
    parsed, url = _parsed(code, accept_malformed=accept_malformed)
    check = check_code(session, ring, parsed)
    batch, office_id, enterprise_id = _remit(session, check)
    complaint = Complaint(
        reference=_new_reference(session),
        batch_id=batch.id if batch else None,
        office_id=office_id,
        enterprise_id=enterprise_id,
        gtin=parsed.code.gtin[:14],
        lot=parsed.code.lot[:20],
        serial=parsed.code.serial[:20],
        code_url=url,
        verdict=check.verdict.value,
        category=kind,
        text=body,
        contact=contact,
        device_hash=device_hash,
        region=region,
        status=S.RECEIVED,
        created_at=now,
        updated_at=now,
    )
    session.add(complaint)
    session.flush()
    if photo is not None:
        session.add(_photo_row(complaint, photo))
    _event(session, complaint, CONSUMER, "filed", S.RECEIVED, "", public=True, now=now)
    audit.record(
        session,
        actor=CONSUMER,
        action="complaint.filed",
        subject=f"complaint:{complaint.id}",
        payload={  # never the consumer's text or contact: the chain cannot forget personal data
            "reference": complaint.reference,
            "category": kind.value,
            "verdict": complaint.verdict,
            "batch_id": complaint.batch_id,
            "office_id": office_id,
            "enterprise_id": enterprise_id,
            "photo": photo is not None,
            "contact": bool(contact),
        },
    )
    return complaint


def enforce_rate_limit(
    session: Session, device_hash: str, limits: ComplaintLimits | None = None, *, now: datetime | None = None
) -> None:
    """Refuse a device that filed too many complaints in the last hour or day (:class:`RateLimited`).

    Public so the web edge can refuse early, before spending time on an uploaded photo; filing checks
    again inside its own transaction, holding the device's lock from the count to the insert.
    """
    limits = limits or ComplaintLimits()
    now = now or utcnow()
    per_hour, per_day = (
        (limits.per_hour, limits.per_day)
        if device_hash
        else (limits.anonymous_per_hour, limits.anonymous_per_day)
    )
    mine = Complaint.device_hash == device_hash[:32]
    for window, most in ((timedelta(hours=1), per_hour), (timedelta(days=1), per_day)):
        count = session.scalar(
            select(func.count()).select_from(Complaint).where(mine, Complaint.created_at > now - window)
        )
        if int(count or 0) >= most:
            span = "hour" if window == timedelta(hours=1) else "day"
            raise RateLimited(f"at most {most} complaints per device per {span}; please try again later")


def clean_text(
    value: str | None, name: str, max_length: int, *, minimum: int = 0, single_line: bool = False
) -> str:
    """Text with control and bidi-override characters removed and spaces stripped, within length bounds.

    Control characters are removed rather than refused: a consumer pasting from a chat app should not
    fail on an invisible character. Text is stored raw otherwise; escaping is the templates' job.
    Input longer than twice ``max_length`` (plus 100) is refused before it is walked character by
    character: so much of it could not be spaces and control characters in any real text, and a
    megabyte-long form field must cost nothing.
    """
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{name} must be text", field=name)
    if value is not None and len(value) > 2 * max_length + 100:
        raise InvalidInput(f"{name} is longer than {max_length} characters", field=name)
    raw = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        raw = raw.replace("\n", " ").replace("\t", " ")
    kept = "".join(
        c
        for c in raw
        if c in "\n\t" or (unicodedata.category(c) not in ("Cc", "Cs") and c not in _BIDI_CONTROLS)
    )
    cleaned = kept.strip()
    if len(cleaned) < minimum:
        raise InvalidInput(f"{name} needs at least {minimum} characters", field=name)
    if len(cleaned) > max_length:
        raise InvalidInput(f"{name} is longer than {max_length} characters", field=name)
    return cleaned


def _check_photo(photo: CleanPhoto | None) -> None:
    if photo is None:
        return
    if photo.media_type not in PHOTO_MEDIA_TYPES or not photo.data or len(photo.data) > MAX_PHOTO_BYTES:
        raise InvalidInput("the photo must be a re-encoded JPEG of at most 4 MB", field="photo")
    if not (0 < photo.width <= 4096 and 0 < photo.height <= 4096):
        raise InvalidInput("the photo's dimensions are out of range", field="photo")


def _photo_row(complaint: Complaint, photo: CleanPhoto) -> ComplaintPhoto:
    return ComplaintPhoto(
        complaint_id=complaint.id,
        media_type=photo.media_type,
        sha256=hashlib.sha256(photo.data).hexdigest(),
        width=photo.width,
        height=photo.height,
        data=photo.data,
    )


def _parsed(code: str | ParsedCode, *, accept_malformed: bool = False) -> tuple[ParsedCode, str]:
    """The parsed code and the URL to keep (the path alone when only a parsed code was given)."""
    if isinstance(code, ParsedCode):
        return code, identity_path(code.code)
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("code is required: the URL of the scanned code", field="code")
    try:
        return parse_code(code.strip()), code.strip()
    except MalformedCode as exc:
        if not accept_malformed:
            raise InvalidInput(f"code is not a traceability code: {exc}", field="code") from exc
        url = code.strip()[:MAX_URL_LENGTH]
        return ParsedCode(_claimed_identity(url), None, None, Reason.MALFORMED_CODE.value), url


_CLAIMED = re.compile(r"/01/([0-9]{1,14})(?:/10/([^/?#]{1,20}))?(?:/21/([^/?#]{1,20}))?")


def _claimed_identity(url: str) -> CodeId:
    """The GTIN, lot and serial a malformed code text names, as far as it names them ("" otherwise)."""
    found = _CLAIMED.search(url)
    if found is None:
        return CodeId("", "", "")
    gtin, lot, serial = found.groups()
    return CodeId(gtin, unquote(lot or ""), unquote(serial or ""))


def _remit(session: Session, check: CodeCheck) -> tuple[Batch | None, int | None, int | None]:
    """Batch, office and merchant a complaint belongs to.

    The batch the code names, even when its signature failed: a forged label copying a real lot is
    evidence about that lot. Without one, the office of the GTIN's product filings if they agree on one
    office; otherwise no office, which every office sees.
    """
    batch = check.batch or session.scalar(select(Batch).filter_by(gtin=check.code.gtin, lot=check.code.lot))
    if batch is not None:
        enterprise = batch.product.enterprise
        return batch, enterprise.office_id, enterprise.id
    offices = set(
        session.scalars(
            select(Enterprise.office_id)
            .join(Product, Product.enterprise_id == Enterprise.id)
            .where(Product.gtin == check.code.gtin)
            .distinct()
        )
    )
    return None, (offices.pop() if len(offices) == 1 else None), None


def _new_reference(session: Session) -> str:
    """A fresh ``TS-XXXXXXXXXX``; 50 random bits, so a collision is retried, never expected."""
    for _ in range(8):
        reference = REFERENCE_PREFIX + "".join(
            secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)
        )
        if session.scalar(select(Complaint.id).filter_by(reference=reference)) is None:
            return reference
    raise InvalidState("could not draw a unique complaint reference; please retry")  # pragma: no cover


def normalise_reference(text: str) -> str | None:
    """The canonical form of a reference as a person may type it, or ``None`` if it cannot be one.

    Case and hyphens do not matter; O reads as 0 and I or L as 1, as Crockford base32 prescribes.
    """
    cleaned = "".join(text.split()).upper().replace("-", "")
    if len(cleaned) > 32:
        return None
    body = cleaned.removeprefix(REFERENCE_PREFIX.rstrip("-"))
    body = body.translate(str.maketrans("OIL", "011"))
    if len(body) != REFERENCE_LENGTH or any(c not in REFERENCE_ALPHABET for c in body):
        return None
    return REFERENCE_PREFIX + body


# --- who sees what ------------------------------------------------------------------------------


def get_complaint(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    """One complaint within the actor's remit (:mod:`suyuan.trace.remit`: a merchant its own goods', an
    office its own and the unassigned); others answer :class:`NotFound` so existence is not revealed."""
    return visible(session, actor, Complaint, complaint_id)


def list_complaints(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    batch_id: int | None = None,
    limit: int = 100,
) -> list[Complaint]:
    """The actor's complaints, newest first, optionally of one status or one batch."""
    where: list[ColumnElement[bool]] = [remit_filter(remit_of(session, actor), Complaint)]
    if status:
        where.append(Complaint.status == choice(ComplaintStatus, status, "status"))
    if batch_id is not None:
        where.append(Complaint.batch_id == batch_id)
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}", field="limit")
    query = select(Complaint).where(*where).order_by(Complaint.created_at.desc(), Complaint.id.desc())
    return list(session.scalars(query.limit(limit)))


def photo_of(session: Session, actor: Actor, complaint_id: int) -> ComplaintPhoto:
    """The photo of a complaint the actor may see."""
    complaint = get_complaint(session, actor, complaint_id)
    if complaint.photo is None:
        raise NotFound(f"complaint {complaint_id} has no photo")
    return complaint.photo


def photos_of(session: Session, complaint_ids: list[int]) -> dict[int, ComplaintPhoto]:
    """The photos' sizes and digests for a page of complaints, without loading the image bytes."""
    if not complaint_ids:
        return {}
    rows = session.scalars(
        select(ComplaintPhoto)
        .where(ComplaintPhoto.complaint_id.in_(complaint_ids))
        .options(defer(ComplaintPhoto.data))
    )
    return {p.complaint_id: p for p in rows}


def visible_events(actor: Actor, complaint: Complaint) -> list[ComplaintEvent]:
    """A complaint's timeline for ``actor``: offices see their internal notes too, merchants only the
    public events (they must not read what the office notes about them)."""
    return [e for e in complaint.events if e.public or actor.is_regulator]


def public_status(session: Session, reference: str) -> PublicStatus:
    """What a consumer sees under their reference: status, category, dates and public events only."""
    canonical = normalise_reference(reference) if isinstance(reference, str) else None
    complaint = (
        session.scalar(select(Complaint).filter_by(reference=canonical)) if canonical is not None else None
    )
    if complaint is None:
        raise NotFound("no complaint has this reference")
    return PublicStatus(
        reference=complaint.reference,
        status=complaint.status,
        category=complaint.category,
        created_at=complaint.created_at,
        updated_at=complaint.updated_at,
        gtin=complaint.gtin,
        lot=complaint.lot,
        serial=complaint.serial,
        events=[PublicEvent(e.at, e.kind, e.status, e.text) for e in complaint.events if e.public],
    )


def complaint_contacts(session: Session, batch_id: int) -> list[tuple[str, str]]:
    """``(reference, contact)`` of the complaints on a batch that left a contact, oldest first.

    For notifying consumers of a recall; the caller decides who may read them.
    """
    rows = session.execute(
        select(Complaint.reference, Complaint.contact)
        .where(Complaint.batch_id == batch_id, Complaint.contact != "")
        .order_by(Complaint.created_at, Complaint.id)
    )
    return [(reference, contact) for reference, contact in rows]


# --- answering and triage -----------------------------------------------------------------------


def complaint_to_answer(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    """The complaint if ``actor`` may answer it (its batch's merchant): 404 outside the remit, else 403.

    Public so an edge can refuse a caller before looking at what they sent.
    """
    complaint = get_complaint(session, actor, complaint_id)
    if not actor.is_merchant:  # a merchant who sees it (its remit) is the batch's merchant
        raise PermissionDenied("only the merchant of the batch answers a complaint")
    return complaint


def complaint_to_decide(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    """The complaint if ``actor`` may triage and decide it (an office of its remit): 404 outside, else 403."""
    complaint = get_complaint(session, actor, complaint_id)
    actor.require_regulator()
    return complaint


def answer_complaint(
    session: Session, actor: Actor, complaint_id: int, text: str, *, now: datetime | None = None
) -> Complaint:
    """The batch's merchant answers the consumer (a public event); the complaint becomes ``answered``."""
    complaint = complaint_to_answer(session, actor, complaint_id)
    answer = clean_text(text, "text", TEXT_MAX, minimum=TEXT_MIN)
    if complaint.status not in ANSWERABLE:
        raise InvalidState(f"a {complaint.status.value} complaint can no longer be answered")
    now = now or utcnow()
    old = complaint.status
    complaint.status, complaint.updated_at = S.ANSWERED, now
    _event(session, complaint, actor.label, "answer", S.ANSWERED, answer, public=True, now=now)
    audit.record(
        session,
        actor=actor.label,
        action="complaint.answered",
        subject=f"complaint:{complaint.id}",
        payload={"status": [old.value, S.ANSWERED.value], "text": answer},
    )
    return complaint


def set_status(
    session: Session,
    actor: Actor,
    complaint_id: int,
    status: str,
    note: str = "",
    *,
    public_note: bool = False,
    now: datetime | None = None,
) -> Complaint:
    """The office moves a complaint along :data:`TRANSITIONS`, with a note (required to uphold or dismiss).

    The status change is public; the note is internal unless ``public_note``. Upholding records a
    ``complaint_upheld`` credit event against the merchant, if the complaint has one.
    """
    complaint = complaint_to_decide(session, actor, complaint_id)
    new = choice(ComplaintStatus, status, "status")
    text = clean_text(note, "note", NOTE_MAX)
    if new not in TRANSITIONS[complaint.status]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[complaint.status])) or "nothing"
        raise InvalidState(
            f"a {complaint.status.value} complaint cannot become {new.value} (allowed: {allowed})"
        )
    if new in NEEDS_NOTE and not text:
        raise InvalidInput(f"say why the complaint is {new.value}", field="note")
    now = now or utcnow()
    old = complaint.status
    complaint.status, complaint.updated_at = new, now
    _event(session, complaint, actor.label, "status", new, text if public_note else "", public=True, now=now)
    if text and not public_note:
        _event(session, complaint, actor.label, "note", new, text, public=False, now=now)
    audit.record(
        session,
        actor=actor.label,
        action="complaint.status",
        subject=f"complaint:{complaint.id}",
        payload={"status": [old.value, new.value], "note": text, "public_note": public_note},
    )
    if new is S.UPHELD and complaint.enterprise_id is not None:
        enterprise = session.get(Enterprise, complaint.enterprise_id)
        assert enterprise is not None
        credit.add_event(
            session,
            actor,
            enterprise,
            CreditEventKind.COMPLAINT_UPHELD,
            source=f"complaint:{complaint.id}",
            now=now,
        )
    return complaint


def add_note(
    session: Session, actor: Actor, complaint_id: int, note: str, *, now: datetime | None = None
) -> Complaint:
    """The office adds an internal note without changing the status (allowed in any status)."""
    complaint = complaint_to_decide(session, actor, complaint_id)
    text = clean_text(note, "note", NOTE_MAX, minimum=1)
    now = now or utcnow()
    complaint.updated_at = now
    _event(session, complaint, actor.label, "note", complaint.status, text, public=False, now=now)
    audit.record(
        session,
        actor=actor.label,
        action="complaint.note",
        subject=f"complaint:{complaint.id}",
        payload={"note": text},
    )
    return complaint


def _event(
    session: Session,
    complaint: Complaint,
    actor: str,
    kind: str,
    status: ComplaintStatus,
    text: str,
    *,
    public: bool,
    now: datetime,
) -> ComplaintEvent:
    event = ComplaintEvent(
        complaint=complaint, at=now, actor=actor, kind=kind, status=status.value, text=text, public=public
    )
    session.add(event)
    session.flush()
    return event
