"""Helpers for the HTTP API tests (no tests here): a hub on the example network behind the
app, credentials for three banks and the operator roles, an in-process httpx client."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from tests.support.hub import BANK_A, BANK_B, BANK_C, HubWorld, make_world

from corridor.api import create_app
from corridor.hub.security import Role

XML = {"Content-Type": "application/xml"}


@dataclass
class ApiWorld:
    """The hub world, its app, and one token per caller (`tokens[name]`)."""

    world: HubWorld
    app: FastAPI
    tokens: dict[str, str]
    client: httpx.AsyncClient

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def submit(self, who: str, data: bytes, **headers: str) -> httpx.Response:
        return await self.client.post(
            "/v1/messages", content=data, headers={**XML, **self.auth(who), **headers}
        )

    async def pay(self, sender: str, receiver: str, amount_minor: int = 1_000) -> str:
        """Submit a settled credit transfer; returns its UETR."""
        data, (uetr,) = self.world.credit_transfer(sender, receiver, [amount_minor])
        response = await self.submit(sender, data)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ACSC", response.json()
        return uetr

    async def get(self, who: str | None, path: str, **params: object) -> httpx.Response:
        headers = self.auth(who) if who else {}
        return await self.client.get(path, params=params, headers=headers)

    async def post(self, who: str | None, path: str, body: object = None) -> httpx.Response:
        headers = self.auth(who) if who else {}
        return await self.client.post(path, json=body, headers=headers)


CALLERS = {
    BANK_A: Role.participant,
    BANK_B: Role.participant,
    BANK_C: Role.participant,
    "ops": Role.operator,
    "ops2": Role.operator,  # the second pair of eyes
    "compliance": Role.compliance,
    "audit": Role.auditor,
}


def issue_tokens(world: HubWorld) -> dict[str, str]:
    return {name: world.hub.issue_credential(name, role) for name, role in CALLERS.items()}


@asynccontextmanager
async def api_world(tmp_path: Path, **app_options: int) -> AsyncIterator[ApiWorld]:
    """A started app (lifespan running) and a client talking to it in process."""
    world = make_world(tmp_path)
    tokens = issue_tokens(world)
    app = create_app(world.hub, **app_options)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://corridor.test") as client,
    ):
        yield ApiWorld(world, app, tokens, client)


def payload(entry: dict[str, object]) -> bytes:
    value = entry["payload_base64"]
    assert isinstance(value, str)
    return base64.b64decode(value)
