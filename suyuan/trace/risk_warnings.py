"""Risk warnings (风险警示): an office publishes a warning to every office, its merchants and the public.

A warning has a level (``notice``, ``warning``, ``danger``), a title and body in Chinese with optional
English, and may be tied to goods: an HS code prefix, a product filing, a batch. Unlike recalls it is
not bound to a remit for reading: every regulator and every merchant sees every warning, and the active
ones are on the public notice board. A warning tied to goods may also **tighten control** of them
(SZ Art. 32): raise their sampling rate, require an inspection before release, hold their exits
until the office releases them (:func:`tightened_control`). Acting on it is: the product or batch it
names must lie within the publishing office's remit (goods of another office's remit answer as
unknown, since the warning would publish their name and lot), and only the publishing office
withdraws it; a withdrawn one stays on record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from suyuan.trace.fields import choice, text
from suyuan.trace.model import Batch, Product, RiskWarning, WarningLevel
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import covers, visible

MAX_TITLE, MAX_BODY = 200, 4000
M = TypeVar("M", Batch, Product)


@dataclass(frozen=True)
class WarningFiling:
    """What an office publishes; goods are optional (``hs_prefix`` 2-10 digits, dots allowed)."""

    level: str
    title: str
    body: str
    title_en: str = ""
    body_en: str = ""
    hs_prefix: str = ""
    product_id: int | None = None
    batch_id: int | None = None
    sampling_factor: int = 1
    require_inspection: bool = False
    hold_exits: bool = False


def publish_warning(session: Session, actor: Actor, filing: WarningFiling) -> RiskWarning:
    """Publish a warning from the actor's office to all offices and the public."""
    require_publisher(actor)
    product_id, batch_id = goods_named(session, actor, filing.product_id, filing.batch_id)
    warning = RiskWarning(
        office_id=actor.office_id,
        level=choice(WarningLevel, filing.level, "level"),
        title=_single_line(text(filing.title, "title", MAX_TITLE, required=True), "title"),
        title_en=_single_line(text(filing.title_en, "title_en", MAX_TITLE), "title_en"),
        body=text(filing.body, "body", MAX_BODY, required=True),
        body_en=text(filing.body_en, "body_en", MAX_BODY),
        hs_prefix=hs_prefix(filing.hs_prefix),
        product_id=product_id,
        batch_id=batch_id,
        published_at=utcnow(),
        published_by=actor.label,
        sampling_factor=_sampling_factor(filing.sampling_factor),
        require_inspection=bool(filing.require_inspection),
        hold_exits=bool(filing.hold_exits),
    )
    if _tightens(warning) and not (warning.hs_prefix or product_id or batch_id):
        raise InvalidInput(
            "tightened control needs goods: an HS prefix, a product or a batch", field="hs_prefix"
        )
    session.add(warning)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="warning.published",
        subject=f"warning:{warning.id}",
        payload={
            "level": warning.level.value,
            "title": warning.title,
            "office_id": warning.office_id,
            "hs_prefix": warning.hs_prefix,
            "product_id": product_id,
            "batch_id": batch_id,
            "sampling_factor": warning.sampling_factor,
            "require_inspection": warning.require_inspection,
            "hold_exits": warning.hold_exits,
        },
    )
    return warning


def _tightens(warning: RiskWarning) -> bool:
    return warning.sampling_factor > 1 or warning.require_inspection or warning.hold_exits


def require_publisher(actor: Actor) -> None:
    """Only a regulator of an office publishes (checked before the request is parsed)."""
    if not actor.is_regulator or actor.office_id is None:
        raise PermissionDenied("a risk warning is published by a regulator of an office")


def _single_line(value: str, name: str) -> str:
    if "\n" in value or "\t" in value:
        raise InvalidInput(f"{name} is one line", field=name)
    return value


def hs_prefix(value: str | None) -> str:
    """An HS prefix naming goods: 2-10 digits, dots dropped; empty names none."""
    digits = (value or "").strip().replace(".", "")
    if digits and not (digits.isascii() and digits.isdigit() and 2 <= len(digits) <= 10):
        raise InvalidInput("hs_prefix must be 2-10 digits of an HS code", field="hs_prefix")
    return digits


def goods_named(
    session: Session, actor: Actor, product_id: object, batch_id: object
) -> tuple[int | None, int | None]:
    """Check the optional product and batch lie within the office's remit and agree; a batch implies
    its product. Goods of another office's remit answer like goods that do not exist."""
    for name, value in (("product_id", product_id), ("batch_id", batch_id)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidInput(f"{name} must be a whole number", field=name)
    batch = _named(session, actor, Batch, batch_id, "batch_id")
    product = _named(session, actor, Product, product_id, "product_id")
    if batch is not None and product is not None and batch.product_id != product.id:
        raise InvalidInput(f"batch {batch.id} is not a batch of product {product.id}", field="batch_id")
    if batch is not None:
        return batch.product_id, batch.id
    return (product.id if product is not None else None), None


def _named(session: Session, actor: Actor, model: type[M], record_id: object, name: str) -> M | None:
    if not isinstance(record_id, int):
        return None
    try:
        return visible(session, actor, model, record_id)
    except NotFound as exc:
        raise InvalidInput(exc.message, field=name) from None


def withdraw_warning(session: Session, actor: Actor, warning_id: int, note: str = "") -> RiskWarning:
    """The publishing office withdraws its warning; it leaves the public list but stays on record."""
    warning = authorise_withdrawal(session, actor, warning_id)
    if warning.withdrawn_at is not None:
        raise InvalidState(f"warning {warning.id} was already withdrawn on {warning.withdrawn_at:%Y-%m-%d}")
    note = text(note, "note", 2000)
    warning.withdrawn_at, warning.withdrawn_by = utcnow(), actor.label
    audit.record(
        session,
        actor=actor.label,
        action="warning.withdrawn",
        subject=f"warning:{warning.id}",
        payload={"note": note},
    )
    return warning


def authorise_withdrawal(session: Session, actor: Actor, warning_id: int) -> RiskWarning:
    """The warning, if the actor's office published it (checked before the request is parsed)."""
    actor.require_regulator()
    warning = get_warning(session, actor, warning_id)
    if not covers(session, actor, RiskWarning, warning.id):  # every office reads it; its own acts on it
        raise PermissionDenied("only the office that published a warning withdraws it")
    return warning


def get_warning(session: Session, actor: Actor, warning_id: int) -> RiskWarning:
    """One warning, for regulators and merchants (the public sees the active ones only)."""
    _require_signed_in(actor)
    warning = session.get(RiskWarning, warning_id)
    if warning is None:
        raise NotFound(f"warning {warning_id} does not exist")
    return warning


def list_warnings(session: Session, actor: Actor, *, limit: int = 200) -> list[RiskWarning]:
    """Every warning of every office, withdrawn ones included, newest first."""
    _require_signed_in(actor)
    stmt = select(RiskWarning).order_by(RiskWarning.published_at.desc(), RiskWarning.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def active_warnings(session: Session, *, limit: int = 200) -> list[RiskWarning]:
    """The warnings in force, newest first: public."""
    stmt = (
        select(RiskWarning)
        .where(RiskWarning.withdrawn_at.is_(None))
        .order_by(RiskWarning.published_at.desc(), RiskWarning.id.desc())
    )
    return list(session.scalars(stmt.limit(limit)))


def warnings_for_code(session: Session, gtin: str, lot: str) -> list[RiskWarning]:
    """The active warnings covering the goods a scanned code names, genuine or not: public.

    A forged label copies a real product and lot, and its buyer needs the warning about them most; so
    the goods are found by GTIN and lot (else the GTIN's first product filing), not by the signature.
    """
    batch = session.scalar(select(Batch).filter_by(gtin=gtin, lot=lot))
    if batch is not None:
        return warnings_covering(session, batch.product, batch)
    product = session.scalar(select(Product).where(Product.gtin == gtin).order_by(Product.id).limit(1))
    return warnings_covering(session, product) if product is not None else []


def warnings_covering(
    session: Session, product: Product, batch: Batch | None = None, *, limit: int = 20
) -> list[RiskWarning]:
    """The active warnings that concern ``product`` (and ``batch`` of it): public, for its scan pages.

    A warning covers them when it names that batch, names the product (any of its batches), or names a
    prefix of the product's HS code; a warning naming other goods, or no goods at all, does not (it is
    on the notice board). Newest first.
    """
    hs_code = (product.hs_code or "").replace(".", "")
    prefixes = [hs_code[:n] for n in range(2, len(hs_code) + 1)]
    batch_id = batch.id if batch is not None else None
    stmt = (
        select(RiskWarning)
        .where(RiskWarning.withdrawn_at.is_(None))
        .where(
            or_(
                and_(RiskWarning.batch_id.is_not(None), RiskWarning.batch_id == batch_id),
                and_(RiskWarning.batch_id.is_(None), RiskWarning.product_id == product.id),
                and_(
                    RiskWarning.batch_id.is_(None),
                    RiskWarning.product_id.is_(None),
                    RiskWarning.hs_prefix.in_(prefixes),
                ),
            )
        )
        .order_by(RiskWarning.published_at.desc(), RiskWarning.id.desc())
    )
    return list(session.scalars(stmt.limit(limit)))


def _require_signed_in(actor: Actor) -> None:
    if not actor.is_regulator and actor.enterprise_id is None:
        raise PermissionDenied("sign in to see the full list of risk warnings")


MAX_SAMPLING_FACTOR = 10


@dataclass(frozen=True)
class Tightening:
    """The tightened control in force for a batch: the strictest measure of every covering warning.

    ``sampling_factor`` multiplies the batch's spot-check rate (1: no change), ``require_inspection``
    adds a passed inspection to its release gate, ``hold_exits`` asks the exit step to wait for the
    office (read by ``zone/exits``); ``warning_ids`` are the warnings that tighten, oldest first.
    """

    sampling_factor: int = 1
    require_inspection: bool = False
    hold_exits: bool = False
    warning_ids: tuple[int, ...] = ()

    @property
    def tightened(self) -> bool:
        """Whether any measure is in force."""
        return bool(self.warning_ids)


def tightened_control(session: Session, batch: Batch) -> Tightening:
    """The tightened control of ``batch`` (SZ Art. 32): from the active warnings covering it.

    This is the lookup the exit hold calls (``hold_exits``), the draw (``sampling_factor``) and the
    release gate (``require_inspection``) read; a withdrawn warning stops tightening at once.
    """
    covering = warnings_covering(session, batch.product, batch, limit=500)
    tightening = [w for w in covering if w.sampling_factor > 1 or w.require_inspection or w.hold_exits]
    if not tightening:
        return Tightening()
    return Tightening(
        sampling_factor=max(w.sampling_factor for w in tightening),
        require_inspection=any(w.require_inspection for w in tightening),
        hold_exits=any(w.hold_exits for w in tightening),
        warning_ids=tuple(sorted(w.id for w in tightening)),
    )


def _sampling_factor(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SAMPLING_FACTOR:
        raise InvalidInput(
            f"sampling_factor is a whole number 1-{MAX_SAMPLING_FACTOR}", field="sampling_factor"
        )
    return value
