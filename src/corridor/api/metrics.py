"""Prometheus metrics, in a registry of the app's own (several apps may share a process)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from corridor.hub.processing import Answer

BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """Counters of messages by answer kind and status, engine batch sizes, request latency.

    Labels hold no participant names: only message kinds, statuses and route templates.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.messages = Counter(
            "corridor_messages",
            "Inbound messages answered, by answer kind and status",
            ["kind", "status", "duplicate"],
            registry=self.registry,
        )
        self.batch_messages = Histogram(
            "corridor_engine_batch_messages",
            "Messages per settled engine batch",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "corridor_http_request_duration_seconds",
            "HTTP request latency by method, route template and status",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )

        # Labelled children by label values: labels() checks and locks on every call, and
        # these two are called for every request and every message.
        self._answers: dict[tuple[str, str, bool], Any] = {}
        self._requests: dict[tuple[str, str, int], Any] = {}

    def answered(self, answer: Answer) -> None:
        key = (answer.kind, answer.status, answer.duplicate)
        child = self._answers.get(key)
        if child is None:
            child = self._answers[key] = self.messages.labels(
                answer.kind, answer.status, str(answer.duplicate).lower()
            )
        child.inc()

    def batch(self, messages: int) -> None:
        self.batch_messages.observe(messages)

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        child = self._requests.get(key)
        if child is None:
            child = self._requests[key] = self.request_seconds.labels(method, route, str(status))
        child.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
