"""The daily scan tally: kept up by every scan, equal to the scan log summed, and what the charts read.

The trace and the dashboards read the tally instead of the scan log (issue 7: a million scans per lot),
so the tally must always be the scan log summed up: these tests compare it with the log, row by row and
through the readers, and check the migration that fills it from an existing log.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, insert, make_url, select, text
from sqlalchemy.orm import Session

from suyuan.cli import main
from suyuan.config import Settings
from suyuan.migrations import upgrade_database
from suyuan.runtime import Runtime
from suyuan.trace import scan_tally, scanning, stats
from suyuan.trace.actors import OPERATOR
from suyuan.trace.codes import CodeId, parse_code
from suyuan.trace.db import make_engine
from suyuan.trace.errors import PermissionDenied
from suyuan.trace.model import AuditEntry, Batch, Scan, ScanTally
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import remit_of
from suyuan.trace.scan_tally import count_scan, rebuild_tally, tally_day
from suyuan.trace.tracing import scans as trace_scans
from tests.conftest import PG_URL
from tests.factories import World, code_urls, make_batch, make_world

Tally = dict[tuple[str, str, date, str, str], tuple[int, int]]


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


def tally(session: Session) -> Tally:
    """The whole tally as {(gtin, lot, day, verdict, region): (scans, first_scans)}."""
    rows = session.scalars(select(ScanTally)).all()
    result = {(t.gtin, t.lot, t.day, t.verdict, t.region): (t.scans, t.first_scans) for t in rows}
    session.expunge_all()  # read afresh next time
    return result


def scan_log_sums(session: Session) -> Tally:
    """The scan log summed in Python, the tally's definition: first scans by (time, id) per code."""
    sums: Counter[tuple[str, str, date, str, str]] = Counter()
    firsts: Counter[tuple[str, str, date, str, str]] = Counter()
    seen: set[tuple[str, str, str]] = set()
    for s in session.scalars(select(Scan).order_by(Scan.at, Scan.id)):
        key = (s.gtin, s.lot, tally_day(s.at), s.verdict, s.region)
        sums[key] += 1
        if (s.gtin, s.lot, s.serial) not in seen:
            seen.add((s.gtin, s.lot, s.serial))
            firsts[key] += 1
    return {key: (n, firsts[key]) for key, n in sums.items()}


def scan(session: Session, runtime: Runtime, url: str, device: str, region: str = "") -> str:
    """One scan as the scan endpoint records it, committed; its verdict."""
    check = scanning.record_scan(session, runtime.ring, parse_code(url), device=device, region=region)
    session.commit()
    return check.verdict.value


def test_every_recorded_scan_is_counted_by_lot_day_verdict_and_region(
    session: Session, runtime: Runtime, world: World
) -> None:
    released = make_batch(session, world, runtime.ring, count=5)
    held = make_batch(session, world, runtime.ring, count=2, released=False)
    urls = code_urls(session, runtime.ring, released)
    assert scan(session, runtime, urls[0], "a", "CN-GD") == "genuine"
    assert scan(session, runtime, urls[0], "b", "CN-GD") == "genuine"
    assert scan(session, runtime, urls[1], "a", "") == "genuine"
    assert scan(session, runtime, urls[0].replace("/21/1?", "/21/9?"), "c", "CN-ZJ") == "counterfeit"
    assert scan(session, runtime, code_urls(session, runtime.ring, held)[0], "d", "CN-GD") == "suspect"

    days = {tally_day(at) for at in session.scalars(select(Scan.at))}
    assert len(days) == 1  # unless the test ran across midnight in Beijing
    day = days.pop()
    assert tally(session) == {
        (released.gtin, released.lot, day, "genuine", "CN-GD"): (2, 1),
        (released.gtin, released.lot, day, "genuine", ""): (1, 1),
        (released.gtin, released.lot, day, "counterfeit", "CN-ZJ"): (1, 1),
        (held.gtin, held.lot, day, "suspect", "CN-GD"): (1, 1),
    }
    assert tally(session) == scan_log_sums(session)


def test_a_code_is_first_scanned_once_whether_its_scans_are_bound_or_forged(
    session: Session, runtime: Runtime, world: World
) -> None:
    """A forged signature on a real serial is recorded without a batch; it is still the same code."""
    batch = make_batch(session, world, runtime.ring, count=3)
    one, two, _ = code_urls(session, runtime.ring, batch)
    scan(session, runtime, one, "a")
    scan(session, runtime, one.replace("/21/1?", "/21/2?"), "b")  # forged serial 2, unbound, first
    scan(session, runtime, two, "c")  # the real serial 2: its second scan
    scan(session, runtime, two.replace("/21/2?", "/21/1?"), "d")  # forged serial 1 after the real one
    scan(session, runtime, one, "a")

    rows = tally(session)
    assert {(k[3], v) for k, v in rows.items()} == {("genuine", (3, 1)), ("counterfeit", (2, 1))}
    summary = trace_scans.summarise_scans(session, batch)
    assert (summary.total, summary.distinct_codes) == (5, 2)
    assert rows == scan_log_sums(session)


def test_days_are_beijing_calendar_days_on_both_sides_of_midnight(
    session: Session, runtime: Runtime, world: World
) -> None:
    """Counted one by one (as the scan path does) and rebuilt from the log (SQL), the days agree."""
    batch = make_batch(session, world, runtime.ring, count=3)
    moments = [
        datetime(2026, 3, 9, 15, 59, 59, 999_999, tzinfo=UTC),  # 23:59:59.999999 on the 9th in Beijing
        datetime(2026, 3, 9, 16, 0, tzinfo=UTC),  # midnight of the 10th
        datetime(2026, 3, 10, 15, 0, tzinfo=UTC),  # 23:00 on the 10th
        datetime(2026, 3, 10, 23, 30, tzinfo=UTC),  # 07:30 on the 11th, still the 10th in UTC
    ]
    for i, at in enumerate(moments):
        serial = str(i % 2 + 1)
        session.add(
            Scan(
                at=at,
                batch_id=batch.id,
                gtin=batch.gtin,
                lot=batch.lot,
                serial=serial,
                device_hash="d",
                region="深圳",
                verdict="genuine",
                reasons=[],
            )
        )
        session.flush()
        code = CodeId(batch.gtin, batch.lot, serial)
        count_scan(session, code, at=at, verdict="genuine", region="深圳", first=i < 2)
    session.commit()

    counted = tally(session)
    assert {k[2]: v for k, v in counted.items()} == {
        date(2026, 3, 9): (1, 1),
        date(2026, 3, 10): (2, 1),
        date(2026, 3, 11): (1, 0),
    }
    rebuild_tally(session)
    session.commit()
    assert tally(session) == counted == scan_log_sums(session)


def test_rebuilding_from_the_log_gives_the_tally_the_scans_kept_up(
    session: Session, runtime: Runtime, world: World
) -> None:
    rnd = random.Random(7)
    batches = [make_batch(session, world, runtime.ring, count=6) for _ in range(2)]
    urls = [u for b in batches for u in code_urls(session, runtime.ring, b)]
    for _ in range(40):
        url = rnd.choice(urls)
        if rnd.random() < 0.2:  # a forged signature on a real serial
            url = url[:-4] + ("AAAA" if not url.endswith("AAAA") else "BBBB")
        scan(session, runtime, url, f"device-{rnd.randrange(8)}", rnd.choice(["CN-GD", "CN-SH", "", "上海"]))
    kept_up = tally(session)
    assert sum(v[0] for v in kept_up.values()) == 40

    assert rebuild_tally(session) == len(kept_up)
    session.commit()
    assert tally(session) == kept_up == scan_log_sums(session)


def add_random_scans(session: Session, batches: list[Batch], now: datetime, n: int, seed: int) -> None:
    """``n`` scans over the last 120 days, some unbound, then the tally rebuilt (like tests/scan_history)."""
    rnd = random.Random(seed)
    for _ in range(n):
        batch = rnd.choice(batches)
        session.add(
            Scan(
                at=now - timedelta(seconds=rnd.randrange(120 * 86_400)),
                batch_id=batch.id if rnd.random() < 0.9 else None,
                gtin=batch.gtin,
                lot=batch.lot,
                serial=str(rnd.randrange(1, 30)),
                device_hash="d",
                region=rnd.choice(["CN-GD", "CN-SH", "CN-BJ", "", "unknown", "other", *"ABCDEFGHIJKL"]),
                verdict=rnd.choice(["genuine"] * 6 + ["suspect", "counterfeit", "recalled"]),
                reasons=[],
            )
        )
    session.flush()
    rebuild_tally(session)
    session.commit()


def test_the_trace_reads_from_the_tally_what_the_scan_log_says(
    session: Session, runtime: Runtime, world: World
) -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    batches = [make_batch(session, world, runtime.ring, count=1) for _ in range(2)]
    add_random_scans(session, batches, now, 600, seed=3)
    batch = batches[0]
    log = [s for s in session.scalars(select(Scan)) if (s.gtin, s.lot) == (batch.gtin, batch.lot)]

    summary = trace_scans.summarise_scans(session, batch, top=5, days=30, now=now)

    assert summary.total == len(log)
    assert summary.distinct_codes == len({s.serial for s in log})
    assert summary.by_verdict == dict(Counter(s.verdict for s in log).most_common())
    days = Counter(tally_day(s.at) for s in log)
    assert [(d.date, d.scans) for d in summary.by_day] == [(d, days[d]) for d in stats_window(now, 30)]
    regions = Counter("unknown" if s.region in ("", "unknown") else s.region for s in log)
    top = sorted(((r, n) for r, n in regions.items() if r != "other"), key=lambda x: (-x[1], x[0]))[:5]
    shown = [(r.region, r.scans) for r in summary.by_region]
    assert shown == [*top, ("other", len(log) - sum(n for _, n in top))]
    suspects = Counter(s.serial for s in log if s.verdict == "suspect")
    expected = sorted(suspects.items(), key=lambda x: (-x[1], x[0]))[:5]
    assert [(c.serial, c.suspect_scans) for c in summary.suspect_codes] == expected


def stats_window(now: datetime, days: int) -> list[date]:
    return stats.Window.ending(now, days, stats.CHINA_STANDARD_TIME).dates()


def test_the_dashboards_read_from_the_tally_what_the_scan_log_says(
    session: Session, runtime: Runtime, world: World
) -> None:
    """The tally and the scan log (which ``scan_stats`` reads for offsets other than UTC+8) agree."""
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    mine = [make_batch(session, world, runtime.ring, count=1) for _ in range(3)]
    theirs = make_batch(session, world, runtime.ring, count=1, owner="merchant_b")
    add_random_scans(session, [*mine, theirs], now, 900, seed=5)

    for actor, batch_id in [
        (world.merchant_staff, None),
        (world.merchant_staff, mine[1].id),
        (world.merchant_b_staff, None),
        (world.regulator, None),
        (OPERATOR, None),
    ]:
        for days in (1, 7, 90):
            from_tally = stats.scan_stats(session, actor, days=days, batch_id=batch_id, now=now)
            window = stats.Window.ending(now, days, stats.CHINA_STANDARD_TIME)
            from_log = stats._stats(session, remit_of(session, actor, batch_id), window, from_tally=False)
            assert from_tally == from_log, (actor.label, batch_id, days)
            assert from_tally.total > 0 or days == 1
    assert 0 < stats.scan_stats(session, world.merchant_b_staff, days=90, now=now).total < 900


def test_only_the_operator_retallies_and_it_is_audited(
    session: Session, runtime: Runtime, world: World
) -> None:
    batch = make_batch(session, world, runtime.ring, count=2)
    add_random_scans(session, [batch], utcnow(), 20, seed=1)
    session.execute(ScanTally.__table__.delete())
    with pytest.raises(PermissionDenied):
        scan_tally.retally(session, world.regulator)
    result = scan_tally.retally(session, OPERATOR)
    session.commit()
    assert result.scans == 20 and result.rows == len(tally(session))
    assert tally(session) == scan_log_sums(session)
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and (entry.action, entry.actor) == ("scan_tally.rebuilt", OPERATOR.label)


def test_the_cli_rebuilds_the_tally(
    session: Session, runtime: Runtime, world: World, settings: Settings
) -> None:
    batch = make_batch(session, world, runtime.ring, count=2)
    add_random_scans(session, [batch], utcnow(), 12, seed=2)
    expected = tally(session)
    session.execute(ScanTally.__table__.delete())
    session.commit()
    env = {
        "SUYUAN_DATABASE_URL": settings.database_url,
        "SUYUAN_INSTANCE_DIR": str(settings.instance_dir),
        "SUYUAN_SECRET_KEY": "cli-secret",
        "SUYUAN_KEY_PASSPHRASE": "cli-passphrase",
    }
    result = CliRunner().invoke(main, ["scans", "retally"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"{len(expected)} tally rows" in result.output and "12 scans" in result.output
    assert tally(session) == expected


# --- the migration ---------------------------------------------------------------------------------


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of its own: a SQLite file, or a schema of the PostgreSQL test database."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS tally_migration CASCADE"))
        conn.execute(text("CREATE SCHEMA tally_migration"))
    url = make_url(PG_URL).update_query_dict({"options": "-csearch_path=tally_migration"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA tally_migration CASCADE"))
    admin.dispose()


def test_the_migration_fills_the_tally_from_the_existing_scans(scratch_url: str) -> None:
    upgrade_database(scratch_url, "0004")
    rnd = random.Random(11)
    start = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # 22:00 in Beijing: the scans cross midnight
    rows = [
        {
            "at": start + timedelta(minutes=rnd.randrange(240)),
            "batch_id": None,
            "gtin": rnd.choice(["09421234500010", "09421234500027"]),
            "lot": rnd.choice(["L1", "L2"]),
            "serial": str(rnd.randrange(1, 6)),
            "device_hash": "d",
            "region": rnd.choice(["", "CN-GD", "深圳"]),
            "verdict": rnd.choice(["genuine", "counterfeit"]),
            "reasons": [],
        }
        for _ in range(300)
    ]
    engine: Engine = make_engine(scratch_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Scan), rows)
        upgrade_database(scratch_url, "0005")
        with Session(engine) as session:
            migrated = tally(session)
            assert migrated == scan_log_sums(session)
            assert {k[2] for k in migrated} == {date(2026, 3, 9), date(2026, 3, 10)}
            assert sum(v[0] for v in migrated.values()) == 300
            assert sum(v[1] for v in migrated.values()) == len(
                {(r["gtin"], r["lot"], r["serial"]) for r in rows}
            )
            rebuild_tally(session)
            assert tally(session) == migrated
    finally:
        engine.dispose()
