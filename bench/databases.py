"""Bench installations: dedicated PostgreSQL databases (created if missing, emptied, migrated) and the
runtime over a bench database.

One place for what every benchmark needs, with one guard: the test suite's databases and ``postgres``
itself are never reset, whatever URL a benchmark is given.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import make_url, text

from suyuan.config import Settings
from suyuan.migrations import upgrade_database
from suyuan.runtime import Runtime
from suyuan.trace.db import make_engine

PROTECTED = (None, "", "test", "test_lead", "postgres")
SECRET = "bench-secret-key"


def reset_postgres(url: str) -> None:
    """Create the bench database if missing and empty its public schema (no migration)."""
    target = make_url(url)
    if target.database in PROTECTED:
        raise SystemExit(f"refusing to reset database {target.database!r}: use a dedicated bench database")
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fresh_postgres(url: str) -> str:
    """:func:`reset_postgres`, then migrate to the latest revision; returns ``url``."""
    reset_postgres(url)
    upgrade_database(url)
    return url


def runtime_for(url: str, tmp: Path) -> Runtime:
    """A runtime with fixed bench secrets and cheap key sealing (bench databases hold nothing real)."""
    return Runtime(
        Settings(
            instance_dir=tmp,
            database_url=url,
            base_url="https://sy.example.cn",
            secret_key=SECRET,
            key_passphrase="bench-key-passphrase",
            key_kdf_rounds=1000,
        )
    )
