"""WSGI entry point for external servers: ``gunicorn suyuan.web.wsgi:app``."""

from suyuan.web import create_app

app = create_app()
