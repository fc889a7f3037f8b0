"""Policy numbers of the zone workflow: quotas, the return window and anomaly thresholds.

They are configuration, not code (DOMAIN-DETAIL §10): defaults follow the rules in force since 2019
(MOF/GACC/STA 2018 No. 49) and can be overridden from the environment or the Flask config with the
``SUYUAN_*`` keys listed in docs/zone.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

FEN_PER_YUAN = 100


@dataclass(frozen=True)
class QuotaRules:
    """Personal CBEC quotas per buyer identity, in fen (RMB 0.01).

    ``single_item_exempt``: an order of exactly one unit above the per-order limit may still pass if
    it fits the annual quota (it is then taxed as general trade, but counts toward the year).
    """

    per_order_fen: int = 5_000 * FEN_PER_YUAN
    per_year_fen: int = 26_000 * FEN_PER_YUAN
    single_item_exempt: bool = True


@dataclass(frozen=True)
class AnomalyRules:
    """Thresholds of the disguised-B2B alerts (SZ Art. 28-29); an alert fires when a count exceeds one."""

    window_days: int = 30
    orders_per_buyer: int = 10
    orders_per_address: int = 15
    buyers_per_address: int = 5
    units_per_product_per_order: int = 10
    units_per_product_per_buyer: int = 30


@dataclass(frozen=True)
class ZoneRules:
    """Everything configurable about the zone workflow."""

    quotas: QuotaRules = field(default_factory=QuotaRules)
    anomalies: AnomalyRules = field(default_factory=AnomalyRules)
    return_days: int = 30

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any] | None = None) -> ZoneRules:
        """Rules from ``config`` (``Settings.policy``, or the Flask config), else the defaults.

        Keys: ``SUYUAN_QUOTA_PER_ORDER_CNY``, ``SUYUAN_QUOTA_PER_YEAR_CNY``, ``SUYUAN_RETURN_DAYS`` and
        ``SUYUAN_ANOMALY_<FIELD>`` for each field of :class:`AnomalyRules` (e.g.
        ``SUYUAN_ANOMALY_ORDERS_PER_BUYER``). A malformed value is a configuration error.
        """
        merged: Mapping[str, Any] = config or {}
        quotas = QuotaRules(
            per_order_fen=_whole(merged, "SUYUAN_QUOTA_PER_ORDER_CNY", 5_000) * FEN_PER_YUAN,
            per_year_fen=_whole(merged, "SUYUAN_QUOTA_PER_YEAR_CNY", 26_000) * FEN_PER_YUAN,
        )
        defaults = AnomalyRules()
        anomalies = AnomalyRules(
            **{
                f.name: _whole(merged, f"SUYUAN_ANOMALY_{f.name.upper()}", getattr(defaults, f.name))
                for f in fields(AnomalyRules)
            }
        )
        return cls(quotas=quotas, anomalies=anomalies, return_days=_whole(merged, "SUYUAN_RETURN_DAYS", 30))


def _whole(config: Mapping[str, Any], key: str, default: int) -> int:
    value = config.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) >= 1:
        return int(value)
    raise ValueError(f"{key} must be a positive whole number, got {value!r}")
