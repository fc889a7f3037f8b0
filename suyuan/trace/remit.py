"""Who may see and act on which records: the one visibility rule, and each record's owner.

DESIGN.md §6. A consumer sees only public faces (the scan page, the notice board, the negative list)
and has no remit here. A merchant sees and acts on its own enterprise's records only; a regulator on
everything within its office's remit (the enterprises filed with its office and their products,
batches, declarations, reports, spot checks, recalls and complaints); the server operator on
everything. A record outside the remit does not exist for the actor: getters answer ``NotFound``
with the very message of an unknown id, so ids cannot be probed.

Every getter goes through :func:`visible` and every list through :func:`within_remit`, and both read
who owns a record from :data:`OWNERS`, the one table of "which enterprise or office does this row
belong to". The rule is applied in SQL (semi-joins on the owner's id), so a list never loads another
remit's rows, and a getter is that list narrowed to one id: the two cannot disagree. Aggregates over
lots (the dashboards' scan statistics) narrow an enterprise column with :func:`within_enterprises`.

Two refinements live in :data:`OWNERS` too: a complaint no office could be found for is every
office's (it stays visible to all of them), and a spot check is shown to its merchant only once
decided (a planned check stays unannounced).

A remit gives seeing and acting together. What a platform may only *read* about the goods sold on it
(admission decisions, recalls, warnings, complaints of the seller's) is therefore not a remit but a
rule of its own, :mod:`suyuan.trace.platform_view`; here a platform owns only the customs documents of
its orders (``Owner.platform``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, inspect, or_, select, true
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.db import Base
from suyuan.trace.errors import NotFound, PermissionDenied
from suyuan.trace.model import (
    Batch,
    BatchReport,
    CebInventory,
    CebOrder,
    CebReceipt,
    CebRefund,
    Complaint,
    ConsumerReturn,
    CreditEvent,
    Enterprise,
    EnterpriseDocument,
    EntryDeclaration,
    ExitDeclaration,
    Issuance,
    Office,
    Product,
    Recall,
    RectificationOrder,
    RectificationReport,
    ResponsibilityInterview,
    RiskWarning,
    Role,
    SpotCheck,
    SpotCheckStatus,
)

S = TypeVar("S", bound=Select[*tuple[Any, ...]])
M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class Remit:
    """An enterprise, an office's enterprises, or everything (both ``None``); optionally one batch."""

    enterprise_id: int | None = None
    office_id: int | None = None
    batch: Batch | None = None

    @property
    def everything(self) -> bool:
        """The operator's remit: no narrowing at all."""
        return self.enterprise_id is None and self.office_id is None


@dataclass(frozen=True)
class Owner:
    """Where a kind of record says who owns it.

    ``enterprise`` is the record's column holding its enterprise; a record without one belongs to
    whoever owns its parent, ``via`` (the foreign key column, the parent model). ``office`` is the
    record's own office column, for records filed with an office; the office's remit is read from it
    (else from the enterprise's office). ``every_office_if_unassigned``: a NULL office makes the
    record every office's. ``merchant_sees_only``: what must also hold for the merchant to see it.
    ``noun`` names the record in the ``NotFound`` message.
    """

    noun: str
    enterprise: Any = None
    via: tuple[Any, type[Base]] | None = None
    office: Any = None
    every_office_if_unassigned: bool = False
    merchant_sees_only: Any = None
    platform: Any = None


DECIDED_CHECKS = (SpotCheckStatus.PASSED, SpotCheckStatus.FAILED)

OWNERS: dict[type[Base], Owner] = {
    Enterprise: Owner("enterprise", enterprise=Enterprise.id, office=Enterprise.office_id),
    EnterpriseDocument: Owner("enterprise document", enterprise=EnterpriseDocument.enterprise_id),
    Product: Owner("product", enterprise=Product.enterprise_id),
    Batch: Owner("batch", via=(Batch.product_id, Product)),
    Issuance: Owner("issuance", via=(Issuance.batch_id, Batch)),
    BatchReport: Owner("report", via=(BatchReport.batch_id, Batch)),
    Recall: Owner("recall", via=(Recall.batch_id, Batch)),
    SpotCheck: Owner(
        "spot check",
        via=(SpotCheck.batch_id, Batch),
        office=SpotCheck.office_id,
        merchant_sees_only=SpotCheck.status.in_(DECIDED_CHECKS),
    ),
    EntryDeclaration: Owner(
        "entry declaration", enterprise=EntryDeclaration.enterprise_id, office=EntryDeclaration.office_id
    ),
    ExitDeclaration: Owner(
        "exit declaration", enterprise=ExitDeclaration.enterprise_id, office=ExitDeclaration.office_id
    ),
    Complaint: Owner(
        "complaint",
        enterprise=Complaint.enterprise_id,
        office=Complaint.office_id,
        every_office_if_unassigned=True,
    ),
    CreditEvent: Owner("credit event", enterprise=CreditEvent.enterprise_id),
    # Interviews and rectification orders: the enterprise's and the issuing office's (trace.rectification).
    ResponsibilityInterview: Owner(
        "responsibility interview",
        enterprise=ResponsibilityInterview.enterprise_id,
        office=ResponsibilityInterview.office_id,
    ),
    RectificationOrder: Owner(
        "rectification order",
        enterprise=RectificationOrder.enterprise_id,
        office=RectificationOrder.office_id,
    ),
    RectificationReport: Owner(
        "rectification report", via=(RectificationReport.order_id, RectificationOrder)
    ),
    RiskWarning: Owner("warning", office=RiskWarning.office_id),  # an office's; merchants own none
    # Customs (CEB) documents: the seller's and the platform's it was sold on (suyuan.trace.ceb).
    CebOrder: Owner(
        "order", enterprise=CebOrder.merchant_id, office=CebOrder.office_id, platform=CebOrder.platform_id
    ),
    CebInventory: Owner(
        "inventory",
        enterprise=CebInventory.merchant_id,
        office=CebInventory.office_id,
        platform=CebInventory.platform_id,
    ),
    CebReceipt: Owner(
        "receipt",
        enterprise=CebReceipt.merchant_id,
        office=CebReceipt.office_id,
        platform=CebReceipt.platform_id,
    ),
    # Returns: a CEB625 return is its inventory's (seller, platform, office), a return taken at the
    # merchant's desk its exit declaration's (suyuan.trace.ceb.return_desk lists both).
    CebRefund: Owner("return", via=(CebRefund.inventory_id, CebInventory)),
    ConsumerReturn: Owner("return", via=(ConsumerReturn.exit_declaration_id, ExitDeclaration)),
}
"""Each owned kind of record and where it names its owner (a kind missing here has no remit rule)."""


def remit_of(session: Session, actor: Actor, batch_id: int | None = None) -> Remit:
    """The actor's remit, narrowed to ``batch_id`` if given; a batch outside it answers ``NotFound``.

    Consumers (and anyone else without an office or an enterprise) have none: ``PermissionDenied``.
    """
    if actor.operator:
        remit = Remit()
    elif actor.is_merchant and actor.enterprise_id is not None:
        remit = Remit(enterprise_id=actor.enterprise_id)
    elif actor.is_regulator and actor.office_id is not None:
        remit = Remit(office_id=actor.office_id)
    else:
        raise PermissionDenied("only merchant staff and inspection offices have a remit")
    if batch_id is None:
        return remit
    return Remit(remit.enterprise_id, remit.office_id, visible(session, actor, Batch, batch_id))


def office_reader(session: Session, office_code: str) -> Actor:
    """An actor reading and acting as the office with this code (the CLI's ``--office CODE``)."""
    office = session.scalar(select(Office).where(Office.code == office_code))
    if office is None:
        raise NotFound(f"office {office_code!r} does not exist")
    return Actor(label=f"operator:office:{office.code}", role=Role.REGULATOR, office_id=office.id)


def visible(session: Session, actor: Actor, model: type[M], record_id: int) -> M:
    """The record of ``model`` with this id if it lies within the actor's remit.

    Otherwise ``NotFound`` with the message an unknown id gets ("batch 7 does not exist"), for an
    actor without a remit too, so that nobody learns whether the id exists.
    """
    missing = NotFound(f"{OWNERS[model].noun} {record_id} does not exist")
    if isinstance(record_id, bool) or not isinstance(record_id, int) or not 1 <= record_id <= MAX_INT:
        raise missing
    try:
        remit = remit_of(session, actor)
    except PermissionDenied:
        raise missing from None
    found = session.scalar(within_remit(select(model).where(_id_of(model) == record_id), remit, model))
    if found is None:
        raise missing
    return found


def covers(session: Session, actor: Actor, model: type[Base], record_id: int) -> bool:
    """Whether the record lies within the actor's remit (for records everyone may read, such as risk
    warnings, but only their owner may act on)."""
    try:
        visible(session, actor, model, record_id)
    except NotFound:
        return False
    return True


def within_remit(stmt: S, remit: Remit, model: type[Base]) -> S:
    """``stmt`` (which selects from ``model``) narrowed to the ``model`` rows within the remit."""
    return stmt if remit.everything else stmt.where(remit_filter(remit, model))


def remit_filter(remit: Remit, model: type[Base]) -> ColumnElement[bool]:
    """The SQL condition "this ``model`` row lies within the remit", from :data:`OWNERS`."""
    if remit.everything:
        return true()
    owner = OWNERS[model]
    if remit.office_id is not None and owner.office is not None:
        own = owner.office == remit.office_id
        return or_(own, owner.office.is_(None)) if owner.every_office_if_unassigned else own
    owned = _owned(owner, remit)
    if remit.enterprise_id is not None and owner.platform is not None:
        owned = or_(owned, owner.platform == remit.enterprise_id)
    if remit.enterprise_id is not None and owner.merchant_sees_only is not None:
        return and_(owned, owner.merchant_sees_only)
    return owned


def within_enterprises(stmt: S, remit: Remit, enterprise_column: Any) -> S:
    """``stmt`` narrowed to rows whose ``enterprise_column`` names an enterprise within the remit.

    For aggregates that are not a list of owned records (scans and tallies by lot).
    """
    return stmt if remit.everything else stmt.where(_enterprise_within(enterprise_column, remit))


def _owned(owner: Owner, remit: Remit) -> ColumnElement[bool]:
    if owner.via is not None:
        column, parent = owner.via
        return column.in_(select(_id_of(parent)).where(remit_filter(remit, parent)))  # type: ignore[no-any-return]
    if owner.enterprise is None:
        return false()
    return _enterprise_within(owner.enterprise, remit)


def _enterprise_within(column: Any, remit: Remit) -> ColumnElement[bool]:
    if remit.enterprise_id is not None:
        return column == remit.enterprise_id  # type: ignore[no-any-return]
    offices = select(Enterprise.id).where(Enterprise.office_id == remit.office_id)
    return column.in_(offices)  # type: ignore[no-any-return]


def _id_of(model: type[Base]) -> Any:
    return inspect(model).primary_key[0]
