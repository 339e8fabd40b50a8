"""Authorization: a participant cannot see or ack another's data on any endpoint, cannot
call operator endpoints; auditor and compliance cannot write; every endpoint needs a
credential except /health and /metrics. The table below must list every route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.test_api_world import XML, ApiWorld, api_world
from tests.support.hub import BANK_A, BANK_B, BANK_C

from corridor.crypto.keys import generate_private_key, public_key_pem
from corridor.hub.security import Principal, Role

pytestmark = pytest.mark.anyio

PARTICIPANT, ANYONE, OP_READ, OP_WRITE = "participant", "anyone", "operator-read", "operator-write"
APPROVER, OFFICER = "approver", "compliance-officer"
ADMITTED = {
    PARTICIPANT: {Role.participant},
    ANYONE: set(Role),
    OP_READ: {Role.operator, Role.compliance, Role.auditor},
    OP_WRITE: {Role.operator},
    APPROVER: {Role.operator, Role.compliance},
    OFFICER: {Role.compliance},
}
UETR = "0b0c54f1-3a0e-4b8e-9c43-3c3f1e0b7a10"
_KEY = public_key_pem(generate_private_key().public_key()).decode()
_ONBOARD = {"bic": "NEWBINBB", "name": "New Bank", "country": "IN", "kind": "direct"}

# (method, path as in the OpenAPI document, concrete path, who may call, JSON body)
ENDPOINTS: list[tuple[str, str, str, str, Any]] = [
    ("POST", "/v1/messages", "/v1/messages", PARTICIPANT, None),
    ("GET", "/v1/outbox", "/v1/outbox", PARTICIPANT, None),
    ("GET", "/v1/outbox/stream", "/v1/outbox/stream?wait_ms=0", PARTICIPANT, None),
    ("POST", "/v1/outbox/ack", "/v1/outbox/ack", PARTICIPANT, {"message_ids": ["x"]}),
    ("GET", "/v1/payments/{uetr}", f"/v1/payments/{UETR}", ANYONE, None),
    ("GET", "/v1/payments", "/v1/payments", ANYONE, None),
    ("GET", "/v1/balances", "/v1/balances", PARTICIPANT, None),
    ("GET", "/v1/directory", "/v1/directory", ANYONE, None),
    ("GET", "/v1/operator/participants", "/v1/operator/participants", OP_READ, None),
    ("POST", "/v1/operator/participants", "/v1/operator/participants", OP_WRITE, _ONBOARD),
    *[
        (
            "POST",
            f"/v1/operator/participants/{{bic}}/{action}",
            f"/v1/operator/participants/{BANK_C}/{action}",
            OP_WRITE,
            None,
        )
        for action in ("suspend", "reinstate", "close")
    ],
    (
        "PUT",
        "/v1/operator/participants/{bic}/key",
        f"/v1/operator/participants/{BANK_C}/key",
        OP_WRITE,
        {"public_key_pem": _KEY},
    ),
    (
        "POST",
        "/v1/operator/credentials",
        "/v1/operator/credentials",
        OP_WRITE,
        {"principal": "someone", "role": "auditor"},
    ),
    ("GET", "/v1/operator/accounts", "/v1/operator/accounts", OP_READ, None),
    ("GET", "/v1/operator/payments/{uetr}", f"/v1/operator/payments/{UETR}", OP_READ, None),
    # liquidity, reports, business day
    ("GET", "/v1/queue", "/v1/queue?currency=INR", PARTICIPANT, None),
    (
        "POST",
        "/v1/queue/{uetr}/priority",
        f"/v1/queue/{UETR}/priority",
        PARTICIPANT,
        {"priority": "URGT"},
    ),
    (
        "POST",
        "/v1/reports",
        "/v1/reports",
        PARTICIPANT,
        {
            "kind": "camt.052",
            "currency": "INR",
            "from": "2026-01-05T00:00:00Z",
            "to": "2026-01-05T12:00:00Z",
        },
    ),
    ("GET", "/v1/operator/queues", "/v1/operator/queues", OP_READ, None),
    ("POST", "/v1/operator/gridlock/{currency}", "/v1/operator/gridlock/INR", OP_WRITE, None),
    (
        "POST",
        "/v1/operator/queues/{uetr}/move",
        f"/v1/operator/queues/{UETR}/move",
        OP_WRITE,
        {"to_front": True},
    ),
    (
        "POST",
        "/v1/operator/netting/{currency}/settle",
        "/v1/operator/netting/INR/settle",
        OP_WRITE,
        None,
    ),
    ("POST", "/v1/operator/day/{currency}/cut-off", "/v1/operator/day/BRL/cut-off", OP_WRITE, None),
    (
        "POST",
        "/v1/operator/day/{currency}/end-of-day",
        "/v1/operator/day/XXX/end-of-day",
        OP_WRITE,
        None,
    ),
    ("GET", "/v1/operator/day", "/v1/operator/day", OP_READ, None),
    # FX
    (
        "POST",
        "/v1/fx/quotes",
        "/v1/fx/quotes",
        PARTICIPANT,
        {
            "creditor_agent": BANK_A,
            "source_currency": "INR",
            "target_currency": "CNY",
            "amount": "100.00",
        },
    ),
    ("GET", "/v1/fx/quotes/{quote_id}", "/v1/fx/quotes/Qnope", PARTICIPANT, None),
    ("PUT", "/v1/fx/rates", "/v1/fx/rates", PARTICIPANT, {"rates": []}),
    (
        "GET",
        "/v1/operator/fx/volumes",
        "/v1/operator/fx/volumes?from=2026-01-01T00:00:00Z&to=2026-01-06T00:00:00Z",
        OP_READ,
        None,
    ),
    ("GET", "/v1/operator/fx/exposure", "/v1/operator/fx/exposure", OP_READ, None),
    # four eyes and audit
    ("GET", "/v1/operator/approvals", "/v1/operator/approvals", OP_READ, None),
    (
        "POST",
        "/v1/operator/approvals",
        "/v1/operator/approvals",
        OP_WRITE,
        {"action": "extend_cut_off", "params": {"currency": "INR", "minutes": 5}},
    ),
    *[
        (
            "POST",
            f"/v1/operator/approvals/{{approval_id}}/{decision}",
            f"/v1/operator/approvals/nope/{decision}",
            APPROVER,
            None,
        )
        for decision in ("approve", "refuse")
    ],
    ("GET", "/v1/operator/audit", "/v1/operator/audit?after=0&limit=5", OP_READ, None),
    ("GET", "/v1/operator/audit/verify", "/v1/operator/audit/verify", OP_READ, None),
    # compliance cases and watch lists
    ("GET", "/v1/compliance/cases", "/v1/compliance/cases?status=open", OP_READ, None),
    ("GET", "/v1/compliance/cases/export", "/v1/compliance/cases/export?format=csv", OP_READ, None),
    ("GET", "/v1/compliance/cases/{case_id}", "/v1/compliance/cases/nope", OP_READ, None),
    *[
        (
            "POST",
            f"/v1/compliance/cases/{{uetr}}/{decision}",
            f"/v1/compliance/cases/{UETR}/{decision}",
            OFFICER,
            {"note": "checked"},
        )
        for decision in ("reject", "release")
    ],
    (
        "POST",
        "/v1/compliance/suppressions",
        "/v1/compliance/suppressions",
        OFFICER,
        {
            "list_name": "national",
            "list_version": "v1",
            "entry_id": "national:X",
            "name": "Some Name",
            "reason": "known false positive",
        },
    ),
    ("POST", "/v1/operator/screening/reload", "/v1/operator/screening/reload", OP_WRITE, None),
]
PUBLIC = {("GET", "/health"), ("GET", "/metrics")}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    async with api_world(tmp_path) as world:
        yield world


async def _call(
    api: ApiWorld, method: str, path: str, body: Any, who: str | None
) -> httpx.Response:
    headers = api.auth(who) if who else {}
    if path == "/v1/messages":
        return await api.client.post(path, content=b"<x/>", headers={**XML, **headers})
    return await api.client.request(method, path, json=body, headers=headers)


async def test_the_table_lists_every_route(api: ApiWorld) -> None:
    documented = {
        (method.upper(), path)
        for path, operations in api.app.openapi()["paths"].items()
        for method in operations
    }
    assert documented == {(m, p) for m, p, *_ in ENDPOINTS} | PUBLIC


async def test_every_endpoint_needs_a_credential(api: ApiWorld) -> None:
    for method, _, path, _, body in ENDPOINTS:
        for token in (None, "crd_0000_nope"):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await api.client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, (method, path, token)
            assert response.json()["error"]["type"] == "authentication_error"
    for method, path in PUBLIC:
        assert (await api.client.request(method, path)).status_code == 200


async def test_roles_admitted_and_refused_on_every_endpoint(api: ApiWorld) -> None:
    callers = {
        BANK_C: Role.participant,
        "ops": Role.operator,
        "compliance": Role.compliance,
        "audit": Role.auditor,
    }
    for method, _, path, who_may, body in ENDPOINTS:
        for caller, role in callers.items():
            response = await _call(api, method, path, body, caller)
            if role in ADMITTED[who_may]:
                assert response.status_code not in (401, 403), (method, path, caller)
                assert response.status_code < 500, (method, path, caller, response.text)
            else:
                assert response.status_code == 403, (method, path, caller, response.text)
                assert response.json()["error"]["type"] == "permission_error"


@pytest.fixture
async def paid(api: ApiWorld) -> tuple[ApiWorld, str]:
    """A (BANK_A) has paid B (BANK_B); nothing acknowledged yet. C is a bystander."""
    return api, await api.pay(BANK_A, BANK_B, 777_00)


async def test_a_bystander_cannot_track_or_list_the_payment(paid: tuple[ApiWorld, str]) -> None:
    api, uetr = paid
    hidden = await api.get(BANK_C, f"/v1/payments/{uetr}")
    unknown = await api.get(BANK_C, f"/v1/payments/{UETR}")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()  # no existence leak
    for bank in (BANK_A, BANK_B):
        assert (await api.get(bank, f"/v1/payments/{uetr}")).status_code == 200
    assert (await api.get(BANK_C, "/v1/payments")).json()["data"] == []
    assert [p["uetr"] for p in (await api.get(BANK_B, "/v1/payments")).json()["data"]] == [uetr]


async def test_a_bystander_cannot_read_another_outbox(paid: tuple[ApiWorld, str]) -> None:
    api, _ = paid
    everything = await api.get(BANK_C, "/v1/outbox", include_acked="true")
    assert everything.json()["data"] == []
    assert (await api.get(BANK_C, "/v1/outbox/stream", wait_ms=0)).json()["data"] == []
    assert len((await api.get(BANK_B, "/v1/outbox")).json()["data"]) == 1
    assert len((await api.get(BANK_A, "/v1/outbox")).json()["data"]) == 1  # its pacs.002


async def test_nobody_acks_another_participants_messages(paid: tuple[ApiWorld, str]) -> None:
    api, uetr = paid
    b_ids = [m["message_id"] for m in (await api.get(BANK_B, "/v1/outbox")).json()["data"]]
    a_ids = [m["message_id"] for m in (await api.get(BANK_A, "/v1/outbox")).json()["data"]]
    for caller, ids in ((BANK_C, b_ids + a_ids), (BANK_A, b_ids), (BANK_B, a_ids)):
        response = await api.post(caller, "/v1/outbox/ack", {"message_ids": ids})
        assert response.json() == {"acknowledged": [], "unknown": ids}, caller
    assert [m["message_id"] for m in (await api.get(BANK_B, "/v1/outbox")).json()["data"]] == b_ids
    assert [m["message_id"] for m in (await api.get(BANK_A, "/v1/outbox")).json()["data"]] == a_ids
    tracking = (await api.get(BANK_A, f"/v1/payments/{uetr}")).json()
    assert tracking["payment"]["state"] == "SETTLED"  # not DELIVERED: B never acked


async def test_balances_are_the_callers_own(paid: tuple[ApiWorld, str]) -> None:
    api, _ = paid
    for bank in (BANK_A, BANK_B, BANK_C):
        shown = (await api.get(bank, "/v1/balances", bic=BANK_A)).json()["data"]
        own = api.world.hub.balances(Principal(bank, Role.participant))
        assert [(b["currency"], b["balance_minor"]) for b in shown] == [
            (b.currency, b.balance_minor) for b in own
        ], bank
    a_inr = next(
        b
        for b in api.world.hub.balances(Principal(BANK_A, Role.participant))
        if b.currency == "INR"
    )
    c_shown = (await api.get(BANK_C, "/v1/balances")).json()["data"]
    c_own = api.world.hub.balances(Principal(BANK_C, Role.participant))
    assert len(c_shown) == len(c_own)
    assert a_inr.balance_minor not in [b["balance_minor"] for b in c_shown]


async def test_a_participant_cannot_send_as_another(paid: tuple[ApiWorld, str]) -> None:
    api, _ = paid
    before = api.world.hub.balances(Principal(BANK_A, Role.participant))
    data, (uetr,) = api.world.credit_transfer(BANK_A, BANK_C, [1_00])  # signed by A's key
    answer = (await api.submit(BANK_C, data)).json()
    assert answer["status"] == "RJCT"
    assert api.world.hub.balances(Principal(BANK_A, Role.participant)) == before
    assert (await api.get(BANK_A, f"/v1/payments/{uetr}")).status_code == 404
