"""Upload bombs: what refusing (or bounding) each hostile file of the security review costs: time, memory.

Why: ``POST /api/v1/scan-image`` is anonymous and complaint photos too, so one upload must never buy seconds
of a worker or hundreds of megabytes. The review measured, before the bounds of
:mod:`suyuan.scanner.images`: a 4,482-byte PDF (20 pages of 200 in) 10 s; a 0.61 MB GIF (20 frames of
39.7 MP) 10.6-12.2 s and 845 MiB; a 5.3 MB TIFF 10 s; a 20-frame GIF complaint photo 1.8-5.9 s.

Each case runs in a fresh child process (so its peak RSS is its own) and goes through the same call the web
edge makes: ``decode_bytes`` with the anonymous or signed-in limits (what ``scan-image`` does), or
``clean_photo`` (a complaint photo). The files come from :mod:`tests.upload_bombs`: tiny files that Pillow
and pdfium decode to the same canvases and pages as the review's. Prints one line per case: outcome
(``accepted`` or the refusal reason), wall seconds, peak RSS of the child.

    .venv/bin/python bench/hostile_uploads.py
    .venv/bin/python bench/hostile_uploads.py --cases pdf-20-pages gif-20-frames --repeat 3
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.upload_bombs import fragmented_gif, gif_bomb, pdf_bomb, tiff_bomb  # noqa: E402

CASES: dict[str, tuple[Callable[[], bytes], tuple[str, ...]]] = {
    "pdf-20-pages": (lambda: pdf_bomb(pages=20), ("anonymous", "signed_in")),
    "pdf-3-pages": (lambda: pdf_bomb(pages=3), ("anonymous",)),
    "gif-20-frames": (lambda: gif_bomb(frames=20), ("anonymous", "signed_in", "photo")),
    "gif-2-frames": (lambda: gif_bomb(frames=2), ("anonymous", "signed_in")),
    "tiff-20-pages": (lambda: tiff_bomb(pages=20), ("anonymous", "signed_in")),
    "gif-100k-frames": (lambda: gif_bomb(frames=100_000, side=1), ("anonymous", "photo")),
    "gif-300k-blocks": (lambda: fragmented_gif(300_000), ("anonymous", "photo")),
    "tiff-5000-tags": (lambda: tiff_bomb(pages=1, side=100, extra_tags=5_000), ("anonymous",)),
}
"""Name → (file builder, the ways to send it)."""


def run_case(name: str, mode: str) -> dict[str, object]:
    """Load one file as the web edge would (in this process) and measure it."""
    from suyuan.scanner.decode import decode_bytes
    from suyuan.scanner.images import ANONYMOUS_LIMITS, DEFAULT_LIMITS, ImageRejected
    from suyuan.scanner.photos import clean_photo

    data = CASES[name][0]()
    started = time.perf_counter()
    try:
        if mode == "photo":
            clean_photo(data)
        else:
            decode_bytes(data, ANONYMOUS_LIMITS if mode == "anonymous" else DEFAULT_LIMITS)
        outcome = "accepted"
    except ImageRejected as exc:
        outcome = exc.reason
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"case": name, "mode": mode, "bytes": len(data), "outcome": outcome, "s": seconds, "mib": peak_mib}


def in_child(name: str, mode: str) -> dict[str, object]:
    """Run one case in a fresh interpreter, so that its peak memory is not another case's."""
    command = [sys.executable, __file__, "--child", name, mode]
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--repeat", type=int, default=1, help="runs per case and mode; the median is shown")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(*args.child)))
        return
    print(f"{'case':<18} {'mode':<10} {'bytes':>9}  {'outcome':<18} {'seconds':>8} {'peak MiB':>9}")
    for name in args.cases:
        for mode in CASES[name][1]:
            runs = [in_child(name, mode) for _ in range(args.repeat)]
            runs.sort(key=lambda r: float(str(r["s"])))
            row = runs[len(runs) // 2]
            print(
                f"{name:<18} {mode:<10} {row['bytes']:>9}  {row['outcome']!s:<18} "
                f"{float(str(row['s'])):>8.3f} {float(str(row['mib'])):>9.0f}"
            )


if __name__ == "__main__":
    main()
