"""Sanctions and credit publicity (SZ Art. 30, CQ §2(2)3; R64, R65).

An office **suspends** or **revokes** an enterprise's filing or one product's admission, and lifts a
suspension; a revocation is final. Each decision is a ``sanction`` row with its reason, date and office,
and an audit entry in the same transaction. A sanctioned enterprise or product is blocked from entry
declarations, exits and new codes by :func:`require_trading`, which the use cases call (entry,
``register_batch``, exits, ``issue_codes``); goods already sold keep scanning genuine unless a recall
says otherwise, because scanning never looks at sanctions.

The **abnormal-operations** and **serious-violators** lists name enterprises with a reason, date and
office; an office removes an entry (kept, with the removal). :func:`public_credit` is what anyone may
read: each filed merchant's name, USCC, grade and current list entries, nothing internal (no notes,
points, sanction reasons or people). Separate from ``zone.credit`` because the grade is computed from
events while these are decisions an office takes and publishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.errors import AdmissionSanctioned, FilingSanctioned, InvalidState, NotFound
from suyuan.trace.fields import choice, text
from suyuan.trace.model import (
    CreditListEntry,
    CreditListKind,
    Enterprise,
    EnterpriseKind,
    FilingStatus,
    Product,
    Sanction,
    SanctionAction,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.registry import get_enterprise, get_product
from suyuan.trace.remit import remit_of, within_enterprises

MAX_REASON = 2000
# What each action turns a status into, from the statuses it may start from (revoked is final).
_TRANSITIONS: dict[SanctionAction, tuple[frozenset[FilingStatus], FilingStatus]] = {
    SanctionAction.SUSPEND: (frozenset({FilingStatus.FILED}), FilingStatus.SUSPENDED),
    SanctionAction.REVOKE: (frozenset({FilingStatus.FILED, FilingStatus.SUSPENDED}), FilingStatus.REVOKED),
    SanctionAction.LIFT: (frozenset({FilingStatus.SUSPENDED}), FilingStatus.FILED),
}


def require_trading(enterprise: Enterprise, product: Product | None = None) -> None:
    """Refuse a use case that moves or marks goods of a sanctioned enterprise or product.

    Called by entry declarations, batch registration, exit declarations and code issuance, so that a
    suspension or revocation takes effect everywhere at once (SZ Art. 30).
    """
    if enterprise.filing_status is not FilingStatus.FILED:
        raise FilingSanctioned(
            f"the filing of enterprise {enterprise.id} is {enterprise.filing_status.value}: "
            "it may not declare goods, let them leave or issue codes"
        )
    if product is not None and product.sanction_status is not FilingStatus.FILED:
        raise AdmissionSanctioned(
            f"the admission of product {product.id} is {product.sanction_status.value}: "
            "its goods may not enter, leave or get new codes"
        )


def sanction_enterprise(
    session: Session,
    actor: Actor,
    enterprise_id: int,
    action: str,
    reason: str,
    *,
    now: datetime | None = None,
) -> Sanction:
    """The office suspends or revokes an enterprise's filing, or lifts its suspension, with a reason."""
    actor.require_regulator()
    enterprise = get_enterprise(session, actor, enterprise_id)
    act, why = _decision(action, reason)
    enterprise.filing_status = _next_status(act, enterprise.filing_status, f"enterprise {enterprise.id}")
    return _record(session, actor, enterprise, None, act, why, now)


def sanction_product(
    session: Session, actor: Actor, product_id: int, action: str, reason: str, *, now: datetime | None = None
) -> Sanction:
    """The office suspends or revokes one product's admission, or lifts its suspension, with a reason."""
    actor.require_regulator()
    product = get_product(session, actor, product_id)
    act, why = _decision(action, reason)
    product.sanction_status = _next_status(act, product.sanction_status, f"product {product.id}")
    return _record(session, actor, product.enterprise, product, act, why, now)


def _decision(action: str, reason: str) -> tuple[SanctionAction, str]:
    return choice(SanctionAction, action, "action"), text(reason, "reason", MAX_REASON, required=True)


def _next_status(action: SanctionAction, current: FilingStatus, what: str) -> FilingStatus:
    allowed, target = _TRANSITIONS[action]
    if current not in allowed:
        raise InvalidState(f"{what} is {current.value}: it cannot be {action.value}ed now")
    return target


def _record(
    session: Session,
    actor: Actor,
    enterprise: Enterprise,
    product: Product | None,
    action: SanctionAction,
    reason: str,
    now: datetime | None,
) -> Sanction:
    sanction = Sanction(
        enterprise_id=enterprise.id,
        product_id=product.id if product else None,
        action=action,
        reason=reason,
        office_id=enterprise.office_id,
        decided_at=now or utcnow(),
        decided_by=actor.label,
    )
    session.add(sanction)
    session.flush()
    subject = f"product:{product.id}" if product else f"enterprise:{enterprise.id}"
    status = product.sanction_status if product else enterprise.filing_status
    audit.record(
        session,
        actor=actor.label,
        action=f"sanction.{action.value}",
        subject=subject,
        payload={"sanction": sanction.id, "status": status.value, "reason": reason},
    )
    return sanction


def list_sanctions(session: Session, actor: Actor, enterprise_id: int) -> list[Sanction]:
    """The decisions against one enterprise and its products, newest first (office and the enterprise)."""
    enterprise = get_enterprise(session, actor, enterprise_id)
    stmt = select(Sanction).filter_by(enterprise_id=enterprise.id).order_by(Sanction.id.desc())
    return list(session.scalars(stmt))


def add_to_list(
    session: Session,
    actor: Actor,
    enterprise_id: int,
    list_kind: str,
    reason: str,
    *,
    now: datetime | None = None,
) -> CreditListEntry:
    """The office puts an enterprise on the abnormal-operations or serious-violators list."""
    actor.require_regulator()
    enterprise = get_enterprise(session, actor, enterprise_id)
    kind = choice(CreditListKind, list_kind, "list")
    why = text(reason, "reason", MAX_REASON, required=True)
    if _open_entry(session, enterprise.id, kind) is not None:
        raise InvalidState(f"enterprise {enterprise.id} is already on the {kind.value} list")
    entry = CreditListEntry(
        enterprise_id=enterprise.id,
        list_kind=kind,
        reason=why,
        office_id=enterprise.office_id,
        listed_at=now or utcnow(),
        listed_by=actor.label,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="credit_list.added",
        subject=f"enterprise:{enterprise.id}",
        payload={"entry": entry.id, "list": kind.value, "reason": why},
    )
    return entry


def remove_from_list(
    session: Session, actor: Actor, entry_id: int, reason: str, *, now: datetime | None = None
) -> CreditListEntry:
    """The office takes an enterprise off a list, saying why; the entry stays on record as removed."""
    actor.require_regulator()
    entry = get_list_entry(session, actor, entry_id)
    why = text(reason, "reason", MAX_REASON, required=True)
    if entry.removed_at is not None:
        raise InvalidState(f"list entry {entry.id} was already removed")
    entry.removed_at, entry.removed_by, entry.removal_reason = now or utcnow(), actor.label, why
    audit.record(
        session,
        actor=actor.label,
        action="credit_list.removed",
        subject=f"enterprise:{entry.enterprise_id}",
        payload={"entry": entry.id, "list": entry.list_kind.value, "reason": why},
    )
    return entry


def list_entries(
    session: Session, actor: Actor, *, include_removed: bool = False, limit: int = 500
) -> list[CreditListEntry]:
    """List entries of the enterprises within the actor's remit, newest first."""
    stmt = select(CreditListEntry).order_by(CreditListEntry.id.desc()).limit(limit)
    if not include_removed:
        stmt = stmt.where(CreditListEntry.removed_at.is_(None))
    return list(
        session.scalars(within_enterprises(stmt, remit_of(session, actor), CreditListEntry.enterprise_id))
    )


def _open_entry(session: Session, enterprise_id: int, kind: CreditListKind) -> CreditListEntry | None:
    stmt = select(CreditListEntry).where(
        CreditListEntry.enterprise_id == enterprise_id,
        CreditListEntry.list_kind == kind,
        CreditListEntry.removed_at.is_(None),
    )
    return session.scalars(stmt).first()


@dataclass(frozen=True)
class PublicListing:
    """One current list entry as the public sees it: which list, the reason, the date and the office."""

    list_kind: CreditListKind
    reason: str
    listed_on: str
    office: str


@dataclass(frozen=True)
class PublicCredit:
    """One merchant on the public credit page: public fields only."""

    name: str
    uscc: str
    office: str
    grade: str
    filing_status: FilingStatus
    listings: tuple[PublicListing, ...]


def public_credit(session: Session, *, limit: int = 1000) -> list[PublicCredit]:
    """Every merchant's grade, filing status and current list entries, for anyone (CQ §2(2)3).

    Public by design: what the law asks to publish (name, USCC, grade, lists with reason and office);
    never credit-event notes, points, sanction reasons, users or addresses.
    """
    merchants = session.scalars(
        select(Enterprise)
        .filter_by(kind=EnterpriseKind.MERCHANT)
        .order_by(Enterprise.name, Enterprise.id)
        .limit(limit)
    ).all()
    entries: dict[int, list[PublicListing]] = {}
    current = select(CreditListEntry).where(CreditListEntry.removed_at.is_(None)).order_by(CreditListEntry.id)
    for entry in session.scalars(current):
        listing = PublicListing(
            entry.list_kind, entry.reason, f"{entry.listed_at:%Y-%m-%d}", entry.office.name
        )
        entries.setdefault(entry.enterprise_id, []).append(listing)
    return [
        PublicCredit(
            e.name, e.uscc, e.office.name, e.credit_grade, e.filing_status, tuple(entries.get(e.id, ()))
        )
        for e in merchants
    ]


def get_list_entry(session: Session, actor: Actor, entry_id: int) -> CreditListEntry:
    """A list entry of an enterprise within the actor's remit; others answer ``NotFound`` like unknown ids."""
    entry = session.get(CreditListEntry, entry_id)
    if entry is None:
        raise NotFound(f"list entry {entry_id} does not exist")
    try:
        get_enterprise(session, actor, entry.enterprise_id)
    except NotFound:
        raise NotFound(f"list entry {entry_id} does not exist") from None
    return entry
