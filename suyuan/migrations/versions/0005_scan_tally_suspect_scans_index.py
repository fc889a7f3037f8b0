"""scan tally, suspect scans index

``scan_tally`` holds the scan log summed per lot (GTIN, lot), calendar day in China Standard Time,
verdict and region, so that a trace or a dashboard reads thousands of rows instead of a lot's million
scans (issue 7, docs/bench-trace.md). It is filled here from the existing scans in one
``INSERT … SELECT`` and kept up by the scan path from then on (``suyuan.trace.scan_tally``); the same
sums as ``suyuan scans retally`` computes. ``ix_scan_lot_suspect`` indexes only the suspect scans, for
the trace's "most suspect codes" of a lot.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 17:23:08.466761
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None

CST_MINUTES = 8 * 60  # China Standard Time, UTC+8, no daylight saving
SUSPECT = sa.text("verdict = 'suspect'")


def upgrade() -> None:
    """Create the tally, fill it from the scan log, and index the suspect scans."""
    op.create_table(
        "scan_tally",
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("lot", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("first_scans", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("gtin", "lot", "day", "verdict", "region", name="pk_scan_tally"),
        sqlite_with_rowid=False,
    )
    op.execute(_backfill(op.get_bind().dialect.name))
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scan_lot_suspect",
            ["gtin", "lot", "serial"],
            unique=False,
            sqlite_where=SUSPECT,
            postgresql_where=SUSPECT,
        )


def _backfill(dialect: str) -> str:
    """One ``INSERT … SELECT``: a scan is its code's first when no scan of (GTIN, lot, serial) came before.

    The day is the naive-UTC ``scan.at`` shifted to UTC+8, as ``suyuan.trace.scan_tally`` computes it
    (SQLite: whole seconds first, since its date functions round fractions to milliseconds).
    """
    if dialect == "sqlite":
        day = f"date(substr(at, 1, 19), '+{CST_MINUTES} minutes')"
    else:
        day = f"CAST((at + INTERVAL '{CST_MINUTES} minutes') AS DATE)"
    return f"""
        INSERT INTO scan_tally (gtin, lot, day, verdict, region, scans, first_scans)
        SELECT gtin, lot, day, verdict, region, count(*), sum(is_first)
        FROM (
            SELECT gtin, lot, {day} AS day, verdict, region,
                   CASE WHEN row_number() OVER (PARTITION BY gtin, lot, serial ORDER BY at, id) = 1
                        THEN 1 ELSE 0 END AS is_first
            FROM scan
        ) AS scan_days
        GROUP BY gtin, lot, day, verdict, region
    """


def downgrade() -> None:
    """Drop the index and the tally (the scan log still holds every scan)."""
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_lot_suspect", sqlite_where=SUSPECT, postgresql_where=SUSPECT)
    op.drop_table("scan_tally")
