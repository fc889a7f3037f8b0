"""Label rendering benchmark: labels per second and peak memory per format, against raw QR encoding.

Why: merchants print batches of up to 100,000 labels; the renderer must stream (flat memory) and spend
most of its time in the QR encoder, not around it (goal: PDF at least half the raw zxing-cpp rate).
Each measurement runs in its own subprocess so ``ru_maxrss`` is that run's peak RSS alone.

    .venv/bin/python bench/labels_bench.py                 # 1k + 100k pdf/zpl, 1k + 10k png/svg
    .venv/bin/python bench/labels_bench.py --quick         # 1k only
    .venv/bin/python bench/labels_bench.py --counts 1000 100000 --formats png svg
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import BinaryIO, cast

from suyuan.labels import LabelItem

TEMPLATES = {"pdf": "a4-3x8", "png": "a4-3x8", "svg": "a4-3x8", "zpl": "roll-50x30"}
DEFAULT_COUNTS = {
    "pdf": [1000, 100_000],
    "zpl": [1000, 100_000],
    "png": [1000, 10_000],
    "svg": [1000, 10_000],
}


def urls(count: int) -> Iterator[str]:
    """Realistic code URLs: upper-case host, 155-digit numeric signature."""
    for serial in range(1, count + 1):
        digest = hashlib.sha256(str(serial).encode()).digest() * 3
        digits = str(int.from_bytes(digest, "big"))[:155].rjust(155, "0")
        yield f"HTTPS://SY.EXAMPLE.CN/01/09501101530003/10/L2611A/21/{serial}?s=1{digits}"


def items(count: int) -> Iterator[LabelItem]:
    """Lazy LabelItems, like the service's generator over an issued serial range."""
    for serial, url in enumerate(urls(count), start=1):
        yield LabelItem(
            url, "澳大利亚进口婴幼儿配方奶粉 3段 800g", "09501101530003", "L2611A", str(serial), None
        )


class Discard(io.RawIOBase):
    """Output sink that only counts: measures the renderer, not the disk."""

    def writable(self) -> bool:
        """Yes: this is an output stream."""
        return True

    def write(self, data: object) -> int:
        """Drop ``data``, report it written."""
        return len(cast(bytes, data))


def child(mode: str, count: int) -> dict[str, float]:
    """One measurement in this (fresh) process; prints JSON for the parent."""
    from suyuan.labels import render
    from suyuan.labels.fonts import default_font
    from suyuan.labels.qr import encode

    default_font()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if mode == "raw":
        for url in urls(count):
            encode(url)
        written = 0
    else:
        stats = render(items(count), TEMPLATES[mode], mode, cast(BinaryIO, Discard()))
        written = stats.bytes_written
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "rate": count / seconds,
        "rss_mb": peak / 1024,
        "base_mb": base_rss / 1024,
        "bytes": written,
    }


def run_child(mode: str, count: int) -> dict[str, float]:
    """Run ``child`` in a subprocess so each peak RSS is its own."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(count)], check=True, capture_output=True, text=True
    ).stdout
    return cast(dict[str, float], json.loads(output))


def proof_timing(count: int = 1000) -> dict[str, float]:
    """Render ``count`` labels to PDF and PNG and time the print proof per page."""
    from suyuan.labels import proof_images, proof_pdf, render

    expected = list(urls(count))
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("pdf", "png"):
            path = os.path.join(tmp, f"labels.{fmt}")
            with open(path, "wb") as out:
                render(items(count), "a4-3x8", fmt, out)
            report = proof_pdf(path, expected) if fmt == "pdf" else proof_images(path, expected)
            assert report.passed, report.summary()
            results[f"{fmt}_ms_per_page"] = report.seconds_per_page * 1000
            results[f"{fmt}_pages"] = len(report.pages)
    return results


def machine() -> str:
    """nproc and CPU model, for the results table."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPUs (nproc), {model}, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    """Parse arguments, run every measurement, print a Markdown table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs=2, metavar=("MODE", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument("--formats", nargs="+", default=["pdf", "zpl", "png", "svg"])
    parser.add_argument("--counts", nargs="+", type=int, help="label counts for every format")
    parser.add_argument("--quick", action="store_true", help="1,000 labels only")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    print(f"machine: {machine()}\ndate: {datetime.date.today()}\ncommand: {' '.join(sys.argv)}\n")
    print("| format | template | labels | labels/s | raw QR/s | ratio | peak RSS MB (base) | output MB |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    raw: dict[int, float] = {}
    for fmt in args.formats:
        counts = [1000] if args.quick else (args.counts or DEFAULT_COUNTS[fmt])
        for count in counts:
            if count not in raw:
                raw[count] = run_child("raw", count)["rate"]
            result = run_child(fmt, count)
            print(
                f"| {fmt} | {TEMPLATES[fmt]} | {count:,} | {result['rate']:,.0f} | {raw[count]:,.0f} | "
                f"{result['rate'] / raw[count]:.2f} | {result['rss_mb']:.0f} ({result['base_mb']:.0f}) | "
                f"{result['bytes'] / 1e6:,.1f} |",
                flush=True,
            )
    proof = proof_timing()
    print(
        f"\nprint proof, 1,000 labels on a4-3x8 at 300 dpi: PDF {proof['pdf_ms_per_page']:.0f} ms/page "
        f"({proof['pdf_pages']:.0f} pages), PNG {proof['png_ms_per_page']:.0f} ms/page"
    )


if __name__ == "__main__":
    main()
