"""Turning untrusted JSON (API bodies, CLI files) into filing objects, with precise errors.

Shared by the API and the CLI so both accept exactly the same shapes; unknown fields are refused
rather than ignored, so a typo never silently drops a certificate.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from suyuan.trace.errors import InvalidInput
from suyuan.trace.registry import DocumentFiling, ProductFiling


def product_filing_from_json(data: Any) -> ProductFiling:
    """Build a product filing from untrusted JSON, with clear errors for wrong shapes."""
    if not isinstance(data, dict):
        raise InvalidInput("a product filing is a JSON object")
    fields = set(ProductFiling.__dataclass_fields__) - {"documents"}
    unknown = set(data) - fields - {"documents"}
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name in fields:
        if name in data:
            value = data[name]
            expected = bool if name.startswith("in_") else str
            if not isinstance(value, expected):
                raise InvalidInput(f"{name} must be a {expected.__name__}", field=name)
            values[name] = value
    missing = {
        "gtin",
        "name",
        "hs_code",
        "category",
        "manufacturer",
        "origin_country",
        "supplier_name",
        "supplier_country",
    } - set(values)
    if missing:
        raise InvalidInput(f"missing fields: {', '.join(sorted(missing))}")
    docs = data.get("documents", [])
    if not isinstance(docs, list) or len(docs) > 50:
        raise InvalidInput("documents must be a list of at most 50 objects", field="documents")
    return ProductFiling(**values, documents=tuple(document_from_json(d) for d in docs))


def document_from_json(data: Any) -> DocumentFiling:
    """Build a document filing from untrusted JSON."""
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise InvalidInput("a document is an object with a kind", field="documents")
    unknown = set(data) - set(DocumentFiling.__dataclass_fields__)
    if unknown:
        raise InvalidInput(f"unknown document fields: {', '.join(sorted(unknown))}", field="documents")
    texts = {k: data[k] for k in ("number", "issuer", "sha256") if data.get(k) is not None}
    if any(not isinstance(v, str) for v in texts.values()):
        raise InvalidInput("document number, issuer and sha256 are strings", field="documents")
    return DocumentFiling(
        kind=data["kind"],
        number=texts.get("number", ""),
        issuer=texts.get("issuer", ""),
        sha256=texts.get("sha256"),
        issued_on=_optional_date(data, "issued_on"),
        valid_until=_optional_date(data, "valid_until"),
    )


def _optional_date(data: dict[str, Any], name: str) -> date | None:
    if data.get(name) is None:
        return None
    try:
        return date.fromisoformat(str(data[name]))
    except ValueError:
        raise InvalidInput(f"{name} must be a date YYYY-MM-DD", field=name) from None
