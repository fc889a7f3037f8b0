"""One unit of work per API call: authentication, the visibility check and the view share one transaction.

Counted on the app's real engine (SQLAlchemy's ``commit``/``rollback`` connection events), so a view
that opened a second transaction, or a token check that wrote on every call, fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.accounts import TOKEN_USE_RESOLUTION, hash_token
from suyuan.trace.errors import InvalidInput
from suyuan.trace.model import ApiToken, NegativeListEntry, NegativeRuleKind
from suyuan.trace.model.types import utcnow
from tests.factories import World, make_batch, make_world


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Transactions:
    """Commits and rollbacks seen on an engine's connections while the test runs."""

    def __init__(self) -> None:
        self.commits = 0
        self.rollbacks = 0

    def commit(self, _conn: Connection) -> None:
        self.commits += 1

    def rollback(self, _conn: Connection) -> None:
        self.rollbacks += 1


@pytest.fixture
def transactions(app: Flask) -> Iterator[Transactions]:
    engine = app.extensions["suyuan"].engine
    seen = Transactions()
    event.listen(engine, "commit", seen.commit)
    event.listen(engine, "rollback", seen.rollback)
    yield seen
    event.remove(engine, "commit", seen.commit)
    event.remove(engine, "rollback", seen.rollback)


def entries(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(NegativeListEntry.value).order_by(NegativeListEntry.id)))


def keyword_rule(value: str) -> NegativeListEntry:
    return NegativeListEntry(category="food", kind=NegativeRuleKind.KEYWORD, value=value, reason="test")


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


def test_a_read_is_one_transaction(client: FlaskClient, world: World, transactions: Transactions) -> None:
    client.get("/api/v1/me", headers=auth(world.tokens["merchant"]))  # the first call notes the token's use
    transactions.commits = 0
    response = client.get("/api/v1/batches", headers=auth(world.tokens["merchant"]))
    assert response.status_code == 200
    assert transactions.commits == 1


def test_a_guarded_write_is_one_transaction(
    client: FlaskClient, session: Session, runtime: Runtime, world: World, transactions: Transactions
) -> None:
    batch = make_batch(session, world, runtime.ring)
    client.get("/api/v1/me", headers=auth(world.tokens["merchant"]))
    transactions.commits = 0
    response = client.patch(
        f"/api/v1/batches/{batch.id}",
        json={"quantity": batch.quantity + 5, "reason": "recount at the warehouse"},
        headers=auth(world.tokens["merchant"]),
    )
    assert response.status_code == 200, response.json
    assert transactions.commits == 1  # token, visibility check (api_visible) and amendment together


def test_a_refused_write_commits_nothing(
    client: FlaskClient, session: Session, world: World, transactions: Transactions
) -> None:
    client.get("/api/v1/me", headers=auth(world.tokens["regulator"]))
    before = entries(session)
    transactions.commits = 0
    response = client.post(
        "/api/v1/negative-list",
        json={"category": "bogus", "kind": "keyword", "value": "x", "reason": "y"},
        headers=auth(world.tokens["regulator"]),
    )
    assert response.status_code == 400
    assert transactions.commits == 0 and transactions.rollbacks >= 1
    assert entries(session) == before


def test_token_use_is_noted_at_most_hourly(client: FlaskClient, session: Session, world: World) -> None:
    token_hash = hash_token(world.tokens["merchant"])

    def last_used() -> object:
        session.expire_all()
        return session.scalar(select(ApiToken.last_used_at).filter_by(token_hash=token_hash))

    client.get("/api/v1/me", headers=auth(world.tokens["merchant"]))
    first = last_used()
    assert first is not None
    client.get("/api/v1/me", headers=auth(world.tokens["merchant"]))
    assert last_used() == first  # a second call within the hour writes nothing

    token = session.scalar(select(ApiToken).filter_by(token_hash=token_hash))
    assert token is not None
    stale = utcnow() - TOKEN_USE_RESOLUTION - timedelta(minutes=1)
    token.last_used_at = stale
    session.commit()
    client.get("/api/v1/me", headers=auth(world.tokens["merchant"]))
    noted = last_used()
    assert isinstance(noted, datetime) and noted > stale + TOKEN_USE_RESOLUTION  # over an hour: noted again


def test_a_caught_failure_of_a_joined_block_undoes_the_whole_unit(session: Session, runtime: Runtime) -> None:
    before = entries(session)
    with runtime.transaction() as db:
        db.add(
            NegativeListEntry(category="food", kind=NegativeRuleKind.KEYWORD, value="outer", reason="kept?")
        )
        try:
            with runtime.transaction() as inner:
                assert inner is db  # joined, not a second transaction
                inner.add(
                    NegativeListEntry(
                        category="food", kind=NegativeRuleKind.KEYWORD, value="inner", reason="half"
                    )
                )
                raise InvalidInput("the second half is wrong")
        except InvalidInput:
            pass  # a caller that swallows the error must not get the first half committed
    assert entries(session) == before


def test_units_of_different_runtimes_do_not_join(runtime: Runtime) -> None:
    other = Runtime(runtime.settings)
    try:
        with runtime.transaction() as mine, other.transaction() as theirs:
            assert mine is not theirs
    finally:
        if "engine" in other.__dict__:
            other.engine.dispose()
