"""HTTP plumbing: one request with retries, and the error envelope turned into exceptions.

Retry policy: only for calls marked idempotent, on a connection error, a timeout, or HTTP
503 (the hub's engine queue is full) and 502/504 from a proxy; exponential backoff with
full jitter, honouring Retry-After, at most `attempts_max` attempts in all.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from corridor.client._errors import ConnectionFailed, CorridorApiError

RETRY_STATUSES = frozenset({502, 503, 504})
RETRY_AFTER_S_MAX = 30.0
ERROR_BODY_CHARS_MAX = 500


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How idempotent calls are retried.

    Attributes:
        attempts_max: attempts in all, the first included (1 = never retry).
        backoff_s: the first wait; doubled each time up to `backoff_s_max`, with jitter.
    """

    attempts_max: int = 4
    backoff_s: float = 0.2
    backoff_s_max: float = 5.0

    def __post_init__(self) -> None:
        if not 1 <= self.attempts_max <= 20:
            raise ValueError(f"attempts_max must be 1..20: {self.attempts_max}")
        if not 0 <= self.backoff_s <= self.backoff_s_max:
            raise ValueError("need 0 <= backoff_s <= backoff_s_max")

    def wait_s(self, attempt: int, retry_after: str | None) -> float:
        """How long to wait before attempt number `attempt + 1` (attempt counts from 1)."""
        if retry_after is not None and retry_after.strip().isdigit():
            return min(float(retry_after), RETRY_AFTER_S_MAX)
        ceiling = min(self.backoff_s * 2 ** (attempt - 1), self.backoff_s_max)
        return random.uniform(0, ceiling)  # jitter, not security


class Requester:
    """Sends requests through one httpx.Client, retrying idempotent ones."""

    def __init__(
        self, http: httpx.Client, retry: RetryPolicy, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.http = http
        self.retry = retry
        self._sleep = sleep

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> httpx.Response:
        """The response of a successful call (2xx); raise CorridorApiError otherwise."""
        attempts = self.retry.attempts_max if idempotent else 1
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = self.http.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    content=content,
                    headers=headers,
                    timeout=timeout_s if timeout_s is not None else httpx.USE_CLIENT_DEFAULT,
                )
            except httpx.TransportError as error:
                if last or not _retryable(error, idempotent):
                    raise ConnectionFailed(f"{method} {path}: {_describe(error)}") from None
                self._sleep(self.retry.wait_s(attempt, None))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                self._sleep(self.retry.wait_s(attempt, response.headers.get("retry-after")))
                continue
            if response.is_success:
                return response
            raise api_error(response)
        raise AssertionError("unreachable: the last attempt returns or raises")


def _retryable(error: httpx.TransportError, idempotent: bool) -> bool:
    return idempotent and isinstance(error, httpx.TimeoutException | httpx.NetworkError)


def _describe(error: httpx.TransportError) -> str:
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"


def api_error(response: httpx.Response) -> CorridorApiError:
    """The error envelope {"error": {type, code, message, param}} as an exception."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        text = response.text[:ERROR_BODY_CHARS_MAX] or response.reason_phrase
        return CorridorApiError(response.status_code, f"http_{response.status_code}", text)
    return CorridorApiError(
        response.status_code,
        str(error.get("code") or f"http_{response.status_code}"),
        str(error.get("message") or ""),
        error.get("param"),
        str(error.get("type") or ""),
    )
