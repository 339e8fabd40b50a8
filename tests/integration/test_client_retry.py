"""The client's retry policy and error mapping, on a scripted transport (no hub)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

from corridor.client import (
    ConnectionFailed,
    CorridorApiError,
    CorridorClient,
    RetryPolicy,
    UnexpectedResponse,
)

ANSWER = {
    "status": "ACSC",
    "reason": None,
    "message_id": "F1",
    "kind": "pacs.002.001.10",
    "duplicate": False,
    "uetrs": ["u1"],
    "detail": "",
    "payload_base64": base64.b64encode(b"<x/>").decode(),
}
BUSY = {
    "error": {"type": "api_error", "code": "engine_overloaded", "message": "busy", "param": None}
}


class Script:
    """Answers requests in order with the given steps; records what was asked."""

    def __init__(self, *steps: httpx.Response | type[Exception]) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0)
        if isinstance(step, type):
            raise step("scripted failure")
        return step


def make_client(
    script: Callable[[httpx.Request], httpx.Response], attempts_max: int = 4
) -> tuple[CorridorClient, list[float]]:
    waits: list[float] = []
    client = CorridorClient(
        "http://hub.test",
        "crd_k_s",
        transport=httpx.MockTransport(script),
        retry=RetryPolicy(attempts_max=attempts_max, backoff_s=0.1),
        sleep=waits.append,
    )
    return client, waits


def test_send_is_retried_after_503_and_honours_retry_after() -> None:
    script = Script(
        httpx.Response(503, json=BUSY, headers={"Retry-After": "2"}),
        httpx.Response(200, json=ANSWER),
    )
    client, waits = make_client(script)
    result = client.send(b"<Message/>")
    assert result.status == "ACSC" and result.payload == b"<x/>"
    assert waits == [2.0]
    assert [r.content for r in script.requests] == [b"<Message/>", b"<Message/>"]
    assert script.requests[0].headers["content-type"] == "application/xml"
    assert script.requests[0].headers["authorization"] == "Bearer crd_k_s"


def test_send_is_retried_after_a_connection_error() -> None:
    script = Script(httpx.ConnectError, httpx.ReadTimeout, httpx.Response(200, json=ANSWER))
    client, waits = make_client(script)
    assert client.send(b"<Message/>").message_id == "F1"
    assert len(waits) == 2 and all(0 <= w <= 0.2 for w in waits)


def test_retries_stop_after_attempts_max() -> None:
    script = Script(*[httpx.ConnectError] * 3)
    client, waits = make_client(script, attempts_max=3)
    with pytest.raises(ConnectionFailed, match="ConnectError"):
        client.balances()
    assert len(script.requests) == 3 and len(waits) == 2


def test_last_503_is_raised_with_the_envelope() -> None:
    script = Script(*[httpx.Response(503, json=BUSY)] * 2)
    client, _ = make_client(script, attempts_max=2)
    with pytest.raises(CorridorApiError) as caught:
        client.outbox()
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        503,
        "engine_overloaded",
        "busy",
    )


def test_issuing_a_credential_is_never_retried() -> None:
    script = Script(httpx.Response(503, json=BUSY), httpx.Response(201, json={}))
    client, waits = make_client(script)
    with pytest.raises(CorridorApiError):
        client.issue_credential("GANGINBB")
    assert len(script.requests) == 1 and waits == []
    script = Script(httpx.ConnectError)
    client, _ = make_client(script)
    with pytest.raises(ConnectionFailed):
        client.issue_credential("GANGINBB")
    assert len(script.requests) == 1


def test_client_errors_are_not_retried() -> None:
    body = {
        "error": {
            "type": "invalid_request_error",
            "code": "parameter_invalid",
            "message": "must be 1..1000",
            "param": "limit",
        }
    }
    script = Script(httpx.Response(400, json=body))
    client, waits = make_client(script)
    with pytest.raises(CorridorApiError) as caught:
        client.outbox(limit=5)
    assert (caught.value.status, caught.value.param) == (400, "limit")
    assert "limit" in str(caught.value) and waits == []


def test_an_error_without_envelope_still_names_the_status() -> None:
    client, _ = make_client(Script(httpx.Response(502, text="bad gateway")), attempts_max=1)
    with pytest.raises(CorridorApiError) as caught:
        client.directory()
    assert (caught.value.status, caught.value.code) == (502, "http_502")
    assert "bad gateway" in caught.value.message


def test_an_answer_of_the_wrong_shape_is_reported() -> None:
    client, _ = make_client(Script(httpx.Response(200, json={"status": 1})))
    with pytest.raises(UnexpectedResponse, match="status"):
        client.send(b"<Message/>")


def test_acks_go_in_chunks_of_at_most_1000() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        ids = httpx.Response(200, content=request.content).json()["message_ids"]
        seen.append(len(ids))
        return httpx.Response(200, json={"acknowledged": ids, "unknown": []})

    seen: list[int] = []
    client, _ = make_client(answer)
    result = client.ack([f"F{i}" for i in range(2_500)])
    assert seen == [1_000, 1_000, 500] and len(result.acknowledged) == 2_500


def test_watch_long_polls_and_stops_when_idle() -> None:
    message = {
        "seq": 7,
        "message_id": "F7",
        "kind": "pacs.008.001.08",
        "uetrs": [],
        "created_at": "2026-01-05T09:30:00Z",
        "acked_at": None,
        "payload_base64": base64.b64encode(b"<m/>").decode(),
    }
    script = Script(
        httpx.Response(200, json={"data": [message], "has_more": False, "next_after": 7}),
        httpx.Response(200, json={"data": [], "has_more": False, "next_after": 7}),
    )
    client, _ = make_client(script)
    taken = list(client.watch(3, wait_s=5, idle_timeout_s=0))
    assert [m.seq for m in taken] == [7]
    assert taken[0].created_at is not None and taken[0].created_at.tzinfo is not None
    params = [dict(r.url.params) for r in script.requests]
    assert params[0]["after"] == "3" and params[1]["after"] == "7"
    assert all(r.url.path == "/v1/outbox/stream" for r in script.requests)
    assert params[1]["wait_ms"] == "0"


def test_retry_policy_limits() -> None:
    with pytest.raises(ValueError, match="attempts_max"):
        RetryPolicy(attempts_max=0)
    policy = RetryPolicy(backoff_s=1, backoff_s_max=4)
    assert all(0 <= policy.wait_s(10, None) <= 4 for _ in range(50))
    assert policy.wait_s(1, "999") == 30.0
