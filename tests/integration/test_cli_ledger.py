"""`corridor init`, `ledger verify`, `ledger bench` and `demo` as a user runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from corridor.benchmarks import ledger as ledger_bench
from corridor.cli.main import app
from corridor.simulation.network import example_config_path

runner = CliRunner()


def test_init_then_verify(tmp_path: Path) -> None:
    database = str(tmp_path / "net.db")
    result = runner.invoke(app, ["init", str(example_config_path()), "--database", database])
    assert result.exit_code == 0, result.output
    assert "35 accounts" in result.output  # 25 + a fees and a transit account per currency
    again = runner.invoke(app, ["init", str(example_config_path()), "--database", database])
    assert again.exit_code == 0, again.output  # idempotent
    verify = runner.invoke(app, ["ledger", "verify", "--database", database, "--json"])
    assert verify.exit_code == 0, verify.output
    report = json.loads(verify.output)
    assert report["ok"] is True
    assert report["accounts"] == 35
    assert set(report["currencies"]) == {"CNY", "RUB", "INR", "BRL", "ZAR"}
    assert report["transfers"] == 20  # opening balances: 15 banks and 5 FX provider accounts


def test_malformed_config_names_the_field_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(example_config_path().read_text().replace('code = "RUB"', 'code = "RUR"'))
    database = tmp_path / "net.db"
    result = runner.invoke(app, ["init", str(config), "--database", str(database)])
    assert result.exit_code == 2
    assert "bad.toml: currencies[1].code" in result.output
    assert "RUR" in result.output
    assert not database.exists()


def test_verify_fails_on_a_tampered_database(tmp_path: Path) -> None:
    database = tmp_path / "net.db"
    assert (
        runner.invoke(
            app, ["init", str(example_config_path()), "--database", str(database)]
        ).exit_code
        == 0
    )
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE rowid = 3"
        )
    result = runner.invoke(app, ["ledger", "verify", "--database", str(database)])
    assert result.exit_code == 1
    assert "BROKEN" in result.output
    assert "sum to 1, not zero" in result.output


def test_bench_figures_have_every_measurement(tmp_path: Path) -> None:
    config = ledger_bench.BenchConfig(
        accounts=50, transfers=2_000, durable_transfers=2_000, baseline_transfers=50, batch_size=500
    )
    figures = ledger_bench.run(config, postgres_url=None)
    assert set(figures["results"]) == {"memory", "sqlite", "baseline"}
    for name in ("memory", "sqlite", "baseline"):
        assert figures["results"][name]["failed"] == 0
        assert figures["results"][name]["transfers_per_s"] > 0
    assert figures["sqlite_vs_baseline"] > 0
    json.dumps(figures)  # one JSON object
