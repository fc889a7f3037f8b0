"""What the per-revision migration tests share: a database at a revision with one office in it, and the
check that a migration created its tables exactly as the mapped classes describe them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa

from suyuan.migrations import upgrade_database
from suyuan.trace.db import Base


def database_at(tmp_path: Path, revision: str) -> tuple[str, sa.Engine]:
    """A SQLite database migrated to ``revision`` holding one office (rows the next migration must keep)."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade_database(url, revision)
    engine = sa.create_engine(url)
    with engine.begin() as db:
        db.execute(
            sa.text(
                "INSERT INTO office (id, code, name, name_en, region, created_at) "
                "VALUES (1, 'SZ', '前海', '', '', '2026-01-01 00:00:00')"
            )
        )
    return url, engine


def assert_tables_as_mapped(engine: sa.Engine, tables: Iterable[str]) -> None:
    """Each table has the mapped class's columns, each as nullable as the class says."""
    inspector = sa.inspect(engine)
    for table in tables:
        created = {c["name"]: c["nullable"] for c in inspector.get_columns(table)}
        mapped = {c.name: c.nullable for c in Base.metadata.tables[table].columns}
        assert created == mapped, table
