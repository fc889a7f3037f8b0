"""How facts read on pages: Beijing time, countries by name, bilingual texts in the reader's language.

The domain stores UTC and ISO 3166 alpha-2 codes, which is right for the API and for comparisons; people
in China read times in China Standard Time (UTC+8, no daylight saving) and countries by their Chinese
names. Country names come from Babel's CLDR data (``Locale.territories``), which has them in both
languages, so no table of our own has to be kept.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel import Locale
from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from suyuan.trace.model.types import BEIJING

_CLDR = {"zh": Locale.parse("zh_Hans_CN"), "en": Locale.parse("en")}


def beijing(moment: datetime | date | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC moment as Beijing wall-clock time (``-`` for none); an ISO string is parsed first.

    A plain date has no time zone and is shown as it is.
    """
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        return moment.strftime(fmt if "%H" not in fmt else "%Y-%m-%d")
    if moment.tzinfo is None:  # the domain's clock is aware UTC; a naive one is taken as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).strftime(fmt)


def beijing_date(moment: datetime | date | str | None) -> str:
    """The Beijing calendar day of a moment: what "since" and "published on" mean to a reader in China."""
    return beijing(moment, "%Y-%m-%d")


def country_name(code: str | None) -> str:
    """The country of an ISO 3166 alpha-2 code in the page's language; an unknown code stays as given."""
    if not code:
        return "-"
    language = "en" if _page_language() == "en" else "zh"
    return str(_CLDR[language].territories.get(code.upper(), code))


def localized(zh: str | None, en: str | None) -> str:
    """One of a text's two language versions: the page's language first, the other when it is empty."""
    if _page_language() == "en":
        return en or zh or ""
    return zh or en or ""


def actor_name(label: str | None) -> str:
    """Who did something, from an audit actor label: the user's e-mail, or a word for the system."""
    if not label:
        return "-"
    if label.startswith("user:"):
        return label.split(":", 2)[-1]
    words = {"operator:cli": _l("system operator"), "system": _l("the system"), "consumer": _l("a consumer")}
    return str(words.get(label, label))


def _page_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "zh"


def register(app: Flask) -> None:
    """Make the filters and helpers available to every template."""
    app.add_template_filter(beijing, "beijing")
    app.add_template_filter(beijing_date, "beijing_date")
    app.add_template_filter(country_name, "country")
    app.add_template_filter(actor_name, "actor")
    app.add_template_global(localized, "localized")
