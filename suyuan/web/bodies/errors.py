"""A body that does not fit its model, told as the domain's :class:`~suyuan.trace.errors.InvalidInput`.

One message for all of a body's problems, each named by its path (``lines[2].quantity``): unknown fields
first (a misspelt field is also a missing one), then missing fields, then wrong values; at most a few, so
that a 500-line body with a mistake on every line still answers a short 400.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from suyuan.trace.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

MAX_PROBLEMS = 3
MAX_NAMES = 10

# What a wrong value must be, by pydantic error type; custom types (dates, amounts) bring their own text.
MUST_BE = {
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
}


def validate(model: type[M], data: Any) -> M:
    """``data`` (parsed JSON, or a form's texts) as ``model``, or an ``InvalidInput`` naming what is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc) from None


def invalid_input(exc: ValidationError) -> InvalidInput:
    """The 400 for a body that does not fit its model."""
    errors = exc.errors(include_url=False, include_input=False)
    unknown = [path(e["loc"]) for e in errors if e["type"] == "extra_forbidden"]
    missing = [path(e["loc"]) for e in errors if e["type"] == "missing"]
    wrong = [e for e in errors if e["type"] not in ("extra_forbidden", "missing")]
    problems: list[tuple[str, str]] = []  # (message, top-level field)
    if unknown:
        problems.append((f"unknown fields: {names(unknown)}", _top(errors, "extra_forbidden")))
    if missing:
        said = f"{missing[0]} is required" if len(missing) == 1 else f"missing fields: {names(missing)}"
        problems.append((said, _top(errors, "missing")))
    for error in wrong:
        problem = (
            f"{path(error['loc']) or 'the body'} {must_be(error)}",
            str(error["loc"][0]) if error["loc"] else "",
        )
        if problem not in problems:
            problems.append(problem)
    shown = "; ".join(message for message, _ in problems[:MAX_PROBLEMS])
    if len(problems) > MAX_PROBLEMS:
        shown += f"; and {len(problems) - MAX_PROBLEMS} more"
    return InvalidInput(shown, field=problems[0][1] or None)


def must_be(error: ErrorDetails) -> str:
    """What a wrong value must be, in the API's words."""
    ctx = error.get("ctx") or {}
    if error["type"] == "greater_than_equal":
        return f"must be a whole number of at least {ctx['ge']}"
    if error["type"] == "less_than_equal":
        return f"must be a whole number of at most {ctx['le']}"
    if error["type"] == "too_long":
        return f"must be a list of at most {ctx['max_length']} entries"
    return MUST_BE.get(error["type"], error["msg"])


def path(loc: tuple[int | str, ...]) -> str:
    """``("lines", 2, "quantity")`` as ``lines[2].quantity``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def names(paths: list[str]) -> str:
    """Paths as a list for people, the first :data:`MAX_NAMES` of them."""
    unique = list(dict.fromkeys(paths))
    more = f" and {len(unique) - MAX_NAMES} more" if len(unique) > MAX_NAMES else ""
    return ", ".join(unique[:MAX_NAMES]) + more


def _top(errors: list[ErrorDetails], kind: str) -> str:
    return next((str(e["loc"][0]) for e in errors if e["type"] == kind and e["loc"]), "")
