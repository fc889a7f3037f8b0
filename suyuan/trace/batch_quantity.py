"""A batch's quantity corrected by its merchant (a short delivery, a second pallet), within its bounds.

Why a module of its own: the quantity bounds the codes that can be issued (:mod:`suyuan.trace.issuance`),
and a batch that entered through an entry declaration has its quantity on the zone ledger
(:mod:`suyuan.trace.zone.ledger`), where only ledger movements change it. The amendment needs both, and
both build on :mod:`suyuan.trace.batches`, so it sits above all three.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.batches import MAX_BATCH_QUANTITY, get_batch
from suyuan.trace.errors import InvalidInput, InvalidState
from suyuan.trace.issuance import issued_count
from suyuan.trace.model import Batch
from suyuan.trace.zone.ledger import is_on_ledger


def amend_quantity(session: Session, actor: Actor, batch_id: int, quantity: int, reason: str) -> Batch:
    """The batch's merchant corrects its quantity (e.g. a short delivery); never below the codes issued.

    Codes can only be issued up to the batch quantity, so more codes need an amendment first, which the
    audit log records with the reason.
    """
    actor.require_merchant("only the batch's merchant amends its quantity")
    batch = get_batch(session, actor, batch_id)
    if is_on_ledger(session, batch.id):
        raise InvalidState(
            f"batch {batch.id} entered through an entry declaration; its quantity is on the ledger"
        )
    if not 1 <= quantity <= MAX_BATCH_QUANTITY:
        raise InvalidInput(f"quantity must be 1-{MAX_BATCH_QUANTITY:,}", field="quantity")
    issued = issued_count(session, batch.id)
    if quantity < issued:
        raise InvalidInput(
            f"{issued} codes are already issued; the quantity cannot go below that", field="quantity"
        )
    if not reason.strip():
        raise InvalidInput("say why the quantity changes", field="reason")
    old, batch.quantity = batch.quantity, quantity
    audit.record(
        session,
        actor=actor.label,
        action="batch.amended",
        subject=f"batch:{batch.id}",
        payload={"quantity": [old, quantity], "reason": reason.strip()},
    )
    return batch
