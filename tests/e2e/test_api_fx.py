"""Cross-currency payments over HTTP (issue 6): a provider publishes rates, a bank asks a
quote, pays with it, both banks receive the right messages, and the statements of every
account involved show their leg. Also quote refusals, rate validation and FX reports."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select
from tests.e2e.test_api_world import ApiWorld, api_world, payload
from tests.support.hub import BANK_A, BANK_B, fail_commits

from corridor.fx import QuoteStatus
from corridor.iso20022.records import (
    Agent,
    Charge,
    CreditTransfer,
    CreditTransferTransaction,
    GroupHeader,
    Party,
)
from corridor.store.schema import fx_quotes

pytestmark = pytest.mark.anyio
PROVIDER, CNY_BANK = "SILKHKHH", "HANGCNSH"


async def _credential(api: ApiWorld, principal: str) -> None:
    response = await api.post(
        "ops", "/v1/operator/credentials", {"principal": principal, "role": "participant"}
    )
    assert response.status_code == 201, response.text
    api.tokens[principal] = response.json()["token"]


def _tier(api: ApiWorld, base: str, quote: str, bid: str, ask: str) -> dict[str, Any]:
    now = api.world.now()
    return {
        "base": base,
        "quote": quote,
        "bid": bid,
        "ask": ask,
        "band_min": "0.01",
        "band_max": "100000000.00",
        "exposure_max": "400000000.00",
        "valid_from": (now - timedelta(minutes=1)).isoformat(),
        "valid_until": (now + timedelta(days=1)).isoformat(),
    }


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    async with api_world(tmp_path, tick_interval_ms=0, gridlock_interval_ms=0) as world:
        for principal in (PROVIDER, CNY_BANK):
            await _credential(world, principal)
        sheet = {"rates": [_tier(world, "CNY", "INR", "11.5312345678", "11.6412345678")]}
        response = await world.client.put("/v1/fx/rates", json=sheet, headers=world.auth(PROVIDER))
        assert response.status_code == 200, response.text
        yield world


async def _quote(api: ApiWorld, **fields: str) -> dict[str, Any]:
    body = {
        "creditor_agent": CNY_BANK,
        "source_currency": "INR",
        "target_currency": "CNY",
        "fixed_side": "SEND",
        "amount": "1000000.00",
        **fields,
    }
    response = await api.post(BANK_A, "/v1/fx/quotes", body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _pacs008(api: ApiWorld, quote: dict[str, Any]) -> tuple[bytes, str]:
    """What a bank builds from the quote's JSON alone."""
    now, uetr = api.world.now(), str(uuid.uuid4())
    tx = CreditTransferTransaction(
        end_to_end_id="FX-E2E-1",
        uetr=uetr,
        amount_minor=quote["target_minor"],
        currency=quote["target_currency"],
        settlement_date=now.date(),
        charge_bearer=quote["charge_bearer"],
        instructed_amount_minor=quote["instructed_minor"],
        instructed_currency=quote["source_currency"],
        exchange_rate=Decimal(quote["xchg_rate"]),
        charges=tuple(
            Charge(c["amount_minor"], c["currency"], Agent(bic=c["agent"]))
            for c in quote["charges"]
        ),
        debtor=Party(name="Ganges Textiles Pvt Ltd", country="IN"),
        debtor_agent=Agent(bic=BANK_A),
        creditor_agent=Agent(bic=quote["creditor_agent"]),
        creditor=Party(name="Hangzhou Silk Buyer Ltd", country="CN"),
        quote_id=quote["id"],
    )
    group = GroupHeader(
        msg_id=api.world.next_ref("FXMSG"),
        created_at=now,
        number_of_transactions=1,
        settlement_method="CLRG",
        total_amount_minor=tx.amount_minor,
        total_currency=tx.currency,
        settlement_date=now.date(),
    )
    return api.world.sign(BANK_A, CreditTransfer(group=group, transactions=(tx,))), uetr


def _entries(xml: bytes) -> list[tuple[str, str]]:
    """(amount, CRDT|DBIT) of every Ntry of a camt.052/053/054."""
    root = etree.fromstring(xml)
    return [
        (entry.findtext("{*}Amt") or "", entry.findtext("{*}CdtDbtInd") or "")
        for entry in root.iter("{*}Ntry")
    ]


async def _statement(api: ApiWorld, who: str, currency: str, kind: str) -> list[tuple[str, str]]:
    now = api.world.now()
    body = {
        "kind": kind,
        "currency": currency,
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(seconds=1)).isoformat(),
    }
    response = await api.post(who, "/v1/reports", body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["kind"].startswith(kind) and report["currency"] == currency
    return _entries(payload(report))


async def test_quote_pay_with_it_deliver_and_every_leg_in_the_statements(api: ApiWorld) -> None:
    quote = await _quote(api)
    assert quote["status"] == "locked" and quote["debtor_agent"] == BANK_A
    assert Decimal(quote["source_amount"]) * 100 == quote["source_minor"] == 1_000_000_00
    assert quote["charges"] and quote["charges_minor"] == sum(
        c["amount_minor"] for c in quote["charges"]
    )
    assert quote["debtor_total_minor"] == quote["source_minor"] + quote["charges_minor"]
    assert [leg["provider"] for leg in quote["legs"]] == [PROVIDER]
    assert isinstance(quote["rate"], str) and isinstance(quote["xchg_rate"], str)
    assert quote["expires_at"] > quote["created_at"]
    fetched = await api.get(BANK_A, f"/v1/fx/quotes/{quote['id']}")
    assert fetched.json() == quote
    assert (await api.get(BANK_B, f"/v1/fx/quotes/{quote['id']}")).status_code == 404

    data, uetr = _pacs008(api, quote)
    answer = (await api.submit(BANK_A, data)).json()
    assert (answer["status"], answer["uetrs"]) == ("ACSC", [uetr]), answer["detail"]

    forwarded = (await api.get(CNY_BANK, "/v1/outbox")).json()["data"]
    assert [(m["kind"][:8], m["uetrs"]) for m in forwarded] == [("pacs.008", [uetr])]
    xml = payload(forwarded[0])
    assert f"/FXQT/{quote['id']}".encode() in xml and b"XchgRate" in xml
    assert quote["target_amount"].encode() in xml and quote["instructed_amount"].encode() in xml
    debtor_inbox = (await api.get(BANK_A, "/v1/outbox")).json()["data"]
    assert [m["kind"][:8] for m in debtor_inbox] == ["pacs.002"]
    assert b"ACSC" in payload(debtor_inbox[0])

    charges = [(c["amount"], "DBIT") for c in quote["charges"]]
    a_inr = await _statement(api, BANK_A, "INR", "camt.053")
    assert (quote["source_amount"], "DBIT") in a_inr and all(c in a_inr for c in charges)
    provider_inr = await _statement(api, PROVIDER, "INR", "camt.052")
    assert (quote["source_amount"], "CRDT") in provider_inr
    provider_cny = await _statement(api, PROVIDER, "CNY", "camt.052")
    assert (quote["target_amount"], "DBIT") in provider_cny
    creditor_cny = await _statement(api, CNY_BANK, "CNY", "camt.053")
    assert (quote["target_amount"], "CRDT") in creditor_cny

    tracking = (await api.get(BANK_A, f"/v1/payments/{uetr}")).json()
    legs = [e["detail"] for e in tracking["events"] if e["detail"].startswith("leg ")]
    assert len(legs) == 2 + len(quote["charges"])
    settled = (await api.get(BANK_A, f"/v1/fx/quotes/{quote['id']}")).json()
    assert settled["status"] == "settled"


async def test_operator_sees_volumes_and_exposure(api: ApiWorld) -> None:
    quote = await _quote(api, amount="250000.00")
    data, _ = _pacs008(api, quote)
    assert (await api.submit(BANK_A, data)).json()["status"] == "ACSC"
    now = api.world.now()
    window = {
        "from": (now - timedelta(days=1)).isoformat(),
        "to": (now + timedelta(days=1)).isoformat(),
    }
    volumes = (await api.get("audit", "/v1/operator/fx/volumes", **window)).json()["data"]
    assert [(v["provider"], v["source_currency"], v["target_currency"]) for v in volumes] == [
        (PROVIDER, "INR", "CNY")
    ]
    assert (volumes[0]["trades"], volumes[0]["source_minor"]) == (1, quote["source_minor"])
    exposure = (await api.get("compliance", "/v1/operator/fx/exposure")).json()["data"]
    (row,) = [r for r in exposure if r["provider"] == PROVIDER]
    assert (row["base"], row["quote"]) == ("CNY", "INR")
    assert row["settled_minor"] == quote["target_minor"] and row["cap"] == "400000000.00"
    naive = await api.get("ops", "/v1/operator/fx/volumes", **{**window, "to": "2026-01-06T00:00"})
    assert (naive.status_code, naive.json()["error"]["param"]) == (400, "to")


async def test_receive_side_quote_fixes_the_creditors_amount(api: ApiWorld) -> None:
    quote = await _quote(api, fixed_side="RECEIVE", amount="8000.00")
    assert quote["target_minor"] == 8000_00 and quote["fixed_side"] == "RECEIVE"
    assert quote["source_minor"] > 8000_00 * 11  # about 11.6 INR per CNY


async def test_no_quote_is_a_409_naming_why(api: ApiWorld) -> None:
    body = {
        "creditor_agent": "AMAZBRSP",
        "source_currency": "INR",
        "target_currency": "BRL",
        "amount": "100.00",
    }
    response = await api.post(BANK_A, "/v1/fx/quotes", body)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_rate"


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"amount": "100.001"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"target_currency": "INR"}, "target_currency"),
        ({"fixed_side": "BOTH"}, "fixed_side"),
        ({"charge_bearer": "CRED", "fixed_side": "RECEIVE"}, "charge_bearer"),
        ({"amount": 100.5}, "amount"),
    ],
)
async def test_bad_quote_requests_name_the_field(
    api: ApiWorld, fields: dict[str, Any], param: str
) -> None:
    body = {
        "creditor_agent": CNY_BANK,
        "source_currency": "INR",
        "target_currency": "CNY",
        "amount": "100.00",
        **fields,
    }
    response = await api.post(BANK_A, "/v1/fx/quotes", body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


async def test_rates_are_strings_and_only_a_provider_publishes(api: ApiWorld) -> None:
    tier = _tier(api, "CNY", "INR", "11.53", "11.64")
    as_float = await api.client.put(
        "/v1/fx/rates", json={"rates": [{**tier, "bid": 11.53}]}, headers=api.auth(PROVIDER)
    )
    assert as_float.status_code == 400
    assert as_float.json()["error"]["param"] == "rates.0.bid"
    crossed = await api.client.put(
        "/v1/fx/rates", json={"rates": [{**tier, "bid": "12"}]}, headers=api.auth(PROVIDER)
    )
    assert (crossed.status_code, crossed.json()["error"]["param"]) == (400, "bid")
    not_provider = await api.client.put(
        "/v1/fx/rates", json={"rates": [tier]}, headers=api.auth(BANK_B)
    )
    assert not_provider.status_code == 400
    published = await api.client.put(
        "/v1/fx/rates", json={"rates": [tier]}, headers=api.auth(PROVIDER)
    )
    sheet = published.json()
    assert (sheet["provider"], sheet["rates"][0]["bid"], sheet["rates"][0]["ask"]) == (
        PROVIDER,
        "11.53",
        "11.64",
    )
    assert sheet["rates"][0]["exposure_max_minor"] == 400_000_000_00


def _stored_quotes(api: ApiWorld) -> dict[str, str]:
    with api.world.hub.store.engine.connect() as connection:
        rows = connection.execute(select(fx_quotes.c.quote_id, fx_quotes.c.status))
        return {str(quote_id): str(status) for quote_id, status in rows}


_QUOTE_BODY = {
    "creditor_agent": CNY_BANK,
    "source_currency": "INR",
    "target_currency": "CNY",
    "fixed_side": "SEND",
    "amount": "1000.00",
}


async def test_quotes_asked_for_together_are_stored_before_answered_in_shared_commits(
    api: ApiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = fail_commits(monkeypatch, api.world.hub, failing=set())
    stored_when_answered: list[str | None] = []

    async def ask() -> str:
        response = await api.post(BANK_A, "/v1/fx/quotes", _QUOTE_BODY)
        assert response.status_code == 201, response.text
        quote_id = response.json()["id"]
        stored_when_answered.append(_stored_quotes(api).get(quote_id))  # read at once
        return str(quote_id)

    ids = await asyncio.gather(*[ask() for _ in range(40)])
    assert len(set(ids)) == 40
    assert stored_when_answered == ["locked"] * 40
    assert 1 <= len(commits) < 40  # quotes that wait together share a commit


async def test_quotes_whose_shared_commit_failed_are_not_given_out_and_end(
    api: ApiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_commits(monkeypatch, api.world.hub, failing={1})
    failed = await asyncio.gather(
        *[api.post(BANK_A, "/v1/fx/quotes", _QUOTE_BODY) for _ in range(3)]
    )
    assert [r.status_code for r in failed] == [503] * 3
    assert {r.json()["error"]["code"] for r in failed} == {"database_unavailable"}
    book = api.world.hub.fx.book
    assert {status for _, status in book.snapshot().quotes} == {QuoteStatus.expired}
    assert {row.reserved_minor for row in api.world.hub.fx_exposure()} == {0}
    later = await api.post(BANK_A, "/v1/fx/quotes", _QUOTE_BODY)
    assert later.status_code == 201, later.text
    assert _stored_quotes(api) == {later.json()["id"]: "locked"}  # the others' rows: none
