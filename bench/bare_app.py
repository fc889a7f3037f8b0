"""The reference server for ``bench/scan_server_bench.py``: bare Flask answering constant JSON.

Why: the scan endpoint's goal is stated against what the framework and server alone can do on the same
machine (at least 0.5x this app's requests per second under the same gunicorn and wrk settings). It
answers the same GS1 Digital Link paths as the real resolver with a constant document shaped like the
verdict document, so request and response sizes are comparable; it touches no database and no crypto.

    .venv/bin/gunicorn -w 2 -k sync -b 127.0.0.1:18701 bench.bare_app:app
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify

app = Flask(__name__)

DOCUMENT: dict[str, Any] = {
    "verdict": "genuine",
    "reasons": [],
    "code": {"gtin": "09501101530003", "lot": "L2611A", "serial": "1"},
    "product": {
        "gtin": "09501101530003",
        "name": "澳大利亚进口婴幼儿配方奶粉 3段 800g",
        "origin_country": "AU",
    },
    "batch": {"gtin": "09501101530003", "lot": "L2611A", "status": "released"},
    "supplier": {"id": 1, "name": "Example Dairy Export Pty Ltd", "country": "AU"},
    "scans": {"count": 1, "first_at": "2026-01-01T00:00:00+00:00"},
}


@app.get("/healthz")
def health() -> Response:
    """Readiness probe, like the real app's."""
    return jsonify({"status": "ok"})


@app.get("/01/<path:rest>")
def constant(rest: str) -> Response:
    """The same constant document for every code path."""
    return jsonify(DOCUMENT)
