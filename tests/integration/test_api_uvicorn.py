"""The API over real HTTP: uvicorn on a loopback port, in a thread (the payment flow) and
through `corridor.api.server.run` in a subprocess (what `corridor serve` calls)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from tests.e2e.test_api_world import XML, issue_tokens
from tests.support.hub import BANK_A, BANK_B, HUB_BIC, HubWorld, make_world

from corridor.api import create_app

STARTUP_TIMEOUT_S = 20.0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[HubWorld, dict[str, str], str]]:
    """(world, tokens, base URL) of the app under uvicorn on 127.0.0.1, a free port."""
    world = make_world(tmp_path)
    tokens = issue_tokens(world)
    config = uvicorn.Config(
        create_app(world.hub), host="127.0.0.1", port=0, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn stopped during startup"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield world, tokens, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT_S)
        assert not thread.is_alive()


def test_payment_over_http(served: tuple[HubWorld, dict[str, str], str]) -> None:
    world, tokens, base_url = served

    def auth(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[who]}"}

    with httpx.Client(base_url=base_url, timeout=10) as client:
        assert client.get("/health").json()["status"] == "ok"
        poller = _LongPoll(base_url, auth(BANK_B))
        data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [42_00])
        answer = client.post("/v1/messages", content=data, headers={**XML, **auth(BANK_A)})
        assert (answer.status_code, answer.json()["status"]) == (200, "ACSC")
        page = poller.result()
        assert [m["uetrs"] for m in page["data"]] == [[uetr]]
        ids = [m["message_id"] for m in page["data"]]
        acked = client.post("/v1/outbox/ack", json={"message_ids": ids}, headers=auth(BANK_B))
        assert acked.json()["acknowledged"] == ids
        tracking = client.get(f"/v1/payments/{uetr}", headers=auth(BANK_A)).json()
        assert tracking["payment"]["state"] == "DELIVERED"
        hidden = client.get(f"/v1/payments/{uetr}", headers=auth("KONKINBB"))
        assert hidden.status_code == 404
        assert client.get("/v1/outbox").status_code == 401


class _LongPoll:
    """A long poll on another thread, started before the payment is sent."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self._page: dict[str, object] = {}
        self._thread = threading.Thread(target=self._run, args=(base_url, headers))
        self._thread.start()
        time.sleep(0.2)

    def _run(self, base_url: str, headers: dict[str, str]) -> None:
        with httpx.Client(base_url=base_url, timeout=20) as client:
            response = client.get("/v1/outbox/stream", params={"wait_ms": 10_000}, headers=headers)
            self._page = response.json()

    def result(self) -> dict[str, object]:
        self._thread.join(15)
        assert not self._thread.is_alive()
        return self._page


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_SERVE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from corridor.api.server import run
    from corridor.bootstrap import HubSettings
    run(HubSettings(database_url=sys.argv[1], hub_key_path=Path(sys.argv[2]),
                    hub_bic=sys.argv[3]), "127.0.0.1", int(sys.argv[4]))
    """
)


def test_server_run_serves_and_logs_json_lines(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    token = issue_tokens(world)[BANK_A]
    world.hub.store._engine.dispose()  # the server process owns the database from here
    port = _free_port()
    args = [str(tmp_path / "hub.db"), str(tmp_path / "hub_key.pem"), HUB_BIC, str(port)]
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_up(base_url, process)
        with httpx.Client(base_url=base_url, timeout=10) as client:
            balances = client.get("/v1/balances", headers={"Authorization": f"Bearer {token}"})
            assert balances.status_code == 200
            assert {b["currency"] for b in balances.json()["data"]} >= {"INR"}
            assert "corridor_http_request_duration_seconds" in client.get("/metrics").text
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=STARTUP_TIMEOUT_S)
    lines = [json.loads(line) for line in stdout.decode().splitlines() if line.startswith("{")]
    logged = [line for line in lines if line.get("path") == "/v1/balances"]
    assert logged, (stdout, stderr)
    assert logged[0]["principal"] == BANK_A and logged[0]["status"] == 200
    assert token not in stdout.decode() and token not in stderr.decode()


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("the server did not answer /health in time")
