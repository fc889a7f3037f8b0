"""Customs (CEB) intake benchmark: CEB621 inventories imported per second, against parsing alone.

Why: platforms send an inventory per consumer order, so ``suyuan.trace.ceb.receive`` bounds how many
orders a zone can clear through Suyuan (target: at least 200 inventories/s on PostgreSQL on the 2-core
machine). An import is the whole unit of work: size cap, safe parse, official XSD validation, the
rules, three-document matching against the order, payment and waybill already received, the
redacted copy, the receipt (rendered), the message/inventory/receipt rows and the audit entry. The
same run times parsing and validation alone (``parsing.read_message``) on the same bytes, so the ratio
shows what the database and the rules cost.

Each round generates fresh messages: inventories of 1-5 lines (cycling), each order by a different
buyer, its order, payment and waybill imported first (not timed); then the inventories, each its own
unit of work, are timed. Medians of the rounds.

Run from the repository root (PostgreSQL uses the ``bench_ceb`` database, emptied each run):

    .venv/bin/python bench/ceb_bench.py                   # SQLite and PostgreSQL, 3 rounds of 200
    .venv/bin/python bench/ceb_bench.py --no-postgres --rounds 3 --messages 100
"""

from __future__ import annotations

import argparse
import copy
import itertools
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from lxml import etree  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.databases import SECRET, fresh_postgres, runtime_for  # noqa: E402
from suyuan.migrations import upgrade_database  # noqa: E402
from suyuan.runtime import Runtime  # noqa: E402
from suyuan.trace.actors import OPERATOR  # noqa: E402
from suyuan.trace.ceb import receive  # noqa: E402
from suyuan.trace.ceb.parsing import CEB_NS, read_message  # noqa: E402
from tests.factories import id_number  # noqa: E402
from tests.trace.ceb_world import make_ceb_world, sample  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_ceb"
Q = f"{{{CEB_NS}}}"


def machine() -> str:
    """nproc and CPU model, as the results page quotes them."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} × {model}, Python {platform.python_version()}"


def _set(root: etree._Element, path: str, value: str) -> None:
    element = root.find(path.replace("ceb:", Q))
    assert element is not None, path
    element.text = value


def _guid(n: int, kind: int) -> str:
    return f"{kind:08d}-0000-4000-8000-{n:012d}"


def documents(n: int, lines: int) -> tuple[list[bytes], bytes]:
    """Order, payment and waybill, and the inventory, of order ``n`` with ``lines`` lines of one tin each."""
    order_no, waybill_no = f"BENCH{n:010d}", f"BLN{n:010d}"
    buyer = id_number(n % 1000, f"19{50 + n // 1000 % 40}0101")  # a different buyer per order
    total = f"{198 * lines}.00"
    order = etree.fromstring(sample("CEB311Message.xml"))
    order.set("guid", _guid(n, 1))
    head = ".//ceb:OrderHead/ceb:"
    for name, value in (
        ("guid", _guid(n, 11)),
        ("orderNo", order_no),
        ("goodsValue", total),
        ("freight", "0"),
        ("discount", "0"),
        ("taxTotal", "0"),
        ("acturalPaid", total),
        ("buyerIdNumber", buyer),
        ("payTransactionId", f"PAY{n:012d}"),
    ):
        _set(order, head + name, value)
    _lines(order, "Order", "OrderList", lines)
    payment = etree.fromstring(sample("CEB411Message.xml"))
    payment.set("guid", _guid(n, 2))
    for name, value in (
        ("guid", _guid(n, 12)),
        ("orderNo", order_no),
        ("payTransactionId", f"PAY{n:012d}"),
        ("amountPaid", total),
        ("payerIdNumber", buyer),
    ):
        _set(payment, ".//ceb:PaymentHead/ceb:" + name, value)
    waybill = etree.fromstring(sample("CEB511Message.xml"))
    waybill.set("guid", _guid(n, 3))
    for name, value in (("guid", _guid(n, 13)), ("orderNo", order_no), ("logisticsNo", waybill_no)):
        _set(waybill, ".//ceb:LogisticsHead/ceb:" + name, value)
    inventory = etree.fromstring(sample("CEB621Message.xml"))
    inventory.set("guid", _guid(n, 4))
    for name, value in (
        ("guid", _guid(n, 14)),
        ("orderNo", order_no),
        ("logisticsNo", waybill_no),
        ("copNo", f"INV{n:012d}"),
        ("buyerIdNumber", buyer),
    ):
        _set(inventory, ".//ceb:InventoryHead/ceb:" + name, value)
    _lines(inventory, "Inventory", "InventoryList", lines)
    return [etree.tostring(x, xml_declaration=True, encoding="UTF-8") for x in (order, payment, waybill)], (
        etree.tostring(inventory, xml_declaration=True, encoding="UTF-8")
    )


def together(inventories: list[bytes]) -> bytes:
    """One CEB621 message carrying several inventories (the schema allows 100), under the first's guid."""
    if len(inventories) == 1:
        return inventories[0]
    first = etree.fromstring(inventories[0])
    last = first.findall(Q + "Inventory")[-1]
    for raw in inventories[1:]:
        for element in etree.fromstring(raw).findall(Q + "Inventory"):
            last.addnext(element)
            last = element
    return etree.tostring(first, xml_declaration=True, encoding="UTF-8")


def _lines(root: etree._Element, entity: str, name: str, count: int) -> None:
    """Replace the sample's lines by ``count`` lines of one milk tin at 198.00."""
    parent = root.find(Q + entity)
    assert parent is not None
    originals = parent.findall(Q + name)
    template = originals[0]
    for line in originals:
        parent.remove(line)
    for gnum in range(1, count + 1):
        line = copy.deepcopy(template)
        for field, value in (("gnum", str(gnum)), ("qty", "1"), ("totalPrice", "198.00")):
            _set(line, "ceb:" + field, value)
        if line.find(Q + "qty1") is not None:
            _set(line, "ceb:qty1", "0.8")
        parent.append(line)


def run(
    runtime: Runtime, url: str, tmp: Path, rounds: int, per_round: int, workers: int, per_message: int = 1
) -> tuple[float, float, float]:
    """Medians over ``rounds``: inventories/s imported (by ``workers`` processes at once), parsed alone,
    and the importing processes' own CPU time per inventory in ms (load on the other core disturbs it
    far less than the wall rate)."""
    with runtime.sessions() as session:  # the world's factories commit as they go
        make_ceb_world(session, runtime.ring)
        session.commit()
    imported, parsed, cpu_ms = [], [], []
    n = 0
    for _ in range(rounds):
        batch = []
        for _ in range(per_round):
            n += 1
            three, inventory = documents(n, 1 + n % 5)
            for raw in three:
                with runtime.transaction() as session:
                    assert not receive(session, OPERATOR, raw, secret=SECRET).refused
            batch.append(inventory)
        batch = [together(batch[i : i + per_message]) for i in range(0, len(batch), per_message)]
        started = time.perf_counter()
        for raw in batch:
            read_message(raw)
        parsed.append(per_round / (time.perf_counter() - started))
        if workers == 1:
            started, cpu = time.perf_counter(), time.process_time()
            _import_all(runtime, batch)
            imported.append(per_round / (time.perf_counter() - started))
            cpu_ms.append((time.process_time() - cpu) * 1000 / per_round)
        else:
            seconds, cpu_seconds = _import_in_processes(url, tmp, batch, workers)
            imported.append(per_round / seconds)
            cpu_ms.append(cpu_seconds * 1000 / per_round)
    return statistics.median(imported), statistics.median(parsed), statistics.median(cpu_ms)


def _import_all(runtime: Runtime, batch: list[bytes]) -> None:
    """Import each inventory in its own unit of work, as one API call would."""
    for raw in batch:
        with runtime.transaction() as session:
            receipt = receive(session, OPERATOR, raw, secret=SECRET)
        assert all(entry.status == 399 for entry in receipt.entries), receipt.entries


def _import_in_processes(url: str, tmp: Path, batch: list[bytes], workers: int) -> tuple[float, float]:
    """Seconds from the first worker's start to the last one's end, ``batch`` shared out round-robin,
    and the CPU seconds the workers spent importing, summed.

    Like gunicorn workers taking API calls at once: each process has its own engine and connection,
    they meet at a barrier (after connecting) so only the imports are timed.
    """
    context = multiprocessing.get_context("fork")
    barrier, times = context.Barrier(workers), context.Queue()
    slices = [batch[i::workers] for i in range(workers)]
    processes = [context.Process(target=_worker, args=(url, tmp, part, barrier, times)) for part in slices]
    for process in processes:
        process.start()
    spans: list[tuple[float, float, float]] = [times.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
        assert process.exitcode == 0, process.exitcode
    wall = max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
    return wall, sum(cpu for _, _, cpu in spans)


def _worker(url: str, tmp: Path, batch: list[bytes], barrier: Any, times: Any) -> None:
    runtime = runtime_for(url, tmp)
    with runtime.transaction() as session:  # connect before the clock starts
        session.execute(text("SELECT 1"))
    barrier.wait()
    started, cpu = time.perf_counter(), time.process_time()
    _import_all(runtime, batch)
    times.put((started, time.perf_counter(), time.process_time() - cpu))
    runtime.engine.dispose()


def main() -> int:
    """Run on SQLite (and PostgreSQL unless told not to) and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=200, help="inventories per round")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="importing processes at once (one row each)"
    )
    parser.add_argument(
        "--per-message", type=int, nargs="+", default=[1, 10], help="inventories per CEB621 (one row each)"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f}")
    print(
        f"{'database':10} {'workers':>7} {'per msg':>7} {'imported/s':>11} {'CPU ms/inv':>10} "
        f"{'parsed/s':>10} {'ratio':>7}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        targets = [] if args.no_sqlite else [("sqlite", f"sqlite:///{tmp}/bench-ceb.db")]
        if not args.no_postgres:
            targets.append(("postgresql", PG_URL))
        for name, url in targets:
            for workers, per_message in itertools.product(args.workers, args.per_message):
                if name == "sqlite":
                    Path(f"{tmp}/bench-ceb.db").unlink(missing_ok=True)
                    upgrade_database(url)
                else:
                    fresh_postgres(url)
                runtime = runtime_for(url, Path(tmp))
                imported, parsed, cpu_ms = run(
                    runtime, url, Path(tmp), args.rounds, args.messages, workers, per_message
                )
                runtime.engine.dispose()
                print(
                    f"{name:10} {workers:7} {per_message:7} {imported:11.0f} {cpu_ms:10.2f} {parsed:10.0f} "
                    f"{parsed / imported:6.1f}×",
                    flush=True,
                )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
