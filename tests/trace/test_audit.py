"""The audit log is a hash chain: any edited, deleted or reordered entry is detected."""

from __future__ import annotations

import itertools

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import audit
from suyuan.trace.model import AuditEntry
from tests.factories import make_batch, make_world


def test_every_state_change_appends_a_linked_entry(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    make_batch(session, world, runtime.ring)
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    actions = [e.action for e in entries]
    for expected in (
        "key.created",
        "enterprise.filed",
        "user.created",
        "product.filed",
        "product.admitted",
        "batch.registered",
        "codes.issued",
        "batch.released",
    ):
        assert expected in actions
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert audit.verify_chain(session).ok


def test_an_edited_entry_is_detected_at_that_entry(session: Session, runtime: Runtime) -> None:
    make_world(session, runtime.ring)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(payload='{"forged": true}'))
    session.commit()
    report = audit.verify_chain(session)
    assert not report.ok
    assert report.broken_seq == 3
    assert report.entries == 2
    assert "altered" in (report.problem or "")


def test_a_deleted_entry_is_detected(session: Session, runtime: Runtime) -> None:
    make_world(session, runtime.ring)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    session.commit()
    report = audit.verify_chain(session)
    assert report.broken_seq == 3 and "missing" in (report.problem or "")


def test_a_recomputed_hash_still_breaks_the_next_link(session: Session, runtime: Runtime) -> None:
    make_world(session, runtime.ring)
    entry = session.scalars(select(AuditEntry).filter_by(seq=2)).one()
    entry.actor = "someone else"
    entry.hash = audit.entry_hash(entry)  # a careful forger fixes this entry's own hash...
    session.commit()
    report = audit.verify_chain(session)
    assert report.broken_seq == 3  # ...but the next entry no longer links to it
    assert "predecessor" in (report.problem or "")


def test_an_empty_log_verifies(session: Session) -> None:
    report = audit.verify_chain(session)
    assert report.ok and report.entries == 0
