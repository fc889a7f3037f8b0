"""Turning untrusted JSON (API bodies, CLI files) into the zone's filing objects, with precise errors.

Like :mod:`suyuan.trace.filing_input`: unknown fields are refused rather than ignored, types are exact
(a boolean is not a number), and every message names the field.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from suyuan.trace.bounds import whole_number
from suyuan.trace.errors import InvalidInput
from suyuan.trace.zone.entry import EntryFiling, EntryLineFiling
from suyuan.trace.zone.exits import Buyer, ExitFiling, ExitLineFiling
from suyuan.trace.zone.inspection import ReportFiling

MAX_ITEMS = 500


def obj(data: Any, name: str, allowed: Collection[str], required: Collection[str] = ()) -> dict[str, Any]:
    """A JSON object with only ``allowed`` keys and every ``required`` one."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{name} must be a JSON object", field=name)
    unknown = set(data) - set(allowed)
    if unknown:
        raise InvalidInput(f"{name}: unknown fields: {', '.join(sorted(unknown))}", field=name)
    missing = [key for key in required if data.get(key) is None]
    if missing:
        raise InvalidInput(f"{name}: missing fields: {', '.join(missing)}", field=missing[0])
    return data


def string(data: dict[str, Any], key: str, default: str = "") -> str:
    """A string field."""
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be a string", field=key)
    return value


def whole(data: dict[str, Any], key: str, default: int | None = None) -> int:
    """An integer field (booleans refused) in the database's integer range (:mod:`suyuan.trace.bounds`)."""
    return whole_number(data.get(key, default), key)


def flag(data: dict[str, Any], key: str) -> bool:
    """A boolean field."""
    value = data.get(key)
    if not isinstance(value, bool):
        raise InvalidInput(f"{key} must be true or false", field=key)
    return value


def amount(data: dict[str, Any], key: str) -> str:
    """An amount: a decimal string, or a JSON number turned into its text."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(f'{key} must be an amount in RMB such as "199.00"', field=key)
    return str(value)


def day(data: dict[str, Any], key: str) -> date | None:
    """An optional ISO date field."""
    value = data.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _not_a_date(key)
    except ValueError:
        return _not_a_date(key)


def _not_a_date(key: str) -> date:
    raise InvalidInput(f"{key} must be a date YYYY-MM-DD", field=key)


def items(data: dict[str, Any], key: str) -> list[Any]:
    """A list field of at most :data:`MAX_ITEMS` entries."""
    value = data.get(key)
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise InvalidInput(f"{key} must be a list of at most {MAX_ITEMS} entries", field=key)
    return value


def entry_filing_from_json(data: Any) -> EntryFiling:
    """An entry declaration body: ``reference``, ``transport_doc``?, ``lines``."""
    body = obj(
        data, "declaration", ("reference", "transport_doc", "lines", "enterprise_id"), ("reference", "lines")
    )
    lines = []
    for raw in items(body, "lines"):
        line = obj(
            raw,
            "line",
            (
                "gtin",
                "lot",
                "quantity",
                "supplier_name",
                "supplier_country",
                "production_date",
                "expiry_date",
            ),
            ("gtin", "lot", "quantity", "supplier_name", "supplier_country"),
        )
        lines.append(
            EntryLineFiling(
                gtin=string(line, "gtin"),
                lot=string(line, "lot"),
                quantity=whole(line, "quantity"),
                supplier_name=string(line, "supplier_name"),
                supplier_country=string(line, "supplier_country"),
                production_date=day(line, "production_date"),
                expiry_date=day(line, "expiry_date"),
            )
        )
    return EntryFiling(
        reference=string(body, "reference"), transport_doc=string(body, "transport_doc"), lines=tuple(lines)
    )


def exit_lines_from_json(raw_lines: Any) -> tuple[ExitLineFiling, ...]:
    """The ``lines`` of an exit declaration or a rectification."""
    if not isinstance(raw_lines, list) or len(raw_lines) > MAX_ITEMS:
        raise InvalidInput("lines must be a list", field="lines")
    lines = []
    for raw in raw_lines:
        line = obj(
            raw,
            "line",
            ("batch_id", "quantity", "unit_price", "codes"),
            ("batch_id", "quantity", "unit_price", "codes"),
        )
        codes = items(line, "codes")
        if not all(isinstance(c, str) for c in codes):
            raise InvalidInput("codes must be code URLs (strings)", field="codes")
        lines.append(
            ExitLineFiling(
                batch_id=whole(line, "batch_id"),
                quantity=whole(line, "quantity"),
                unit_price=amount(line, "unit_price"),
                codes=tuple(codes),
            )
        )
    return tuple(lines)


def exit_filing_from_json(data: Any) -> ExitFiling:
    """An exit declaration body (docs/zone.md shows an example)."""
    body = obj(
        data,
        "declaration",
        ("order_no", "payment_ref", "waybill_no", "payment_amount", "platform", "buyer", "lines"),
        ("order_no", "payment_ref", "waybill_no", "payment_amount", "buyer", "lines"),
    )
    buyer = obj(body["buyer"], "buyer", ("id_number", "name", "address"), ("id_number", "name"))
    return ExitFiling(
        order_no=string(body, "order_no"),
        payment_ref=string(body, "payment_ref"),
        waybill_no=string(body, "waybill_no"),
        payment_amount=amount(body, "payment_amount"),
        platform=string(body, "platform"),
        buyer=Buyer(
            id_number=string(buyer, "id_number"), name=string(buyer, "name"), address=string(buyer, "address")
        ),
        lines=exit_lines_from_json(body["lines"]),
    )


def report_filing_from_json(data: Any) -> ReportFiling:
    """A report body: ``kind``, ``issuer``, ``issued_on``, ``sha256``, ``number``?, ``valid_until``?."""
    body = obj(
        data,
        "report",
        ("kind", "issuer", "issued_on", "sha256", "number", "valid_until"),
        ("kind", "issuer", "issued_on", "sha256"),
    )
    issued_on = day(body, "issued_on")
    if issued_on is None:
        raise InvalidInput("issued_on is required", field="issued_on")
    return ReportFiling(
        kind=string(body, "kind"),
        issuer=string(body, "issuer"),
        issued_on=issued_on,
        sha256=string(body, "sha256"),
        number=string(body, "number"),
        valid_until=day(body, "valid_until"),
    )
