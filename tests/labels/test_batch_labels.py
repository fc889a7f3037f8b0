"""Labels of real issued codes through the CLI, the API and the merchant page, proven by decoding."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zxingcpp
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from suyuan.cli import main
from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.trace import keys
from suyuan.trace.model import Batch
from tests.factories import code_urls, make_batch, make_world
from tests.labels.test_zpl import parse


@pytest.fixture
def world_batch(session: Session, runtime: Runtime) -> tuple[Any, Batch]:
    world = make_world(session, runtime.ring)
    return world, make_batch(session, world, runtime.ring, count=60)


@pytest.fixture
def cli(settings: Settings) -> Any:
    env = {
        "SUYUAN_DATABASE_URL": settings.database_url,
        "SUYUAN_INSTANCE_DIR": str(settings.instance_dir),
        "SUYUAN_BASE_URL": settings.base_url,
        "SUYUAN_KEY_PASSPHRASE": "test-key-passphrase",
    }

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def decode_pdf_with_pdftoppm(pdf: Path, tmp_path: Path) -> list[str]:
    """Print the PDF as images the way a printer driver would (pdftoppm, 300 dpi) and decode every page."""
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(pdf), str(tmp_path / "page")], check=True)
    texts: list[str] = []
    for page in sorted(tmp_path.glob("page*.png")):
        gray = np.asarray(Image.open(page))
        texts += [r.text for r in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)]
    return texts


def test_a_rendered_pdf_printed_at_300_dpi_yields_every_issued_code_exactly_once(
    cli: Any, world_batch: tuple[Any, Batch], session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    _, batch = world_batch
    out = tmp_path / "labels.pdf"
    result = cli(
        "labels",
        "render",
        "--batch",
        str(batch.id),
        "--template",
        "a4-4x10",
        "--format",
        "pdf",
        "-o",
        str(out),
        "--proof",
    )
    assert result.exit_code == 0, result.output
    assert "proof: PASS: 60/60" in result.output
    assert sorted(decode_pdf_with_pdftoppm(out, tmp_path)) == sorted(code_urls(session, runtime.ring, batch))


def test_zpl_output_carries_each_issued_url_in_its_bq_field(
    cli: Any, world_batch: tuple[Any, Batch], session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    _, batch = world_batch
    out = tmp_path / "labels.zpl"
    assert (
        cli(
            "labels",
            "render",
            "--batch",
            str(batch.id),
            "--first",
            "11",
            "--last",
            "20",
            "--template",
            "roll-50x30",
            "--format",
            "zpl",
            "-o",
            str(out),
        ).exit_code
        == 0
    )
    labels = parse(out.read_text(encoding="utf-8"))
    payloads = [data.removeprefix("MA,") for label in labels for cmds, data in label.fields if "^BQ" in cmds]
    assert payloads == code_urls(session, runtime.ring, batch, 11, 20)


def test_the_proof_refuses_a_sheet_whose_codes_no_longer_verify_and_writes_nothing(
    cli: Any, world_batch: tuple[Any, Batch], session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    world, _ = world_batch
    keys.revoke_key(session, world.regulator, "1", "leaked before printing", runtime.ring)
    session.commit()
    out = tmp_path / "labels.pdf"
    result = cli(
        "labels",
        "render",
        "--batch",
        "1",
        "--first",
        "1",
        "--last",
        "5",
        "--template",
        "a4-3x8",
        "--format",
        "pdf",
        "-o",
        str(out),
        "--proof",
    )
    assert result.exit_code == 1 and "FAIL" in result.output and "rejected 5" in result.output
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--template", "nope", "--format", "pdf"], "unknown label template"),
        (
            ["--template", "a4-3x8", "--format", "pdf", "--first", "50", "--last", "61"],
            "outside the issued range",
        ),
        (["--template", "a4-3x8", "--format", "zpl", "--proof"], "--proof works on pdf and png"),
    ],
)
def test_bad_label_requests_exit_2(
    cli: Any, world_batch: tuple[Any, Batch], tmp_path: Path, args: list[str], message: str
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = cli("labels", "render", "--batch", "1", "-o", str(out_dir / "x"), *args)
    assert result.exit_code == 2 and message in result.output
    assert not list(out_dir.iterdir())


def test_templates_are_listed_name_first(cli: Any) -> None:
    lines = cli("labels", "templates").output.splitlines()
    assert {line.split()[0] for line in lines} >= {"a4-3x8", "a4-4x10", "a4-2x7", "letter-3x10", "roll-50x30"}


def auth(world: Any, who: str = "merchant") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[who]}"}


def test_the_api_streams_label_files_and_proves_on_request(
    client: FlaskClient, world_batch: tuple[Any, Batch]
) -> None:
    world, batch = world_batch
    pdf = client.get(f"/api/v1/batches/{batch.id}/labels?template=a4-3x8&format=pdf", headers=auth(world))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    zipped = client.get(
        f"/api/v1/batches/{batch.id}/labels?template=a4-3x8&format=png&dpi=150", headers=auth(world)
    )
    assert zipped.mimetype == "application/zip" and zipped.data[:2] == b"PK"
    proved = client.get(
        f"/api/v1/batches/{batch.id}/labels?format=pdf&first=1&last=24&proof=1", headers=auth(world)
    )
    assert proved.status_code == 200 and proved.headers["X-Suyuan-Proof"].startswith("PASS: 24/24")
    templates = client.get("/api/v1/label-templates").json["templates"]
    assert {"a4-3x8", "roll-50x30"} <= {t["name"] for t in templates}


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("template=nope", 400, "unknown_template"),
        ("format=docx", 400, "unknown_format"),
        ("first=0", 400, "invalid_input"),
        ("last=61", 400, "invalid_input"),
        ("dpi=abc", 400, "invalid_input"),
        ("format=svg&proof=1", 400, "label_error"),
    ],
)
def test_bad_label_downloads_are_4xx(
    client: FlaskClient, world_batch: tuple[Any, Batch], query: str, status: int, code: str
) -> None:
    world, batch = world_batch
    response = client.get(f"/api/v1/batches/{batch.id}/labels?{query}", headers=auth(world))
    assert (response.status_code, response.json["error"]["code"]) == (status, code)


def test_millions_of_labels_through_the_web_are_refused_with_an_explanation(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1_000_000, quantity=1_000_000)
    response = client.get(f"/api/v1/batches/{batch.id}/labels", headers=auth(world))
    assert response.status_code == 400 and response.json["error"]["code"] == "too_many_labels"
    assert "suyuan labels render" in response.json["error"]["message"]


def test_other_merchants_labels_do_not_exist(client: FlaskClient, world_batch: tuple[Any, Batch]) -> None:
    world, batch = world_batch
    assert (
        client.get(f"/api/v1/batches/{batch.id}/labels", headers=auth(world, "merchant_b")).status_code == 404
    )
    assert client.get(f"/api/v1/batches/{batch.id}/labels").status_code == 401


def test_the_merchant_page_previews_the_first_page(
    app: Flask, client: FlaskClient, world_batch: tuple[Any, Batch]
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    _, batch = world_batch
    client.post("/login", data={"email": "staff@a.example", "password": "password1"})
    page = client.get(f"/merchant/labels?batch={batch.id}&template=a4-2x7&first=3&last=40").data.decode()
    assert 'data-test="preview"' in page and 'data-test="proof-form"' in page
    preview = client.get(f"/merchant/labels/preview.png?batch={batch.id}&template=a4-2x7&first=3&last=40")
    image = Image.open(io.BytesIO(preview.data))
    found = zxingcpp.read_barcodes(np.asarray(image.convert("L")), formats=zxingcpp.BarcodeFormat.QRCode)
    assert preview.mimetype == "image/png" and len(found) == 14
    bad = client.get(f"/merchant/labels?batch={batch.id}&first=70").data.decode()
    assert 'data-test="label-error"' in bad
