"""lists, tightened control, risk intake, supervised warehouses, quarantine scopes, filing attributes

Issue 15 part B. New tables: ``supervision_list_entry`` (positive and key-supervision lists beside the
negative list), ``risk_information`` / ``risk_assessment`` / ``risk_disposal`` (risk intake, assessment
and the measures it led to), ``supervised_warehouse``. New columns: the tightened-control measures of a
``risk_warning``; ``product.attributes`` and ``product.procurement_source``; ``batch.bonded`` (true for
lots that entered through a declaration, set here for existing ones) and ``batch.warehouse_id``;
``entry_declaration.required_quarantine`` and ``entry_declaration.warehouse_id``.

Revision ID: 0011_lists_risk_intake
Revises: 0010_sanctions_trade_modes
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011_lists_risk_intake"
down_revision: str | None = "0010_sanctions_trade_modes"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _stamp(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    """Create the tables and columns; existing batches that entered through a declaration are bonded."""
    op.create_table(
        "supervision_list_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False, index=True),
        sa.Column("list_kind", _enum("list_kind", "positive", "key_supervision"), nullable=False),
        sa.Column("match", _enum("list_match", "hs_prefix", "category"), nullable=False),
        sa.Column("value", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _stamp("created_at"),
        sa.Column("created_by", sa.String(200), nullable=False),
        _stamp("withdrawn_at", nullable=True),
        sa.Column("withdrawn_by", sa.String(200), nullable=False),
        sa.Column("withdrawal_note", sa.Text(), nullable=False),
    )
    op.create_table(
        "supervised_warehouse",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False, index=True),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _stamp("designated_at"),
        sa.Column("designated_by", sa.String(200), nullable=False),
        _stamp("withdrawn_at", nullable=True),
        sa.Column("withdrawn_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "risk_information",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False, index=True),
        sa.Column(
            "source", _enum("risk_source", "self_report", "foreign_notification", "incident"), nullable=False
        ),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=True),
        sa.Column("hs_prefix", sa.String(10), nullable=False),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), nullable=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batch.id"), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        _stamp("received_at"),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("status", _enum("risk_info_status", "received", "assessed"), nullable=False),
    )
    op.create_table(
        "risk_assessment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "information_id", sa.Integer(), sa.ForeignKey("risk_information.id"), nullable=False, index=True
        ),
        sa.Column("level", _enum("risk_level", "low", "medium", "high"), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        _stamp("assessed_at"),
        sa.Column("assessed_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "risk_disposal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "information_id", sa.Integer(), sa.ForeignKey("risk_information.id"), nullable=False, index=True
        ),
        sa.Column("kind", _enum("disposal_kind", "warning", "spot_check", "recall"), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False, index=True),
        _stamp("created_at"),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    with op.batch_alter_table("risk_warning", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sampling_factor", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column("require_inspection", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("hold_exits", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attributes", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(
            sa.Column("procurement_source", sa.String(300), nullable=False, server_default="")
        )
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bonded", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("warehouse_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_batch_warehouse", "supervised_warehouse", ["warehouse_id"], ["id"])
    with op.batch_alter_table("entry_declaration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("required_quarantine", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("warehouse_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_entry_declaration_warehouse", "supervised_warehouse", ["warehouse_id"], ["id"]
        )
    op.execute(
        "UPDATE batch SET bonded = true WHERE id IN (SELECT batch_id FROM entry_line WHERE batch_id IS NOT NULL)"
    )


def downgrade() -> None:
    """Drop them again (lists, risk records, designations and attributes are lost)."""
    with op.batch_alter_table("entry_declaration", schema=None) as batch_op:
        batch_op.drop_constraint("fk_entry_declaration_warehouse", type_="foreignkey")
        batch_op.drop_column("warehouse_id")
        batch_op.drop_column("required_quarantine")
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_constraint("fk_batch_warehouse", type_="foreignkey")
        batch_op.drop_column("warehouse_id")
        batch_op.drop_column("bonded")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("procurement_source")
        batch_op.drop_column("attributes")
    with op.batch_alter_table("risk_warning", schema=None) as batch_op:
        batch_op.drop_column("hold_exits")
        batch_op.drop_column("require_inspection")
        batch_op.drop_column("sampling_factor")
    for table in ("risk_disposal", "risk_assessment", "risk_information", "supervised_warehouse"):
        op.drop_table(table)
    op.drop_table("supervision_list_entry")
