"""Four eyes and the audit log over HTTP: request, approve (by another user), refuse,
refusals of bad requests, the cut-off extension, audit pages and verification."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_api_world import ApiWorld, api_world
from tests.support.hub import BANK_A

pytestmark = pytest.mark.anyio


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    async with api_world(tmp_path, tick_interval_ms=0, gridlock_interval_ms=0) as world:
        yield world


async def _request(api: ApiWorld, action: str, params: dict[str, Any]) -> dict[str, Any]:
    response = await api.post("ops", "/v1/operator/approvals", {"action": action, "params": params})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _inr_balance(api: ApiWorld) -> int:
    balances = (await api.get(BANK_A, "/v1/balances")).json()["data"]
    return next(b["balance_minor"] for b in balances if b["currency"] == "INR")


async def test_funding_needs_a_second_pair_of_eyes(api: ApiWorld) -> None:
    before = await _inr_balance(api)
    request = await _request(api, "fund", {"bic": BANK_A, "currency": "INR", "amount": "1000.00"})
    assert (request["status"], request["requested_by"]) == ("pending", "ops")
    assert request["params"] == {"bic": BANK_A, "currency": "INR", "amount": "1000.00"}
    pending = (await api.get("audit", "/v1/operator/approvals")).json()["data"]
    assert [a["id"] for a in pending] == [request["id"]]
    assert await _inr_balance(api) == before  # nothing happens on request

    own = await api.post("ops", f"/v1/operator/approvals/{request['id']}/approve")
    assert (own.status_code, own.json()["error"]["param"]) == (400, "approved_by")
    auditor = await api.post("audit", f"/v1/operator/approvals/{request['id']}/approve")
    assert auditor.status_code == 403
    decision = await api.post("compliance", f"/v1/operator/approvals/{request['id']}/approve")
    assert decision.status_code == 200, decision.text
    body = decision.json()
    assert (body["result"], body["approval"]["status"], body["approval"]["decided_by"]) == (
        "ok",
        "approved",
        "compliance",
    )
    assert await _inr_balance(api) == before + 1000_00
    again = await api.post("compliance", f"/v1/operator/approvals/{request['id']}/approve")
    assert again.status_code == 400 and "already approved" in again.json()["error"]["message"]
    assert (await api.get("ops", "/v1/operator/approvals")).json()["data"] == []


async def test_refusal_carries_nothing_out(api: ApiWorld) -> None:
    request = await _request(
        api, "set_credit_line", {"bic": BANK_A, "currency": "INR", "credit_line": "0"}
    )
    before = (await api.get(BANK_A, "/v1/balances")).json()
    refused = await api.post("compliance", f"/v1/operator/approvals/{request['id']}/refuse")
    assert refused.status_code == 200, refused.text
    assert (refused.json()["approval"]["status"], refused.json()["result"]) == ("refused", None)
    assert (await api.get(BANK_A, "/v1/balances")).json() == before
    unknown = await api.post("ops", "/v1/operator/approvals/nope/refuse")
    assert (unknown.status_code, unknown.json()["error"]["param"]) == (400, "approval_id")


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"action": "fund", "params": {"bic": BANK_A, "currency": "INR"}}, "fund.params.amount"),
        (
            {"action": "fund", "params": {"bic": BANK_A, "currency": "INR", "amount": "1.234"}},
            "params.amount",
        ),
        (
            {"action": "defund", "params": {"bic": BANK_A, "currency": "INR", "amount": "0"}},
            "params.amount",
        ),
        (
            {"action": "fund", "params": {"bic": BANK_A, "currency": "CNY", "amount": "1.00"}},
            "params.bic",
        ),
        (
            {"action": "set_limits", "params": {"currency": "XAU"}},
            "params.currency",
        ),
        (
            {
                "action": "set_limits",
                "params": {"currency": "INR", "multilateral": [[BANK_A, "1.001"]]},
            },
            "params.multilateral[0]",
        ),
        (
            {"action": "extend_cut_off", "params": {"currency": "INR", "minutes": 0}},
            "extend_cut_off.params.minutes",
        ),
    ],
)
async def test_requests_that_could_never_be_carried_out_are_refused(
    api: ApiWorld, body: dict[str, Any], param: str
) -> None:
    response = await api.post("ops", "/v1/operator/approvals", body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param
    assert (await api.get("ops", "/v1/operator/approvals")).json()["data"] == []


async def test_an_unknown_action_is_refused_naming_the_actions(api: ApiWorld) -> None:
    response = await api.post("ops", "/v1/operator/approvals", {"action": "launch", "params": {}})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "launch" in message and "'fund'" in message and "'extend_cut_off'" in message


async def test_cut_off_extension_and_limits(api: ApiWorld) -> None:
    await api.app.state.ctx.engine.run(api.world.hub.tick)  # opens the INR day
    extension = await _request(
        api, "extend_cut_off", {"currency": "INR", "minutes": 30, "reason": "late funding"}
    )
    decision = await api.post("compliance", f"/v1/operator/approvals/{extension['id']}/approve")
    assert decision.json()["result"] == "ok"
    days = (await api.get("ops", "/v1/operator/day")).json()["data"]
    (inr,) = [d for d in days if d["currency"] == "INR"]
    assert (inr["state"], inr["extension_min"], inr["cut_off_at"]) == (
        "open",
        30,
        "2026-01-05T12:00:00Z",
    )
    limits = await _request(
        api, "set_limits", {"currency": "INR", "bilateral": [[BANK_A, "DECCINBB", "10.00"]]}
    )
    done = await api.post("compliance", f"/v1/operator/approvals/{limits['id']}/approve")
    assert done.status_code == 200 and done.json()["approval"]["status"] == "approved"
    data, _ = api.world.credit_transfer(BANK_A, "DECCINBB", [20_00])
    assert (await api.submit(BANK_A, data)).json()["status"] == "PDNG"  # over the limit


async def test_audit_log_pages_and_verifies(api: ApiWorld) -> None:
    request = await _request(api, "fund", {"bic": BANK_A, "currency": "INR", "amount": "5.00"})
    await api.post("compliance", f"/v1/operator/approvals/{request['id']}/approve")
    everything = (await api.get("audit", "/v1/operator/audit", limit=1000)).json()
    actions = [e["action"] for e in everything["data"]]
    assert "request:fund" in actions and "approve:fund" in actions
    assert everything["has_more"] is False
    first = (await api.get("audit", "/v1/operator/audit", after=0, limit=1)).json()
    assert first["has_more"] is True and first["next_after"] == first["data"][0]["seq"]
    following = (await api.get("audit", "/v1/operator/audit", after=first["next_after"])).json()
    assert following["data"][0]["prev_hash"] == first["data"][0]["hash"]
    check = (await api.get("audit", "/v1/operator/audit/verify")).json()
    assert check == {"entries": len(everything["data"]), "ok": True, "problems": []}
    bad = await api.get("audit", "/v1/operator/audit", limit=0)
    assert (bad.status_code, bad.json()["error"]["param"]) == (400, "limit")
