"""The HTTP API end to end, in process: submit, duplicates, outbox, long poll, ack,
tracking, payments, balances, directory, operator endpoints, errors, health, metrics, logs."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import structlog
from lxml import etree
from tests.e2e.test_api_world import XML, ApiWorld, api_world, payload
from tests.support.hub import BANK_A, BANK_B, BANK_C

from corridor.crypto.keys import generate_private_key, public_key_pem
from corridor.hub.intake_pool import IntakeWorkerError
from corridor.hub.worker import Overloaded
from corridor.store.ledger_store import LedgerStore


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    async with api_world(tmp_path) as world:
        yield world


def _inr(balances: list[dict[str, object]]) -> dict[str, object]:
    (inr,) = [b for b in balances if b["currency"] == "INR"]
    return inr


pytestmark = pytest.mark.anyio


async def test_payment_settles_is_delivered_and_tracked(api: ApiWorld) -> None:
    before = _inr((await api.get(BANK_B, "/v1/balances")).json()["data"])
    data, (uetr,) = api.world.credit_transfer(BANK_A, BANK_B, [1_234_56])
    response = await api.submit(BANK_A, data)
    assert response.status_code == 200
    answer = response.json()
    assert (answer["status"], answer["kind"], answer["duplicate"]) == (
        "ACSC",
        "pacs.002.001.10",
        False,
    )
    assert answer["uetrs"] == [uetr]
    assert b"ACSC" in payload(answer)

    inbox = (await api.get(BANK_B, "/v1/outbox")).json()
    assert [m["kind"] for m in inbox["data"]] == ["pacs.008.001.08"]
    assert inbox["data"][0]["uetrs"] == [uetr]
    assert etree.fromstring(payload(inbox["data"][0])) is not None
    message_id = inbox["data"][0]["message_id"]

    ack = await api.post(BANK_B, "/v1/outbox/ack", {"message_ids": [message_id]})
    assert ack.json() == {"acknowledged": [message_id], "unknown": []}
    assert (await api.get(BANK_B, "/v1/outbox")).json()["data"] == []
    again = await api.get(BANK_B, "/v1/outbox", include_acked="true")
    assert again.json()["data"][0]["acked_at"] is not None

    tracking = (await api.get(BANK_A, f"/v1/payments/{uetr}")).json()
    assert tracking["payment"]["state"] == "DELIVERED"
    assert tracking["payment"]["amount"] == "1234.56"
    assert tracking["payment"]["amount_minor"] == 1_234_56
    states = [e["state"] for e in tracking["events"]]
    assert states == ["RECEIVED", "VALIDATED", "SCREENED", "SETTLED", "DELIVERED"]
    assert all(e["at"].endswith("Z") for e in tracking["events"])

    after = _inr((await api.get(BANK_B, "/v1/balances")).json()["data"])
    assert after["balance_minor"] == before["balance_minor"] + 1_234_56  # type: ignore[operator]
    assert after["balance"] == f"{after['balance_minor'] / 100:.2f}"  # display check only


async def test_resent_msgid_returns_the_original_answer_and_settles_once(api: ApiWorld) -> None:
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [500_00])
    first = (await api.submit(BANK_A, data)).json()
    balance = _inr((await api.get(BANK_A, "/v1/balances")).json()["data"])["balance_minor"]
    second = (await api.submit(BANK_A, data)).json()
    assert second["duplicate"] is True
    assert (second["message_id"], second["status"]) == (first["message_id"], first["status"])
    assert _inr((await api.get(BANK_A, "/v1/balances")).json()["data"])["balance_minor"] == balance
    inbox = (await api.get(BANK_B, "/v1/outbox")).json()["data"]
    assert len(inbox) == 1


async def test_answer_as_signed_xml_on_request(api: ApiWorld) -> None:
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [100])
    response = await api.submit(BANK_A, data, Accept="application/xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    assert b"pacs.002" in etree.tostring(root)


async def test_garbage_gets_a_reject_answer_not_a_server_error(api: ApiWorld) -> None:
    for body in (b"", b"not xml", b"<a><b></a>", b"<?xml version='1.0'?><x/>"):
        response = await api.submit(BANK_A, body)
        assert response.status_code == 200, body
        assert response.json()["status"] == "RJCT", body


async def test_wrong_content_type_is_415(api: ApiWorld) -> None:
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [100])
    response = await api.client.post(
        "/v1/messages", content=data, headers={**api.auth(BANK_A), "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


async def test_body_over_the_limit_is_413_before_parsing(tmp_path: Path) -> None:
    async with api_world(tmp_path, message_bytes_max=2_048) as api:
        data, _ = api.world.credit_transfer(BANK_A, BANK_B, [100])
        assert len(data) > 2_048
        response = await api.submit(BANK_A, data)
        assert response.status_code == 413
        assert response.json()["error"] == {
            "type": "invalid_request_error",
            "code": "body_too_large",
            "message": "a message is at most 2048 bytes",
            "param": "body",
        }

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: streamed check
            for _ in range(10):
                yield b"x" * 1_000

        streamed = await api.client.post(
            "/v1/messages", content=chunks(), headers={**XML, **api.auth(BANK_A)}
        )
        assert streamed.status_code == 413


async def test_default_limit_is_4_mib(api: ApiWorld) -> None:
    response = await api.submit(BANK_A, b"<" + b"x" * (4 * 1024 * 1024))
    assert response.status_code == 413


async def test_outbox_cursor_pages(api: ApiWorld) -> None:
    uetrs = [await api.pay(BANK_A, BANK_B, 100 + i) for i in range(5)]
    seen: list[str] = []
    after, pages = 0, 0
    while True:
        page = (await api.get(BANK_B, "/v1/outbox", after=after, limit=2)).json()
        seen += [u for m in page["data"] for u in m["uetrs"]]
        pages += 1
        if not page["has_more"]:
            break
        after = page["next_after"]
    assert seen == uetrs
    assert pages == 3
    assert (await api.get(BANK_B, "/v1/outbox", limit=1001)).status_code == 400


async def test_payments_list_pages_through_equal_timestamps(api: ApiWorld) -> None:
    uetrs = {await api.pay(BANK_A, BANK_B, 100 + i) for i in range(5)}  # one fixed clock
    seen: list[str] = []
    after = ""
    for _ in range(10):
        page = (await api.get(BANK_B, "/v1/payments", after=after, limit=2)).json()
        seen += [p["uetr"] for p in page["data"]]
        if not page["has_more"]:
            break
        after = page["next_after"]
    assert sorted(seen) == sorted(uetrs)
    bad = await api.get(BANK_B, "/v1/payments", after="nonsense")
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "after"


async def test_long_poll_wakes_when_a_message_arrives(api: ApiWorld) -> None:
    started = time.perf_counter()
    empty = (await api.get(BANK_B, "/v1/outbox/stream", wait_ms=200)).json()
    assert empty["data"] == [] and empty["next_after"] == 0
    assert time.perf_counter() - started >= 0.2

    poll = asyncio.create_task(api.get(BANK_B, "/v1/outbox/stream", wait_ms=10_000))
    await asyncio.sleep(0.1)
    assert not poll.done()
    started = time.perf_counter()
    uetr = await api.pay(BANK_A, BANK_B)
    page = (await asyncio.wait_for(poll, 5)).json()
    assert time.perf_counter() - started < 2
    assert [m["uetrs"] for m in page["data"]] == [[uetr]]
    assert (await api.get(BANK_B, "/v1/outbox/stream", wait_ms=30_001)).status_code == 400


async def test_directory_as_json_and_csv(api: ApiWorld) -> None:
    listing = (await api.get(BANK_C, "/v1/directory")).json()["data"]
    bics = {p["bic"] for p in listing}
    assert {BANK_A, BANK_B, BANK_C} <= bics
    entry = next(p for p in listing if p["bic"] == BANK_A)
    assert entry["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in str(listing)
    as_csv = await api.get(BANK_C, "/v1/directory", format="csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {r["bic"] for r in rows} == bics
    by_accept = await api.client.get(
        "/v1/directory", headers={**api.auth(BANK_C), "Accept": "text/csv"}
    )
    assert by_accept.text == as_csv.text


async def test_operator_onboards_suspends_reinstates_closes(api: ApiWorld) -> None:
    key = public_key_pem(generate_private_key().public_key()).decode()
    body = {
        "bic": "NEWBINBB",
        "name": "New Bank of India",
        "country": "IN",
        "kind": "direct",
        "public_key_pem": key,
        "accounts": [{"currency": "INR", "credit_line": "1000000.00"}],
    }
    requested = await api.post("ops", "/v1/operator/participants", body)
    assert requested.status_code == 202, requested.text
    approval = requested.json()
    assert (approval["action"], approval["status"]) == ("onboard", "pending")
    assert (await api.get("ops", "/v1/operator/accounts", bic="NEWBINBB")).json()["data"] == []
    own = await api.post("ops", f"/v1/operator/approvals/{approval['id']}/approve")
    assert own.status_code == 400  # four eyes: not by the operator who asked
    decided = await api.post("ops2", f"/v1/operator/approvals/{approval['id']}/approve")
    assert decided.status_code == 200, decided.text
    assert decided.json()["result"] == "INR:ok"
    accounts = (await api.get("ops", "/v1/operator/accounts", bic="NEWBINBB")).json()["data"]
    assert [(a["currency"], a["floor"], a["owner"]) for a in accounts] == [
        ("INR", "-1000000.00", "NEWBINBB")
    ]
    for action, status in (("suspend", "suspended"), ("reinstate", "active"), ("close", "closed")):
        changed = await api.post("ops", f"/v1/operator/participants/NEWBINBB/{action}")
        assert changed.json()["status"] == status
    listing = (await api.get("audit", "/v1/operator/participants")).json()["data"]
    assert next(p for p in listing if p["bic"] == "NEWBINBB")["status"] == "closed"
    unknown = await api.post("ops", "/v1/operator/participants/NOSUCHXX/suspend")
    assert unknown.status_code == 404


async def test_onboarding_errors_name_the_field(api: ApiWorld) -> None:
    body = {
        "bic": "NEWBINBB",
        "name": "N",
        "country": "IN",
        "kind": "direct",
        "accounts": [{"currency": "INR", "credit_line": "12.345"}],
    }
    bad_amount = await api.post("ops", "/v1/operator/participants", body)
    assert bad_amount.status_code == 400
    assert bad_amount.json()["error"]["param"] == "accounts[0].credit_line"
    path = "/v1/operator/participants"
    bad_bic = await api.post("ops", path, {**body, "bic": "bad", "accounts": []})
    assert (bad_bic.status_code, bad_bic.json()["error"]["param"]) == (400, "bic")
    bad_kind = await api.post("ops", "/v1/operator/participants", {**body, "kind": "alien"})
    assert (bad_kind.status_code, bad_kind.json()["error"]["param"]) == (400, "kind")


async def test_operator_key_and_credentials(api: ApiWorld) -> None:
    key = generate_private_key()
    pem = public_key_pem(key.public_key()).decode()
    response = await api.client.put(
        f"/v1/operator/participants/{BANK_C}/key",
        json={"public_key_pem": pem},
        headers=api.auth("ops"),
    )
    assert response.status_code == 200 and response.json()["public_key_pem"] == pem
    bad = await api.client.put(
        f"/v1/operator/participants/{BANK_C}/key",
        json={"public_key_pem": "not a key"},
        headers=api.auth("ops"),
    )
    assert bad.status_code == 400
    issued = await api.post(
        "ops", "/v1/operator/credentials", {"principal": BANK_C, "role": "participant"}
    )
    assert issued.status_code == 201
    token = issued.json()["token"]
    mine = await api.client.get("/v1/balances", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200
    nobody = await api.post(
        "ops", "/v1/operator/credentials", {"principal": "NOSUCHXX", "role": "participant"}
    )
    assert (nobody.status_code, nobody.json()["error"]["param"]) == (400, "principal")


async def test_operator_reads_accounts_and_any_payment(api: ApiWorld) -> None:
    uetr = await api.pay(BANK_A, BANK_B)
    for role in ("ops", "compliance", "audit"):
        tracked = await api.get(role, f"/v1/operator/payments/{uetr}")
        assert tracked.json()["payment"]["uetr"] == uetr
        owners = {a["owner"] for a in (await api.get(role, "/v1/operator/accounts")).json()["data"]}
        assert {BANK_A, BANK_B, BANK_C} <= owners
        listed = (await api.get(role, "/v1/payments")).json()["data"]
        assert uetr in [p["uetr"] for p in listed]
    assert (await api.get("ops", "/v1/operator/payments/nope")).status_code == 404


async def test_error_envelope_for_auth_and_routing(api: ApiWorld) -> None:
    missing = await api.get(None, "/v1/outbox")
    assert missing.status_code == 401
    assert missing.json()["error"]["type"] == "authentication_error"
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = await api.client.get("/v1/outbox", headers={"Authorization": "Bearer crd_x_y"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "invalid_credentials")
    nowhere = await api.get(BANK_A, "/v1/nowhere")
    assert nowhere.status_code == 404 and set(nowhere.json()["error"]) == {
        "type",
        "code",
        "message",
        "param",
    }
    bad_limit = await api.get(BANK_A, "/v1/outbox", limit=0)
    assert (bad_limit.status_code, bad_limit.json()["error"]["param"]) == (400, "limit")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (Overloaded("more than 20000 messages waiting"), "engine_overloaded"),
        (IntakeWorkerError("the intake process is gone"), "intake_unavailable"),
    ],
)
async def test_engine_or_intake_unavailable_is_503_with_retry_after(
    api: ApiWorld, error: Exception, code: str
) -> None:
    worker = api.app.state.ctx.engine

    async def refuse(_sender: str, _data: bytes) -> None:
        raise error

    worker.submit = refuse
    response = await api.submit(BANK_A, b"<x/>")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["code"] == code


async def test_health_and_metrics(api: ApiWorld) -> None:
    health = await api.client.get("/health")
    assert health.json() == {"status": "ok", "database": "ok", "engine": "ok"}
    await api.pay(BANK_A, BANK_B)
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [100])
    for _ in range(2):  # settled, then its duplicate
        assert (await api.submit(BANK_A, data)).status_code == 200
    text = (await api.client.get("/metrics")).text
    labels = 'duplicate="false",kind="pacs.002.001.10",status="ACSC"'
    assert f"corridor_messages_total{{{labels}}} 2.0" in text
    labels = 'duplicate="true",kind="pacs.002.001.10",status="ACSC"'
    assert f"corridor_messages_total{{{labels}}} 1.0" in text
    assert "corridor_engine_batch_messages_count 3.0" in text
    route = 'method="POST",route="/v1/messages",status="200"'
    assert f"corridor_http_request_duration_seconds_count{{{route}}} 3.0" in text
    assert BANK_A not in text


async def test_a_stale_ledger_answers_503_until_health_reloads_it(
    api: ApiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed commit whose reload failed too (the database away) leaves the ledger
    stale: balances answer 503, and the health probe reloads it once it can."""

    def refused(_store: LedgerStore) -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setattr(LedgerStore, "load", refused)
    with pytest.raises(ConnectionError):
        api.world.hub.engine.reload()
    stale = await api.get(BANK_A, "/v1/balances")
    assert stale.status_code == 503
    assert stale.json()["error"]["code"] == "database_unavailable"
    assert stale.headers["Retry-After"] == "1"
    health = await api.client.get("/health")
    assert health.status_code == 503 and health.json()["engine"] == "unresponsive"
    monkeypatch.undo()  # the database is back
    assert (await api.client.get("/health")).json()["status"] == "ok"
    assert (await api.get(BANK_A, "/v1/balances")).status_code == 200


async def test_one_json_log_line_per_request_without_secrets(api: ApiWorld) -> None:
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [100])
    with structlog.testing.capture_logs() as logs:
        await api.submit(BANK_A, data)
        await api.get(BANK_B, "/v1/outbox")
    assert [(e["method"], e["route"], e["status"], e["principal"]) for e in logs] == [
        ("POST", "/v1/messages", 200, BANK_A),
        ("GET", "/v1/outbox", 200, BANK_B),
    ]
    assert all(isinstance(e["duration_ms"], float) for e in logs)
    text = str(logs)
    assert api.tokens[BANK_A] not in text and api.tokens[BANK_B] not in text
    assert "AppHdr" not in text
