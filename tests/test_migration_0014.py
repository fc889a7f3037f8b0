"""Migration 0014 (enterprise documents, R6) upgrades, downgrades and upgrades again; existing enterprises
keep their rows and simply have no documents yet."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from suyuan.migrations import alembic_config, upgrade_database
from tests.migration_steps import database_at


def test_0014_upgrades_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    url, engine = database_at(tmp_path, "0013_scan_cache_notify")
    upgrade_database(url, "0014_enterprise_documents")
    inspector = sa.inspect(engine)
    assert {"enterprise_document", "enterprise_document_file"} <= set(inspector.get_table_names())
    columns = {c["name"] for c in inspector.get_columns("enterprise_document")}
    assert columns == {
        "id", "enterprise_id", "kind", "file_name", "media_type", "size", "sha256",
        "uploaded_at", "uploaded_by", "uploaded_by_office",
    }  # fmt: skip
    assert [i["column_names"] for i in inspector.get_indexes("enterprise_document")] == [["enterprise_id"]]
    command.downgrade(alembic_config(url), "0013_scan_cache_notify")
    assert "enterprise_document" not in sa.inspect(engine).get_table_names()
    upgrade_database(url)
    with engine.begin() as db:
        assert db.execute(sa.text("SELECT count(*) FROM office")).scalar() == 1
    engine.dispose()
