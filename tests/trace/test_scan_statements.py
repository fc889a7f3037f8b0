"""The scan path's SQL: one read and two writes per scan, counts that match the log, nothing stale.

The scan endpoint's throughput goal (docs/bench-codes.md) rests on these properties, so a change that
quietly adds round trips, caches a key's or batch's status across scans, or lets durability slip back to
a disk flush per scan on PostgreSQL fails here rather than only in a benchmark.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import keys, scanning
from suyuan.trace.codes import CodeId, ParsedCode, code_url, parse_code
from suyuan.trace.model import Batch, BatchStatus, Scan
from suyuan.trace.verdicts import Reason, Verdict
from tests.factories import BASE, World, code_urls, make_batch, make_world


@pytest.fixture
def world_batch(session: Session, runtime: Runtime) -> tuple[World, Batch]:
    world = make_world(session, runtime.ring)
    return world, make_batch(session, world, runtime.ring, count=10)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs, by their first word.

    A first scan's lock (``SELECT pg_advisory_xact_lock``, which serialises concurrent first scans of one code
    on PostgreSQL) is counted as ``LOCK``: it reads nothing.
    """
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        word = "LOCK" if "pg_advisory_xact_lock" in statement else statement.split(None, 1)[0].upper()
        seen.append(word)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def scan(runtime: Runtime, parsed: ParsedCode, device: str = "d") -> scanning.CodeCheck:
    """One scan in its own transaction, as the scan endpoint runs it."""
    with runtime.transaction() as db:
        return scanning.record_scan(db, runtime.ring, parsed, device=device)


def forged(batch: Batch, url: str) -> dict[str, ParsedCode]:
    """A code of ``batch`` forged in each way that reaches a different read path."""
    code = CodeId(batch.gtin, batch.lot, "1")
    return {
        "bad signature": parse_code(url.replace("/21/1?", "/21/2?")),
        "unknown kid": parse_code(code_url(BASE, code, "77", bytes(64))),
        "malformed signature": parse_code(url[:-5] + "x1234"),
    }


def test_a_scan_of_a_bound_code_reads_once_and_writes_once(runtime: Runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    url = code_urls_of(runtime, batch)[0]
    scan(runtime, parse_code(url))  # warm: the key ring's public key, a pooled connection
    with statements(runtime.engine) as seen:
        result = scan(runtime, parse_code(url))
    assert result.verdict is Verdict.GENUINE
    assert seen == ["SELECT", "INSERT", "INSERT"]  # the scan row, then its count in the daily tally


def test_a_forged_code_costs_at_most_one_more_read(runtime: Runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    url = code_urls_of(runtime, batch)[0]
    for name, parsed in forged(batch, url).items():
        with statements(runtime.engine) as seen:
            assert scan(runtime, parsed).verdict is Verdict.COUNTERFEIT, name
        assert seen.count("INSERT") == 2 and 1 <= seen.count("SELECT") <= 2, (name, seen)  # scan + tally


def test_counts_and_first_scan_are_those_of_the_log(runtime: Runtime, session: Session, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    url = code_urls_of(runtime, batch)[0]
    genuine = parse_code(url)
    bad = forged(batch, url)["bad signature"]
    for parsed, where in [
        (genuine, (Scan.batch_id == batch.id, Scan.serial == "1")),
        (bad, (Scan.batch_id.is_(None), Scan.serial == "2")),
    ]:
        for n in range(1, 4):
            result = scan(runtime, parsed, device=f"device-{n}")
            count, first = session.execute(select(func.count(), func.min(Scan.at)).where(*where)).one()
            assert (result.scan_count, result.first_scan_at) == (count, first) == (n, first)
            session.rollback()  # a fresh snapshot for the next look


def test_revocation_and_recall_take_effect_on_the_very_next_scan(
    runtime: Runtime, session: Session, world_batch
) -> None:  # type: ignore[no-untyped-def]
    world, batch = world_batch
    parsed = parse_code(code_urls_of(runtime, batch)[0])
    assert scan(runtime, parsed).verdict is Verdict.GENUINE
    session.execute(select(Batch).where(Batch.id == batch.id)).scalar_one().status = BatchStatus.RECALLED
    session.commit()
    assert scan(runtime, parsed).reasons == [Reason.BATCH_RECALLED]
    session.execute(select(Batch).where(Batch.id == batch.id)).scalar_one().status = BatchStatus.RELEASED
    keys.rotate_key(session, world.regulator, runtime.ring)
    keys.revoke_key(session, world.regulator, "1", reason="leaked")
    session.commit()
    assert scan(runtime, parsed).verdict is Verdict.REVOKED


def test_scans_commit_without_waiting_for_the_disk_on_postgresql(runtime: Runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs WAL with synchronous=NORMAL; only PostgreSQL waits for a flush per commit")
    _, batch = world_batch
    url = code_urls_of(runtime, batch)[0]
    for name, parsed in {"genuine": parse_code(url), **forged(batch, url)}.items():
        with runtime.transaction() as db:
            scanning.record_scan(db, runtime.ring, parsed, device="d")
            assert db.scalar(text("SHOW synchronous_commit")) == "off", name
    with runtime.transaction() as db:  # checking alone (e.g. before a claim) keeps full durability
        scanning.check_code(db, runtime.ring, parse_code(url))
        assert db.scalar(text("SHOW synchronous_commit")) == "on"


def code_urls_of(runtime: Runtime, batch: Batch) -> list[str]:
    """The batch's first code URLs, re-derived in a session of their own."""
    with runtime.transaction() as db:
        return code_urls(db, runtime.ring, db.get(Batch, batch.id), 1, 3)  # type: ignore[arg-type]
