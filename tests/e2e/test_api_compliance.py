"""Issue 7 over HTTP: a payment to a listed name is held, not settled; one officer cannot
release it alone; release by a second officer settles it; rejection sends RJCT (RR04);
all audited. Also: listing, filtering and exporting cases, and reloading the lists
(which re-screens queued payments)."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from tests.e2e.test_api_world import ApiWorld, issue_tokens, payload
from tests.support.hub import BANK_A, BANK_B, HubWorld, make_world

from corridor.api import create_app
from corridor.hub.security import Role
from corridor.iso20022.records import CreditTransfer, Party
from corridor.payments.records import CaseStatus, ComplianceCase
from corridor.screening import load_simple_csv
from corridor.store.hub_store import case_row
from corridor.store.schema import compliance_cases
from corridor.store.watchlist_archive import ArchivedVersion, WatchListArchive

pytestmark = pytest.mark.anyio

# Fictitious names only.
LIST_HEADER = b"id,name,entity_type,aliases,countries\n"
LIST_ROWS = (
    b"TST-1,Korvenmaa Heavy Trading Oy,entity,KHT Trading,FI\n"
    b"TST-2,Baltazar Quennell Ostrova,person,Baltazar Ostrova,FI\n"
)
NEW_ROW = b"TST-3,Zephyrine Marwick Holdings,entity,,FI\n"
OFFICER_1, OFFICER_2 = "olga", "omar"
HELD_AMOUNT_MINOR = 250_000_00


def store_list(root: Path, rows: bytes) -> Path:
    """A list archive at `root` whose `national` list (simple CSV) is `rows`."""
    data = LIST_HEADER + rows
    watch_list = load_simple_csv(data, list_name="national")
    version = ArchivedVersion(
        "national",
        watch_list.version,
        "simple_csv",
        "2026-01-05T00:00:00+00:00",
        len(watch_list.entries),
        watch_list.name_count,
        ("national.csv",),
    )
    WatchListArchive(root).store(version, {"national.csv": data})
    return root


@dataclass
class CaseWorld:
    api: ApiWorld
    lists: Path

    @property
    def world(self) -> HubWorld:
        return self.api.world

    async def pay(
        self, creditor_name: str, amount_minor: int = HELD_AMOUNT_MINOR
    ) -> tuple[dict[str, Any], str]:
        """BANK_A pays BANK_B for `creditor_name`; (the hub's answer, the UETR)."""
        data, (uetr,) = self.world.credit_transfer(BANK_A, BANK_B, [amount_minor])
        body = self.world.hub.take(BANK_A, data).parsed.body  # type: ignore[union-attr]
        assert isinstance(body, CreditTransfer)
        renamed = dataclasses.replace(
            body.transactions[0], creditor=Party(name=creditor_name, country="FI")
        )
        signed = self.world.sign(BANK_A, dataclasses.replace(body, transactions=(renamed,)))
        response = await self.api.submit(BANK_A, signed)
        assert response.status_code == 200, response.text
        return response.json(), uetr

    async def balance(self, bank: str) -> int:
        balances = (await self.api.get(bank, "/v1/balances")).json()["data"]
        return int(next(b["balance_minor"] for b in balances if b["currency"] == "INR"))

    async def open_case(self, uetr: str) -> dict[str, Any]:
        response = await self.api.get(OFFICER_1, "/v1/compliance/cases", status="open", uetr=uetr)
        assert response.status_code == 200, response.text
        (case,) = response.json()["data"]
        return case  # type: ignore[no-any-return]


@pytest.fixture
async def cases(tmp_path: Path) -> AsyncIterator[CaseWorld]:
    lists = store_list(tmp_path / "lists", LIST_ROWS)
    world = make_world(tmp_path, watchlists_dir=lists)
    tokens = issue_tokens(world)
    for officer in (OFFICER_1, OFFICER_2):
        tokens[officer] = world.hub.issue_credential(officer, Role.compliance)
    app = create_app(world.hub, watchlists_dir=lists, tick_interval_ms=0, gridlock_interval_ms=0)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://corridor.test") as client,
    ):
        yield CaseWorld(ApiWorld(world, app, tokens, client), lists)


async def test_held_then_released_by_a_second_officer(cases: CaseWorld) -> None:
    api = cases.api
    a_before, b_before = await cases.balance(BANK_A), await cases.balance(BANK_B)
    answer, uetr = await cases.pay("KORVENMAA HEAVY TRADING")
    assert answer["status"] == "PDNG", answer
    assert (await cases.balance(BANK_A), await cases.balance(BANK_B)) == (a_before, b_before)
    tracking = (await api.get(BANK_A, f"/v1/payments/{uetr}")).json()
    assert tracking["payment"]["state"] == "HELD"
    assert (await api.get(BANK_B, "/v1/outbox")).json()["data"] == []  # nothing delivered

    listed = await cases.open_case(uetr)
    assert "TST-1" in listed["summary"] and listed["decided_by"] is None
    case = (await api.get("audit", f"/v1/compliance/cases/{listed['id']}")).json()
    hit = case["explanation"]["hits"][0]
    assert (hit["entry"], hit["list_name"], hit["field"]) == (
        "national:TST-1",
        "national",
        "creditor.name",
    )
    assert hit["score"] >= hit["threshold"] and "TST-1" in hit["explanation"]
    assert case["lists_used"] == {"national": hit["version"]}

    request = await api.post(
        OFFICER_1, f"/v1/compliance/cases/{uetr}/release", {"note": "false positive"}
    )
    assert request.status_code == 201, request.text
    approval = request.json()
    assert (approval["action"], approval["requested_by"], approval["status"]) == (
        "release_hold",
        OFFICER_1,
        "pending",
    )
    assert approval["params"] == {"uetr": uetr, "note": "false positive"}
    again = await api.post(OFFICER_2, f"/v1/compliance/cases/{uetr}/release", {"note": "me too"})
    assert (again.status_code, again.json()["error"]["param"]) == (409, "uetr")

    approve = f"/v1/operator/approvals/{approval['id']}/approve"
    alone = await api.post(OFFICER_1, approve)
    assert alone.status_code == 400 and "four eyes" in alone.json()["error"]["message"]
    assert alone.json()["error"]["param"] == "approved_by"
    by_operator = await api.post("ops", approve)
    assert by_operator.status_code == 400, by_operator.text
    assert by_operator.json()["error"]["param"] == "role"
    assert "compliance" in by_operator.json()["error"]["message"]
    assert await cases.balance(BANK_B) == b_before  # still held

    decision = await api.post(OFFICER_2, approve)
    assert decision.status_code == 200, decision.text
    assert decision.json()["result"] == "settled"
    assert await cases.balance(BANK_B) == b_before + HELD_AMOUNT_MINOR
    assert await cases.balance(BANK_A) == a_before - HELD_AMOUNT_MINOR
    (delivered,) = (await api.get(BANK_B, "/v1/outbox")).json()["data"]
    assert delivered["kind"].startswith("pacs.008") and delivered["uetrs"] == [uetr]
    released = (await api.get(OFFICER_2, f"/v1/compliance/cases/{listed['id']}")).json()
    assert released["status"] == "released"
    assert released["decided_by"] == f"{OFFICER_1} + {OFFICER_2}"
    assert released["decision_note"] == "false positive"
    assert await _audited(api) >= {
        (OFFICER_1, "request:release_hold"),
        (OFFICER_2, "approve:release_hold"),
    }


async def test_rejected_by_one_officer_sends_rjct_rr04(cases: CaseWorld) -> None:
    api = cases.api
    b_before = await cases.balance(BANK_B)
    answer, uetr = await cases.pay("Baltazar Ostrova")
    assert answer["status"] == "PDNG"
    operator = await api.post("ops", f"/v1/compliance/cases/{uetr}/reject", {"note": "no"})
    assert operator.status_code == 403
    empty = await api.post(OFFICER_1, f"/v1/compliance/cases/{uetr}/reject", {"note": ""})
    assert (empty.status_code, empty.json()["error"]["param"]) == (400, "note")

    rejected = await api.post(
        OFFICER_1, f"/v1/compliance/cases/{uetr}/reject", {"note": "confirmed match"}
    )
    assert rejected.status_code == 200, rejected.text
    case = rejected.json()
    assert (case["status"], case["decided_by"], case["decision_note"]) == (
        "rejected",
        OFFICER_1,
        "confirmed match",
    )
    assert case["explanation"]["hits"][0]["entry"] == "national:TST-2"
    tracking = (await api.get(BANK_A, f"/v1/payments/{uetr}")).json()["payment"]
    assert (tracking["state"], tracking["reason"]) == ("REJECTED", "RR04")
    last = (await api.get(BANK_A, "/v1/outbox")).json()["data"][-1]
    assert last["kind"].startswith("pacs.002") and last["uetrs"] == [uetr]
    assert b"RJCT" in payload(last) and b"RR04" in payload(last)
    assert await cases.balance(BANK_B) == b_before

    twice = await api.post(OFFICER_2, f"/v1/compliance/cases/{uetr}/reject", {"note": "again"})
    assert (twice.status_code, twice.json()["error"]["param"]) == (400, "uetr")
    late = await api.post(OFFICER_2, f"/v1/compliance/cases/{uetr}/release", {"note": "late"})
    assert (late.status_code, late.json()["error"]["param"]) == (400, "uetr")
    assert (OFFICER_1, "reject_hold") in await _audited(api)


async def _audited(api: ApiWorld) -> set[tuple[str, str]]:
    """(actor, action) of every audit entry, after checking the chain verifies."""
    check = (await api.get("audit", "/v1/operator/audit/verify")).json()
    assert check["ok"] and check["problems"] == [], check
    entries = (await api.get("audit", "/v1/operator/audit", limit=1000)).json()["data"]
    return {(e["actor"], e["action"]) for e in entries}


async def test_list_filter_and_export(cases: CaseWorld) -> None:
    api = cases.api
    _, first = await cases.pay("KHT Trading")
    _, second = await cases.pay("Baltazar Quennell Ostrova")
    await api.post(OFFICER_1, f"/v1/compliance/cases/{second}/reject", {"note": "=HYPERLINK()"})
    every = (await api.get("compliance", "/v1/compliance/cases")).json()
    assert [c["uetr"] for c in every["data"]] == [first, second] and not every["has_more"]
    page = (await api.get("ops", "/v1/compliance/cases", limit=1)).json()
    assert [c["uetr"] for c in page["data"]] == [first] and page["has_more"]
    after = page["next_after"]
    rest = (await api.get("ops", "/v1/compliance/cases", limit=1, after=after)).json()
    assert [c["uetr"] for c in rest["data"]] == [second] and not rest["has_more"]
    end = (await api.get("ops", "/v1/compliance/cases", after=rest["next_after"])).json()
    assert (end["data"], end["has_more"], end["next_after"]) == ([], False, rest["next_after"])
    for bad_cursor in ("12", "x:case", ":case", "1" * 20 + ":case", "²:case", "1:a\x00b", "1:é"):
        refused = await api.get("ops", "/v1/compliance/cases", after=bad_cursor)
        assert (refused.status_code, refused.json()["error"]["param"]) == (400, "after")
    rejected = (await api.get("audit", "/v1/compliance/cases", status="rejected")).json()
    assert [c["uetr"] for c in rejected["data"]] == [second]
    assert (await api.get(BANK_A, "/v1/compliance/cases")).status_code == 403
    bad = await api.get("ops", "/v1/compliance/cases", status="closed")
    assert (bad.status_code, bad.json()["error"]["param"]) == (400, "status")
    missing = await api.get("ops", "/v1/compliance/cases/no-such-case")
    assert (missing.status_code, missing.json()["error"]["param"]) == (404, "case_id")

    exported = await api.get(
        "audit", "/v1/compliance/cases/export", format="csv", status="rejected"
    )
    assert exported.headers["content-type"].startswith("text/csv")
    (row,) = csv.DictReader(io.StringIO(exported.text))
    assert (row["uetr"], row["status"], row["entries"]) == (second, "rejected", "national:TST-2")
    assert row["decision_note"] == "'=HYPERLINK()"  # never a formula in a spreadsheet
    assert row["lists_used"].startswith("national@")
    as_json = (await api.get("ops", "/v1/compliance/cases/export", uetr=first)).json()["data"]
    assert [c["uetr"] for c in as_json] == [first]
    assert as_json[0]["explanation"]["hits"][0]["entry"] == "national:TST-1"


async def test_reload_rescreens_queued_payments(cases: CaseWorld) -> None:
    api = cases.api
    _, held = await cases.pay("KHT Trading")  # already held: re-screened, still undecided
    big = cases.world.hub.available_minor(BANK_A, "INR") + 1
    answer, uetr = await cases.pay("Zephyrine Marwick Holdings", big)
    assert answer["status"] == "PDNG"  # queued for liquidity: not on the list yet
    assert (await api.get(BANK_A, f"/v1/payments/{uetr}")).json()["payment"]["state"] == "QUEUED"
    assert (await api.post("compliance", "/v1/operator/screening/reload")).status_code == 403

    store_list(cases.lists, LIST_ROWS + NEW_ROW)
    response = await api.post("ops", "/v1/operator/screening/reload")
    assert response.status_code == 200, response.text
    assert response.json() == {"lists": ["national"], "queued_now_held": 1, "held_rescreened": 1}
    assert (await api.get(BANK_A, f"/v1/payments/{uetr}")).json()["payment"]["state"] == "HELD"
    case = await cases.open_case(uetr)
    assert "TST-3" in case["summary"]
    events = (await api.get("ops", f"/v1/payments/{held}")).json()["events"]
    assert events[-1]["detail"] == "re-screened under new lists: still a hit"
    assert ("ops", "reload_lists") in await _audited(api)


async def test_reload_without_an_archive_names_the_setting(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    tokens = issue_tokens(world)
    empty = tmp_path / "empty"
    empty.mkdir()
    for directory in (None, empty):
        app = create_app(world.hub, watchlists_dir=directory, tick_interval_ms=0)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://corridor.test") as client,
        ):
            headers = {"Authorization": f"Bearer {tokens['ops']}"}
            response = await client.post("/v1/operator/screening/reload", headers=headers)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["param"] == "watchlists_dir"


async def test_every_case_is_listed_and_exported_past_a_thousand(cases: CaseWorld) -> None:
    """Pages follow one another with no case twice or missed, and the export holds
    every case (it once stopped at the first 1,000)."""
    stored = [
        ComplianceCase(
            f"case-{n:05d}", f"uetr-{n:05d}", 1_000 + n // 3, CaseStatus.open, "s", "{}", "{}"
        )
        for n in range(1_205)
    ]  # three cases per millisecond: ties are ordered by id
    with cases.world.hub.store.engine.begin() as connection:
        connection.execute(insert(compliance_cases), [case_row(c) for c in stored])
    listed: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1_000} | ({"after": after} if after else {})
        page = (await cases.api.get("ops", "/v1/compliance/cases", **params)).json()
        listed += [c["id"] for c in page["data"]]
        after = page["next_after"]
        if not page["has_more"]:
            break
    assert listed == [c.id for c in stored]
    exported = await cases.api.get("audit", "/v1/compliance/cases/export", format="csv")
    assert [row["id"] for row in csv.DictReader(io.StringIO(exported.text))] == listed
    as_json = (await cases.api.get("audit", "/v1/compliance/cases/export")).json()["data"]
    assert [c["id"] for c in as_json] == listed
