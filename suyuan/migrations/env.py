"""Alembic environment: runs migrations online against the configured URL with Suyuan's engine settings."""

from __future__ import annotations

from alembic import context

import suyuan.trace.model  # noqa: F401  (registers every table on the metadata)
from suyuan.trace.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Migrate through a connection that has SQLite's pragmas applied; batch mode lets SQLite alter tables."""
    url = config.get_main_option("sqlalchemy.url") or ""
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
