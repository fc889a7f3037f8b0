"""Bonded-zone benchmark: exit declarations per second, and the ledger report of a big batch.

Why: every consumer order leaves the zone through ``suyuan.trace.zone.exits.declare_exit`` (quotas,
per-code authenticity, batch row lock, sold-code rows, ledger write-off, audit entry in one
transaction), so its rate bounds the platform's order throughput; and the ledger report of a batch is a
``SUM`` plus a scan of its movements, which must stay fast as orders pile up (goal: under 0.5 s for a
batch of 100,000 units and 50,000 orders). Two parts:

- ``exit_rate``: orders of 1, 2, 3, 4 and 5 items, each its own unit of work, every order a different
  buyer, against a released batch that entered through an entry declaration; through the service and
  through the JSON API (Flask test client: JSON parsing, token check, serialising; no network). After a
  warm-up of 20 orders, median orders/s of 5 runs per size.
- ``ledger_report``: a batch of 100,000 units with 50,000 written-off orders of 1-2 units (75,000 units,
  bulk-inserted as the exit path would write them: declarations, sold-code rows, ledger rows), then the
  full report (totals, reconciliation with sold codes, all 50,001 movements with running balance), the
  totals alone, and the API's first page of 1,000 movements; medians of 5. Then the rate of one-item exits
  of that batch, whose balance check now sums 50,000 rows.

Run from the repository root (PostgreSQL uses the ``bench_zone`` database, emptied each run):

    .venv/bin/python bench/zone_bench.py                  # both parts, SQLite and PostgreSQL
    .venv/bin/python bench/zone_bench.py --no-postgres
    .venv/bin/python bench/zone_bench.py --orders 30      # fewer orders per run (quick look)
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import insert, text  # noqa: E402

from bench.databases import SECRET, fresh_postgres, runtime_for  # noqa: E402
from suyuan.migrations import upgrade_database  # noqa: E402
from suyuan.runtime import Runtime  # noqa: E402
from suyuan.trace import issuance  # noqa: E402
from suyuan.trace.model import (  # noqa: E402
    Batch,
    ExitDeclaration,
    ExitStatus,
    LedgerEntry,
    LedgerKind,
    SoldCode,
    SoldStatus,
)
from suyuan.trace.zone import exits, ledger  # noqa: E402
from suyuan.trace.zone.exits import Buyer  # noqa: E402
from suyuan.web import create_app  # noqa: E402
from tests import factories  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_zone"
SIZES = (1, 2, 3, 4, 5)
RUNS = 5
WARM_UP = 20
BIG_UNITS, BIG_ORDERS = 100_000, 50_000


def machine() -> str:
    """nproc and CPU model, as the results page quotes them."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    import os

    return f"{os.cpu_count()} × {model}, Python {platform.python_version()}"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A markdown table on stdout."""
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    print()


def median_time(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def databases(args: argparse.Namespace, tmp: Path, part: str) -> Iterator[tuple[str, str]]:
    """(name, url) of each database to measure, freshly made and migrated for this part."""
    sqlite = f"sqlite:///{tmp / f'zone-bench-{part}.db'}"
    upgrade_database(sqlite)
    yield "SQLite", sqlite
    if not args.no_postgres:
        yield "PostgreSQL", fresh_postgres(PG_URL)


class Shop:
    """A world with one released zone batch, its code URLs, and a counter of orders and buyers."""

    def __init__(self, rt: Runtime, units: int, codes: int) -> None:
        with rt.sessions() as session:
            self.world = factories.make_world(session, rt.ring)
            batch = factories.make_zone_batch(session, self.world, rt.ring, quantity=units, codes=codes)
            self.batch_id = batch.id
            self.urls = list(
                issuance.code_urls(session, rt.ring, batch, issuance.SerialRange(1, codes), factories.BASE)
            )
        self.next_code, self.orders = 0, 0

    def order(self, items: int) -> dict[str, Any]:
        """The JSON body of the next order of ``items`` units (a new buyer each time)."""
        urls = self.urls[self.next_code : self.next_code + items]
        self.next_code += items
        self.orders += 1
        n = self.orders
        return {
            "order_no": f"B-{n}",
            "payment_ref": f"P-{n}",
            "waybill_no": f"W-{n}",
            "payment_amount": f"{99 * items}.00",
            "buyer": {
                "id_number": factories.id_number(n % 1000, birth=f"19{50 + n // 1000 % 50}0101"),
                "name": "买家",
            },
            "lines": [{"batch_id": self.batch_id, "quantity": items, "unit_price": "99.00", "codes": urls}],
        }


def filing(body: dict[str, Any]) -> exits.ExitFiling:
    """The service-level filing of an order body."""
    line = body["lines"][0]
    return exits.ExitFiling(
        order_no=body["order_no"],
        payment_ref=body["payment_ref"],
        waybill_no=body["waybill_no"],
        payment_amount=body["payment_amount"],
        buyer=Buyer(**body["buyer"]),
        lines=(
            exits.ExitLineFiling(
                line["batch_id"], line["quantity"], line["unit_price"], tuple(line["codes"])
            ),
        ),
    )


def exit_rate(name: str, url: str, tmp: Path, orders: int) -> list[list[object]]:
    """Median orders/s per order size, via the service and via the API."""
    rt = runtime_for(url, tmp)
    units = orders * sum(SIZES) * RUNS * 2 + 2 * WARM_UP
    shop = Shop(rt, units=units, codes=units)
    app = create_app(rt.settings, {"TESTING": True})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {shop.world.tokens['merchant']}"}

    def via_service(items: int) -> None:
        for _ in range(orders):
            with rt.transaction() as session:
                d = exits.declare_exit(
                    session, shop.world.merchant_staff, rt.ring, filing(shop.order(items)), secret=SECRET
                )
                assert d.status is ExitStatus.WRITTEN_OFF, d.findings

    def via_api(items: int) -> None:
        for _ in range(orders):
            response = client.post("/api/v1/exit-declarations", json=shop.order(items), headers=headers)
            assert response.status_code == 201, response.json

    for _ in range(WARM_UP):  # caches, prepared statements, connection pool
        via_service_once = filing(shop.order(1))
        with rt.transaction() as session:
            exits.declare_exit(session, shop.world.merchant_staff, rt.ring, via_service_once, secret=SECRET)
        client.post("/api/v1/exit-declarations", json=shop.order(1), headers=headers)
    rows = []
    for items in SIZES:
        service = orders / median_time(lambda items=items: via_service(items), RUNS)  # type: ignore[misc]
        api = orders / median_time(lambda items=items: via_api(items), RUNS)  # type: ignore[misc]
        rows.append([name, items, f"{service:,.0f}", f"{service * items:,.0f}", f"{api:,.0f}"])
    rt.engine.dispose()
    return rows


def big_batch(rt: Runtime) -> tuple[factories.World, int]:
    """A zone batch of 100,000 units with 50,000 written-off orders of 1-2 units, bulk-inserted.

    Serials 1-75,000 are issued (one range) and recorded sold, one ledger row per order.
    """
    with rt.sessions() as session:
        world = factories.make_world(session, rt.ring)
        batch_id = factories.make_zone_batch(session, world, rt.ring, quantity=BIG_UNITS, codes=75_000).id
    with rt.sessions() as session:
        declared_at = datetime.now(UTC)
        common = {
            "enterprise_id": world.merchant.id,
            "office_id": world.office.id,
            "payment_ref": "P",
            "waybill_no": "W",
            "buyer_name_masked": "买*",
            "address_hash": "",
            "status": ExitStatus.WRITTEN_OFF,
            "findings": [],
            "attempts": 1,
            "declared_at": declared_at,
            "declared_by": "bench",
            "checked_at": declared_at,
            "written_off_at": declared_at,
        }
        serial = 0
        for start in range(0, BIG_ORDERS, 5000):
            ids = range(start + 1, start + 5001)
            session.execute(
                insert(ExitDeclaration),
                [
                    common
                    | {
                        "id": i,
                        "order_no": f"BIG-{i}",
                        "payment_fen": 9900 * (1 + i % 2),
                        "total_fen": 9900 * (1 + i % 2),
                        "buyer_hash": f"{i:064x}",
                    }
                    for i in ids
                ],
            )
            sold, moves = [], []
            for i in ids:
                units = 1 + i % 2
                for _ in range(units):
                    serial += 1
                    sold.append(
                        {
                            "batch_id": batch_id,
                            "serial": str(serial),
                            "exit_declaration_id": i,
                            "status": SoldStatus.SOLD,
                            "sold_at": declared_at,
                        }
                    )
                moves.append(
                    {
                        "batch_id": batch_id,
                        "kind": LedgerKind.WRITE_OFF,
                        "quantity": -units,
                        "source": f"exit:{i}",
                        "at": declared_at,
                        "posted_by": "bench",
                    }
                )
            session.execute(insert(SoldCode), sold)
            session.execute(insert(LedgerEntry), moves)
        session.commit()
        if rt.engine.dialect.name == "postgresql":
            with rt.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
                conn.execute(
                    text("SELECT setval('exit_declaration_id_seq', (SELECT max(id) FROM exit_declaration))")
                )
    return world, batch_id


def ledger_part(name: str, url: str, tmp: Path) -> list[list[object]]:
    """Report times on the big batch, and the one-item exit rate on it."""
    rt = runtime_for(url, tmp)
    world, batch_id = big_batch(rt)

    def report(limit: int | None) -> ledger.LedgerReport:
        with rt.sessions() as session:
            return ledger.ledger_report(session, world.regulator, batch_id, limit=limit)

    full = report(None)
    assert full.balanced and len(full.movements) == BIG_ORDERS + 1, (full.balanced, len(full.movements))
    assert full.in_zone == BIG_UNITS - full.sold_units == BIG_UNITS - 75_000
    times = {
        label: median_time(lambda limit=limit: report(limit), 5)
        for label, limit in (("full", None), ("totals", 0), ("page", 1000))
    }
    rows = [
        [name, "report: totals + reconciliation + 50,001 movements", f"{times['full'] * 1000:.0f} ms"],
        [name, "report: totals + reconciliation only", f"{times['totals'] * 1000:.1f} ms"],
        [name, "report: API page of 1,000 movements", f"{times['page'] * 1000:.1f} ms"],
    ]
    # one-item exits of the big batch: issue codes beyond those bulk-sold, then declare
    with rt.sessions() as session:
        issuance.issue_codes(session, world.merchant_staff, rt.ring, batch_id, 200, factories.BASE)
        session.commit()
        batch = session.get(Batch, batch_id)
        assert batch is not None
        urls = list(
            issuance.code_urls(session, rt.ring, batch, issuance.SerialRange(75_001, 75_200), factories.BASE)
        )
    n = 0

    def one_item_exits() -> None:
        nonlocal n
        for _ in range(50):
            url = urls[n]
            n += 1
            body = {
                "order_no": f"AFTER-{n}",
                "payment_ref": "P",
                "waybill_no": "W",
                "payment_amount": "99.00",
                "buyer": {"id_number": factories.id_number(n), "name": "买家"},
                "lines": [{"batch_id": batch_id, "quantity": 1, "unit_price": "99.00", "codes": [url]}],
            }
            with rt.transaction() as session:
                d = exits.declare_exit(session, world.merchant_staff, rt.ring, filing(body), secret=SECRET)
                assert d.status is ExitStatus.WRITTEN_OFF, d.findings

    rate = 50 / median_time(one_item_exits, 3)
    rows.append([name, "one-item exits of this batch (orders/s)", f"{rate:,.0f}"])
    rt.engine.dispose()
    return rows


def main() -> None:
    """Run the chosen parts on SQLite and (unless told not to) PostgreSQL; print markdown tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--orders", type=int, default=100, help="orders per run and size (default 100)")
    parser.add_argument("--parts", nargs="*", default=["exits", "ledger"], choices=["exits", "ledger"])
    args = parser.parse_args()
    print(f"Machine: {machine()}\n")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if "exits" in args.parts:
            rows = []
            for name, url in databases(args, tmp, "exits"):
                rows += exit_rate(name, url, tmp, args.orders)
            print(f"Exit declarations, {args.orders} orders per run, median of {RUNS} runs\n")
            table(
                ["database", "items per order", "orders/s (service)", "items/s (service)", "orders/s (API)"],
                rows,
            )
        if "ledger" in args.parts:
            rows = []
            for name, url in databases(args, tmp, "ledger"):
                rows += ledger_part(name, url, tmp)
            print(f"Ledger of a batch of {BIG_UNITS:,} units with {BIG_ORDERS:,} orders, median of 5\n")
            table(["database", "what", "median"], rows)


if __name__ == "__main__":
    main()
