"""Payment events stored as runs (one row per payment per batch), on SQLite and
PostgreSQL: written and read back in order, and migrated from the one-row-per-event
table of revision 0006 without losing or reordering anything."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select, text

from corridor.payments.records import PaymentEvent, PaymentState
from corridor.store import migrate, open_engine
from corridor.store.hub_store import _RUN_ENCODER, HubStore, event_runs
from corridor.store.migrate import downgrade
from corridor.store.schema import payment_event_runs

A = "eb6c4a1e-0b1a-4d7e-9c55-3f1b2a9d0c11"
B = "0f3e9d2c-7a61-4c0b-8e2d-5b4a3c2d1e00"


@pytest.fixture
def engine(database: tuple[str, str | None]) -> Iterator[Engine]:
    url, schema = database
    engine = open_engine(url, schema=schema)
    yield engine
    engine.dispose()


def _lifecycle(uetr: str, at_ms: int) -> list[PaymentEvent]:
    return [
        PaymentEvent(uetr, PaymentState.received, at_ms, "pacs.008.001.08 M1 from BANKAAAA"),
        PaymentEvent(uetr, PaymentState.validated, at_ms + 1, 'routed "A" -> B, ünïcode'),
        PaymentEvent(uetr, PaymentState.screened, at_ms + 1, ""),
        PaymentEvent(uetr, PaymentState.settled, at_ms + 2, "ledger transfer 01ab"),
    ]


def _write(engine: Engine, events: list[PaymentEvent]) -> None:
    with engine.begin() as connection:
        rows = [{"uetr": uetr, "events": text} for uetr, text in event_runs(events)]
        connection.execute(payment_event_runs.insert(), rows)


def test_one_row_per_payment_per_batch_and_every_event_read_back_in_order(
    engine: Engine,
) -> None:
    migrate(engine)
    a, b = _lifecycle(A, 1_000), _lifecycle(B, 2_000)
    interleaved = [e for pair in zip(a, b, strict=True) for e in pair]
    _write(engine, interleaved)  # one batch: both payments' events, mixed
    delivered = PaymentEvent(A, PaymentState.delivered, 5_000, "acknowledged")
    _write(engine, [delivered])  # a later batch
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(payment_event_runs))
        assert rows.scalar_one() == 3
    store = HubStore(engine)
    assert store.events(A) == [*a, delivered]
    assert store.events(B) == b
    assert store.events("00000000-0000-4000-8000-000000000000") == []


def test_the_migration_keeps_every_event_of_the_old_table(engine: Engine) -> None:
    migrate(engine, "0006_suppressions")
    old = [*_lifecycle(A, 1_000), *_lifecycle(B, 2_000)]
    old.insert(2, PaymentEvent(B, PaymentState.rejected, 1_500, "AM04 short"))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO payment_events (uetr, state, at_ms, detail) "
                "VALUES (:uetr, :state, :at_ms, :detail)"
            ),
            [
                {"uetr": e.uetr, "state": e.state.value, "at_ms": e.at_ms, "detail": e.detail}
                for e in old
            ],
        )
    migrate(engine)
    store = HubStore(engine)
    assert store.events(A) == [e for e in old if e.uetr == A]
    assert store.events(B) == [e for e in old if e.uetr == B]
    with engine.connect() as connection:
        tables = engine.dialect.get_table_names(connection, schema=None)
    assert "payment_events" not in tables

    downgrade(engine, "0006_suppressions")  # and back: the old rows as they were
    with engine.connect() as connection:
        back = connection.execute(
            text("SELECT uetr, state, at_ms, detail FROM payment_events ORDER BY seq")
        ).all()
    assert [tuple(r) for r in back] == [(e.uetr, e.state.value, e.at_ms, e.detail) for e in old]


@pytest.mark.parametrize(
    "detail",
    ["", 'routed "A" -> B', "back\\slash", "tab\tnew\nline\r", "\x01\x1f", "ünïcode €", "\u2028"],
)
def test_event_runs_write_the_json_the_encoder_writes(detail: str) -> None:
    """hub_store.event_runs writes each run's JSON itself; it must be the encoder's."""
    events = [
        PaymentEvent(uetr, state, at_ms, f"{detail} {state.value}")
        for at_ms, state in enumerate(PaymentState)
        for uetr in (A, B)
    ]
    runs = event_runs(events)
    assert [uetr for uetr, _ in runs] == [A, B]
    for uetr, written in runs:
        expected = [[e.state.value, e.at_ms, e.detail] for e in events if e.uetr == uetr]
        assert written == _RUN_ENCODER.encode(expected)
        assert json.loads(written) == expected
