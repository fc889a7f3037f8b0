"""accounts: administrator flag, token scopes, invitations

``app_user.admin`` marks the administrator of an office (regulator) or of an enterprise (merchant), who
may add and disable the users of that party; ``api_token.scope`` distinguishes read-only tokens from
read-write ones; ``invitation`` holds one-time sign-up links (only the SHA-256 of the random token is
stored) through which a newly added user chooses a name and password (issue 13).

Revision ID: 0007_accounts_admins_invitations
Revises: 0006
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import suyuan.trace.model.types

revision: str = "0007_accounts_admins_invitations"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two columns and the invitation table."""
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admin", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "scope",
                sa.Enum("read", "write", name="token_scope", native_enum=False, length=16),
                server_default="write",
                nullable=False,
            )
        )
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", suyuan.trace.model.types.UtcDateTime(), nullable=False),
        sa.Column("expires_at", suyuan.trace.model.types.UtcDateTime(), nullable=False),
        sa.Column("used_at", suyuan.trace.model.types.UtcDateTime(), nullable=True),
        sa.Column("revoked_at", suyuan.trace.model.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_invitation_user_id", "invitation", ["user_id"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_invitation_user_id", table_name="invitation")
    op.drop_table("invitation")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("scope")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("admin")
