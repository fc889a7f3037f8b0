"""What every ``suyuan`` command shares: the runtime of one invocation and the one error mapping.

Domain errors become ``error: <message>`` on stderr with exit status 2 (bad input), and checks that
find problems (a broken audit chain, a counterfeit code, a failed proof) exit with status 1. The
mapping lives here and only here, so every command answers the same error the same way; the runtime
is built lazily so ``--help`` needs neither a database nor a key.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import click

from suyuan.config import KeyPassphraseError, Settings
from suyuan.trace.errors import DomainError

if TYPE_CHECKING:  # built on first use: commands that need no database never import it
    from suyuan.runtime import Runtime


def fail(message: str, status: int = 2) -> NoReturn:
    """Print ``error: message`` to stderr and exit (2: bad input, 1: problems found)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


@contextmanager
def edge_errors() -> Iterator[None]:
    """The one place where CLI commands turn domain and infrastructure errors into messages."""
    from sqlalchemy.exc import IntegrityError, OperationalError  # only commands that use a database

    try:
        yield
    except DomainError as exc:
        fail(f"{exc.message} [{exc.code}]")
    except KeyPassphraseError as exc:
        fail(str(exc))
    except IntegrityError:
        fail("the change conflicts with existing data (nothing was written)")
    except OperationalError as exc:
        fail(f"database unavailable or not migrated (run `suyuan db upgrade`): {exc.orig}")


class Context:
    """Per-invocation state: the runtime, built lazily so ``--help`` needs no database."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            from suyuan.runtime import Runtime

            self._runtime = Runtime(Settings.from_env())
        return self._runtime


pass_ctx = click.make_pass_decorator(Context, ensure=True)
