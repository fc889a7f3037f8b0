"""PostgreSQL's scan cache (suyuan.trace.scan_cache): no round trip for a known code, never a stale verdict.

Each app here stands for one process (its runtime names its connections, so two apps in one test
process tell their scans apart as two workers would). They write scans in batches, as servers do, so
each keeps a cache kept exact by notifications. Across real gunicorn servers: test_scan_servers.py.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.trace import keys, recalls, risk_warnings, scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.model import Batch, Scan
from suyuan.trace.model.types import utcnow
from suyuan.trace.risk_warnings import WarningFiling
from suyuan.trace.scan_cache import await_listeners
from suyuan.web import create_app
from tests.conftest import PG_URL
from tests.factories import World, code_urls, make_batch, make_world
from tests.web.test_scan_page import JSON, path_of

pytestmark = pytest.mark.skipif(not PG_URL, reason="the scan cache is PostgreSQL's (LISTEN/NOTIFY)")


def _rt(app: Flask) -> Runtime:
    found: Runtime = app.extensions["suyuan"]
    return found


def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def apps(settings: Settings) -> Iterator[list[Flask]]:
    """Three "processes" writing scans every 20 ms, so each keeps a scan cache."""
    made = [create_app(replace(settings, scan_write_delay_ms=20), {"TESTING": True}) for _ in range(3)]
    yield made
    for app in made:
        _rt(app).close()


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


@pytest.fixture
def batch(session: Session, runtime: Runtime, world: World) -> Batch:
    return make_batch(session, world, runtime.ring, count=60)


@pytest.fixture
def codes(session: Session, runtime: Runtime, batch: Batch) -> list[str]:
    return [path_of(u) for u in code_urls(session, runtime.ring, batch, 1, 60)]


def _warm(apps: list[Flask], code: str) -> list[FlaskClient]:
    """Every app has the batch in its fast lane, listens, and has loaded the batch's scanned serials."""
    clients = [app.test_client() for app in apps]
    for app, client in zip(apps, clients, strict=True):
        cache = _rt(app).scan_cache
        assert cache is not None

        def ready(client: FlaskClient = client, loaded: object = cache) -> bool:
            client.get(code, headers=JSON)  # fills the lane, starts the listener, asks for the batch
            return bool(loaded._batches)  # type: ignore[attr-defined]

        _until(ready)
        _until(cache.live)
    return clients


def _reads(app: Flask) -> int:
    return _rt(app).scan_path.reader.reads


def test_a_known_code_and_a_code_never_scanned_are_answered_without_a_round_trip(
    apps: list[Flask], codes: list[str]
) -> None:
    client = _warm(apps[:1], codes[0])[0]
    before = _reads(apps[0])
    known = client.get(codes[0], headers=JSON).json["scans"]["count"]  # type: ignore[index]
    counts = [client.get(codes[1], headers=JSON).json["scans"]["count"] for _ in range(3)]  # type: ignore[index]
    assert counts == [1, 2, 3]  # never scanned, then known: all from memory
    assert client.get(codes[0], headers=JSON).json["scans"]["count"] == known + 1  # type: ignore[index]
    assert _reads(apps[0]) == before


def test_counts_are_never_ahead_and_exact_once_the_other_processes_scans_are_notified(
    apps: list[Flask], codes: list[str], session: Session
) -> None:
    clients = _warm(apps, codes[0])
    for app in apps:
        _rt(app).scan_writer.flush()
    before = session.scalar(select(func.count()).select_from(Scan)) or 0
    made: dict[int, int] = {}
    rng = random.Random(17)
    for n in range(300):
        k = rng.randrange(1, 40)
        made[k] = made.get(k, 0) + 1
        count = rng.choice(clients).get(codes[k], headers=JSON).json["scans"]["count"]  # type: ignore[index]
        assert count <= made[k]  # another process's last few milliseconds may be missing, never more
        if n % 60 == 0:
            time.sleep(0.1)
    time.sleep(0.3)  # every writer has written and every notification arrived
    for k in list(made)[:20]:
        made[k] += 1
        assert rng.choice(clients).get(codes[k], headers=JSON).json["scans"]["count"] == made[k]  # type: ignore[index]
        time.sleep(0.05)
    for app in apps:
        _rt(app).scan_writer.flush()
    assert session.scalar(select(func.count()).select_from(Scan)) == before + sum(made.values())


@pytest.mark.parametrize("change", ["recall", "stop_sale", "revocation", "claim"])
def test_a_change_reaches_the_very_next_scan_in_every_process(
    apps: list[Flask],
    codes: list[str],
    session: Session,
    world: World,
    batch: Batch,
    runtime: Runtime,
    change: str,
) -> None:
    clients = _warm(apps, codes[0])
    for client in clients:
        assert client.get(codes[1], headers=JSON).json["claimed"] is False  # type: ignore[index]
    reads = [_reads(app) for app in apps]
    assert [client.get(codes[1], headers=JSON).json["verdict"] for client in clients] == ["genuine"] * 3  # type: ignore[index]
    assert [_reads(app) for app in apps] == reads  # answered from memory until now
    if change in ("recall", "stop_sale"):
        recalls.open_recall(session, world.regulator, batch.id, change, reason="melamine found")
    elif change == "revocation":
        keys.revoke_key(session, world.regulator, "1", reason="printer shop leak", ring=runtime.ring)
    else:
        code = parse_code("https://sy.example.cn" + codes[1])
        scanning.claim_code(session, runtime.ring, code, device="d" * 32)
    session.commit()  # returns once every process has applied the change
    expected = {
        "recall": ("recalled", ["batch_recalled"]),
        "stop_sale": ("recalled", ["batch_stop_sale"]),
        "revocation": ("revoked", ["key_revoked"]),
        "claim": ("genuine", []),
    }[change]
    for client in clients:
        doc = client.get(codes[1], headers=JSON).json
        assert doc is not None and (doc["verdict"], doc["reasons"]) == expected
        assert doc["claimed"] is (change == "claim")


def test_a_lost_listening_connection_stops_the_cache_at_once(
    apps: list[Flask], codes: list[str], session: Session, world: World, batch: Batch, engine: Engine
) -> None:
    client = _warm(apps[:1], codes[0])[0]
    assert PG_URL is not None
    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name LIKE 'suyuan-listen %'"
        )
    recalls.open_recall(session, world.regulator, batch.id, "recall", reason="melamine found")
    session.commit()  # the dead listener's lease is waited out (its row outlives its connection)
    doc = client.get(codes[1], headers=JSON).json
    assert doc is not None and doc["verdict"] == "recalled"
    cache = _rt(apps[0]).scan_cache
    assert cache is not None
    _until(cache.live)  # it listens again, having forgotten everything


def test_the_committer_waits_for_a_listener_that_does_not_answer_no_longer_than_its_lease(
    apps: list[Flask], codes: list[str], engine: Engine
) -> None:
    _warm(apps[:1], codes[0])
    started = time.monotonic()
    assert await_listeners(engine) <= 1  # the live one answers at once
    assert time.monotonic() - started < 1.0
    with engine.begin() as db:  # a listener that stopped answering a moment ago
        db.exec_driver_sql(
            "INSERT INTO scan_cache_listener "
            "VALUES ('suyuan-listen stuck', 0, clock_timestamp() + interval '1 s')"
        )
    started = time.monotonic()
    assert await_listeners(engine) >= 1
    assert 0.8 < time.monotonic() - started < 3.0  # until its lease ran out, not longer


def test_a_new_risk_warning_reaches_the_fast_paths_pages_at_once(
    apps: list[Flask], codes: list[str], session: Session, world: World
) -> None:
    """Pages keep a lot's warnings for 30 s; with the scan cache a published warning empties them."""
    client = _warm(apps[:1], codes[0])[0]
    assert "警惕仿冒奶粉标签" not in client.get(codes[1]).data.decode()
    filing = WarningFiling(
        "warning", "警惕仿冒奶粉标签", "请扫码核验。", "Beware of fake labels", "Scan first.", "1901"
    )
    risk_warnings.publish_warning(session, world.regulator, filing)
    session.commit()
    assert "警惕仿冒奶粉标签" in client.get(codes[1]).data.decode()


def test_scans_written_by_others_count_toward_clone_evidence_in_every_cache(
    apps: list[Flask], codes: list[str], session: Session, batch: Batch
) -> None:
    """Copies scanned on many devices over days turn the code suspect in a process that never read it."""
    client = _warm(apps[:1], codes[0])[0]
    reads = _reads(apps[0])
    start = utcnow() - timedelta(days=5)
    for n in range(8):  # two new devices a day for four days: beyond the clone rules' limits
        at = start + timedelta(days=n // 2, minutes=n)
        session.add(
            Scan(
                at=at,
                batch_id=batch.id,
                gtin=batch.gtin,
                lot=batch.lot,
                serial="9",
                device_hash=f"{n:032d}",
                region="",
                verdict="genuine",
                reasons=[],
            )
        )
    session.commit()
    time.sleep(0.2)  # notified to every listener
    doc = client.get(codes[8], headers=JSON).json
    assert doc is not None and (doc["verdict"], doc["reasons"]) == ("suspect", ["many_devices"])
    assert doc["scans"]["count"] == 9
    assert _reads(apps[0]) == reads  # all from the notifications
