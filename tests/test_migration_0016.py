"""Migration 0016 (major cases, R60) upgrades, downgrades and upgrades again, and creates the tables the
mapped classes describe, column for column."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from suyuan.migrations import alembic_config, upgrade_database
from tests.migration_steps import assert_tables_as_mapped, database_at

TABLES = ("major_case_report", "major_case_notice")


def test_0016_creates_the_mapped_tables_and_downgrades_cleanly(tmp_path: Path) -> None:
    url, engine = database_at(tmp_path, "0015_rectification")
    upgrade_database(url, "0016_major_cases")
    assert_tables_as_mapped(engine, TABLES)
    inspector = sa.inspect(engine)
    assert [i["column_names"] for i in inspector.get_indexes("major_case_notice")] == [["office_id", "id"]]
    assert [c["column_names"] for c in inspector.get_unique_constraints("major_case_report")] == [
        ["case_kind", "case_id"]
    ]
    command.downgrade(alembic_config(url), "0015_rectification")
    assert not set(TABLES) & set(sa.inspect(engine).get_table_names())
    upgrade_database(url, "0016_major_cases")
    with engine.begin() as db:
        assert db.execute(sa.text("SELECT count(*) FROM office")).scalar() == 1
    engine.dispose()
