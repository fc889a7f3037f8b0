"""Domain errors: every rule Suyuan enforces fails with one of these named types.

Each carries a stable machine-readable ``code`` (used in API error bodies and documented) and a
human message. The web and CLI edges map them to HTTP statuses and exit codes in one place each
(``suyuan.web.errors`` and ``suyuan.cli.common``); nothing here knows about either.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of all domain errors; ``code`` is stable, the message is for people."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value is malformed: bad check character, unknown country, wrong format, out of range."""

    code = "invalid_input"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class FileTooLarge(InvalidInput):
    """An uploaded file is larger than its kind of upload accepts (answered 413)."""

    code = "file_too_large"


class InvalidUscc(InvalidInput):
    """A unified social credit code fails GB 32100 (alphabet, length or check character)."""

    code = "invalid_uscc"


class WeakPassword(InvalidInput):
    """A chosen password fails the policy; ``reason`` is ``too_short``, ``too_long``, ``too_common`` or
    ``contains_email`` (pages explain each in the reader's language)."""

    code = "weak_password"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, field="password")
        self.reason = reason


class InvalidGtin(InvalidInput):
    """A GTIN has the wrong length, non-digits or a wrong GS1 check digit."""

    code = "invalid_gtin"


class InvalidHsCode(InvalidInput):
    """An HS code is not 6, 8 or 10 digits within an existing HS chapter."""

    code = "invalid_hs_code"


class InvalidCountry(InvalidInput):
    """A country is not an ISO 3166-1 alpha-2 code."""

    code = "invalid_country"


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it exists."""

    code = "not_found"


class Duplicate(DomainError):
    """The same filing (enterprise, product, batch, list entry) already exists."""

    code = "duplicate"


class PermissionDenied(DomainError):
    """The caller's role does not allow this action."""

    code = "forbidden"


class ReadOnlyToken(PermissionDenied):
    """A read-only API token was sent with a call that would change data."""

    code = "read_only_token"


class InvalidState(DomainError):
    """The action does not fit the current state (e.g. deciding admission twice)."""

    code = "invalid_state"


class ProhibitedGoods(DomainError):
    """The product matches the negative list (risk class 1) and may not enter."""

    code = "prohibited_goods"


class RequirementsNotMet(DomainError):
    """A mandatory admission requirement (CCC, registered producer, special approval) is missing."""

    code = "requirements_not_met"


class DisclosureRequired(DomainError):
    """Requirements (4)/(5) are unmet, so admission needs a consumer-disclosure text."""

    code = "disclosure_required"


class DisclosureNotAccepted(InvalidState):
    """An order carries goods admitted with a consumer disclosure the buyer has not accepted (SZ Art. 11)."""

    code = "disclosure_not_accepted"


class AuditChainBroken(DomainError):
    """The audit log's hash chain does not verify; the message names the first broken entry."""

    code = "audit_chain_broken"


class LedgerWouldGoNegative(InvalidState):
    """A movement would take more units out of a batch than the zone ledger holds."""

    code = "ledger_would_go_negative"


class NotOnLedger(InvalidState):
    """The batch did not enter through an entry declaration, so the zone ledger has nothing of it."""

    code = "not_on_ledger"


class ReleaseConditionsNotMet(InvalidState):
    """Quarantine has not passed or no test report / conformity declaration is accepted (SZ Art. 19)."""

    code = "release_conditions_not_met"


class DuplicateOrder(Duplicate):
    """The merchant already declared an exit for this order number."""

    code = "duplicate_order"


class QuotaExceeded(DomainError):
    """The order breaks the buyer's per-order or annual CBEC quota (MOF/GACC/STA 2018 No. 49)."""

    code = "quota_exceeded"


class CodeAlreadySold(InvalidState):
    """Another order won this code first (concurrent exits of the same unit: exactly one wins)."""

    code = "code_already_sold"


class ReturnNotAllowed(InvalidState):
    """A return names codes not sold on the order, already returned, or comes after the return window."""

    code = "return_not_allowed"


class AlreadyRecalled(InvalidState):
    """The batch is already under a recall or stop-sale at least as strict as the one asked for."""

    code = "already_recalled"


class RateLimited(DomainError):
    """Too many requests of one kind from one source in a window (e.g. complaints per device per hour)."""

    code = "rate_limited"


class Throttled(RateLimited):
    """Too many attempts under one throttle key (a login account, a client address) in its window.

    ``retry_after`` is the number of whole seconds until the window ends and the key may try again;
    the web edge sends it as the ``Retry-After`` header.
    """

    code = "throttled"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnprocessableInput(InvalidInput):
    """Input of the right shape that cannot be processed within its limits: an upload too costly to decode
    (too many pixels, pages or frames) or that does not decode at all. Answered 422, not 400."""

    code = "unprocessable_input"


class FileRejected(UnprocessableInput):
    """An uploaded file that cannot be taken: empty, or not of a type the upload accepts (answered 422).

    ``reason`` says which: ``empty`` or ``type``."""

    code = "file_rejected"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, field="file")
        self.reason = reason


class AlreadyInitialised(InvalidState):
    """First-run setup was asked for, but the instance already has an office or a user."""

    code = "already_initialised"


class InvitationUnusable(InvalidState):
    """An invitation link that exists but can no longer be used: accepted, replaced or expired."""

    code = "invitation_unusable"


class InvitationExpired(InvitationUnusable):
    """An invitation link whose seven days are over."""

    code = "invitation_expired"


class InvitationUsed(InvitationUnusable):
    """An invitation link already accepted, replaced by a newer one, or withdrawn."""

    code = "invitation_used"


class FilingSanctioned(InvalidState):
    """The enterprise's filing is suspended or revoked (SZ Art. 30): it may not declare entries or
    exits, nor issue new codes, until a suspension is lifted (a revocation is final)."""

    code = "filing_sanctioned"


class AdmissionSanctioned(InvalidState):
    """The product's admission is suspended or revoked: its goods may not enter, leave or get new codes."""

    code = "admission_sanctioned"


class TradeModeNotRetail(InvalidState):
    """B2B goods (general trade, SZ Art. 38) are not sold to consumers: no retail exit declaration."""

    code = "trade_mode_not_retail"


class BuyerBlocked(InvalidState):
    """The buyer is blocked by an inspection office for trading under consumer purchases (SZ Art. 29):
    their orders and exits are refused until the office lifts the restriction."""

    code = "buyer_blocked"
