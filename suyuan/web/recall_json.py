"""JSON shapes of recalls, risk warnings and the public notices, shared by the API, the pages and the scan.

Two faces: the full one for the office and the merchant (who opened it, the units, the closing), and
the public one (product, lot, kind, reason, instructions, date) that consumers see on the scan page and
the notice board, with nothing internal in it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from suyuan.trace.model import Batch, Office, Product, Recall, RiskWarning
from suyuan.trace.recall_units import RecallAccounting


def recall_json(r: Recall, accounting: RecallAccounting | None = None) -> dict[str, Any]:
    """A recall as the office and the batch's merchant see it."""
    data: dict[str, Any] = {
        "id": r.id,
        "batch_id": r.batch_id,
        "gtin": r.batch.gtin,
        "lot": r.batch.lot,
        "product": r.batch.product.name,
        "batch_status": r.batch.status.value,
        "kind": r.kind.value,
        "scope": r.scope.value,
        "status": r.status.value,
        "voluntary": r.voluntary,
        "reason": r.reason,
        "instructions": r.instructions,
        "instructions_en": r.instructions_en,
        "source": r.source,
        "affected_units": r.affected_units,
        "affected_orders": r.affected_orders,
        "opened_at": r.opened_at.isoformat(),
        "opened_by": r.opened_by,
        "closed_at": r.closed_at.isoformat() if r.closed_at else None,
        "closed_by": r.closed_by or None,
        "close_note": r.close_note or None,
    }
    if accounting is not None:
        data["units"] = accounting.as_json()
    return data


def public_recall_json(r: Recall) -> dict[str, Any]:
    """What the public may know of a recall: the goods, the measure, what to do, and since when."""
    product = r.batch.product
    return {
        "kind": r.kind.value,
        "scope": r.scope.value,
        "status": r.status.value,
        "product": {"name": product.name, "name_en": product.name_en, "gtin": r.batch.gtin},
        "lot": r.batch.lot,
        "reason": r.reason,
        "instructions": r.instructions,
        "instructions_en": r.instructions_en,
        "voluntary": r.voluntary,
        "opened_at": r.opened_at.isoformat(),
    }


def warning_json(session: Session, w: RiskWarning, *, public: bool = False) -> dict[str, Any]:
    """A risk warning with the goods it names; ``public`` leaves out ids and who published it."""
    product = session.get(Product, w.product_id) if w.product_id else None
    batch = session.get(Batch, w.batch_id) if w.batch_id else None
    office = session.get(Office, w.office_id)
    data: dict[str, Any] = {
        "level": w.level.value,
        "title": w.title,
        "title_en": w.title_en,
        "body": w.body,
        "body_en": w.body_en,
        "hs_prefix": w.hs_prefix or None,
        "product": {"name": product.name, "name_en": product.name_en, "gtin": product.gtin}
        if product
        else None,
        "lot": batch.lot if batch else None,
        "office": {"name": office.name, "name_en": office.name_en} if office else None,
        "published_at": w.published_at.isoformat(),
    }
    if not public:
        data.update(
            {
                "id": w.id,
                "office_id": w.office_id,
                "product_id": w.product_id,
                "batch_id": w.batch_id,
                "published_by": w.published_by,
                "withdrawn_at": w.withdrawn_at.isoformat() if w.withdrawn_at else None,
                "withdrawn_by": w.withdrawn_by or None,
                "active": w.withdrawn_at is None,
                "sampling_factor": w.sampling_factor,
                "require_inspection": w.require_inspection,
                "hold_exits": w.hold_exits,
            }
        )
    return data


def verdict_recall_json(r: Recall) -> dict[str, Any]:
    """The recall in a code's verdict document: the measure, why, what to do, and since when."""
    return {
        "kind": r.kind.value,
        "scope": r.scope.value,
        "status": r.status.value,
        "reason": r.reason,
        "instructions": r.instructions,
        "instructions_en": r.instructions_en,
        "opened_at": r.opened_at.isoformat(),
    }
