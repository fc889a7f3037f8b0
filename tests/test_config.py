"""Settings: the environment is read once, into one object, and every part takes its values from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from suyuan.config import Settings
from suyuan.trace.complaints import ComplaintLimits
from suyuan.trace.zone.rules import ZoneRules
from suyuan.web import create_app


def environ(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"SUYUAN_INSTANCE_DIR": str(tmp_path), "SUYUAN_SECRET_KEY": "k", **values}


def test_policy_settings_are_collected_and_nothing_else(tmp_path: Path) -> None:
    settings = Settings.from_env(
        environ(
            tmp_path,
            SUYUAN_QUOTA_PER_ORDER_CNY="2000",
            SUYUAN_ANOMALY_ORDERS_PER_BUYER="3",
            SUYUAN_COMPLAINTS_PER_HOUR="2",
            SUYUAN_RETURN_DAYS="45",
            PATH="/usr/bin",
        )
    )
    assert settings.policy == {
        "SUYUAN_QUOTA_PER_ORDER_CNY": "2000",
        "SUYUAN_ANOMALY_ORDERS_PER_BUYER": "3",
        "SUYUAN_COMPLAINTS_PER_HOUR": "2",
        "SUYUAN_RETURN_DAYS": "45",
    }
    rules = ZoneRules.from_mapping(settings.policy)
    assert (rules.quotas.per_order_fen, rules.return_days, rules.anomalies.orders_per_buyer) == (
        200_000,
        45,
        3,
    )
    assert ComplaintLimits.from_mapping(settings.policy).per_hour == 2


def test_the_domain_does_not_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUYUAN_RETURN_DAYS", "99")
    monkeypatch.setenv("SUYUAN_COMPLAINTS_PER_HOUR", "99")
    assert ZoneRules.from_mapping().return_days == ZoneRules().return_days
    assert ComplaintLimits.from_mapping().per_hour == ComplaintLimits().per_hour


def test_the_app_takes_policy_from_its_settings_and_tests_may_override(tmp_path: Path) -> None:
    settings = Settings.from_env(environ(tmp_path, SUYUAN_RETURN_DAYS="45", SUYUAN_COMPLAINTS_PER_DAY="7"))
    app = create_app(settings, {"TESTING": True, "SUYUAN_COMPLAINTS_PER_DAY": "8"})
    assert ZoneRules.from_mapping(app.config).return_days == 45
    assert ComplaintLimits.from_mapping(app.config).per_day == 8


@pytest.mark.parametrize("bad", ["0", "-1", "ten"])
def test_a_malformed_policy_value_is_said_at_start_up(tmp_path: Path, bad: str) -> None:
    settings = Settings.from_env(environ(tmp_path, SUYUAN_COMPLAINTS_PER_HOUR=bad))
    with pytest.raises(ValueError, match="positive whole number"):
        ComplaintLimits.from_mapping(settings.policy)
