"""The reference server for ``bench/scan_server_bench.py``: bare Flask answering constant JSON.

Why: the scan endpoint's goal is stated against what the framework and server alone can do on the same
machine (at least 0.5x this app's requests per second under the same gunicorn and wrk settings). It
answers the same GS1 Digital Link paths as the real resolver with a constant verdict document of the
same shape and size, so requests and responses are alike; it touches no database and no crypto. The
benchmark serves it with exactly the app's gunicorn configuration, e.g.

    .venv/bin/gunicorn -w 2 -k sync -b 127.0.0.1:18701 bench.bare_app:app
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify

app = Flask(__name__)

# A real verdict document of a genuine demo code (suyuan.web.consumer.verdict_document), every key present,
# so both servers send responses of the same size (about 1 kB).
DOCUMENT: dict[str, Any] = {
    "verdict": "genuine",
    "reasons": [],
    "code": {"gtin": "09421234560015", "lot": "L2611A", "serial": "6"},
    "product": {
        "admission_status": "admitted",
        "brand": "Aotearoa",
        "category": "food",
        "consumer_disclosure": None,
        "gtin": "09421234560015",
        "hs_code": "1901101000",
        "main_ingredients": "全脂乳粉, 乳清蛋白, 乳糖 / whole milk powder, whey protein, lactose",
        "manufacturer": "Aotearoa Dairy Export Ltd",
        "name": "新西兰A2婴幼儿配方奶粉 3段 900g",
        "name_en": "Infant formula stage 3, 900 g",
        "origin_country": "NZ",
        "risk_class": 2,
        "standards": "GB 10767-2021",
        "unmet_requirements": [],
    },
    "batch": {
        "expiry_date": "2028-08-31",
        "gtin": "09421234560015",
        "lot": "L2611A",
        "production_date": "2026-09-01",
        "status": "released",
    },
    "supplier": {"country": "NZ", "id": 1, "name": "Aotearoa Dairy Export Ltd"},
    "scans": {"count": 1, "first_at": "2026-11-30T17:41:25.462706+00:00"},
    "claimed": False,
    "claimed_by_you": False,
    "recall": None,
    "issuance": {"id": 1, "kid": "1", "statement_url": "http://127.0.0.1:18700/issuances/1"},
}


@app.get("/healthz")
def health() -> Response:
    """Readiness probe, like the real app's."""
    return jsonify({"status": "ok"})


@app.get("/01/<path:rest>")
def constant(rest: str) -> Response:
    """The same constant document for every code path."""
    return jsonify(DOCUMENT)
