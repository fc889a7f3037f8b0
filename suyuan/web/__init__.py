"""The Flask edge: app factory, blueprints per audience, templates and translations.

Views parse requests, call ``suyuan.trace`` services inside one unit of work, and render; business
rules never live here. Domain errors are mapped to HTTP once, in :mod:`suyuan.web.errors`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, g, request
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFProtect
from werkzeug.datastructures import LanguageAccept

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.web import security_headers
from suyuan.web.converters import BoundedIntConverter

LANGUAGES = ("zh_Hans_CN", "en")
MAX_REQUEST_BYTES = 16 * 1024 * 1024  # whole body, chunked ones too (gunicorn terminates the stream)
MAX_FORM_FIELD_BYTES = 64 * 1024  # one multipart text field, like a JSON body: 413 beyond
SESSION_LIFETIME = timedelta(hours=12)  # a sign-in lasts this long at most, whatever the activity
csrf = CSRFProtect()


def create_app(settings: Settings | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build an app for ``settings`` (default: from the environment); tests build as many as they like."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.url_map.converters["int"] = BoundedIntConverter  # ids beyond the columns' range: 404, not 500
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_FORM_FIELD_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https"),
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        SESSION_REFRESH_EACH_REQUEST=False,  # the lifetime runs from sign-in (auth.current_actor)
        WTF_CSRF_SSL_STRICT=False,  # the session-bound token is the check; see security_headers
        WTF_CSRF_TIME_LIMIT=None,
        JSON_AS_ASCII=False,
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
        BABEL_TRANSLATION_DIRECTORIES="translations",
    )
    app.config.update(settings.policy)  # read by the rules that own them (zone rules, complaint limits)
    app.config.update(overrides or {})
    from suyuan.web import reasons

    app.extensions["suyuan"] = Runtime(settings)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["lang_url"] = lang_url
    app.jinja_env.globals["batch_status_text"] = reasons.batch_status_text
    from suyuan.web import display

    display.register(app)  # Beijing time, country names, bilingual texts on every page
    csrf.init_app(app)
    security_headers.install(app, settings)  # one public origin, proxies, headers on every response
    _register_blueprints(app)
    if app.config.get("SUYUAN_SCAN_FAST_PATH", True):
        from suyuan.web import scan_fast

        scan_fast.install(app)  # code scans answered in front of Flask where they can be (same bytes)
    return app


def _register_blueprints(app: Flask) -> None:
    from suyuan.web import (
        api,
        auth,
        complaint_pages,
        consumer,
        errors,
        merchant,
        navigation,
        recall_pages,
        regulator,
        trace_pages,
    )

    errors.register(app)
    errors.register_throttled(app)
    navigation.register(app)  # the top bar's menu, for every template
    app.register_blueprint(consumer.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(merchant.bp)
    app.register_blueprint(regulator.bp)
    app.register_blueprint(complaint_pages.bp)
    app.register_blueprint(recall_pages.bp)
    app.register_blueprint(trace_pages.bp)
    from suyuan.web import credit_pages

    app.register_blueprint(credit_pages.bp)  # the public credit page: no login
    from suyuan.web import (
        office_actions,
        office_buyers,
        office_checks,
        office_credit,
        office_enforcement,
        office_enterprises,
        office_filings,
        office_lists,
        office_major_cases,
        office_reports,
        office_risk,
        office_warehouses,
        office_zone,
    )

    for office_page in (
        office_actions,
        office_buyers,
        office_checks,
        office_credit,
        office_enforcement,
        office_enterprises,
        office_filings,
        office_lists,
        office_major_cases,
        office_reports,
        office_risk,
        office_warehouses,
        office_zone,
    ):
        app.register_blueprint(office_page.bp)  # the officer's desk: decisions with a confirmation step
    from suyuan.web import account_pages, filing_pages, rectification_pages

    app.register_blueprint(account_pages.bp)
    app.register_blueprint(filing_pages.bp)  # an enterprise's own filing: documents, systems, gaps
    app.register_blueprint(rectification_pages.bp)  # interviews, rectification orders and reports (R52)
    from suyuan.web import (
        desk,
        desk_batches,
        desk_entries,
        desk_exits,
        desk_labels,
        desk_packing,
        desk_platform,
        desk_products,
        desk_returns,
        desk_risk,
    )

    del desk_batches, desk_entries, desk_exits, desk_labels, desk_packing, desk_products  # routes on desk.bp
    del desk_platform  # the platform's read-only view, on desk.bp too
    del desk_risk, desk_returns  # the return desk's list, on desk.bp too
    app.register_blueprint(desk.bp)  # the merchant's form pages (products, batches, zone, proof)
    app.register_blueprint(api.bp)  # with its parts, nested (api.<part>.<view>)
    for blueprint in (api.bp, *api.PARTS):  # Flask-WTF exempts a blueprint, not its children
        csrf.exempt(blueprint)


def runtime() -> Runtime:
    """The runtime of the current app."""
    from flask import current_app

    rt: Runtime = current_app.extensions["suyuan"]
    return rt


def lang_url(lang: str) -> str:
    """This very page in another language: the raw path and every other parameter kept (codes carry ``s``)."""
    return language_url(request, lang)


def language_url(sent: Any, lang: str) -> str:
    """:func:`lang_url` for request ``sent`` (a Werkzeug request; the scan fast path has no Flask one)."""
    raw = sent.environ.get("RAW_URI") or sent.environ.get("REQUEST_URI") or quote(sent.path)
    path = raw.split("?", 1)[0]
    params = [(k, v) for k, v in sent.args.items(multi=True) if k != "lang"] + [("lang", lang)]
    return f"{path}?{urlencode(params)}"


def select_locale() -> str:
    """``?lang=`` (remembered in a cookie), else the cookie, else Accept-Language, else Chinese."""
    locale, g.set_lang_cookie = choose_locale(
        request.args.get("lang"), request.cookies.get("lang"), request.accept_languages
    )
    return locale


def choose_locale(arg: str | None, cookie: str | None, accepted: LanguageAccept) -> tuple[str, str | None]:
    """The rule of :func:`select_locale` without Flask (the scan fast path uses it too).

    Returns the locale and the ``lang`` cookie to set: the ``?lang=`` chosen, else ``None``.
    """
    wanted = arg or cookie
    if wanted in ("en", "zh"):
        return ("en" if wanted == "en" else "zh_Hans_CN"), (wanted if arg else None)
    best = accepted.best_match(["zh", "zh-CN", "en"], default="zh")
    return ("en" if best and best.startswith("en") else "zh_Hans_CN"), None
