"""Bodies of accounts: inviting a user, making an API token, changing one's password.

Only the shape is checked here (lengths as they arrive, one line of text); whether an e-mail is an
address, a password strong enough, or the caller may invite to that party is the domain's to say
(:mod:`suyuan.trace.onboarding`, :mod:`suyuan.trace.accounts`), with its own messages.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from suyuan.trace.accounts import MAX_NAME, MAX_PASSWORD, MAX_TOKEN_NAME, MIN_PASSWORD
from suyuan.trace.model import TokenScope
from suyuan.web.bodies.common import ONE_LINE, Body, Id, one_of, states

ONE_LINE_TEXT = states(pattern=ONE_LINE)


class Invitation(Body):
    """Invite someone; with neither party named, to the caller's own office or enterprise."""

    email: Annotated[str, Field(max_length=254), ONE_LINE_TEXT]
    name: Annotated[str, Field(max_length=MAX_NAME), ONE_LINE_TEXT] = ""
    office_id: Id | None = Field(default=None, description="an office's officer or administrator")
    enterprise_id: Id | None = Field(
        default=None, description="an enterprise's staff or (invited by its office) administrator"
    )
    admin: bool = False


class TokenRequest(Body):
    """A new API token of the caller: a name to recognise it by, and whether it may change data."""

    name: Annotated[str, Field(max_length=MAX_TOKEN_NAME), ONE_LINE_TEXT]
    scope: Annotated[str, one_of(TokenScope)] = TokenScope.WRITE.value


class PasswordChange(Body):
    """The current password, and the new one (10 to 200 characters, not an easy guess)."""

    current: Annotated[str, Field(max_length=MAX_PASSWORD)]
    new: Annotated[str, Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)]
