"""Test worlds on a real database: SQLite by default, PostgreSQL when SUYUAN_TEST_DATABASE_URL is set.

The schema is built once per session through the Alembic migrations (so they are tested too); every
test starts from empty tables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from suyuan.cli import main as cli_main
from suyuan.config import Settings
from suyuan.migrations import upgrade_database
from suyuan.runtime import Runtime
from suyuan.trace import accounts
from suyuan.trace.db import Base, make_engine
from suyuan.web import create_app

DATA = Path(__file__).resolve().parent / "data"  # third-party test material, licences beside it
PG_URL = os.environ.get("SUYUAN_TEST_DATABASE_URL")
# Production-strength password hashing and key sealing cost a second per test world; tests only need
# them to work, not to be slow (as healthchecks does with Django's MD5 hasher in tests).
TEST_KDF_ROUNDS = 1_000
accounts.PASSWORD_METHOD = "pbkdf2:sha256:1000"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database for this test session."""
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'suyuan-test.db'}"
    upgrade_database(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Leave every table empty after each test that touched the database."""
    yield
    if "engine" not in request.fixturenames:
        return
    eng: Engine = request.getfixturevalue("engine")
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def settings(database_url: str, engine: Engine, tmp_path: Path) -> Settings:
    """Settings of a test installation (the ``engine`` dependency enables table cleaning)."""
    return Settings(
        instance_dir=tmp_path,
        database_url=database_url,
        base_url="https://sy.example.cn",
        secret_key="test-secret-key",
        key_passphrase="test-key-passphrase",
        key_kdf_rounds=TEST_KDF_ROUNDS,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings)
    yield rt
    if "engine" in rt.__dict__:
        rt.engine.dispose()


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    """A session for arranging and inspecting; tests commit what they arrange."""
    with runtime.sessions() as db:
        yield db


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings, {"TESTING": True})
    yield application
    rt: Runtime = application.extensions["suyuan"]
    if "engine" in rt.__dict__:
        rt.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """The environment of a `suyuan` command run against the test installation (the same database)."""
    return {
        "SUYUAN_DATABASE_URL": settings.database_url,
        "SUYUAN_INSTANCE_DIR": str(settings.instance_dir),
        "SUYUAN_BASE_URL": settings.base_url,
        "SUYUAN_SECRET_KEY": "cli-secret",
        "SUYUAN_KEY_PASSPHRASE": "cli-passphrase",
        "SUYUAN_KEY_KDF_ROUNDS": str(TEST_KDF_ROUNDS),
    }


@pytest.fixture
def run(cli_env: dict[str, str]) -> Callable[..., Result]:
    """``run("zone", "ledger", "1")``: the CLI invoked in-process, exceptions not caught (a traceback
    fails the test)."""

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli_main, list(args), env=cli_env, catch_exceptions=False)

    return invoke
