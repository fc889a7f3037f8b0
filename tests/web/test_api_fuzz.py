"""Schemathesis over the whole OpenAPI document, with the regulator's and a merchant's token.

Every operation of ``/api/v1/openapi.json`` is called in-process (WSGI) through schemathesis's phases:
the document's examples, the deterministic coverage phase (boundary values, schema-violating inputs,
methods the path does not allow), hypothesis fuzzing and the stateful phase, once per token, on a world
where the ids the generator tries first (1, 2, ...) address real objects. The run must find:

* no response ≥ 500 (``not_a_server_error``), whatever the input;
* every response conforming to the document: status, media type, body schema and headers; 405 with
  ``Allow``; every request the document calls invalid refused (``negative_data_rejection``).

Two checks are left out. ``positive_data_acceptance`` (a schema-valid request is never a 400): the
document states lengths, blanks, enumerations and rules between fields, but a schema cannot say that a
GTIN's or USCC's check digit is right, that a code URL is ours, or that a referenced batch exists, which
the server answers 400; a failing check would also end fuzzing of that operation early, hiding server
errors behind it. ``ignored_auth``: schemathesis 4 sends its unauthenticated probe through the WSGI
transport with keyword arguments werkzeug does not take; the authorisation matrix
(tests/web/test_authorisation_matrix.py) calls every route without credentials instead.

The normal suite runs a few examples per operation, derandomised, so it is fast and never flaky.
``make fuzz`` runs the same module with ``SUYUAN_FUZZ_EXAMPLES`` (default there 100) and a time bound
``SUYUAN_FUZZ_SECONDS`` per token, and prints the number of operations and cases (``-s``).
"""

from __future__ import annotations

import io
import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from schemathesis.engine import events
from schemathesis.engine.recorder import ScenarioRecorder
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.scanner.photos import clean_photo
from suyuan.trace import complaints, recalls, risk_warnings
from suyuan.trace.zone import exits, spot_checks
from tests.factories import SECRET, code_urls, exit_filing, make_world, make_zone_batch

EXAMPLES = int(os.environ.get("SUYUAN_FUZZ_EXAMPLES", "3"))
MAX_SECONDS = int(os.environ.get("SUYUAN_FUZZ_SECONDS", "0"))
SEED = int(os.environ.get("SUYUAN_FUZZ_SEED", "20251211"))


@dataclass
class FuzzReport:
    """What one schemathesis run did and found."""

    operations: set[str] = field(default_factory=set)
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self, role: str) -> str:
        by_class = ", ".join(f"{s // 100}xx {n}" for s, n in sorted(self._classes().items()))
        return (
            f"schemathesis as {role}: {len(self.operations)} operations, {self.cases} cases "
            f"({by_class}); {self.server_errors} responses >= 500; {len(self.failures)} check failures"
        )

    def _classes(self) -> Counter[int]:
        classes: Counter[int] = Counter()
        for status, n in self.statuses.items():
            classes[status // 100 * 100] += n
        return classes


def fuzz_config(token: str) -> schemathesis.Config:
    """The run's settings, as a ``schemathesis.toml`` would hold them."""
    data = {
        "seed": SEED,
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {
            "ignored_auth": {"enabled": False},
            "positive_data_acceptance": {"enabled": False},
        },
    }
    if MAX_SECONDS:
        data["max-time"] = MAX_SECONDS
    return schemathesis.Config.from_dict(data)


def run_schemathesis(app: Flask, token: str) -> FuzzReport:
    """Every phase over every operation of the app's own document, called in-process."""
    config = fuzz_config(token)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    report = FuzzReport()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(report, event.recorder)
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            report.errors.append(f"fatal: {event.exception!r}")
    return report


def _record(report: FuzzReport, recorder: ScenarioRecorder) -> None:
    if recorder.interactions:
        report.operations.add(recorder.label)
    for interaction in recorder.interactions.values():
        report.cases += 1
        if interaction.response is not None:
            report.statuses[interaction.response.status_code] += 1
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            called = recorder.interactions.get(case_id)
            response = called.response if called else None
            failure = check.failure_info.failure
            answer = response.content[:300].decode("utf-8", "replace") if response else ""
            report.failures.append(
                f"{check.name} on {recorder.label}: {failure.title}\n"
                f"    {' / '.join(failure.message.splitlines()[:3])}\n"
                f"    {check.failure_info.code_sample}\n"
                f"    -> {response.status_code if response else None} {answer}"
            )


@pytest.fixture
def tokens(session: Session, runtime: Runtime) -> dict[str, str]:
    """A world with one of each object, so that small generated ids address real rows."""
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=20)
    urls = code_urls(session, runtime.ring, batch)
    exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:2])]), secret=SECRET
    )
    spot_checks.open_spot_check(session, world.regulator, batch.id)
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(photo, "PNG")
    complaints.file_complaint(
        session,
        runtime.ring,
        urls[5],
        "quality",
        "The powder smells wrong.",
        photo=clean_photo(photo.getvalue()),
    )
    recalled = make_zone_batch(session, world, runtime.ring, quantity=5)
    recalls.open_recall(session, world.regulator, recalled.id, "recall", "lab failure")
    risk_warnings.publish_warning(
        session,
        world.regulator,
        risk_warnings.WarningFiling(level="warning", title="Counterfeit formula", body="Check the code."),
    )
    session.commit()
    return world.tokens


@pytest.mark.slow
@pytest.mark.parametrize("role", ["regulator", "merchant"])
def test_every_operation_answers_as_documented_and_never_with_a_server_error(
    app: Flask, tokens: dict[str, str], role: str
) -> None:
    report = run_schemathesis(app, tokens[role])
    print("\n" + report.summary(role))
    assert report.cases > 0 and len(report.operations) > 60
    problems = report.errors + report.failures  # an error: the app raised while streaming a response
    assert report.server_errors == 0 and not problems, "\n".join(problems)


def test_a_method_not_allowed_names_the_allowed_ones(client: FlaskClient) -> None:
    response = client.delete("/api/v1/batches")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_an_id_beyond_the_integer_range_is_not_found_whatever_the_method(client: FlaskClient) -> None:
    for method in ("GET", "PATCH"):
        assert client.open("/api/v1/batches/2147483648", method=method, json={}).status_code == 404


def test_a_missing_issuance_statement_is_a_json_error_to_any_client(client: FlaskClient) -> None:
    response = client.get("/issuances/2147483647", headers={"Accept": "*/*"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
