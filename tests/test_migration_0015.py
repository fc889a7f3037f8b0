"""Migration 0015 (rectification, R52) upgrades, downgrades and upgrades again, and creates the tables the
mapped classes describe, column for column."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from suyuan.migrations import alembic_config, upgrade_database
from tests.migration_steps import assert_tables_as_mapped, database_at

TABLES = (
    "responsibility_interview",
    "rectification_order",
    "rectification_report",
    "rectification_report_file",
)


def test_0015_creates_the_mapped_tables_and_downgrades_cleanly(tmp_path: Path) -> None:
    url, engine = database_at(tmp_path, "0014_enterprise_documents")
    upgrade_database(url, "0015_rectification")
    assert_tables_as_mapped(engine, TABLES)
    inspector = sa.inspect(engine)
    assert [i["column_names"] for i in inspector.get_indexes("rectification_order")] == [
        ["enterprise_id", "issued_at"]
    ]
    command.downgrade(alembic_config(url), "0014_enterprise_documents")
    assert not set(TABLES) & set(sa.inspect(engine).get_table_names())
    upgrade_database(url, "0015_rectification")
    with engine.begin() as db:
        assert db.execute(sa.text("SELECT count(*) FROM office")).scalar() == 1
    engine.dispose()
