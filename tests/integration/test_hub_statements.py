"""End of day: camt.053 statements that reconcile, and reports on request."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lxml import etree
from tests.support.hub import BANK_A, BANK_B, BANK_C, make_world

from corridor.hub.security import Principal, Role
from corridor.iso20022.records import ReportKind
from corridor.settlement import DayState

NS = "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.08}"
HOUR_MS = 3_600_000


def _amounts(payload: bytes, tag: str) -> list[tuple[str, str, str]]:
    root = etree.fromstring(payload)
    found = []
    for element in root.iter(f"{NS}{tag}"):
        amount = element.find(f"{NS}Amt")
        indicator = element.find(f"{NS}CdtDbtInd")
        code = element.find(f".//{NS}Cd")
        found.append(
            (
                code.text if code is not None and tag == "Bal" else "",
                amount.text if amount is not None else "",
                indicator.text if indicator is not None else "",
            )
        )
    return found


def test_end_of_day_statements_reconcile_and_are_delivered(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    hub = world.hub
    opened = hub.tick()  # 09:30 UTC: the INR day (07:00-17:00 Asia/Kolkata) opens
    assert ("INR", DayState.open) in [(s.currency, s.state) for s in opened]
    data, _ = world.credit_transfer(BANK_A, BANK_B, [250_00, 100_00])
    assert hub.submit(BANK_A, data).status == "ACSC"
    data, _ = world.credit_transfer(BANK_B, BANK_C, [40_00])
    assert hub.submit(BANK_B, data).status == "ACSC"
    # Asia/Kolkata: 09:30 UTC is 15:00 local; cut-off 17:00, end of day 18:00 local.
    world.clock.advance(3 * HOUR_MS)
    steps = hub.tick()
    assert [(s.currency, s.state) for s in steps if s.currency == "INR"] == [
        ("INR", DayState.cut_off),
        ("INR", DayState.end_of_day),
    ]
    statements = [
        m for m in hub.outbox(Principal(BANK_B, Role.participant)) if m.kind.startswith("camt.053")
    ]
    assert len(statements) == 1
    balances = _amounts(statements[0].payload, "Bal")
    entries = _amounts(statements[0].payload, "Ntry")
    assert [b[0] for b in balances] == ["OPBD", "CLBD"]
    # B was funded today at init (500,000,000.00), then +250.00 +100.00 -40.00.
    assert entries == [
        ("", "500000000.00", "CRDT"),
        ("", "250.00", "CRDT"),
        ("", "100.00", "CRDT"),
        ("", "40.00", "DBIT"),
    ]
    assert [b[1] for b in balances] == ["0.00", "500000310.00"]
    # The central bank's issuance account gets its statement too (negative = debit).
    central = [
        m
        for m in hub.outbox(Principal("INCBINBB", Role.participant))
        if m.kind.startswith("camt.053")
    ]
    assert len(central) == 1 and _amounts(central[0].payload, "Bal")[1][2] == "DBIT"


def test_report_on_request_for_own_account_only(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    data, _ = world.credit_transfer(BANK_A, BANK_B, [5_00])
    world.hub.submit(BANK_A, data)
    now = world.clock.now_ms()
    message = world.hub.report(
        Principal(BANK_A, Role.participant), "INR", ReportKind.REPORT, now - HOUR_MS, now + 1
    )
    assert message.kind.startswith("camt.052") and message.recipient == BANK_A
    assert b"ITBD" in message.payload
    notification = world.hub.report(
        Principal(BANK_B, Role.participant), "INR", ReportKind.NOTIFICATION, now - HOUR_MS, now + 1
    )
    assert notification.kind.startswith("camt.054") and b"5.00" in notification.payload
    assert date(2026, 1, 5).isoformat() in notification.payload.decode()
