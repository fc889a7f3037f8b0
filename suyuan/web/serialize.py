"""JSON shapes of domain objects, shared by the API and the scan endpoint so they never disagree."""

from __future__ import annotations

from typing import Any

from suyuan.trace.model import Batch, Enterprise, Issuance, NegativeListEntry, Product, Supplier


def enterprise_json(e: Enterprise) -> dict[str, Any]:
    """An enterprise filing."""
    return {
        "id": e.id,
        "kind": e.kind.value,
        "name": e.name,
        "name_en": e.name_en,
        "uscc": e.uscc,
        "org_code": e.org_code,
        "office": e.office.code,
        "filing_status": e.filing_status.value,
        "credit_grade": e.credit_grade,
    }


def supplier_json(s: Supplier) -> dict[str, Any]:
    """A supplier."""
    return {"id": s.id, "name": s.name, "country": s.country}


def product_json(p: Product, *, public: bool = False) -> dict[str, Any]:
    """A product filing; ``public`` leaves out what only the merchant and office see."""
    data: dict[str, Any] = {
        "gtin": p.gtin,
        "name": p.name,
        "name_en": p.name_en,
        "brand": p.brand,
        "hs_code": p.hs_code,
        "category": p.category.value,
        "manufacturer": p.manufacturer,
        "origin_country": p.origin_country,
        "main_ingredients": p.main_ingredients,
        "standards": p.standards,
        "admission_status": p.admission_status.value,
        "risk_class": p.risk_class,
        "consumer_disclosure": p.consumer_disclosure,
        "unmet_requirements": list(p.unmet_requirements or []),
    }
    if not public:
        data.update(
            {
                "id": p.id,
                "enterprise_id": p.enterprise_id,
                "supplier": supplier_json(p.supplier),
                "performance_indicators": p.performance_indicators,
                "refusal_reason": p.refusal_reason,
                "in_ccc_catalogue": p.in_ccc_catalogue,
                "condition": p.condition.value,
                "decided_at": p.decided_at.isoformat() if p.decided_at else None,
                "trade_mode": p.trade_mode.value,
                "sanction_status": p.sanction_status.value,
                "documents": [
                    {
                        "id": d.id,
                        "kind": d.kind.value,
                        "number": d.number,
                        "issuer": d.issuer,
                        "issued_on": _date(d.issued_on),
                        "valid_until": _date(d.valid_until),
                        "sha256": d.sha256,
                    }
                    for d in p.documents
                ],
                "attributes": dict(p.attributes or {}),
                "procurement_source": p.procurement_source,
            }
        )
    return data


def batch_json(b: Batch, *, issued: int | None = None, public: bool = False) -> dict[str, Any]:
    """A batch; ``issued`` adds how many codes it has."""
    data: dict[str, Any] = {
        "gtin": b.gtin,
        "lot": b.lot,
        "status": b.status.value,
        "production_date": _date(b.production_date),
        "expiry_date": _date(b.expiry_date),
    }
    if not public:
        data.update(
            {
                "id": b.id,
                "product_id": b.product_id,
                "quantity": b.quantity,
                "supplier": supplier_json(b.supplier),
                "product": b.product.name,
                "bonded": b.bonded,
                "warehouse_id": b.warehouse_id,
                "trade_mode": b.trade_mode.value,
            }
        )
    if issued is not None:
        data["codes_issued"] = issued
    return data


def issuance_json(i: Issuance, statement_url: str) -> dict[str, Any]:
    """An issuance: the serial range, its key and where its signed statement lives."""
    return {
        "id": i.id,
        "batch_id": i.batch_id,
        "first_serial": i.first_serial,
        "last_serial": i.last_serial,
        "count": i.count,
        "kid": i.kid,
        "created_at": i.created_at.isoformat(),
        "statement_url": statement_url,
    }


def negative_entry_json(e: NegativeListEntry) -> dict[str, Any]:
    """A negative-list rule."""
    return {
        "id": e.id,
        "category": e.category,
        "kind": e.kind.value,
        "value": e.value,
        "reason": e.reason,
        "active": e.active,
    }


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
