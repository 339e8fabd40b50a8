"""CorridorClient: the hub's HTTP API (/v1) for banks and operators, synchronous, on httpx."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any

import httpx

from corridor.client._calls_compliance import ComplianceCalls
from corridor.client._calls_more import MoreCalls, _check_page
from corridor.client._errors import ConnectionFailed, CorridorApiError
from corridor.client._results import (
    AckResult,
    Balance,
    Credential,
    DirectoryEntry,
    InboxMessage,
    OutboxPage,
    SubmitResult,
    Tracking,
    UnexpectedResponse,
)
from corridor.client._results_more import Approval
from corridor.client._transport import Requester, RetryPolicy, api_error
from corridor.foundation.errors import InputError

USER_AGENT = "corridor-client/0.1"
MESSAGE_BYTES_MAX = 4 * 1024 * 1024  # the hub's limit
PAGE_LIMIT_MAX = 1_000
ACK_IDS_MAX = 1_000
WAIT_S_MAX = 30.0  # the hub waits at most 30 s per long poll


class CorridorClient(MoreCalls, ComplianceCalls):
    """A bank's or an operator's connection to a Corridor hub.

    Queues, reports, FX quotes and rates, the business day, four eyes and the audit log
    are in MoreCalls (inherited); compliance cases and list reloads in ComplianceCalls.

    `base_url` is the hub's address (e.g. "http://127.0.0.1:8080"); `token` the API
    credential `crd_<keyid>_<secret>` issued by the operator. `transport` replaces the
    network (e.g. corridor.client.testing.InProcessTransport for an app in this process).

    Retries: reads, acknowledgements, operator status changes and `send` are retried on
    connection errors, timeouts and HTTP 503 (see RetryPolicy). Sending is safe to retry:
    the hub keys every message by (sender, MsgId) and answers a MsgId it already has with
    the original answer (`SubmitResult.duplicate` is then True); nothing settles twice.
    `issue_credential` is never retried (each call makes a new credential).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 10.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token or any(c.isspace() for c in token):
            raise InputError(
                "must be a non-empty token without spaces",
                field="token",
                value="<empty>" if not token else "<hidden>",
            )
        if not base_url.startswith(("http://", "https://")):
            raise InputError("must start with http:// or https://", field="url", value=base_url)
        if not 0 < timeout_s <= 600:
            raise InputError("must be in (0, 600] seconds", field="timeout_s", value=timeout_s)
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout_s,
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
        )
        self._timeout_s = timeout_s
        self._requests = Requester(self._http, retry or RetryPolicy(), sleep)

    # -- lifecycle -------------------------------------------------------------------
    def disconnect(self) -> None:
        """Close the HTTP connections (the `with` block does it for you)."""
        self._http.close()

    def __enter__(self) -> CorridorClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.disconnect()

    def _json(self, method: str, path: str, *, idempotent: bool = True, **kwargs: Any) -> Any:
        response = self._requests.request(method, path, idempotent=idempotent, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise UnexpectedResponse(f"{method} {path}: the answer is not JSON") from None

    # -- messages --------------------------------------------------------------------
    def send(self, xml: bytes) -> SubmitResult:
        """Submit one signed message; the hub's one answer (settled, pending or refused).

        A refusal of the message itself (RJCT with an ISO reason) is a result, not an
        exception; CorridorApiError means the request was refused (credential, size...).
        """
        if not isinstance(xml, bytes) or not xml:
            raise InputError("must be non-empty bytes", field="message", value=type(xml).__name__)
        if len(xml) > MESSAGE_BYTES_MAX:
            raise InputError(f"at most {MESSAGE_BYTES_MAX} bytes", field="message", value=len(xml))
        data = self._json(
            "POST", "/v1/messages", content=xml, headers={"Content-Type": "application/xml"}
        )
        return SubmitResult.from_json(data)

    # -- delivery --------------------------------------------------------------------
    def outbox(self, after: int = 0, limit: int = 100, include_acked: bool = False) -> OutboxPage:
        """Messages for you with seq > `after`, oldest first, at most `limit`."""
        _check_page(after, limit, PAGE_LIMIT_MAX)
        params = {"after": after, "limit": limit, "include_acked": include_acked}
        return OutboxPage.from_json(self._json("GET", "/v1/outbox", params=params), after)

    def watch(
        self,
        after: int = 0,
        *,
        limit: int = 100,
        wait_s: float = 20.0,
        idle_timeout_s: float | None = None,
        include_acked: bool = False,
        auto_ack: bool = False,
    ) -> Iterator[InboxMessage]:
        """New messages as they arrive, oldest first: forever, or until none came for
        `idle_timeout_s`. Long polls GET /v1/outbox/stream, each waiting up to `wait_s`.

        `auto_ack`: acknowledge each page once you have taken all of its messages (on
        your next `next()`), so a crash while handling one leaves it unacknowledged
        (delivery is at least once: treat a message id you have handled as done).
        """
        if not 0 <= wait_s <= WAIT_S_MAX:
            raise InputError(f"must be 0..{WAIT_S_MAX} seconds", field="wait_s", value=wait_s)
        _check_page(after, limit, PAGE_LIMIT_MAX)
        cursor, idle_since = after, time.monotonic()
        while True:
            wait_now_s = wait_s
            if idle_timeout_s is not None:
                wait_now_s = min(wait_s, max(0.0, idle_since + idle_timeout_s - time.monotonic()))
            page = self._long_poll(cursor, limit, include_acked, wait_now_s)
            yield from page.messages
            cursor = page.next_after
            if auto_ack and page.messages:
                self.ack([m.message_id for m in page.messages if m.acked_at is None])
            if page.messages:
                idle_since = time.monotonic()
            elif idle_timeout_s is not None and time.monotonic() - idle_since >= idle_timeout_s:
                return

    def _long_poll(self, after: int, limit: int, include_acked: bool, wait_s: float) -> OutboxPage:
        params = {
            "after": after,
            "limit": limit,
            "include_acked": include_acked,
            "wait_ms": int(wait_s * 1000),
        }
        data = self._json(
            "GET", "/v1/outbox/stream", params=params, timeout_s=wait_s + self._timeout_s
        )
        return OutboxPage.from_json(data, after)

    def ack(self, message_ids: Sequence[str]) -> AckResult:
        """Acknowledge delivered messages (repeating an ack is harmless)."""
        ids = [message_ids] if isinstance(message_ids, str) else list(message_ids)
        acknowledged: list[str] = []
        unknown: list[str] = []
        for start in range(0, len(ids), ACK_IDS_MAX):
            chunk = ids[start : start + ACK_IDS_MAX]
            result = AckResult.from_json(
                self._json("POST", "/v1/outbox/ack", json={"message_ids": chunk})
            )
            acknowledged.extend(result.acknowledged)
            unknown.extend(result.unknown)
        return AckResult(tuple(acknowledged), tuple(unknown))

    # -- reading ---------------------------------------------------------------------
    def track(self, uetr: str) -> Tracking:
        """A payment and its steps. CorridorApiError 404 if unknown or not yours to see."""
        if not uetr or "/" in uetr or len(uetr) > 64:
            raise InputError("must be a UUID", field="uetr", value=uetr)
        return Tracking.from_json(self._json("GET", f"/v1/payments/{uetr}"))

    def balances(self) -> list[Balance]:
        """Your settlement accounts (participants)."""
        return [Balance.from_json(b) for b in _items(self._json("GET", "/v1/balances"))]

    def accounts(self, bic: str | None = None) -> list[Balance]:
        """Operator users: every account, or those of `bic` (`Balance.owner` says whose)."""
        params = {"bic": _path_part(bic)} if bic else None
        data = self._json("GET", "/v1/operator/accounts", params=params)
        return [Balance.from_json(b) for b in _items(data)]

    def directory(self) -> list[DirectoryEntry]:
        """The network's participants (BIC, name, kind, status, currencies)."""
        return [DirectoryEntry.from_json(p) for p in _items(self._json("GET", "/v1/directory"))]

    def directory_csv(self) -> str:
        """The directory as CSV text, as the hub renders it."""
        response = self._requests.request(
            "GET",
            "/v1/directory",
            idempotent=True,
            params={"format": "csv"},
            headers={"Accept": "text/csv"},
        )
        return response.text

    def health(self) -> dict[str, Any]:
        """{status, database, engine}: "ok" when the hub is up (not retried; no credential
        needed). Raises ConnectionFailed when nothing answers."""
        try:
            response = self._http.get("/health")
        except httpx.TransportError as error:
            raise ConnectionFailed(f"GET /health: {type(error).__name__}: {error}") from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or "status" not in data:
            raise api_error(response)
        return data

    # -- operator --------------------------------------------------------------------
    def onboard(
        self,
        bic: str,
        name: str,
        country: str,
        kind: str = "direct",
        *,
        accounts: Sequence[tuple[str, str]] = (),
        lei: str | None = None,
        settles_through: str | None = None,
        public_key_pem: str | None = None,
    ) -> Approval:
        """Ask to add or update a participant (four eyes): the returned request is carried
        out when a different operator approves it (`approve(id)`).
        `accounts`: (currency, credit line "5000000.00")."""
        body: dict[str, Any] = {
            "bic": bic,
            "name": name,
            "country": country,
            "kind": kind,
            "lei": lei,
            "settles_through": settles_through,
            "accounts": [{"currency": c, "credit_line": line} for c, line in accounts],
        }
        if public_key_pem:
            body["public_key_pem"] = public_key_pem
        data = self._json("POST", "/v1/operator/participants", json=body)
        return Approval.from_json(data)

    def suspend(self, bic: str) -> DirectoryEntry:
        return self._participant_action(bic, "suspend")

    def reinstate(self, bic: str) -> DirectoryEntry:
        return self._participant_action(bic, "reinstate")

    def close(self, bic: str) -> DirectoryEntry:
        """Close a participant (operator). Not the HTTP connection: see `disconnect`."""
        return self._participant_action(bic, "close")

    def register_key(self, bic: str, public_key_pem: str) -> DirectoryEntry:
        data = self._json(
            "PUT",
            f"/v1/operator/participants/{_path_part(bic)}/key",
            json={"public_key_pem": public_key_pem},
        )
        return DirectoryEntry.from_json(data)

    def issue_credential(self, principal: str, role: str = "participant") -> Credential:
        """A new credential for a participant (BIC) or an operator user. Never retried."""
        data = self._json(
            "POST",
            "/v1/operator/credentials",
            idempotent=False,
            json={"principal": principal, "role": role},
        )
        return Credential.from_json(data)

    def _participant_action(self, bic: str, action: str) -> DirectoryEntry:
        data = self._json("POST", f"/v1/operator/participants/{_path_part(bic)}/{action}")
        return DirectoryEntry.from_json(data)


def _path_part(bic: str) -> str:
    if not bic.isalnum() or len(bic) > 11:
        raise InputError("must be a BIC (8 or 11 letters and digits)", field="bic", value=bic)
    return bic


def _items(data: Any) -> list[dict[str, Any]]:
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise UnexpectedResponse("expected a list (or {data: [...]})")
    return items


__all__ = ["CorridorApiError", "CorridorClient"]
