"""Web hardening that applies to every response: the app's one public origin and security headers.

- **One origin.** The app knows itself only by ``SUYUAN_BASE_URL``: :class:`PublicOrigin` replaces
  the request's ``Host`` and scheme with the base URL's before Flask sees them, so absolute URLs
  (``url_for(_external=True)``, ``request.host_url``: the JWKS's revocation-list URL, statement URLs,
  ``linkType`` redirects) never name a host an attacker sent, and routing works for any ``Host``.
  ``request.is_secure`` is then true exactly when the base URL is https, which makes cookies
  ``Secure``.
- **Proxies.** With ``SUYUAN_TRUSTED_PROXIES=n > 0`` the app is wrapped in Werkzeug's ``ProxyFix``
  (``x_for=n, x_proto=n``): the client address comes from the ``n``-th proxy's ``X-Forwarded-For``.
  With 0 (the default) that header is the client's own and ignored.
- **Headers.** A Content-Security-Policy without ``unsafe-inline`` (scripts and styles are files
  under ``static/``; ``'wasm-unsafe-eval'`` lets those scripts compile WebAssembly, the camera's QR
  decoder in ``static/vendor/zxing-wasm/``, and nothing else), no framing at all, ``nosniff``, a
  same-origin referrer (code URLs carry signatures that must not leak to other sites), the camera for
  this origin only, and HSTS when the base URL is https.
- **CSRF.** Page forms carry Flask-WTF's session-bound token; cookie callers of the JSON API send it
  as ``X-CSRFToken`` (:func:`suyuan.web.auth.current_actor`). Flask-WTF's extra https-only Referer
  check (``WTF_CSRF_SSL_STRICT``) is off: it adds nothing to the token and would lock out browsers
  and privacy tools that drop the Referer.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from suyuan.config import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000; includeSubDomains"

# With ``nosniff`` a file is only what its Content-Type says: browsers compile WebAssembly as it streams
# in only when served as application/wasm, which a host's mime.types may not know.
mimetypes.add_type("application/wasm", ".wasm")


class PublicOrigin:
    """WSGI middleware: every request is seen as addressed to the base URL's scheme and host.

    The ``Host`` a client sent is kept as ``suyuan.sent_host`` for logs, never used to build URLs.
    """

    def __init__(self, app: WSGIApplication, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the base URL must be http(s)://host[:port][/path], got {base_url!r}")
        self.app = app
        self.scheme = parts.scheme
        self.host = parts.netloc.lower()
        self.server_name = parts.hostname
        self.port = str(parts.port or (443 if parts.scheme == "https" else 80))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["suyuan.sent_host"] = environ.get("HTTP_HOST", "")
        environ["HTTP_HOST"] = self.host
        environ["SERVER_NAME"] = self.server_name
        environ["SERVER_PORT"] = self.port
        environ["wsgi.url_scheme"] = self.scheme
        return self.app(environ, start_response)


def install(app: Flask, settings: Settings) -> None:
    """Pin the app to its base URL, trust the configured proxies, and add the headers to every response.

    A view may set a stricter header of its own (a served file's ``Content-Security-Policy: default-src
    'none'``); the app-wide value fills in only what the view left unset.
    """
    https = settings.base_url.startswith("https://")
    wsgi: Any = PublicOrigin(app.wsgi_app, settings.base_url)
    if settings.trusted_proxies > 0:
        n = settings.trusted_proxies
        wsgi = ProxyFix(wsgi, x_for=n, x_proto=n)
    app.wsgi_app = wsgi  # type: ignore[method-assign]

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
