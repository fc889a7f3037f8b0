"""Configuration read from the environment, with safe defaults.

It lives outside ``suyuan.web`` because the CLI, the domain services and the web app all need the
same settings, and only the web app knows Flask. Secrets are never in code: when
``SUYUAN_SECRET_KEY`` is not set, a random key is generated once and kept in the instance folder.

The environment is read here and only here, once per process (:meth:`Settings.from_env`): the rest of
the code gets what it needs from the :class:`Settings` object, never from ``os.environ``. The one
exception is ``SUYUAN_LABEL_FONT``, read by ``suyuan.labels.fonts`` when the process first needs the
label font: the font is a process-wide resource, parsed once, for renderers that hold no settings.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_SCAN_DELAY_MS = 50  # a crash loses at most this much of a worker's scans (docs/operations.md)
# Policy settings, only collected here: the rules that own them (ZoneRules, ComplaintLimits) know their
# names, defaults and checks.
POLICY_PREFIXES = ("SUYUAN_QUOTA_", "SUYUAN_ANOMALY_", "SUYUAN_COMPLAINTS_", "SUYUAN_RETURN_DAYS")


@dataclass(frozen=True)
class Settings:
    """Everything Suyuan reads from its environment, resolved to concrete values."""

    instance_dir: Path
    database_url: str
    base_url: str
    secret_key: str
    key_passphrase: str | None = None
    key_file: Path | None = None
    key_kdf_rounds: int = 600_000
    # Reverse proxies in front of the app that set X-Forwarded-For and X-Suyuan-Region; with 0 (the
    # default) those headers come from the client and are ignored (docs/operations.md, Security).
    trusted_proxies: int = 0
    # Scans are written by a per-process background writer every this many milliseconds (0: at once, in
    # the request). From the environment the default is 50 (docs/operations.md, "Scan writes"); settings
    # built in code (tests, scripts) write at once unless they say otherwise.
    scan_write_delay_ms: int = 0
    # Policy settings by environment name (POLICY_PREFIXES): quotas, anomaly thresholds, complaint limits.
    policy: dict[str, str] = field(default_factory=dict)

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
            key_kdf_rounds=_positive_int(env.get("SUYUAN_KEY_KDF_ROUNDS"), 600_000),
            trusted_proxies=_whole_number(env.get("SUYUAN_TRUSTED_PROXIES"), 0),
            scan_write_delay_ms=_whole_number(env.get("SUYUAN_SCAN_WRITE_DELAY_MS"), DEFAULT_SCAN_DELAY_MS),
            policy={name: value for name, value in env.items() if name.startswith(POLICY_PREFIXES)},
        )


def _positive_int(text: str | None, default: int) -> int:
    """An integer setting; a malformed value is a configuration error, said at start-up."""
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"expected a positive whole number, got {text!r}")
    return int(text)


def _whole_number(text: str | None, default: int) -> int:
    """A count setting that may be zero; a malformed value is a configuration error, said at start-up."""
    if not text:
        return default
    if not text.isdigit():
        raise ValueError(f"expected a whole number, got {text!r}")
    return int(text)


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


class KeyPassphraseError(RuntimeError):
    """The key passphrase cannot be read safely (e.g. a key file readable by others)."""


def key_passphrase(settings: Settings) -> bytes:
    """The passphrase that encrypts signing keys at rest.

    From ``SUYUAN_KEY_PASSPHRASE``, else from ``SUYUAN_KEY_FILE`` (which must not be readable by group
    or others), else from ``key_passphrase`` in the instance folder, created 0600 on first use so a
    development install is safe without configuration.
    """
    if settings.key_passphrase:
        return settings.key_passphrase.encode("utf-8")
    path = settings.key_file or settings.instance_dir / "key_passphrase"
    if settings.key_file is None and not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    try:
        mode = path.stat().st_mode & 0o777
    except OSError as exc:
        raise KeyPassphraseError(f"cannot read the key file {path}: {exc.strerror}") from exc
    if mode & 0o077:
        raise KeyPassphraseError(f"the key file {path} must have 0600 permissions (it has {mode:04o})")
    text = path.read_text().strip()
    if not text:
        raise KeyPassphraseError(f"the key file {path} is empty")
    return text.encode("utf-8")
