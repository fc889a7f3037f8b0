"""The scan path's fast lane and batched writer, in one process: same answers, fresh verdicts, right counts.

The fast lane (suyuan.trace.scan_path) answers a genuine code of a batch the process has already seen;
these tests scan every code once through the full path first, so the scans that follow take the lane.
Across processes and servers: tests/web/test_scan_servers.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.trace import keys, recalls
from suyuan.trace.model import Batch, Scan, ScanTally
from suyuan.trace.model.types import utcnow
from suyuan.trace.scan_writer import PendingScan, ScanWriter
from suyuan.web import create_app
from tests.factories import World, code_urls, make_batch, make_world
from tests.web.test_scan_page import JSON, path_of


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


@pytest.fixture
def batch(session: Session, runtime: Runtime, world: World) -> Batch:
    return make_batch(session, world, runtime.ring, count=5)


@pytest.fixture
def codes(session: Session, runtime: Runtime, batch: Batch) -> list[str]:
    return [path_of(u) for u in code_urls(session, runtime.ring, batch, 1, 5)]


def _app_rt(app: Flask) -> Runtime:
    rt: Runtime = app.extensions["suyuan"]
    return rt


@pytest.fixture
def batched(settings: Settings) -> Iterator[FlaskClient]:
    """A client of an app whose writer waits 10 s: nothing is written unless something flushes it."""
    app = create_app(replace(settings, scan_write_delay_ms=10_000), {"TESTING": True})
    yield app.test_client()
    _app_rt(app).close()


def statements_of(app: Flask, fn: object) -> list[str]:
    """The SQL statements run on the app's engines while ``fn()`` runs."""
    rt = _app_rt(app)
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    engines = {id(rt.engine): rt.engine, id(rt.scan_reads): rt.scan_reads}
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", record)
    try:
        fn()  # type: ignore[operator]
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", record)
    return seen


def test_the_fast_lane_answers_exactly_what_the_full_path_answers(
    app: Flask, client: FlaskClient, codes: list[str]
) -> None:
    full = client.get(codes[0], headers=JSON).json
    fast = client.get(codes[0], headers=JSON).json
    assert full is not None and fast is not None
    assert fast["scans"]["count"] == 2 and full["scans"]["count"] == 1
    assert {**fast, "scans": None} == {**full, "scans": None}
    assert fast["scans"]["first_at"] == full["scans"]["first_at"]
    page = client.get(codes[1]).data.decode()  # the full path, then the lane: the same page
    again = client.get(codes[1]).data.decode()
    assert 'data-verdict="genuine"' in again and "Aotearoa Dairy Export Ltd" in again
    assert again.replace("第 2 次", "第 1 次").count("data-test") == page.count("data-test")


def test_a_cached_code_is_answered_with_one_read_and_one_write(
    app: Flask, client: FlaskClient, codes: list[str]
) -> None:
    client.get(codes[0], headers=JSON)  # the full path fills the cache
    rt = _app_rt(app)
    before = rt.scan_path.reader.reads
    statements = statements_of(app, lambda: client.get(codes[1], headers=JSON))
    assert rt.scan_path.reader.reads == before + 1  # the facts: statuses, claim and scans in one statement
    writer = ("pg_advisory_xact_lock", "(scan.gtin, scan.lot, scan.serial) IN")  # its first-scan check
    through_sqlalchemy = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in through_sqlalchemy if not any(w in s for w in writer)]  # no key, batch or product
    assert any("INSERT INTO scan " in s for s in statements)
    assert app.wsgi_app.answered == 1  # type: ignore[attr-defined]  # in front of Flask


@pytest.mark.parametrize("kind", ["recall", "stop_sale"])
def test_a_recall_or_stop_sale_reaches_the_very_next_scan_of_a_cached_code(
    client: FlaskClient, codes: list[str], session: Session, world: World, batch: Batch, kind: str
) -> None:
    for code in codes:
        assert client.get(code, headers=JSON).json["verdict"] == "genuine"  # type: ignore[index]
    recalls.open_recall(session, world.regulator, batch.id, kind, reason="melamine found")
    session.commit()
    reason = "batch_recalled" if kind == "recall" else "batch_stop_sale"
    for code in codes:
        doc = client.get(code, headers=JSON).json
        assert doc is not None and doc["verdict"] == "recalled" and doc["reasons"] == [reason]
        assert doc["recall"] is not None


def test_a_key_revocation_reaches_the_very_next_scan_of_a_cached_code(
    client: FlaskClient, codes: list[str], session: Session, world: World, runtime: Runtime
) -> None:
    client.get(codes[0], headers=JSON)
    keys.revoke_key(session, world.regulator, "1", reason="printer shop leak", ring=runtime.ring)
    session.commit()
    doc = client.get(codes[0], headers=JSON).json
    assert doc is not None and doc["verdict"] == "revoked" and doc["reasons"] == ["key_revoked"]


def test_tampered_signatures_stay_counterfeit_in_the_fast_lane(client: FlaskClient, codes: list[str]) -> None:
    client.get(codes[0], headers=JSON)
    forged = codes[1][:-4] + ("AAAA" if not codes[1].endswith("AAAA") else "BBBB")
    doc = client.get(forged, headers=JSON).json
    assert doc is not None and doc["verdict"] == "counterfeit"


def test_counts_include_this_processs_queued_scans_and_the_log_gets_them_at_close(
    batched: FlaskClient, codes: list[str], session: Session
) -> None:
    counts = [batched.get(codes[0], headers=JSON).json["scans"]["count"] for _ in range(3)]  # type: ignore[index]
    assert counts == [1, 2, 3]  # the queue holding this code is written before the code is read
    batched.get(codes[1], headers=JSON)
    batched.get(codes[1], headers=JSON)
    rt = _app_rt(batched.application)
    assert rt.scan_writer.pending() >= 1  # the last scan waits for the writer
    rt.close()  # what a worker does at exit
    assert session.scalar(select(func.count()).select_from(Scan)) == 5
    tally = session.execute(select(func.sum(ScanTally.scans), func.sum(ScanTally.first_scans))).one()
    assert tuple(tally) == (5, 2)  # two codes, each counted first once


def test_the_writer_writes_nothing_before_its_delay_and_everything_when_closed(
    runtime: Runtime, codes: list[str], session: Session
) -> None:
    writer = ScanWriter(runtime.sessions, delay=60)
    at = utcnow()
    for n in range(40):
        writer.submit(
            PendingScan.of(
                at=at + timedelta(seconds=n),
                batch_id=None,
                code=("09501101530003", "NOPE", str(n % 4 + 1)),
                device="",
                region="",
                verdict="counterfeit",
                reasons=["unknown_batch"],
            )
        )
    assert writer.pending() == 40 and session.scalar(select(func.count()).select_from(Scan)) == 0
    writer.close()
    assert writer.pending() == 0 and session.scalar(select(func.count()).select_from(Scan)) == 40
    assert session.scalar(select(func.sum(ScanTally.first_scans))) == 4


def test_a_full_queue_is_written_by_the_request_that_fills_it(runtime: Runtime, session: Session) -> None:
    writer = ScanWriter(runtime.sessions, delay=60, capacity=10)
    for n in range(25):
        writer.submit(
            PendingScan.of(
                at=utcnow(),
                batch_id=None,
                code=("09501101530003", "FULL", str(n + 1)),
                device="",
                region="",
                verdict="counterfeit",
                reasons=["unknown_batch"],
            )
        )
    assert writer.pending() == 5  # two full queues of 10 written; bounded: never more than 10 waiting
    assert session.scalar(select(func.count()).select_from(Scan)) == 20
    writer.close()


def test_first_scans_of_one_code_in_two_writers_at_once_count_once(
    runtime: Runtime, session: Session
) -> None:
    """Two processes' writers flushing first scans of the same codes together: each code is first once."""
    writers = [ScanWriter(runtime.sessions, delay=60) for _ in range(2)]
    at = utcnow()
    for i, writer in enumerate(writers):
        for serial in range(1, 21):
            writer.submit(
                PendingScan.of(
                    at=at + timedelta(milliseconds=i),
                    batch_id=None,
                    code=("09501101530003", "RACE", str(serial)),
                    device=f"device-{i}",
                    region="",
                    verdict="counterfeit",
                    reasons=["unknown_batch"],
                )
            )
    start = threading.Barrier(2)

    def flush(writer: ScanWriter) -> None:
        start.wait()
        writer.flush()

    threads = [threading.Thread(target=flush, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert session.scalar(select(func.count()).select_from(Scan)) == 40
    assert session.scalar(select(func.sum(ScanTally.first_scans))) == 20
    assert session.scalar(select(func.sum(ScanTally.scans))) == 40
