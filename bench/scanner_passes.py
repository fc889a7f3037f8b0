"""Pass study: what each candidate decoding pass reads on its own, to choose and order ``PASSES``.

Why: the pipeline in ``suyuan.scanner.decode`` tries passes one after another until one reads a code, so a
pass earns its place only if it reads photos that the passes before it miss, and cheap passes should come
first. This runs every candidate pass *alone* on every photo that plain zxing-cpp misses (zxing-cpp's QR
samples and synthetic label photos) and reports, per pass: how many it reads, how many of those no other
candidate reads, how many it adds when the default list is tried in order, and its mean time per photo.

Run from the repository root: ``.venv/bin/python -m bench.scanner_passes [--n 300] [--seed 20240601]``.
Times include preparing the pass's image once (stages shared between passes are computed once per photo,
so a pass listed after another with the same stages shows only zxing-cpp's share).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import zxingcpp

from bench.scanner_bench import SAMPLES, Case, photo_cases, sample_cases
from suyuan.scanner.decode import PASSES, Pass, later_pass, prepare, read_plain, to_gray
from suyuan.scanner.filters import Gray

_GLOBAL = zxingcpp.Binarizer.GlobalHistogram

CANDIDATES: tuple[Pass, ...] = (
    *PASSES[1:],
    later_pass("fixed", binarizer=zxingcpp.Binarizer.FixedThreshold),
    later_pass("sharpen", "fit", "sharpen"),
    later_pass("upscale-sharpen", "up2", "sharpen"),
    later_pass("upscale-median", "up2", "median"),
    later_pass("upscale-global", "up2", binarizer=_GLOBAL),
    later_pass("smooth-global", "fit", "smooth", binarizer=_GLOBAL),
    later_pass("equalise-upscale", "fit", "equalise", "up2"),
)
"""The default passes after the first, plus alternatives that were measured and left out."""


def study(cases: Sequence[Case]) -> tuple[int, dict[str, set[str]], dict[str, list[float]]]:
    """Photos plain zxing-cpp reads; for each candidate, the photos it reads and its times (ms)."""
    plain_reads = 0
    reads: dict[str, set[str]] = {p.name: set() for p in CANDIDATES}
    times: dict[str, list[float]] = {p.name: [] for p in CANDIDATES}
    for _group, name, image, expected in cases:
        gray = to_gray(image)
        if expected in [b.text for b in read_plain(gray)]:
            plain_reads += 1
            continue
        cache: dict[tuple[str, ...], Gray | None] = {(): gray}
        for candidate in CANDIDATES:
            started = time.perf_counter()
            work = prepare(candidate.stages, cache)
            found = work is not None and expected in [b.text for b in candidate.read(work)]
            times[candidate.name].append((time.perf_counter() - started) * 1000)
            if found:
                reads[candidate.name].add(name)
    return plain_reads, reads, times


def report(title: str, cases: Sequence[Case]) -> str:
    """A Markdown table of the study on one set."""
    plain, reads, times = study(cases)
    missed = len(cases) - plain
    rows = [
        f"**{title}**: {len(cases)} images, plain zxing-cpp reads {plain}, misses {missed}.\n",
        "| pass | reads alone | only this pass | added in default order | mean ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    default = {p.name for p in PASSES}
    seen: set[str] = set()
    for candidate in CANDIDATES:
        mine = reads[candidate.name]
        others = set().union(*(v for k, v in reads.items() if k != candidate.name))
        added = "-"
        if candidate.name in default:
            added = str(len(mine - seen))
            seen |= mine
        mean = statistics.fmean(times[candidate.name]) if times[candidate.name] else 0.0
        label = candidate.name if candidate.name in default else f"*{candidate.name}*"
        rows.append(f"| {label} | {len(mine)} | {len(mine - others)} | {added} | {mean:.1f} |")
    rows.append(f"\nAll candidates together read {len(set().union(*reads.values()))} of the {missed} misses.")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: print one table per photo set."""
    parser = argparse.ArgumentParser(description="What each candidate decoding pass reads on its own.")
    parser.add_argument("--n", type=int, default=300, help="synthetic photos in the main set")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the main synthetic set")
    parser.add_argument("--validation-seed", type=int, default=7, help="seed of the second set (180 photos)")
    args = parser.parse_args(argv)
    if SAMPLES.is_dir():
        print(report("zxing-cpp samples", sample_cases(SAMPLES)) + "\n")
    print(report(f"synthetic photos, seed {args.seed}", photo_cases(args.n, args.seed)) + "\n")
    print(report(f"synthetic photos, seed {args.validation_seed}", photo_cases(180, args.validation_seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
