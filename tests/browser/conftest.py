"""A real server on loopback and Debian's headless chromium driven by Playwright.

Browser tests run when ``SUYUAN_BROWSER_TESTS=1`` (CI) — then a missing chromium is a failure — or
whenever /usr/bin/chromium exists; otherwise they are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
REQUIRED = os.environ.get("SUYUAN_BROWSER_TESTS") == "1"
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on an ephemeral loopback port for the duration of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless chromium (no sandbox: CI runs as root), closed after the test."""
    if not shutil.which(CHROMIUM):
        if REQUIRED:
            pytest.fail(f"SUYUAN_BROWSER_TESTS=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed; set SUYUAN_BROWSER_TESTS=1 in CI")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=list(LAUNCH_ARGS),
        )
        watched = PolicyWatch(instance)
        try:
            yield watched
        finally:
            instance.close()
        assert not watched.violations, "Content-Security-Policy violations:\n" + "\n".join(watched.violations)


class PolicyWatch:
    """The browser, with every new context's console watched for Content-Security-Policy violations.

    A page that still had an inline script or style would work in the test yet be broken in production
    under the CSP; chromium reports each refusal as a console error, which fails the test.
    """

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.violations: list[str] = []

    def new_context(self, **options: Any) -> Any:
        """A context of the browser whose pages' CSP refusals are collected."""
        context = self._browser.new_context(**options)
        context.on("console", self._console)
        return context

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)
