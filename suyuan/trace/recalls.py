"""Recalls and stop-sales of batches: the minimal core the zone workflow needs (full lifecycle: issue 7).

Two scopes, because a failed spot check recalls only what already left the zone (SZ Art. 21):

* ``batch``: the batch turns ``recalled`` (or ``stopped`` for a stop-sale) and every code of it
  answers ``recalled`` at once;
* ``sold_units``: the batch turns ``exit_blocked``. Nothing more leaves the zone; the codes of units
  already sold on an order (``sold_code`` rows) answer ``recalled`` with ``batch_recalled``, while the
  unsold ones, still in the warehouse, answer ``suspect`` / ``not_released`` like any unreleased code.
  A unit returned by its buyer is back in the zone and no longer counts as recalled.

A regulator's recall is ordered (mandatory); the owning merchant's is voluntary. Either is recorded
against the merchant's credit (:mod:`suyuan.trace.zone.credit`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import distinct, exists, func, select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.batches import get_batch
from suyuan.trace.errors import InvalidInput, InvalidState, PermissionDenied
from suyuan.trace.model import (
    Batch,
    BatchStatus,
    CreditEventKind,
    Product,
    Recall,
    RecallKind,
    RecallScope,
    SoldCode,
    SoldStatus,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone.fields import choice, text

TARGET_STATUS: dict[tuple[RecallKind, RecallScope], BatchStatus] = {
    (RecallKind.RECALL, RecallScope.BATCH): BatchStatus.RECALLED,
    (RecallKind.STOP_SALE, RecallScope.BATCH): BatchStatus.STOPPED,
    (RecallKind.RECALL, RecallScope.SOLD_UNITS): BatchStatus.EXIT_BLOCKED,
}
# How severe each status is: a recall never relaxes what is already in force.
SEVERITY = {
    BatchStatus.IN_ZONE: 0,
    BatchStatus.RELEASED: 0,
    BatchStatus.EXIT_BLOCKED: 1,
    BatchStatus.STOPPED: 2,
    BatchStatus.RECALLED: 3,
    BatchStatus.CLOSED: 4,
}


def open_recall(
    session: Session,
    actor: Actor,
    batch_id: int,
    kind: str,
    reason: str,
    instructions: str = "",
    *,
    scope: str = RecallScope.BATCH,
    source: str = "",
    now: datetime | None = None,
) -> Recall:
    """Open a recall or stop-sale of a batch (regulator: ordered; its merchant: voluntary).

    The batch's status changes in the same transaction, so its codes answer ``recalled`` as soon as
    this commits.
    """
    batch = get_batch(session, actor, batch_id)
    voluntary = not actor.is_regulator
    if voluntary and actor.enterprise_id != batch.product.enterprise_id:
        raise PermissionDenied("only the office or the batch's merchant opens a recall")
    if actor.is_regulator and not actor.operator and actor.office_id != batch.product.enterprise.office_id:
        raise PermissionDenied("this batch is under another office")
    recall_kind, recall_scope = choice(RecallKind, kind, "kind"), choice(RecallScope, scope, "scope")
    if (recall_kind, recall_scope) not in TARGET_STATUS:
        raise InvalidInput("a stop-sale applies to the whole batch", field="scope")
    reason, instructions = (
        text(reason, "reason", 2000, required=True),
        text(instructions, "instructions", 4000),
    )
    from suyuan.trace.zone.ledger import lock_batches

    batch = lock_batches(session, [batch.id])[batch.id]
    target = TARGET_STATUS[(recall_kind, recall_scope)]
    if SEVERITY[batch.status] >= SEVERITY[target]:
        raise InvalidState(f"batch {batch.id} is already {batch.status}")
    return _open(
        session, actor, batch, recall_kind, recall_scope, reason, instructions, source, voluntary, now
    )


def block_exit(
    session: Session, actor: Actor, batch: Batch, reason: str, *, source: str, now: datetime | None = None
) -> Recall | None:
    """A failed spot check: block the batch's exit and recall its sold units, if any were sold.

    The caller holds the batch's lock. A batch already stopped or recalled stays so (that is stricter).
    """
    if SEVERITY[batch.status] >= SEVERITY[BatchStatus.EXIT_BLOCKED]:
        return None
    if _sold_units(session, batch.id)[0] == 0:
        old, batch.status = batch.status, BatchStatus.EXIT_BLOCKED
        audit.record(
            session,
            actor=actor.label,
            action="batch.exit_blocked",
            subject=f"batch:{batch.id}",
            payload={"status": [old.value, batch.status.value], "source": source},
        )
        return None
    instructions = "召回已售出的本批次商品 / recall the units of this batch already sold to consumers"
    return _open(
        session,
        actor,
        batch,
        RecallKind.RECALL,
        RecallScope.SOLD_UNITS,
        reason,
        instructions,
        source,
        False,
        now,
    )


def _open(
    session: Session,
    actor: Actor,
    batch: Batch,
    kind: RecallKind,
    scope: RecallScope,
    reason: str,
    instructions: str,
    source: str,
    voluntary: bool,
    now: datetime | None,
) -> Recall:
    from suyuan.trace.zone import credit

    units, orders = _sold_units(session, batch.id)
    recall = Recall(
        batch_id=batch.id,
        kind=kind,
        scope=scope,
        voluntary=voluntary,
        reason=reason,
        instructions=instructions,
        source=source[:64],
        affected_units=units,
        affected_orders=orders,
        opened_at=now or utcnow(),
        opened_by=actor.label,
    )
    session.add(recall)
    old, batch.status = batch.status, TARGET_STATUS[(kind, scope)]
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="recall.opened",
        subject=f"batch:{batch.id}",
        payload={
            "recall": recall.id,
            "kind": kind.value,
            "scope": scope.value,
            "voluntary": voluntary,
            "status": [old.value, batch.status.value],
            "affected_units": units,
            "affected_orders": orders,
            "source": source,
        },
    )
    event = CreditEventKind.RECALL_VOLUNTARY if voluntary else CreditEventKind.RECALL_ORDERED
    credit.add_event(session, actor, batch.product.enterprise, event, source=f"recall:{recall.id}", now=now)
    return recall


def sold_unit_is_recalled(session: Session, batch_id: int, serial: str) -> bool:
    """For an ``exit_blocked`` batch: whether this unit was sold (and not returned), so it is recalled."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    SoldCode.batch_id == batch_id,
                    SoldCode.serial == serial,
                    SoldCode.status == SoldStatus.SOLD,
                )
            )
        )
    )


def recalls_of(session: Session, actor: Actor, batch_id: int) -> list[Recall]:
    """A batch's recalls, newest first."""
    batch = get_batch(session, actor, batch_id)
    return list(session.scalars(select(Recall).filter_by(batch_id=batch.id).order_by(Recall.id.desc())))


def list_recalls(session: Session, actor: Actor, *, limit: int = 200) -> list[Recall]:
    """Recalls visible to the actor (a merchant: of its own batches), newest first."""
    stmt = (
        select(Recall).join(Batch, Batch.id == Recall.batch_id).join(Product, Product.id == Batch.product_id)
    )
    if not actor.is_regulator:
        stmt = stmt.where(Product.enterprise_id == actor.enterprise_id)
    return list(session.scalars(stmt.order_by(Recall.id.desc()).limit(limit)))


def _sold_units(session: Session, batch_id: int) -> tuple[int, int]:
    units, orders = session.execute(
        select(func.count(), func.count(distinct(SoldCode.exit_declaration_id))).where(
            SoldCode.batch_id == batch_id, SoldCode.status == SoldStatus.SOLD
        )
    ).one()
    return int(units), int(orders)
