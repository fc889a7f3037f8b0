"""Scan tally benchmark: what keeping the daily scan tally up costs each scan, in process.

Why: every recorded scan now also runs one upsert into ``scan_tally``
(:func:`suyuan.trace.scan_tally.count_scan`, called by ``scanning.record_scan``), which is what lets the
trace and the dashboards read a few thousand tally rows instead of a million scans. This measures that
extra statement where it is paid: ``record_scan`` in a loop, one transaction per scan as the scan
endpoint runs it, with the tally call and with it replaced by a no-op, alternating rounds in the same run
(no HTTP, no signature cache warm-up differences: the same codes in the same order each round).

World: one released batch of 2,000 codes; each round scans ``--scans`` codes (random serials, 31
regions, 50 devices) on top of the scans of the rounds before, so the tally rows of the day are hot
(updates, not inserts) as they are for a popular lot. Concurrency (several workers updating the same
tally row on PostgreSQL) is not measured here: see ``bench/scan_server_bench.py``.

    .venv/bin/python bench/scan_tally_bench.py                    # SQLite and PostgreSQL
    .venv/bin/python bench/scan_tally_bench.py --no-postgres --scans 500 --rounds 2

PostgreSQL uses the ``bench_tally`` database (created if missing, emptied every run).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


from bench.databases import fresh_postgres, runtime_for  # noqa: E402
from suyuan.migrations import upgrade_database  # noqa: E402
from suyuan.runtime import Runtime  # noqa: E402
from suyuan.trace import scanning  # noqa: E402
from suyuan.trace.codes import ParsedCode, parse_code  # noqa: E402
from tests import factories  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_tally"
REGIONS = [f"CN-{i:02d}" for i in range(31)]


def no_tally(*_args: object, **_kwargs: object) -> None:
    """Stands in for ``count_scan`` in the rounds without the tally."""


def scan_round(rt: Runtime, codes: list[ParsedCode], seed: int) -> float:
    """Seconds per scan over one round of ``record_scan``, one transaction per scan."""
    rnd = random.Random(seed)
    plan = [
        (rnd.choice(codes), f"device-{rnd.randrange(50)}", rnd.choice(REGIONS)) for _ in range(len(codes))
    ]
    start = time.perf_counter()
    for parsed, device, region in plan:
        with rt.transaction() as session:
            scanning.record_scan(session, rt.ring, parsed, device=device, region=region)
    return (time.perf_counter() - start) / len(plan)


def measure(name: str, url: str, tmp: Path, scans: int, rounds: int) -> list[str]:
    """Alternate rounds with and without the tally; median µs per scan of each and the difference."""
    rt = runtime_for(url, tmp)
    with rt.sessions() as session:
        world = factories.make_world(session, rt.ring)
        batch = factories.make_batch(session, world, rt.ring, count=2000, quantity=2000)
        urls = factories.code_urls(session, rt.ring, batch)
    rnd = random.Random(1)
    codes = [parse_code(rnd.choice(urls)) for _ in range(scans)]
    scan_round(rt, codes[:100], seed=0)  # warm-up: key ring, pooled connection, compiled statements
    times: dict[bool, list[float]] = {True: [], False: []}
    original = scanning.count_scan
    try:
        for i in range(rounds):
            for tally in (True, False):
                scanning.count_scan = original if tally else no_tally  # type: ignore[assignment]
                times[tally].append(scan_round(rt, codes, seed=i))
    finally:
        scanning.count_scan = original
    rt.engine.dispose()
    with_tally, without = (statistics.median(times[t]) * 1e6 for t in (True, False))
    extra = with_tally - without
    return [name, f"{without:,.0f} µs", f"{with_tally:,.0f} µs", f"{extra:+,.0f} µs ({extra / without:+.0%})"]


def main() -> None:
    """Measure on SQLite, then PostgreSQL unless told not to; print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=2000, help="scans per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each kind")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        sqlite = f"sqlite:///{tmp / 'tally-bench.db'}"
        upgrade_database(sqlite)
        rows.append(measure("SQLite", sqlite, tmp, args.scans, args.rounds))
        if not args.no_postgres:
            rows.append(measure("PostgreSQL", fresh_postgres(PG_URL), tmp, args.scans, args.rounds))
    print(f"record_scan, one transaction per scan; median of {args.rounds} rounds of {args.scans} scans\n")
    print("| database | without the tally | with the tally | the upsert costs |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
