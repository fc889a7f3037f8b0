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

Same bytes as Flask: it uses the pieces the Flask view uses (the resolver's URL, device cookie, region
and language rules, the verdict document, the security headers, Flask's cookie session and Flask-WTF's
CSRF token), and ``tests/web/test_scan_fast_path.py`` compares both answers byte for byte for every
verdict and both languages. The page and the JSON document are rendered by Flask's own template and
JSON provider once per batch, language and shape of verdict into a *skeleton* whose per-scan values
(serial, code URL, count, first scan, CSRF token, language link) are slots (:class:`Skeleton`); a scan
fills the slots.
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

from flask import Flask, g, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import escape
from werkzeug.datastructures import LanguageAccept, MIMEAccept
from werkzeug.http import dump_cookie, parse_accept_header, parse_cookie
from werkzeug.wrappers import Request

from suyuan.runtime import Runtime
from suyuan.trace.codes import MAX_URL_LENGTH, CodeId, read_own_code
from suyuan.trace.model import Batch, RiskWarning
from suyuan.trace.scanning import CodeCheck
from suyuan.web import choose_locale, language_url
from suyuan.web.consumer import (
    DEVICE_COOKIE,
    LINKSET,
    WARNINGS_CACHE,
    cached_warnings,
    code_origin,
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
HEADER_VALUES_KEPT = 512  # distinct Accept, Accept-Language and Cookie values remembered parsed
SKELETONS_KEPT = 2_048


def install(app: Flask) -> None:
    """Put the fast path in front of the app's WSGI stack (outermost: it needs no proxy or origin fix-up).

    With a scan cache (PostgreSQL), a changed risk warning also empties the warnings the pages show
    (``consumer.cached_warnings``), so a new warning reaches a lot's pages at once, not within 30 s.
    """
    app.wsgi_app = ScanFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    runtime: Runtime = app.extensions["suyuan"]
    if runtime.scan_cache is not None:

        def warnings_changed(table: str, _payload: str) -> None:
            if table in ("risk_warning", "*"):
                app.extensions.get(WARNINGS_CACHE, {}).clear()

        runtime.scan_cache.on_change.append(warnings_changed)


@dataclass(frozen=True)
class _Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class _Parsed(dict[str, Any]):
    """Header values parsed once and remembered (phones send the same few ``Accept`` values)."""

    def get_or(self, value: str, parse: Any) -> Any:
        found = self.get(value)
        if found is None:
            if len(self) >= HEADER_VALUES_KEPT:
                self.clear()
            found = self[value] = parse(value)
        return found


class ScanFastPath:
    """The WSGI callable: a scan answered here, or the request handed on to ``inner`` (Flask) untouched."""

    def __init__(self, app: Flask, inner: WSGIApplication) -> None:
        self.app = app
        self.inner = inner
        self.rt: Runtime = app.extensions["suyuan"]
        base = urlsplit(self.rt.settings.base_url)
        self.secure = base.scheme == "https"  # request.is_secure behind PublicOrigin
        self.security = list(HEADERS.items()) + ([("Strict-Transport-Security", HSTS)] if self.secure else [])
        self.code_base = self.rt.code_base
        self.code_origin = code_origin(self.code_base)
        self.sessions = _CookieSession(app)
        self.pages = ScanPages(app, f"{base.scheme}://{base.netloc.lower()}")
        self.documents = ScanDocuments(app, self.pages.origin)
        self._wanted = _Parsed()
        self._languages = _Parsed()
        self._cookies = _Parsed()
        self.answered = 0  # scans answered here (tests, monitoring)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO", "").startswith("/01/"):
            answer = self.answer(environ)
            if answer is not None:
                self.answered += 1
                start_response(answer.status, answer.headers)
                return [answer.body]
        return self.inner(environ, start_response)

    def answer(self, environ: WSGIEnvironment) -> _Answer | None:
        """The response to a scan the fast lane can answer, else ``None`` (then nothing was recorded)."""
        if environ.get("SCRIPT_NAME") or "linkType" in environ.get("QUERY_STRING", ""):
            return None  # mounted under a prefix, or a GS1 link type: Flask answers
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        url = self.code_origin + raw if raw else requested_url(Request(environ), self.code_base)
        parsed = read_own_code(url) if len(url) <= MAX_URL_LENGTH else None
        if parsed is None:
            return None
        wanted = self._wanted.get_or(environ.get("HTTP_ACCEPT", ""), _negotiate)
        cookies = self._cookies.get_or(environ.get("HTTP_COOKIE", ""), parse_cookie)
        page: _PageRequest | None = None
        if wanted == "html":
            page = self.page_request(environ, cookies)
            if page is None:
                return None
        elif wanted != "json":
            return None
        secret = self.rt.settings.secret_key
        device, new_device = device_of(secret, cookies.get(DEVICE_COOKIE, ""), issue=page is not None)
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
            body = self.documents.body(check)
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

    def page_request(self, environ: WSGIEnvironment, cookies: Any) -> _PageRequest | None:
        """Language, cookie session and menu of a page request; ``None`` if Flask must render it.

        A visitor who is signed in (a session holding more than the CSRF secret, or a bearer token)
        sees the menu of their role: Flask renders that page.
        """
        if "HTTP_AUTHORIZATION" in environ:
            return None
        session = self.sessions.open(cookies)
        if session is None:
            return None
        sent = Request(environ)
        accepted = self._languages.get_or(environ.get("HTTP_ACCEPT_LANGUAGE", ""), _languages)
        locale, remember = choose_locale(sent.args.get("lang"), cookies.get("lang"), accepted)
        return _PageRequest(sent, locale, remember, session)

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


def _negotiate(accept: str) -> str:
    """``html``, ``json`` or ``linkset``, as consumer._wanted negotiates an ``Accept`` header."""
    best = parse_accept_header(accept or None, MIMEAccept).best_match(
        ["text/html", "application/json", LINKSET], default="text/html"
    )
    return {"application/json": "json", LINKSET: "linkset"}.get(best or "", "html")


def _languages(header: str) -> LanguageAccept:
    return parse_accept_header(header or None, LanguageAccept)


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
        assert secret is not None  # create_app always sets SECRET_KEY
        self.tokens = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")

    def open(self, cookies: Any) -> dict[str, Any] | None:
        """The session of an anonymous visitor (empty, or the CSRF secret only); ``None`` for any other."""
        if self.serializer is None:
            return None
        value = cookies.get(self.name)
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


# --- skeletons -------------------------------------------------------------------------------------------

# Values no page or document contains, rendered where a scan's own values go and then cut out as slots.
SLOT_PATH = "/zqxpathzqx"
SLOT_URL = "zqxurlzqx"
SLOT_SERIAL = "zqxserialzqx"
SLOT_CSRF = "zqxcsrfzqx"
SLOT_FIRST = datetime(1999, 12, 31, 23, 58, 7, tzinfo=UTC)
SLOT_NUMBER = 987654321


class _CountSlot(int):
    """A scan count the template can compare (``<= 1``) that prints as a sentinel."""

    def __str__(self) -> str:
        return "zqxcountzqx"


SLOT_COUNT = _CountSlot(SLOT_NUMBER)


@dataclass(frozen=True)
class Skeleton:
    """A rendering cut at its slots: ``pieces[0] slots[0] pieces[1] … pieces[-1]``; no pieces: refused.

    ``batch`` and ``warnings`` are the cached objects it was rendered from: a refreshed batch (a new
    object) or newly read warnings get a new skeleton.
    """

    batch: Batch
    warnings: list[RiskWarning] | None
    pieces: tuple[str, ...]
    slots: tuple[str, ...]

    @classmethod
    def cut(
        cls,
        text: str,
        tokens: dict[str, str],
        leftovers: tuple[str, ...],
        batch: Batch,
        warnings: list[RiskWarning] | None = None,
    ) -> Skeleton:
        """Cut ``text`` at every token (token → slot name); refused if a sentinel survives elsewhere."""
        pattern = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
        pieces = tuple(pattern.split(text))
        if any(left in piece.lower() for piece in pieces for left in leftovers):
            log.warning("scan skeleton refused: a slot value appears transformed; rendering in full")
            return cls(batch, warnings, (), ())
        return cls(batch, warnings, pieces, tuple(tokens[found] for found in pattern.findall(text)))

    def fill(self, values: dict[str, str]) -> str:
        """The rendering with each slot's value."""
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            out.append(values[slot])
            out.append(piece)
        return "".join(out)


def _shape(check: CodeCheck, count: int) -> CodeCheck:
    """``check`` with sentinels for the code's serial, its count and its first scan."""
    return CodeCheck(
        check.verdict,
        list(check.reasons),
        CodeId(check.code.gtin, check.code.lot, SLOT_SERIAL),
        check.batch,
        check.issuance,
        check.key,
        scan_count=count,
        first_scan_at=SLOT_FIRST,
        claim=check.claim,
        claimed_by_this_device=check.claimed_by_this_device,
    )


def _claim_state(check: CodeCheck) -> str:
    return "mine" if check.claimed_by_this_device else "other" if check.claim is not None else ""


class _Skeletons(dict[tuple[Any, ...], Skeleton]):
    def put(self, key: tuple[Any, ...], skeleton: Skeleton) -> Skeleton:
        if len(self) >= SKELETONS_KEPT:
            self.clear()
        self[key] = skeleton
        return skeleton


class ScanDocuments:
    """The JSON verdict of the fast lane, from skeletons of ``jsonify``'s own output.

    A skeleton per batch, issuance and shape of verdict (verdict, reasons, the claim's state); the
    slots are the serial, the count and the first scan, each written by the app's JSON provider.
    """

    def __init__(self, app: Flask, origin: str) -> None:
        self.app = app
        self.origin = origin
        self._statement_urls: dict[int, str] = {}
        self._skeletons = _Skeletons()

    def body(self, check: CodeCheck) -> bytes:
        """The document as ``jsonify(verdict_document(check))`` writes it, newline included."""
        assert check.batch is not None and check.issuance is not None
        key = (check.batch.id, check.issuance.id, check.verdict, tuple(check.reasons), _claim_state(check))
        skeleton = self._skeletons.get(key)
        if skeleton is None or skeleton.batch is not check.batch:
            tokens = {
                self._dumps({"count": SLOT_NUMBER})[1:-1]: "count",
                self._dumps({"first_at": SLOT_FIRST.isoformat()})[1:-1]: "first",
                self._dumps({"serial": SLOT_SERIAL})[1:-1]: "serial",
            }
            text = self._dumps(verdict_document(_shape(check, SLOT_NUMBER), self.statement_url))
            leftovers = ("zqx", SLOT_FIRST.isoformat()[:10], str(SLOT_NUMBER))
            skeleton = self._skeletons.put(key, Skeleton.cut(text, tokens, leftovers, check.batch))
        if not skeleton.pieces:
            return f"{self._dumps(verdict_document(check, self.statement_url))}\n".encode()
        first = check.first_scan_at.isoformat() if check.first_scan_at else None
        values = {
            "count": self._dumps({"count": check.scan_count})[1:-1],
            "first": self._dumps({"first_at": first})[1:-1],
            "serial": self._dumps({"serial": check.code.serial})[1:-1],
        }
        return f"{skeleton.fill(values)}\n".encode()

    def statement_url(self, issuance_id: int) -> str:
        """``url_for("consumer.issuance_statement", ..., _external=True)`` as the Flask view builds it."""
        found = self._statement_urls.get(issuance_id)
        if found is None:
            with self.app.test_request_context("/", base_url=self.origin):
                found = url_for("consumer.issuance_statement", issuance_id=issuance_id, _external=True)
            self._statement_urls[issuance_id] = found
        return found

    def _dumps(self, document: Any) -> str:
        """The app's JSON provider as ``jsonify`` calls it: compact, unless in debug mode."""
        provider: Any = self.app.json
        if (provider.compact is None and self.app.debug) or provider.compact is False:
            return str(provider.dumps(document, indent=2))
        return str(provider.dumps(document, separators=(",", ":")))


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
        self._skeletons = _Skeletons()

    def page(self, check: CodeCheck, url: str, page: _PageRequest, token: str) -> str:
        """The page for ``check`` scanned as ``url`` by the visitor of ``page``."""
        assert check.batch is not None and check.issuance is not None
        warnings = cached_warnings(self.app, check.code.gtin, check.code.lot)
        first = check.scan_count <= 1
        claim = _claim_state(check)
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
            skeleton = self._skeletons.put(key, self._skeleton(check, page.locale, first, warnings))
        if not skeleton.pieces:
            return self._render(check, url, page.locale, warnings, page.sent.environ, token)
        other = "zh" if page.locale == "en" else "en"
        return skeleton.fill(
            {
                "lang": str(escape(language_url(page.sent, other))),
                "url": str(escape(url)),
                "serial": str(escape(check.code.serial)),
                "csrf": str(escape(token)),
                "count": str(check.scan_count),
                "first": str(escape(beijing(check.first_scan_at))),
            }
        )

    def _skeleton(self, check: CodeCheck, locale: str, first: bool, warnings: list[RiskWarning]) -> Skeleton:
        """Render the page with sentinels and cut it at them."""
        assert check.batch is not None
        shape = _shape(check, 1 if first else SLOT_COUNT)
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
        return Skeleton.cut(html, tokens, ("zqx", beijing(SLOT_FIRST)[:10]), check.batch, warnings)

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
        with self.app.test_request_context(
            path or environ.get("PATH_INFO", "/"),
            base_url=self.origin,
            query_string=environ.get("QUERY_STRING", ""),
            headers={"Accept": "text/html", "Accept-Language": "en" if locale == "en" else "zh-CN"},
            environ_overrides={"RAW_URI": raw} if raw else {},
        ):
            setattr(g, self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), token)
            return render_scan_page(check, url, warnings)
