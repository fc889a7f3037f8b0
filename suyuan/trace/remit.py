"""An actor's remit as data: what a dashboard, a statistic or a lookup may cover, and nothing more.

A merchant's remit is its own enterprise; a regulator's, the enterprises filed with its office; the
server operator's, everything; a consumer has none. Functions that aggregate over many rows (the
dashboards' statistics) narrow their SQL with :func:`within_enterprises` instead of loading rows and
filtering in Python, and a single batch outside the remit answers ``NotFound`` so that its existence
is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.errors import NotFound, PermissionDenied
from suyuan.trace.model import Batch, Enterprise, Role

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Remit:
    """An enterprise, an office's enterprises, or everything (both ``None``); optionally one batch."""

    enterprise_id: int | None = None
    office_id: int | None = None
    batch: Batch | None = None

    def covers(self, batch: Batch) -> bool:
        """Whether ``batch`` lies within this remit."""
        if self.enterprise_id is not None:
            return batch.product.enterprise_id == self.enterprise_id
        if self.office_id is not None:
            return batch.product.enterprise.office_id == self.office_id
        return True


def remit_of(session: Session, actor: Actor, batch_id: int | None = None) -> Remit:
    """The actor's remit, narrowed to ``batch_id`` if given; a batch outside it answers ``NotFound``."""
    if actor.operator:
        remit = Remit()
    elif actor.role is Role.MERCHANT and actor.enterprise_id is not None:
        remit = Remit(enterprise_id=actor.enterprise_id)
    elif actor.role is Role.REGULATOR and actor.office_id is not None:
        remit = Remit(office_id=actor.office_id)
    else:
        raise PermissionDenied("only merchant staff and inspection offices have a remit")
    if batch_id is None:
        return remit
    batch = session.get(Batch, batch_id)
    if batch is None or not remit.covers(batch):
        raise NotFound(f"batch {batch_id} does not exist")
    return Remit(remit.enterprise_id, remit.office_id, batch)


def within_enterprises(stmt: S, remit: Remit, enterprise_column: Any) -> S:
    """``stmt`` narrowed to rows whose ``enterprise_column`` lies within the remit."""
    if remit.enterprise_id is not None:
        return stmt.where(enterprise_column == remit.enterprise_id)
    if remit.office_id is not None:
        offices = select(Enterprise.id).where(Enterprise.office_id == remit.office_id)
        return stmt.where(enterprise_column.in_(offices))
    return stmt
