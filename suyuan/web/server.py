"""Serving the app with gunicorn, the production WSGI server, from ``suyuan serve``."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """Gunicorn configured in code, so ``suyuan serve`` needs no config file."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def run_gunicorn(host: str, port: int, workers: int) -> None:
    """Serve until interrupted; each worker opens its own database connections."""
    from suyuan.web import create_app

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "accesslog": "-",
        "timeout": 120,
        "forwarded_allow_ips": "127.0.0.1",
    }
    _Gunicorn(create_app(), options).run()
