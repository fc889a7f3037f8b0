"""What every API view shares: its body read into its model, whole numbers in the query, the 201 answer.

One idiom at the edge: a view that takes a JSON body calls ``parse(Model)``. The body is read by
:func:`suyuan.web.json_body.read_json_object` (bounded in bytes and nesting, NUL characters refused, before
and while it is parsed), then validated by its model (:mod:`suyuan.web.bodies`); anything wrong is the
domain's :class:`~suyuan.trace.errors.InvalidInput`, a 400 mapped in :mod:`suyuan.web.errors`.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel

from suyuan.trace.errors import InvalidInput
from suyuan.web.bodies.errors import validate
from suyuan.web.converters import query_int
from suyuan.web.json_body import MAX_JSON_BYTES, read_json_object

M = TypeVar("M", bound=BaseModel)
GTIN_PATTERN = "[0-9]{8}|[0-9]{12,14}"
"""A GTIN in a query: 8, 12, 13 or 14 digits (the check digit is the domain's to judge)."""


def parse(model: type[M], max_bytes: int = MAX_JSON_BYTES, *, optional: bool = False) -> M:
    """The request's JSON body as ``model``, or a 400 that says what is wrong (413 over ``max_bytes``).

    Routes taking lists of lines or codes pass :data:`~suyuan.web.json_body.BULK_JSON_BYTES`; an
    ``optional`` body may be left out (no ``Content-Length``), and then reads as ``{}``.
    """
    data = read_json_object(max_bytes) if request.content_length or not optional else {}
    return validate(model, data)


def int_arg(name: str, low: int = 0) -> int | None:
    """An optional whole-number query parameter (``first``, ``last``, ``dpi``), bounded; else a 400."""
    return query_int(name, low=low)


def text_arg(name: str, max_length: int, pattern: str | None = None) -> str | None:
    """An optional text query parameter (a lookup by what people hold: ``gtin``, ``lot``, ``order_no``).

    Left out or empty reads as absent; longer than ``max_length`` or not matching ``pattern`` (as the
    OpenAPI document states it) is a 400, so the document and the server agree on what is valid.
    """
    value = request.args.get(name)
    if not value:
        return None
    if len(value) > max_length or (pattern is not None and re.fullmatch(pattern, value) is None):
        raise InvalidInput(f"{name} is not valid here", field=name)
    return value


def created(payload: dict[str, Any]) -> tuple[Response, int]:
    """A 201 response."""
    return jsonify(payload), 201
