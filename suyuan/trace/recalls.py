"""Recalls and stop-sales of batches: opening, escalation, lifting, closing, and who is to be told.

Two scopes, because a failed spot check recalls only what already left the zone (SZ Art. 21):

* ``batch``: the batch turns ``recalled`` (or ``stopped`` for a stop-sale) and every code of it
  answers ``recalled`` at once;
* ``sold_units``: the batch turns ``exit_blocked``. Nothing more leaves the zone; the codes of units
  already sold on an order (``sold_code`` rows) answer ``recalled`` with ``batch_recalled``, while the
  unsold ones, still in the warehouse, answer ``suspect`` / ``not_released`` like any unreleased code.
  A unit returned by its buyer is back in the zone and no longer counts as recalled.

A regulator's recall is ordered (mandatory); the owning merchant's is voluntary. Either is recorded
against the merchant's credit (:mod:`suyuan.trace.zone.credit`). The lifecycle (docs/recalls.md):

* a measure never relaxes a stricter one in force (``AlreadyRecalled``, 409, nothing written);
* a stricter measure **escalates**: a whole-batch recall closes the open stop-sale or sold-units recall
  it supersedes ("escalated to recall #n");
* the office **lifts** a stop-sale: the batch returns to the status it had when the stop-sale opened
  (as the audit log recorded it), or ``exit_blocked`` if a spot check failed meanwhile;
* the office **closes** a recall with a note at any time; the close records how many units are still
  unaccounted for (:mod:`suyuan.trace.recall_units`). The batch stays recalled: its goods stay bad.

Units returned and destroyed under a recall are in :mod:`suyuan.trace.recall_units`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, exists, func, select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.batches import get_batch
from suyuan.trace.complaints import complaint_contacts
from suyuan.trace.errors import AlreadyRecalled, InvalidInput, InvalidState
from suyuan.trace.fields import choice, text
from suyuan.trace.model import (
    AuditEntry,
    Batch,
    BatchStatus,
    Claim,
    CreditEventKind,
    Recall,
    RecallKind,
    RecallScope,
    RecallStatus,
    SoldCode,
    SoldStatus,
    SpotCheck,
    SpotCheckStatus,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.recall_status import TARGET_STATUS, current_recall
from suyuan.trace.recall_units import recall_accounting
from suyuan.trace.remit import remit_of, visible, within_remit
from suyuan.trace.zone import credit
from suyuan.trace.zone.ledger import lock_batches

# How severe each status is: a recall never relaxes what is already in force.
SEVERITY = {
    BatchStatus.IN_ZONE: 0,
    BatchStatus.RELEASED: 0,
    BatchStatus.EXIT_BLOCKED: 1,
    BatchStatus.STOPPED: 2,
    BatchStatus.RECALLED: 3,
    BatchStatus.CLOSED: 4,
}
MAX_REASON, MAX_INSTRUCTIONS, MAX_NOTE = 2000, 4000, 2000


@dataclass(frozen=True)
class RecallTexts:
    """What a recall says: the public notice in Chinese and English, and the internal reason."""

    reason: str
    instructions: str = ""
    instructions_en: str = ""
    reason_en: str = ""
    internal_reason: str = ""


def open_recall(
    session: Session,
    actor: Actor,
    batch_id: int,
    kind: str,
    reason: str,
    instructions: str = "",
    *,
    instructions_en: str = "",
    reason_en: str = "",
    internal_reason: str = "",
    scope: str = RecallScope.BATCH,
    source: str = "",
    now: datetime | None = None,
) -> Recall:
    """Open a recall or stop-sale of a batch (regulator: ordered; its merchant: voluntary).

    The batch's status changes in the same transaction, so its codes answer ``recalled`` as soon as
    this commits. A measure no stricter than the one in force is refused with ``AlreadyRecalled``.

    ``reason`` and ``instructions`` are the public notice in Chinese, ``reason_en`` and
    ``instructions_en`` its English version (optional: pages fall back to the Chinese).
    ``internal_reason`` is what the office or merchant records for itself (a complaint, an
    investigation): it is never shown to consumers.
    """
    batch = authorise_opening(session, actor, batch_id)
    voluntary = not actor.is_regulator
    recall_kind, recall_scope = choice(RecallKind, kind, "kind"), choice(RecallScope, scope, "scope")
    if (recall_kind, recall_scope) not in TARGET_STATUS:
        raise InvalidInput("a stop-sale applies to the whole batch", field="scope")
    texts = RecallTexts(
        text(reason, "reason", MAX_REASON, required=True),
        text(instructions, "instructions", MAX_INSTRUCTIONS),
        text(instructions_en, "instructions_en", MAX_INSTRUCTIONS),
        text(reason_en, "reason_en", MAX_REASON),
        text(internal_reason, "internal_reason", MAX_REASON),
    )
    batch = lock_batches(session, [batch.id])[batch.id]
    target = TARGET_STATUS[(recall_kind, recall_scope)]
    if SEVERITY[batch.status] >= SEVERITY[target]:
        raise _conflict(session, batch, recall_kind)
    recall = _open(session, actor, batch, recall_kind, recall_scope, texts, source, voluntary, now)
    if target is BatchStatus.RECALLED:
        _supersede(session, actor, recall, now)
    return recall


def authorise_opening(session: Session, actor: Actor, batch_id: int) -> Batch:
    """The batch, if the actor may open a measure on it: its office, or its merchant (voluntary).

    Within the remit is enough (:mod:`suyuan.trace.remit`). Checked before the request is even parsed,
    so a stranger learns nothing from a malformed body.
    """
    return get_batch(session, actor, batch_id)


def _conflict(session: Session, batch: Batch, wanted: RecallKind) -> InvalidState:
    """Why a new measure adds nothing: name the measure in force."""
    if batch.status is BatchStatus.CLOSED:
        return InvalidState(f"batch {batch.id} is closed; no recall or stop-sale applies to it any more")
    governing = current_recall(session, batch)
    held = f"batch {batch.id} is already {batch.status}"
    if governing is not None:
        state = "open" if governing.status is RecallStatus.OPEN else "closed"
        held += f" ({governing.kind.value} #{governing.id}, {state}, opened {governing.opened_at:%Y-%m-%d})"
    return AlreadyRecalled(f"{held}: a {wanted.value} would change nothing; nothing was written")


def block_exit(
    session: Session, actor: Actor, batch: Batch, reason: str, *, source: str, now: datetime | None = None
) -> Recall | None:
    """A failed spot check: block the batch's exit and recall its sold units, if any were sold.

    The caller holds the batch's lock. A batch already stopped or recalled stays so (that is stricter).
    ``reason`` (the failed items) is recorded as the internal reason; consumers read a fixed notice.
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
    texts = RecallTexts(
        reason="该批次监督抽检不合格。",
        reason_en="The batch failed a supervisory spot check.",
        instructions="召回已售出的本批次商品：请停止使用，并联系购买平台退货。",
        instructions_en="The units of this batch already sold are recalled: stop using it and return it "
        "through the platform you bought it from.",
        internal_reason=reason,  # which items failed, as the lab reported them: for the office
    )
    return _open(
        session,
        actor,
        batch,
        RecallKind.RECALL,
        RecallScope.SOLD_UNITS,
        texts,
        source,
        False,
        now,
        counts_against_credit=False,  # the failed check already counts (spot_check_failed): not twice
    )


def _open(
    session: Session,
    actor: Actor,
    batch: Batch,
    kind: RecallKind,
    scope: RecallScope,
    texts: RecallTexts,
    source: str,
    voluntary: bool,
    now: datetime | None,
    *,
    counts_against_credit: bool = True,
) -> Recall:
    units, orders = _sold_units(session, batch.id)
    recall = Recall(
        batch_id=batch.id,
        kind=kind,
        scope=scope,
        voluntary=voluntary,
        reason=texts.reason,
        reason_en=texts.reason_en,
        instructions=texts.instructions,
        instructions_en=texts.instructions_en,
        internal_reason=texts.internal_reason,
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
            "reason": texts.reason,
            "internal_reason": texts.internal_reason,
        },
    )
    if counts_against_credit:
        event = CreditEventKind.RECALL_VOLUNTARY if voluntary else CreditEventKind.RECALL_ORDERED
        credit.add_event(
            session, actor, batch.product.enterprise, event, source=f"recall:{recall.id}", now=now
        )
    return recall


def _supersede(session: Session, actor: Actor, recall: Recall, now: datetime | None) -> None:
    """A whole-batch recall covers every other open measure of the batch: close them as escalated."""
    others = session.scalars(
        select(Recall)
        .where(Recall.batch_id == recall.batch_id, Recall.status == RecallStatus.OPEN, Recall.id != recall.id)
        .order_by(Recall.id)
    )
    for other in others:
        _finish(other, actor, f"escalated to recall #{recall.id}", now)
        audit.record(
            session,
            actor=actor.label,
            action="recall.escalated",
            subject=f"recall:{other.id}",
            payload={"batch": recall.batch_id, "from": other.kind.value, "to_recall": recall.id},
        )


def _finish(recall: Recall, actor: Actor, note: str, now: datetime | None) -> None:
    recall.status, recall.closed_at = RecallStatus.CLOSED, now or utcnow()
    recall.closed_by, recall.close_note = actor.label, note


def lift_stop_sale(
    session: Session, actor: Actor, recall_id: int, note: str, *, now: datetime | None = None
) -> Recall:
    """The office lifts a stop-sale: the batch goes back on sale (or back to what held before it).

    The status restored is the one the batch had when the stop-sale opened, read from the audit entry
    of the opening; a spot check that failed meanwhile leaves the batch ``exit_blocked`` instead.
    """
    recall = office_recall(session, actor, recall_id)
    note = text(note, "note", MAX_NOTE, required=True)
    if recall.kind is not RecallKind.STOP_SALE:
        raise InvalidState(f"recall #{recall.id} is a recall, not a stop-sale; the office closes it instead")
    _require_open(recall)
    batch = lock_batches(session, [recall.batch_id])[recall.batch_id]
    if batch.status is not BatchStatus.STOPPED:
        raise InvalidState(f"batch {batch.id} is {batch.status}, not stopped; nothing to lift")
    restored = _status_before(session, recall)
    if restored is not BatchStatus.EXIT_BLOCKED and _failed_check_since(session, recall):
        restored = BatchStatus.EXIT_BLOCKED
    batch.status = restored
    _finish(recall, actor, f"lifted: {note}", now)
    audit.record(
        session,
        actor=actor.label,
        action="recall.lifted",
        subject=f"recall:{recall.id}",
        payload={"batch": batch.id, "status": [BatchStatus.STOPPED.value, restored.value], "note": note},
    )
    return recall


def _status_before(session: Session, recall: Recall) -> BatchStatus:
    """The batch status before ``recall`` opened, as its ``recall.opened`` audit entry recorded it."""
    payloads = session.scalars(
        select(AuditEntry.payload)
        .where(AuditEntry.action == "recall.opened", AuditEntry.subject == f"batch:{recall.batch_id}")
        .order_by(AuditEntry.seq.desc())
    )
    for raw in payloads:
        payload = json.loads(raw)
        if payload.get("recall") == recall.id:
            return BatchStatus(payload["status"][0])
    return BatchStatus.RELEASED  # no entry (cannot happen for recalls opened here): back on sale


def _failed_check_since(session: Session, recall: Recall) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    SpotCheck.batch_id == recall.batch_id,
                    SpotCheck.status == SpotCheckStatus.FAILED,
                    SpotCheck.decided_at >= recall.opened_at,
                )
            )
        )
    )


def close_recall(
    session: Session, actor: Actor, recall_id: int, note: str, *, now: datetime | None = None
) -> Recall:
    """The office closes a recall with a note; the audit entry records the units still unaccounted for.

    Closing is allowed at any time (the office decides when enough is recovered); the batch stays
    ``recalled`` (or ``exit_blocked``), so its codes keep warning consumers. A stop-sale is not closed
    but lifted or escalated.
    """
    recall = office_recall(session, actor, recall_id)
    note = text(note, "note", MAX_NOTE, required=True)
    if recall.kind is RecallKind.STOP_SALE:
        raise InvalidState(
            f"recall #{recall.id} is a stop-sale: the office lifts it or escalates it to a recall"
        )
    _require_open(recall)
    accounting = recall_accounting(session, recall)
    _finish(recall, actor, note, now)
    audit.record(
        session,
        actor=actor.label,
        action="recall.closed",
        subject=f"recall:{recall.id}",
        payload={"batch": recall.batch_id, "note": note, "accounting": accounting.as_json()},
    )
    return recall


def _require_open(recall: Recall) -> None:
    if recall.status is not RecallStatus.OPEN:
        raise InvalidState(f"recall #{recall.id} is already closed ({recall.close_note})")


def office_recall(session: Session, actor: Actor, recall_id: int) -> Recall:
    """A recall the actor may decide on: the regulator of the batch's office (or the operator)."""
    recall = get_recall(session, actor, recall_id)
    actor.require_regulator()
    return recall


def get_recall(session: Session, actor: Actor, recall_id: int) -> Recall:
    """A recall within the actor's remit: a merchant's own batches, an office's merchants' batches.

    Anything else answers ``NotFound``, so ids cannot be probed (the public sees open recalls on the
    notice board, without the units and contacts this gives access to).
    """
    return visible(session, actor, Recall, recall_id)


def recalls_of(session: Session, actor: Actor, batch_id: int) -> list[Recall]:
    """A batch's recalls, newest first."""
    batch = get_batch(session, actor, batch_id)
    return list(session.scalars(select(Recall).filter_by(batch_id=batch.id).order_by(Recall.id.desc())))


def list_recalls(
    session: Session, actor: Actor, *, status: str | None = None, limit: int = 200
) -> list[Recall]:
    """Recalls visible to the actor, newest first: a merchant's own, an office's within its remit."""
    stmt = within_remit(select(Recall), remit_of(session, actor), Recall)
    if status is not None:
        stmt = stmt.where(Recall.status == choice(RecallStatus, status, "status"))
    return list(session.scalars(stmt.order_by(Recall.id.desc()).limit(limit)))


def open_recalls(session: Session, *, limit: int = 200) -> list[Recall]:
    """Every open recall and stop-sale, newest first: the public notice board shows them."""
    stmt = select(Recall).where(Recall.status == RecallStatus.OPEN).order_by(Recall.id.desc()).limit(limit)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Notification:
    """A consumer to tell about a recall: where they left the contact, and the contact itself.

    ``source`` is ``complaint`` (``reference`` is the complaint's reference) or ``claim`` (``reference``
    is the serial of the code they registered as bought). Device hashes are never part of it.
    """

    source: str
    reference: str
    contact: str


def recall_notifications(session: Session, actor: Actor, recall_id: int) -> list[Notification]:
    """Consumers who left a contact on a complaint or an "I bought this" claim about the batch.

    Personal data: only the owning merchant and the regulators of the batch's office see it.
    """
    recall = get_recall(session, actor, recall_id)
    found = [Notification("complaint", ref, contact) for ref, contact in _complaint_contacts(session, recall)]
    claims = session.execute(
        select(Claim.serial, Claim.contact)
        .where(Claim.batch_id == recall.batch_id, Claim.contact != "")
        .order_by(Claim.id)
    )
    found.extend(Notification("claim", serial, contact) for serial, contact in claims)
    return found


def _complaint_contacts(session: Session, recall: Recall) -> list[tuple[str, str]]:
    """(reference, contact) of complaints about the batch that left a contact."""
    return complaint_contacts(session, recall.batch_id)


def _sold_units(session: Session, batch_id: int) -> tuple[int, int]:
    units, orders = session.execute(
        select(func.count(), func.count(distinct(SoldCode.exit_declaration_id))).where(
            SoldCode.batch_id == batch_id, SoldCode.status == SoldStatus.SOLD
        )
    ).one()
    return int(units), int(orders)
