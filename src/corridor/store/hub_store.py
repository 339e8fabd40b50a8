"""The hub's tables: directory, payments and events, outbox, inbound answers.

Writes of a settlement batch go through `write_changes` on the engine's connection, in the
same transaction as the ledger journal (transactional outbox). Reads open their own
connections: SQLite in WAL mode and PostgreSQL both let readers run beside the writer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Text,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    tuple_,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from corridor.payments.records import (
    ComplianceCase,
    InboundRecord,
    OutboxMessage,
    Participant,
    ParticipantKind,
    ParticipantStatus,
    Payment,
    PaymentChanges,
    PaymentEvent,
    PaymentKind,
    PaymentState,
)
from corridor.store.database import reader
from corridor.store.fx_store import write_quotes, write_trades
from corridor.store.schema import (
    compliance_cases,
    credentials,
    inbound_messages,
    outbox,
    participants,
    payments,
)
from corridor.store.statements import execute_rows, in_marks, query, upsert

OUTBOX_PAGE_MAX = 1_000
IN_LIST_MAX = 10_000  # parameters per IN list (SQLite allows 32,766 per statement)
_PAYMENT_UPDATABLE = (
    "queue_seq",
    "priority",
    "state",
    "reason",
    "transfer_id",
    "returned_minor",
    "updated_at_ms",
    "debit_participant",
    "credit_participant",
)
_PARTICIPANT_UPDATABLE = tuple(c.name for c in participants.c if not c.primary_key)
# A payment's columns but its events: what a Payment holds (the events are read only
# by tracking, and written by appending).
_PAYMENT_FIELDS = tuple(c for c in payments.c if c.name != "events")
_PAYMENT_COLUMNS = tuple(c.name for c in _PAYMENT_FIELDS)
_PAYMENT_ROW_COLUMNS = (*_PAYMENT_COLUMNS, "events")
_NO_EVENTS = "[]"
# The columns a batch writes, in the tables' order (statements.execute_rows checks it).
_OUTBOX_COLUMNS = ("message_id", "recipient", "kind", "payload", "uetrs", "created_at_ms")
_INBOUND_COLUMNS = (
    "sender",
    "msg_id",
    "kind",
    "received_at_ms",
    "answer_message_id",
    "answer_status",
    "payload",
)


# Built once: the batch's writes run them through statements.execute_rows.
_RUN_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# `["STATE",` for each state (plain capital words: nothing to escape).
_EVENT_OPENING = {state: f"[{_RUN_ENCODER.encode(state.value)}," for state in PaymentState}
_INSERT_OUTBOX = insert(outbox)
_INSERT_INBOUND = insert(inbound_messages)


def write_changes(connection: Connection, changes: PaymentChanges) -> None:
    """Persist a batch's payment changes on the caller's connection (its transaction)."""
    if changes.payments or changes.events:
        _write_payments(connection, changes.payments, changes.events)
    if changes.outbox:
        execute_rows(
            connection,
            _INSERT_OUTBOX,
            _OUTBOX_COLUMNS,
            [
                (m.message_id, m.recipient, m.kind, m.payload, " ".join(m.uetrs), m.created_at_ms)
                for m in changes.outbox
            ],
        )
    write_trades(connection, changes.fx_trades)  # type: ignore[arg-type]
    if changes.quotes:
        write_quotes(connection, changes.quotes)  # type: ignore[arg-type]
    for case in changes.cases:
        connection.execute(compliance_cases.delete().where(compliance_cases.c.id == case.id))
        connection.execute(insert(compliance_cases), [case_row(case)])
    if changes.acks:  # one executemany, not one UPDATE per message
        connection.execute(
            update(outbox)
            .where(
                outbox.c.recipient == bindparam("ack_recipient"),
                outbox.c.message_id == bindparam("ack_message_id"),
                outbox.c.acked_at_ms.is_(None),
            )
            .values(acked_at_ms=bindparam("ack_at_ms")),
            [
                {"ack_recipient": recipient, "ack_message_id": message_id, "ack_at_ms": at_ms}
                for recipient, message_id, at_ms in changes.acks
            ],
        )
    if changes.inbound:
        execute_rows(
            connection,
            _INSERT_INBOUND,
            _INBOUND_COLUMNS,
            [
                (
                    r.sender,
                    r.msg_id,
                    r.kind,
                    r.received_at_ms,
                    r.answer_message_id,
                    r.answer_status,
                    r.payload,
                )
                for r in changes.inbound
            ],
        )


def _write_payments(
    connection: Connection, changed: Sequence[Payment], events: Sequence[PaymentEvent]
) -> None:
    """Upsert the batch's payments, each appending the batch's events to its row's list;
    then append the events of payments whose rows the batch leaves alone."""
    runs = dict(event_runs(events))
    if changed:
        execute_rows(
            connection,
            _payment_upsert(connection.dialect.name),
            _PAYMENT_ROW_COLUMNS,
            [payment_values(p, runs.pop(p.uetr, _NO_EVENTS)) for p in changed],
        )
    if runs:
        connection.execute(
            _APPEND_EVENTS,
            [{"append_uetr": uetr, "append_events": run} for uetr, run in runs.items()],
        )


def appended_events(stored: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQL for the JSON list `stored` with the items of the JSON list `new` after its
    own; either may be empty. Joined as text, not parsed: both databases spell it the
    same way, and the stored list stays byte for byte what event_runs wrote."""
    empty = literal_column(f"'{_NO_EVENTS}'")
    one, two = literal_column("1"), literal_column("2")
    # Literal columns, not bound values: the statement's only parameters stay the row's
    # columns (statements.execute_rows binds them by position).
    joined = (
        func.substr(stored, one, func.length(stored) - one)
        .concat(literal_column("','"))
        .concat(func.substr(new, two))
    )
    return sql_case((new == empty, stored), (stored == empty, new), else_=joined)


@cache
def _payment_upsert(dialect: str) -> Any:
    """statements.upsert of a payment's row, but a conflict appends the batch's events to
    the stored ones instead of replacing them. Built once per dialect."""
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(payments)
    set_: dict[str, Any] = {name: statement.excluded[name] for name in _PAYMENT_UPDATABLE}
    set_["events"] = appended_events(payments.c.events, statement.excluded.events)
    return statement.on_conflict_do_update(index_elements=[payments.c.uetr], set_=set_)


# The events of a payment whose row the batch does not write.
_APPEND_EVENTS = (
    update(payments)
    .where(payments.c.uetr == bindparam("append_uetr"))
    .values(events=appended_events(payments.c.events, bindparam("append_events", type_=Text)))
)


def event_runs(events: Sequence[PaymentEvent]) -> list[tuple[str, str]]:
    """The batch's events per payment: (uetr, JSON list of its events of this batch, in
    order), appended to payments.events. The JSON is written here, each event from its
    state's constant opening and its escaped detail, as _RUN_ENCODER would write the
    list [[state, at_ms, detail], ...] at under half the cost (a bulk batch writes
    hundreds of events)."""
    runs: dict[str, list[str]] = {}
    opening, escape = _EVENT_OPENING, encode_basestring
    for e in events:
        text = f"{opening[e.state]}{e.at_ms},{escape(e.detail)}]"
        run = runs.get(e.uetr)
        if run is None:
            runs[e.uetr] = [text]
        else:
            run.append(text)
    return [(uetr, f"[{','.join(run)}]") for uetr, run in runs.items()]


def events_from_runs(uetr: str, runs: Iterable[str]) -> list[PaymentEvent]:
    return [
        PaymentEvent(uetr, PaymentState(state), at_ms, detail)
        for run in runs
        for state, at_ms, detail in json.loads(run)
    ]


def payment_values(p: Payment, events: str) -> tuple[Any, ...]:
    """A payment's row with the JSON list `events`, in _PAYMENT_ROW_COLUMNS (the
    table's) order."""
    return (
        p.uetr,
        p.kind.value,
        p.msg_id,
        p.end_to_end_id,
        p.tx_id,
        p.instructing_agent,
        p.debtor_agent,
        p.creditor_agent,
        p.debit_participant,
        p.credit_participant,
        p.amount_minor,
        p.currency,
        p.state.value,
        p.reason,
        p.transfer_id.to_bytes(16, "big") if p.transfer_id else None,
        p.related_uetr,
        p.returned_minor,
        p.priority,
        p.queue_seq,
        p.created_at_ms,
        p.updated_at_ms,
        events,
    )


def payment_from_row(row: Any) -> Payment:
    return Payment(
        uetr=row["uetr"],
        kind=PaymentKind(row["kind"]),
        msg_id=row["msg_id"],
        end_to_end_id=row["end_to_end_id"],
        tx_id=row["tx_id"],
        instructing_agent=row["instructing_agent"],
        debtor_agent=row["debtor_agent"],
        creditor_agent=row["creditor_agent"],
        debit_participant=row["debit_participant"],
        credit_participant=row["credit_participant"],
        amount_minor=row["amount_minor"],
        currency=row["currency"],
        state=PaymentState(row["state"]),
        reason=row["reason"],
        transfer_id=int.from_bytes(row["transfer_id"], "big") if row["transfer_id"] else 0,
        related_uetr=row["related_uetr"],
        returned_minor=row["returned_minor"],
        priority=row["priority"],
        queue_seq=row["queue_seq"],
        created_at_ms=row["created_at_ms"],
        updated_at_ms=row["updated_at_ms"],
    )


def participant_row(p: Participant) -> dict[str, Any]:
    return {
        "bic": p.bic,
        "lei": p.lei,
        "name": p.name,
        "country": p.country,
        "kind": p.kind.value,
        "status": p.status.value,
        "settles_through": p.settles_through,
        "public_key_pem": p.public_key_pem,
        "updated_at_ms": p.updated_at_ms,
    }


def participant_from_row(row: Any) -> Participant:
    return Participant(
        bic=row["bic"],
        lei=row["lei"],
        name=row["name"],
        country=row["country"],
        kind=ParticipantKind(row["kind"]),
        status=ParticipantStatus(row["status"]),
        settles_through=row["settles_through"],
        public_key_pem=row["public_key_pem"],
        updated_at_ms=row["updated_at_ms"],
    )


class HubStore:
    """Queries over the hub's tables, and the directory's writes."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reader = reader(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    # -- directory ------------------------------------------------------------------
    def save_participant(self, participant: Participant) -> None:
        with self._engine.begin() as connection:
            statement = upsert(participants, connection.dialect.name, _PARTICIPANT_UPDATABLE)
            connection.execute(statement, [participant_row(participant)])

    def participants(self) -> list[Participant]:
        with self._reader.connect() as connection:
            rows = connection.execute(select(participants).order_by(participants.c.bic))
            return [participant_from_row(row) for row in rows.mappings()]

    # -- payments -------------------------------------------------------------------
    def payment(self, uetr: str) -> Payment | None:
        with self._reader.connect() as connection:
            row = (
                connection.execute(select(*_PAYMENT_FIELDS).where(payments.c.uetr == uetr))
                .mappings()
                .first()
            )
            return None if row is None else payment_from_row(row)

    def payment_with_events(self, uetr: str) -> tuple[Payment, list[PaymentEvent]] | None:
        """A payment and its lifecycle events in order, read from its one row (tracking)."""
        with self._reader.connect() as connection:
            row = (
                connection.execute(
                    select(*_PAYMENT_FIELDS, payments.c.events).where(payments.c.uetr == uetr)
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        return payment_from_row(row), events_from_runs(uetr, [row["events"]])

    def payments_by_uetr(self, uetrs: Sequence[str]) -> dict[str, Payment]:
        """The payments among `uetrs` that exist (the engine asks once per batch)."""
        if not uetrs:
            return {}
        wanted = sorted(set(uetrs))
        found: dict[str, Payment] = {}
        with self._reader.connect() as connection:
            # Plain SQL for the driver: the engine thread runs this for every batch, and
            # a Core select with an expanding IN costs several times the query itself.
            for start in range(0, len(wanted), IN_LIST_MAX):
                chunk = wanted[start : start + IN_LIST_MAX]
                rows = query(
                    connection,
                    f"SELECT {', '.join(_PAYMENT_COLUMNS)} FROM payments "
                    f"WHERE uetr IN ({in_marks(connection, len(chunk))})",
                    tuple(chunk),
                )
                for row in rows:
                    payment = payment_from_row(dict(zip(_PAYMENT_COLUMNS, row, strict=True)))
                    found[payment.uetr] = payment
        return found

    def payments_page(
        self, participant: str | None, after_updated_ms: int, limit: int, after_uetr: str = ""
    ) -> list[Payment]:
        """Payments ordered by (updated_at_ms, uetr), after that key (a keyset cursor).
        The comparison is a row value: both databases read it as a range of the index on
        those two columns, which the equivalent OR of two comparisons is not."""
        cursor = tuple_(payments.c.updated_at_ms, payments.c.uetr)
        query = select(*_PAYMENT_FIELDS).where(cursor > tuple_(after_updated_ms, after_uetr))
        if participant is not None:
            query = query.where(
                (payments.c.debit_participant == participant)
                | (payments.c.credit_participant == participant)
                | (payments.c.instructing_agent == participant)
                | (payments.c.debtor_agent == participant)
                | (payments.c.creditor_agent == participant)
            )
        query = query.order_by(payments.c.updated_at_ms, payments.c.uetr).limit(limit)
        with self._reader.connect() as connection:
            return [payment_from_row(r) for r in connection.execute(query).mappings()]

    # -- inbound --------------------------------------------------------------------
    def inbound_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], InboundRecord]:
        """The received messages among (sender, msg_id) keys, with their bytes: one query
        per batch, and a second for the bytes of those found (rarely any). The first
        matches senders and MsgIds apart, so it may also return another sender's message
        with one of the MsgIds (banks number theirs alike): without its bytes, which may
        be megabytes."""
        if not keys:
            return {}
        senders = sorted({sender for sender, _ in keys})
        msg_ids = sorted({msg_id for _, msg_id in keys})
        wanted = set(keys)
        with self._reader.connect() as connection:
            # Plain SQL for the driver, as in payments_by_uetr (once per engine batch).
            rows = query(
                connection,
                "SELECT sender, msg_id, kind, received_at_ms, answer_message_id, answer_status "
                f"FROM inbound_messages WHERE sender IN ({in_marks(connection, len(senders))}) "
                f"AND msg_id IN ({in_marks(connection, len(msg_ids))})",
                (*senders, *msg_ids),
            )
            found = [r for r in rows if (r[0], r[1]) in wanted]
            if not found:
                return {}
            mark = in_marks(connection, 1)
            payloads = {
                (sender, msg_id): bytes(payload)
                for sender, msg_id, payload in query(
                    connection,
                    "SELECT sender, msg_id, payload FROM inbound_messages WHERE "
                    + " OR ".join([f"(sender = {mark} AND msg_id = {mark})"] * len(found)),
                    tuple(value for r in found for value in (r[0], r[1])),
                )
            }
        return {
            (r[0], r[1]): InboundRecord(r[0], r[1], r[2], r[3], r[4], r[5], payloads[r[0], r[1]])
            for r in found
        }

    # -- outbox ---------------------------------------------------------------------
    def outbox_message(self, message_id: str) -> OutboxMessage | None:
        with self._reader.connect() as connection:
            row = (
                connection.execute(select(outbox).where(outbox.c.message_id == message_id))
                .mappings()
                .first()
            )
        return None if row is None else _outbox_from_row(row)

    def outbox_page(
        self, recipient: str, after_seq: int, limit: int, include_acked: bool = False
    ) -> list[OutboxMessage]:
        # One more than a page: the caller asks for it to tell whether another follows.
        limit = max(1, min(limit, OUTBOX_PAGE_MAX + 1))
        query = select(outbox).where(outbox.c.recipient == recipient, outbox.c.seq > after_seq)
        if not include_acked:
            query = query.where(outbox.c.acked_at_ms.is_(None))
        query = query.order_by(outbox.c.seq).limit(limit)
        with self._reader.connect() as connection:
            return [_outbox_from_row(r) for r in connection.execute(query).mappings()]

    def outbox_messages(self, recipient: str, message_ids: Sequence[str]) -> list[OutboxMessage]:
        """The recipient's messages among `message_ids` (others' ids are simply absent)."""
        if not message_ids:
            return []
        with self._reader.connect() as connection:
            rows = connection.execute(
                select(outbox).where(
                    outbox.c.recipient == recipient, outbox.c.message_id.in_(list(message_ids))
                )
            )
            return [_outbox_from_row(r) for r in rows.mappings()]


def _outbox_from_row(row: Any) -> OutboxMessage:
    return OutboxMessage(
        message_id=row["message_id"],
        recipient=row["recipient"],
        kind=row["kind"],
        payload=bytes(row["payload"]),
        created_at_ms=row["created_at_ms"],
        uetrs=tuple(row["uetrs"].split()),
        seq=row["seq"],
        acked_at_ms=row["acked_at_ms"],
    )


class CredentialStore:
    """API credentials: only a SHA-256 of each secret is kept."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Credentials are looked up on the event loop: a read must never wait for (or
        # take) the writer's lock, which the engine thread may hold through a commit.
        self._reader = reader(engine)

    def add(self, key_id: str, secret_sha256: bytes, principal: str, role: str, at_ms: int) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                insert(credentials),
                [
                    {
                        "key_id": key_id,
                        "secret_sha256": secret_sha256,
                        "principal": principal,
                        "role": role,
                        "created_at_ms": at_ms,
                        "revoked": False,
                    }
                ],
            )

    def find(self, key_id: str) -> tuple[bytes, str, str] | None:
        """(secret hash, principal, role) of a live credential (a deferred read)."""
        with self._reader.connect() as connection:
            row = (
                connection.execute(
                    select(credentials).where(
                        credentials.c.key_id == key_id, credentials.c.revoked.is_(False)
                    )
                )
                .mappings()
                .first()
            )
        return None if row is None else (bytes(row["secret_sha256"]), row["principal"], row["role"])

    def revoke(self, key_id: str) -> bool:
        with self._engine.begin() as connection:
            result = connection.execute(
                update(credentials).where(credentials.c.key_id == key_id).values(revoked=True)
            )
        return bool(result.rowcount)


def payments_in_state(engine: Engine, states: Sequence[PaymentState]) -> list[Payment]:
    """Every payment in one of `states` (for rebuilding queues and holds at start-up)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(*_PAYMENT_FIELDS)
            .where(payments.c.state.in_([s.value for s in states]))
            .order_by(payments.c.queue_seq)
        )
        return [payment_from_row(r) for r in rows.mappings()]


def inbound_payload(engine: Engine, sender: str, msg_id: str) -> bytes | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(inbound_messages.c.payload).where(
                inbound_messages.c.sender == sender, inbound_messages.c.msg_id == msg_id
            )
        ).first()
    return None if row is None else bytes(row[0])


def case_row(case: ComplianceCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "uetr": case.uetr,
        "opened_at_ms": case.opened_at_ms,
        "status": case.status.value,
        "summary": case.summary,
        "hits": case.hits,
        "lists_used": case.lists_used,
        "decided_by": case.decided_by,
        "decided_at_ms": case.decided_at_ms,
        "decision_note": case.decision_note,
    }
