"""``suyuan lists``, ``suyuan risk`` and ``suyuan warehouse``: supervision from the command line."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import negative_list
from suyuan.trace.model import AuditEntry, RiskWarning
from tests.factories import make_batch, make_enterprise, make_world


def test_lists_are_kept_and_withdrawn_from_the_command_line(
    run: Any, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    rule = negative_list.add_entry(
        session, world.regulator, category="N1", kind="keyword", value="象牙", reason="x"
    )
    session.commit()
    added = run(
        "lists",
        "add",
        "--office",
        "SZ-QH",
        "--list",
        "key_supervision",
        "--match",
        "hs_prefix",
        "--value",
        "1901",
    )
    assert added.exit_code == 0 and "added key_supervision entry" in added.output
    assert "1901\tactive" in run("lists", "list", "--office", "SZ-QH").output
    entry_id = added.output.split("entry ")[1].split(":")[0]
    assert run("lists", "withdraw", "--office", "SZ-QH", entry_id).exit_code == 0
    assert "withdrawn" in run("lists", "list", "--office", "SZ-QH").output
    assert run("lists", "withdraw", "--office", "SZ-QH", entry_id).exit_code == 2  # already withdrawn
    assert run("lists", "withdraw", "--office", "SZ-QH", "--negative", str(rule.id)).exit_code == 0
    assert run("lists", "list", "--office", "XX").exit_code == 2
    assert "key_supervision_list.withdrawn" in session.scalars(select(AuditEntry.action)).all()


def test_risk_information_turns_into_a_warning_from_the_command_line(
    run: Any, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    store = make_enterprise(session, kind="warehouse")
    session.commit()
    recorded = run(
        "risk",
        "record",
        "--office",
        "SZ-QH",
        "--source",
        "foreign_notification",
        "--title",
        "RASFF",
        "--description",
        "Salmonella",
        "--batch",
        str(batch.id),
    )
    assert recorded.exit_code == 0
    info = recorded.output.split()[-1]
    assert (
        run(
            "risk", "warn", "--office", "SZ-QH", info, "--level", "danger", "--title", "t", "--body", "b"
        ).exit_code
        == 2
    )
    assert (
        run("risk", "assess", "--office", "SZ-QH", info, "--level", "high", "--rationale", "r").exit_code == 0
    )
    warned = run(
        "risk",
        "warn",
        "--office",
        "SZ-QH",
        info,
        "--level",
        "danger",
        "--title",
        "t",
        "--body",
        "b",
        "--hold-exits",
    )
    assert warned.exit_code == 0, warned.output
    assert session.scalars(select(RiskWarning.hold_exits)).all() == [True]
    assert "warning:" in run("risk", "list", "--office", "SZ-QH").output
    designated = run("warehouse", "designate", "--office", "SZ-QH", str(store.id))
    assert designated.exit_code == 0 and "active" in run("warehouse", "list", "--office", "SZ-QH").output
