"""Queues, priorities, gridlock, cut-off, end of day, reports and the ticker, over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from tests.e2e.test_api_world import ApiWorld, api_world, payload
from tests.support.hub import BANK_A, BANK_B, BANK_C

pytestmark = pytest.mark.anyio
INR_ACCOUNTS_MIN = 4  # the central bank's issuance account and three banks at least


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    async with api_world(tmp_path, tick_interval_ms=0, gridlock_interval_ms=0) as world:
        yield world


async def _queue_one(api: ApiWorld, sender: str, receiver: str, over_minor: int = 1_00) -> str:
    """A payment just over what `sender` can pay: it waits (PDNG)."""
    amount_minor = api.world.hub.available_minor(sender, "INR") + over_minor
    data, (uetr,) = api.world.credit_transfer(sender, receiver, [amount_minor])
    answer = (await api.submit(sender, data)).json()
    assert answer["status"] == "PDNG", answer
    return uetr


async def _state(api: ApiWorld, uetr: str) -> str:
    tracking = (await api.get("ops", f"/v1/operator/payments/{uetr}")).json()
    return tracking["payment"]["state"]  # type: ignore[no-any-return]


async def test_own_queue_priority_and_operator_view(api: ApiWorld) -> None:
    first = await _queue_one(api, BANK_A, BANK_B, 5_00)
    second = await _queue_one(api, BANK_A, BANK_C, 9_00)
    own = (await api.get(BANK_A, "/v1/queue", currency="INR")).json()
    assert [(p["uetr"], p["position"], p["priority"]) for p in own["data"]] == [
        (first, 0, "NORM"),
        (second, 1, "NORM"),
    ]
    assert own["data"][0]["debtor"] == BANK_A and own["data"][0]["amount_minor"] > 0
    assert (await api.get(BANK_B, "/v1/queue")).json()["data"] == []
    moved = await api.post(BANK_A, f"/v1/queue/{second}/priority", {"priority": "URGT"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["changed"] is True and moved.json()["payment"]["priority"] == "URGT"
    reordered = (await api.get(BANK_A, "/v1/queue")).json()["data"]
    assert [p["uetr"] for p in reordered] == [second, first]
    for caller, uetr in ((BANK_B, first), (BANK_A, "not-a-uetr")):
        refused = await api.post(caller, f"/v1/queue/{uetr}/priority", {"priority": "HIGH"})
        assert refused.status_code == 404, (caller, refused.text)
    operator = (await api.get("audit", "/v1/operator/queues", currency="INR")).json()
    assert [p["uetr"] for p in operator["data"]] == [second, first]
    assert operator["queued_total"] == 2
    bad = await api.get(BANK_A, "/v1/queue", currency="XAU")
    assert (bad.status_code, bad.json()["error"]["param"]) == (400, "currency")


async def test_forced_gridlock_run_settles_a_deadlock(api: ApiWorld) -> None:
    over_minor = 10_000_00
    a_to_b = await _queue_one(api, BANK_A, BANK_B, over_minor)
    b_to_a = await _queue_one(api, BANK_B, BANK_A, over_minor)
    run = await api.post("ops", "/v1/operator/gridlock/INR")
    assert run.status_code == 200, run.text
    report = run.json()
    assert (report["queued_count"], report["settled_count"]) == (2, 2)
    assert report["liquidity_saved_minor"] > 0 and report["liquidity_saved"]
    for uetr in (a_to_b, b_to_a):
        assert await _state(api, uetr) == "SETTLED"
    assert (await api.post("ops", "/v1/operator/gridlock/XXX")).status_code == 404


async def test_cut_off_rejects_what_is_queued(api: ApiWorld) -> None:
    uetr = await _queue_one(api, BANK_C, BANK_A)
    response = await api.post("ops", "/v1/operator/day/INR/cut-off")
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == 1 and response.json()["day"]["queued_count"] == 0
    tracking = (await api.get(BANK_C, f"/v1/payments/{uetr}")).json()["payment"]
    assert (tracking["state"], tracking["reason"]) == ("REJECTED", "TM01")


async def test_end_of_day_sends_statements_and_day_states(api: ApiWorld) -> None:
    await api.pay(BANK_A, BANK_B, 123_45)
    days = (await api.get("compliance", "/v1/operator/day")).json()["data"]
    assert [d["currency"] for d in days] == ["BRL", "CNY", "INR", "RUB", "ZAR"]
    (inr,) = [d for d in days if d["currency"] == "INR"]
    assert inr["time_zone"] == "Asia/Kolkata" and inr["business_date"] == "2026-01-05"
    assert inr["cut_off_at"] == "2026-01-05T11:30:00Z" and inr["extension_min"] == 0
    response = await api.post("ops", "/v1/operator/day/INR/end-of-day")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["business_date"] == "2026-01-05" and report["statements"] >= INR_ACCOUNTS_MIN
    inbox = (await api.get(BANK_B, "/v1/outbox")).json()["data"]
    statements = [m for m in inbox if m["kind"].startswith("camt.053")]
    assert len(statements) == 1 and b"123.45" in payload(statements[0])


async def test_reports_on_request(api: ApiWorld) -> None:
    await api.pay(BANK_A, BANK_B, 5_00)
    now = api.world.now()
    body = {
        "kind": "camt.054",
        "currency": "INR",
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(seconds=1)).isoformat(),
    }
    response = await api.post(BANK_B, "/v1/reports", body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["kind"].startswith("camt.054") and b"5.00" in payload(report)
    assert report["from"] == body["from"].replace("+00:00", "Z")
    inbox = (await api.get(BANK_B, "/v1/outbox")).json()["data"]
    assert report["message_id"] in [m["message_id"] for m in inbox]
    for change, param in (
        ({"currency": "CNY"}, "currency"),
        ({"to": body["from"]}, "to"),
        ({"from": (now - timedelta(days=40)).isoformat()}, "to"),
        ({"from": "2026-01-05T09:00:00"}, "from"),
        ({"kind": "camt.099"}, "kind"),
    ):
        refused = await api.post(BANK_B, "/v1/reports", {**body, **change})
        assert refused.status_code == 400, (change, refused.text)
        assert refused.json()["error"]["param"] == param, change


async def test_the_ticker_opens_days_and_resolves_gridlock(tmp_path: Path) -> None:
    async with api_world(tmp_path, tick_interval_ms=20, gridlock_interval_ms=20) as api:
        a_to_b = await _queue_one(api, BANK_A, BANK_B, 1_000_00)
        b_to_a = await _queue_one(api, BANK_B, BANK_A, 1_000_00)
        for _ in range(200):
            await asyncio.sleep(0.02)
            day = (await api.get("ops", "/v1/operator/day")).json()["data"]
            states = {d["currency"]: d["state"] for d in day}
            settled = [await _state(api, u) for u in (a_to_b, b_to_a)]
            if states["INR"] == "open" and settled == ["SETTLED", "SETTLED"]:
                break
        # 09:30 UTC: Kolkata (15:00) and Moscow (12:30) are open; Shanghai is past cut-off
        assert (states["INR"], states["RUB"], states["CNY"]) == ("open", "open", "closed")
        assert settled == ["SETTLED", "SETTLED"]
        ticker = api.app.state.ticker
        assert ticker.runs["tick"] >= 1 and ticker.failures == {"tick": 0, "gridlock": 0}


async def test_intervals_are_bounded() -> None:
    from corridor.api import create_app

    hub = object()
    for bad in (-1, 5, 3_600_001):
        with pytest.raises(ValueError, match="tick_interval_ms"):
            create_app(hub, tick_interval_ms=bad)  # type: ignore[arg-type]
