"""``suyuan init``, ``office``, ``users``, ``tokens``: onboarding by the operator, audited, clear errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.cli import main
from suyuan.trace import accounts, audit
from suyuan.trace.model import AuditEntry, User

GOOD = "plum blossom 1987"


@pytest.fixture
def run(cli_env: dict[str, str]) -> Any:
    """The shared CLI fixture with a password in the environment (``--password`` is never on the line)."""
    env = cli_env | {"SUYUAN_PASSWORD": GOOD}
    runner = CliRunner()

    def invoke(*args: str, password: str = GOOD) -> Result:
        return runner.invoke(
            main, list(args), env=env | {"SUYUAN_PASSWORD": password}, catch_exceptions=False
        )

    return invoke


INIT = (
    "init",
    "--office-code",
    "sz-qh",
    "--office-name",
    "前海办事处",
    "--email",
    "chief@x.cn",
    "--name",
    "李主任",
)


def test_init_sets_up_once_then_refuses(run: Any, session: Session) -> None:
    first = run(*INIT)
    assert first.exit_code == 0, first.output
    assert "SZ-QH" in first.output and "chief@x.cn" in first.output
    again = run(*INIT)
    assert again.exit_code == 2 and "already set up" in again.output
    assert accounts.authenticate_password(session, "chief@x.cn", GOOD) is not None
    assert audit.verify_chain(session).ok


def test_init_refuses_a_weak_password_and_writes_nothing(run: Any, session: Session) -> None:
    answer = run(*INIT, password="12345678")
    assert answer.exit_code == 2 and "at least 10 characters" in answer.output
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_users_invite_list_disable_and_tokens(run: Any, session: Session) -> None:
    assert run(*INIT).exit_code == 0
    invited = run("users", "invite", "--email", "new@x.cn", "--office", "SZ-QH")
    assert invited.exit_code == 0, invited.output
    assert re.search(r"https://sy\.example\.cn/invite/inv_[\w-]{40,}", invited.output)
    listing = run("users", "list").output
    assert "chief@x.cn\toffice_admin\tactive" in listing and "new@x.cn\tofficer\tinvited" in listing
    assert run("users", "invite", "--email", "x@x.cn").exit_code == 2  # no party
    assert run("users", "invite", "--email", "x@x.cn", "--office", "NOPE").exit_code == 2

    made = run("tokens", "create", "chief@x.cn", "--name", "ERP", "--scope", "read")
    assert made.exit_code == 0
    plain = made.output.rsplit(": ", 1)[1].strip()
    assert accounts.authenticate_token(session, plain) is not None
    tokens = run("tokens", "list").output
    assert plain[:10] in tokens and plain not in tokens and "\tread\t" in tokens
    token_id = tokens.split("\t", 1)[0]
    assert run("tokens", "revoke", token_id).exit_code == 0
    assert run("tokens", "revoke", "999").exit_code == 2
    session.expire_all()
    assert accounts.authenticate_token(session, plain) is None

    assert run("users", "add", "--email", "o2@x.cn", "--name", "王", "--office", "SZ-QH").exit_code == 0
    assert (
        run(
            "users", "add", "--email", "o3@x.cn", "--name", "王", "--office", "SZ-QH", password="short"
        ).exit_code
        == 2
    )
    assert run("users", "disable", "o2@x.cn").exit_code == 0
    assert run("users", "disable", "nobody@x.cn").exit_code == 2
    session.expire_all()
    user = session.scalar(select(User).filter_by(email="o2@x.cn"))
    assert user is not None and not user.active
    assert run("users", "enable", str(user.id)).exit_code == 0
    assert run("audit", "verify").exit_code == 0


def test_office_add_is_the_operators(run: Any) -> None:
    assert run(*INIT).exit_code == 0
    assert run("office", "add", "--code", "SZ-NS", "--name", "南山办事处").exit_code == 0
    assert run("office", "add", "--code", "SZ-NS", "--name", "again").exit_code == 2
    assert "SZ-NS" in run("office", "list").output
    assert run("users", "invite", "--email", "ns@x.cn", "--office", "SZ-NS", "--admin").exit_code == 0
    assert "ns@x.cn\toffice_admin\tinvited" in run("users", "list").output


def test_the_demo_makes_its_office_and_merchant_users_administrators(run: Any, session: Session) -> None:
    assert run("demo").exit_code == 0
    officer = session.scalar(select(User).filter_by(email="officer@qianhai.example"))
    merchant = session.scalar(select(User).filter_by(email="merchant@shop.example"))
    assert officer is not None and officer.admin and merchant is not None and merchant.admin
