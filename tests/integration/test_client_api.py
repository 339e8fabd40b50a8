"""CorridorClient against the real API app and hub, in this process (InProcessTransport)."""

from __future__ import annotations

import uuid

import pytest
from tests.integration.test_client_world import (
    BANK_A,
    BANK_B,
    BANK_C,
    BASE_URL,
    HUB_BIC,
    OPERATOR,
    SECOND_OPERATOR,
    ClientWorld,
    client_world,
)

from corridor.client import (
    CorridorApiError,
    CorridorClient,
    compose_credit_transfer,
    message_references,
    sign_message,
)
from corridor.crypto.keys import generate_private_key, public_key_pem
from corridor.foundation.errors import InputError

__all__ = ["client_world"]  # the fixture, used by name


def _balance_minor(client: CorridorClient, currency: str = "INR") -> int:
    return next(b.balance_minor for b in client.balances() if b.currency == currency)


def _drain(client: CorridorClient) -> int:
    """Acknowledge everything waiting; the cursor after it."""
    last = 0
    for message in client.watch(idle_timeout_s=0, auto_ack=True):
        last = message.seq
    return last


def test_send_settle_watch_ack_track(client_world: ClientWorld) -> None:
    a, b = client_world.client(BANK_A), client_world.client(BANK_B)
    after_b = _drain(b)
    before_a, before_b = _balance_minor(a), _balance_minor(b)
    uetr = str(uuid.uuid4())

    result = a.send(client_world.payment(BANK_A, BANK_B, "1234.56", uetr=uetr))

    assert (result.status, result.reason, result.duplicate) == ("ACSC", None, False)
    assert result.accepted and result.uetrs == (uetr,)
    assert result.kind.startswith("pacs.002") and b"<Sgntr>" in result.payload
    messages = list(b.watch(after_b, idle_timeout_s=0))
    assert [(m.kind[:8], m.uetrs) for m in messages] == [("pacs.008", (uetr,))]
    assert messages[0].acked_at is None and uetr.encode() in messages[0].payload
    assert b.track(uetr).state == "SETTLED"
    assert b.ack([messages[0].message_id]).acknowledged == (messages[0].message_id,)
    tracking = a.track(uetr)
    assert tracking.state == "DELIVERED"
    assert [e.state for e in tracking.events] == [
        "RECEIVED",
        "VALIDATED",
        "SCREENED",
        "SETTLED",
        "DELIVERED",
    ]
    assert (tracking.amount_minor, tracking.currency) == (123_456, "INR")
    assert (tracking.debtor_agent, tracking.creditor_agent) == (BANK_A, BANK_B)
    assert _balance_minor(a) == before_a - 123_456
    assert _balance_minor(b) == before_b + 123_456


def test_sender_outbox_holds_the_answer(client_world: ClientWorld) -> None:
    a = client_world.client(BANK_A)
    result = a.send(client_world.payment(BANK_A, BANK_C))
    page = a.outbox(limit=1000, include_acked=True)
    assert result.message_id in {m.message_id for m in page.messages}
    assert page.next_after == page.messages[-1].seq


def test_resending_a_message_gets_the_original_answer(client_world: ClientWorld) -> None:
    a, c = client_world.client(BANK_A), client_world.client(BANK_C)
    xml = client_world.payment(BANK_A, BANK_C, "10.00")
    before = _balance_minor(c)
    first, second = a.send(xml), a.send(xml)
    assert first.status == "ACSC" and not first.duplicate
    assert second.duplicate and second.message_id == first.message_id
    assert second.status == first.status and second.uetrs == first.uetrs
    assert _balance_minor(c) == before + 1_000  # settled once


def test_a_refused_message_is_a_result_not_an_exception(client_world: ClientWorld) -> None:
    a = client_world.client(BANK_A)
    unsigned = compose_credit_transfer(
        BANK_A, BANK_B, "5.00", "INR", debtor_name="D", creditor_name="C", hub_bic=HUB_BIC
    )
    result = a.send(unsigned)
    assert (result.status, result.reason, result.accepted) == ("RJCT", "DS0A", False)
    nobody = a.send(client_world.payment(BANK_A, "ZZZZINBB", "5.00"))
    assert (nobody.status, nobody.reason) == ("RJCT", "RC01")
    assert "ZZZZINBB" in nobody.detail


def test_signed_with_another_banks_key_is_refused(client_world: ClientWorld) -> None:
    xml = compose_credit_transfer(
        BANK_A, BANK_B, "5.00", "INR", debtor_name="D", creditor_name="C", hub_bic=HUB_BIC
    )
    result = client_world.client(BANK_A).send(sign_message(xml, client_world.keys[BANK_C]))
    assert (result.status, result.reason) == ("RJCT", "DS0E")


def test_outbox_pages_with_a_cursor(client_world: ClientWorld) -> None:
    a = client_world.client(BANK_A)
    for _ in range(3):
        a.send(client_world.payment(BANK_A, BANK_B, "1.00"))
    first = a.outbox(limit=2, include_acked=True)
    second = a.outbox(after=first.next_after, limit=2, include_acked=True)
    assert len(first.messages) == 2 and first.has_more
    assert first.next_after == first.messages[-1].seq
    assert second.messages and second.messages[0].seq > first.next_after
    every = a.outbox(limit=1_000, include_acked=True).messages
    exact = a.outbox(limit=len(every), include_acked=True)  # a page that ends at the end
    assert exact.messages == every and not exact.has_more
    short = a.outbox(limit=len(every) - 1, include_acked=True)
    assert short.messages == every[:-1] and short.has_more


def test_watch_auto_ack_empties_the_inbox(client_world: ClientWorld) -> None:
    a, b = client_world.client(BANK_A), client_world.client(BANK_B)
    a.send(client_world.payment(BANK_A, BANK_B, "2.00"))
    taken = list(b.watch(idle_timeout_s=0, auto_ack=True))
    assert taken and all(m.acked_at is None for m in taken)
    assert b.outbox().messages == ()
    assert len(b.outbox(include_acked=True, limit=1000).messages) >= len(taken)


def test_ack_unknown_ids_come_back_unknown(client_world: ClientWorld) -> None:
    result = client_world.client(BANK_B).ack(["Fnot-a-message", "Fnor-this"])
    assert result.acknowledged == () and result.unknown == ("Fnot-a-message", "Fnor-this")


def test_track_someone_elses_payment_is_404(client_world: ClientWorld) -> None:
    result = client_world.client(BANK_A).send(client_world.payment(BANK_A, BANK_B, "3.00"))
    with pytest.raises(CorridorApiError) as caught:
        client_world.client(BANK_C).track(result.uetrs[0])
    assert (caught.value.status, caught.value.code, caught.value.param) == (
        404,
        "resource_missing",
        "uetr",
    )
    assert client_world.client(OPERATOR).track(result.uetrs[0]).uetr == result.uetrs[0]


def test_bad_token_is_401(client_world: ClientWorld) -> None:
    client = CorridorClient(BASE_URL, "crd_0000000000000000_nope", transport=client_world.transport)
    with pytest.raises(CorridorApiError) as caught:
        client.balances()
    assert caught.value.status == 401
    assert caught.value.code == "invalid_credentials"
    assert caught.value.type == "authentication_error"


def test_participant_may_not_use_operator_calls(client_world: ClientWorld) -> None:
    with pytest.raises(CorridorApiError) as caught:
        client_world.client(BANK_A).suspend(BANK_B)
    assert (caught.value.status, caught.value.code) == (403, "role_not_allowed")


def test_directory_json_and_csv(client_world: ClientWorld) -> None:
    client = client_world.client(BANK_A)
    entries = {e.bic: e for e in client.directory()}
    assert entries[BANK_B].name == "Deccan Trade Bank"
    assert entries[BANK_B].kind == "direct"
    assert entries[BANK_A].public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    csv_text = client.directory_csv()
    assert csv_text.splitlines()[0].startswith("bic,name,country,kind,status")
    assert f"\n{BANK_B},Deccan Trade Bank,IN,direct,active" in csv_text


def test_health(client_world: ClientWorld) -> None:
    assert client_world.client(BANK_A).health()["status"] == "ok"


def test_operator_onboards_suspends_reinstates_closes(client_world: ClientWorld) -> None:
    ops = client_world.client(OPERATOR)
    request = ops.onboard("MALABINB", "Malabar Bank", "IN", accounts=[("INR", "1000000.00")])
    assert (request.action, request.status) == ("onboard", "pending")
    decision = client_world.client(SECOND_OPERATOR).approve(request.id)
    assert decision.result == "INR:ok"
    accounts = ops.accounts("MALABINB")
    assert [(x.owner, x.currency, x.floor_minor) for x in accounts] == [
        ("MALABINB", "INR", -100_000_000)
    ]
    key = generate_private_key()
    pem = public_key_pem(key.public_key()).decode()
    assert ops.register_key("MALABINB", pem).public_key_pem == pem
    token = ops.issue_credential("MALABINB").token
    malabar = CorridorClient(BASE_URL, token, transport=client_world.transport)
    assert [b.currency for b in malabar.balances()] == ["INR"]
    assert ops.suspend("MALABINB").status == "suspended"
    assert ops.reinstate("MALABINB").status == "active"
    assert ops.close("MALABINB").status == "closed"


def test_operator_errors_name_the_field(client_world: ClientWorld) -> None:
    ops = client_world.client(OPERATOR)
    with pytest.raises(CorridorApiError) as caught:
        ops.onboard("NOTABIC", "X", "IN")
    assert (caught.value.status, caught.value.param) == (400, "bic")
    with pytest.raises(CorridorApiError) as missing:
        ops.suspend("ZZZZINBB")
    assert (missing.value.status, missing.value.param) == (404, "bic")


def test_auditor_may_read_but_not_write(client_world: ClientWorld) -> None:
    auditor = client_world.client("auditor")
    assert {a.owner for a in auditor.accounts()} >= {BANK_A, BANK_B}
    with pytest.raises(CorridorApiError) as caught:
        auditor.issue_credential(BANK_A)
    assert caught.value.status == 403


def test_message_references_read_back(client_world: ClientWorld) -> None:
    uetr = str(uuid.uuid4())
    xml = client_world.payment(BANK_A, BANK_B, msg_id="MSG-REF-1", uetr=uetr)
    assert message_references(xml) == ("MSG-REF-1", (uetr,))


def test_client_refuses_bad_arguments_before_sending(client_world: ClientWorld) -> None:
    client = client_world.client(BANK_A)
    with pytest.raises(InputError, match="message"):
        client.send(b"")
    with pytest.raises(InputError, match="limit"):
        client.outbox(limit=0)
    with pytest.raises(InputError, match="uetr"):
        client.track("../directory")
    with pytest.raises(InputError, match="url"):
        CorridorClient("ftp://hub", "crd_x_y")
    with pytest.raises(InputError, match="token"):
        CorridorClient(BASE_URL, "")
