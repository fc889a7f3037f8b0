"""The office's positive and key-supervision lists beside the negative list (R13, R15; CQ §2(1)4; O15 §3(1)).

Both lists name goods by a prefix of the HS code or by product category and are kept per office, as data.

* **Positive list** rule: when the office that keeps a merchant's filings has at least one active
  positive-list entry, a product filing matching none of them is *outside the positive list*. It is not
  refused (only the negative list refuses) and not silently admitted either: it is flagged for
  **on-site verification** and handled as key supervision (below) until the office lists it.
* **Key-supervision list**: goods on it, or outside the positive list, are handled as risk class 2
  (key supervision) whatever class their admission gave: the higher sampling base of class 2 in every
  draw, and an **inspection before release** (a passed spot check of the lot,
  :mod:`suyuan.trace.zone.inspection`).

Entries of all three lists (negative included, :func:`withdraw_negative_entry`) are withdrawn, never
deleted: a withdrawn entry stays on record, with who withdrew it, and is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.errors import Duplicate, InvalidInput, InvalidState, NotFound, PermissionDenied
from suyuan.trace.fields import choice, text
from suyuan.trace.model import (
    Enterprise,
    ListKind,
    ListMatch,
    NegativeListEntry,
    Product,
    ProductCategory,
    RiskClass,
    SupervisionListEntry,
)
from suyuan.trace.model.types import utcnow


@dataclass(frozen=True)
class ListStanding:
    """Where a product stands on its office's lists; ``on_positive_list`` is None without a positive list."""

    on_positive_list: bool | None
    key_supervision: bool
    entries: tuple[SupervisionListEntry, ...]

    @property
    def needs_on_site_verification(self) -> bool:
        """Outside a positive list the office keeps: verified on site, never silently admitted."""
        return self.on_positive_list is False

    @property
    def key_handling(self) -> bool:
        """Handled as key supervision: higher sampling and an inspection before release."""
        return self.key_supervision or self.needs_on_site_verification


def add_entry(
    session: Session, actor: Actor, *, list_kind: str, match: str, value: str, reason: str = ""
) -> SupervisionListEntry:
    """Add an entry to the actor's office's positive or key-supervision list (regulators of an office)."""
    office_id = _office_of(actor)
    kind = choice(ListKind, list_kind, "list_kind")
    how = choice(ListMatch, match, "match")
    value = _value(how, value)
    reason = text(reason, "reason", 2000)
    clash = select(SupervisionListEntry).filter_by(
        office_id=office_id, list_kind=kind, match=how, value=value, active=True
    )
    if session.scalar(clash) is not None:
        raise Duplicate(f"the {kind.value} list already has {how.value} {value!r}")
    entry = SupervisionListEntry(
        office_id=office_id,
        list_kind=kind,
        match=how,
        value=value,
        reason=reason,
        active=True,
        created_at=utcnow(),
        created_by=actor.label,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action=f"{kind.value}_list.added",
        subject=f"supervision_list:{entry.id}",
        payload={"match": how.value, "value": value, "reason": reason},
    )
    return entry


def withdraw_entry(session: Session, actor: Actor, entry_id: int, note: str = "") -> SupervisionListEntry:
    """Withdraw an entry of the actor's office's list; it stays on record but no longer matches."""
    office_id = _office_of(actor)
    entry = session.get(SupervisionListEntry, entry_id)
    if entry is None or (entry.office_id != office_id and not actor.operator):
        raise NotFound(f"list entry {entry_id} does not exist")
    note = text(note, "note", 2000)
    if not entry.active:
        raise InvalidState(f"list entry {entry.id} was already withdrawn")
    entry.active = False
    entry.withdrawn_at, entry.withdrawn_by, entry.withdrawal_note = utcnow(), actor.label, note
    audit.record(
        session,
        actor=actor.label,
        action=f"{entry.list_kind.value}_list.withdrawn",
        subject=f"supervision_list:{entry.id}",
        payload={"note": note},
    )
    return entry


def withdraw_negative_entry(
    session: Session, actor: Actor, entry_id: int, note: str = ""
) -> NegativeListEntry:
    """Withdraw a negative-list rule (regulators); refused if it was already withdrawn."""
    actor.require_regulator()
    entry = session.get(NegativeListEntry, entry_id)
    if entry is None:
        raise NotFound(f"negative-list entry {entry_id} does not exist")
    note = text(note, "note", 2000)
    if not entry.active:
        raise InvalidState(f"negative-list entry {entry.id} was already withdrawn")
    entry.active = False
    audit.record(
        session,
        actor=actor.label,
        action="negative_list.deactivated",
        subject=f"negative_list:{entry.id}",
        payload={"note": note},
    )
    return entry


def list_entries(
    session: Session, actor: Actor, *, include_withdrawn: bool = True
) -> list[SupervisionListEntry]:
    """The entries of the actor's office (a merchant: of its enterprise's office), oldest first."""
    office_id = actor.office_id
    if office_id is None and actor.enterprise_id is not None:
        enterprise = session.get(Enterprise, actor.enterprise_id)
        office_id = enterprise.office_id if enterprise is not None else None
    stmt = select(SupervisionListEntry).order_by(SupervisionListEntry.id)
    if office_id is not None:
        stmt = stmt.where(SupervisionListEntry.office_id == office_id)
    elif not actor.operator:
        raise PermissionDenied("sign in as office or merchant staff to read the lists")
    if not include_withdrawn:
        stmt = stmt.where(SupervisionListEntry.active.is_(True))
    return list(session.scalars(stmt))


def standing(session: Session, product: Product) -> ListStanding:
    """Where ``product`` stands on the lists of the office that keeps its filing."""
    stmt = select(SupervisionListEntry).where(
        SupervisionListEntry.office_id == product.enterprise.office_id,
        SupervisionListEntry.active.is_(True),
    )
    entries = list(session.scalars(stmt.order_by(SupervisionListEntry.id)))
    positive = [e for e in entries if e.list_kind is ListKind.POSITIVE]
    matching = tuple(e for e in entries if matches(e, product))
    return ListStanding(
        on_positive_list=any(e.list_kind is ListKind.POSITIVE for e in matching) if positive else None,
        key_supervision=any(e.list_kind is ListKind.KEY_SUPERVISION for e in matching),
        entries=matching,
    )


def matches(entry: SupervisionListEntry, product: Product) -> bool:
    """Whether one entry names the product: by HS prefix (dots ignored) or by category."""
    if entry.match is ListMatch.HS_PREFIX:
        return (product.hs_code or "").replace(".", "").startswith(entry.value)
    return str(product.category) == entry.value


def effective_risk_class(session: Session, product: Product) -> int | None:
    """The class the draw applies: key supervision for listed goods and goods outside the positive list."""
    if product.risk_class == RiskClass.PROHIBITED:
        return product.risk_class
    if standing(session, product).key_handling:
        return int(RiskClass.KEY_SUPERVISION)
    return product.risk_class


def _office_of(actor: Actor) -> int:
    actor.require_regulator()
    if actor.office_id is None:
        raise PermissionDenied("the lists are kept by an office: sign in as its staff")
    return actor.office_id


def _value(match: ListMatch, value: str) -> str:
    value = (value or "").strip().replace(".", "")
    if match is ListMatch.HS_PREFIX:
        if not (value.isascii() and value.isdigit() and 2 <= len(value) <= 10):
            raise InvalidInput("an HS prefix is 2-10 digits", field="value")
        return value
    return choice(ProductCategory, value, "value").value
