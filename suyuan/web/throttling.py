"""Throttles at the web edge: who the client is, and a decorator that limits a view per client.

The client is ``request.remote_addr``. With ``SUYUAN_TRUSTED_PROXIES=0`` (the default) that is the
peer of the connection and a client's ``X-Forwarded-For`` is ignored; with ``n > 0`` the app is
wrapped in Werkzeug's ``ProxyFix`` (see :mod:`suyuan.web.security_headers`), which takes the address
the ``n``-th proxy saw from ``X-Forwarded-For``. Addresses are never stored: throttle keys are keyed
hashes (:func:`suyuan.trace.throttle.throttle_key`) under a salt derived from the secret key.

Use :func:`throttled` on a view (``@throttled("scan-image", 20, timedelta(minutes=1))``); a caller
over the limit gets 429 with ``Retry-After`` from :mod:`suyuan.web.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import request

from suyuan.trace import throttle
from suyuan.trace.throttle import Limit
from suyuan.web import runtime

F = TypeVar("F", bound=Callable[..., Any])


def hashed_key(scope: str, value: str) -> str:
    """The throttle key of ``value`` (an e-mail, an address) in ``scope``, under this installation's salt."""
    return throttle.throttle_key(runtime().settings.secret_key, scope, value)


def client_key(scope: str) -> str:
    """The throttle key of the calling client's address in ``scope``."""
    return hashed_key(scope, request.remote_addr or "unknown")


def count_attempt(attempts: Sequence[tuple[str, Limit]]) -> None:
    """Count one attempt under each (key, limit) in one unit of work; raise ``Throttled`` if any is over.

    All or nothing: a refused attempt counts under none of its keys. When an attempt opens a new
    window, buckets of long-gone windows are purged in a unit of their own.
    """
    rt = runtime()
    with rt.transaction() as db:
        opened = [throttle.hit(db, key, limit) == 1 for key, limit in attempts]
    if any(opened):
        with rt.transaction() as db:
            throttle.purge(db)


def forgive_attempt(keys: Sequence[str]) -> None:
    """Take back one counted attempt under each key (e.g. after a sign-in succeeded)."""
    with runtime().transaction() as db:
        for key in keys:
            throttle.forgive(db, key)


def throttled(scope: str, hits: int, window: timedelta) -> Callable[[F], F]:
    """Allow each client address at most ``hits`` calls of the view per ``window`` (else 429).

    The count is taken before the view reads the request, so refused calls cost next to nothing.
    """
    limit = Limit(hits, window)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            count_attempt([(client_key(scope), limit)])
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
