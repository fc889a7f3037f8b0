"""Extensible filing attributes: "other information the office requires" and the procurement source (R10).

SZ Art. 9(4)-(5) lets an office ask for more than the fixed fields of a product filing. Rather than a
column per request, a filing carries bounded key/value pairs: at most :data:`MAX_ATTRIBUTES`, keys of
1-:data:`MAX_KEY` ASCII letters, digits, ``_``, ``-`` or CJK ideographs, values one
line of at most :data:`MAX_VALUE`
characters. The procurement source (where the goods are bought: a supplier channel, a shop, a
distributor) is a plain text of at most 300 characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from suyuan.trace.errors import InvalidInput
from suyuan.trace.fields import text

MAX_ATTRIBUTES, MAX_KEY, MAX_VALUE, MAX_SOURCE = 20, 50, 500, 300
KEY_PATTERN = "^[0-9A-Za-z_\u4e00-\u9fff-]{1,50}$"
KEY = re.compile(KEY_PATTERN)


def attributes(value: Mapping[str, str] | None) -> dict[str, str]:
    """The validated attributes, keys stripped, in the order given; anything wrong is ``InvalidInput``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput("attributes is an object of texts", field="attributes")
    if len(value) > MAX_ATTRIBUTES:
        raise InvalidInput(f"at most {MAX_ATTRIBUTES} attributes", field="attributes")
    cleaned: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise InvalidInput(f"attribute names are 1-{MAX_KEY} letters, digits, _ or -", field="attributes")
        if not isinstance(item, str) or any(ord(c) < 32 for c in item):
            raise InvalidInput(f"attribute {key} is one line of text", field="attributes")
        cleaned[key] = text(item, "attributes", MAX_VALUE)
    return cleaned


def procurement_source(value: str | None) -> str:
    """Where the goods are bought, one line of at most 300 characters."""
    if value and any(ord(c) < 32 for c in value):
        raise InvalidInput("procurement_source is one line", field="procurement_source")
    return text(value, "procurement_source", MAX_SOURCE)
