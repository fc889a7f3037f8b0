"""Validators of free text and choices shared by the use cases: every module refuses bad text alike."""

from __future__ import annotations

import enum
from typing import TypeVar

from suyuan.trace.errors import InvalidInput

E = TypeVar("E", bound=enum.StrEnum)


def text(value: str | None, name: str, max_length: int, *, required: bool = False) -> str:
    """Stripped text of at most ``max_length`` characters without control characters."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"{name} is required", field=name)
    if len(cleaned) > max_length:
        raise InvalidInput(f"{name} is longer than {max_length} characters", field=name)
    if any(ord(c) < 32 and c not in "\n\t" for c in cleaned):
        raise InvalidInput(f"{name} contains control characters", field=name)
    return cleaned


def choice(enum_type: type[E], value: str, name: str) -> E:
    """One member of a StrEnum, or an error listing the allowed values."""
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum_type)
        raise InvalidInput(f"{name} must be one of: {allowed}", field=name) from None


def sha256_hex(value: str | None, name: str = "sha256") -> str:
    """A SHA-256 digest as 64 lower-case hex digits."""
    digest = (value or "").strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput(f"{name} must be 64 hex digits (the SHA-256 of the document file)", field=name)
    return digest
