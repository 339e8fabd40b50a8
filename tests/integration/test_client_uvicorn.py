"""CorridorClient over real HTTP: the app under uvicorn on a free loopback port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.test_client_world import (
    BANK_A,
    BANK_B,
    ClientWorld,
    free_port_socket,
    make_client_world,
    uvicorn_serving,
)

from corridor.client import ConnectionFailed, CorridorClient, InboxMessage, RetryPolicy

WAKE_S_MAX = 5.0  # a long poll must wake well before its own 20 s wait ends


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientWorld]:
    world = make_client_world(tmp_path_factory.mktemp("served"))
    with uvicorn_serving(world.app) as base_url:
        world.base_url = base_url
        yield world


def test_send_and_track_over_http(served: ClientWorld) -> None:
    with served.client(BANK_A) as a:
        result = a.send(served.payment(BANK_A, BANK_B, "42.00"))
        assert result.status == "ACSC"
        assert a.track(result.uetrs[0]).state == "SETTLED"
        assert a.health() == {"status": "ok", "database": "ok", "engine": "ok"}


def test_a_waiting_long_poll_wakes_when_a_payment_arrives(served: ClientWorld) -> None:
    with served.client(BANK_B) as b:
        cursor = max((m.seq for m in b.outbox(limit=1000, include_acked=True).messages), default=0)
    taken: list[InboxMessage] = []
    arrived = threading.Event()

    def watch() -> None:
        with served.client(BANK_B) as watcher:
            for message in watcher.watch(cursor, wait_s=20, idle_timeout_s=15):
                taken.append(message)
                arrived.set()
                return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    time.sleep(0.3)  # the watcher is now waiting inside its long poll
    sent_at = time.monotonic()
    with served.client(BANK_A) as a:
        result = a.send(served.payment(BANK_A, BANK_B, "7.00"))
    assert arrived.wait(WAKE_S_MAX), "the long poll did not wake"
    assert time.monotonic() - sent_at < WAKE_S_MAX
    thread.join(WAKE_S_MAX)
    assert [m.uetrs for m in taken] == [result.uetrs]


def test_nothing_listening_is_connection_failed(tmp_path: Path) -> None:
    sock = free_port_socket()  # bound, never listening: connections are refused
    port = sock.getsockname()[1]
    waits: list[float] = []
    try:
        client = CorridorClient(
            f"http://127.0.0.1:{port}",
            "crd_a_b",
            timeout_s=2,
            retry=RetryPolicy(attempts_max=3, backoff_s=0.01),
            sleep=waits.append,
        )
        with pytest.raises(ConnectionFailed, match="ConnectError"):
            client.balances()
        with pytest.raises(ConnectionFailed):
            client.health()
    finally:
        sock.close()
    assert len(waits) == 2
