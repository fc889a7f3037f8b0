"""Hard-photo benchmark (issue 16): suyuan's decoder vs plain zxing-cpp vs a quick five-pass pipeline.

Why: the issue's goal is stated against two references measured in the same run — one plain
``zxingcpp.read_barcodes`` call and a "quick five-pass" zxing-cpp pipeline of the kind anyone would write
in ten minutes — on held-out photos nobody tuned on, plus zxing-cpp's 137 real sample images. This script
measures all three decoders interleaved photo by photo (so machine load hits them alike) on:

- the held-out seeds of ``bench/hard_photos.py`` (:data:`~bench.hard_photos.HELD_OUT_SEEDS`) at each
  severity level (``phone`` and ``hard``), broken down by distortion family;
- zxing-cpp's QR samples (``tests/data/zxing-qr-samples``);
- unreadable inputs (blank paper, noise, a photo whose code was cut off), for the time they cost.

It prints Markdown tables: photos read, median / p95 ms per photo, the median ratio to plain zxing-cpp,
and which pass read them.

Run from the repository root: ``.venv/bin/python bench/hard_scanner_bench.py [--n 200] [--levels phone,hard]``
(about 4 minutes on the shared 2-core machine; ``--tuning`` reports the tuning seeds instead).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402

from bench.hard_photos import FAMILIES, HELD_OUT_SEEDS, SEVERITIES, TUNING_SEEDS, make_hard_photo  # noqa: E402
from bench.scanner_bench import SAMPLES, Case, Tally, machine, sample_cases, table  # noqa: E402
from suyuan.scanner.decode import decode_image, read_plain  # noqa: E402

Decoder = Callable[[Image.Image], list[tuple[str, str]]]

cv2.setNumThreads(1)
_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))


def plain(image: Image.Image) -> list[tuple[str, str]]:
    """One zxing-cpp call on the Pillow image (QR only, Plain text), as a caller without a pipeline would."""
    return [(b.text, "plain") for b in read_plain(image)]


def five_pass(image: Image.Image) -> list[tuple[str, str]]:
    """The issue's reference: plain, GlobalHistogram, ½×, 2× and CLAHE, stopping at the first read."""
    gray = np.asarray(image.convert("L"))
    steps: list[tuple[str, Callable[[], np.ndarray], zxingcpp.Binarizer]] = [
        ("plain", lambda: gray, zxingcpp.Binarizer.LocalAverage),
        ("global", lambda: gray, zxingcpp.Binarizer.GlobalHistogram),
        ("half", lambda: cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), _LOCAL),
        ("double", lambda: cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), _LOCAL),
        ("clahe", lambda: _CLAHE.apply(gray), _LOCAL),
    ]
    for name, make, binarizer in steps:
        texts = [(b.text, name) for b in read_plain(np.ascontiguousarray(make()), binarizer=binarizer)]
        if texts:
            return texts
    return []


_LOCAL = zxingcpp.Binarizer.LocalAverage


def suyuan(image: Image.Image) -> list[tuple[str, str]]:
    """``suyuan.scanner.decode.decode_image`` with its defaults (what ``suyuan scan`` and the API run)."""
    return [(code.text, code.method) for code in decode_image(image)]


DECODERS: dict[str, Decoder] = {"plain": plain, "five-pass": five_pass, "suyuan": suyuan}


def run(cases: list[Case]) -> tuple[dict[str, dict[str, Tally]], list[float]]:
    """Every case through every decoder, interleaved; tallies per decoder and group, and time ratios."""
    tallies: dict[str, dict[str, Tally]] = {name: {} for name in DECODERS}
    ratios: list[float] = []
    for group, _name, image, expected in cases:
        times = {}
        for name, decoder in DECODERS.items():
            started = time.perf_counter()
            found = dict(decoder(image))
            times[name] = (time.perf_counter() - started) * 1000
            for key in (group, "all"):
                tallies[name].setdefault(key, Tally()).add(found.get(expected), times[name])
        ratios.append(times["suyuan"] / max(times["plain"], 1e-3))
    return tallies, ratios


def synthetic_cases(seeds: range, severity: float) -> list[Case]:
    """The generated photos of ``seeds`` at ``severity``, grouped by family."""
    cases = []
    for seed in seeds:
        photo = make_hard_photo(seed, severity=severity)
        cases.append((photo.family, f"{photo.family}-{seed}", photo.image, photo.text))
    return cases


def unreadable_cases() -> list[tuple[str, Image.Image]]:
    """Inputs with no readable code: what a failed scan costs each decoder."""
    rng = np.random.default_rng(16)
    cut = make_hard_photo(HELD_OUT_SEEDS[0], family="rotation").image.convert("L")
    cut_array = np.asarray(cut).copy()
    cut_array[:, : cut.width * 3 // 4] = 128  # most of the photo, code included, blanked out
    return [
        ("blank paper 1600×1200", Image.fromarray(rng.integers(200, 215, (1200, 1600), dtype=np.uint8))),
        ("noise 1600×1200", Image.fromarray(rng.integers(0, 256, (1200, 1600), dtype=np.uint8))),
        ("label text, code cut off", Image.fromarray(cut_array)),
        ("noise 4000×3000 (12 MP)", Image.fromarray(rng.integers(0, 256, (3000, 4000), dtype=np.uint8))),
    ]


def report(title: str, cases: list[Case], groups: list[str]) -> None:
    """Print one set's table, the time ratio and the passes that read it."""
    tallies, ratios = run(cases)
    print(table(title, tallies, groups) + "\n")
    print(f"suyuan / plain time per photo, median ratio in the same run: {statistics.median(ratios):.2f}×\n")
    methods = tallies["suyuan"]["all"].methods.most_common()
    print("suyuan passes that read them: " + ", ".join(f"{m} {c}" for m, c in methods) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=len(HELD_OUT_SEEDS), help="photos per severity level")
    parser.add_argument("--levels", default=",".join(SEVERITIES), help="severity levels to run")
    parser.add_argument("--tuning", action="store_true", help="report the tuning seeds, not the held-out")
    parser.add_argument("--no-samples", action="store_true", help="skip zxing-cpp's sample images")
    args = parser.parse_args(argv)

    seeds = TUNING_SEEDS if args.tuning else HELD_OUT_SEEDS
    seeds = range(seeds.start, seeds.start + args.n)
    for decoder in DECODERS.values():
        decoder(Image.new("L", (640, 480), 200))  # one-time initialisation out of the first photo's time
    print(f"Machine: {machine()}; load average before the run {os.getloadavg()[0]:.2f}\n")
    for level in args.levels.split(","):
        cases = synthetic_cases(seeds, SEVERITIES[level])
        label = f"{level} photos, seeds {seeds.start}-{seeds.stop - 1}"
        report(label, cases, list(FAMILIES))
    if not args.no_samples:
        report("zxing-cpp samples", sample_cases(SAMPLES), sorted({f"qrcode-{i}" for i in range(1, 7)}))
    print("| unreadable input | " + " | ".join(f"{n} ms" for n in DECODERS) + " |")
    print("| --- |" + " --- |" * len(DECODERS))
    for name, image in unreadable_cases():
        cells = []
        for decoder in DECODERS.values():
            started = time.perf_counter()
            decoder(image)
            cells.append(f"{(time.perf_counter() - started) * 1000:.0f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nLoad average after the run: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
