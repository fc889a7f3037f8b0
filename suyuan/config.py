"""Configuration read from the environment, with safe defaults.

It lives outside ``suyuan.web`` because the CLI, the domain services and the web app all need the
same settings, and only the web app knows Flask. Secrets are never in code: when
``SUYUAN_SECRET_KEY`` is not set, a random key is generated once and kept in the instance folder.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Settings:
    """Everything Suyuan reads from its environment, resolved to concrete values."""

    instance_dir: Path
    database_url: str
    base_url: str
    secret_key: str
    key_passphrase: str | None = None
    key_file: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (default: ``os.environ``), creating the instance folder."""
        env = dict(os.environ if environ is None else environ)
        instance_dir = Path(env.get("SUYUAN_INSTANCE_DIR") or Path.cwd() / "instance").resolve()
        instance_dir.mkdir(parents=True, exist_ok=True)
        database_url = env.get("SUYUAN_DATABASE_URL") or f"sqlite:///{instance_dir / 'suyuan.db'}"
        key_file = env.get("SUYUAN_KEY_FILE")
        return cls(
            instance_dir=instance_dir,
            database_url=database_url,
            base_url=(env.get("SUYUAN_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            secret_key=env.get("SUYUAN_SECRET_KEY") or _instance_secret(instance_dir),
            key_passphrase=env.get("SUYUAN_KEY_PASSPHRASE") or None,
            key_file=Path(key_file) if key_file else None,
        )


def _instance_secret(instance_dir: Path) -> str:
    """Return a per-instance random secret, created with 0600 permissions on first use.

    A fixed default secret would let anyone forge session cookies on an installation that forgot
    to configure one; a generated, persisted one is safe and survives restarts.
    """
    path = instance_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
