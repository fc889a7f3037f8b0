"""What a batch's status says about recalls, for the scan path: the measure behind it, and sold units.

Why a module of its own: a scan must name the recall that governs a batch and tell a sold unit of an
``exit_blocked`` batch from one still in the zone, but it must not depend on the recall use cases
(:mod:`suyuan.trace.recalls`), which build on complaints, the ledger and credit, all of which the scan
path sits beneath. The table of which measure sets which status lives here, read by both.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from suyuan.trace.model import (
    Batch,
    BatchStatus,
    Recall,
    RecallKind,
    RecallScope,
    RecallStatus,
    SoldCode,
    SoldStatus,
)

# The status each kind and scope of measure gives its batch.
TARGET_STATUS: dict[tuple[RecallKind, RecallScope], BatchStatus] = {
    (RecallKind.RECALL, RecallScope.BATCH): BatchStatus.RECALLED,
    (RecallKind.STOP_SALE, RecallScope.BATCH): BatchStatus.STOPPED,
    (RecallKind.RECALL, RecallScope.SOLD_UNITS): BatchStatus.EXIT_BLOCKED,
}


def current_recall(session: Session, batch: Batch) -> Recall | None:
    """The measure behind the batch's status: the open one that set it, else the last that did.

    ``None`` when the batch's status comes from no recall (on sale, or blocked without a recall).
    """
    rows = list(session.scalars(select(Recall).filter_by(batch_id=batch.id).order_by(Recall.id.desc())))
    governing = [r for r in rows if TARGET_STATUS[(r.kind, r.scope)] is batch.status]
    for candidates in ([r for r in governing if r.status is RecallStatus.OPEN], governing):
        if candidates:
            return candidates[0]
    return None


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
