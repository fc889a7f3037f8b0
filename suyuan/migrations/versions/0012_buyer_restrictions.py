"""buyer restrictions: an office watches or blocks a buyer flagged by order monitoring

Issue 15 (R66, R67): the alerts of :mod:`suyuan.trace.zone.anomalies` can now be acted on. New table
``buyer_restriction`` (the buyer by keyed hash only, the level, the reason, who decided and who lifted).

Revision ID: 0012_buyer_restrictions
Revises: 0011_lists_risk_intake
Create Date: 2026-12-04 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012_buyer_restrictions"
down_revision: str | None = "0011_lists_risk_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``buyer_restriction`` and its look-up index (buyer, still active)."""
    op.create_table(
        "buyer_restriction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False, index=True),
        sa.Column("buyer_hash", sa.String(64), nullable=False),
        sa.Column("buyer_label", sa.String(80), nullable=False),
        sa.Column(
            "level",
            sa.Enum("watch", "block", name="buyer_restriction_level", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by", sa.String(200), nullable=False),
        sa.Column("lift_reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_buyer_restriction_buyer", "buyer_restriction", ["buyer_hash", "lifted_at"])


def downgrade() -> None:
    """Drop the table (its index goes with it)."""
    op.drop_index("ix_buyer_restriction_buyer", table_name="buyer_restriction")
    op.drop_table("buyer_restriction")
