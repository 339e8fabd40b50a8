"""Four eyes on sensitive operator actions, and the hash-chained audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from tests.support.hub import BANK_A, BANK_B, make_world

from corridor.foundation.errors import InputError
from corridor.hub.security import Principal, Role
from corridor.ledger import Result
from corridor.settlement import DayResult
from corridor.store.schema import audit_log

ALICE = Principal("alice", Role.operator)
BOB = Principal("bob", Role.operator)


def test_funding_needs_a_second_operator_and_is_audited(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    hub = world.hub
    before = hub.available_minor(BANK_A, "INR")
    request = hub.request_approval(
        ALICE, "fund", {"bic": BANK_A, "currency": "INR", "amount": "1000.00"}
    )
    assert hub.available_minor(BANK_A, "INR") == before  # nothing happens on request
    with pytest.raises(InputError, match="four eyes"):
        hub.approve(ALICE, request.id)
    decision = hub.approve(BOB, request.id)
    assert decision.result is Result.ok
    assert hub.available_minor(BANK_A, "INR") == before + 1000_00
    with pytest.raises(InputError, match="already approved"):
        hub.approve(BOB, request.id)
    with pytest.raises(InputError, match="needs a compliance or operator user"):
        hub.request_approval(Principal(BANK_A, Role.participant), "fund", {})
    actions = [row.action for row in hub.audit.entries()]
    assert "request:fund" in actions and "approve:fund" in actions
    assert hub.audit.verify().problems == ()


def test_funding_releases_a_queued_payment(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    hub = world.hub
    data, (uetr,) = world.credit_transfer(
        BANK_A, BANK_B, [hub.available_minor(BANK_A, "INR") + 50_00]
    )
    assert hub.submit(BANK_A, data).status == "PDNG"
    request = hub.request_approval(
        ALICE, "fund", {"bic": BANK_A, "currency": "INR", "amount": "50.00"}
    )
    hub.approve(BOB, request.id)
    tracking = hub.track(ALICE, uetr)
    assert tracking is not None and tracking.payment.state.value == "SETTLED"


def test_credit_line_cut_off_extension_and_refusal(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    hub = world.hub
    hub.tick()  # opens the INR day
    line = hub.request_approval(
        ALICE, "set_credit_line", {"bic": BANK_A, "currency": "INR", "credit_line": "0"}
    )
    before = hub.available_minor(BANK_A, "INR")
    assert hub.approve(BOB, line.id).result is Result.ok
    assert hub.available_minor(BANK_A, "INR") == before - 50_000_000_00
    extension = hub.request_approval(
        ALICE, "extend_cut_off", {"currency": "INR", "minutes": 30, "reason": "late funding"}
    )
    assert hub.approve(BOB, extension.id).result is DayResult.ok
    day = hub.days.day("INR")
    assert day is not None and day.extension_min == 30
    refused = hub.request_approval(
        BOB, "fund", {"bic": BANK_A, "currency": "INR", "amount": "1.00"}
    )
    hub.refuse(ALICE, refused.id)
    assert [r.id for r in hub.four_eyes.pending()] == []


def test_tampering_with_the_audit_log_is_detected(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    hub = world.hub
    request = hub.request_approval(
        ALICE, "fund", {"bic": BANK_A, "currency": "INR", "amount": "1.00"}
    )
    hub.approve(BOB, request.id)
    check = hub.audit.verify()
    assert check.entries >= 5 and check.problems == ()
    with hub.store.engine.begin() as connection:
        connection.execute(update(audit_log).where(audit_log.c.seq == 2).values(actor="mallory"))
    problems = hub.audit.verify().problems
    assert problems == ("entry 2: content does not match its hash",)


def test_audit_cli_verifies_the_chain(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from corridor.cli.main import app

    world = make_world(tmp_path)
    world.hub.issue_credential(BANK_A, Role.participant, actor="alice")
    database = str(tmp_path / "hub.db")
    result = CliRunner().invoke(app, ["audit", "verify", "--database", database, "--json"])
    assert result.exit_code == 0, result.output
    assert '"ok": true' in result.output
    with world.hub.store.engine.begin() as connection:
        connection.execute(update(audit_log).values(detail="{}"))
    broken = CliRunner().invoke(app, ["audit", "verify", "--database", database])
    assert broken.exit_code == 1 and "BROKEN" in broken.output
