"""Downloads that sign while they stream fail cleanly, before the first byte, when keys cannot be opened.

Row 30 of the December security review: with a wrong key passphrase, label files and the codes CSV
answered a bare 500 (the error was raised inside the streaming generator). They must answer 503
``key_unavailable`` as JSON, like every other call that needs the keys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.web import create_app
from tests.factories import make_batch, make_world


@pytest.fixture
def wrong_passphrase_app(settings: Settings) -> Iterator[Flask]:
    application = create_app(dataclasses.replace(settings, key_passphrase="wrong"), {"TESTING": True})
    yield application
    rt: Runtime = application.extensions["suyuan"]
    if "engine" in rt.__dict__:
        rt.engine.dispose()


@pytest.mark.parametrize("download", ["codes?format=csv", "labels?format=pdf", "labels?format=zpl"])
def test_a_streamed_download_answers_503_when_the_keys_cannot_be_unsealed(
    download: str, wrong_passphrase_app: Flask, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=5)
    headers = {"Authorization": f"Bearer {world.tokens['merchant']}"}
    response = wrong_passphrase_app.test_client().get(
        f"/api/v1/batches/{batch.id}/{download}", headers=headers
    )
    assert response.status_code == 503
    assert response.json is not None and response.json["error"]["code"] == "key_unavailable"


def test_the_same_downloads_stream_with_the_right_passphrase(
    session: Session, runtime: Runtime, app: Flask
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=5)
    headers = {"Authorization": f"Bearer {world.tokens['merchant']}"}
    response = app.test_client().get(f"/api/v1/batches/{batch.id}/codes?format=csv", headers=headers)
    assert response.status_code == 200 and response.get_data(as_text=True).count("\n") == 6
