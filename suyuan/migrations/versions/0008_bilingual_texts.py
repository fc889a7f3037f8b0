"""bilingual texts: English companions of public texts, and the officer's internal recall reason

Texts the public reads were stored as one field into which people wrote "中文。 English.", shown whole
on both the Chinese and the English page. Each now has an English companion, and the page picks the
reader's language (falling back to the other): ``recall.reason_en`` beside ``recall.reason`` (the
public notice's reason; ``instructions_en`` exists since 0004) and ``product.consumer_disclosure_en``
beside ``product.consumer_disclosure``. Risk warnings had ``title_en`` and ``body_en`` from the start.

``recall.internal_reason`` is the officer's (or merchant's) own reason for the measure, for the office
and the batch's merchant only: before, the single ``reason`` went public on every scan page, so what an
officer wrote about a complaint or an investigation was published with it (issue 13). Existing reasons
stay public, as they were.

Revision ID: 0008_bilingual_texts
Revises: 0007_accounts_admins_invitations
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008_bilingual_texts"
down_revision: str | None = "0007_accounts_admins_invitations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the English companions and the internal reason, empty for existing rows."""
    with op.batch_alter_table("recall", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_en", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("internal_reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consumer_disclosure_en", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them again (their texts are lost)."""
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("consumer_disclosure_en")
    with op.batch_alter_table("recall", schema=None) as batch_op:
        batch_op.drop_column("internal_reason")
        batch_op.drop_column("reason_en")
