"""The public face: the scan resolver (GS1 Digital Link paths), JWKS, issuance statements, health.

A code URL answers by content negotiation (DESIGN.md §4): a mobile-first page, the JSON verdict, or
an RFC 9264 linkset. Shorter paths fall back to the batch (``/01/{gtin}/10/{lot}``) and product
(``/01/{gtin}``) pages, as a GS1 resolver does.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Request as BaseRequest
from werkzeug.wrappers import Response as BaseResponse

from suyuan.runtime import Runtime
from suyuan.trace import audit_checkpoints, keys, revocations, risk_warnings, scanning
from suyuan.trace.audit_checkpoints import CHECKPOINT_TYPE
from suyuan.trace.codes import (
    MAX_URL_LENGTH,
    MalformedCode,
    ParsedCode,
    identity_path,
    parse_code,
    read_own_code,
)
from suyuan.trace.digital_link import DigitalLinkError, parse_digital_link
from suyuan.trace.errors import InvalidInput, NotFound
from suyuan.trace.issuance import get_issuance
from suyuan.trace.keys import KeyUnavailable
from suyuan.trace.model import AdmissionStatus, Batch, Product, RecallKind, RiskWarning
from suyuan.trace.recall_status import current_recall
from suyuan.trace.scanning import CodeCheck
from suyuan.trace.verdicts import Reason, Verdict
from suyuan.web import runtime
from suyuan.web.desk_words import DOCUMENT_KIND
from suyuan.web.page_translations import page_translations
from suyuan.web.reasons import (
    REASON_TEXTS,
    STOP_SALE_ADVICE,
    STOP_SALE_TITLE,
    VERDICT_ADVICE,
    VERDICT_TITLES,
    malformed_text,
)
from suyuan.web.recall_json import verdict_recall_json
from suyuan.web.serialize import batch_json, product_json, supplier_json

bp = Blueprint("consumer", __name__)
log = logging.getLogger(__name__)

DEVICE_COOKIE = "sy_did"
REGION_HEADER = "X-Suyuan-Region"
LINKSET = "application/linkset+json"
GS1 = "https://gs1.org/voc/"
STATEMENT_REL = "https://suyuan.dev/rel/issuance-statement"
PUBLIC_STATUSES = (AdmissionStatus.ADMITTED, AdmissionStatus.ADMITTED_WITH_DISCLOSURE)


@bp.after_app_request
def _remember_choices(response: Response) -> Response:
    """Persist the language switch and a new device cookie chosen while handling the request."""
    lang = g.get("set_lang_cookie")
    if lang:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax", secure=request.is_secure)
    device = g.get("new_device_id")
    if device:
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=2 * 365 * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


@bp.get("/")
def home() -> str:
    """What Suyuan is, for someone who arrives without a code."""
    return render_template("home.html")


@bp.get("/scan")
def camera() -> str:
    """Scan with the camera (decoded on the device, static/scan_component.js), or upload a photo."""
    return render_template("camera.html")


@bp.get("/healthz")
def health() -> Response:
    """Liveness and database reachability, for load balancers and the Docker healthcheck."""
    with runtime().transaction() as db:
        db.execute(select(1))
    return jsonify({"status": "ok"})


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The public keys that verify codes and statements, with their status (RFC 8037)."""
    with runtime().transaction() as db:
        document = keys.jwks(db)
        document["revocations"] = {
            "url": url_for("consumer.revocation_list", _external=True),
            "version": revocations.current_version(db),
        }
        response = jsonify(document)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/suyuan/revocations.json")
def revocation_list() -> Response:
    """The signed list of revoked keys and recalled or stopped batches, for offline verifiers.

    Cached for a shorter time than the JWKS, so a verifier that fetches the JWKS and then the list
    it names rarely gets a list older than the version the JWKS announces (which it would refuse).
    """
    rt = runtime()
    _anchor_audit_log()
    with rt.transaction() as db:
        token = revocations.signed_revocation_list(db, rt.ring, rt.code_base)
    response = jsonify({"jws": token})
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/suyuan/audit-checkpoints.json")
def audit_checkpoint_list() -> Response:
    """The latest signed audit checkpoints, for outside parties to keep (``audit verify --checkpoint``)."""
    _anchor_audit_log()
    with runtime().transaction() as db:
        document = {"type": CHECKPOINT_TYPE, "checkpoints": audit_checkpoints.published_checkpoints(db)}
    response = jsonify(document)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _anchor_audit_log() -> None:
    """Sign an audit checkpoint if one is due, in a transaction of its own; never fail the request."""
    rt = runtime()
    try:
        with rt.transaction() as db:
            audit_checkpoints.take_checkpoint_if_due(db, rt.ring)
    except (KeyUnavailable, IntegrityError, OperationalError) as exc:  # no key, a concurrent taker, busy
        log.warning("audit checkpoint not taken: %s", exc)


@bp.get("/issuances/<int:issuance_id>")
def issuance_statement(issuance_id: int) -> Response:
    """The signed statement of an issuance: a compact JWS, or JSON wrapping it for browsers."""
    with runtime().transaction() as db:
        statement = get_issuance(db, issuance_id).statement
    if request.accept_mimetypes.best == "application/jose":
        return Response(statement, mimetype="application/jose")
    response = jsonify({"jws": statement, "jwks": url_for("consumer.jwks", _external=True)})
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/01/<path:rest>", methods=["GET"])
def resolve(rest: str) -> BaseResponse | tuple[Any, int] | str:
    """Resolve a GS1 Digital Link: a full code is scanned; shorter paths show batch or product."""
    url = _requested_url()
    if len(url) > MAX_URL_LENGTH:
        return _malformed("too_long", f"a code is at most {MAX_URL_LENGTH} characters")
    own = read_own_code(url)  # a code as Suyuan prints it: no need for the full GS1 parser
    if own is not None:
        return _scan(url, own)
    try:
        link = parse_digital_link(url)
    except DigitalLinkError as exc:
        return _malformed(exc.reason, str(exc))
    if link.get("21") is not None and link.get("10") is not None:
        return _scan(url)
    if link.get("10") is not None:
        return _batch_page(link.primary[1], link.get("10") or "")
    if link.primary[0] == "01":
        return _product_page(link.primary[1])
    raise NotFound("this resolver knows GTIN (01) paths only")


def _requested_url() -> str:
    """The URL as the phone sent it, percent-encoding intact (WSGI decodes PATH_INFO)."""
    return requested_url(request, runtime().code_base)


def requested_url(sent: BaseRequest, code_base: str) -> str:
    """The code URL of request ``sent``: the codes' origin (``code_base``) and the raw request URI.

    Shared by the Flask view and the fast path (:mod:`suyuan.web.scan_fast`), so both read the same text.
    """
    raw = sent.environ.get("RAW_URI") or sent.environ.get("REQUEST_URI")
    if not raw:
        query = sent.query_string.decode("latin-1")
        raw = quote(sent.script_root + sent.path) + (f"?{query}" if query else "")
    return code_origin(code_base) + raw


def code_origin(code_base: str) -> str:
    """The scheme and host of printed codes (``code_base`` without its path), which a request URI follows."""
    path = urlsplit(code_base).path
    return code_base[: len(code_base) - len(path)] if path else code_base


def _malformed(reason: str, message: str) -> tuple[Any, int]:
    """A text that is no code: the counterfeit page, saying why in the reader's language, with the form
    to report it (the English parser message is kept for the English page)."""
    if _wanted() == "html":
        return render_template(
            "scan.html",
            check=None,
            verdict=Verdict.COUNTERFEIT,
            title=VERDICT_TITLES[Verdict.COUNTERFEIT],
            advice=VERDICT_ADVICE[Verdict.COUNTERFEIT],
            reasons=[],
            malformed=malformed_text(reason),
            malformed_detail=message,
            reason_texts=REASON_TEXTS,
            code_url=_requested_url()[:MAX_URL_LENGTH],
            malformed_code=True,
            warnings=[],
            **page_translations(),
        ), 400
    return jsonify(
        {
            "verdict": Verdict.COUNTERFEIT.value,
            "reasons": ["malformed_code"],
            "detail": reason,
            "message": message,
        }
    ), 400


def _wanted() -> str:
    """Which representation the client asked for: ``html``, ``json`` or ``linkset``."""
    if request.args.get("linkType") == "all":
        return "linkset"
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", LINKSET], default="text/html"
    )
    return {"application/json": "json", LINKSET: "linkset"}.get(best or "", "html")


def _device() -> str:
    """The salted hash of the device id the caller presents (cookie, else ``X-Device-Id``), or "".

    For complaint rate limits only, where an id a client chose still separates its callers; it is no
    evidence of anything. Clone detection and claims take :func:`known_device` instead.
    """
    secret = runtime().settings.secret_key
    raw = request.cookies.get(DEVICE_COOKIE) or request.headers.get("X-Device-Id", "")
    device_id = scanning.verified_device_id(secret, raw) or raw  # scans, claims, complaints agree
    return scanning.device_hash(secret, device_id) if 0 < len(device_id) <= 64 else ""


def known_device(*, issue: bool) -> str:
    """The salted hash of this browser's server-issued device cookie, or "" (the unknown device).

    A cookie counts only if its MAC verifies (:func:`suyuan.trace.scanning.verified_device_id`): an
    ``X-Device-Id`` header or an invented cookie is the unknown device, which never counts toward clone
    detection. With ``issue``, a page request without a valid cookie gets one (re-signing the id of a
    cookie from before cookies were signed, so its claims stay recognised) and counts as that device.
    """
    device, new_cookie = device_of(
        runtime().settings.secret_key,
        request.cookies.get(DEVICE_COOKIE, ""),
        issue=issue and _wanted() == "html",
    )
    if new_cookie is not None:
        g.new_device_id = new_cookie
    return device


def device_of(secret: str, cookie: str, *, issue: bool) -> tuple[str, str | None]:
    """The device hash of a device cookie, and the cookie to issue when ``issue`` and it is not valid.

    The rules of :func:`known_device`, without Flask: the fast path (:mod:`suyuan.web.scan_fast`) uses
    them too.
    """
    device_id = scanning.verified_device_id(secret, cookie)
    new_cookie = None
    if device_id is None and issue:
        device_id = cookie if _UNSIGNED_ID.fullmatch(cookie) else scanning.new_device_id()
        new_cookie = scanning.device_cookie(secret, device_id)
    return (scanning.device_hash(secret, device_id) if device_id else ""), new_cookie


_UNSIGNED_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def request_region() -> str:
    """The coarse region of this request, as a trusted reverse proxy states it in ``X-Suyuan-Region``.

    Without a trusted proxy (``SUYUAN_TRUSTED_PROXIES=0``, the default) the header comes from the
    client, who could invent regions to make a genuine code ``many_regions``: it is ignored (""). With
    one, the proxy must set (or strip) it on every request.
    """
    return region_of(runtime().settings.trusted_proxies, request.headers.get(REGION_HEADER, ""))


def region_of(trusted_proxies: int, header: str) -> str:
    """:func:`request_region` from the setting and the header's value (shared with the fast path)."""
    if trusted_proxies < 1:
        return ""
    region = header.strip()[:64]
    return region if region.isprintable() else ""


def _scan(url: str, parsed: ParsedCode | None = None) -> BaseResponse | tuple[Any, int] | str:
    """A full code: the verdict, from the fast lane when it can answer, else through the full path.

    The fast lane (:mod:`suyuan.trace.scan_path`) answers genuine codes of cached batches with one read
    and queues the scan for the process's writer; everything else, and the first scan of a batch in
    this process, goes through :func:`suyuan.trace.scanning.record_scan` in a unit of work, whose result
    fills the cache.
    """
    if parsed is None:
        try:
            parsed = parse_code(url)
        except MalformedCode as exc:
            return _malformed(exc.reason, str(exc))
    link_type = request.args.get("linkType")
    if link_type and link_type != "all":
        return _redirect_link_type(parsed, link_type)
    wanted = _wanted()
    rt = runtime()
    if wanted == "linkset":
        with rt.transaction() as db:
            return _linkset_response(scanning.check_code(db, rt.ring, parsed), url)
    device, region = known_device(issue=True), request_region()
    check = rt.scan_path.record(parsed, device=device, region=region)
    if check is not None:
        response = _verdict_response(check, url, wanted, None)
    else:
        code = parsed.code
        rt.scan_writer.flush_code((code.gtin, code.lot, code.serial))  # its queued scans count too
        since = rt.scan_path.mark()  # a change applied while the full path reads is not cached
        with rt.transaction() as db:
            check = scanning.record_scan(
                db, rt.ring, parsed, device=device, region=region, rules=rt.clone_rules
            )
            rt.scan_path.remember(check, since)
            response = _verdict_response(check, url, wanted, db)
        rt.scan_path.forget_code(check)  # committed: the next scan of it reads its facts afresh
    response.headers["Link"] = f'<{_linkset_url(url)}>; rel="linkset"; type="{LINKSET}"'
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response


def _verdict_response(check: CodeCheck, url: str, wanted: str, db: Session | None) -> Response:
    """The JSON verdict or the page; ``db`` is the full path's session, ``None`` in the fast lane."""
    if wanted == "json":
        return jsonify(verdict_document(check))
    if db is not None:
        warnings = risk_warnings.warnings_for_code(db, check.code.gtin, check.code.lot)
    else:
        warnings = cached_warnings(current_app, check.code.gtin, check.code.lot)
    return make_response(render_scan_page(check, url, warnings))


def render_scan_page(check: CodeCheck, url: str, warnings: list[RiskWarning]) -> str:
    """The scan page of a verdict, in this request's language (the fast path renders its skeletons here)."""
    title, advice = _verdict_words(check)
    return render_template(
        "scan.html",
        check=check,
        verdict=check.verdict,
        title=title,
        advice=advice,
        reasons=check.reasons,
        reason_texts=REASON_TEXTS,
        code_url=url,
        malformed=None,
        warnings=warnings,
        **page_translations(),
    )


WARNINGS_TTL = (
    30.0  # seconds a page of the fast lane may show a lot's risk warnings before reading them again
)


def cached_warnings(app: Flask, gtin: str, lot: str) -> list[RiskWarning]:
    """The risk warnings of a lot as the fast lane shows them: read at most every 30 s per process.

    Warnings inform; they do not change a verdict, which is never cached stale (a recall or stop-sale
    reaches the very next scan). A new warning therefore reaches a lot's scan pages within 30 s (at
    once on PostgreSQL, where a change to a warning empties this cache: suyuan.trace.scan_cache). The
    same list object is returned until it is read again, so the fast path can tell when it changed.
    """
    cache: dict[tuple[str, str], tuple[float, list[RiskWarning]]] = app.extensions.setdefault(
        WARNINGS_CACHE, {}
    )
    hit = cache.get((gtin, lot))
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    rt: Runtime = app.extensions["suyuan"]
    with rt.transaction() as session:
        found = risk_warnings.warnings_for_code(session, gtin, lot)
    cache[(gtin, lot)] = (time.monotonic() + WARNINGS_TTL, found)
    return found


WARNINGS_CACHE = "suyuan.scan_warnings"  # app.extensions key of cached_warnings' cache


def _verdict_words(check: CodeCheck) -> tuple[LazyString, LazyString]:
    """The headline and advice of a verdict: a stop-sale answers ``recalled`` but is headlined as such."""
    stopped = Reason.BATCH_STOP_SALE in check.reasons or (
        check.recall is not None and check.recall.kind is RecallKind.STOP_SALE
    )
    if check.verdict is Verdict.RECALLED and stopped:
        return STOP_SALE_TITLE, STOP_SALE_ADVICE
    return VERDICT_TITLES[check.verdict], VERDICT_ADVICE[check.verdict]


def verdict_document(check: CodeCheck, statement_url: Callable[[int], str] | None = None) -> dict[str, Any]:
    """The JSON verdict (DESIGN.md §4): verdict, reasons, code, product, batch, supplier, scans.

    ``statement_url`` makes an issuance's statement URL (default: ``url_for`` of this request; the fast
    path, outside Flask, passes its own, equal one).
    """
    statement_url = statement_url or _statement_url
    batch = check.batch
    product = batch.product if batch is not None else None
    return {
        "verdict": check.verdict.value,
        "reasons": [r.value for r in check.reasons],
        "code": {"gtin": check.code.gtin, "lot": check.code.lot, "serial": check.code.serial},
        "product": product_json(product, public=True) if product is not None else None,
        "batch": batch_json(batch, public=True) if batch is not None else None,
        "supplier": supplier_json(batch.supplier) if batch is not None else None,
        "scans": {
            "count": check.scan_count,
            "first_at": check.first_scan_at.isoformat() if check.first_scan_at else None,
        },
        "claimed": check.claim is not None,
        "claimed_by_you": check.claimed_by_this_device,
        "recall": verdict_recall_json(check.recall) if check.recall is not None else None,
        "issuance": {
            "id": check.issuance.id,
            "kid": check.issuance.kid,
            "statement_url": statement_url(check.issuance.id),
        }
        if check.issuance is not None
        else None,
    }


def _statement_url(issuance_id: int) -> str:
    return url_for("consumer.issuance_statement", issuance_id=issuance_id, _external=True)


def _linkset_url(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "linkType=all"


def _links(check: CodeCheck, url: str) -> dict[str, list[dict[str, Any]]]:
    """The GS1 link types this resolver serves for a code."""
    code = check.code
    product_url = url_for("consumer.resolve", rest=f"{code.gtin}", _external=True)
    batch_url = url_for("consumer.resolve", rest=identity_path(code)[4:].split("/21/")[0], _external=True)
    langs = ["zh-CN", "en"]
    links: dict[str, list[dict[str, Any]]] = {
        GS1 + "pip": [
            {"href": product_url, "title": "Product information", "type": "text/html", "hreflang": langs}
        ],
        GS1 + "recallStatus": [
            {"href": batch_url + "#recall", "title": "Recall status", "type": "text/html", "hreflang": langs}
        ],
        GS1 + "certificationInfo": [
            {
                "href": product_url + "#certification",
                "title": "Admission and certificates",
                "type": "text/html",
                "hreflang": langs,
            }
        ],
        GS1 + "traceability": [
            {"href": batch_url, "title": "Batch traceability", "type": "text/html", "hreflang": langs}
        ],
        GS1 + "verificationService": [
            {"href": url, "title": "Verification verdict", "type": "application/json"}
        ],
        GS1 + "defaultLink": [{"href": url, "title": "Scan result", "type": "text/html", "hreflang": langs}],
    }
    if check.issuance is not None:
        links[STATEMENT_REL] = [
            {
                "href": url_for("consumer.issuance_statement", issuance_id=check.issuance.id, _external=True),
                "title": "Signed issuance statement",
                "type": "application/json",
            }
        ]
    return links


def _without_link_type(url: str) -> str:
    """The code URL as printed: the ``linkType`` parameter of this request removed."""
    base, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("linkType=")]
    return base + ("?" + "&".join(kept) if kept else "")


def _linkset_response(check: CodeCheck, url: str) -> Response:
    url = _without_link_type(url)
    response = jsonify({"linkset": [{"anchor": url, **_links(check, url)}]})
    response.mimetype = LINKSET
    return response


def _redirect_link_type(parsed: ParsedCode, link_type: str) -> BaseResponse:
    """``?linkType=gs1:pip`` and friends redirect to that link, as a GS1 resolver does."""
    wanted = GS1 + link_type.removeprefix("gs1:")
    rt = runtime()
    with rt.transaction() as db:
        check = scanning.check_code(db, rt.ring, parsed)
        links = _links(check, _without_link_type(_requested_url()))
    if wanted not in links:
        raise NotFound(f"no link of type {link_type!r} for this code")
    return redirect(links[wanted][0]["href"], code=307)


def _product_page(gtin: str) -> tuple[Any, int] | str | Response:
    with runtime().transaction() as db:
        products = db.scalars(
            select(Product).where(Product.gtin == gtin, Product.admission_status.in_(PUBLIC_STATUSES))
        ).all()
        if not products:
            raise NotFound(f"no admitted product has GTIN {gtin}")
        if _wanted() != "html":
            return jsonify({"gtin": gtin, "products": [product_json(p, public=True) for p in products]})
        warnings = [w for p in products[:1] for w in risk_warnings.warnings_covering(db, p)]
        return render_template(
            "product.html", products=products, gtin=gtin, warnings=warnings, document_kind=DOCUMENT_KIND
        )


def _batch_page(gtin: str, lot: str) -> tuple[Any, int] | str | Response:
    with runtime().transaction() as db:
        batch = db.scalar(select(Batch).filter_by(gtin=gtin, lot=lot))
        if batch is None or batch.product.admission_status not in PUBLIC_STATUSES:
            raise NotFound(f"no batch {lot} of GTIN {gtin}")
        recall = current_recall(db, batch)  # the gs1:recallStatus target shows the notice in full
        if _wanted() != "html":
            return jsonify(
                {
                    "batch": batch_json(batch, public=True),
                    "product": product_json(batch.product, public=True),
                    "supplier": supplier_json(batch.supplier),
                    "recall": verdict_recall_json(recall) if recall is not None else None,
                }
            )
        warnings = risk_warnings.warnings_covering(db, batch.product, batch)
        return render_template(
            "batch.html", batch=batch, product=batch.product, recall=recall, warnings=warnings
        )


@bp.post("/01/<path:rest>/claim")
def claim(rest: str) -> BaseResponse:
    """ "I bought this": bind the item to this browser, so copies scanned elsewhere turn suspect."""
    target = request.form.get("code", "")
    try:
        parsed = parse_code(target)
    except MalformedCode as exc:
        raise InvalidInput(str(exc), field="code") from exc
    device = known_device(issue=False)  # a claim binds the item to a device the server issued
    rt = runtime()
    with rt.transaction() as db:
        scanning.claim_code(db, rt.ring, parsed, device=device, contact=request.form.get("contact", ""))
    parts = urlsplit(target)  # back to the scan page on this site, never to the host named in the form
    return redirect(f"{parts.path}?{parts.query}" if parts.query else parts.path, code=303)
