"""Find the batch a person means from what they have at hand: a batch number, a code, or a lot link.

An officer holding a complaint, a suspicious parcel or a photo of a label wants the batch's trace at
once. What they paste may be a batch id, a full code URL (signed or not: a forged code still names a
real lot), a GS1 Digital Link to the lot (``/01/{gtin}/10/{lot}``), or such a path without the host.
Only the identity matters here; whether the code is genuine is the scan's business. A batch outside
the actor's remit answers ``NotFound`` exactly like one that does not exist.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.codes import MAX_URL_LENGTH, MalformedCode, parse_code
from suyuan.trace.digital_link import DigitalLinkError, parse_digital_link
from suyuan.trace.errors import InvalidInput, NotFound
from suyuan.trace.model import Batch
from suyuan.trace.remit import visible

_PLACEHOLDER_HOST = "https://id.invalid"  # lets a pasted path go through the Digital Link parser


def batch_for_reference(session: Session, actor: Actor, text: str) -> Batch:
    """The batch named by ``text`` (a batch id, a code URL, a lot link or its path) within the remit."""
    text = text.strip()
    if not text:
        raise InvalidInput("enter a code, a link to a lot, or a batch number", field="q")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidInput(f"at most {MAX_URL_LENGTH} characters", field="q")
    if text.isascii() and text.isdigit():
        return visible(session, actor, Batch, int(text))
    gtin, lot = _gtin_and_lot(text)
    batch_id = session.scalar(select(Batch.id).filter_by(gtin=gtin, lot=lot))
    try:
        return visible(session, actor, Batch, batch_id or 0)
    except NotFound:  # unknown or outside the remit: one answer, and it names no batch id
        raise NotFound(f"no batch {lot} of GTIN {gtin} is registered") from None


def _gtin_and_lot(text: str) -> tuple[str, str]:
    """GTIN and lot from a code (the usual case) or from a Digital Link that stops at the lot."""
    url = _PLACEHOLDER_HOST + text if text.startswith("/") else text
    try:
        code = parse_code(url).code
        return code.gtin, code.lot
    except MalformedCode as exc:
        if exc.reason != "not_a_serialised_item":
            raise InvalidInput(f"not a code or a link to a lot: {exc}", field="q") from None
    try:
        link = parse_digital_link(url)
    except DigitalLinkError as exc:  # pragma: no cover - parse_code already refused what this refuses
        raise InvalidInput(f"not a code or a link to a lot: {exc}", field="q") from None
    lot = link.get("10")
    if link.primary[0] != "01" or lot is None:
        raise InvalidInput("a link must name a GTIN (01) and a lot (10)", field="q")
    return link.primary[1], lot
