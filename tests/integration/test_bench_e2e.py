"""`corridor bench e2e`, tiny: a real server process, every workload once, the figures'
shape (not their speed: speed is the benchmark's business, on an idle machine)."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from corridor.benchmarks import e2e
from corridor.cli.main import app

TINY = [
    "--clients",
    "1,3",
    "--single-messages",
    "24",
    "--single-s",
    "20",
    "--open-rate",
    "40",
    "--open-s",
    "0.5",
    "--bulk-messages",
    "3",
    "--bulk-transactions",
    "10",
    "--bulk-clients",
    "2",
]


@pytest.fixture(scope="module")
def figures() -> dict:
    result = CliRunner().invoke(app, ["bench", "e2e", "--json", *TINY])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_every_workload_runs_and_every_message_settles(figures: dict) -> None:
    runs = {run["name"]: run for run in figures["runs"]}
    assert list(runs) == ["single-1", "single-3", "open-40", "bulk-2"]
    for name in ("single-1", "single-3"):
        assert runs[name]["messages"] == 24
        assert runs[name]["payments"] == 24
        assert runs[name]["statuses"] == {"ACSC": 24}
    assert runs["open-40"]["messages"] == 20
    assert runs["open-40"]["target_rate_per_s"] == 40.0
    assert runs["bulk-2"]["payments"] == 3 * 10
    for run in runs.values():
        assert run["errors"] == 0
        assert 0 < run["p50_ms"] <= run["p99_ms"] <= run["max_ms"]
        assert run["payments_per_s"] > 0
        assert run["server_cpu_s"] > 0


def test_answers_and_forwards_are_signed_and_the_ledger_verifies(figures: dict) -> None:
    checks = figures["checks"]
    assert checks["answer_kind"].startswith("pacs.002")
    assert checks["forwarded_kind"].startswith("pacs.008")
    assert checks["answer_signed_and_valid"] is True
    assert checks["forwarded_signed_and_valid"] is True
    assert checks["ledger_problems"] == []
    assert checks["ledger_journal_rows"] > 24 * 2 + 20 + 30


def test_figures_name_the_machine_database_and_targets(figures: dict) -> None:
    assert figures["machine"]["cpus"] >= 1
    before_ns, after_ns = figures["machine"]["python_ns_per_op"]  # the machine's speed
    assert before_ns > 0 and after_ns > 0
    assert figures["machine"]["fsync_ms"] > 0
    assert figures["database"].startswith("sqlite")
    assert figures["targets"] == {
        "single_per_s": 1_000,
        "open_loop_p99_ms": 100.0,
        "bulk_per_s": 10_000,
    }
    assert set(figures["meets"]) == {"single_per_s", "open_loop_p99_ms", "bulk_per_s"}
    assert isinstance(figures["meets_targets"], bool)


def test_text_output_has_one_line_per_run() -> None:
    run = e2e.RunFigures(
        "single-1", 1, 10, 10, 1.0, 10.0, 10.0, 5.0, 9.0, 9.5, {"ACSC": 10}, 0, 0.5, 0.1
    )
    result = e2e.E2eResult(e2e.machine_info(), "sqlite", (run,))
    text = e2e.render(result)
    assert "single-1" in text
    assert "calibration: -" in text  # no calibration figures: said, not made up
    assert "NOT met" in text
    assert run.server_cpu_us_per_payment == pytest.approx(50_000)


@pytest.mark.parametrize(
    "argument", [["--clients", "0"], ["--clients", "a,b"], ["--single-messages", "0"]]
)
def test_bad_options_are_refused_before_anything_starts(argument: list[str]) -> None:
    result = CliRunner().invoke(app, ["bench", "e2e", *argument])
    assert result.exit_code == 2


def test_a_keep_alive_connection_closed_while_idle_is_reopened() -> None:
    """uvicorn closes idle keep-alive connections; the load generator must send the
    request again on a new connection, not die of the EOF (the CLI's "Aborted.")."""
    accepted: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        if len(accepted) == 1:
            writer.close()  # the first connection: closed before any answer
            return
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    async def scenario() -> tuple[int, bytes]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            connection = await e2e._Connection.open(port)
            await asyncio.sleep(0.05)  # the server has closed it by now
            try:
                return await connection.post(b"<x/>", "token")
            finally:
                connection.close()

    assert asyncio.run(scenario()) == (200, b"ok")
    assert len(accepted) == 2
