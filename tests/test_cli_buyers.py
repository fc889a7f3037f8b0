"""`suyuan zone buyers`: an office watches, blocks and lifts buyers from the command line (R66/R67)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.zone import exits, quotas
from suyuan.trace.zone.exits import Buyer
from tests.factories import SECRET, code_urls, exit_filing, id_number, make_world, make_zone_batch


def test_an_office_blocks_lists_and_lifts_a_buyer(run: Any, session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=3)
    urls = code_urls(session, runtime.ring, batch)
    exits.declare_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        exit_filing([(batch, urls[:1])], buyer=Buyer(id_number(1), "王五")),
        secret=SECRET,
    )
    session.commit()
    buyer, office = quotas.buyer_hash(SECRET, id_number(1)), world.office.code
    restrict = ("zone", "buyers", "restrict", buyer, "--office", office, "--level", "block")
    done = run(*restrict, "--reason", "拆单")
    assert done.exit_code == 0 and "block 王* #" in done.output
    assert "\tblock\t王* #" in run("zone", "buyers", "list", "--office", office).output
    again = run(*restrict, "--reason", "again")
    assert again.exit_code == 2 and "already under 'block'" in again.output
    restriction_id = done.output.split()[1].rstrip(":")
    lifted = run("zone", "buyers", "lift", restriction_id, "--office", office, "--reason", "已整改")
    assert lifted.exit_code == 0 and "lifted" in lifted.output
    assert run("zone", "buyers", "list", "--office", office).output == ""
    assert "lifted" in run("zone", "buyers", "list", "--office", office, "--all").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("restrict", "nothex", "--office", "SZ-QH", "--level", "block", "--reason", "x"), "buyer reference"),
        (("restrict", "a" * 64, "--office", "SZ-QH", "--level", "block", "--reason", "x"), "no order"),
        (("restrict", "a" * 64, "--office", "NOPE", "--level", "block", "--reason", "x"), "no office"),
        (("restrict", "a" * 64, "--office", "SZ-QH", "--level", "ban", "--reason", "x"), "Invalid value"),
        (("lift", "999", "--office", "SZ-QH", "--reason", "x"), "not found"),
    ],
)
def test_bad_input_gets_a_clear_message(
    run: Any, session: Session, runtime: Runtime, args: tuple[str, ...], message: str
) -> None:
    make_world(session, runtime.ring)
    result = run("zone", "buyers", *args)
    assert result.exit_code in (1, 2) and message in result.output, result.output
    assert "Traceback" not in result.output
