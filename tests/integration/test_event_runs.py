"""Payment events written as runs (each batch's events of a payment as one JSON list) and
kept in the payment's own row (`payments.events`, revision 0008), on SQLite and
PostgreSQL: each batch appends its events to the row's list, a batch that writes events
but not the row still records them, every event reads back in order, and the migrations
(one row per event in 0006, one row per run in 0007) move them in and out without
losing or reordering anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select, text
from tests.support.hub import BANK_A, BANK_B, BANK_C, HubWorld, make_world
from tests.support.payments import sample_payment

from corridor.hub.security import Principal, Role
from corridor.payments.records import (
    Payment,
    PaymentChanges,
    PaymentEvent,
    PaymentKind,
    PaymentState,
    evolve_payment,
)
from corridor.store import migrate
from corridor.store.hub_store import _RUN_ENCODER, HubStore, event_runs, write_changes
from corridor.store.migrate import downgrade
from corridor.store.schema import payments

A = "eb6c4a1e-0b1a-4d7e-9c55-3f1b2a9d0c11"
B = "0f3e9d2c-7a61-4c0b-8e2d-5b4a3c2d1e00"
C = "7d2a1c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
OPS = Principal("ops", Role.operator)


def _events(store: HubStore, uetr: str) -> list[PaymentEvent]:
    """A payment's events as tracking reads them ([] for an unknown UETR)."""
    found = store.payment_with_events(uetr)
    return [] if found is None else found[1]


def _lifecycle(uetr: str, at_ms: int) -> list[PaymentEvent]:
    return [
        PaymentEvent(uetr, PaymentState.received, at_ms, "pacs.008.001.08 M1 from BANKAAAA"),
        PaymentEvent(uetr, PaymentState.validated, at_ms + 1, 'routed "A" -> B, ünïcode'),
        PaymentEvent(uetr, PaymentState.screened, at_ms + 1, ""),
        PaymentEvent(uetr, PaymentState.settled, at_ms + 2, "ledger transfer 01ab"),
    ]


def _payment(uetr: str, state: PaymentState, at_ms: int = 1_000) -> Payment:
    return sample_payment(uetr=uetr, state=state, updated_at_ms=at_ms)


def _event(uetr: str, state: PaymentState, at_ms: int, detail: str = "") -> PaymentEvent:
    return PaymentEvent(uetr, state, at_ms, detail or f'{state.value} at {at_ms}, "quoted" ü')


def _write(engine: Engine, changed: list[Payment], events: list[PaymentEvent]) -> None:
    with engine.begin() as connection:
        write_changes(connection, PaymentChanges(payments=tuple(changed), events=tuple(events)))


def _stored(engine: Engine, uetr: str) -> str | None:
    with engine.connect() as connection:
        return connection.execute(
            select(payments.c.events).where(payments.c.uetr == uetr)
        ).scalar_one_or_none()


def _encoded(events: list[PaymentEvent]) -> str:
    return _RUN_ENCODER.encode([[e.state.value, e.at_ms, e.detail] for e in events])


def _insert_payment_rows(engine: Engine, uetrs: list[str]) -> None:
    """Payments as revisions 0006 and 0007 stored them (no `events` column)."""
    columns = [c.name for c in payments.c if c.name != "events"]
    values = {name: getattr(_payment(A, PaymentState.settled), name) for name in columns}
    values.update(
        kind=PaymentKind.customer.value, state=PaymentState.settled.value, transfer_id=None
    )
    sql = f"INSERT INTO payments ({', '.join(columns)}) VALUES (:{', :'.join(columns)})"
    with engine.begin() as connection:
        connection.execute(text(sql), [{**values, "uetr": uetr} for uetr in uetrs])


def _insert_runs(engine: Engine, runs: list[tuple[str, str]]) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO payment_event_runs (uetr, events) VALUES (:uetr, :events)"),
            [{"uetr": uetr, "events": events} for uetr, events in runs],
        )


def _runs_of(engine: Engine, uetr: str) -> list[PaymentEvent]:
    with engine.connect() as connection:
        runs = connection.execute(
            text("SELECT events FROM payment_event_runs WHERE uetr = :uetr ORDER BY seq"),
            {"uetr": uetr},
        ).scalars()
        return [
            PaymentEvent(uetr, PaymentState(state), at_ms, detail)
            for run in runs
            for state, at_ms, detail in json.loads(run)
        ]


def _shape(engine: Engine) -> tuple[set[str], list[str], set[str]]:
    """(tables, payments' columns, payments' indexes) as the database has them."""
    with engine.connect() as connection:
        found = inspect(connection)
        return (
            set(found.get_table_names()),
            [c["name"] for c in found.get_columns("payments")],
            {str(i["name"]) for i in found.get_indexes("payments")},
        )


def test_events_of_every_batch_read_back_in_order(engine: Engine) -> None:
    migrate(engine)
    a, b = _lifecycle(A, 1_000), _lifecycle(B, 2_000)
    interleaved = [e for pair in zip(a, b, strict=True) for e in pair]
    rows = [_payment(A, PaymentState.settled), _payment(B, PaymentState.settled)]
    _write(engine, rows, interleaved)  # one batch: both payments' events, mixed
    delivered = PaymentEvent(A, PaymentState.delivered, 5_000, "acknowledged")
    _write(engine, [], [delivered])  # a later batch: the event alone
    with engine.connect() as connection:
        rows_stored = connection.execute(select(func.count()).select_from(payments))
        assert rows_stored.scalar_one() == 2  # the events are in the payments' own rows
    store = HubStore(engine)
    assert _events(store, A) == [*a, delivered]
    assert _events(store, B) == b
    assert _events(store, "00000000-0000-4000-8000-000000000000") == []


def test_the_migration_keeps_every_event_of_the_old_table(engine: Engine) -> None:
    migrate(engine, "0006_suppressions")
    _insert_payment_rows(engine, [A, B])
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
    migrate(engine, "0007_event_runs")
    assert _runs_of(engine, A) == [e for e in old if e.uetr == A]
    assert _runs_of(engine, B) == [e for e in old if e.uetr == B]
    with engine.connect() as connection:
        tables = engine.dialect.get_table_names(connection, schema=None)
    assert "payment_events" not in tables

    downgrade(engine, "0006_suppressions")  # and back: the old rows as they were
    with engine.connect() as connection:
        back = connection.execute(
            text("SELECT uetr, state, at_ms, detail FROM payment_events ORDER BY seq")
        ).all()
    assert [tuple(r) for r in back] == [(e.uetr, e.state.value, e.at_ms, e.detail) for e in old]

    migrate(engine)  # and on to the head (0008): tracking reads them all, in order
    store = HubStore(engine)
    assert _events(store, A) == [e for e in old if e.uetr == A]
    assert _events(store, B) == [e for e in old if e.uetr == B]


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


def test_each_batch_appends_its_events_to_the_payments_row(engine: Engine) -> None:
    migrate(engine)
    store = HubStore(engine)
    queued = _payment(A, PaymentState.queued)
    first = [
        _event(A, PaymentState.received, 1_000),
        _event(A, PaymentState.validated, 1_001),
        _event(A, PaymentState.screened, 1_001),
        _event(A, PaymentState.queued, 1_002),
    ]
    _write(engine, [queued, _payment(B, PaymentState.received)], first)  # B: no events
    assert _events(store, A) == first
    assert _events(store, B) == [] and _stored(engine, B) == "[]"

    settled = evolve_payment(queued, state=PaymentState.settled, updated_at_ms=2_000)
    second = [_event(A, PaymentState.settled, 2_000, "ledger transfer 01ab")]
    _write(engine, [settled], second)  # a later batch: the row and its events
    assert _events(store, A) == [*first, *second]

    _write(engine, [evolve_payment(settled, updated_at_ms=2_500)], [])  # the row alone
    assert _events(store, A) == [*first, *second]

    # A partial return's event with the row unchanged: recorded all the same.
    third = [_event(A, PaymentState.settled, 3_000, "partly returned: 4000 of 10000")]
    _write(engine, [], third)
    fourth = [_event(A, PaymentState.returned, 4_000, "returned in full by BANKBBBB")]
    _write(engine, [evolve_payment(settled, state=PaymentState.returned)], fourth)

    every = [*first, *second, *third, *fourth]
    assert _events(store, A) == every
    assert _stored(engine, A) == _encoded(every)  # what event_runs writes, byte for byte
    later_b = [_event(B, PaymentState.rejected, 5_000)]
    _write(engine, [], later_b)  # events alone for a row that held none
    assert _events(store, B) == later_b
    assert _stored(engine, B) == _encoded(later_b)


def test_events_of_a_payment_without_a_row_are_not_stored(engine: Engine) -> None:
    """The hub writes events only with or after its payment's row: an event of an
    unknown UETR has no row to go to (the runs table kept it, unread by tracking)."""
    migrate(engine)
    _write(engine, [], [_event(C, PaymentState.received, 1_000)])
    assert _events(HubStore(engine), C) == []
    assert _stored(engine, C) is None


def test_the_migration_moves_every_run_into_the_payments_rows_and_back(engine: Engine) -> None:
    migrate(engine, "0007_event_runs")
    before = _shape(engine)
    _insert_payment_rows(engine, [A, B, C])  # C has no events
    a = [_event(A, s, 1_000 + k) for k, s in enumerate(list(PaymentState)[:6])]
    b = [_event(B, PaymentState.received, 1_500), _event(B, PaymentState.rejected, 1_600)]
    # A's events in three batches, B's between them; 0007 wrote its copies with
    # json.dumps' defaults, the hub in compact JSON: both are read.
    _insert_runs(
        engine,
        [
            (A, json.dumps([[e.state.value, e.at_ms, e.detail] for e in a[:1]])),
            (B, _encoded(b)),
            (A, _encoded(a[1:4])),
            (A, _encoded(a[4:])),
        ],
    )

    migrate(engine)
    store = HubStore(engine)
    assert (_events(store, A), _events(store, B), _events(store, C)) == (a, b, [])
    assert (_stored(engine, A), _stored(engine, C)) == (_encoded(a), "[]")
    tables, columns, _ = _shape(engine)
    assert "payment_event_runs" not in tables
    assert columns[-1] == "events"

    downgrade(engine, "0007_event_runs")  # one run per payment: the same events, in order
    assert _shape(engine) == before
    assert (_runs_of(engine, A), _runs_of(engine, B), _runs_of(engine, C)) == (a, b, [])

    migrate(engine)  # and up again
    assert (_events(store, A), _events(store, B), _events(store, C)) == (a, b, [])


def test_the_migration_refuses_runs_of_no_payment(engine: Engine) -> None:
    migrate(engine, "0007_event_runs")
    _insert_payment_rows(engine, [A])
    _insert_runs(engine, [(A, _encoded([_event(A, PaymentState.received, 1)]))])
    _insert_runs(engine, [(B, _encoded([_event(B, PaymentState.received, 2)]))])
    with pytest.raises(RuntimeError, match="1 rows of payment_event_runs belong to no payment"):
        migrate(engine)
    assert "payment_event_runs" in _shape(engine)[0]
    assert _runs_of(engine, B) == [_event(B, PaymentState.received, 2)]


# -- through the hub: batches that append to a payment's events ------------------------
@pytest.fixture
def world(tmp_path: Path, database: tuple[str, str | None]) -> HubWorld:
    url, schema = database
    return make_world(tmp_path, url, schema)


def _states(world: HubWorld, uetr: str) -> list[PaymentState]:
    tracking = world.hub.track(OPS, uetr)
    assert tracking is not None
    assert tracking.payment.state is tracking.events[-1].state
    return [e.state for e in tracking.events]


def test_queued_in_one_batch_settled_delivered_and_returned_in_later_ones(
    world: HubWorld,
) -> None:
    available = world.hub.available_minor(BANK_A, "INR")
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [available + 5_000])
    assert world.hub.submit(BANK_A, data).status == "PDNG"
    waiting = [PaymentState.received, PaymentState.validated, PaymentState.screened]
    assert _states(world, uetr) == [*waiting, PaymentState.queued]

    data, _ = world.credit_transfer(BANK_C, BANK_A, [10_000])  # funds arrive: it settles
    assert world.hub.submit(BANK_C, data).status == "ACSC"
    assert _states(world, uetr) == [*waiting, PaymentState.queued, PaymentState.settled]

    b = Principal(BANK_B, Role.participant)
    forwarded = [m.message_id for m in world.hub.outbox(b) if uetr in m.uetrs]
    world.hub.ack(b, forwarded)
    delivered = [*waiting, PaymentState.queued, PaymentState.settled, PaymentState.delivered]
    assert _states(world, uetr) == delivered

    assert world.hub.submit(BANK_B, world.payment_return(BANK_B, uetr, 1_000)).status == "ACSC"
    rest = world.payment_return(BANK_B, uetr, available + 4_000)
    assert world.hub.submit(BANK_B, rest).status == "ACSC"
    tracking = world.hub.track(OPS, uetr)
    assert tracking is not None
    assert [e.state for e in tracking.events] == [
        *delivered,
        PaymentState.delivered,  # partly returned: the state stays
        PaymentState.returned,
    ]
    assert tracking.events[-2].detail.startswith("partly returned: 1000 of")


def test_a_queued_payment_cancelled_in_a_later_batch(world: HubWorld) -> None:
    available = world.hub.available_minor(BANK_A, "INR")
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [available + 1])
    world.hub.submit(BANK_A, data)
    assert world.hub.submit(BANK_A, world.cancellation(BANK_A, uetr)).status == "CNCL"
    assert _states(world, uetr) == [
        PaymentState.received,
        PaymentState.validated,
        PaymentState.screened,
        PaymentState.queued,
        PaymentState.cancelled,
    ]
