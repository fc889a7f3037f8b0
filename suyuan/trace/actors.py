"""Who is acting on a use case, and the role rules that depend on it.

Services take an :class:`Actor` rather than a user row so the same rules serve the web (a signed-in
user or API token), the CLI (the operator on the server) and the public (anonymous consumers). Which
records an actor may see and act on is not decided here but by its remit (:mod:`suyuan.trace.remit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from suyuan.trace.errors import PermissionDenied
from suyuan.trace.model import Role, User


@dataclass(frozen=True)
class Actor:
    """The caller of a use case; ``label`` is what the audit log records."""

    label: str
    role: Role | None = None
    user_id: int | None = None
    office_id: int | None = None
    enterprise_id: int | None = None
    operator: bool = False

    @classmethod
    def for_user(cls, user: User) -> Actor:
        """The actor of a signed-in user or of one of their API tokens."""
        return cls(
            label=f"user:{user.id}:{user.email}",
            role=user.role,
            user_id=user.id,
            office_id=user.office_id,
            enterprise_id=user.enterprise_id,
        )

    @property
    def is_regulator(self) -> bool:
        """Office staff or the server operator."""
        return self.operator or self.role is Role.REGULATOR

    def require_regulator(self) -> None:
        """Refuse anyone who is not office staff (or the operator)."""
        if not self.is_regulator:
            raise PermissionDenied("only inspection office staff may do this")

    @property
    def is_merchant(self) -> bool:
        """Staff of an operating enterprise (not the operator)."""
        return self.role is Role.MERCHANT

    def require_merchant(self, message: str = "only the merchant's own staff may do this") -> None:
        """Refuse anyone who is not merchant staff (the operator may act for a merchant).

        Whose records a merchant may act on is the remit's business (:mod:`suyuan.trace.remit`);
        this only keeps offices from doing what is the merchant's to do.
        """
        if not (self.operator or self.is_merchant):
            raise PermissionDenied(message)


OPERATOR = Actor(label="operator:cli", operator=True)
SYSTEM = Actor(label="system", operator=True)
ANONYMOUS = Actor(label="anonymous")
