"""Migration 0010 (sanctions, credit lists, exit holds, trade modes) upgrades and downgrades cleanly,
and existing rows get the defaults: bonded, no sanction, no hold."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from suyuan.migrations import alembic_config, upgrade_database


def test_0010_upgrades_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade_database(url, "0009_ceb_messages")
    engine = sa.create_engine(url)
    with engine.begin() as db:
        db.execute(
            sa.text(
                "INSERT INTO office (id, code, name, name_en, region, created_at) "
                "VALUES (1, 'SZ', '前海', 'Qianhai', '', '2026-01-01 00:00:00')"
            )
        )
    upgrade_database(url, "0010_sanctions_trade_modes")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("batch")}
    assert {"trade_mode", "exit_hold_required"} <= columns
    assert {"sanction", "credit_list_entry"} <= set(sa.inspect(engine).get_table_names())
    command.downgrade(alembic_config(url), "0009_ceb_messages")
    inspector = sa.inspect(engine)
    assert "sanction" not in inspector.get_table_names()
    assert "trade_mode" not in {c["name"] for c in inspector.get_columns("product")}
    upgrade_database(url)
    engine.dispose()
