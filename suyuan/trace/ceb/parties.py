"""Which filed enterprise a CEB enterprise code names, and whether the sender may speak for it.

CEB names enterprises by an 18-character USCC (which Suyuan files) or a 10-character customs
registration code (which it does not): offices register the latter against the enterprise once
(:func:`register_customs_code`). A message about an order is accepted only from staff of the platform
or the e-commerce enterprise it names (or the server operator), so nobody can declare, pay or return
another party's orders.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, bindparam, select, union_all
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.ceb.checks import Rejection, enterprise_code
from suyuan.trace.errors import Duplicate, InvalidInput
from suyuan.trace.model import Enterprise, EnterpriseKind
from suyuan.trace.model.ceb import CebPartyCode
from suyuan.trace.registry import get_enterprise


class Party(NamedTuple):
    """What the rules read of a filed enterprise a document names: a plain row, not a tracked object.

    Why not the mapped :class:`Enterprise`: a document only checks the party's kind and carries its id
    and office onward, and loading the whole entity into the session was a large share of an import's
    time (docs/benchmarks.md, "Third round"). Read in the document's own unit of work, never cached.
    """

    id: int
    kind: EnterpriseKind
    uscc: str
    office_id: int


def resolve(session: Session, code: str) -> Enterprise | None:
    """The filed enterprise a (valid) CEB enterprise code names, or ``None``."""
    if len(code) == 18:
        return session.scalar(select(Enterprise).where(Enterprise.uscc == code))
    return session.scalar(
        select(Enterprise)
        .join(CebPartyCode, CebPartyCode.enterprise_id == Enterprise.id)
        .where(CebPartyCode.code == code)
    )


def party(session: Session, code: str, name: str, kind: EnterpriseKind) -> Party:
    """The filed enterprise of ``kind`` that ``code`` names; -10102 when there is none."""
    return parties(session, (code, name, kind))[0]


def parties(session: Session, *wanted: tuple[str, str, EnterpriseKind]) -> list[Party]:
    """:func:`party` for several ``(code, element name, kind)`` at once, resolved in one query.

    Why: every document names two or three parties, and a round trip each was a large share of an
    import (docs/benchmarks.md). Refusals come in the order of ``wanted``, exactly as one
    :func:`party` call after another would raise them.
    """
    valid = set()
    for code, name, _kind in wanted:
        try:
            valid.add(enterprise_code(code, name))
        except Rejection:
            continue
    found = _resolve_all(session, valid)
    # enterprise_code again, in order: the first invalid code raises its own refusal
    return [_of_kind(found.get(enterprise_code(code, name)), code, name, kind) for code, name, kind in wanted]


def _resolve_all(session: Session, codes: set[str]) -> dict[str, Party]:
    """Filed enterprises by USCC or registered customs code, for many codes in one query."""
    if not codes:
        return {}
    usccs = [code for code in codes if len(code) == 18]
    customs = [code for code in codes if len(code) != 18]
    rows = session.connection().execute(_resolve_statement(), {"usccs": usccs, "customs": customs})
    return {code: Party(id_, kind, uscc, office_id) for id_, kind, uscc, office_id, code in rows}


_PARTY_COLUMNS = (Enterprise.id, Enterprise.kind, Enterprise.uscc, Enterprise.office_id)


@cache
def _resolve_statement() -> Select[int, EnterpriseKind, str, int, str]:
    """By USCC or by registered customs code, each branch on its index; built once per process."""
    by_uscc = select(*_PARTY_COLUMNS, Enterprise.uscc.label("code")).where(
        Enterprise.uscc.in_(bindparam("usccs", expanding=True))
    )
    by_code = (
        select(*_PARTY_COLUMNS, CebPartyCode.code.label("code"))
        .join(CebPartyCode, CebPartyCode.enterprise_id == Enterprise.id)
        .where(CebPartyCode.code.in_(bindparam("customs", expanding=True)))
    )
    both = union_all(by_uscc, by_code).subquery()
    return select(both.c.id, both.c.kind, both.c.uscc, both.c.office_id, both.c.code)


def _of_kind(enterprise: Party | None, code: str, name: str, kind: EnterpriseKind) -> Party:
    if enterprise is None:
        raise Rejection("unknown_enterprise", f"{name} {code} names no enterprise filed with Suyuan", -10102)
    if enterprise.kind is not kind:
        raise Rejection(
            "invalid_enterprise_type", f"{name} {code} is a {enterprise.kind}, not a {kind}", -10101
        )
    return enterprise


def require_party(actor: Actor, *enterprises: Party | Enterprise | None) -> None:
    """Refuse a document unless the sender is the operator or staff of one of ``enterprises``."""
    if actor.operator:
        return
    if actor.enterprise_id is None or actor.enterprise_id not in {e.id for e in enterprises if e is not None}:
        raise Rejection("not_a_party", "the sender is not a party to this document")


def register_customs_code(session: Session, actor: Actor, enterprise_id: int, code: str) -> CebPartyCode:
    """Record that a 10-character customs registration code names a filed enterprise (offices only)."""
    actor.require_regulator()
    enterprise = get_enterprise(session, actor, enterprise_id)
    value = (code or "").strip().upper()
    try:
        enterprise_code(value, "code")
    except Rejection as exc:
        raise InvalidInput(exc.message, field="code") from None
    if len(value) != 10:
        raise InvalidInput("only 10-character customs codes are registered; USCCs resolve by themselves")
    if session.scalar(select(CebPartyCode.id).where(CebPartyCode.code == value)) is not None:
        raise Duplicate(f"customs code {value} is already registered")
    row = CebPartyCode(code=value, enterprise_id=enterprise.id)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="ceb.customs_code_registered",
        subject=f"enterprise:{enterprise.id}",
        payload={"code": value},
    )
    return row
