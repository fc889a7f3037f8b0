"""Find the batch a person means from what they have at hand: a batch number, a code, or a lot link.

An officer holding a complaint, a suspicious parcel or a photo of a label wants the batch's trace at
once. What they paste may be a batch id, a full code URL (signed or not: a forged code still names a
real lot), a GS1 Digital Link to the lot (``/01/{gtin}/10/{lot}``), or such a path without the host.
Only the identity matters here; whether the code is genuine is the scan's business. A batch outside
the actor's remit answers ``NotFound`` exactly like one that does not exist.

:func:`find_batches` is the officer's one search box: besides the above it takes a GS1 element string,
a complaint reference, a GTIN, a lot, an order number, an enterprise's name or USCC and a product's or
supplier's name, and answers every batch of the remit that matches (none, one or several).
"""

from __future__ import annotations

import contextlib
import enum
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from suyuan.trace import complaints
from suyuan.trace.actors import Actor
from suyuan.trace.codes import MAX_URL_LENGTH, MalformedCode, parse_code
from suyuan.trace.digital_link import DigitalLinkError, parse_digital_link
from suyuan.trace.errors import InvalidInput, NotFound
from suyuan.trace.identifiers import normalize_gtin
from suyuan.trace.model import Batch, Complaint, Enterprise, ExitDeclaration, ExitLine, Product, Supplier
from suyuan.trace.remit import Remit, remit_filter, remit_of, visible, within_remit

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


# --- the officer's search box -------------------------------------------------------------------


class Match(enum.StrEnum):
    """Which kind of identifier a search hit was found by (shown beside the hit, translated)."""

    BATCH_ID = "batch_id"
    CODE = "code"
    ELEMENT_STRING = "element_string"
    COMPLAINT = "complaint"
    GTIN = "gtin"
    LOT = "lot"
    ORDER = "order"
    ENTERPRISE = "enterprise"
    PRODUCT = "product"
    SUPPLIER = "supplier"


@dataclass(frozen=True)
class Hit:
    """One batch the search found, and what it matched."""

    batch: Batch
    matched: Match


MAX_HITS = 50
_ELEMENT = re.compile(r"\((\d{2,4})\)([^()]*)")


def find_batches(session: Session, actor: Actor, text: str, *, limit: int = MAX_HITS) -> list[Hit]:
    """Every batch within the actor's remit that ``text`` names, best kind of match first.

    An officer types whatever is at hand: a batch number (``12`` or ``#12``), a code URL or a lot
    link, a GS1 element string ``(01)…(10)…``, a complaint reference ``TS-…``, a GTIN, a lot, an order
    number, an enterprise's name or USCC, a product's or supplier's name (any part of it, Chinese or
    English). Exact identifiers answer alone; free text is tried against every kind of record. Records
    outside the remit are never matched, so a search reveals nothing of other offices' goods.
    """
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("enter a code, a lot, a GTIN, a reference, an order number or a name", field="q")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidInput(f"at most {MAX_URL_LENGTH} characters", field="q")
    remit = remit_of(session, actor)
    visible_batches = within_remit(select(Batch.id), remit, Batch)
    if "/" in text:  # a code URL, a lot link or its path: one batch or none
        gtin, lot = _gtin_and_lot(text)
        return _hits(session, Match.CODE, visible_batches.where(Batch.gtin == gtin, Batch.lot == lot), limit)
    if text.startswith("("):
        return _hits(session, Match.ELEMENT_STRING, _element_string(text, visible_batches), limit)
    reference = complaints.normalise_reference(text) if text.upper().startswith("TS") else None
    if reference is not None:
        complaint = select(Complaint.batch_id).where(
            Complaint.reference == reference, remit_filter(remit, Complaint)
        )
        return _hits(session, Match.COMPLAINT, visible_batches.where(Batch.id.in_(complaint)), limit)
    found: list[Hit] = []
    for kind, stmt in _free_text(text, visible_batches, remit):
        if found and kind in _NAME_MATCHES and found[0].matched not in _NAME_MATCHES:
            break  # an exact identifier (number, GTIN, lot, order) answers alone, without name look-alikes
        for hit in _hits(session, kind, stmt, limit):
            if all(hit.batch.id != seen.batch.id for seen in found):
                found.append(hit)
    return found[:limit]


def batches_of(
    session: Session, actor: Actor, *, supplier_id: int | None = None, enterprise_id: int | None = None
) -> list[Batch]:
    """The batches of one supplier or one merchant within the actor's remit, newest first (the trace
    page links a supplier to its other batches, across the office's merchants)."""
    stmt = within_remit(select(Batch), remit_of(session, actor), Batch).order_by(Batch.id.desc())
    if supplier_id is not None:
        stmt = stmt.where(Batch.supplier_id == supplier_id)
    if enterprise_id is not None:
        own = select(Product.id).where(Product.enterprise_id == enterprise_id)
        stmt = stmt.where(Batch.product_id.in_(own))
    return list(session.scalars(stmt.limit(500)))


_NAME_MATCHES = frozenset({Match.ENTERPRISE, Match.PRODUCT, Match.SUPPLIER})


def _hits(session: Session, kind: Match, ids: Select[Any], limit: int) -> list[Hit]:
    stmt = select(Batch).where(Batch.id.in_(ids)).order_by(Batch.id.desc()).limit(limit)
    return [Hit(batch, kind) for batch in session.scalars(stmt)]


def _element_string(text: str, visible_batches: Select[Any]) -> Select[Any]:
    """``(01)09421234560015(10)L2611A`` (spaces allowed): the GTIN's batches, or the one lot."""
    compact = text.replace(" ", "")
    pairs = dict(_ELEMENT.findall(compact))
    if "".join(f"({ai}){value}" for ai, value in _ELEMENT.findall(compact)) != compact or "01" not in pairs:
        raise InvalidInput("a GS1 element string names a GTIN (01), e.g. (01)…(10)…", field="q")
    stmt = visible_batches.where(Batch.gtin == normalize_gtin(pairs["01"]))
    return stmt.where(Batch.lot == pairs["10"]) if "10" in pairs else stmt


def _free_text(text: str, visible_batches: Select[Any], remit: Remit) -> list[tuple[Match, Select[Any]]]:
    """The queries a free-text search runs, strongest kind of match first."""
    queries: list[tuple[Match, Select[Any]]] = []
    number = text.removeprefix("#")
    if number.isascii() and number.isdigit() and len(number) <= 9:
        queries.append((Match.BATCH_ID, visible_batches.where(Batch.id == int(number))))
    if text.isascii() and text.isdigit() and len(text) in (8, 12, 13, 14):
        with contextlib.suppress(InvalidInput):  # digits that are no GTIN may still be a lot or an order
            queries.append((Match.GTIN, visible_batches.where(Batch.gtin == normalize_gtin(text))))
    queries.append((Match.LOT, visible_batches.where(func.upper(Batch.lot) == text.upper())))
    orders = (
        select(ExitLine.batch_id)
        .join(ExitDeclaration, ExitDeclaration.id == ExitLine.declaration_id)
        .where(func.upper(ExitDeclaration.order_no) == text.upper(), remit_filter(remit, ExitDeclaration))
    )
    queries.append((Match.ORDER, visible_batches.where(Batch.id.in_(orders))))
    needle = text.lower()
    enterprises = select(Enterprise.id).where(
        or_(
            Enterprise.uscc == text.upper(),
            _contains(Enterprise.name, needle),
            _contains(Enterprise.name_en, needle),
        )
    )
    products_of = select(Product.id).where(Product.enterprise_id.in_(enterprises))
    queries.append((Match.ENTERPRISE, visible_batches.where(Batch.product_id.in_(products_of))))
    names = or_(_contains(Product.name, needle), _contains(Product.name_en, needle))
    products = select(Product.id).where(names)
    queries.append((Match.PRODUCT, visible_batches.where(Batch.product_id.in_(products))))
    suppliers = select(Supplier.id).where(_contains(Supplier.name, needle))
    queries.append((Match.SUPPLIER, visible_batches.where(Batch.supplier_id.in_(suppliers))))
    return queries


def _contains(column: Any, needle: str) -> ColumnElement[bool]:
    """Case-insensitive substring match with ``%`` and ``_`` taken literally."""
    return func.lower(column).contains(needle, autoescape=True)  # type: ignore[no-any-return]
