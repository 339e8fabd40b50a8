"""Issue 4's end-to-end test: a real hub (`corridor serve`, uvicorn on a free loopback
port, intake worker processes) and two banks using the client SDK over HTTP.

Each case gets the right ISO status and reason code, and the ledger verifies afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from corridor.client import CorridorClient, compose_credit_transfer, sign_message
from corridor.crypto.keys import generate_private_key
from corridor.iso20022.outbound import build_message, make_header
from corridor.iso20022.records import (
    Agent,
    CancellationRequest,
    CancellationTransaction,
    CaseAssignment,
    GroupHeader,
    OriginalRef,
    PaymentReturn,
    ReturnTransaction,
)
from corridor.simulation.network import PreparedNetwork, prepare_network
from corridor.simulation.server import HubServer
from corridor.store import open_engine
from corridor.store.ledger_audit import audit_ledger

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PreparedNetwork, str]]:
    network = prepare_network(tmp_path_factory.mktemp("two-banks") / "net")
    with HubServer(network) as server:
        yield network, server.base_url
    problems = audit_ledger(open_engine(network.database_url)).problems
    assert problems == [], problems  # the ledger verifies after everything below


@pytest.fixture(scope="module")
def banks(hub: tuple[PreparedNetwork, str]) -> dict[str, object]:
    network, url = hub
    inr = [b for b in network.banks if "INR" in b.currencies][:3]
    return {"net": network, "url": url, "a": inr[0], "b": inr[1], "c": inr[2]}


def _client(banks: dict[str, object], who: str) -> CorridorClient:
    return CorridorClient(banks["url"], banks[who].token)  # type: ignore[attr-defined]


def _payment(
    banks: dict[str, object],
    sender: str,
    receiver_bic: str,
    amount: str,
    msg_id: str | None = None,
    key: object = None,
) -> bytes:
    bank = banks[sender]
    xml = compose_credit_transfer(
        bank.bic,
        receiver_bic,
        amount,
        "INR",  # type: ignore[attr-defined]
        debtor_name="Ganges Textiles Pvt Ltd",
        creditor_name="Deccan Cotton Mills",
        msg_id=msg_id,
        hub_bic=banks["net"].hub_bic,
    )  # type: ignore[attr-defined]
    return sign_message(xml, key or bank.key)  # type: ignore[attr-defined]


def _signed(banks: dict[str, object], sender: str, body: object) -> bytes:
    bank, now = banks[sender], datetime.now(UTC)
    header = make_header(body, Agent(bic=bank.bic), Agent(bic=banks["net"].hub_bic), now)  # type: ignore[arg-type, attr-defined]
    return build_message(header, body, bank.key)  # type: ignore[arg-type, attr-defined]


def test_settled_delivered_and_tracked(banks: dict[str, object]) -> None:
    with _client(banks, "a") as a, _client(banks, "b") as b:
        before = {x.currency: x.balance_minor for x in b.balances()}["INR"]
        answer = a.send(_payment(banks, "a", banks["b"].bic, "1234.56"))  # type: ignore[attr-defined]
        assert (answer.status, answer.reason) == ("ACSC", None)
        (uetr,) = answer.uetrs
        inbox = [m for m in b.outbox().messages if uetr in m.uetrs]
        assert [m.kind for m in inbox] == ["pacs.008.001.08"]
        assert b.ack([m.message_id for m in inbox]).acknowledged
        assert {x.currency: x.balance_minor for x in b.balances()}["INR"] == before + 123456
        states = [e.state for e in a.track(uetr).events]
        assert states[0] == "RECEIVED" and states[-2:] == ["SETTLED", "DELIVERED"]


def test_duplicate_msg_id_gets_the_original_answer(banks: dict[str, object]) -> None:
    data = _payment(banks, "a", banks["b"].bic, "10.00", msg_id="DUP-OVER-HTTP")  # type: ignore[attr-defined]
    with _client(banks, "a") as a:
        first = a.send(data)
        again = a.send(data)
    assert first.status == "ACSC" and not first.duplicate
    assert again.duplicate and again.message_id == first.message_id
    assert again.uetrs == first.uetrs


def test_msg_id_reused_for_another_payment_is_refused(banks: dict[str, object]) -> None:
    first_data = _payment(banks, "a", banks["b"].bic, "11.00", msg_id="REUSED-OVER-HTTP")  # type: ignore[attr-defined]
    other_data = _payment(banks, "a", banks["b"].bic, "12.00", msg_id="REUSED-OVER-HTTP")  # type: ignore[attr-defined]
    with _client(banks, "a") as a:
        first = a.send(first_data)
        other = a.send(other_data)
        assert (first.status, other.status, other.reason) == ("ACSC", "RJCT", "DUPL")
        assert not other.duplicate and "REUSED-OVER-HTTP" in other.detail
        assert a.send(first_data).message_id == first.message_id  # the first answer stands


def test_insufficient_funds_waits_then_is_cancelled(banks: dict[str, object]) -> None:
    with _client(banks, "a") as a:
        available = {x.currency: x for x in a.balances()}["INR"]
        too_much = Decimal(available.available_minor - available.floor_minor + 100) / 100
        answer = a.send(_payment(banks, "a", banks["b"].bic, f"{too_much:.2f}"))  # type: ignore[attr-defined]
        assert (answer.status, answer.reason) == ("PDNG", None)
        (uetr,) = answer.uetrs
        assert a.track(uetr).state == "QUEUED"
        assignment = CaseAssignment(
            id="CXL-HTTP-1",
            assigner=Agent(bic=banks["a"].bic),  # type: ignore[attr-defined]
            assignee=Agent(bic=banks["net"].hub_bic),  # type: ignore[attr-defined]
            created_at=datetime.now(UTC),
        )
        cancel = CancellationRequest(
            assignment=assignment,
            transactions=(
                CancellationTransaction(
                    original=OriginalRef(uetr=uetr), cancellation_id="CXL-1", reason_code="DUPL"
                ),
            ),
        )
        resolution = a.send(_signed(banks, "a", cancel))
        assert (resolution.kind[:8], resolution.status) == ("camt.029", "CNCL")
        assert a.track(uetr).state == "CANCELLED"


def test_refusals_carry_their_reason_codes(banks: dict[str, object]) -> None:
    with _client(banks, "a") as a:
        unknown = a.send(_payment(banks, "a", "UNKNINBB", "5.00"))
        assert (unknown.status, unknown.reason) == ("RJCT", "RC01")
        forged = a.send(_payment(banks, "a", banks["b"].bic, "5.00", key=generate_private_key()))  # type: ignore[attr-defined]
        assert forged.status == "RJCT" and forged.reason in ("DS0B", "DS0E")
        assert forged.kind.startswith("admi.002")
        garbage = a.send(b"<Document><not-closed></Document>")
        assert (garbage.status, garbage.reason, garbage.kind[:8]) == ("RJCT", "FF01", "admi.002")


def test_suspended_participant(banks: dict[str, object]) -> None:
    net = banks["net"]
    with CorridorClient(banks["url"], net.operator_token) as ops, _client(banks, "a") as a:  # type: ignore[attr-defined, arg-type]
        ops.suspend(banks["c"].bic)  # type: ignore[attr-defined]
        try:
            refused = a.send(_payment(banks, "a", banks["c"].bic, "5.00"))  # type: ignore[attr-defined]
            assert (refused.status, refused.reason) == ("RJCT", "AG01")
        finally:
            ops.reinstate(banks["c"].bic)  # type: ignore[attr-defined]
        assert a.send(_payment(banks, "a", banks["c"].bic, "5.00")).status == "ACSC"  # type: ignore[attr-defined]


def test_return_and_too_late_cancellation(banks: dict[str, object]) -> None:
    with _client(banks, "a") as a, _client(banks, "b") as b:
        answer = a.send(_payment(banks, "a", banks["b"].bic, "300.00"))  # type: ignore[attr-defined]
        (uetr,) = answer.uetrs
        now = datetime.now(UTC)
        returned = PaymentReturn(
            group=GroupHeader(
                msg_id="RTN-HTTP-1",
                created_at=now,
                number_of_transactions=1,
                settlement_method="CLRG",
                settlement_date=now.date(),
            ),
            transactions=(
                ReturnTransaction(
                    original=OriginalRef(uetr=uetr),
                    returned_amount_minor=100_00,
                    currency="INR",
                    return_id="RTN-1",
                    settlement_date=now.date(),
                    reason_code="AC04",
                ),
            ),
        )
        assert b.send(_signed(banks, "b", returned)).status == "ACSC"
        assert any(
            m.kind.startswith("pacs.004") and uetr in m.uetrs for m in a.outbox(limit=1000).messages
        )
        assignment = CaseAssignment(
            id="CXL-HTTP-2",
            assigner=Agent(bic=banks["a"].bic),  # type: ignore[attr-defined]
            assignee=Agent(bic=banks["net"].hub_bic),  # type: ignore[attr-defined]
            created_at=now,
        )
        cancel = CancellationRequest(
            assignment=assignment,
            transactions=(
                CancellationTransaction(original=OriginalRef(uetr=uetr), cancellation_id="CXL-2"),
            ),
        )
        late = a.send(_signed(banks, "a", cancel))
        assert (late.status, late.reason) == ("RJCR", "ARDT")
