"""Scanner benchmark: decode rate and time per photo of our pipeline vs plain zxing-cpp vs OpenCV.

Why: the decoding pipeline (``suyuan.scanner.decode``) earns its complexity only if it reads clearly more
hard photos than one plain zxing-cpp call while keeping the typical photo fast. This measures, in one run
on the same machine and the same loaded images:

- ``pipeline``: :func:`suyuan.scanner.decode.decode_image` (default passes and budget);
- ``zxing``: one ``zxingcpp.read_barcodes(image, formats=QRCode)`` call (the pipeline's first pass);
- ``opencv``: ``cv2.QRCodeDetector().detectAndDecodeMulti`` (the usual alternative);

on (a) the real photos and scans of zxing-cpp's sample set (vendored in ``tests/data/zxing-qr-samples``)
and (b) a fixed-seed set of synthetic label photos (``bench/photos.py``), with a breakdown per distortion
kind. A photo counts as read when the expected text is among the decoded texts; times are wall-clock per
image, from a loaded Pillow image to the list of texts (each decoder does its own greyscale conversion),
all single-threaded (OpenCV's thread pool is set to one thread), as in one web worker.

Run from the repository root: ``.venv/bin/python -m bench.scanner_bench [--n 300] [--seed 20240601]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script (bench/run_all.py), not only with -m
    sys.path.insert(0, str(REPO))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402

from bench.photos import KINDS, make_photo_set  # noqa: E402
from suyuan.scanner.decode import decode_image  # noqa: E402
from suyuan.scanner.images import load_pages  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "zxing-qr-samples"
Decoder = Callable[[Image.Image], list[tuple[str, str]]]
"""Decodes an image into (text, how it was found) pairs."""
Case = tuple[str, str, Image.Image, str]  # (group, name, image, expected text)


def pipeline(image: Image.Image) -> list[tuple[str, str]]:
    """Our pipeline with its defaults; also reports which pass found each code."""
    return [(code.text, code.method) for code in decode_image(image)]


def plain_zxing(image: Image.Image) -> list[tuple[str, str]]:
    """One zxing-cpp call, QR only, as a caller without the pipeline would make it."""
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    barcodes = zxingcpp.read_barcodes(image, formats=formats, text_mode=zxingcpp.TextMode.Plain)
    return [(barcode.text, "zxing") for barcode in barcodes]


cv2.setNumThreads(1)  # all three decoders single-threaded, as in one web worker; comparable on a busy host
_OPENCV = cv2.QRCodeDetector()


def opencv(image: Image.Image) -> list[tuple[str, str]]:
    """OpenCV's classic QR detector and decoder, all codes in the image."""
    gray = np.asarray(image.convert("L"))
    try:
        ok, texts, _, _ = _OPENCV.detectAndDecodeMulti(gray)
    except (UnicodeDecodeError, cv2.error):  # non-UTF-8 payloads, unsupported modes: count as unread
        return []
    return [(text, "opencv") for text in texts if text] if ok else []


DECODERS: dict[str, Decoder] = {"pipeline": pipeline, "zxing": plain_zxing, "opencv": opencv}


@dataclass
class Tally:
    """Reads and per-image times of one decoder on one group of photos."""

    read: int = 0
    total: int = 0
    times_ms: list[float] = field(default_factory=list)
    methods: Counter[str] = field(default_factory=Counter)

    def add(self, method: str | None, ms: float) -> None:
        """Record one photo: ``method`` found the expected text, or ``None`` if it was not read."""
        self.read += method is not None
        self.total += 1
        self.times_ms.append(ms)
        if method is not None:
            self.methods[method] += 1

    def cell(self) -> str:
        """``read/total (pct)`` for a table."""
        return f"{self.read}/{self.total} ({100 * self.read / max(self.total, 1):.0f} %)"

    def timing(self) -> str:
        """``median / p95`` milliseconds for a table."""
        if not self.times_ms:
            return "-"
        p95 = float(np.percentile(self.times_ms, 95))
        return f"{statistics.median(self.times_ms):.1f} / {p95:.0f}"


def sample_cases(root: Path) -> list[Case]:
    """zxing-cpp's QR sample images (folders qrcode-1..6) with their expected texts."""
    cases = []
    for folder in sorted(root.glob("qrcode-[1-6]")):
        for path in sorted(folder.iterdir()):
            text_file = path.with_suffix(".txt")
            if path.suffix in {".png", ".jpg", ".webp"} and text_file.exists():
                (image,) = load_pages(path.read_bytes())
                cases.append((folder.name, path.name, image, text_file.read_bytes().decode("utf-8")))
    return cases


def photo_cases(n: int, seed: int) -> list[Case]:
    """The synthetic label photos, grouped by distortion kind."""
    return [(name.split("-")[0], name, image, text) for name, image, text in make_photo_set(None, seed, n)]


def run(cases: Iterable[Case], decoders: dict[str, Decoder]) -> dict[str, dict[str, Tally]]:
    """Decode every case with every decoder; tallies per decoder and group (and ``"all"``)."""
    tallies: dict[str, dict[str, Tally]] = {name: {} for name in decoders}
    for group, _name, image, expected in cases:
        for name, decoder in decoders.items():
            started = time.perf_counter()
            found = dict(decoder(image))
            ms = (time.perf_counter() - started) * 1000
            for key in (group, "all"):
                tallies[name].setdefault(key, Tally()).add(found.get(expected), ms)
    return tallies


def table(title: str, tallies: dict[str, dict[str, Tally]], groups: list[str]) -> str:
    """A Markdown table: one row per group, read rate and median/p95 ms per decoder."""
    names = list(tallies)
    head = "| " + title + " | " + " | ".join(f"{n} read" for n in names) + " | "
    head += " | ".join(f"{n} ms (median / p95)" for n in names) + " |"
    rule = "|" + " --- |" * (1 + 2 * len(names))
    rows = [head, rule]
    for group in [*groups, "all"]:
        if group not in tallies[names[0]]:
            continue
        cells = [tallies[n][group].cell() for n in names] + [tallies[n][group].timing() for n in names]
        label = f"**{group}**" if group == "all" else group
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def passes_line(tally: Tally) -> str:
    """Which pipeline pass read how many photos, most first."""
    return ", ".join(f"{method} {count}" for method, count in tally.methods.most_common())


def machine() -> str:
    """CPU model, core count and library versions, for the record."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{model}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"zxing-cpp {_version('zxing-cpp')}, OpenCV {cv2.__version__}, Pillow {_version('pillow')}, "
        f"NumPy {np.__version__}"
    )


def _version(distribution: str) -> str:
    """Installed version of a distribution."""
    return metadata.version(distribution)


def warm_up(decoders: dict[str, Decoder]) -> None:
    """Run each decoder once so that one-time initialisation does not land in the first photo's time."""
    image = Image.new("L", (640, 480), 200)
    for decoder in decoders.values():
        decoder(image)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: print the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=300, help="number of synthetic photos (default 300)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the synthetic set")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="zxing-cpp sample folder")
    args = parser.parse_args(argv)

    warm_up(DECODERS)
    print(f"Machine: {machine()}; load average before the run {os.getloadavg()[0]:.2f}\n")
    if args.samples.is_dir():
        cases = sample_cases(args.samples)
        groups = sorted({case[0] for case in cases})
        tallies = run(cases, DECODERS)
        print(table("zxing-cpp samples", tallies, groups) + "\n")
        print(f"Pipeline passes that read them: {passes_line(tallies['pipeline']['all'])}\n")
    else:
        print(f"(zxing-cpp samples not found at {args.samples}; skipped)\n", file=sys.stderr)
    started = time.perf_counter()
    photos = photo_cases(args.n, args.seed)
    print(f"Generated {len(photos)} photos (seed {args.seed}) in {time.perf_counter() - started:.0f} s.\n")
    tallies = run(photos, DECODERS)
    print(table(f"synthetic photos (seed {args.seed})", tallies, list(KINDS)) + "\n")
    print(f"Pipeline passes that read them: {passes_line(tallies['pipeline']['all'])}")
    print(f"\nLoad average after the run: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
