"""What every response model shares: the closed, strict base, ISO date and time texts, amounts, errors.

A response model describes a JSON object exactly as a view writes it: every key it always writes is
required (``null`` only where the view may write ``null``), a key it sometimes leaves out is declared
with :func:`optional_key`, and any other key is refused (``extra="forbid"``), so a serialiser that grows
a field without its model fails the tests instead of drifting from the published schema.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema
from pydantic.config import JsonDict


class Shape(BaseModel):
    """A JSON object of a response: closed to unknown keys, and validated strictly (no coercion)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _iso_datetime(value: str) -> str:
    """An ISO 8601 date and time with its UTC offset (what ``datetime.isoformat`` writes for aware times)."""
    if datetime.fromisoformat(value).tzinfo is None:
        raise ValueError("a date-time needs its UTC offset")
    return value


def _iso_date(value: str) -> str:
    """A calendar date, ``YYYY-MM-DD``."""
    date.fromisoformat(value)
    if len(value) != len("2026-01-01"):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


DateTime = Annotated[
    str, AfterValidator(_iso_datetime), WithJsonSchema({"type": "string", "format": "date-time"})
]
Date = Annotated[str, AfterValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]
# RMB written with two decimals, as suyuan.trace.zone.quotas.yuan writes fen: "199.00".
Amount = Annotated[str, StringConstraints(pattern=r"^[0-9]+\.[0-9]{2}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Url = Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]


def _no_default(schema: JsonDict) -> None:
    schema.pop("default", None)


def optional_key(description: str, *, alias: str | None = None) -> Any:
    """A key the view writes only sometimes (never as ``null``): not required, with no default shown."""
    return Field(default=None, alias=alias, description=description, json_schema_extra=_no_default)


class ErrorDetail(Shape):
    """What went wrong: a stable machine code and a message for people."""

    code: str = Field(description="stable, e.g. not_found, invalid_input, quantity_exceeded")
    message: str


class ErrorResponse(Shape):
    """Every 4xx and 5xx answer of the API: ``{"error": {"code", "message"}}``."""

    error: ErrorDetail


class CodeIdentity(Shape):
    """The identity a code carries: GTIN (AI 01), lot (AI 10) and serial (AI 21), as texts."""

    gtin: str
    lot: str
    serial: str


class Supplier(Shape):
    """Who supplied the goods, from which country."""

    id: int
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2")
