"""Translations bound once per language for a page render, instead of looked up for every string.

Why: Flask-Babel installs ``gettext`` in Jinja as a function that finds the request, its locale and the
translations again for every ``_()``: about 25 µs each, and the scan page has some 60 of them, about 1.5 ms
of a 7 ms page (docs/benchmarks.md, "Scan path"). Passing the translations' own ``gettext``/``ngettext``,
wrapped
as Jinja's new-style i18n callables (autoescaping and ``%(name)s`` variables as before), in the render
context makes every ``_()`` of that render (includes too) a dictionary look-up.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale, get_translations
from jinja2.ext import _make_new_gettext, _make_new_ngettext


def page_translations() -> dict[str, Any]:
    """``gettext`` and ``ngettext`` of this request's language, for ``render_template(..., **these)``."""
    bound: dict[str, dict[str, Any]] = current_app.extensions.setdefault("suyuan.page_translations", {})
    locale = str(get_locale())
    found = bound.get(locale)
    if found is None:
        translations = get_translations()
        found = bound[locale] = {
            "gettext": _make_new_gettext(translations.ugettext),
            "ngettext": _make_new_ngettext(translations.ungettext),
        }
    return found
