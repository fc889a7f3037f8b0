"""``suyuan zone``: ledger report, spot-check draw, regrading and anomalies from the command line."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner
from sqlalchemy.orm import Session

from suyuan.cli import main
from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.trace.model import SoldCode
from suyuan.trace.zone import exits
from suyuan.trace.zone.exits import Buyer
from tests.factories import SECRET, code_urls, exit_filing, id_number, make_world, make_zone_batch


def test_the_ledger_report_and_its_exit_status(run: Any, session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    order = exits.declare_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        exit_filing([(batch, code_urls(session, runtime.ring, batch, 1, 2))]),
        secret=SECRET,
    )
    session.commit()
    text = run("zone", "ledger", str(batch.id))
    assert text.exit_code == 0 and "in_zone       3" in text.output and "written_off   2" in text.output
    data = json.loads(run("zone", "ledger", str(batch.id), "--json").output)
    assert [m["kind"] for m in data["movements"]] == ["entry", "write_off"] and data["balanced"]
    session.add(SoldCode(batch_id=batch.id, serial="5", exit_declaration_id=order.id))
    session.commit()
    unbalanced = run("zone", "ledger", str(batch.id))
    assert unbalanced.exit_code == 1 and "does not balance" in unbalanced.output
    missing = run("zone", "ledger", "9999")
    assert missing.exit_code == 2 and "[not_found]" in missing.output


def test_draw_regrade_and_anomalies(run: Any, session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    world.merchant.credit_grade = "D"
    for _ in range(3):
        make_zone_batch(session, world, runtime.ring, quantity=2, codes=0)
    session.commit()
    drawn = run("zone", "draw", "--seed", "cli-1")
    assert drawn.exit_code == 0 and "spot checks planned" in drawn.output
    regraded = run("zone", "regrade")
    assert f"enterprise {world.merchant.id}\tB" in regraded.output
    assert run("zone", "anomalies").output.strip() == "0 alerts"
    assert "zone" in run("--help").output


def test_anomaly_thresholds_come_from_the_settings(
    settings: Settings, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=4)
    buyer = Buyer(id_number=id_number(7), name="张三丰", address="深圳市南山区7号")
    for first in (1, 2):
        urls = code_urls(session, runtime.ring, batch, first, first)
        filing = exit_filing([(batch, urls)], buyer=buyer)
        exits.declare_exit(session, world.merchant_staff, runtime.ring, filing, secret=SECRET)
    session.commit()
    env = {
        "SUYUAN_DATABASE_URL": settings.database_url,
        "SUYUAN_INSTANCE_DIR": str(settings.instance_dir),
        "SUYUAN_SECRET_KEY": "cli-secret",
        "SUYUAN_KEY_PASSPHRASE": "cli-passphrase",
    }
    runner = CliRunner()
    assert runner.invoke(main, ["zone", "anomalies"], env=env).output.strip() == "0 alerts"
    strict = runner.invoke(main, ["zone", "anomalies"], env={**env, "SUYUAN_ANOMALY_ORDERS_PER_BUYER": "1"})
    assert strict.output.strip().endswith("1 alerts"), strict.output
