"""enterprise documents: the contents of an enterprise filing (R6; SZ Art. 8, 25; O15 §5)

An enterprise filing now carries its documents: the business licence, the organisation-code certificate,
the signed quality-safety commitment, the enterprise's basic systems and other material
(``suyuan.trace.enterprise_documents``). New tables ``enterprise_document`` (kind, file name, media type,
size, SHA-256, who uploaded it when) and ``enterprise_document_file`` (the bytes, one row per document,
apart so that lists never read them). Existing enterprises get no rows: their pages show what is missing.

Revision ID: 0014_enterprise_documents
Revises: 0013_scan_cache_notify
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014_enterprise_documents"
down_revision: str | None = "0013_scan_cache_notify"
branch_labels = None
depends_on = None

KINDS = (
    "business_licence",
    "org_code_certificate",
    "quality_commitment",
    "quality_management_system",
    "traceability_system",
    "risk_recall_system",
    "quality_supervision_system",
    "pre_listing_review_system",
    "information_disclosure_system",
    "first_inquiry_system",
    "other_document",
)


def upgrade() -> None:
    """Create ``enterprise_document`` (indexed by enterprise) and ``enterprise_document_file``."""
    op.create_table(
        "enterprise_document",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="enterprise_document_kind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_by_office", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_enterprise_document_enterprise_id", "enterprise_document", ["enterprise_id"])
    op.create_table(
        "enterprise_document_file",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("enterprise_document.id"), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    """Drop both tables (the files first)."""
    op.drop_table("enterprise_document_file")
    op.drop_index("ix_enterprise_document_enterprise_id", table_name="enterprise_document")
    op.drop_table("enterprise_document")
