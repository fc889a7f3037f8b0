"""sanctions and trade modes: filing sanctions, credit lists, exit holds, trade modes (issue 15, part A)

``sanction`` keeps every office decision against an enterprise's filing or a product's admission
(suspend, revoke, lift) with its reason; ``credit_list_entry`` the abnormal-operations and
serious-violators lists (removal kept). ``product.sanction_status`` carries a product's sanction;
``trade_mode`` (bonded 1210, direct mail 9610, B2B) is on products, batches and exit declarations;
``batch.exit_hold_required`` (set by tightened control) holds exits until an officer releases them,
who is recorded in ``exit_declaration.released_at/by``.

Revision ID: 0010_sanctions_trade_modes
Revises: 0009_ceb_messages
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import suyuan.trace.model.types

revision: str = "0010_sanctions_trade_modes"
down_revision: str | None = "0009_ceb_messages"
branch_labels = None
depends_on = None

_TRADE_MODES = ("bonded", "direct_mail", "b2b")


def _trade_mode(name: str) -> sa.Column[str]:
    return sa.Column(
        "trade_mode",
        sa.Enum(*_TRADE_MODES, name=name, native_enum=False, length=32),
        server_default="bonded",
        nullable=False,
    )


def upgrade() -> None:
    """Add the sanction, credit-list, exit-hold and trade-mode schema."""
    op.create_table(
        "sanction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            sa.Enum("suspend", "revoke", "lift", name="sanction_action", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", suyuan.trace.model.types.UtcDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sanction_enterprise", "sanction", ["enterprise_id", "decided_at"], unique=False)
    op.create_table(
        "credit_list_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column(
            "list_kind",
            sa.Enum(
                "abnormal_operations",
                "serious_violators",
                name="credit_list_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("listed_at", suyuan.trace.model.types.UtcDateTime(), nullable=False),
        sa.Column("listed_by", sa.String(length=200), nullable=False),
        sa.Column("removed_at", suyuan.trace.model.types.UtcDateTime(), nullable=True),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_credit_list_entry_enterprise", "credit_list_entry", ["enterprise_id", "list_kind"], unique=False
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "sanction_status",
                sa.Enum(
                    "filed",
                    "suspended",
                    "revoked",
                    name="product_sanction_status",
                    native_enum=False,
                    length=32,
                ),
                server_default="filed",
                nullable=False,
            )
        )
        batch_op.add_column(_trade_mode("product_trade_mode"))
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.add_column(_trade_mode("batch_trade_mode"))
        batch_op.add_column(
            sa.Column("exit_hold_required", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("exit_declaration", schema=None) as batch_op:
        batch_op.add_column(_trade_mode("exit_trade_mode"))
        batch_op.add_column(sa.Column("released_at", suyuan.trace.model.types.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("released_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Remove the sanction, credit-list, exit-hold and trade-mode schema."""
    with op.batch_alter_table("exit_declaration", schema=None) as batch_op:
        batch_op.drop_column("released_by")
        batch_op.drop_column("released_at")
        batch_op.drop_column("trade_mode")
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_column("exit_hold_required")
        batch_op.drop_column("trade_mode")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("trade_mode")
        batch_op.drop_column("sanction_status")
    op.drop_index("ix_credit_list_entry_enterprise", table_name="credit_list_entry")
    op.drop_table("credit_list_entry")
    op.drop_index("ix_sanction_enterprise", table_name="sanction")
    op.drop_table("sanction")
