"""Test support for the client tests: a real hub and its API app, with banks that hold keys
and credentials. `client_world` runs the app in this process (InProcessTransport); the
`served_world` helpers run it under a real uvicorn on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from corridor.api.app import create_app
from corridor.bootstrap import HubSettings, build_hub, load_network_config
from corridor.cli.demo import example_config_path
from corridor.client import (
    CorridorClient,
    RetryPolicy,
    compose_credit_transfer,
    sign_message,
)
from corridor.client.testing import InProcessTransport
from corridor.crypto.keys import PrivateKey, generate_private_key, public_key_pem
from corridor.hub.security import Role
from corridor.hub.service import Hub

HUB_BIC = "CRDRSGSG"
BANK_A, BANK_B, BANK_C = "GANGINBB", "DECCINBB", "KONKINBB"
OPERATOR = "ops-alice"
SECOND_OPERATOR = "ops-bianca"  # four eyes
BASE_URL = "http://hub.test"
SERVER_START_S_MAX = 20.0


@dataclass
class ClientWorld:
    """A hub on the example network; banks A, B, C with registered keys and credentials."""

    hub: Hub
    app: Any
    database: Path
    keys: dict[str, PrivateKey] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    transport: Any = None
    base_url: str = BASE_URL

    def client(self, who: str, **options: Any) -> CorridorClient:
        options.setdefault("retry", RetryPolicy(attempts_max=1))
        return CorridorClient(self.base_url, self.tokens[who], transport=self.transport, **options)

    def payment(
        self,
        sender: str,
        receiver: str,
        amount: str = "100.00",
        currency: str = "INR",
        **fields: Any,
    ) -> bytes:
        """A signed pacs.008 from `sender` to `receiver`."""
        xml = compose_credit_transfer(
            sender,
            receiver,
            amount,
            currency,
            debtor_name="Ganges Textiles Pvt Ltd",
            creditor_name="Deccan Cotton Mills",
            remittance="Invoice 42",
            hub_bic=HUB_BIC,
            **fields,
        )
        return sign_message(xml, self.keys[sender])


def make_client_world(directory: Path) -> ClientWorld:
    database = directory / "hub.db"
    hub = build_hub(
        HubSettings(
            database_url=str(database), hub_key_path=directory / "hub_key.pem", hub_bic=HUB_BIC
        )
    )
    report = hub.load_network(load_network_config(example_config_path()))
    assert not report.failures
    world = ClientWorld(hub, create_app(hub), database)
    for bic in (BANK_A, BANK_B, BANK_C):
        key = generate_private_key()
        world.keys[bic] = key
        hub.register_key(bic, public_key_pem(key.public_key()).decode())
        world.tokens[bic] = hub.issue_credential(bic, Role.participant)
    world.tokens[OPERATOR] = hub.issue_credential(OPERATOR, Role.operator)
    world.tokens[SECOND_OPERATOR] = hub.issue_credential(SECOND_OPERATOR, Role.operator)
    world.tokens["auditor"] = hub.issue_credential("audit-bob", Role.auditor)
    return world


@pytest.fixture(scope="module")
def client_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientWorld]:
    world = make_client_world(tmp_path_factory.mktemp("client"))
    with InProcessTransport(world.app) as transport:
        world.transport = transport
        yield world


def free_port_socket() -> socket.socket:
    """A listening-ready socket bound to a free loopback port (no race for the port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def uvicorn_serving(app: Any) -> Iterator[str]:
    """Serve `app` under uvicorn in a thread; yields its base URL; stops it after."""
    sock = free_port_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_S_MAX
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start in time"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(SERVER_START_S_MAX)
        sock.close()
