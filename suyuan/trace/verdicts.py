"""Verdicts and reasons: the stable words a scan answers with (DESIGN.md §4, docs/codes.md)."""

from __future__ import annotations

import enum


class Verdict(enum.StrEnum):
    """What a scanned code is: one word per outcome of a scan (:mod:`suyuan.trace.scanning`), each
    explained in docs/codes.md (the order here is not a ranking)."""

    GENUINE = "genuine"
    COUNTERFEIT = "counterfeit"
    SUSPECT = "suspect"
    RECALLED = "recalled"
    REVOKED = "revoked"


class Reason(enum.StrEnum):
    """Why a code got its verdict; machine-readable and documented one by one in docs/codes.md."""

    MALFORMED_CODE = "malformed_code"
    MISSING_SIGNATURE = "missing_signature"
    DUPLICATE_SIGNATURE = "duplicate_signature"
    MALFORMED_SIGNATURE = "malformed_signature"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_BATCH = "unknown_batch"
    SERIAL_OUT_OF_RANGE = "serial_out_of_range"
    WRONG_KEY = "wrong_key"
    KEY_REVOKED = "key_revoked"
    CODE_VOIDED = "code_voided"
    BATCH_RECALLED = "batch_recalled"
    BATCH_STOP_SALE = "batch_stop_sale"
    NOT_RELEASED = "not_released"
    MANY_DEVICES = "many_devices"
    MANY_REGIONS = "many_regions"
    CLAIMED_BY_OTHER = "claimed_by_other"
    OFFLINE_UNCHECKED = "offline_unchecked"


COUNTERFEIT_REASONS = frozenset(
    {
        Reason.MALFORMED_CODE,
        Reason.MISSING_SIGNATURE,
        Reason.DUPLICATE_SIGNATURE,
        Reason.MALFORMED_SIGNATURE,
        Reason.UNKNOWN_KEY,
        Reason.BAD_SIGNATURE,
        Reason.UNKNOWN_BATCH,
        Reason.SERIAL_OUT_OF_RANGE,
        Reason.WRONG_KEY,
    }
)
