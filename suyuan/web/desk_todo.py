"""What the merchant should act on next, for the top of the dashboard.

Read from the domain in the dashboard's own unit of work and grouped per kind of work, each with a link
to where it is done: filings awaiting the office or refused, batches not yet released and what their
release waits for (quarantine, reports), exits awaiting rectification, open complaints, open recalls.
Kept out of :mod:`suyuan.web.merchant` so the dashboard view stays a list of reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from suyuan.trace import batches, registry
from suyuan.trace.actors import Actor
from suyuan.trace.model import AdmissionStatus, Batch, BatchStatus, ExitDeclaration, Product
from suyuan.trace.stats import OPEN_COMPLAINT_STATUSES, DashboardCounts
from suyuan.trace.zone import exits, inspection
from suyuan.trace.zone.inspection import ReleaseGap

SHOWN = 20  # rows listed per kind; the counts say how many there are


@dataclass
class Todo:
    """The merchant's open work, by kind."""

    awaiting_decision: list[Product] = field(default_factory=list)
    refused: list[Product] = field(default_factory=list)
    not_released: list[tuple[Batch, list[ReleaseGap]]] = field(default_factory=list)
    to_rectify: list[ExitDeclaration] = field(default_factory=list)
    complaints_open: int = 0
    recalls_open: int = 0

    @property
    def reports_missing(self) -> int:
        """Batches whose release waits for an accepted test report or declaration of conformity."""
        return sum(1 for _b, gaps in self.not_released if ReleaseGap.NO_QUALIFYING_REPORT in gaps)

    @property
    def empty(self) -> bool:
        """Nothing to act on."""
        return not (
            self.awaiting_decision
            or self.refused
            or self.not_released
            or self.to_rectify
            or self.complaints_open
            or self.recalls_open
        )


def todo(db: Session, actor: Actor, counts: DashboardCounts) -> Todo:
    """The merchant's open work; ``counts`` (the dashboard's) gives complaints and recalls."""
    products = registry.list_products(db, actor)
    waiting = [b for b in batches.list_batches(db, actor) if b.status is BatchStatus.IN_ZONE]
    return Todo(
        awaiting_decision=[p for p in products if p.admission_status is AdmissionStatus.FILED][:SHOWN],
        refused=[p for p in products if p.admission_status is AdmissionStatus.REFUSED][:SHOWN],
        not_released=[(b, inspection.release_gaps(db, b)) for b in waiting[:SHOWN]],
        to_rectify=exits.list_exits(db, actor, status="rectification_required", limit=SHOWN),
        complaints_open=sum(n for s, n in counts.complaints.items() if s in OPEN_COMPLAINT_STATUSES),
        recalls_open=counts.recalls_open,
    )
