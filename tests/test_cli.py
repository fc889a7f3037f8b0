"""The ``suyuan`` command: contract commands, clear errors with exit status 2, failures with 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.orm import Session

from suyuan.cli import main
from suyuan.config import Settings
from suyuan.trace.codes import parse_code


def test_help_lists_the_contract_commands(run: Any) -> None:
    out = run("--help").output
    for command in ("db", "demo", "serve", "audit", "enterprise", "product", "keys", "codes", "verify"):
        assert command in out


def test_demo_json_has_the_contract_shape_and_is_idempotent(run: Any) -> None:
    assert run("db", "upgrade").exit_code == 0
    first = json.loads(run("demo", "--json").output)
    assert set(first) >= {"base_url", "tokens", "batches", "sample_codes"}
    assert set(first["tokens"]) == {"regulator", "merchant", "merchant_b"}
    assert {"id", "gtin", "lot", "merchant"} <= set(first["batches"][0])
    assert {b["merchant"] for b in first["batches"]} == {"merchant", "merchant_b"}
    assert all(parse_code(u).kid for u in first["sample_codes"])
    second = json.loads(run("demo", "--json").output)
    assert second == first
    assert run("audit", "verify").exit_code == 0


def test_the_demo_batches_are_released_with_at_least_100_codes(run: Any, session: Session) -> None:
    info = json.loads(run("demo", "--json").output)
    released = [b for b in info["batches"] if b["status"] == "released"]
    assert len(released) >= 6
    listing = run("batch", "list").output
    assert "200/5000 codes" in listing
    products = run("product", "list").output
    assert "refused" in products and "filed" in products and "admitted_with_disclosure" in products


def test_audit_verify_exits_1_and_names_the_broken_entry(run: Any, session: Session) -> None:
    run("demo", "--json")
    session.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 5"))
    session.commit()
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "entry 5" in result.output and "altered" in result.output


def test_audit_checkpoint_anchors_the_log_against_truncation(
    run: Any, session: Session, tmp_path: Path
) -> None:
    run("demo", "--json")
    signed = run("audit", "checkpoint")
    assert signed.exit_code == 0 and "signed with key" in signed.output
    assert "nothing to sign" in run("audit", "checkpoint").output
    intact = run("audit", "verify")
    assert intact.exit_code == 0 and "1 checkpoints verified" in intact.output
    kept = tmp_path / "checkpoint.json"
    kept.write_text(session.scalar(text("SELECT jws FROM audit_checkpoint")))
    total = session.scalar(text("SELECT max(seq) FROM audit_entry"))
    session.execute(text("DELETE FROM audit_entry WHERE seq > :n"), {"n": total - 2})
    session.execute(text("DELETE FROM audit_checkpoint"))
    session.commit()
    assert run("audit", "verify").exit_code == 0  # the rows are gone: only the kept copy can tell
    cut = run("audit", "verify", "--checkpoint", str(kept))
    assert cut.exit_code == 1
    assert f"covers {total} entries, the log has {total - 2}" in cut.output and "truncated" in cut.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "enterprise",
                "add",
                "--kind",
                "merchant",
                "--name",
                "X",
                "--uscc",
                "91350100M000100Y44",
                "--office",
                "SZ-QH",
            ],
            "check character",
        ),
        (
            [
                "enterprise",
                "add",
                "--kind",
                "merchant",
                "--name",
                "X",
                "--uscc",
                "91350100M000100Y43",
                "--office",
                "NOPE",
            ],
            "office 'NOPE' does not exist",
        ),
        (["product", "admit", "99999"], "does not exist"),
        (["codes", "issue", "--batch", "1", "--count", "0"], "count must be"),
        (["keys", "revoke", "77", "--reason", "x"], "no key"),
        (["batch", "add", "--product", "1", "--lot", "批次", "--quantity", "5"], "lot"),
    ],
)
def test_bad_input_is_a_message_and_exit_status_2(run: Any, args: list[str], message: str) -> None:
    run("demo", "--json")
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_product_add_reads_a_json_filing_and_refuses_bad_files(run: Any, tmp_path: Path) -> None:
    run("demo", "--json")
    good = tmp_path / "p.json"
    good.write_text(
        json.dumps(
            {
                "gtin": "4006381333931",
                "name": "Test kettle",
                "hs_code": "8516.10",
                "category": "appliance",
                "manufacturer": "Acme",
                "origin_country": "DE",
                "supplier_name": "Acme GmbH",
                "supplier_country": "DE",
                "documents": [{"kind": "ccc_certificate", "valid_until": "2099-01-01"}],
            }
        )
    )
    result = run("product", "add", "--enterprise", "1", "--file", str(good))
    assert result.exit_code == 0 and "filed" in result.output
    again = run("product", "add", "--enterprise", "1", "--file", str(good))
    assert again.exit_code == 2 and "already filed" in again.output
    broken = tmp_path / "b.json"
    broken.write_text("{not json")
    assert run("product", "add", "--enterprise", "1", "--file", str(broken)).exit_code == 2
    wrong = tmp_path / "w.json"
    wrong.write_text(json.dumps({"gtin": 123}))
    assert "gtin must be a str" in run("product", "add", "--enterprise", "1", "--file", str(wrong)).output


def test_keys_codes_and_offline_verify(run: Any, tmp_path: Path) -> None:
    info = json.loads(run("demo", "--json").output)
    batch = info["batches"][0]["id"]
    assert "issued serials 201-210" in run("codes", "issue", "--batch", str(batch), "--count", "10").output
    urls = run("codes", "export", "--batch", str(batch), "--first", "209", "--last", "210").output.split()
    assert len(urls) == 2
    jwks = tmp_path / "jwks.json"
    jwks.write_text(run("keys", "jwks").output)
    ok = run("verify", *urls, "--jwks", str(jwks), "--json")
    assert ok.exit_code == 0
    assert [json.loads(line)["verdict"] for line in ok.output.splitlines()] == ["genuine", "genuine"]
    tampered = urls[0].replace("/21/209?", "/21/208?")
    bad = run("verify", tampered, "--jwks", str(jwks))
    assert bad.exit_code == 1 and "counterfeit" in bad.output and "bad_signature" in bad.output
    assert "rotated: key 2" in run("keys", "rotate").output
    assert "revoked key 1" in run("keys", "revoke", "1", "--reason", "leak").output
    jwks.write_text(run("keys", "jwks").output)
    assert "revoked" in run("verify", urls[0], "--jwks", str(jwks)).output
    (tmp_path / "junk.json").write_text("[]")
    junk = run("verify", urls[0], "--jwks", str(tmp_path / "junk.json"))
    assert junk.exit_code == 2 and "keys" in junk.output
    assert run("verify", urls[0], "--jwks", str(tmp_path / "missing.json")).exit_code == 2


def test_a_wrong_key_passphrase_is_a_clear_error(run: Any, settings: Settings) -> None:
    run("demo", "--json")
    runner = CliRunner()
    env = {
        "SUYUAN_DATABASE_URL": settings.database_url,
        "SUYUAN_INSTANCE_DIR": str(settings.instance_dir),
        "SUYUAN_KEY_PASSPHRASE": "wrong",
        "SUYUAN_KEY_KDF_ROUNDS": "1000",
    }
    result = runner.invoke(main, ["codes", "export", "--batch", "1"], env=env)
    assert result.exit_code == 2 and "cannot be decrypted" in result.output
