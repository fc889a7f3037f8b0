"""Reading a JSON request body that may be hostile: bounded in bytes and depth before it is parsed.

Why a module of its own: every JSON route takes its body through :func:`suyuan.web.api.common.parse`
(which then hands it to the body's model), and these bounds must hold for all of them alike (one
mechanism, not a check per route). Anyone may send a body to the anonymous routes (complaints), so the
cost of refusing one must not grow with what the sender chose:

- **size**: at most :data:`MAX_JSON_BYTES` (64 KiB), or :data:`BULK_JSON_BYTES` (1 MiB) for the routes that
  take lists of lines or codes; checked from ``Content-Length`` before reading, and for a chunked body
  (no length) by reading at most one byte past the cap. Over it: 413. The app's ``MAX_CONTENT_LENGTH``
  (16 MB) bounds every other body, chunked ones included.
- **nesting**: at most :data:`MAX_JSON_DEPTH` levels of arrays and objects, measured on the raw bytes (strings
  skipped) before parsing: Python's parser recurses, so a deep body would otherwise end in a
  ``RecursionError`` (a 500). Deeper: 400.
- **NUL characters**: refused in every string, keys included (400): PostgreSQL cannot store U+0000 in text,
  and no legitimate field needs it.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from flask import g, request
from werkzeug.exceptions import RequestEntityTooLarge

from suyuan.trace.errors import InvalidInput

MAX_JSON_BYTES = 64 * 1024
"""Default cap on a JSON body: every single-object body (a complaint of 2,000 characters, a filing) fits."""

BULK_JSON_BYTES = 1024 * 1024
"""Cap for routes that take lists (entry and exit declarations, rectifications, returns: up to 500 lines
or codes each)."""

MAX_JSON_DEPTH = 32
"""Nesting levels of arrays and objects a body may have; the deepest real body (a declaration's lines'
codes) has 3."""

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
"""A JSON string literal, or an unterminated one up to the end (so that matching stays linear)."""

_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_DEPTH_STEP = [0] * 256
for _opening in b"[{":
    _DEPTH_STEP[_opening] = 1
for _closing in b"]}":
    _DEPTH_STEP[_closing] = -1


def read_json_object(max_bytes: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """The request's JSON object, within the bounds above; 413 or a 400 that says what is wrong."""
    if not request.is_json:
        raise InvalidInput("send a JSON object with Content-Type: application/json")
    raw = body_bytes(max_bytes)
    depth = nesting_depth(raw)
    if depth > MAX_JSON_DEPTH:
        message = f"the JSON body is nested {depth} levels deep; at most {MAX_JSON_DEPTH} are accepted"
        raise InvalidInput(message)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: defence in depth, the depth check comes first
        raise InvalidInput("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body is not a JSON object")
    refuse_nul(data)
    return data


def body_bytes(max_bytes: int) -> bytes:
    """The raw body, refused (413) as soon as it is known to be longer than ``max_bytes``: never parsed.

    Read once per request and kept on :data:`flask.g`, so a view may ask for its body twice.
    """
    if "suyuan_json_body" in g:
        return bytes(g.suyuan_json_body)
    length = request.content_length
    if length is not None and length > max_bytes:
        raise RequestEntityTooLarge(too_large(max_bytes))
    raw = request.get_data(cache=True) if length is not None else request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise RequestEntityTooLarge(too_large(max_bytes))
    g.suyuan_json_body = raw
    return raw


def too_large(max_bytes: int) -> str:
    """The message of a 413 for a JSON body."""
    return f"the JSON body is larger than {max_bytes // 1024} KiB; send less per request"


def nesting_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in ``raw``, counted without parsing (brackets in strings skipped).

    Linear in the size and in C but for one pass over the brackets; correct for valid JSON, and for invalid
    JSON at worst a wrong number on a body the parser refuses anyway.
    """
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def refuse_nul(data: Any) -> None:
    """Refuse a parsed body with U+0000 in any string, naming the top-level field it is in (400)."""
    stack: list[tuple[str | None, Any]] = [(None, data)]
    while stack:
        name, item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            where = f"{name} " if name else "a field name "
            raise InvalidInput(f"{where}contains a NUL character (\\u0000), which text may not", field=name)
        if isinstance(item, dict):
            stack.extend((name or str(key), value) for key, value in item.items())
            stack.extend((name, key) for key in item)
        elif isinstance(item, list):
            stack.extend((name, value) for value in item)
