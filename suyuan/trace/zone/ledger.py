"""The zone ledger (底账): an append-only list of signed movements per batch, and its report.

Invariant, for every batch at every moment (docs/zone.md):

    entered + returned_in = in_zone + written_off + returned_out + destroyed + sampled,   in_zone >= 0

``in_zone`` is ``SUM(quantity)`` of the batch's rows, so the equation holds by construction; what can
break is the sign, and :func:`post` refuses any movement that would take the balance below zero. Callers
lock the batch rows first with :func:`lock_batches` (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
serialises writers itself), so two concurrent exits cannot both spend the last unit. The report also
reconciles the ledger with the per-code rows: net units written off must equal the codes sold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import DateTime, String, exists, func, select, type_coerce
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.batches import get_batch
from suyuan.trace.errors import InvalidInput, LedgerWouldGoNegative, NotFound, NotOnLedger
from suyuan.trace.model import Batch, LedgerEntry, LedgerKind, SoldCode, SoldStatus
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import remit_of, within_remit

CREDITS = frozenset({LedgerKind.ENTRY, LedgerKind.CONSUMER_RETURN})
MAX_REPORT_PAGE = 100_000


def lock_batches(session: Session, batch_ids: Iterable[int]) -> dict[int, Batch]:
    """Lock the batches' rows in id order (no deadlocks between two lockers) and return them fresh.

    ``FOR NO KEY UPDATE`` on PostgreSQL: it serialises ledger writers of a batch but, unlike ``FOR
    UPDATE``, does not conflict with the key-share locks that inserts referencing the batch take (scans,
    sold codes), so those neither wait for it nor deadlock with it. Lock before inserting such rows.
    """
    ids = sorted(set(batch_ids))
    stmt = (
        select(Batch)
        .where(Batch.id.in_(ids))
        .order_by(Batch.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    locked = {batch.id: batch for batch in session.scalars(stmt)}
    missing = set(ids) - set(locked)
    if missing:
        raise NotFound(f"batch {min(missing)} does not exist")
    return locked


def balance(session: Session, batch_id: int) -> int:
    """Units of the batch in the zone right now."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.quantity), 0)).where(LedgerEntry.batch_id == batch_id)
        )
        or 0
    )


def is_on_ledger(session: Session, batch_id: int) -> bool:
    """Whether the batch entered through an entry declaration (and so has a ledger)."""
    return bool(
        session.scalar(
            select(exists().where(LedgerEntry.batch_id == batch_id, LedgerEntry.kind == LedgerKind.ENTRY))
        )
    )


def require_on_ledger(session: Session, batch: Batch) -> None:
    """Refuse movements of a batch that was registered directly, without an entry declaration."""
    if not is_on_ledger(session, batch.id):
        raise NotOnLedger(f"batch {batch.id} did not enter the zone through an entry declaration")


def post(
    session: Session,
    *,
    batch_id: int,
    kind: LedgerKind,
    quantity: int,
    source: str,
    posted_by: str,
    at: datetime | None = None,
    held: int | None = None,
) -> LedgerEntry:
    """Append one movement of ``quantity`` units (positive; the kind gives the sign).

    The caller holds the batch's lock; a debit below zero raises :class:`LedgerWouldGoNegative`.
    ``held`` is the balance the caller already read under that lock (saves summing again).
    """
    if quantity < 1:
        raise InvalidInput("a ledger movement moves at least one unit", field="quantity")
    signed = quantity if kind in CREDITS else -quantity
    if signed < 0:
        held = balance(session, batch_id) if held is None else held
        if held + signed < 0:
            raise LedgerWouldGoNegative(
                f"batch {batch_id} holds {held} units in the zone; "
                f"{kind.value} of {quantity} would go below zero"
            )
    entry = LedgerEntry(
        batch_id=batch_id, kind=kind, quantity=signed, source=source, posted_by=posted_by, at=at or utcnow()
    )
    session.add(entry)
    return entry


class Movement(NamedTuple):
    """One row of the report, with the balance after it (a tuple: reports list tens of thousands)."""

    id: int
    at: datetime
    kind: LedgerKind
    quantity: int
    source: str
    posted_by: str
    balance: int


@dataclass(frozen=True)
class LedgerReport:
    """A batch's totals by kind, its balance, the codes sold, and (a page of) its movements."""

    batch: Batch
    totals: dict[LedgerKind, int]
    sold_units: int
    movements: list[Movement]
    next_after: int | None

    def total(self, kind: LedgerKind) -> int:
        """Units moved by ``kind``, as a positive number."""
        return abs(self.totals.get(kind, 0))

    @property
    def entered(self) -> int:
        """Units credited by entry declarations."""
        return self.total(LedgerKind.ENTRY)

    @property
    def in_zone(self) -> int:
        """The balance: units in the zone now."""
        return sum(self.totals.values())

    @property
    def balanced(self) -> bool:
        """The invariant: never negative, and net written off equals the codes currently sold."""
        net_written_off = self.total(LedgerKind.WRITE_OFF) - self.total(LedgerKind.CONSUMER_RETURN)
        return self.in_zone >= 0 and net_written_off == self.sold_units

    def as_json(self) -> dict[str, object]:
        """The report as plain data (API and CLI)."""
        return {
            "batch_id": self.batch.id,
            "gtin": self.batch.gtin,
            "lot": self.batch.lot,
            "status": self.batch.status.value,
            "entered": self.entered,
            "written_off": self.total(LedgerKind.WRITE_OFF),
            "returned_in": self.total(LedgerKind.CONSUMER_RETURN),
            "returned_out": self.total(LedgerKind.RETURN_SHIPMENT),
            "destroyed": self.total(LedgerKind.DESTRUCTION),
            "sampled": self.total(LedgerKind.SAMPLE),
            "in_zone": self.in_zone,
            "sold_units": self.sold_units,
            "balanced": self.balanced,
            "movements": [
                {
                    "id": m.id,
                    "at": m.at.isoformat(),
                    "kind": m.kind.value,
                    "quantity": m.quantity,
                    "source": m.source,
                    "balance": m.balance,
                }
                for m in self.movements
            ],
            "next_after": self.next_after,
        }


def ledger_report(
    session: Session, actor: Actor, batch_id: int, *, after: int = 0, limit: int | None = None
) -> LedgerReport:
    """The batch's ledger: totals, reconciliation with sold codes, and movements after id ``after``.

    ``limit`` pages the movements (``next_after`` continues); ``limit=0`` gives the totals only.
    """
    batch = get_batch(session, actor, batch_id)
    if limit is not None and not 0 <= limit <= MAX_REPORT_PAGE:
        raise InvalidInput(f"limit must be 0-{MAX_REPORT_PAGE:,}", field="limit")
    totals = {
        LedgerKind(kind): int(total)
        for kind, total in session.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.quantity))
            .where(LedgerEntry.batch_id == batch.id)
            .group_by(LedgerEntry.kind)
        )
    }
    sold = session.scalar(
        select(func.count()).where(SoldCode.batch_id == batch.id, SoldCode.status == SoldStatus.SOLD)
    )
    movements, next_after = _movements(session, batch.id, after, limit)
    return LedgerReport(batch, totals, int(sold or 0), movements, next_after)


def _movements(
    session: Session, batch_id: int, after: int, limit: int | None
) -> tuple[list[Movement], int | None]:
    if limit == 0:
        return [], None
    running = 0
    if after:
        running = int(
            session.scalar(
                select(func.coalesce(func.sum(LedgerEntry.quantity), 0)).where(
                    LedgerEntry.batch_id == batch_id, LedgerEntry.id <= after
                )
            )
            or 0
        )
    # Plain Core rows with the raw column types: the ORM's per-row conversions would cost more than
    # the query for a batch with 50,000 orders; timestamps are stored as naive UTC on both databases.
    table = LedgerEntry.__table__
    stmt = (
        select(
            table.c.id,
            type_coerce(table.c.at, DateTime()),
            type_coerce(table.c.kind, String()),
            table.c.quantity,
            table.c.source,
            table.c.posted_by,
        )
        .where(table.c.batch_id == batch_id, table.c.id > after)
        .order_by(table.c.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit + 1)
    rows = session.connection().execute(stmt).all()
    more = limit is not None and len(rows) > limit
    kinds = {kind.value: kind for kind in LedgerKind}
    movements = []
    for entry_id, at, kind, quantity, source, posted_by in rows[:limit] if limit is not None else rows:
        running += quantity
        moment = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        movements.append(Movement(entry_id, moment, kinds[kind], quantity, source, posted_by, running))
    return movements, (movements[-1].id if more else None)


def ledgered_batches(session: Session, actor: Actor, *, limit: int = 500) -> list[tuple[Batch, int]]:
    """Batches on the ledger within the actor's remit, newest first, with their balance in the zone."""
    in_zone = func.sum(LedgerEntry.quantity)
    stmt = (
        select(Batch, in_zone)
        .join(LedgerEntry, LedgerEntry.batch_id == Batch.id)
        .group_by(Batch.id)
        .order_by(Batch.id.desc())
        .limit(limit)
    )
    rows = session.execute(within_remit(stmt, remit_of(session, actor), Batch))
    return [(batch, int(balance)) for batch, balance in rows]
