"""Finding 15: schemathesis runs every operation of the app's own OpenAPI document
(``/api/openapi.json``) against the WSGI app, with a real session: no server error, and every
answer (status code, content type, body) is one the document declares.

The app runs on ``SqlStore`` and ``SqlDataSource`` (SQLite, and PostgreSQL when
``CLIENTPORTAL_TEST_POSTGRES_URL`` is set), so database errors are real. Generation is
derandomized with fixed example counts, so a CI run is the same every time.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from sec_api_worlds import CSRF, PORTAL, ApiWorld, api_world

from clientportal.web import PortalApp

schemathesis = pytest.importorskip("schemathesis")

from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Examples per operation and generation mode: enough to reach every parameter's bounds, few
#: enough that both databases run in well under a minute.
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 12}
#: The same cases every run (derandomized, no example database), no shrinking budget wasted on
#: a pass; health checks about slow or filtered generation do not apply to a fuzzer whose
#: examples each make a real request.
SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest) -> Iterator[ApiWorld]:
    with api_world(request.param) as opened:
        # Expenses and trips shown too, so their lists and CSV exports answer 200.
        admin = opened.service.admin
        settings = admin.portal(PORTAL).settings
        admin.update_portal(
            PORTAL, settings=attrs.evolve(settings, show_expenses=True, show_trips=True)
        )
        yield opened


def _has_input(operation: Any) -> bool:
    """Whether the operation takes something besides the portal id (negative data needs it)."""
    names = {p.name for p in operation.iter_parameters()} - {"portal_id", CSRF}
    return bool(names) or (operation.body is not None and len(operation.body) > 0)


def _fuzz(world: ApiWorld, operation: Any, mode: GenerationMode, statuses: Counter[str]) -> None:
    """Run ``EXAMPLES[mode]`` cases of ``operation`` with the world's session and CSRF token;
    count each answer's status in ``statuses``."""
    cookie_name, cookie_value = world.session_cookie
    fixed = {"portal_id": PORTAL} if "{portal_id}" in operation.path else None
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)

    @settings(SETTINGS, max_examples=EXAMPLES[mode])
    @given(case=strategy)
    def run(case: Any) -> None:
        headers = {CSRF: world.csrf_token}
        response = case.call(headers=headers, cookies={cookie_name: cookie_value})
        statuses[f"{operation.label} {mode.value} {response.status_code}"] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def test_every_operation_answers_as_its_document_says(world: ApiWorld) -> None:
    """Finding 15: every operation of /api/openapi.json, fuzzed with valid and invalid input
    under a real session, answers no 5xx and only what the document declares."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", world.browser.app)
    statuses: Counter[str] = Counter()
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in EXAMPLES:
            if mode is GenerationMode.POSITIVE or _has_input(operation):
                _fuzz(world, operation, mode, statuses)
    elapsed = time.monotonic() - started
    print(
        f"\nschemathesis on {world.backend}: {len(operations)} operations, "
        f"{sum(statuses.values())} cases, {len(statuses)} (operation, mode, status) pairs, "
        f"in {elapsed:.1f} s"
    )
    # Every operation but the document itself (schemathesis reads it, and skips what serves it).
    assert sorted(op.label for op in operations) == sorted(
        f"{r.method} {r.pattern}"
        for r in PortalApp(world.service).routes
        if r.api and r.name != "api_openapi"
    )
    positive = Counter(key.rsplit(" ", 2)[0] for key in statuses if " positive " in key)
    assert set(positive) == {op.label for op in operations}
    # The session held throughout: the fuzzer reached past the 404 of a missing session.
    assert all(
        statuses[f"{op.label} positive 200"] for op in operations if "{document_id}" not in op.path
    )
