"""Appending to and verifying the tamper-evident audit log.

Every state change calls :func:`record` inside the same transaction as the change itself, so a
change and its audit entry commit or vanish together. Each entry's hash covers the previous
entry's hash and all of its own columns; editing, deleting or reordering any row breaks the chain
from that row on, and :func:`verify_chain` names the first broken link.

The chain is unkeyed: someone who can write to the database can rewrite an entry *and* recompute
every later hash, or cut off the tail, and the chain alone still verifies. Signed checkpoints
(:mod:`suyuan.trace.audit_checkpoints`) anchor it: :func:`verify_chain` takes the head hashes they
sign as ``anchors`` and reports an entry that no longer has the hash a checkpoint signed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, text
from sqlalchemy.orm import Session

from suyuan.trace.model import AuditEntry
from suyuan.trace.model.types import utcnow

GENESIS_HASH = "0" * 64


def record(session: Session, *, actor: str, action: str, subject: str, payload: dict[str, Any]) -> AuditEntry:
    """Append one entry for a state change; call it in the transaction that makes the change.

    The change's pending objects are flushed first (so they have their ids, as callers expect after
    recording). The head is read (:func:`_locked_head`) and the entry written on the session's
    connection without the ORM: the entry is not an ORM-tracked object, which keeps an append to three
    round trips on PostgreSQL (lock, head, insert) without the unit-of-work machinery; the returned
    entry is a detached copy of what was written.
    """
    session.flush()
    connection = session.connection()
    last = _locked_head(connection)
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor=actor,
        action=action,
        subject=subject,
        payload=json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    entry.hash = entry_hash(entry)
    connection.execute(
        _APPEND,
        {
            "seq": entry.seq,
            "at": entry.at,
            "actor": entry.actor,
            "action": entry.action,
            "subject": entry.subject,
            "payload": entry.payload,
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
        },
    )
    return entry


_HEAD = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
_APPEND = insert(AuditEntry)
_LOCK = text("SELECT pg_advisory_xact_lock(7410815)")


def _locked_head(connection: Connection) -> Row[int, str] | None:
    """The chain's head (seq, hash), read once this transaction alone may append, so no fork is possible.

    On PostgreSQL a transaction-scoped advisory lock is taken first, by a statement of its own: in READ
    COMMITTED a statement's snapshot is taken when it starts, so a head read in the locking statement
    could miss the entry the previous holder committed while it waited. SQLite serialises writers by
    itself. The unique ``seq`` is the last line of defence on both. Both statements are built once and
    run on the connection, not through the ORM session (docs/benchmarks.md, "Third round").
    """
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK)
    return connection.execute(_HEAD).first()


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over a canonical JSON of the entry's content and its predecessor's hash."""
    content = {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a chain check: how many entries verified and, if any, the first broken one."""

    entries: int
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every entry links to its predecessor and hashes to its stored hash."""
        return self.broken_seq is None


@dataclass(frozen=True)
class Anchor:
    """A head hash that an entry must have, and who says so (e.g. "the checkpoint of <time>")."""

    head_hash: str
    source: str


def verify_chain(
    session: Session, batch_size: int = 1000, anchors: Mapping[int, Sequence[Anchor]] | None = None
) -> ChainReport:
    """Walk the whole log in order, streaming, and report the first entry that does not verify.

    With ``anchors`` (head hashes by ``seq``), an entry whose hash differs from an anchor's is broken
    too: the links are consistent, so an entry at or before it was rewritten and the rest re-hashed.
    """
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch_size)
    for entry in session.scalars(stmt):
        problem = _link_problem(entry, expected_seq, expected_prev) or _anchor_problem(
            entry, (anchors or {}).get(entry.seq, ())
        )
        if problem:
            return ChainReport(entries=count, broken_seq=entry.seq, problem=problem)
        expected_prev, expected_seq, count = entry.hash, entry.seq + 1, count + 1
    return ChainReport(entries=count)


def _anchor_problem(entry: AuditEntry, anchors: Sequence[Anchor]) -> str | None:
    for anchor in anchors:
        if entry.hash != anchor.head_hash:
            return (
                f"entry {entry.seq} does not have the head hash that {anchor.source} signed: the log was "
                f"rewritten at or before entry {entry.seq} and the later hashes recomputed"
            )
    return None


def _link_problem(entry: AuditEntry, expected_seq: int, expected_prev: str) -> str | None:
    if entry.seq != expected_seq:
        return f"entry {expected_seq} is missing (found {entry.seq} next)"
    if entry.prev_hash != expected_prev:
        return f"entry {entry.seq} does not link to its predecessor (prev_hash differs)"
    if entry_hash(entry) != entry.hash:
        return f"entry {entry.seq} was altered (its content no longer matches its hash)"
    return None
