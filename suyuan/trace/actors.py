"""Who is acting on a use case, and the permission rules that depend on it.

Services take an :class:`Actor` rather than a user row so the same rules serve the web (a signed-in
user or API token), the CLI (the operator on the server) and the public (anonymous consumers).
"""

from __future__ import annotations

from dataclasses import dataclass

from suyuan.trace.errors import NotFound, PermissionDenied
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

    def require_enterprise(self, enterprise_id: int) -> None:
        """Merchants act on their own enterprise only; others' records do not exist for them.

        Regulators may read every enterprise of their remit; the check answers ``NotFound``
        rather than ``PermissionDenied`` so a merchant cannot probe which ids exist.
        """
        if self.operator or self.role is Role.REGULATOR:
            return
        if self.enterprise_id != enterprise_id:
            raise NotFound("no such record")


OPERATOR = Actor(label="operator:cli", operator=True)
SYSTEM = Actor(label="system", operator=True)
ANONYMOUS = Actor(label="anonymous")
