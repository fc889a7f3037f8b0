"""Scan endpoint benchmark: requests/s and p99 of ``GET {code URL}`` (JSON and page) under gunicorn + wrk.

Why: every consumer scan is one request that parses the code, verifies its Ed25519 signature, reads what
may have changed about the code (its batch's and key's statuses, its claim, its scans so far), weighs
its history for clones, records the scan and answers the verdict document (DESIGN.md §4). The goal
(issue 17) is at least 0.5x the requests/s of a bare Flask app answering constant JSON
(``bench/bare_app.py``) under the same server and the same load (wrk on loopback), measured in the same
run, alternating bare and app rounds, for SQLite and PostgreSQL, and 0.25x for the page a phone gets.
Whatever server configuration is chosen (``--workers``, ``--worker-class``, ``--gthreads``; default 2
sync workers, as ``suyuan serve`` and the Dockerfile run), every app gets exactly the same one.

For each database the script prepares a fresh installation (``suyuan db upgrade``, ``suyuan demo --json``,
``suyuan codes issue`` and ``export`` on the released batches), rotates wrk through 10,000 real code URLs
(``--urls``; each code is scanned a few times, as in real life) with ``Accept: application/json`` and, with
``--html`` (the default), as a phone's browser asking for the page (every request records a scan: that is
the real cost), and reports, besides requests/s and p99, the gunicorn workers' CPU time per request (from
/proc) and, on PostgreSQL, the CPU of the database's backends serving the bench database: on a shared
machine requests/s move with other people's load, CPU per request much less. ``--also MODULE:APP``
serves more variants beside the app, measured in every round right after it (A/B under the same load),
e.g. ``bench.scan_flask_only:app``, the same tree without the fast path in front of Flask. It then shows
the fast lane's one read (``suyuan.trace.scan_facts.FactsReader``), its plan and timing, and how many
statements one scan runs. With ``--grow N`` it adds N scans of other codes (a busy month) and measures
the app again.

    .venv/bin/python bench/scan_server_bench.py                         # 3 rounds of 10 s, both databases
    .venv/bin/python bench/scan_server_bench.py --backends sqlite --rounds 1 --duration 5
    .venv/bin/python bench/scan_server_bench.py --also bench.scan_flask_only:app   # A/B: the fast path's gain
    .venv/bin/python bench/scan_server_bench.py --grow 100000
    .venv/bin/python bench/scan_server_bench.py --worker-class gthread --gthreads 4   # every app alike

Needs ``wrk`` (Debian: ``apt-get install wrk``) and, for PostgreSQL, a server at 127.0.0.1:5432; the
``bench_scan`` database is created if missing and emptied on every run (never the test database).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

from bench.databases import reset_postgres  # noqa: E402
from suyuan.config import Settings  # noqa: E402
from suyuan.runtime import Runtime  # noqa: E402
from suyuan.trace.codes import parse_code  # noqa: E402
from suyuan.trace.db import make_engine  # noqa: E402
from suyuan.trace.model import Scan  # noqa: E402
from suyuan.trace.model.types import utcnow  # noqa: E402
from suyuan.trace.scan_facts import FactsReader  # noqa: E402
from suyuan.trace.scanning import device_cookie  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_scan"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
APP = "suyuan.web.wsgi:app"
BARE = "bench.bare_app:app"


@dataclass(frozen=True)
class Server:
    """How gunicorn serves both apps: the bare reference always gets exactly the app's configuration."""

    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1

    def __str__(self) -> str:
        threads = f" --threads {self.threads}" if self.worker_class == "gthread" else ""
        return f"gunicorn -w {self.workers} -k {self.worker_class}{threads}"


@dataclass
class WrkResult:
    """What one wrk run measured."""

    rps: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses plus socket errors
    load: float  # 1-minute load average right after the run (the machine is shared)
    cpu_ms: float  # CPU time of the gunicorn workers per request (user + system), in ms
    db_cpu_ms: float | None = None  # PostgreSQL: CPU of the bench database's backends per request, in ms


@dataclass(frozen=True)
class Served:
    """A running gunicorn: where it answers, and its master's pid (whose children are the workers)."""

    base: str
    pid: int


# --- machine, databases -------------------------------------------------------------------------


def machine() -> str:
    """nproc and CPU model, as the results page quotes them."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} CPUs ({model})"


def suyuan(env: dict[str, str], *args: str) -> str:
    """Run the ``suyuan`` command with ``env``; its stdout."""
    done = subprocess.run([str(BIN / "suyuan"), *args], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"suyuan {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def prepare(env: dict[str, str], wanted: int) -> list[str]:
    """Migrate, load the demo and export up to ``wanted`` code URLs of its released batches."""
    suyuan(env, "db", "upgrade")
    info = json.loads(suyuan(env, "demo", "--json"))
    released = [str(b["id"]) for b in info["batches"] if b["status"] == "released"]
    have = len([u for batch in released for u in suyuan(env, "codes", "export", "--batch", batch).split()])
    for batch in released:  # more codes on the released batches with room, so that each is scanned rarely
        count = 4_000
        while have < wanted and count >= 250:
            try:
                suyuan(env, "codes", "issue", "--batch", batch, "--count", str(count))
                have += count
            except RuntimeError:  # the batch's quantity is exhausted: try a smaller range, then the next
                count //= 2
    urls = [u for batch in released for u in suyuan(env, "codes", "export", "--batch", batch).split()]
    random.Random(17).shuffle(urls)  # neighbours in the rotation are of different batches, as in real life
    return urls[:wanted]


def scan_rows(database_url: str) -> int:
    """Rows in the scan log."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        count = int(conn.scalar(select(func.count()).select_from(Scan.__table__)) or 0)
    engine.dispose()
    return count


def explain_scan_read(database_url: str, url: str) -> list[str]:
    """The fast lane's one read (``scan_facts.FactsReader``) for code ``url``: plan, timing, earlier scans.

    It reads the batch's and key's statuses, the code's claim and its scans: summed up on SQLite (every
    scan reads), as rows on PostgreSQL (a worker reads a code it does not know, then keeps it); what
    grows is the number of earlier scans of the same code.
    """
    parts = urlsplit(url).path.split("/")  # ['', '01', gtin, '10', lot, '21', serial]
    engine = make_engine(database_url)
    postgresql = engine.dialect.name == "postgresql"
    reader = FactsReader(engine)
    kid = parse_code(url).kid or ""
    with engine.connect() as conn:
        batch_id = conn.scalar(
            text("SELECT id FROM batch WHERE gtin = :g AND lot = :l"), {"g": parts[2], "l": parts[4]}
        )
        values = {"b": batch_id, "k": kid, "s": parts[6], "d": "", "r": ""}
        sql = reader.sql if postgresql else reader.sums  # a miss of the cache / every scan
        for name, value in values.items():  # literal values, for EXPLAIN
            literal = str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"
            sql = sql.replace(f"%({name})s" if postgresql else f":{name}", literal)
        if postgresql:
            lines = [str(row[0]) for row in conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + sql)).all()]
        else:
            lines = [str(row[-1]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)).all()]
    for _ in range(12):  # as in the app: psycopg prepares it, PostgreSQL settles on a generic plan
        reader.read(int(batch_id), parts[6], kid, complete=postgresql)
    start = time.perf_counter()
    for _ in range(20):
        facts = reader.read(int(batch_id), parts[6], kid, complete=postgresql)
    took = (time.perf_counter() - start) / 20 * 1000
    scans = facts.count if facts is not None else "too many"
    lines.append(f"{scans} earlier scans of this code; the read took {took:.2f} ms (mean of 20, warm)")
    reader.close()
    engine.dispose()
    return lines


def statements_per_scan(env: dict[str, str], path: str) -> list[str]:
    """What one JSON scan of ``path`` runs (in-process app, same database, scans written at once).

    The lines: the fast lane's reads through the driver, then every statement through SQLAlchemy (the
    scan's write with its first-scan check and tally; on PostgreSQL the triggers' notifications ride
    on them).
    """
    from suyuan.web import create_app

    app = create_app(Settings.from_env({**env, "SUYUAN_SCAN_WRITE_DELAY_MS": "0"}))
    rt: Runtime = app.extensions["suyuan"]
    client = app.test_client()
    for _ in range(2):  # warm: the full path fills the lane, the next scan takes it
        client.get(path, headers={"Accept": "application/json"})
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(rt.engine, "before_cursor_execute", record)
    reads = rt.scan_path.reader.reads
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.data
    reads = rt.scan_path.reader.reads - reads
    rt.close()
    return [
        f"(fast lane: {reads} read(s) through the driver: {' '.join(rt.scan_path.reader.sql.split())})",
        *seen,
    ]


def grow_scan_log(database_url: str, rows: int) -> None:
    """Add ``rows`` scans of codes other than the benchmarked ones (a busy month's scan log)."""
    engine = make_engine(database_url)
    now = utcnow()
    with engine.begin() as conn:
        for start in range(0, rows, 20_000):
            conn.execute(
                insert(Scan.__table__),
                [
                    {
                        "at": now,
                        "batch_id": None,
                        "gtin": "09999999999996",
                        "lot": f"G{n // 1000:05d}",
                        "serial": str(n),
                        "device_hash": "",
                        "region": "",
                        "verdict": "counterfeit",
                        "reasons": ["unknown_batch"],
                    }
                    for n in range(start, min(rows, start + 20_000))
                ],
            )
    engine.dispose()


# --- servers and load ---------------------------------------------------------------------------


@contextmanager
def gunicorn(app: str, server: Server, port: int, env: dict[str, str], log: Path) -> Iterator[Served]:
    """Serve ``app`` with gunicorn as ``server`` says (no access log) on loopback; always stopped."""
    command = [
        str(BIN / "gunicorn"),
        "-w",
        str(server.workers),
        "-k",
        server.worker_class,
        "--threads",
        str(server.threads),
        "-b",
        f"{HOST}:{port}",
        "--chdir",
        str(REPO),
        app,
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            env={**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"{app} did not come up on port {port}; see {log}:\n{log.read_text()[-2000:]}"
                )
            time.sleep(0.2)
        yield Served(base, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


_PHONE_COOKIE = device_cookie("bench-secret-key", "bench-phone-0001")
PAGE_HEADERS = {
    "json": '{["Accept"] = "application/json"}',
    # what a phone's browser sends, with a device cookie the server issued (as a returning visitor has)
    "html": '{["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", '
    f'["Accept-Language"] = "zh-CN,zh;q=0.9", ["Cookie"] = "sy_did={_PHONE_COOKIE}"}}',
}


def lua_script(paths: Sequence[str], directory: Path, page: str = "json") -> Path:
    """A wrk script that rotates through ``paths`` asking for the JSON verdict or the HTML page."""
    listed = ",\n".join(json.dumps(p) for p in paths)
    script = directory / f"codes-{page}.lua"
    script.write_text(
        f"local paths = {{\n{listed}\n}}\n"
        "local i = 0\n"
        f"local headers = {PAGE_HEADERS[page]}\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i], headers)\n'
        "end\n"
    )
    return script


def worker_cpu_seconds(master: int) -> float:
    """User + system CPU seconds used so far by the direct children (the workers) of process ``master``.

    Why: on a shared machine requests/s move with other people's load; CPU time per request moves much
    less, so it says how much each request costs the server whatever the machine is doing.
    """
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        if int(fields[1]) == master:  # fields[0] is the state, [1] the parent pid, [11], [12] utime, stime
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def backend_cpu(database_url: str | None) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the database (``None``: SQLite)."""
    if database_url is None or not database_url.startswith("postgresql"):
        return {}
    engine = make_engine(database_url)
    with engine.connect() as conn:
        pids = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        found = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # not on this machine, or gone
            found[int(pid)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    engine.dispose()
    return found


def wrk(
    served: Served,
    script: Path,
    threads: int,
    connections: int,
    seconds: int,
    database_url: str | None = None,
) -> WrkResult:
    """One bounded wrk run against ``served``; parses requests/s, p99 and errors; measures worker CPU
    and, on PostgreSQL, the CPU of the database's backends (all of the bench database's: its own app's)."""
    db_before = backend_cpu(database_url)
    cpu_before = worker_cpu_seconds(served.pid)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        served.base,
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    cpu = worker_cpu_seconds(served.pid) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    assert p99 is not None, out
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (
        sum(int(g) for g in sockets.groups()) if sockets else 0
    )
    db_after = backend_cpu(database_url)
    db_cpu = sum(after - db_before.get(pid, 0.0) for pid, after in db_after.items()) if db_after else None
    per = max(requests, 1)
    return WrkResult(
        rps,
        p99_ms,
        requests,
        errors,
        os.getloadavg()[0],
        cpu / per * 1000,
        db_cpu / per * 1000 if db_cpu is not None else None,
    )


def check_one(base: str, path: str) -> dict[str, Any]:
    """One scan by hand: the app must answer the JSON verdict of a genuine code."""
    request = urllib.request.Request(base + path, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        document: dict[str, Any] = json.loads(response.read())
    return document


# --- the benchmark ------------------------------------------------------------------------------


def bench_backend(name: str, args: argparse.Namespace, port: int) -> dict[str, Any]:
    """Alternate bare and app rounds on one database; returns medians and per-round figures.

    Per round: the bare app, then each app under test (``--app``, then every ``--also``) asked for the
    JSON verdict and, with ``--html``, for the page; each ratio is taken against that round's bare run.
    """
    with tempfile.TemporaryDirectory(prefix=f"scan-bench-{name}-") as tmp_dir:
        tmp = Path(tmp_dir)
        if name == "sqlite":
            database_url = f"sqlite:///{tmp / 'scan-bench.db'}"
        else:
            database_url = args.pg_url
            reset_postgres(database_url)
        env = {
            **os.environ,
            "SUYUAN_DATABASE_URL": database_url,
            "SUYUAN_INSTANCE_DIR": str(tmp / "instance"),
            "SUYUAN_BASE_URL": f"http://{HOST}:{port}",
            "SUYUAN_KEY_PASSPHRASE": "bench-key-passphrase",
            "SUYUAN_SECRET_KEY": "bench-secret-key",
        }
        urls = prepare(env, args.urls)
        paths = [urlsplit(u).path + "?" + urlsplit(u).query for u in urls]
        scripts = {"json": lua_script(paths, tmp), "html": lua_script(paths, tmp, "html")}
        pages = ["json", "html"] if args.html else ["json"]
        variants = [args.app, *args.also]
        bare: list[WrkResult] = []
        runs: dict[tuple[str, str], list[WrkResult]] = {(v, page): [] for v in variants for page in pages}
        grown: WrkResult | None = None
        plan_grown: list[str] = []
        db = database_url if name == "postgresql" else None
        with ExitStack() as servers:
            bare_base = servers.enter_context(gunicorn(BARE, args.server, port + 1, env, tmp / "bare.log"))
            served = {
                v: servers.enter_context(
                    gunicorn(v, args.server, port + (0 if i == 0 else i + 1), env, tmp / f"app{i}.log")
                )
                for i, v in enumerate(variants)
            }
            verdict = check_one(served[args.app].base, paths[0])
            print(f"  {name}: {len(paths)} code URLs; first scan by hand: {verdict['verdict']}", flush=True)
            wrk(bare_base, scripts["json"], args.threads, args.connections, 2)  # warm-up, not counted
            for v in variants:
                wrk(served[v], scripts["json"], args.threads, args.connections, 2)
            for round_no in range(1, args.rounds + 1):
                bare.append(wrk(bare_base, scripts["json"], args.threads, args.connections, args.duration))
                line = [f"bare {bare[-1].rps:,.0f} req/s p99 {bare[-1].p99_ms:.1f} ms"]
                for v in variants:
                    for page in pages:
                        run = wrk(served[v], scripts[page], args.threads, args.connections, args.duration, db)
                        runs[(v, page)].append(run)
                        ratio = run.rps / bare[-1].rps
                        line.append(f"{_short(v)} {page} {run.rps:,.0f} ({ratio:.2f}x, err {run.errors})")
                print(f"  {name} round {round_no}: {'; '.join(line)}; load {bare[-1].load:.1f}", flush=True)
            rows_after = scan_rows(database_url)
            plan = explain_scan_read(database_url, urls[0])
            try:
                statements = statements_per_scan(env, paths[1]) if args.app == APP else []  # the tree's code
            except Exception as exc:  # the in-process look must never cost the measured figures
                statements = [f"(not captured: {exc!r})"]
            if args.grow:
                grow_scan_log(database_url, args.grow)
                grown = wrk(
                    served[args.app], scripts["json"], args.threads, args.connections, args.duration, db
                )
                plan_grown = explain_scan_read(database_url, urls[0])
                print(f"  {name} after +{args.grow:,} scans: app {grown.rps:,.0f} req/s", flush=True)
        logs = "".join(path.read_text() for path in tmp.glob("app*.log"))
    return {
        "name": name,
        "bare": bare,
        "runs": runs,
        "rows_after": rows_after,
        "plan": plan,
        "statements": statements,
        "grown": grown,
        "plan_grown": plan_grown,
        "tracebacks": logs.count("Traceback"),
    }


def _short(app: str) -> str:
    return {APP: "app", "bench.scan_flask_only:app": "flask-only"}.get(app, app)


def _median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def report(results: Sequence[dict[str, Any]], args: argparse.Namespace) -> None:
    """Print the tables: medians and ratios per database and variant, per-round figures, the scan's read."""
    print(
        f"\n## Scan endpoint, medians of {args.rounds} rounds (wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s --latency, {args.server}, {args.urls:,} code URLs)\n"
    )
    print(
        "| database | variant | asks for | req/s | p99 | / bare (goal: JSON ≥ 0.5, page ≥ 0.25) | rounds "
        "| worker CPU/req | database CPU/req | errors |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        bare: list[WrkResult] = r["bare"]
        print(
            f"| {r['name']} | bare Flask | JSON | {_median(x.rps for x in bare):,.0f} "
            f"| {_median(x.p99_ms for x in bare):.1f} ms | 1 | "
            f"| {_median(x.cpu_ms for x in bare):.2f} ms | | {sum(x.errors for x in bare)} |"
        )
        for (variant, page), runs in r["runs"].items():
            ratios = [a.rps / b.rps for b, a in zip(bare, runs, strict=True)]
            db = [x.db_cpu_ms for x in runs if x.db_cpu_ms is not None]
            print(
                f"| {r['name']} | {_short(variant)} | {'JSON' if page == 'json' else 'page'} "
                f"| {_median(x.rps for x in runs):,.0f} | {_median(x.p99_ms for x in runs):.1f} ms "
                f"| **{_median(ratios):.2f}** | {', '.join(f'{x:.2f}' for x in ratios)} "
                f"| {_median(x.cpu_ms for x in runs):.2f} ms | {f'{_median(db):.2f} ms' if db else '—'} "
                f"| {sum(x.errors for x in runs)} |"
            )
    print(
        "\n/ bare is the median of the rounds' ratios (each against the bare run of its round); worker CPU "
        "is the gunicorn workers' (from /proc, their threads included), database CPU that of the PostgreSQL "
        "backends connected to the bench database. Load average (1 min) after each round's bare run:\n"
    )
    for r in results:
        loads = ", ".join(f"{x.load:.1f}" for x in r["bare"])
        print(
            f"- {r['name']}: {loads}; scan rows after the rounds: {r['rows_after']:,}; "
            f"tracebacks in the app logs: {r['tracebacks']}"
        )
    for r in results:
        print(f"\n{r['name']}: the fast lane's read of the first code, its plan and timing:\n")
        for line in r["plan"]:
            print("    " + line)
        print(
            f"\n{r['name']}: statements of one JSON scan of a cached code, scans written at once (so no "
            "PostgreSQL scan cache; on a server's worker a code it knows makes no read at all):\n"
        )
        for statement in r["statements"]:
            print("    " + (statement if len(statement) <= 150 else statement[:147] + "..."))
        if r["grown"] is not None:
            g: WrkResult = r["grown"]
            print(
                f"\n{r['name']}: after adding {args.grow:,} scans of other codes: app {g.rps:,.0f} req/s, "
                f"p99 {g.p99_ms:.1f} ms, {g.cpu_ms:.2f} ms worker CPU per request; the read then:\n"
            )
            for line in r["plan_grown"]:
                print("    " + line)


def main(argv: Sequence[str] | None = None) -> None:
    """Benchmark the scan endpoint on the chosen databases and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--urls", type=int, default=10_000, help="distinct code URLs wrk rotates through")
    parser.add_argument(
        "--html", action=argparse.BooleanOptionalAction, default=True, help="also measure the HTML scan page"
    )
    parser.add_argument("--grow", type=int, default=0, help="then add this many scans and measure again")
    parser.add_argument("--port", type=int, default=18700, help="app port; the bare app uses port + 1")
    parser.add_argument("--app", default=APP, help="WSGI app under test (module:attribute)")
    parser.add_argument(
        "--also",
        nargs="*",
        default=[],
        help="more apps measured beside it every round (A/B), module:attribute",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, for both apps")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"], help="for both apps")
    parser.add_argument("--gthreads", type=int, default=1, help="threads per gthread worker, for both apps")
    args = parser.parse_args(argv)
    args.server = Server(args.workers, args.worker_class, args.gthreads)
    if shutil.which("wrk") is None:
        raise SystemExit("skipped: wrk is not installed (Debian: apt-get install -y wrk)")
    print(f"# scan_server_bench — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}", flush=True)
    results = [bench_backend(name, args, args.port + 10 * i) for i, name in enumerate(args.backends)]
    report(results, args)


if __name__ == "__main__":
    main()
