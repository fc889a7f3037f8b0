"""What every API view shares: its body read into its model, whole numbers in the query, the 201 answer.

One idiom at the edge: a view that takes a JSON body calls ``parse(Model)``. The body is read by
:func:`suyuan.web.json_body.read_json_object` (bounded in bytes and nesting, NUL characters refused, before
and while it is parsed), then validated by its model (:mod:`suyuan.web.bodies`); anything wrong is the
domain's :class:`~suyuan.trace.errors.InvalidInput`, a 400 mapped in :mod:`suyuan.web.errors`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel

from suyuan.web.bodies.errors import validate
from suyuan.web.converters import query_int
from suyuan.web.json_body import MAX_JSON_BYTES, read_json_object

M = TypeVar("M", bound=BaseModel)


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


def created(payload: dict[str, Any]) -> tuple[Response, int]:
    """A 201 response."""
    return jsonify(payload), 201
