"""Migration 0011 (lists, risk intake, warehouses, quarantine scopes, filing attributes) goes up and down.

On a scratch SQLite file, so the session's database (SQLite or PostgreSQL) is left alone; the same
script was run against PostgreSQL by hand (see the commit message).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from suyuan.migrations import alembic_config, upgrade_database
from suyuan.trace.db import make_engine

BEFORE = "0010_sanctions_trade_modes"


def test_0011_upgrades_and_downgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade_database(url, BEFORE)
    upgrade_database(url, "0011_lists_risk_intake")
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert {"supervision_list_entry", "risk_information", "risk_assessment", "risk_disposal"} <= tables
    assert {"bonded", "warehouse_id"} <= {c["name"] for c in inspect(engine).get_columns("batch")}
    engine.dispose()
    command.downgrade(alembic_config(url), BEFORE)
    engine = make_engine(url)
    assert "supervised_warehouse" not in inspect(engine).get_table_names()
    assert "attributes" not in {c["name"] for c in inspect(engine).get_columns("product")}
    engine.dispose()
