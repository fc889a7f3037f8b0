"""Signed-codes benchmark: QR size of the code, cost of issuing a million codes, offline verification rate.

Why: DESIGN.md §2-§3 promise that (a) a printed code stays small (QR version 7 or less at EC level M for
the default base URL), (b) issuing codes costs one row per serial range, never a row per code, and the
codes of a range can be re-derived (streamed) when labels are printed, and (c) offline verification
(``suyuan verify --jwks``) spends its time in Ed25519, not around it (goal: at least 0.8x the raw
``cryptography`` verify rate on the same signatures, in the same run). Each part is one function:

- ``qr_sizes``: QR version and module count (zxing-cpp writer, EC M) of our code URL for base URLs of 21
  and 24 characters and typical lots/serials, against the naive lower-case URL with
  ``?kid=..&sig=<base64url>``; and the longest upper-case / lower-case lot that still fits version 7.
- ``issuance_bench``: wall time and rows written to issue 1,000,000 codes on a fresh SQLite database and
  on PostgreSQL (``bench_codes`` database, recreated each run), then the rate of re-deriving 100,000 code
  URLs of that range with ``issuance.code_urls`` (against raw Ed25519 signing, same run).
- ``offline_bench``: ``suyuan.scanner.offline.verify_offline`` over 20,000 issued URLs against raw
  ``Ed25519PublicKey.verify`` over the same signatures and messages, medians of 5 interleaved runs.

Run from the repository root:

    .venv/bin/python bench/codes_bench.py                    # all parts, SQLite and PostgreSQL
    .venv/bin/python bench/codes_bench.py --parts a c        # just QR sizes and offline verification
    .venv/bin/python bench/codes_bench.py --no-postgres      # skip PostgreSQL in part b
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import zxingcpp  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from nacl.signing import VerifyKey  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.databases import fresh_postgres  # noqa: E402
from suyuan.config import Settings  # noqa: E402
from suyuan.migrations import upgrade_database  # noqa: E402
from suyuan.runtime import Runtime  # noqa: E402
from suyuan.scanner.offline import parse_jwks, verify_offline  # noqa: E402
from suyuan.trace import issuance, keys  # noqa: E402
from suyuan.trace.codes import CodeId, code_base, code_url, parse_code, signed_message  # noqa: E402
from suyuan.trace.db import Base  # noqa: E402
from suyuan.trace.identifiers import complete_gtin  # noqa: E402
from suyuan.trace.model import Batch, Issuance  # noqa: E402
from suyuan.trace.verdicts import Verdict  # noqa: E402
from tests import factories  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_codes"
BASES = {21: "https://sy.example.cn", 24: "https://trace.example.cn"}
GTIN = complete_gtin("0950110153000")
LOTS = ("L2611A", "20260901", "LOT-2026-09A")
SERIALS = ("1", "1000000")
MAX_LOT = 20  # GS1 AI (10) holds at most 20 characters
UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
LOWER = UPPER.lower()


# --- helpers ------------------------------------------------------------------------------------


def machine() -> str:
    """nproc and CPU model, as the results page quotes them."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.machine()}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Print a Markdown table (pastes straight into docs/bench-codes.md)."""
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join(" --- " for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()


def timed(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def qr_version(content: str) -> tuple[int, int]:
    """(QR version, modules per side) zxing-cpp's writer picks for ``content`` at EC level M."""
    barcode = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    size = barcode.to_image(scale=1, add_quiet_zones=False).shape[0]
    return (size - 17) // 4, size


def naive_url(base_url: str, code: CodeId, kid: str, signature: bytes) -> str:
    """What one would write without thinking about QR modes: lower-case, base64url signature."""
    return f"{base_url}/01/{code.gtin}/10/{code.lot}/21/{code.serial}?kid={kid}&sig={keys.b64url(signature)}"


def settings_for(url: str, instance: Path) -> Settings:
    """Settings of a bench installation (fixed secrets: these databases hold nothing real)."""
    return Settings(
        instance_dir=instance,
        database_url=url,
        base_url=BASES[21],
        secret_key="bench-secret-key",
        key_passphrase="bench-key-passphrase",
    )


def fresh_sqlite(directory: Path) -> str:
    """A migrated SQLite database file in ``directory``."""
    url = f"sqlite:///{directory / 'codes-bench.db'}"
    upgrade_database(url)
    return url


def world_with_batch(rt: Runtime, quantity: int) -> tuple[int, factories.World]:
    """A world like the tests build (office, key, merchants) and a released batch with no codes yet."""
    with rt.sessions() as session:
        world = factories.make_world(session, rt.ring)
        batch = factories.make_batch(session, world, rt.ring, count=0, quantity=quantity, released=True)
        return batch.id, world


def row_counts(session: Session) -> dict[str, int]:
    """Rows per table."""
    return {
        t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
        for t in Base.metadata.tables.values()
    }


# --- a. QR size ---------------------------------------------------------------------------------


def qr_sizes() -> None:
    """QR version of our code vs the naive URL, and the longest lot that keeps a 24-char base at v7."""
    private = Ed25519PrivateKey.generate()
    kid = "1"
    print("## a. QR version (EC level M, zxing-cpp writer)\n")
    rows = []
    for length, base_url in BASES.items():
        base = code_base(base_url)
        for lot in LOTS:
            for serial in SERIALS:
                code = CodeId(GTIN, lot, serial)
                signature = private.sign(signed_message(code, kid))
                ours, naive = code_url(base, code, kid, signature), naive_url(base_url, code, kid, signature)
                v_ours, m_ours = qr_version(ours)
                v_naive, m_naive = qr_version(naive)
                rows.append(
                    (
                        length,
                        lot,
                        serial,
                        len(ours),
                        f"v{v_ours} ({m_ours}²)",
                        len(naive),
                        f"v{v_naive} ({m_naive}²)",
                    )
                )
    table(
        ["base chars", "lot", "serial", "our URL chars", "our QR", "naive URL chars", "naive QR"],
        rows,
    )
    example = CodeId(GTIN, "L2611A", "1")
    signature = private.sign(signed_message(example, kid))
    print("Example, 21-char base, ours: ", code_url(code_base(BASES[21]), example, kid, signature))
    print("Example, 21-char base, naive:", naive_url(BASES[21], example, kid, signature), "\n")

    base_url = BASES[24]
    base = code_base(base_url)
    serial = "1000000"
    longest = []
    for name, alphabet in (("upper-case (A-Z)", UPPER), ("lower-case (a-z)", LOWER)):
        best, best_version = 0, 0
        for n in range(1, MAX_LOT + 1):
            lot = (alphabet * 2)[:n]
            code = CodeId(GTIN, lot, serial)
            version, _ = qr_version(code_url(base, code, kid, private.sign(signed_message(code, kid))))
            if version <= 7:
                best, best_version = n, version
        note = " (GS1 maximum: all fit)" if best == MAX_LOT else ""
        longest.append((name, f"{best}{note}", f"v{best_version}", (alphabet * 2)[:best]))
    print(f"Longest lot that fits v7 at EC M (24-char base {base_url}, serial {serial}, kid {kid}):\n")
    table(["lot alphabet", "longest lot", "QR at that length", "lot"], longest)


# --- b. issuing a million codes -----------------------------------------------------------------


@dataclass
class IssueRun:
    """One issuance of a million codes on a fresh database."""

    seconds: float
    issuance_rows: int
    all_rows: int


def issue_million(url: str, instance: Path, count: int) -> tuple[IssueRun, Runtime, int]:
    """Issue ``count`` codes of a fresh batch; returns the run, the runtime and the batch id."""
    rt = Runtime(settings_for(url, instance))
    batch_id, world = world_with_batch(rt, quantity=count)
    with rt.sessions() as session:
        before = row_counts(session)

    def issue() -> None:
        with rt.transaction() as session:
            issuance.issue_codes(session, world.merchant_staff, rt.ring, batch_id, count, rt.code_base)

    seconds = timed(issue)
    with rt.sessions() as session:
        after = row_counts(session)
    run = IssueRun(
        seconds,
        after[Issuance.__tablename__] - before[Issuance.__tablename__],
        sum(after.values()) - sum(before.values()),
    )
    return run, rt, batch_id


def stream_rate(rt: Runtime, batch_id: int, n: int) -> float:
    """Code URLs per second re-derived by ``issuance.code_urls`` (key ring already unsealed)."""
    with rt.sessions() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        serials = issuance.SerialRange(1, n)
        list(issuance.code_urls(session, rt.ring, batch, issuance.SerialRange(1, 10), rt.code_base))  # warm
        start = time.perf_counter()
        produced = sum(1 for _ in issuance.code_urls(session, rt.ring, batch, serials, rt.code_base))
        seconds = time.perf_counter() - start
    assert produced == n, produced
    return n / seconds


def raw_sign_rate(n: int) -> float:
    """Raw ``cryptography`` Ed25519 signatures per second over messages like ours."""
    private = Ed25519PrivateKey.generate()
    messages = [signed_message(CodeId(GTIN, "L00001", str(i)), "1") for i in range(1, n + 1)]
    start = time.perf_counter()
    for message in messages:
        private.sign(message)
    return n / (time.perf_counter() - start)


def issuance_bench(backends: Sequence[str], runs: int, count: int, stream: int) -> None:
    """Issue ``count`` codes ``runs`` times per backend (fresh database each), then stream ``stream`` URLs."""
    print(f"## b. Issuing {count:,} codes (medians of {runs} runs, fresh database each)\n")
    rows = []
    for backend in backends:
        issue_runs: list[IssueRun] = []
        rates: list[float] = []
        raw: list[float] = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory(prefix="codes-bench-") as tmp:
                url = fresh_sqlite(Path(tmp)) if backend == "sqlite" else fresh_postgres(PG_URL)
                run, rt, batch_id = issue_million(url, Path(tmp), count)
                issue_runs.append(run)
                rates.append(stream_rate(rt, batch_id, stream))
                raw.append(raw_sign_rate(stream // 5))
                rt.engine.dispose()
        seconds = statistics.median(r.seconds for r in issue_runs)
        rows.append(
            (
                backend,
                f"{seconds * 1000:.1f} ms",
                "/".join(str(r.issuance_rows) for r in issue_runs),
                "/".join(str(r.all_rows) for r in issue_runs),
                f"{statistics.median(rates):,.0f}/s",
                f"{stream / statistics.median(rates):.2f} s",
                f"{statistics.median(raw):,.0f}/s",
                f"{statistics.median(rates) / statistics.median(raw):.2f}",
            )
        )
    table(
        [
            "database",
            f"issue {count:,} (wall)",
            "issuance rows written",
            "rows written, all tables",
            f"stream {stream:,} URLs",
            f"time for {stream:,}",
            "raw Ed25519 sign",
            "stream / raw sign",
        ],
        rows,
    )
    print("('all tables' = the issuance row and its audit-log entry.)\n")


# --- c. offline verification --------------------------------------------------------------------


def issued_urls(n: int) -> tuple[list[str], dict[str, Any]]:
    """``n`` issued code URLs of a fresh SQLite installation, and its JWKS document."""
    with tempfile.TemporaryDirectory(prefix="codes-bench-") as tmp:
        rt = Runtime(settings_for(fresh_sqlite(Path(tmp)), Path(tmp)))
        batch_id, world = world_with_batch(rt, quantity=n)
        with rt.transaction() as session:
            issuance.issue_codes(session, world.merchant_staff, rt.ring, batch_id, n, rt.code_base)
        with rt.sessions() as session:
            batch = session.get(Batch, batch_id)
            assert batch is not None
            urls = list(issuance.code_urls(session, rt.ring, batch, issuance.SerialRange(1, n), rt.code_base))
            document = keys.jwks(session)
        rt.engine.dispose()
    return urls, document


def raw_verify_rate(urls: Sequence[str], published: dict[str, Any]) -> float:
    """Codes per second of a bare ``Ed25519PublicKey.verify`` loop over these codes (parsed beforehand)."""
    triples = []
    for url in urls:
        parsed = parse_code(url)
        assert parsed.kid is not None and parsed.signature is not None
        triples.append((published[parsed.kid].key, parsed.signature, signed_message(parsed.code, parsed.kid)))
    start = time.perf_counter()
    for key, signature, message in triples:
        key.verify(signature, message)
    return len(triples) / (time.perf_counter() - start)


def command_bench(n: int, runs: int) -> None:
    """``suyuan verify --jwks F URL...`` on ``n`` codes (start-up included) vs raw verify before and after."""
    urls, document = issued_urls(n)
    published = parse_jwks(document)
    with tempfile.TemporaryDirectory(prefix="codes-bench-cli-") as tmp:
        jwks_file = Path(tmp) / "jwks.json"
        jwks_file.write_text(json.dumps(document))
        command = [str(Path(sys.executable).parent / "suyuan"), "verify", "--jwks", str(jwks_file), *urls]
        rows = []
        for _ in range(runs):
            before = raw_verify_rate(urls, published)
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - start
            after = raw_verify_rate(urls, published)
            assert done.returncode == 0 and done.stdout.count("genuine") == n, done.stderr[-500:]
            raw = (before + after) / 2
            rows.append((n / wall, raw, n / wall / raw, wall))
        one = [str(Path(sys.executable).parent / "suyuan"), "verify", "--jwks", str(jwks_file), urls[0]]
        startups = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(one, capture_output=True, check=True)
            startups.append(time.perf_counter() - start)
    print(f"## d. `suyuan verify` of {n:,} codes, start-up included (medians of {runs} runs)\n")
    table(
        ["what", "median", "runs"],
        [
            (
                "command, codes/s (wall)",
                f"{statistics.median(r[0] for r in rows):,.0f}/s",
                ", ".join(f"{r[0]:,.0f}" for r in rows),
            ),
            (
                "raw Ed25519PublicKey.verify, before/after",
                f"{statistics.median(r[1] for r in rows):,.0f}/s",
                ", ".join(f"{r[1]:,.0f}" for r in rows),
            ),
            (
                "ratio (goal ≥ 0.6)",
                f"{statistics.median(r[2] for r in rows):.2f}",
                ", ".join(f"{r[2]:.2f}" for r in rows),
            ),
            (
                "command wall time",
                f"{statistics.median(r[3] for r in rows):.2f} s",
                ", ".join(f"{r[3]:.2f}" for r in rows),
            ),
            (
                "start-up, one code",
                f"{statistics.median(startups):.2f} s",
                ", ".join(f"{t:.2f}" for t in startups),
            ),
        ],
    )
    print()


def offline_bench(n: int, runs: int) -> None:
    """``verify_offline`` vs raw Ed25519 verify on the same ``n`` issued codes, ``runs`` interleaved runs."""
    urls, document = issued_urls(n)
    published = parse_jwks(document)

    triples = []
    for url in urls:
        parsed = parse_code(url)
        assert parsed.kid is not None and parsed.signature is not None
        triples.append((published[parsed.kid].key, parsed.signature, signed_message(parsed.code, parsed.kid)))
    assert all(verify_offline(u, published).verdict is Verdict.GENUINE for u in urls[:100])
    sodium = [(VerifyKey(key.public_bytes_raw()), signature, message) for key, signature, message in triples]
    sodium_s = [0.0]  # raw PyNaCl verify, the library verify_offline uses, in the same alternation

    chunk = 500  # offline and raw alternate every 500 codes, so both see the same machine load

    def one_run() -> tuple[float, float]:
        offline_s = raw_s = 0.0
        for lo in range(0, n, chunk):
            start = time.perf_counter()
            for url in urls[lo : lo + chunk]:
                verify_offline(url, published)
            middle = time.perf_counter()
            for key, signature, message in triples[lo : lo + chunk]:
                key.verify(signature, message)
            end = time.perf_counter()
            for verifier, signature, message in sodium[lo : lo + chunk]:
                verifier.verify(message, signature)
            offline_s, raw_s = offline_s + middle - start, raw_s + end - middle
            sodium_s[0] += time.perf_counter() - end
        return n / offline_s, n / raw_s

    one_run()  # warm-up
    offline_rates, raw_rates, sodium_rates = [], [], []
    for _ in range(runs):
        sodium_s[0] = 0.0
        off_rate, raw_rate = one_run()
        sodium_rates.append(n / sodium_s[0])
        offline_rates.append(off_rate)
        raw_rates.append(raw_rate)
    off, ref = statistics.median(offline_rates), statistics.median(raw_rates)
    parse_us = timed(lambda: [parse_code(u) for u in urls]) / n * 1e6
    print(
        f"## c. Offline verification of {n:,} issued codes "
        f"(medians of {runs} runs, alternating every 500 codes)\n"
    )
    table(
        ["what", "median", "runs"],
        [
            ("verify_offline(url, jwks)", f"{off:,.0f}/s", ", ".join(f"{r:,.0f}" for r in offline_rates)),
            ("raw Ed25519PublicKey.verify", f"{ref:,.0f}/s", ", ".join(f"{r:,.0f}" for r in raw_rates)),
            (
                "ratio to raw cryptography (goal ≥ 0.85)",
                f"{off / ref:.2f}",
                ", ".join(f"{o / r:.2f}" for o, r in zip(offline_rates, raw_rates, strict=True)),
            ),
            (
                "raw PyNaCl VerifyKey.verify",
                f"{statistics.median(sodium_rates):,.0f}/s",
                ", ".join(f"{r:,.0f}" for r in sodium_rates),
            ),
            (
                "ratio to raw PyNaCl (same library)",
                f"{off / statistics.median(sodium_rates):.2f}",
                ", ".join(f"{o / r:.2f}" for o, r in zip(offline_rates, sodium_rates, strict=True)),
            ),
        ],
    )
    print(
        f"Overhead per code {1e6 / off - 1e6 / ref:.1f} µs, of which parse_code {parse_us:.1f} µs "
        f"(raw verify {1e6 / ref:.1f} µs).\n"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the selected parts and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=["a", "b", "c", "d"], default=["a", "b", "c", "d"])
    parser.add_argument(
        "--command-codes", type=int, default=4_000, help="codes verified by the command, part d"
    )
    parser.add_argument("--no-postgres", action="store_true", help="part b on SQLite only")
    parser.add_argument("--count", type=int, default=1_000_000, help="codes issued in part b")
    parser.add_argument("--stream", type=int, default=100_000, help="URLs re-derived in part b")
    parser.add_argument("--issue-runs", type=int, default=3)
    parser.add_argument("--verify", type=int, default=20_000, help="codes verified in part c")
    parser.add_argument("--verify-runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"# codes_bench — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("zxing-cpp", "cryptography", "SQLAlchemy"))
    print(f"machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}\n{versions}\n")
    if "a" in args.parts:
        qr_sizes()
    if "b" in args.parts:
        backends = ["sqlite"] if args.no_postgres else ["sqlite", "postgresql"]
        issuance_bench(backends, args.issue_runs, args.count, args.stream)
    if "c" in args.parts:
        offline_bench(args.verify, args.verify_runs)
    if "d" in args.parts:
        command_bench(args.command_codes, 3)


if __name__ == "__main__":
    main()
