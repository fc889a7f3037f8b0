"""Run every benchmark script in bench/ in turn (``make bench``); each prints its own table.

The scripts are independent and write nothing into the repository: their figures are copied into
docs/benchmarks.md (and the docs/bench-*.md pages) by hand, with the machine they ran on.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "gs1_vectors.py",
    "codes_bench.py",
    "scan_server_bench.py",
    "labels_bench.py",
    "scanner_bench.py",
    "hard_scanner_bench.py",
    "zone_bench.py",
    "ceb_bench.py",
    "trace_bench.py",
    "stats_bench.py",
    "scan_tally_bench.py",
    "hostile_uploads.py",
]


def main() -> int:
    """Run the scripts that exist; exit 1 if any failed."""
    failed = []
    for name in SCRIPTS:
        script = HERE / name
        if not script.exists():
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        if subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode != 0:
            failed.append(name)
        print(f"--- {name}: {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
