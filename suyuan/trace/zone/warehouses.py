"""Supervised warehouses (SZ Art. 16, 34; R27): where the office lets bonded goods be stored.

An office designates warehouse enterprises filed with it as supervised warehouses (and withdraws a
designation, which stays on record). An entry declaration names the warehouse its goods go to, and its
batches follow. Once an office has designated any warehouse, a declared lot of that office is released
only when it is stored in one (:mod:`suyuan.trace.zone.inspection`, ``no_supervised_warehouse``): an office
that designated none keeps its old rule, so warehouses can be introduced office by office.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.errors import Duplicate, InvalidInput, InvalidState, NotFound, PermissionDenied
from suyuan.trace.fields import text
from suyuan.trace.model import (
    Batch,
    Enterprise,
    EnterpriseKind,
    EntryDeclaration,
    EntryLine,
    SupervisedWarehouse,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import visible
from suyuan.trace.zone.entry import get_entry


def designate_warehouse(
    session: Session, actor: Actor, enterprise_id: int, *, address: str = ""
) -> SupervisedWarehouse:
    """The office designates a warehouse enterprise filed with it as a supervised warehouse."""
    office_id = _office_of(actor)
    enterprise = visible(session, actor, Enterprise, enterprise_id)
    address = text(address, "address", 300) or enterprise.address
    if enterprise.kind is not EnterpriseKind.WAREHOUSE:
        raise InvalidInput(f"enterprise {enterprise.id} is not a warehouse enterprise", field="enterprise_id")
    clash = select(SupervisedWarehouse).filter_by(enterprise_id=enterprise.id, active=True)
    if session.scalar(clash) is not None:
        raise Duplicate(f"enterprise {enterprise.id} is already a supervised warehouse")
    warehouse = SupervisedWarehouse(
        office_id=office_id,
        enterprise_id=enterprise.id,
        address=address,
        active=True,
        designated_at=utcnow(),
        designated_by=actor.label,
    )
    session.add(warehouse)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="warehouse.designated",
        subject=f"warehouse:{warehouse.id}",
        payload={"enterprise_id": enterprise.id, "address": address},
    )
    return warehouse


def withdraw_designation(session: Session, actor: Actor, warehouse_id: int) -> SupervisedWarehouse:
    """The office withdraws a designation; batches stored there keep their link, new entries cannot use it."""
    warehouse = get_warehouse(session, actor, warehouse_id)
    _office_of(actor)
    if not warehouse.active:
        raise InvalidState(f"warehouse {warehouse.id} was already withdrawn")
    warehouse.active = False
    warehouse.withdrawn_at, warehouse.withdrawn_by = utcnow(), actor.label
    audit.record(
        session,
        actor=actor.label,
        action="warehouse.withdrawn",
        subject=f"warehouse:{warehouse.id}",
        payload={},
    )
    return warehouse


def get_warehouse(session: Session, actor: Actor, warehouse_id: int) -> SupervisedWarehouse:
    """A designation of the actor's office (a merchant: of its enterprise's office); else ``NotFound``."""
    warehouse = session.get(SupervisedWarehouse, warehouse_id) if isinstance(warehouse_id, int) else None
    if warehouse is None or (not actor.operator and warehouse.office_id != _reading_office(session, actor)):
        raise NotFound(f"warehouse {warehouse_id} does not exist")
    return warehouse


def list_warehouses(session: Session, actor: Actor) -> list[SupervisedWarehouse]:
    """The designations of the actor's office, withdrawn ones included, oldest first."""
    stmt = select(SupervisedWarehouse).order_by(SupervisedWarehouse.id)
    if not actor.operator:
        stmt = stmt.where(SupervisedWarehouse.office_id == _reading_office(session, actor))
    return list(session.scalars(stmt))


def office_has_warehouses(session: Session, office_id: int) -> bool:
    """Whether the office designated any warehouse in force (then declared lots must be stored in one)."""
    stmt = select(SupervisedWarehouse.id).filter_by(office_id=office_id, active=True).limit(1)
    return session.scalar(stmt) is not None


def store_entry(session: Session, actor: Actor, declaration_id: int, warehouse_id: int) -> EntryDeclaration:
    """Name the supervised warehouse an entry's goods are stored in (its merchant or its office).

    The warehouse must be designated, in force, by the entry's office; every batch of the entry follows.
    """
    declaration = get_entry(session, actor, declaration_id)
    warehouse = session.get(SupervisedWarehouse, warehouse_id) if isinstance(warehouse_id, int) else None
    if warehouse is None or warehouse.office_id != declaration.office_id:
        raise InvalidInput(
            f"warehouse {warehouse_id} is not a supervised warehouse of this office", field="warehouse_id"
        )
    if not warehouse.active:
        raise InvalidState(f"warehouse {warehouse.id} is no longer designated")
    declaration.warehouse_id = warehouse.id
    batch_ids = select(EntryLine.batch_id).where(
        EntryLine.declaration_id == declaration.id, EntryLine.batch_id.is_not(None)
    )
    session.execute(update(Batch).where(Batch.id.in_(batch_ids)).values(warehouse_id=warehouse.id))
    session.expire_all()
    audit.record(
        session,
        actor=actor.label,
        action="entry.stored",
        subject=f"entry:{declaration.id}",
        payload={"warehouse_id": warehouse.id},
    )
    return get_entry(session, actor, declaration_id)


def _office_of(actor: Actor) -> int:
    actor.require_regulator()
    if actor.office_id is None:
        raise PermissionDenied("warehouses are designated by an office: sign in as its staff")
    return actor.office_id


def _reading_office(session: Session, actor: Actor) -> int | None:
    if actor.is_regulator:
        return actor.office_id
    enterprise = session.get(Enterprise, actor.enterprise_id) if actor.enterprise_id is not None else None
    if enterprise is None:
        raise PermissionDenied("sign in as office or merchant staff")
    return enterprise.office_id
