"""Responses of accounts: users of one's party, an invitation with its one-time link, API tokens.

A secret (an invitation link, a new token) is in the answer to the call that made it and nowhere else:
the server keeps only its hash, so :class:`InvitedUser` and :class:`IssuedToken` are the only models
with one (suyuan.web.api.accounts).
"""

from __future__ import annotations

from pydantic import Field

from suyuan.web.responses.common import DateTime, Shape, Url
from suyuan.web.responses.enums import TokenScope, UserKind, UserStatus


class UserRecord(Shape):
    """A user of an office or an enterprise, as its administrators see it."""

    id: int
    email: str
    name: str
    kind: UserKind
    status: UserStatus = Field(description="invited: the person has not chosen a password yet")
    admin: bool
    office_id: int | None = Field(description="a regulator's office; null for an enterprise's user")
    enterprise_id: int | None = Field(description="an enterprise user's enterprise; null for regulators")
    created_at: DateTime
    invitation_expires_at: DateTime | None = Field(description="until when a pending invitation works")


class UserList(Shape):
    """The users of the caller's party (``enterprises=1``: of the enterprises filed with its office)."""

    users: list[UserRecord]


class InvitedUser(Shape):
    """A new invitation: the user (``invited``) and the one-time link, shown this once."""

    user: UserRecord
    invitation_url: Url = Field(description="pass it to the person; it works once, until expires_at")
    expires_at: DateTime


class TokenRecord(Shape):
    """One of the caller's API tokens; the token itself is never shown again, only its first characters."""

    id: int
    name: str
    prefix: str
    scope: TokenScope
    created_at: DateTime
    last_used_at: DateTime | None = Field(description="noted at most hourly")
    revoked_at: DateTime | None


class TokenList(Shape):
    """The caller's API tokens, newest first, revoked ones too."""

    tokens: list[TokenRecord]


class IssuedToken(Shape):
    """A new API token: its record and the secret, shown this once (send it as ``Bearer``)."""

    token: TokenRecord
    secret: str
