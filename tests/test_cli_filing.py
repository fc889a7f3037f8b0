"""``suyuan enterprise filing`` and ``suyuan enterprise document add|list|get``: the contents of a filing from
the server's shell (R6), with the domain's refusals as ``error: …`` and exit status 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from tests.factories import make_world

PDF = b"%PDF-1.7\n% a licence\n%%EOF\n"


def test_documents_go_on_file_are_listed_and_come_back_byte_for_byte(
    run: Callable[..., Result], session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    world = make_world(session, runtime.ring, with_key=False)
    enterprise = str(world.merchant.id)
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(PDF)
    before = run("enterprise", "filing", enterprise)
    assert before.exit_code == 0
    assert "business_licence\tmissing" in before.output and "org_code_certificate\tin_uscc" in before.output
    assert f"organisation code {world.merchant.org_code}" in before.output

    added = run(
        "enterprise", "document", "add", enterprise, "--kind", "business_licence", "--file", str(licence)
    )
    assert added.exit_code == 0, added.output
    assert (
        "added document 1" in added.output
        and "营业执照.pdf" in added.output
        and "application/pdf" in added.output
    )
    named = run(
        "enterprise", "document", "add", enterprise, "--kind", "quality_commitment", "--file", str(licence),
        "--name", "承诺书.pdf",
    )  # fmt: skip
    assert named.exit_code == 0 and "承诺书.pdf" in named.output

    listing = run("enterprise", "document", "list", enterprise).output.splitlines()
    assert [line.split("\t")[1] for line in listing] == ["quality_commitment", "business_licence"]
    after = run("enterprise", "filing", enterprise).output
    assert "business_licence\ton_file\tdocument 1 营业执照.pdf" in after
    assert "missing: quality_management_system, traceability_system, risk_recall_system" in after

    out = tmp_path / "copy.pdf"
    got = run("enterprise", "document", "get", "1", "--out", str(out))
    assert got.exit_code == 0 and out.read_bytes() == PDF


def test_bad_documents_are_refused_with_status_2(
    run: Callable[..., Result], session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    world = make_world(session, runtime.ring, with_key=False)
    enterprise = str(world.merchant.id)
    page = tmp_path / "licence.pdf"
    page.write_bytes(b"<html>not a pdf</html>")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-" + b"0" * (10 * 1024 * 1024))
    good = tmp_path / "good.pdf"
    good.write_bytes(PDF)
    for args, message in (
        (["add", enterprise, "--kind", "business_licence", "--file", str(page)], "only PDF, JPEG or PNG"),
        (["add", enterprise, "--kind", "business_licence", "--file", str(empty)], "the file is empty"),
        (["add", enterprise, "--kind", "business_licence", "--file", str(big)], "larger than 10 MB"),
        (["add", enterprise, "--kind", "first_inquiry_system", "--file", str(good)], "does not file"),
        (
            ["add", "99999", "--kind", "business_licence", "--file", str(good)],
            "enterprise 99999 does not exist",
        ),
        (["get", "99999", "--out", str(tmp_path / "x")], "enterprise document 99999 does not exist"),
    ):
        result = run("enterprise", "document", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "Traceback" not in result.output
    assert (
        run("enterprise", "document", "add", enterprise, "--kind", "passport", "--file", str(good)).exit_code
        == 2
    )
    assert run("enterprise", "document", "list", enterprise).output == ""
