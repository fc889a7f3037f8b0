"""What every request body model shares: the strict base, the field types, and how a field states a rule.

A body model checks the *shape* of a body, exactly as the views did before there were models: JSON types
are exact (a boolean is not a number, a number is not a text), a required field must be there (``null``
counts as left out), an optional field left out or ``null`` takes its default unless the field says
``null`` is wrong, unknown fields are refused where the body is closed, whole numbers lie within the
database's integer range (:mod:`suyuan.trace.bounds`) and lists have a bound.

The *rules of a value* (lengths of the cleaned text, characters, GS1 syntax, check digits, choices, dates,
rules between fields) belong to the domain, which checks them with its own messages. A field only states
them for the OpenAPI document with :func:`states` and its shorthands, and a body states its rules between
fields with :func:`rule`; the schemathesis run (tests/web/test_api_fuzz.py) holds domain and document to
each other.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from suyuan.trace.bounds import MAX_INT, MIN_INT


class Body(BaseModel):
    """A JSON request body: strict, closed (a body that ignores unknown fields says so), immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_left_out(cls, data: Any) -> Any:
        """A required field sent as ``null`` is a missing field, as the API has always read it."""
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {
            k: v for k, v in data.items() if v is not None or k not in fields or not fields[k].is_required()
        }


def states(**keywords: Any) -> FieldInfo:
    """JSON Schema keywords a value must meet by the domain's rules: stated in the document, checked there."""
    info: FieldInfo = Field(json_schema_extra=keywords)
    return info


# Stored text holds no control character but tab and newline (suyuan.trace.fields.text); a text that
# must be filled in has a character other than white space (the server strips it before checking).
_PLAIN = "[^\\u0000-\\u0008\\u000b-\\u001f]"
VISIBLE = "[^\\s\\u0000-\\u001f\\u0085]"
"""A character other than white space: a text containing one is not blank."""
PLAIN_TEXT = f"^{_PLAIN}*$"
FILLED_TEXT = f"^{_PLAIN}*{VISIBLE}{_PLAIN}*$"
ONE_LINE = "^[^\\u0000-\\u001f]*$"


def text(max_length: int, *, filled: bool = False) -> FieldInfo:
    """A text of at most ``max_length`` characters; ``filled``: not blank (the domain's ``required``)."""
    return states(maxLength=max_length, pattern=FILLED_TEXT if filled else PLAIN_TEXT)


def text_schema(max_length: int, *, filled: bool = False) -> dict[str, Any]:
    """The schema :func:`text` states, for the ``then`` part of a :func:`rule`."""
    return {"type": "string", "maxLength": max_length, "pattern": FILLED_TEXT if filled else PLAIN_TEXT}


def nonblank() -> FieldInfo:
    """A text the domain checks only for not being blank."""
    return states(pattern="[^\\s\\u0085]")


def one_of(values: type[enum.StrEnum] | Iterable[Any]) -> FieldInfo:
    """One of the domain's choices (the members of a StrEnum, or the values given)."""
    return states(enum=[getattr(v, "value", v) for v in values])


def between(minimum: int, maximum: int) -> FieldInfo:
    """A whole number the domain wants from ``minimum`` to ``maximum``."""
    return states(minimum=minimum, maximum=maximum)


def rule(field: str, values: list[Any], then: dict[str, Any]) -> dict[str, Any]:
    """``if field is one of values then ...``: a rule between fields, as JSON Schema 2020-12 says it."""
    return {"if": {"required": [field], "properties": {field: {"enum": values}}}, "then": then}


def filled(name: str, max_length: int) -> dict[str, Any]:
    """``then`` part of a :func:`rule`: ``name`` is present and not blank."""
    return {"required": [name], "properties": {name: text_schema(max_length, filled=True)}}


Whole = Annotated[int, Field(ge=MIN_INT, le=MAX_INT)]
"""A JSON integer (never a boolean) within the integer columns' range; a larger one is a 400, never a 500."""

Id = Annotated[Whole, states(format="int32", minimum=1, maximum=MAX_INT)]
"""The id of a record: ids are 32-bit integers on PostgreSQL and count from 1."""

Quantity = Annotated[Whole, between(1, 10_000_000)]
"""Units of a batch or a line (the domain's bound)."""

LOT = "^[!\"%&'()*+,\\-./0-9:;<=>?A-Z_a-z]{1,20}$"
"""A lot (GS1 AI 10): 1-20 characters of GS1 character set 82."""

SHA256 = "^[0-9a-fA-F]{64}$"


def _iso_date(value: Any) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("date_text", "must be a date YYYY-MM-DD")


def _amount(value: Any) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise PydanticCustomError("amount_text", 'must be an amount in RMB such as "199.00"')


Day = Annotated[date, PlainValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]
"""A calendar date written ``YYYY-MM-DD``."""

Amount = Annotated[
    str,
    PlainValidator(_amount),
    WithJsonSchema({"type": ["string", "number"], "description": 'RMB, at most 2 decimals, e.g. "199.00"'}),
]
"""An amount in RMB: a decimal text, or a JSON number read as its text (the domain checks the decimals)."""
