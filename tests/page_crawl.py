"""Crawl every page a consumer, a merchant and an officer can reach in the demo world, and read what it says.

Shared by the zh-CN completeness test (tests/web/test_zh_complete.py) and the phone-width browser test
(tests/browser/test_phone_widths.py): the world is ``suyuan demo`` loaded into the test database, plus
the consumer pages a demo print-out does not link (a stop-sale code, an unreleased code, a forged one,
a malformed one, a missing page). Each role's crawl starts at its home and menu and follows same-site
links breadth-first, bounded: at most :data:`PER_SHAPE` pages of one URL shape (ids become ``N``) and
:data:`MAX_PAGES` in all, so a world with many batches costs no more than one with few.

What a page *says* is its visible text: tags, scripts and styles stripped (``<option>`` and SVG chart
labels count: people read them). Two kinds of leak are looked for in it:

* a **catalogue message left untranslated**: an English msgid of the catalogue (whose translation
  differs from it, or is still missing) appearing as a whole phrase;
* a **raw stored value**: the value of a domain ``StrEnum`` (``released``, ``stop_sale``, ``food``, …)
  appearing as a whole, case-sensitive word.

A phrase of several words, or a value with an underscore, always counts. A single plain word counts
only when it stands among Chinese text, not beside another English word: English proper names from
the data ("Kyoto Home Appliances KK") and English texts shown on purpose (a recall's English
instructions) are made of words that are also msgids or values. :data:`ALLOWED` lists the few words
that are never leaks, with the reason.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import suyuan.trace
from suyuan.runtime import Runtime
from suyuan.trace import demo, issuance
from suyuan.trace.model import Batch

PO = Path(__file__).resolve().parents[1] / "suyuan/web/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
MAX_PAGES = 90  # per role
PER_SHAPE = 2  # pages of one URL shape, e.g. /regulator/trace/batch/N

# Words that are not leaks on a Chinese page, each with why.
ALLOWED = {
    "GTIN": "the GS1 name of the product number, printed on labels as such",
    "JWKS": "the name of the public-key document, for verifiers (and its link text)",
    "OpenAPI": "the name of the API description format",
    "HS": "the customs tariff code system, written HS in Chinese too",
    "EPCIS": "the GS1 event standard an export follows",
    "CSV": "a file format",
    "XLSX": "a file format",
    "SHA-256": "the fingerprint algorithm's name",
    "USCC": "统一社会信用代码's abbreviation, as on business licences",
}

# Paths never followed: downloads and documents for programs, the language switch, signing out.
SKIPPED = re.compile(
    r"^/(api/|\.well-known/|issuances/|static/|logout)|[?&](lang|format)=|\.(csv|xlsx|json|pdf|png|svg|zpl)\b"
    r"|/epcis|/download|/export|/photo"
)


@dataclass
class Page:
    """One crawled page: where, its status, and the text a reader sees."""

    path: str
    status: int
    text: str


@dataclass
class Crawl:
    """The pages of one role, in the order found."""

    role: str
    pages: list[Page] = field(default_factory=list)


@dataclass(frozen=True)
class Leak:
    """Something on a page that should have been said in Chinese."""

    role: str
    path: str
    kind: str  # "untranslated" or "raw value"
    found: str
    context: str = ""

    def __str__(self) -> str:
        return f"{self.role} {self.path}: {self.kind} {self.found!r} in …{self.context}…"


class _Reader(HTMLParser):
    """Collects visible text and link targets."""

    HIDDEN = frozenset({"script", "style", "template", "noscript", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def read_page(html: str) -> tuple[str, list[str]]:
    """The visible text of a page (whitespace collapsed) and the hrefs of its links."""
    reader = _Reader()
    reader.feed(html)
    return re.sub(r"\s+", " ", "".join(reader.parts)).strip(), reader.links


def shape(path: str) -> str:
    """A URL's shape: numbers and codes replaced, so pages of one kind are counted together."""
    bare = path.split("?", 1)[0]
    return re.sub(r"/(\d+|TS-[A-Z0-9]+|L[0-9A-Z]+)(?=/|$)", "/N", bare)


def crawl(role: str, client: FlaskClient, starts: Iterable[str], *, limit: int = MAX_PAGES) -> Crawl:
    """Breadth-first from ``starts`` over same-site HTML pages, Chinese first, bounded (see module)."""
    result = Crawl(role)
    first = list(starts)  # crawled whatever their shape: they were chosen
    queue, seen, shapes = deque(first), set[str](), dict[str, int]()
    while queue and len(result.pages) < limit:
        path = queue.popleft()
        bounded = path not in first and shapes.get(shape(path), 0) >= PER_SHAPE
        if path in seen or SKIPPED.search(path) or bounded:
            continue
        seen.add(path)
        shapes[shape(path)] = shapes.get(shape(path), 0) + 1
        response = client.get(path, headers=ZH)
        if response.status_code in (301, 302, 303, 307) or "text/html" not in response.content_type:
            continue
        text, links = read_page(response.get_data(as_text=True))
        result.pages.append(Page(path, response.status_code, text))
        for href in links:
            target = urljoin(path, href)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return result


# --- what counts as a leak ---------------------------------------------------------------------------


@cache
def translated_phrases() -> tuple[str, ...]:
    """English phrases the catalogue translates (to something else): each must not show on a zh page.

    A message with placeholders contributes its literal pieces of at least two words, since the whole
    message never appears as written.
    """
    with PO.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    phrases: set[str] = set()
    for message in catalog:
        msgid = str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id)
        string = message.string
        translation = str(string[0] if isinstance(string, (tuple, list)) else string)
        if not msgid or translation == msgid:
            continue
        for piece in re.split(r"%\(\w+\)[sd]|%[sd]", msgid):
            piece = piece.strip(" .,:;()…-")
            several_words = " " in piece or piece == msgid.strip(" .,:;()…-")
            if piece and several_words and piece not in ALLOWED and re.search(r"[A-Za-z]{2}", piece):
                phrases.add(piece)
    return tuple(sorted(phrases, key=len, reverse=True))


@cache
def stored_values() -> tuple[str, ...]:
    """The values of every ``StrEnum`` of the domain (suyuan.trace and its subpackages)."""
    values: set[str] = set()
    for module_info in pkgutil.walk_packages(suyuan.trace.__path__, "suyuan.trace."):
        module = importlib.import_module(module_info.name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, enum.StrEnum) and obj.__module__ == module.__name__:
                values.update(member.value for member in obj)
    return tuple(sorted(v for v in values if v and v not in ALLOWED))


def _whole(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w@./:#-])" + re.escape(word) + r"(?![\w@/-])")


_ENGLISH_BEFORE = re.compile(r"[A-Za-z]+ $")
_ENGLISH_AFTER = re.compile(r"^ [A-Za-z]+")


def _counts(text: str, match: re.Match[str]) -> bool:
    """Whether a match is a leak: always for phrases and snake_case values, for a plain word only
    when no English word stands right beside it."""
    word = match.group(0)
    if " " in word or "_" in word:
        return True
    before, after = text[max(0, match.start() - 40) : match.start()], text[match.end() : match.end() + 40]
    return not (_ENGLISH_BEFORE.search(before) or _ENGLISH_AFTER.search(after))


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    made = [("untranslated", _whole(p)) for p in translated_phrases()]
    made += [("raw value", _whole(v)) for v in stored_values()]
    return tuple((kind, pattern) for kind, pattern in made)


def leaks(crawled: Crawl) -> list[Leak]:
    """Every leak on every page of a crawl (one per page and word)."""
    found: list[Leak] = []
    for page in crawled.pages:
        for kind, pattern in _patterns():
            match = next((m for m in pattern.finditer(page.text) if _counts(page.text, m)), None)
            if match:
                around = page.text[max(0, match.start() - 30) : match.end() + 30]
                found.append(Leak(crawled.role, page.path, kind, match.group(0), around))
    return found


# --- the world --------------------------------------------------------------------------------------


@dataclass
class DemoWorld:
    """The demo world loaded into the test database, with its logins and the consumer start pages."""

    logins: dict[str, tuple[str, str]]
    consumer_pages: list[str]


def load_demo_world(session: Session, runtime: Runtime) -> DemoWorld:
    """``suyuan demo`` in the test database, and the consumer pages that show each verdict."""
    settings = runtime.settings
    info = demo.load_demo(session, runtime.ring, base_url=settings.base_url, secret=settings.secret_key)
    session.commit()
    logins = {who: (login["email"], login["password"]) for who, login in info["logins"].items()}
    pages = ["/", "/scan", "/notices", "/complaints", "/no-such-page"]
    pages += [_path(url) for url in info["sample_codes"][:2]]
    for lot in ("L2611E", "L2611Z", "L2612A"):  # stop-sale, still in the zone, through the zone
        pages.append(_path(_code(session, runtime, lot, 1)))
    genuine = _path(info["sample_codes"][0])
    pages.append(genuine.replace("/21/1?", "/21/999999?"))  # never issued: counterfeit
    pages.append(
        re.sub(r"/01/(\d{13})(\d)", lambda m: f"/01/{m[1]}{(int(m[2]) + 1) % 10}", genuine)
    )  # bad check digit
    batch = session.scalars(select(Batch).order_by(Batch.id)).first()
    assert batch is not None
    pages += [f"/01/{batch.gtin}", f"/01/{batch.gtin}/10/{batch.lot}"]
    return DemoWorld(logins, pages)


def _code(session: Session, runtime: Runtime, lot: str, serial: int) -> str:
    batch = session.scalars(select(Batch).filter_by(lot=lot)).one()
    serials = issuance.SerialRange(serial, serial)
    return next(iter(issuance.code_urls(session, runtime.ring, batch, serials, runtime.code_base)))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(client: FlaskClient, email: str, password: str) -> None:
    """Sign ``client`` in through the login form (with its CSRF token)."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', page)
    assert token, "the login form has no CSRF token"
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token[1]})
    assert response.status_code in (302, 303), f"{email} could not sign in"


STAFF_STARTS = {
    "merchant": ["/merchant/", "/account"],
    "regulator": ["/regulator/", "/account"],
}


def crawl_roles(client_for: Callable[[], FlaskClient], world: DemoWorld) -> list[Crawl]:
    """The consumer's, the merchant's and the officer's crawls, each with a client of its own."""
    crawls = [crawl("consumer", client_for(), world.consumer_pages)]
    for role, starts in STAFF_STARTS.items():
        client = client_for()
        email, password = world.logins[role]
        sign_in(client, email, password)
        crawls.append(crawl(role, client, starts))
    return crawls
