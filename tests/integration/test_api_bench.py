"""The API benchmark command runs end to end on a small workload and prints JSON."""

from __future__ import annotations

import json

import pytest

from corridor.api import bench


def test_bench_prints_figures_as_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "tune_gc_for_engine", lambda: None)  # process-wide: not here
    monkeypatch.setattr(bench, "configure_logging", lambda _level: None)
    bench.main(["--messages", "20", "--concurrency", "4", "--json"])
    figures = json.loads(capsys.readouterr().out.splitlines()[-1])  # after the request lines
    assert figures["messages"] == figures["accepted"] == 20
    assert figures["messages_per_s"] > 0
    assert figures["latency_ms_p50"] <= figures["latency_ms_p99"] <= figures["latency_ms_max"]
    assert figures["batch_messages_mean"] >= 1


def test_bench_refuses_workloads_over_its_limits() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        bench.run(messages=10, concurrency=bench.CONCURRENCY_MAX + 1)
