"""major cases: major-case reports and their notices to the other offices (R60, R55; G15 §3(5), §2(2)-(3))

An office marks a complaint, a recall, risk information or a failed spot check in its remit as a major
case (重大案件) with a summary; the report is seen by the operator (the national level) and sent as a
notice to every other office, which acknowledges it (``suyuan.trace.major_cases``). New tables
``major_case_report`` (one per case: unique kind and id) and ``major_case_notice`` (one per receiving
office). Nothing existing changes.

Revision ID: 0016_major_cases
Revises: 0015_rectification
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016_major_cases"
down_revision: str | None = "0015_rectification"
branch_labels = None
depends_on = None

KINDS = ("complaint", "recall", "risk_information", "spot_check")


def upgrade() -> None:
    """Create the two tables, the notices indexed by their receiving office."""
    op.create_table(
        "major_case_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False),
        sa.Column(
            "case_kind", sa.Enum(*KINDS, name="major_case_kind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("case_kind", "case_id", name="uq_major_case_report_case"),
    )
    op.create_index("ix_major_case_report_office_id", "major_case_report", ["office_id"])
    op.create_table(
        "major_case_notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("major_case_report.id"), nullable=False),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("report_id", "office_id", name="uq_major_case_notice_office"),
    )
    op.create_index("ix_major_case_notice_office", "major_case_notice", ["office_id", "id"])


def downgrade() -> None:
    """Drop the two tables, notices first."""
    op.drop_index("ix_major_case_notice_office", table_name="major_case_notice")
    op.drop_table("major_case_notice")
    op.drop_index("ix_major_case_report_office_id", table_name="major_case_report")
    op.drop_table("major_case_report")
