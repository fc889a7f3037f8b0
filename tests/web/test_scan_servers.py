"""Several gunicorn servers with several workers each, on loopback ports, against one database.

Each worker keeps its own cache of keys, batches and issuances and its own queue of scans
(suyuan.trace.scan_path, suyuan.trace.scan_writer); on PostgreSQL also each code's claim and scans,
kept by notifications (suyuan.trace.scan_cache), so that a known code is answered with no round trip.
These tests run the real servers, as production does, and show that a recall, a stop-sale, a claim or
a key revocation committed anywhere reaches the very next scan on every worker of every server, that
first scans of the same codes on every server at once count first once, and that a server stopped
normally writes every scan it accepted.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.trace import keys, recalls, scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.model import Scan, ScanTally
from tests.factories import World, code_urls, make_batch, make_world
from tests.web.test_scan_page import path_of

WORKERS = 3
BASE = "https://sy.example.cn"  # the servers' SUYUAN_BASE_URL


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Servers:
    """Gunicorn servers of the real app (``suyuan.web.wsgi:app``), each on a loopback port of its own."""

    def __init__(self, settings: Settings, log_dir: Path, delay_ms: int) -> None:
        self.env = {
            **os.environ,
            "SUYUAN_DATABASE_URL": settings.database_url,
            "SUYUAN_INSTANCE_DIR": str(settings.instance_dir),
            "SUYUAN_BASE_URL": BASE,
            "SUYUAN_SECRET_KEY": settings.secret_key,
            "SUYUAN_KEY_PASSPHRASE": settings.key_passphrase or "",
            "SUYUAN_KEY_KDF_ROUNDS": str(settings.key_kdf_rounds),
            "SUYUAN_SCAN_WRITE_DELAY_MS": str(delay_ms),
        }
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.bases: list[str] = []

    def start(self, count: int) -> None:
        for n in range(count):
            port = _free_port()
            log = (self.log_dir / f"server-{n}.log").open("wb")
            command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"]
            self.processes.append(
                subprocess.Popen(
                    [*command, "suyuan.web.wsgi:app"], env=self.env, stdout=log, stderr=subprocess.STDOUT
                )
            )
            self.bases.append(f"http://127.0.0.1:{port}")
        for base, process in zip(self.bases, self.processes, strict=True):
            _wait_until_up(base, process)

    def stop(self) -> None:
        """SIGTERM, as an orchestrator stops a server: workers finish and write their queues."""
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def logs(self) -> str:
        return "".join(p.read_text() for p in sorted(self.log_dir.glob("server-*.log")))


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
        assert process.poll() is None, "gunicorn exited"
    raise AssertionError(f"{base} did not come up")


def scan(base: str, path: str) -> dict[str, object]:
    """One scan on a fresh connection (gunicorn's sync workers close it): the worker is the kernel's pick."""
    request = urllib.request.Request(base + path, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        document: dict[str, object] = json.loads(response.read())
    return document


@pytest.fixture
def servers(settings: Settings, tmp_path: Path) -> Iterator[Servers]:
    running = Servers(settings, tmp_path, delay_ms=50)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


def _codes(session: Session, runtime: Runtime, world: World, count: int) -> tuple[int, list[str]]:
    """A released batch of ``count`` codes: its id and the codes' paths."""
    batch = make_batch(session, world, runtime.ring, count=count)
    return batch.id, [path_of(u) for u in code_urls(session, runtime.ring, batch, 1, count)]


def _warm(servers: Servers, codes: list[str], rounds: int) -> int:
    """Scan every code ``rounds`` times on every server, so every worker has cached the batch."""
    done = 0
    for _ in range(rounds):
        for base in servers.bases:
            for code in codes:
                assert scan(base, code)["verdict"] == "genuine"
                done += 1
    return done


def test_a_recall_stop_sale_claim_and_key_revocation_reach_every_worker_of_every_server_on_the_next_scan(
    servers: Servers, session: Session, runtime: Runtime, world: World
) -> None:
    recalled_batch, recalled = _codes(session, runtime, world, 8)
    stopped_batch, stopped = _codes(session, runtime, world, 4)
    other = _codes(session, runtime, world, 8)[1]
    servers.start(2)
    _warm(servers, recalled + stopped + other, rounds=3)  # 60 scans per server over 3 workers each
    if session.get_bind().dialect.name == "postgresql":  # every worker answers from its scan cache
        _until_listening(servers, session, other[0])
    recalls.open_recall(session, world.regulator, recalled_batch, "recall", reason="melamine found")
    session.commit()  # on PostgreSQL: returns once every worker's scan cache has applied it
    for base in servers.bases:  # every following scan, whichever worker answers it
        for code in recalled * 2:
            doc = scan(base, code)
            assert (doc["verdict"], doc["reasons"]) == ("recalled", ["batch_recalled"])
        for code in other:
            assert scan(base, code)["verdict"] == "genuine"
    recalls.open_recall(session, world.regulator, stopped_batch, "stop_sale", reason="labels wrong")
    scanning.claim_code(session, runtime.ring, parse_code(BASE + other[0]), device="d" * 32)
    session.commit()
    for base in servers.bases:
        for code in stopped * 2:
            doc = scan(base, code)
            assert (doc["verdict"], doc["reasons"]) == ("recalled", ["batch_stop_sale"])
        for _ in range(4):
            assert scan(base, other[0])["claimed"] is True
    keys.revoke_key(session, world.regulator, "1", reason="printer shop leak", ring=runtime.ring)
    session.commit()
    for base in servers.bases:
        for code in other * 2:
            doc = scan(base, code)
            assert (doc["verdict"], doc["reasons"]) == ("revoked", ["key_revoked"])
    assert "Traceback" not in servers.logs()


def test_first_scans_of_the_same_codes_on_every_server_at_once_are_counted_first_once(
    servers: Servers, session: Session, runtime: Runtime, world: World
) -> None:
    """Each code scanned at the same moment on both servers: one first scan each in the tally, and no
    count ever ahead of the scans made."""
    codes = _codes(session, runtime, world, 24)[1]
    servers.start(2)
    _warm(servers, codes[:1], rounds=3)
    fresh = codes[1:]
    made = 6
    for _ in range(3):
        with ThreadPoolExecutor(max_workers=8) as pool:
            jobs = [(base, code) for code in fresh for base in servers.bases]
            counts = list(pool.map(lambda job: int(scan(*job)["scans"]["count"]), jobs))  # type: ignore[index]
        made += len(jobs)
        assert all(1 <= count <= 2 * (made // len(jobs)) for count in counts)
    servers.stop()  # every accepted scan written
    assert session.scalar(select(func.count()).select_from(Scan)) == made
    tally = session.execute(select(func.sum(ScanTally.scans), func.sum(ScanTally.first_scans))).one()
    assert tuple(tally) == (made, len(codes))
    assert "Traceback" not in servers.logs()


def _until_listening(servers: Servers, session: Session, code: str) -> None:
    """Scan until every worker of every server listens for changes (it starts on its first scans)."""
    listening = text("SELECT count(*) FROM scan_cache_listener WHERE lease_until > clock_timestamp()")
    deadline = time.monotonic() + 30
    while session.execute(listening).scalar_one() < len(servers.bases) * WORKERS:
        session.rollback()
        assert time.monotonic() < deadline, "not every worker listens"
        for base in servers.bases:
            scan(base, code)
    session.rollback()


def test_a_server_stopped_normally_writes_every_scan_it_accepted(
    settings: Settings, tmp_path: Path, session: Session, runtime: Runtime, world: World
) -> None:
    """With a writer that would wait a minute, only the shutdown flush can have written the scans."""
    codes = _codes(session, runtime, world, 10)[1]
    slow = Servers(settings, tmp_path, delay_ms=60_000)
    try:
        slow.start(1)
        made = _warm(slow, codes, rounds=4)
        counts = [int(scan(slow.bases[0], codes[0])["scans"]["count"]) for _ in range(3)]  # type: ignore[index]
        made += 3
    finally:
        slow.stop()
    assert session.scalar(select(func.count()).select_from(Scan)) == made
    tally = session.execute(select(func.sum(ScanTally.scans), func.sum(ScanTally.first_scans))).one()
    assert tuple(tally) == (made, len(codes))
    # A count is never ahead of the scans made: it includes every written scan and the answering
    # worker's queue, not the other workers' (here unwritten for a minute: docs/codes.md, scan counts).
    assert all(1 <= count <= 4 + n + 1 for n, count in enumerate(counts))
    assert "Traceback" not in slow.logs()
