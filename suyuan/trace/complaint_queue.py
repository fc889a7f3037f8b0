"""The office's complaint queue: filter, search and sort the complaints of its remit.

Separate from :mod:`suyuan.trace.complaints` (which owns filing and the status machine) because this is
only a way of reading: an officer narrows the queue by status, category and filing date, searches it by
reference, product name, GTIN or lot, and sorts it oldest first to work through what waits longest.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.complaints import normalise_reference
from suyuan.trace.errors import InvalidInput
from suyuan.trace.fields import choice
from suyuan.trace.model import Batch, Complaint, ComplaintCategory, ComplaintStatus, Product
from suyuan.trace.model.types import BEIJING
from suyuan.trace.remit import remit_filter, remit_of

MAX_QUEUE = 500
MAX_SEARCH = 100


class QueueOrder(enum.StrEnum):
    """How the queue is sorted: newest first (the default) or oldest first (what waits longest)."""

    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True)
class QueueFilter:
    """What the officer narrowed the queue to; empty fields do not narrow."""

    status: str = ""
    category: str = ""
    since: date | None = None
    until: date | None = None
    search: str = ""
    order: str = QueueOrder.NEWEST


def complaint_queue(
    session: Session, actor: Actor, wanted: QueueFilter, *, limit: int = 200
) -> list[Complaint]:
    """The complaints of the actor's remit that pass ``wanted``, in its order."""
    where: list[ColumnElement[bool]] = [remit_filter(remit_of(session, actor), Complaint)]
    if wanted.status:
        where.append(Complaint.status == choice(ComplaintStatus, wanted.status, "status"))
    if wanted.category:
        where.append(Complaint.category == choice(ComplaintCategory, wanted.category, "category"))
    if wanted.since is not None:
        where.append(Complaint.created_at >= _beijing_midnight(wanted.since))
    if wanted.until is not None:
        where.append(Complaint.created_at < _beijing_midnight(wanted.until + timedelta(days=1)))
    if wanted.since and wanted.until and wanted.since > wanted.until:
        raise InvalidInput("the first day is after the last day", field="since")
    search = " ".join(wanted.search.split())
    if len(search) > MAX_SEARCH:
        raise InvalidInput(f"search at most {MAX_SEARCH} characters", field="search")
    if search:
        where.append(_matching(search))
    if not 1 <= limit <= MAX_QUEUE:
        raise InvalidInput(f"limit must be between 1 and {MAX_QUEUE}", field="limit")
    order = choice(QueueOrder, wanted.order or QueueOrder.NEWEST, "order")
    by = (
        (Complaint.created_at.asc(), Complaint.id.asc())
        if order is QueueOrder.OLDEST
        else (Complaint.created_at.desc(), Complaint.id.desc())
    )
    return list(session.scalars(select(Complaint).where(*where).order_by(*by).limit(limit)))


def _matching(search: str) -> ColumnElement[bool]:
    """A reference (as typed), a lot, a GTIN, or part of the product's name."""
    needle = search.lower()
    products = select(Batch.id).join(Product, Product.id == Batch.product_id)
    named = products.where(
        or_(
            func.lower(Product.name).contains(needle, autoescape=True),
            func.lower(Product.name_en).contains(needle, autoescape=True),
        )
    )
    found = [
        func.upper(Complaint.lot) == search.upper(),
        Complaint.gtin == search,
        Complaint.batch_id.in_(named),
    ]
    reference = normalise_reference(search)
    if reference is not None:
        found.append(Complaint.reference == reference)
    return or_(*found)


def _beijing_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), BEIJING).astimezone(UTC)
