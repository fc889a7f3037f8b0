"""Errors raised by ``suyuan.labels``.

They are ``ValueError`` subclasses so that a CLI or API layer can map every one of them to "bad input"
(exit status 2, HTTP 4xx) without knowing each kind, while tests and callers can still catch a precise one.
"""

from __future__ import annotations

from collections.abc import Iterable


class LabelError(ValueError):
    """Base class: the request cannot be rendered as asked (bad template, format, label too small...)."""


class UnknownTemplate(LabelError):
    """The template name is not one of ours; the message lists the valid names so a user can fix the call."""

    def __init__(self, name: str, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = sorted(valid)
        super().__init__(f"unknown label template {name!r}; valid templates: {', '.join(self.valid)}")


class UnknownFormat(LabelError):
    """The output format is not one we render; the message lists the valid ones."""

    def __init__(self, name: str, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = sorted(valid)
        super().__init__(f"unknown label format {name!r}; valid formats: {', '.join(self.valid)}")


class LabelTooSmall(LabelError):
    """The QR code (with its quiet zone) or the mandatory text cannot fit the label at a scannable size.

    Raised instead of printing a code with modules under 0.25 mm, which phones fail to read reliably.
    """


class FontNotFound(LabelError):
    """No CJK font usable for labels was found; the message says how to install one."""
