"""Schemathesis against the in-process app: every documented operation, bounded examples,
no server error, and responses that match the OpenAPI document (status codes, content
types, bodies). Bounded for CI: at most MAX_EXAMPLES cases per operation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.python import asgi
from tests.e2e.test_api_authz import ENDPOINTS, PUBLIC
from tests.e2e.test_api_world import issue_tokens
from tests.support.hub import BANK_A, BANK_B, make_world

from corridor.api import create_app

MAX_EXAMPLES = 20
TOKENS: dict[str, str] = {}
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    world = make_world(tmp_path_factory.mktemp("api_schema"))
    TOKENS.update(issue_tokens(world))
    for amount_minor in (100, 200):  # something to page through and track
        data, _ = world.credit_transfer(BANK_A, BANK_B, [amount_minor])
        world.hub.submit(BANK_A, data)
    app = create_app(world.hub)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    asgi.shutdown_lifespans()  # stops the app's engine worker


def _caller(path: str) -> str:
    if path.startswith("/v1/operator"):
        return "ops"
    if path.startswith("/v1/compliance"):
        return "compliance"  # participants only ever get 403 there
    return BANK_B


OPERATIONS = sorted({(method, path) for method, path, *_ in ENDPOINTS} | PUBLIC)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_errors_and_responses_match_the_document(
    api_schema: Any, method: str, path: str
) -> None:
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {TOKENS[_caller(path)]}"}

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        if path == "/v1/outbox/stream":
            case.query = {**(case.query or {}), "wait_ms": 0}  # bounded: never wait in CI
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_the_document_is_complete(tmp_path: Path) -> None:
    document = create_app(make_world(tmp_path).hub).openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("tags"), where
            assert {"200", "201", "202"} & set(operation["responses"]), where  # a success
            if path not in ("/health", "/metrics"):
                assert {"401", "403"} <= set(operation["responses"]), where
                assert operation.get("security"), where
            assert "422" not in operation["responses"], where
