"""Column types shared by the mapped classes.

``UtcDateTime`` exists because SQLite has no time zones: it stores naive UTC and always hands back
aware UTC datetimes, so comparisons behave the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


BEIJING = timezone(timedelta(hours=8), "CST")
"""China Standard Time (UTC+8, no summer time): the calendar of pages, deadlines, quotas and reports."""


def utcnow() -> datetime:
    """The current time, aware, in UTC: the only clock the domain uses."""
    return datetime.now(UTC)
