"""How web tests sign in: a page session for a test user, or the header of an API token."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient


def login(app: Flask, client: FlaskClient, email: str) -> None:
    """Sign ``email`` in (the test users' password), with the form CSRF check off for the test's posts."""
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header of an API token."""
    return {"Authorization": f"Bearer {token}"}
