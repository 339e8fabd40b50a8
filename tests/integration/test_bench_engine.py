"""`corridor bench engine`, tiny: both workloads run, every payment settles (the run
raises otherwise), and the figures have their shape (their speed is the benchmark's)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from corridor.benchmarks.engine import EngineOptions
from corridor.cli.main import app


def test_a_tiny_run_prints_both_workloads_as_json() -> None:
    tiny = ["--single-messages", "24", "--batch-messages", "4", "--bulk-messages", "2"]
    result = CliRunner().invoke(
        app, ["bench", "engine", "--json", *tiny, "--bulk-transactions", "5"]
    )
    assert result.exit_code == 0, result.output
    single, bulk = json.loads(result.output)["workloads"]
    assert (single["name"], single["payments"], single["batches"]) == ("single-batch-4", 24, 6)
    assert (bulk["name"], bulk["payments"], bulk["batches"]) == ("bulk-5", 10, 2)
    for workload in (single, bulk):
        assert 0 < workload["cpu_us_per_payment"] <= workload["wall_us_per_payment"] * 2
        cpu_s = workload["cpu_us_per_payment"] * workload["payments"] / 1e6
        assert workload["payments_per_cpu_s"] == pytest.approx(workload["payments"] / cpu_s)


@pytest.mark.parametrize(("field", "value"), [("batch_messages", 0), ("bulk_transactions", 1_001)])
def test_options_out_of_bounds_are_refused_by_name(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        EngineOptions(**{field: value}).check()  # type: ignore[arg-type]
