"""The app with the scan fast path switched off, for A/B runs of ``bench/scan_server_bench.py``.

Why: the fast path (:mod:`suyuan.web.scan_fast`) must pay for itself; serving the very same tree with
and without it, interleaved under the same load, shows what it buys:

    .venv/bin/python bench/scan_server_bench.py --also bench.scan_flask_only:app
"""

from __future__ import annotations

from suyuan.web import create_app

app = create_app(overrides={"SUYUAN_SCAN_FAST_PATH": False})
