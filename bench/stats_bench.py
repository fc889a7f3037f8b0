"""Dashboard statistics benchmark: scan charts and counts over a remit of 1,000,000 scans.

Why: the merchant dashboard and the regulator console chart every scan of the remit over the last 30
days (per day, by region, by verdict: ``suyuan.trace.stats``), on every page view. The scan log is the
biggest table there is, so this checks that the aggregates stay fast when one merchant's goods have
been scanned a million times in a month, and that a small merchant sharing the table pays nothing
for the big one's scans.

World: merchant A with 20 batches and ``--scans`` scans (default 1,000,000) spread over the last 30
days, 300 regions (a few big, a long tail, some empty), 90 % genuine; merchant B with one batch and
1,000 scans. Scans are bulk-inserted exactly as the scan endpoint writes them, then the daily scan
tally is rebuilt from them (what the scan endpoint keeps up one scan at a time). Then, medians of 5:
``scan_stats`` for A (whole remit), for one of A's batches, for B, and for the regulator (both
merchants); ``dashboard_counts`` for A; and the whole ``GET /merchant/`` page for A (test client).

Run from the repository root (PostgreSQL uses the ``bench_stats`` database, emptied each run):

    .venv/bin/python bench/stats_bench.py                  # SQLite and PostgreSQL
    .venv/bin/python bench/stats_bench.py --no-postgres --scans 200000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import insert, text  # noqa: E402

from bench.databases import fresh_postgres, runtime_for  # noqa: E402
from suyuan.migrations import upgrade_database  # noqa: E402
from suyuan.runtime import Runtime  # noqa: E402
from suyuan.trace import stats  # noqa: E402
from suyuan.trace.model import Batch, Scan  # noqa: E402
from suyuan.trace.model.types import utcnow  # noqa: E402
from suyuan.trace.scan_tally import rebuild_tally  # noqa: E402
from suyuan.web import create_app  # noqa: E402
from tests import factories  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_stats"
RUNS = 5
CHUNK = 20_000
VERDICTS = ["genuine"] * 18 + ["suspect", "counterfeit"]


def median_time(fn: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of ``runs`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def regions(rnd: random.Random) -> list[str]:
    """300 region names weighted like real traffic: a few big cities, a long tail, some unknown."""
    names = [f"城市-{i:03d}" for i in range(300)]
    weights = [1 / (i + 1) for i in range(300)]
    return rnd.choices([*names, ""], weights=[*weights, 0.3], k=10_000)


def add_scans(rt: Runtime, batches: list[Batch], total: int, seed: int) -> float:
    """Bulk-insert ``total`` scans of ``batches`` over the last 30 days; seconds taken."""
    rnd = random.Random(seed)
    pool = regions(rnd)
    now = utcnow()
    # The scan log is appended in time order, so rows are too (a random order would turn every
    # range read on scan.at into random reads, which no real scan log suffers).
    ages = sorted((rnd.randrange(30 * 86_400) for _ in range(total)), reverse=True)
    start = time.perf_counter()
    done = 0
    while done < total:
        rows = []
        for i in range(done, min(done + CHUNK, total)):
            batch = batches[rnd.randrange(len(batches))]
            rows.append(
                {
                    "at": now - timedelta(seconds=ages[i]),
                    "batch_id": batch.id,
                    "gtin": batch.gtin,
                    "lot": batch.lot,
                    "serial": str(rnd.randrange(1, 1001)),
                    "device_hash": f"{rnd.getrandbits(64):016x}",
                    "region": pool[i % len(pool)],
                    "verdict": VERDICTS[i % len(VERDICTS)],
                    "reasons": [],
                }
            )
        with rt.transaction() as session:
            session.execute(insert(Scan), rows)
        done += len(rows)
    # As after autovacuum in a running system: statistics gathered, visibility known (PostgreSQL).
    vacuum = "VACUUM ANALYZE" if rt.engine.dialect.name == "postgresql" else "ANALYZE"
    with rt.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(vacuum))
    return time.perf_counter() - start


def fill_tally(rt: Runtime) -> tuple[int, float]:
    """The daily tally of the bulk-inserted scans, then fresh statistics; (tally rows, seconds)."""
    start = time.perf_counter()
    with rt.transaction() as session:
        rows = rebuild_tally(session)
    vacuum = "VACUUM ANALYZE scan_tally" if rt.engine.dialect.name == "postgresql" else "ANALYZE"
    with rt.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(vacuum))
    return rows, time.perf_counter() - start


def measure(name: str, url: str, tmp: Path, scans: int) -> list[list[object]]:
    """Build the world in ``url`` and time each statistic."""
    rt = runtime_for(url, tmp)
    with rt.sessions() as session:
        world = factories.make_world(session, rt.ring)
        mine = [factories.make_batch(session, world, rt.ring, count=1000) for _ in range(20)]
        theirs = [factories.make_batch(session, world, rt.ring, count=100, owner="merchant_b")]
    loaded = add_scans(rt, mine, scans, seed=1) + add_scans(rt, theirs, 1000, seed=2)
    print(f"{name}: inserted {scans + 1000:,} scans in {loaded:.1f} s", file=sys.stderr)
    tally_rows, tallied = fill_tally(rt)
    print(f"{name}: tally rebuilt in {tallied:.1f} s: {tally_rows:,} rows", file=sys.stderr)
    app = create_app(rt.settings, {"TESTING": True})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.tokens['merchant']}"}

    def timed(label: str, actor: object, **kw: object) -> list[object]:
        def run() -> object:
            with rt.transaction() as session:
                return stats.scan_stats(session, actor, **kw)  # type: ignore[arg-type]

        result = run()
        return [name, label, f"{result.total:,}", f"{median_time(run) * 1000:.0f} ms"]  # type: ignore[attr-defined]

    def counts() -> object:
        with rt.transaction() as session:
            return stats.dashboard_counts(session, world.merchant_staff)

    def page() -> object:
        response = client.get("/merchant/", headers=headers)
        assert response.status_code == 200, response.status_code
        return response

    return [
        timed("scan_stats, merchant A (whole remit, 30 days)", world.merchant_staff),
        timed("scan_stats, one batch of A", world.merchant_staff, batch_id=mine[0].id),
        timed("scan_stats, merchant B (small, same table)", world.merchant_b_staff),
        timed("scan_stats, regulator (office, 30 days)", world.regulator),
        timed("scan_stats, merchant A, last 7 days", world.merchant_staff, days=7),
        [name, "dashboard_counts, merchant A", "", f"{median_time(counts) * 1000:.0f} ms"],
        [name, "GET /merchant/ (whole page)", "", f"{median_time(page) * 1000:.0f} ms"],
    ]


def main() -> None:
    """Measure on SQLite, then PostgreSQL unless told not to; print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        sqlite = f"sqlite:///{tmp / 'stats-bench.db'}"
        upgrade_database(sqlite)
        rows += measure("SQLite", sqlite, tmp, args.scans)
        if not args.no_postgres:
            rows += measure("PostgreSQL", fresh_postgres(args.pg_url), tmp, args.scans)
    print("| database | what | scans counted | median of 5 |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    main()
