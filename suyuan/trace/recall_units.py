"""Where a recall's units went: returned by consumers, destroyed in the zone, still outstanding.

Both movements go through the zone ledger (docs/recalls.md):

* **consumer returns** of recalled units reuse :func:`suyuan.trace.zone.returns.record_return` (the
  ``sold_code`` rows turn ``returned``, the ledger is credited ``consumer_return``), without the
  ordinary 30-day return window: a recalled unit is taken back whenever it comes;
* **destruction** debits the ledger (``destruction``, source ``recall:<id>``) and can never take more
  than the batch holds in the zone (:func:`suyuan.trace.zone.ledger.post` refuses,
  ``ledger_would_go_negative``).

A batch registered directly, without an entry declaration, has no ledger: its destruction is refused
with ``not_on_ledger`` (409) rather than recorded unchecked; the office notes such a disposal when it
closes the recall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.trace import audit, issuance
from suyuan.trace.actors import Actor
from suyuan.trace.batches import get_batch
from suyuan.trace.codes import MalformedCode, parse_code
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound, NotOnLedger
from suyuan.trace.fields import text
from suyuan.trace.model import (
    Batch,
    ConsumerReturn,
    LedgerEntry,
    LedgerKind,
    Recall,
    RecallKind,
    RecallScope,
    RecallStatus,
    ReturnItem,
    SoldCode,
    SoldStatus,
)
from suyuan.trace.remit import visible
from suyuan.trace.zone import ledger, returns

MAX_DESTRUCTION = 10_000_000


@dataclass(frozen=True)
class RecallAccounting:
    """A recall's units: with consumers, returned, destroyed, in the zone; ``None`` where unknowable.

    Sold units and the in-zone balance exist only for batches on the zone ledger.
    """

    recall: Recall
    on_ledger: bool
    quantity: int
    codes_issued: int
    with_consumers: int | None
    returned: int
    destroyed: int
    in_zone: int | None

    @property
    def outstanding(self) -> int | None:
        """Units not yet accounted for: still with consumers, plus (for a whole-batch recall) in stock."""
        if self.with_consumers is None or self.in_zone is None:
            return None
        covers_stock = self.recall.kind is RecallKind.RECALL and self.recall.scope is RecallScope.BATCH
        return self.with_consumers + (self.in_zone if covers_stock else 0)

    def as_json(self) -> dict[str, Any]:
        """Plain data for the API, the pages and the audit entry of the closing."""
        return {
            "on_ledger": self.on_ledger,
            "quantity": self.quantity,
            "codes_issued": self.codes_issued,
            "with_consumers": self.with_consumers,
            "returned": self.returned,
            "destroyed": self.destroyed,
            "in_zone": self.in_zone,
            "outstanding": self.outstanding,
        }


def recall_accounting(session: Session, recall: Recall) -> RecallAccounting:
    """Count the recall's units now (returned since it opened, destroyed under it)."""
    batch = recall.batch
    on_ledger = ledger.is_on_ledger(session, batch.id)
    returned = session.scalar(
        select(func.count())
        .select_from(ReturnItem)
        .join(ConsumerReturn, ConsumerReturn.id == ReturnItem.return_id)
        .where(ReturnItem.batch_id == batch.id, ConsumerReturn.returned_at >= recall.opened_at)
    )
    destroyed = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.quantity), 0)).where(
            LedgerEntry.batch_id == batch.id,
            LedgerEntry.kind == LedgerKind.DESTRUCTION,
            LedgerEntry.source == f"recall:{recall.id}",
        )
    )
    with_consumers = None
    if on_ledger:
        with_consumers = int(
            session.scalar(
                select(func.count()).where(SoldCode.batch_id == batch.id, SoldCode.status == SoldStatus.SOLD)
            )
            or 0
        )
    return RecallAccounting(
        recall=recall,
        on_ledger=on_ledger,
        quantity=batch.quantity,
        codes_issued=issuance.issued_count(session, batch.id),
        with_consumers=with_consumers,
        returned=int(returned or 0),
        destroyed=-int(destroyed or 0),
        in_zone=ledger.balance(session, batch.id) if on_ledger else None,
    )


def record_destruction(
    session: Session,
    actor: Actor,
    batch_id: int,
    quantity: int,
    reason: str,
    *,
    recall_id: int | None = None,
) -> LedgerEntry:
    """Units of a batch under recall or stop-sale destroyed in the zone, debited from its ledger.

    The office of the batch or the batch's merchant records it; the measure is ``recall_id`` or else
    the batch's open one. Never more than the zone holds; nothing is written on any refusal.
    """
    batch = authorise_destruction(session, actor, batch_id)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_DESTRUCTION:
        raise InvalidInput(f"quantity must be a whole number 1-{MAX_DESTRUCTION:,}", field="quantity")
    reason = text(reason, "reason", 2000, required=True)
    recall = _measure_of(session, actor, batch, recall_id)
    if not ledger.is_on_ledger(session, batch.id):
        raise NotOnLedger(
            f"batch {batch.id} was registered directly, not through an entry declaration: it has no zone "
            "ledger to record destruction against; note the disposal when the recall is closed"
        )
    ledger.lock_batches(session, [batch.id])
    held = ledger.balance(session, batch.id)
    entry = ledger.post(
        session,
        batch_id=batch.id,
        kind=LedgerKind.DESTRUCTION,
        quantity=quantity,
        source=f"recall:{recall.id}",
        posted_by=actor.label,
        held=held,
    )
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="recall.destruction",
        subject=f"batch:{batch.id}",
        payload={
            "recall": recall.id,
            "quantity": quantity,
            "reason": reason,
            "ledger_entry": entry.id,
            "in_zone": held - quantity,
        },
    )
    return entry


def authorise_destruction(session: Session, actor: Actor, batch_id: int) -> Batch:
    """The batch, if the actor may record its destruction: its office or its merchant (its remit)."""
    return get_batch(session, actor, batch_id)


def _measure_of(session: Session, actor: Actor, batch: Batch, recall_id: int | None) -> Recall:
    """The open recall or stop-sale the movement belongs to."""
    if recall_id is not None:
        if isinstance(recall_id, bool) or not isinstance(recall_id, int):
            raise InvalidInput("recall_id must be a whole number", field="recall_id")
        try:
            recall = visible(session, actor, Recall, recall_id)
        except NotFound:
            raise InvalidInput(f"recall {recall_id} does not exist", field="recall_id") from None
        if recall.batch_id != batch.id:
            raise InvalidInput(f"recall #{recall.id} is not a recall of batch {batch.id}", field="recall_id")
        if recall.status is not RecallStatus.OPEN:
            raise InvalidState(f"recall #{recall.id} is closed; nothing more is recorded under it")
        return recall
    found = session.scalars(
        select(Recall)
        .where(Recall.batch_id == batch.id, Recall.status == RecallStatus.OPEN)
        .order_by(Recall.id.desc())
        .limit(1)
    ).first()
    if found is None:
        raise InvalidState(
            f"batch {batch.id} is under no open recall or stop-sale; the office records other disposals "
            "with POST /api/v1/batches/{id}/disposals"
        )
    return found


def record_recall_return(
    session: Session,
    actor: Actor,
    recall_id: int,
    declaration_id: int,
    codes: Sequence[str],
    reason: str,
) -> ConsumerReturn:
    """Recalled units a consumer brought back: an ordinary return of the order, without its time limit.

    Every code must be of the recalled batch; the rest (sold on that order, not returned yet, the
    declaring merchant only) is :func:`suyuan.trace.zone.returns.record_return`'s to check.
    """
    recall = authorise_return(session, actor, recall_id)
    if recall.kind is not RecallKind.RECALL:
        raise InvalidState(f"recall #{recall.id} is a stop-sale: sold units are not recalled by it")
    if recall.status is not RecallStatus.OPEN:
        raise InvalidState(f"recall #{recall.id} is closed; nothing more is recorded under it")
    if isinstance(codes, str) or not isinstance(codes, Sequence):
        raise InvalidInput("codes must be a list of code URLs", field="codes")
    for index, url in enumerate(codes, start=1):
        _require_of_batch(recall.batch, index, url)
    consumer_return = returns.record_return(
        session, actor, declaration_id, codes, reason, enforce_window=False
    )
    audit.record(
        session,
        actor=actor.label,
        action="recall.units_returned",
        subject=f"recall:{recall.id}",
        payload={"batch": recall.batch_id, "return": consumer_return.id, "units": consumer_return.quantity},
    )
    return consumer_return


def authorise_return(session: Session, actor: Actor, recall_id: int) -> Recall:
    """The recall, if the actor may take its units back: the batch's merchant (who sold them)."""
    recall = visible(session, actor, Recall, recall_id)
    actor.require_merchant("the merchant who sold the units records their return")
    return recall


def _require_of_batch(batch: Batch, index: int, url: object) -> None:
    if not isinstance(url, str):
        raise InvalidInput(f"code {index}: a code URL is a string", field="codes")
    try:
        code = parse_code(url.strip()).code
    except MalformedCode as exc:
        raise InvalidInput(f"code {index}: not a traceability code ({exc.reason})", field="codes") from None
    if (code.gtin, code.lot) != (batch.gtin, batch.lot):
        raise InvalidInput(f"code {index} is not of the recalled batch {batch.lot}", field="codes")
