"""PostgreSQL connections: one the server closed while it sat in the pool is replaced
before use; one closed while in use fails its statement (or a batch's journal COPY, or
its rows), which the API answers 503 (retry), and new connections serve after it. The
hub's connections name themselves."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError
from tests.conftest import postgres_url
from tests.support.hub import BANK_A, BANK_B, make_world

from corridor.api.errors import response_for
from corridor.ledger.commands import AccountKind, CreateAccount
from corridor.ledger.engine import BatchOutcome
from corridor.store import database as database_module
from corridor.store import migrate, open_engine
from corridor.store.hub_store import _INBOUND_COLUMNS, _INSERT_INBOUND
from corridor.store.ledger_audit import audit_ledger
from corridor.store.ledger_store import LedgerStore, journal_tuples
from corridor.store.statements import execute_rows

# The conftest's database fixture, PostgreSQL only (skipped, with its reason, without a
# server): SQLite has no server to lose.
pytestmark = pytest.mark.parametrize("database", ["postgres"], indirect=True)


def _pid(connection: Connection) -> int:
    return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    """Close one backend from another connection, as a server restart or an
    administrator would; the hub's connections say who they are."""
    other = open_engine(postgres_url() or "")
    with other.connect() as connection:
        name = connection.execute(
            text("SELECT application_name FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar_one()
        assert name == database_module.APPLICATION_NAME
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_a_pooled_connection_closed_by_the_server_is_replaced_before_use(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        pid = _pid(connection)
    _terminate(pid)  # while it sits in the pool
    with engine.connect() as connection:
        assert _pid(connection) != pid  # the ping found it closed: a new one serves


def test_a_connection_closed_in_use_fails_503_then_new_ones_serve(engine: Engine) -> None:
    with engine.connect() as connection:
        pid = _pid(connection)
        _terminate(pid)  # while the request holds it
        with pytest.raises(OperationalError) as failure:
            _pid(connection)
    assert failure.value.connection_invalidated
    response = response_for(failure.value)
    assert response is not None and response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert b'"code":"database_unavailable"' in response.body
    with engine.connect() as connection:
        assert _pid(connection) != pid


def test_the_hub_settles_on_after_the_server_closed_its_connections(
    tmp_path: Path, database: tuple[str, str | None]
) -> None:
    url, schema = database
    # A name of this hub's own (the URL's wins): only its connections are closed, not
    # those of whatever else runs on the server.
    name = f"corridor_test_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in url else "?"
    world = make_world(tmp_path, f"{url}{separator}application_name={name}", schema)
    first, _ = world.credit_transfer(BANK_A, BANK_B, [1_00])
    assert world.hub.submit(BANK_A, first).status == "ACSC"
    other = open_engine(url)
    with other.connect() as connection:  # every connection of the hub, as a restart would
        closed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar_one()
    other.dispose()
    assert closed >= 1
    second, _ = world.credit_transfer(BANK_A, BANK_B, [2_00])
    assert world.hub.submit(BANK_A, second).status == "ACSC"
    assert world.hub.engine.ledger.verify() == []
    assert audit_ledger(world.hub.store.engine).problems == []


@pytest.mark.parametrize("write", ["journal", "rows"])
def test_a_connection_closed_during_a_batch_write_fails_503_and_is_not_pooled(
    engine: Engine, write: str
) -> None:
    """The batch's writes run on the driver (COPY) or as driver SQL (the rows as arrays):
    their errors come out as SQLAlchemy's, as any statement's, so the API answers 503
    and the pool drops the connection."""
    migrate(engine)
    store = LedgerStore(engine)
    outcome = BatchOutcome(
        results=[],
        events=[CreateAccount(id=7, owner="BANKAAAA", currency="INR", kind=AccountKind.settlement)],
        first_seq=1,
        now_ms=1_000,
        accounts=[],
    )
    row = ("BANKAAAA", "MSG-1", "pacs.008.001.08", 1_000, "ANS-1", "ACSC", b"<Doc/>")
    with engine.connect() as connection:
        pid = _pid(connection)  # in the transaction the writes join
        _terminate(pid)
        with pytest.raises(OperationalError) as failure:
            if write == "journal":
                store._write_journal(connection, journal_tuples(outcome))
            else:
                execute_rows(connection, _INSERT_INBOUND, _INBOUND_COLUMNS, [row])
        assert connection.invalidated  # not handed out again by the pool
    assert failure.value.connection_invalidated
    response = response_for(failure.value)
    assert response is not None and response.status_code == 503
    with engine.connect() as connection:
        assert _pid(connection) != pid
