"""Code scans answered in front of Flask: a plain WSGI callable for `GET /01/{gtin}/10/{lot}/21/{serial}`.

Why: once a scan needs one read or none (:mod:`suyuan.trace.scan_path`), Flask around it is most of its
cost — routing, the request and response objects, context push and pop, the cookie session, the
after-request hooks (about 0.5 ms of a 1.4 ms scan; docs/benchmarks.md, "Scan path"). This callable sits
outermost in the app's WSGI stack (:func:`install`) and answers the one request that grows with every
item sold: a code of Suyuan's own shape (:func:`suyuan.trace.codes.read_own_code`), asked for as the
JSON verdict or as the page, whose verdict the fast lane can give (a genuine code of a batch on sale
that this process has seen). It returns ``None`` for everything else before anything is recorded, and
Flask answers as before: other paths and methods, ``linkType``, linksets, malformed or foreign codes,
signed-in visitors (their page has another menu), unknown batches, counterfeits, recalls, revocations.

Same bytes as Flask: it uses the same pieces the Flask view uses (the resolver's URL, device cookie,
region and language rules, the verdict document, the security headers, the cookie session and the CSRF
token of Flask-WTF), and ``tests/web/test_scan_fast_path.py`` compares both answers byte for byte for
every verdict and both languages. The page is rendered by Flask's own template once per batch,
language and shape of verdict into a *skeleton* whose per-scan values (serial, code URL, count, first
scan, CSRF token, language link) are left as slots (:class:`ScanPages`); a scan fills the slots.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, g
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import escape
from werkzeug.datastructures import LanguageAccept, MIMEAccept
from werkzeug.http import dump_cookie, parse_accept_header
from werkzeug.wrappers import Request

from suyuan.runtime import Runtime
from suyuan.trace.codes import MAX_URL_LENGTH, CodeId, read_own_code
from suyuan.trace.model import Batch, RiskWarning
from suyuan.trace.scanning import CodeCheck
from suyuan.web import choose_locale, language_url
from suyuan.web.consumer import (
    DEVICE_COOKIE,
    LINKSET,
    cached_warnings,
    device_of,
    region_of,
    render_scan_page,
    requested_url,
    verdict_document,
)
from suyuan.web.display import beijing
from suyuan.web.security_headers import HEADERS, HSTS

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

LANG_COOKIE_AGE = 365 * 86400  # as consumer._remember_choices sets them
DEVICE_COOKIE_AGE = 2 * 365 * 86400
_PARSED_HEADERS_KEPT = 512  # distinct Accept / Accept-Language values remembered per process


def install(app: Flask) -> None:
    """Put the fast path in front of the app's WSGI stack (outermost: it needs no proxy or origin fix-up)."""
    app.wsgi_app = ScanFastPath(app, app.wsgi_app)  # type: ignore[method-assign]


@dataclass(frozen=True)
class _Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class ScanFastPath:
    """The WSGI callable: a scan answered here, or the request handed on to ``inner`` (Flask) untouched."""

    def __init__(self, app: Flask, inner: WSGIApplication) -> None:
        self.app = app
        self.inner = inner
        self.rt: Runtime = app.extensions["suyuan"]
        base = urlsplit(self.rt.settings.base_url)
        self.secure = base.scheme == "https"  # request.is_secure behind PublicOrigin
        self.security = list(HEADERS.items()) + ([("Strict-Transport-Security", HSTS)] if self.secure else [])
        self.sessions = _CookieSession(app)
        self.pages = ScanPages(app, f"{base.scheme}://{base.netloc.lower()}")
        self._statement_urls: dict[int, str] = {}
        self._wanted: dict[str, str] = {}
        self._languages: dict[str, LanguageAccept] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO", "").startswith("/01/"):
            answer = self.answer(environ)
            if answer is not None:
                start_response(answer.status, answer.headers)
                return [answer.body]
        return self.inner(environ, start_response)

    def answer(self, environ: WSGIEnvironment) -> _Answer | None:
        """The response to a scan the fast lane can answer, else ``None`` (then nothing was recorded)."""
        if environ.get("SCRIPT_NAME"):
            return None  # mounted under a prefix: Flask builds the URLs
        sent = Request(environ)
        url = requested_url(sent, self.rt.code_base)
        parsed = read_own_code(url) if len(url) <= MAX_URL_LENGTH else None
        if parsed is None or "linkType" in sent.args:
            return None
        wanted = self.wanted(environ.get("HTTP_ACCEPT", ""))
        page: _PageRequest | None = None
        if wanted == "html":
            page = self.page_request(sent)
            if page is None:
                return None
        elif wanted != "json":
            return None
        cookie = sent.cookies.get(DEVICE_COOKIE, "")
        device, new_device = device_of(self.rt.settings.secret_key, cookie, issue=page is not None)
        region = region_of(self.rt.settings.trusted_proxies, environ.get("HTTP_X_SUYUAN_REGION", ""))
        try:
            check = self.rt.scan_path.record(parsed, device=device, region=region)
        except Exception:  # nothing was recorded: the full path answers, and reports the failure
            log.warning("scan fast path failed; the full path answers", exc_info=True)
            return None
        if check is None:
            return None
        headers = [
            ("Link", f'<{_linkset_url(url)}>; rel="linkset"; type="{LINKSET}"'),
            ("Cache-Control", "no-store"),
        ]
        if page is None:
            body = self.json_body(check)
            return self._ok("application/json", body, [*headers, ("Vary", "Accept"), *self.security])
        headers.append(("Vary", "Accept, Cookie"))
        if page.remember_lang:
            headers.append(("Set-Cookie", self.cookie("lang", page.remember_lang, LANG_COOKIE_AGE, False)))
        if new_device:
            headers.append(("Set-Cookie", self.cookie(DEVICE_COOKIE, new_device, DEVICE_COOKIE_AGE, True)))
        headers.extend(self.security)
        token, session_cookie = self.sessions.csrf(page.session)
        if session_cookie is not None:
            headers.append(("Set-Cookie", session_cookie))
        body = self.pages.page(check, url, page, token).encode("utf-8")
        return self._ok("text/html; charset=utf-8", body, headers)

    # --- the request's wishes ----------------------------------------------------------------------

    def wanted(self, accept: str) -> str:
        """``html``, ``json`` or ``linkset``, as consumer._wanted negotiates it (remembered per header)."""
        found = self._wanted.get(accept)
        if found is None:
            best = parse_accept_header(accept or None, MIMEAccept).best_match(
                ["text/html", "application/json", LINKSET], default="text/html"
            )
            found = {"application/json": "json", LINKSET: "linkset"}.get(best or "", "html")
            if len(self._wanted) >= _PARSED_HEADERS_KEPT:
                self._wanted.clear()
            self._wanted[accept] = found
        return found

    def page_request(self, sent: Request) -> _PageRequest | None:
        """Language, cookie session and menu of a page request; ``None`` if Flask must render it.

        A visitor who is signed in (a session holding more than the CSRF secret, or a bearer token)
        sees the menu of their role: Flask renders that page.
        """
        if "HTTP_AUTHORIZATION" in sent.environ:
            return None
        session = self.sessions.open(sent)
        if session is None:
            return None
        header = sent.environ.get("HTTP_ACCEPT_LANGUAGE", "")
        accepted = self._languages.get(header)
        if accepted is None:
            accepted = parse_accept_header(header or None, LanguageAccept)
            if len(self._languages) >= _PARSED_HEADERS_KEPT:
                self._languages.clear()
            self._languages[header] = accepted
        locale, remember = choose_locale(sent.args.get("lang"), sent.cookies.get("lang"), accepted)
        return _PageRequest(sent, locale, remember, session)

    # --- the response --------------------------------------------------------------------------------

    def json_body(self, check: CodeCheck) -> bytes:
        """The verdict document as ``jsonify`` writes it (the app's JSON provider, its compact form)."""
        document = verdict_document(check, self.statement_url)
        provider: Any = self.app.json
        if (provider.compact is None and self.app.debug) or provider.compact is False:
            text = provider.dumps(document, indent=2)
        else:
            text = provider.dumps(document, separators=(",", ":"))
        return f"{text}\n".encode()

    def statement_url(self, issuance_id: int) -> str:
        """``url_for("consumer.issuance_statement", ..., _external=True)`` as the Flask view builds it."""
        found = self._statement_urls.get(issuance_id)
        if found is None:
            with self.app.test_request_context("/", base_url=self.pages.origin):
                from flask import url_for

                found = url_for("consumer.issuance_statement", issuance_id=issuance_id, _external=True)
            self._statement_urls[issuance_id] = found
        return found

    def cookie(self, name: str, value: str, max_age: int, httponly: bool) -> str:
        """A ``Set-Cookie`` value as ``Response.set_cookie`` writes it (path ``/``, ``SameSite=Lax``)."""
        return dump_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=httponly,
            samesite="Lax",
            max_size=self.app.config["MAX_COOKIE_SIZE"],
        )

    @staticmethod
    def _ok(content_type: str, body: bytes, headers: list[tuple[str, str]]) -> _Answer:
        return _Answer(
            "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers], body
        )


def _linkset_url(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "linkType=all"


@dataclass(frozen=True)
class _PageRequest:
    """What a page request brings beyond the code: its language and its cookie session."""

    sent: Request
    locale: str  # "en" or "zh_Hans_CN"
    remember_lang: str | None  # the ``lang`` cookie to set (a ``?lang=`` choice)
    session: dict[str, Any]


class _CookieSession:
    """Flask's cookie session and Flask-WTF's CSRF token, as the page's two forms need them.

    The page calls ``csrf_token()``: Flask-WTF keeps a random secret in the session (creating the
    session cookie if there is none) and signs it with a timestamp. These are the same serializers, keys
    and cookie attributes Flask and Flask-WTF use, read from the app once.
    """

    def __init__(self, app: Flask) -> None:
        interface: Any = app.session_interface
        self.serializer = interface.get_signing_serializer(app)
        self.name: str = interface.get_cookie_name(app)
        self.max_age = int(app.permanent_session_lifetime.total_seconds())
        self.attributes = {
            "domain": interface.get_cookie_domain(app),
            "path": interface.get_cookie_path(app),
            "secure": interface.get_cookie_secure(app),
            "httponly": interface.get_cookie_httponly(app),
            "samesite": interface.get_cookie_samesite(app),
            "partitioned": interface.get_cookie_partitioned(app),
            "max_size": app.config["MAX_COOKIE_SIZE"],
        }
        self.field: str = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        self.tokens = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")

    def open(self, sent: Request) -> dict[str, Any] | None:
        """The session of an anonymous visitor (empty, or the CSRF secret only); ``None`` for any other."""
        if self.serializer is None:
            return None
        value = sent.cookies.get(self.name)
        data: dict[str, Any] = {}
        if value:
            try:
                data = dict(self.serializer.loads(value, max_age=self.max_age))
            except BadSignature:
                data = {}
        return data if set(data) <= {self.field} else None

    def csrf(self, session: dict[str, Any]) -> tuple[str, str | None]:
        """The CSRF token of this page, and the session cookie to set when the session is new."""
        if self.field in session:
            try:
                return self.tokens.dumps(session[self.field]), None
            except TypeError:
                pass
        secret = hashlib.sha1(os.urandom(64)).hexdigest()
        token = self.tokens.dumps(secret)
        value = self.serializer.dumps({**session, self.field: secret})
        return token, dump_cookie(self.name, value, **self.attributes)


# --- the page's skeletons ------------------------------------------------------------------------------

# Values no page contains, rendered where the per-scan values go and then cut out as slots.
SLOT_PATH = "/zqxpathzqx"
SLOT_URL = "zqxurlzqx"
SLOT_SERIAL = "zqxserialzqx"
SLOT_CSRF = "zqxcsrfzqx"


class _CountSlot(int):
    """A scan count the template can compare (``<= 1``) that prints as a sentinel."""

    def __str__(self) -> str:
        return "zqxcountzqx"


SLOT_COUNT = _CountSlot(987654321)
SLOT_FIRST = datetime(1999, 12, 31, 23, 58, 7, tzinfo=UTC)
SKELETONS_KEPT = 2_048


@dataclass(frozen=True)
class _Skeleton:
    """A rendered page cut at its slots: ``pieces[0] slots[0] pieces[1] … pieces[-1]``; no pieces: refused."""

    batch: Batch  # the cached objects it shows (identity: a refreshed batch gets new skeletons)
    warnings: list[RiskWarning]
    pieces: tuple[str, ...]
    slots: tuple[str, ...]


class ScanPages:
    """Scan pages of the fast lane, from skeletons rendered by Flask's own template.

    A skeleton is rendered per batch, issuance, language and shape of verdict (verdict, reasons, first
    scan or not, the claim's state) with sentinel values where a scan's own values go, in a request
    context like the scan's (an anonymous visitor, the same origin). Filling its slots with a scan's
    values, escaped as Jinja escapes them, gives the page Flask renders for that scan. If a template
    ever shows a value in a way the slots cannot take (transformed, say), the skeleton is refused and
    the page is rendered in full, with the scan's own values, in the same kind of context.
    """

    def __init__(self, app: Flask, origin: str) -> None:
        self.app = app
        self.origin = origin
        self._skeletons: dict[tuple[Any, ...], _Skeleton | None] = {}

    def page(self, check: CodeCheck, url: str, page: _PageRequest, token: str) -> str:
        """The page for ``check`` scanned as ``url`` by the visitor of ``page``."""
        assert check.batch is not None and check.issuance is not None
        warnings = cached_warnings(self.app, check.code.gtin, check.code.lot)
        claim = "mine" if check.claimed_by_this_device else "other" if check.claim is not None else ""
        first = check.scan_count <= 1
        key = (
            check.batch.id,
            check.issuance.id,
            page.locale,
            check.verdict,
            tuple(check.reasons),
            first,
            claim,
        )
        skeleton = self._skeletons.get(key)
        if skeleton is None or skeleton.batch is not check.batch or skeleton.warnings is not warnings:
            skeleton = self._skeleton(check, page.locale, first, warnings)
            if len(self._skeletons) >= SKELETONS_KEPT:
                self._skeletons.clear()
            self._skeletons[key] = skeleton
        if not skeleton.pieces:
            return self._render(check, url, page.locale, warnings, page.sent.environ, token)
        other = "zh" if page.locale == "en" else "en"
        values = {
            "lang": str(escape(language_url(page.sent, other))),
            "url": str(escape(url)),
            "serial": str(escape(check.code.serial)),
            "csrf": str(escape(token)),
            "count": str(check.scan_count),
            "first": str(escape(beijing(check.first_scan_at))),
        }
        out = [skeleton.pieces[0]]
        for slot, piece in zip(skeleton.slots, skeleton.pieces[1:], strict=True):
            out.append(values[slot])
            out.append(piece)
        return "".join(out)

    def _skeleton(self, check: CodeCheck, locale: str, first: bool, warnings: list[RiskWarning]) -> _Skeleton:
        """Render the page with sentinels and cut it at them; refused (no pieces) if the cut is not exact."""
        assert check.batch is not None
        shape = CodeCheck(
            check.verdict,
            list(check.reasons),
            CodeId(check.code.gtin, check.code.lot, SLOT_SERIAL),
            check.batch,
            check.issuance,
            check.key,
            scan_count=1 if first else SLOT_COUNT,
            first_scan_at=SLOT_FIRST,
            claim=check.claim,
            claimed_by_this_device=check.claimed_by_this_device,
        )
        environ = {"RAW_URI": SLOT_PATH, "QUERY_STRING": ""}
        html = self._render(shape, SLOT_URL, locale, warnings, environ, SLOT_CSRF, path=SLOT_PATH)
        other = "zh" if locale == "en" else "en"
        tokens = {
            str(escape(f"{SLOT_PATH}?lang={other}")): "lang",
            SLOT_URL: "url",
            SLOT_SERIAL: "serial",
            SLOT_CSRF: "csrf",
            str(SLOT_COUNT): "count",
            str(escape(beijing(SLOT_FIRST))): "first",
        }
        pattern = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
        pieces = pattern.split(html)
        slots = tuple(tokens[found] for found in pattern.findall(html))
        leftovers = ("zqx", beijing(SLOT_FIRST)[:10])
        if any(left in piece.lower() for piece in pieces for left in leftovers):
            log.warning("scan page skeleton refused: a slot value appears transformed; rendering in full")
            return _Skeleton(check.batch, warnings, (), ())
        return _Skeleton(check.batch, warnings, tuple(pieces), slots)

    def _render(
        self,
        check: CodeCheck,
        url: str,
        locale: str,
        warnings: list[RiskWarning],
        environ: dict[str, Any],
        token: str,
        path: str | None = None,
    ) -> str:
        """The page as Flask renders it for an anonymous visitor of this language and request URI."""
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
        query = environ.get("QUERY_STRING", "")
        language = "en" if locale == "en" else "zh-CN"
        with self.app.test_request_context(
            path or environ.get("PATH_INFO", "/"),
            base_url=self.origin,
            query_string=query,
            headers={"Accept": "text/html", "Accept-Language": language},
            environ_overrides={"RAW_URI": raw} if raw else {},
        ):
            setattr(g, self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), token)
            return render_scan_page(check, url, warnings)
