"""Scan endpoint benchmark: requests/s and p99 latency of ``GET {code URL}`` (JSON) under gunicorn and wrk.

Why: every consumer scan is one request that parses the code, verifies its Ed25519 signature, looks up key,
batch and issuance, weighs the code's scan history for clones, records the scan and answers the verdict
document (DESIGN.md §4). The goal is at least 0.5x the requests/s of a bare Flask app answering constant
JSON (``bench/bare_app.py``) under the same server and the same load (wrk on loopback), measured in the
same run, alternating bare and app rounds, for SQLite and PostgreSQL. Whatever server configuration is
chosen (``--workers``, ``--worker-class``, ``--gthreads``; default 2 sync workers, as ``suyuan serve`` and
the Dockerfile run), both apps get exactly the same one.

For each database the script prepares a fresh installation (``suyuan db upgrade``, ``suyuan demo --json``,
``suyuan codes issue`` and ``export`` on the released batches), rotates wrk through 10,000 real code URLs
(``--urls``; each code is scanned a few times, as in real life) with ``Accept: application/json`` and, with
``--html`` (the default), as a phone's browser asking for the page (every request records a scan: that is
the real cost), and reports, besides
requests/s, the gunicorn workers' CPU time per request (from /proc): on a shared machine requests/s move
with other people's load, CPU per request much less. It then shows the scan's one read
(``suyuan.trace.scan_statements.SCAN``), its plan and timing, and the statements of one scan. With
``--grow N`` it adds N scans of other codes (a busy month) and measures the app again.

    .venv/bin/python bench/scan_server_bench.py                         # 3 rounds of 10 s, both databases
    .venv/bin/python bench/scan_server_bench.py --backends sqlite --rounds 1 --duration 5
    .venv/bin/python bench/scan_server_bench.py --grow 100000
    .venv/bin/python bench/scan_server_bench.py --worker-class gthread --gthreads 4   # both apps alike
    PYTHONPATH=/elsewhere .venv/bin/python bench/scan_server_bench.py --app variant:app  # A/B a variant

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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
from suyuan.trace.scan_statements import SCAN  # noqa: E402
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
    """The one read of a scan (``scan_statements.SCAN``) for code ``url``: plan, timing, earlier scans.

    It binds the code to key, batch and issuance and sums up the code's history; the history part is the
    one whose cost grows, with the number of earlier scans of the same code.
    """
    parts = urlsplit(url).path.split("/")  # ['', '01', gtin, '10', lot, '21', serial]
    engine = make_engine(database_url)
    postgresql = engine.dialect.name == "postgresql"
    values = {"kid": parse_code(url).kid, "gtin": parts[2], "lot": parts[4], "number": int(parts[6])}
    statement = SCAN[postgresql].params(**values, serial=parts[6], device="", region="")
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        if postgresql:
            lines = [str(row[0]) for row in conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + sql)).all()]
        else:
            lines = [str(row[-1]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)).all()]
        for _ in range(12):  # as in the app: psycopg prepares it, PostgreSQL settles on a generic plan
            conn.execute(statement).one()
        start = time.perf_counter()
        for _ in range(20):
            scans = conn.execute(statement).one().scans or 0
        took = (time.perf_counter() - start) / 20 * 1000
        lines.append(f"{scans:,} earlier scans of this code; the read took {took:.2f} ms (mean of 20, warm)")
    engine.dispose()
    return lines


def statements_per_scan(env: dict[str, str], path: str) -> list[str]:
    """The SQL statements one JSON scan of ``path`` executes (in-process app, same database)."""
    from suyuan.web import create_app

    app = create_app(Settings.from_env(env))
    rt: Runtime = app.extensions["suyuan"]
    client = app.test_client()
    client.get(path, headers={"Accept": "application/json"})  # warm: key cache, connection
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(rt.engine, "before_cursor_execute", record)
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.data
    rt.engine.dispose()
    return seen


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


def wrk(served: Served, script: Path, threads: int, connections: int, seconds: int) -> WrkResult:
    """One bounded wrk run against ``served``; parses requests/s, p99 and errors; measures worker CPU."""
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
    return WrkResult(rps, p99_ms, requests, errors, os.getloadavg()[0], cpu / max(requests, 1) * 1000)


def check_one(base: str, path: str) -> dict[str, Any]:
    """One scan by hand: the app must answer the JSON verdict of a genuine code."""
    request = urllib.request.Request(base + path, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        document: dict[str, Any] = json.loads(response.read())
    return document


# --- the benchmark ------------------------------------------------------------------------------


def bench_backend(name: str, args: argparse.Namespace, port: int) -> dict[str, Any]:
    """Alternate bare and app rounds on one database; returns medians and per-round figures."""
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
        script = lua_script(paths, tmp)
        html_script = lua_script(paths, tmp, "html")
        bare: list[WrkResult] = []
        app: list[WrkResult] = []
        html: list[WrkResult] = []
        grown: WrkResult | None = None
        plan_grown: list[str] = []
        with (
            gunicorn(BARE, args.server, port + 1, env, tmp / "bare.log") as bare_base,
            gunicorn(args.app, args.server, port, env, tmp / "app.log") as app_base,
        ):
            verdict = check_one(app_base.base, paths[0])
            print(f"  {name}: {len(paths)} code URLs; first scan by hand: {verdict['verdict']}", flush=True)
            wrk(bare_base, script, args.threads, args.connections, 2)  # warm-up, not counted
            wrk(app_base, script, args.threads, args.connections, 2)
            for round_no in range(1, args.rounds + 1):
                bare.append(wrk(bare_base, script, args.threads, args.connections, args.duration))
                app.append(wrk(app_base, script, args.threads, args.connections, args.duration))
                if args.html:
                    html.append(wrk(app_base, html_script, args.threads, args.connections, args.duration))
                b, a = bare[-1], app[-1]
                page = f"; html {html[-1].rps:,.0f} req/s p99 {html[-1].p99_ms:.1f} ms" if html else ""
                print(
                    f"  {name} round {round_no}: bare {b.rps:,.0f} req/s p99 {b.p99_ms:.1f} ms; "
                    f"app {a.rps:,.0f} req/s p99 {a.p99_ms:.1f} ms, errors {a.errors}{page}, "
                    f"load {a.load:.1f}",
                    flush=True,
                )
            rows_after = scan_rows(database_url)
            plan = explain_scan_read(database_url, urls[0])
            try:
                statements = statements_per_scan(env, paths[1]) if args.app == APP else []  # the tree's code
            except Exception as exc:  # the in-process look must never cost the measured figures
                statements = [f"(not captured: {exc!r})"]
            if args.grow:
                grow_scan_log(database_url, args.grow)
                grown = wrk(app_base, script, args.threads, args.connections, args.duration)
                plan_grown = explain_scan_read(database_url, urls[0])
                print(f"  {name} after +{args.grow:,} scans: app {grown.rps:,.0f} req/s", flush=True)
        app_log = (tmp / "app.log").read_text()
    return {
        "name": name,
        "bare": bare,
        "app": app,
        "html": html,
        "rows_after": rows_after,
        "plan": plan,
        "statements": statements,
        "grown": grown,
        "plan_grown": plan_grown,
        "tracebacks": app_log.count("Traceback"),
    }


def report(results: Sequence[dict[str, Any]], args: argparse.Namespace) -> None:
    """Print the tables: medians and ratio per database, per-round figures, the scan's read and its plan."""
    print(
        f"\n## Scan endpoint, medians of {args.rounds} rounds (wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s --latency, {args.server}, app {args.app})\n"
    )
    print(
        "| database | bare req/s | bare p99 | app req/s | app p99 | app / bare (goal ≥ 0.5) "
        "| bare CPU/req | app CPU/req | app errors |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        bare, app = r["bare"], r["app"]
        ratio = statistics.median(a.rps / b.rps for b, a in zip(bare, app, strict=True))
        print(
            f"| {r['name']} | {statistics.median(x.rps for x in bare):,.0f} "
            f"| {statistics.median(x.p99_ms for x in bare):.1f} ms "
            f"| {statistics.median(x.rps for x in app):,.0f} "
            f"| {statistics.median(x.p99_ms for x in app):.1f} ms "
            f"| **{ratio:.2f}** | {statistics.median(x.cpu_ms for x in bare):.2f} ms "
            f"| {statistics.median(x.cpu_ms for x in app):.2f} ms | {sum(x.errors for x in app)} |"
        )
    if any(r["html"] for r in results):
        print(
            "\n| database | HTML page req/s | HTML p99 | HTML / bare (goal ≥ 0.25) | HTML CPU/req | errors |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        for r in results:
            if r["html"]:
                pages: list[WrkResult] = r["html"]
                html_ratio = statistics.median(h.rps / b.rps for b, h in zip(r["bare"], pages, strict=True))
                print(
                    f"| {r['name']} | {statistics.median(x.rps for x in pages):,.0f} "
                    f"| {statistics.median(x.p99_ms for x in pages):.1f} ms | **{html_ratio:.2f}** "
                    f"| {statistics.median(x.cpu_ms for x in pages):.2f} ms "
                    f"| {sum(x.errors for x in pages)} |"
                )
    print(
        "\napp / bare is the median of the rounds' ratios; CPU/req is the gunicorn workers' CPU time per "
        "request (the database server's is not included).\n\n"
        "Per round (the scan log grows by every app request):\n"
    )
    print(
        "| database | round | bare req/s | app req/s | app / bare | app p99 | CPU/req bare, app "
        "| scans | load |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        for i, (b, a) in enumerate(zip(r["bare"], r["app"], strict=True), start=1):
            print(
                f"| {r['name']} | {i} | {b.rps:,.0f} | {a.rps:,.0f} | {a.rps / b.rps:.2f} "
                f"| {a.p99_ms:.1f} ms | {b.cpu_ms:.2f}, {a.cpu_ms:.2f} ms | {a.requests:,} "
                f"| {b.load:.1f} / {a.load:.1f} |"
            )
    for r in results:
        print(
            f"\n{r['name']}: scan rows after the rounds: {r['rows_after']:,}; tracebacks in the app log: "
            f"{r['tracebacks']}. The per-request read of the first code, its plan and timing:\n"
        )
        for line in r["plan"]:
            print("    " + line)
        print(f"\n{r['name']}: SQL statements of one JSON scan ({len(r['statements'])}):\n")
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
