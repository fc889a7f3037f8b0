"""Acting on order monitoring (SZ Art. 28-29): an office watches or blocks a buyer.

The alerts of :mod:`~suyuan.trace.zone.anomalies` name buyers whose orders look like trade disguised
as consumer purchases. An officer decides what follows, for the buyer as a person (known only by the
keyed hash of the ID number, shown by masked name):

* ``watch``: every later exit of the buyer waits for an officer's release at exit (the same step as
  goods under tightened control, :func:`suyuan.trace.zone.exits.decide_held_exit`);
* ``block`` (personal breach of trust): the buyer's orders (CEB311) and exit declarations are refused.

A restriction applies in every office's zone (the person is the same) and stays on record when lifted.
Each decision and lifting is audited with the officer's reason.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.errors import BuyerBlocked, Duplicate, InvalidInput, NotFound, PermissionDenied
from suyuan.trace.fields import text
from suyuan.trace.model import BuyerRestriction, BuyerRestrictionLevel, ExitDeclaration
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import remit_filter, remit_of
from suyuan.trace.zone.anomalies import AnomalyRule

HASH = re.compile(r"[0-9a-f]{64}")
RULES = frozenset(rule.value for rule in AnomalyRule) | {"manual"}


def restrict_buyer(
    session: Session,
    actor: Actor,
    buyer_hash: str,
    level: str,
    reason: str,
    *,
    rule: str = "manual",
    now: datetime | None = None,
) -> BuyerRestriction:
    """Watch or block a buyer who ordered in the office's remit; a different level replaces the old one.

    Only a buyer with an exit in the officer's remit can be restricted (an office acts on what it
    supervises); the same level again is a :class:`Duplicate`.
    """
    actor.require_regulator()
    if actor.office_id is None:
        raise PermissionDenied("a buyer is restricted by an inspection office's officer")
    decided = _level(level)
    reason = text(reason, "reason", 2000, required=True)
    if rule not in RULES:
        raise InvalidInput(f"rule must be one of {', '.join(sorted(RULES))}", field="rule")
    label = _label(session, actor, buyer_hash)
    moment = now or utcnow()
    current = _active(session, buyer_hash, actor.office_id)
    if current is not None and current.level is decided:
        raise Duplicate(f"buyer {label} is already under '{decided.value}'")
    if current is not None:
        _lift(session, actor, current, f"replaced by '{decided.value}'", moment)
    restriction = BuyerRestriction(
        office_id=actor.office_id,
        buyer_hash=buyer_hash,
        buyer_label=label,
        level=decided,
        rule=rule,
        reason=reason,
        decided_by=actor.label,
        decided_at=moment,
        lifted_by="",
        lift_reason="",
    )
    session.add(restriction)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="buyer.restricted",
        subject=f"buyer_restriction:{restriction.id}",
        payload={"buyer": label, "level": decided.value, "rule": rule, "reason": reason},
    )
    return restriction


def lift_restriction(
    session: Session, actor: Actor, restriction_id: int, reason: str, *, now: datetime | None = None
) -> BuyerRestriction:
    """End one of the office's restrictions, with the reason; the row stays as history."""
    restriction = get_restriction(session, actor, restriction_id)
    reason = text(reason, "reason", 2000, required=True)
    if restriction.lifted_at is not None:
        raise Duplicate(f"restriction {restriction.id} was already lifted")
    _lift(session, actor, restriction, reason, now or utcnow())
    return restriction


def get_restriction(session: Session, actor: Actor, restriction_id: int) -> BuyerRestriction:
    """One restriction of the officer's office (another office's: :class:`NotFound`)."""
    actor.require_regulator()
    restriction = session.get(BuyerRestriction, restriction_id)
    if restriction is None or not (actor.operator or restriction.office_id == actor.office_id):
        raise NotFound(f"buyer restriction {restriction_id} not found")
    return restriction


def list_restrictions(
    session: Session, actor: Actor, *, active: bool | None = True, limit: int = 200
) -> list[BuyerRestriction]:
    """The office's restrictions, newest first: the active ones, the lifted ones, or all (``None``)."""
    actor.require_regulator()
    stmt = select(BuyerRestriction).order_by(BuyerRestriction.id.desc()).limit(limit)
    if not actor.operator:
        stmt = stmt.where(BuyerRestriction.office_id == actor.office_id)
    if active is not None:
        stmt = stmt.where(
            BuyerRestriction.lifted_at.is_(None) if active else BuyerRestriction.lifted_at.is_not(None)
        )
    return list(session.scalars(stmt))


def level_of(session: Session, buyer_hash: str) -> BuyerRestrictionLevel | None:
    """The strongest restriction on a buyer in force anywhere (block over watch), or ``None``."""
    levels = set(
        session.scalars(
            select(BuyerRestriction.level).where(
                BuyerRestriction.buyer_hash == buyer_hash, BuyerRestriction.lifted_at.is_(None)
            )
        )
    )
    if BuyerRestrictionLevel.BLOCK in levels:
        return BuyerRestrictionLevel.BLOCK
    return BuyerRestrictionLevel.WATCH if levels else None


def refuse_blocked(session: Session, buyer_hash: str) -> BuyerRestrictionLevel | None:
    """Raise :class:`BuyerBlocked` for a blocked buyer; otherwise the level (watch or none) to act on."""
    level = level_of(session, buyer_hash)
    if level is BuyerRestrictionLevel.BLOCK:
        raise BuyerBlocked("the buyer is blocked by an inspection office (SZ Art. 29); the order is refused")
    return level


def _level(level: str) -> BuyerRestrictionLevel:
    try:
        return BuyerRestrictionLevel(level)
    except ValueError:
        raise InvalidInput("level must be 'watch' or 'block'", field="level") from None


def _label(session: Session, actor: Actor, buyer_hash: str) -> str:
    """The buyer's masked name with a hash prefix, from an exit in the remit (none: NotFound)."""
    if not isinstance(buyer_hash, str) or not HASH.fullmatch(buyer_hash):
        raise InvalidInput("buyer must be the 64-character buyer reference of an alert", field="buyer")
    masked = session.scalar(
        select(func.max(ExitDeclaration.buyer_name_masked)).where(
            ExitDeclaration.buyer_hash == buyer_hash,
            remit_filter(remit_of(session, actor), ExitDeclaration),
        )
    )
    if masked is None:
        raise NotFound("no order of this buyer in your office's remit")
    return f"{masked} #{buyer_hash[:8]}"


def _active(session: Session, buyer_hash: str, office_id: int | None) -> BuyerRestriction | None:
    return session.scalar(
        select(BuyerRestriction).where(
            BuyerRestriction.buyer_hash == buyer_hash,
            BuyerRestriction.office_id == office_id,
            BuyerRestriction.lifted_at.is_(None),
        )
    )


def _lift(
    session: Session, actor: Actor, restriction: BuyerRestriction, reason: str, moment: datetime
) -> None:
    restriction.lifted_at, restriction.lifted_by, restriction.lift_reason = moment, actor.label, reason
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="buyer.restriction_lifted",
        subject=f"buyer_restriction:{restriction.id}",
        payload={"buyer": restriction.buyer_label, "level": restriction.level.value, "reason": reason},
    )
