"""The scan fast path in front of Flask (suyuan.web.scan_fast) answers byte for byte what Flask answers.

Two apps on one database: the real one, and one with the fast path switched off. Every request is sent
to both with the same headers and cookies, and the scan each records is taken back before the other
answers, so both see the same database. What is random or timed per response is checked, then masked:
a new device cookie (its MAC verifies), a new cookie session (it holds the CSRF secret the page's
tokens sign), the tokens themselves (they verify for that secret) and cookie expiry dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.trace import keys, recalls
from suyuan.trace.model import Batch, Claim, Scan
from suyuan.trace.model.types import utcnow
from suyuan.trace.scanning import device_cookie, device_hash, verified_device_id
from suyuan.web import create_app
from tests.factories import World, code_urls, make_batch, make_world
from tests.web.test_scan_page import JSON, path_of

SECRET = "test-secret-key"
PHONE = device_cookie(SECRET, "phone-1")
PAGE = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
LANGUAGES = {"zh": {"Accept-Language": "zh-CN,zh;q=0.9"}, "en": {"Accept-Language": "en-US,en;q=0.8"}}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Pair:
    """The app with its fast path and the app without, on one database."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.fast = create_app(settings, {"TESTING": True})
        self.flask = create_app(settings, {"TESTING": True, "SUYUAN_SCAN_FAST_PATH": False})
        self.engine = engine
        serializer = self.fast.session_interface.get_signing_serializer(self.fast)  # type: ignore[attr-defined]
        assert serializer is not None
        self.sessions = serializer
        self.tokens = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token")

    def answered_fast(self) -> int:
        return int(self.fast.wsgi_app.answered)  # type: ignore[attr-defined]

    def both(self, path: str, headers: dict[str, str]) -> tuple[Any, Any]:
        """Each app's answer, normalised; each scan recorded is removed before the next request."""
        answers = []
        for app in (self.fast, self.flask):
            before = self._last_scan()
            response = app.test_client(use_cookies=False).get(path, headers=headers)
            self._undo_scans_after(before)
            answers.append(self.normalised(response, headers))
        return answers[0], answers[1]

    def normalised(self, response: TestResponse, headers: dict[str, str]) -> tuple[Any, ...]:
        """Status, header list and body, with per-response random values verified and masked."""
        secret = self._session_secret(headers.get("Cookie", ""))
        out = []
        for name, value in response.headers:
            if name == "Set-Cookie" and value.startswith("session="):
                data = self.sessions.loads(value.split(";")[0].removeprefix("session="))
                assert set(data) == {"csrf_token"}
                secret = data["csrf_token"]
                value = re.sub(r"^session=[^;]+", "session=<new>", value)
            if name == "Set-Cookie" and value.startswith("sy_did="):
                assert verified_device_id(SECRET, value.split(";")[0].removeprefix("sy_did="))
                value = re.sub(r"^sy_did=[^;]+", "sy_did=<new>", value)
            out.append((name, re.sub(r"Expires=[^;]+", "Expires=<date>", value)))
        body = response.get_data(as_text=True)
        for token in TOKEN.findall(body):
            assert secret is not None and self.tokens.loads(token, max_age=60) == secret
        return response.status, out, TOKEN.sub('name="csrf_token" value="<token>"', body)

    def _session_secret(self, cookie_header: str) -> str | None:
        found = re.search(r"session=([^;]+)", cookie_header)
        return str(self.sessions.loads(found.group(1))["csrf_token"]) if found else None

    def _last_scan(self) -> int:
        with self.engine.connect() as db:
            return int(db.execute(text("SELECT coalesce(max(id), 0) FROM scan")).scalar_one())

    def _undo_scans_after(self, last: int) -> None:
        with self.engine.begin() as db:
            db.execute(text("DELETE FROM scan WHERE id > :last"), {"last": last})

    def close(self) -> None:
        for app in (self.fast, self.flask):
            runtime: Runtime = app.extensions["suyuan"]
            runtime.close()


@pytest.fixture
def pair(settings: Settings, engine: Engine) -> Iterator[Pair]:
    both = Pair(settings, engine)
    yield both
    both.close()


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


@pytest.fixture
def batch(session: Session, runtime: Runtime, world: World) -> Batch:
    return make_batch(session, world, runtime.ring, count=6)


@pytest.fixture
def codes(session: Session, runtime: Runtime, batch: Batch, pair: Pair) -> list[str]:
    found = [path_of(u) for u in code_urls(session, runtime.ring, batch, 1, 6)]
    pair.fast.test_client().get(found[5], headers=JSON)  # the batch is in the fast lane from now on
    return found


def _cookies(*, session: str | None = None, device: bool = True) -> str:
    parts = [f"sy_did={PHONE}"] if device else []
    if session is not None:
        parts.append(f"session={session}")
    return "; ".join(parts)


def _earlier_scan(pair: Pair, path: str) -> None:
    """One scan of the code before the comparison (so its first scan is a fixed, stored time)."""
    pair.flask.test_client(use_cookies=False).get(path, headers=JSON)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_genuine_code_answers_the_same_json_and_page_from_the_fast_path(
    pair: Pair, codes: list[str], language: str
) -> None:
    _earlier_scan(pair, codes[0])
    secret_session = pair.sessions.dumps({"csrf_token": "ab" * 20})
    cases = [
        {**JSON},
        {**JSON, "Cookie": _cookies()},
        {**PAGE, **LANGUAGES[language], "Cookie": _cookies(session=secret_session)},  # a returning phone
        {**PAGE, **LANGUAGES[language]},  # a first visit: new device cookie, new cookie session
        {**PAGE, "Cookie": _cookies(session=secret_session) + f"; lang={language}"},
    ]
    for headers in cases:
        answered = pair.answered_fast()
        fast, flask = pair.both(codes[0], headers)
        assert fast == flask, headers
        assert pair.answered_fast() == answered + 1, "the fast path answered it"
        assert fast[0] == "200 OK"
    page = {**PAGE, **LANGUAGES[language], "Cookie": _cookies(session=secret_session)}
    first_fast, first_flask = pair.both(codes[1], page)  # the first scan of a code: another page
    assert first_fast == first_flask
    assert ("第 1 次" if language == "zh" else "first time") in first_fast[2]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_suspect_code_answers_the_same_from_the_fast_path(
    pair: Pair, codes: list[str], session: Session, batch: Batch, language: str
) -> None:
    """Claimed two days ago by another buyer, or scanned by many devices over days: this phone, new to
    the code, is told it may be a copy (and a code it claimed itself stays genuine)."""
    session.add(Claim(batch_id=batch.id, serial="2", device_hash="f" * 32, at=utcnow() - timedelta(days=2)))
    session.add(Claim(batch_id=batch.id, serial="3", device_hash=device_hash(SECRET, "phone-1"), at=utcnow()))
    session.commit()
    _earlier_scan(pair, codes[1])
    _earlier_scan(pair, codes[2])
    _scanned_by_many_devices(session, batch, "4", days=4)
    cases = ((codes[1], "suspect"), (codes[2], "genuine"), (codes[3], "suspect"))  # claimed, mine, copied
    for path, verdict in cases:
        for headers in (
            {**JSON, "Cookie": _cookies()},
            {**PAGE, **LANGUAGES[language], "Cookie": _cookies()},
        ):
            answered = pair.answered_fast()
            fast, flask = pair.both(path, headers)
            assert fast == flask, (path, headers)
            assert pair.answered_fast() == answered + 1
            assert f'"verdict":"{verdict}"' in fast[2] or f'data-verdict="{verdict}"' in fast[2]
            assert ("many_devices" in fast[2]) is (path == codes[3])


def _scanned_by_many_devices(session: Session, batch: Batch, serial: str, *, days: int) -> None:
    """Two new devices a day for ``days`` days: more than the clone rules allow, spread out as copies are."""
    start = utcnow() - timedelta(days=days + 1)
    for n in range(2 * days):
        session.add(
            Scan(
                at=start + timedelta(days=n // 2, minutes=n),
                batch_id=batch.id,
                gtin=batch.gtin,
                lot=batch.lot,
                serial=serial,
                device_hash=f"{n:032d}",
                region="",
                verdict="genuine",
                reasons=[],
            )
        )
    session.commit()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_other_verdict_is_left_to_flask_and_answers_the_same(
    pair: Pair,
    codes: list[str],
    session: Session,
    world: World,
    batch: Batch,
    language: str,
    runtime: Runtime,
) -> None:
    """Counterfeit, unknown key, malformed, recalled, revoked: the fast path hands them to Flask untouched."""
    forged = codes[3][:-4] + ("0000" if not codes[3].endswith("0000") else "1111")
    unknown_key = codes[3].replace("?s=1", "?s=9", 1)
    malformed = codes[3].replace("/01/0942", "/01/0943", 1)  # the GTIN's check digit no longer holds
    headers_of = ({**JSON}, {**PAGE, **LANGUAGES[language], "Cookie": _cookies()})

    def same(path: str, verdict: str) -> None:
        _earlier_scan(pair, path)
        for headers in headers_of:
            answered = pair.answered_fast()
            fast, flask = pair.both(path, headers)
            assert fast == flask, (path, headers)
            assert pair.answered_fast() == answered, "Flask answered it"
            assert f'"verdict":"{verdict}"' in fast[2] or f'data-verdict="{verdict}"' in fast[2]

    same(forged, "counterfeit")
    same(unknown_key, "counterfeit")
    same(malformed, "counterfeit")
    recalls.open_recall(session, world.regulator, batch.id, "recall", reason="melamine found")
    session.commit()
    same(codes[3], "recalled")
    other = make_batch(session, world, runtime.ring, count=2)
    other_code = path_of(code_urls(session, runtime.ring, other, 1, 1)[0])
    pair.fast.test_client().get(other_code, headers=JSON)  # cached in the fast lane before the revocation
    keys.revoke_key(session, world.regulator, "1", reason="printer shop leak", ring=runtime.ring)
    session.commit()
    same(other_code, "revoked")


def test_requests_the_fast_path_does_not_take_answer_as_before(pair: Pair, codes: list[str]) -> None:
    """Linksets, link types, another language by parameter, signed-in visitors, HEAD: all Flask's."""
    signed_in = pair.sessions.dumps({"csrf_token": "ab" * 20, "user_id": 1})
    for path, headers in (
        (codes[0], {"Accept": "application/linkset+json"}),
        (codes[0] + "&linkType=all", JSON),
        (codes[0] + "&lang=en", PAGE),
        (codes[0], {**PAGE, "Cookie": _cookies(session=signed_in)}),
        (codes[0], {**PAGE, "Authorization": "Bearer nobody"}),
    ):
        answered = pair.answered_fast()
        fast, flask = pair.both(path, headers)
        assert fast == flask, (path, headers)
        assert pair.answered_fast() == answered
    head = pair.fast.test_client(use_cookies=False).head(codes[0], headers=JSON)
    assert head.status_code == 200 and head.data == b""
