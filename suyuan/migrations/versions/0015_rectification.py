"""rectification: responsibility interviews, rectification orders and reports (R52; G15 §2(3))

An office records responsibility interviews (责任约谈) with an enterprise and orders it to rectify
(责令整改) by a deadline, optionally naming the complaint, spot check, risk information or recall that
caused the order; the enterprise answers with rectification reports (text and an optional file), which the
office accepts or rejects (``suyuan.trace.rectification``). New tables ``responsibility_interview``,
``rectification_order``, ``rectification_report`` and ``rectification_report_file`` (the bytes, apart so
that lists never read them). Nothing existing changes.

Revision ID: 0015_rectification
Revises: 0014_enterprise_documents
Create Date: 2026-12-05 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0015_rectification"
down_revision: str | None = "0014_enterprise_documents"
branch_labels = None
depends_on = None

CAUSES = ("complaint", "spot_check", "risk_information", "recall")
STATUSES = ("open", "reported", "closed")
DECISIONS = ("pending", "accepted", "rejected")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    """Create the four tables, each indexed by the enterprise or order it belongs to."""
    op.create_table(
        "responsibility_interview",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("matter", sa.Text(), nullable=False),
        sa.Column("commitments", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
    )
    op.create_index(
        "ix_responsibility_interview_enterprise", "responsibility_interview", ["enterprise_id", "held_on"]
    )
    op.create_table(
        "rectification_order",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False),
        sa.Column("matter", sa.Text(), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("cause_kind", _enum(CAUSES, "rectification_cause"), nullable=True),
        sa.Column("complaint_id", sa.Integer(), sa.ForeignKey("complaint.id"), nullable=True),
        sa.Column("spot_check_id", sa.Integer(), sa.ForeignKey("spot_check.id"), nullable=True),
        sa.Column("risk_information_id", sa.Integer(), sa.ForeignKey("risk_information.id"), nullable=True),
        sa.Column("recall_id", sa.Integer(), sa.ForeignKey("recall.id"), nullable=True),
        sa.Column("status", _enum(STATUSES, "rectification_status"), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index(
        "ix_rectification_order_enterprise", "rectification_order", ["enterprise_id", "issued_at"]
    )
    op.create_table(
        "rectification_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("rectification_order.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=True),
        sa.Column("media_type", sa.String(32), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("decision", _enum(DECISIONS, "rectification_report_decision"), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_rectification_report_order_id", "rectification_report", ["order_id"])
    op.create_table(
        "rectification_report_file",
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("rectification_report.id"), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    """Drop the four tables, dependants first."""
    op.drop_table("rectification_report_file")
    op.drop_index("ix_rectification_report_order_id", table_name="rectification_report")
    op.drop_table("rectification_report")
    op.drop_index("ix_rectification_order_enterprise", table_name="rectification_order")
    op.drop_table("rectification_order")
    op.drop_index("ix_responsibility_interview_enterprise", table_name="responsibility_interview")
    op.drop_table("responsibility_interview")
