"""Decisions that read before they write hold under real concurrency, on SQLite and on PostgreSQL.

Each writer is a thread with its own session (so its own connection) from the same runtime, released
together by a barrier, as concurrent requests to several workers would be. A buyer's quota and a device's
complaint limit must be decided one writer at a time: exactly as many pass as the limit allows, and the
others are refused with the domain's error, never with a database error such as "database is locked".
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import complaints, scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.complaints import ComplaintLimits
from suyuan.trace.errors import QuotaExceeded, RateLimited
from suyuan.trace.model import Complaint, ExitDeclaration, ExitStatus, ScanTally
from suyuan.trace.zone import exits, quotas
from suyuan.trace.zone.exits import Buyer
from suyuan.trace.zone.rules import FEN_PER_YUAN, ZoneRules
from tests.factories import (
    SECRET,
    code_urls,
    exit_filing,
    id_number,
    make_batch,
    make_world,
    make_zone_batch,
)

MID_2027 = datetime(2027, 6, 1, tzinfo=UTC)
BUYER = Buyer(id_number=id_number(77), name="王五")
DEVICE = "d" * 32


def run_together(runtime: Runtime, jobs: list[Callable[[Session], object]]) -> Counter[str]:
    """Run each job in its own thread and unit of work, all released at once; count how each ended.

    An outcome is ``"ok"`` or the name of the exception the job raised.
    """
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(job: Callable[[Session], object]) -> None:
        barrier.wait()
        try:
            with runtime.transaction() as db:
                job(db)
            outcome = "ok"
        except Exception as error:  # every outcome is asserted on by the caller
            outcome = type(error).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == len(jobs), "a writer did not finish"
    return Counter(outcomes)


def test_concurrent_orders_of_one_buyer_never_exceed_the_annual_quota(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=8)
    urls = code_urls(session, runtime.ring, batch)
    rules = ZoneRules()
    per_order = 5_000 * FEN_PER_YUAN
    allowed = rules.quotas.per_year_fen // per_order  # 26,000 / 5,000: five orders
    filings = [
        exit_filing([(batch, [url])], unit_price=quotas.yuan(per_order), buyer=BUYER) for url in urls[:8]
    ]
    session.commit()

    def order(filing: exits.ExitFiling) -> Callable[[Session], object]:
        return lambda db: exits.declare_exit(
            db, world.merchant_staff, runtime.ring, filing, secret=SECRET, rules=rules, now=MID_2027
        )

    outcomes = run_together(runtime, [order(filing) for filing in filings])

    assert outcomes == Counter({"ok": allowed, QuotaExceeded.__name__: len(filings) - allowed})
    session.expire_all()
    spent = session.scalar(
        select(func.sum(ExitDeclaration.total_fen)).where(ExitDeclaration.status == ExitStatus.WRITTEN_OFF)
    )
    assert spent == allowed * per_order <= rules.quotas.per_year_fen


def test_concurrent_complaints_from_one_device_never_exceed_the_hourly_limit(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    limits = ComplaintLimits(per_hour=5, per_day=20)
    session.commit()

    def complain(db: Session) -> object:
        return complaints.file_complaint(
            db, runtime.ring, url, "quality", "The powder smells sour.", device_hash=DEVICE, limits=limits
        )

    outcomes = run_together(runtime, [complain] * 20)

    assert outcomes == Counter({"ok": limits.per_hour, RateLimited.__name__: 20 - limits.per_hour})
    session.expire_all()
    filed = session.scalar(select(func.count()).select_from(Complaint).where(Complaint.device_hash == DEVICE))
    assert filed == limits.per_hour


def test_concurrent_first_scans_of_a_code_count_it_once_in_the_tally(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    codes, scans_each = 8, 4
    batch = make_batch(session, world, runtime.ring, count=codes)
    urls = code_urls(session, runtime.ring, batch, 1, codes)
    session.commit()

    def scan(url: str, n: int) -> Callable[[Session], object]:
        return lambda db: scanning.record_scan(db, runtime.ring, parse_code(url), device=f"device-{n}")

    jobs = [scan(url, n) for url in urls for n in range(scans_each)]
    assert run_together(runtime, jobs) == Counter({"ok": codes * scans_each})
    session.expire_all()
    scans, firsts = session.execute(select(func.sum(ScanTally.scans), func.sum(ScanTally.first_scans))).one()
    assert (scans, firsts) == (codes * scans_each, codes)
