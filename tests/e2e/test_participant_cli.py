"""A bank's whole day from the command line: the operator bootstraps keys and credentials on
the database, `corridor serve` starts the hub (a real process, real HTTP), and the banks
use `corridor participant send|watch|ack|track|balance` (CliRunner)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.integration.test_client_world import free_port_socket
from typer.testing import CliRunner

from corridor.cli.demo import example_config_path
from corridor.cli.main import app
from corridor.client import compose_credit_transfer

RUNNER = CliRunner()
BANK_A, BANK_B, BANK_C = "GANGINBB", "DECCINBB", "KONKINBB"
SERVER_START_S_MAX = 30.0


@dataclass
class Network:
    url: str
    directory: Path
    tokens: dict[str, str]
    keys: dict[str, Path]

    def run(self, who: str, *args: str) -> tuple[int, str, str]:
        """`corridor participant ARGS` as `who` (exit code, stdout, all output)."""
        result = RUNNER.invoke(
            app,
            ["participant", *args],
            env={"CORRIDOR_URL": self.url, "CORRIDOR_TOKEN": self.tokens[who]},
        )
        return result.exit_code, result.stdout, result.output


def _cli(*args: str) -> str:
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _bootstrap(directory: Path) -> tuple[str, dict[str, str], dict[str, Path]]:
    """What an operator does before the first start: network, keys, credentials."""
    database = str(directory / "hub.db")
    _cli("init", str(example_config_path()), "--database", database)
    tokens, keys = {}, {}
    for bic in (BANK_A, BANK_B, BANK_C):
        keys[bic] = directory / f"{bic}.pem"
        _cli("iso", "keygen", str(keys[bic]))
        _cli("participants", "register-key", bic, f"{keys[bic]}.pub.pem", "-d", database)
        tokens[bic] = json.loads(_cli("participants", "credential", bic, "-d", database, "--json"))[
            "token"
        ]
    return database, tokens, keys


def _wait_healthy(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_S_MAX
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("corridor serve did not become healthy in time")


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    directory = tmp_path_factory.mktemp("served")
    database, tokens, keys = _bootstrap(directory)
    sock = free_port_socket()
    port = sock.getsockname()[1]
    sock.close()  # a port just free; `corridor serve` binds it a moment later
    command = [
        sys.executable,
        "-c",
        "from corridor.cli.main import main; main()",
        "serve",
        "--database",
        database,
        "--port",
        str(port),
    ]
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        yield Network(url, directory, tokens, keys)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        if server.stderr is not None:
            server.stderr.close()


def test_send_watch_ack_track_balance(network: Network) -> None:
    code, out, _ = network.run(BANK_B, "balance", "--json")
    assert code == 0
    before = json.loads(out)[0]["balance_minor"]
    code, out, output = network.run(
        BANK_A,
        "send",
        "--from",
        BANK_A,
        "--to",
        BANK_B,
        "--amount",
        "250.75",
        "--currency",
        "INR",
        "--creditor-name",
        "Deccan Cotton Mills",
        "--remittance",
        "Invoice 7",
        "--key",
        str(network.keys[BANK_A]),
        "--json",
    )
    assert code == 0, output
    answer = json.loads(out)
    assert (answer["status"], answer["duplicate"]) == ("ACSC", False)
    [uetr] = answer["uetrs"]

    code, out, output = network.run(BANK_B, "watch", "--once", "--json")
    assert code == 0, output
    lines = [json.loads(line) for line in out.splitlines()]
    mine = [m for m in lines if m["uetrs"] == [uetr]]
    assert len(mine) == 1 and mine[0]["kind"].startswith("pacs.008")
    code, out, output = network.run(BANK_B, "ack", mine[0]["message_id"])
    assert code == 0 and "1 acknowledged" in output

    code, out, _ = network.run(BANK_A, "track", uetr, "--json")
    assert code == 0
    tracking = json.loads(out)
    assert tracking["payment"]["state"] == "DELIVERED"
    assert [e["state"] for e in tracking["events"]][-1] == "DELIVERED"
    code, out, output = network.run(BANK_A, "track", uetr)
    assert code == 0 and "DELIVERED" in output and "250.75 INR" in output
    code, out, _ = network.run(BANK_B, "balance", "--json")
    assert json.loads(out)[0]["balance_minor"] == before + 25_075


def test_send_a_file_signed_on_the_way(network: Network) -> None:
    message = network.directory / "payment.xml"
    message.write_bytes(
        compose_credit_transfer(
            BANK_A, BANK_C, "12.00", "INR", debtor_name="Ganges", creditor_name="Konkan"
        )
    )
    code, _, output = network.run(BANK_A, "send", str(message), "--key", str(network.keys[BANK_A]))
    assert code == 0 and "ACSC" in output
    code, _, output = network.run(BANK_A, "send", str(message), "--key", str(network.keys[BANK_A]))
    assert code == 0 and "duplicate" in output


def test_watch_ack_flag_and_save_dir(network: Network) -> None:
    network.run(
        BANK_A,
        "send",
        "--from",
        BANK_A,
        "--to",
        BANK_C,
        "--amount",
        "1.00",
        "--currency",
        "INR",
        "--key",
        str(network.keys[BANK_A]),
    )
    saved = network.directory / "inbox"
    code, _, output = network.run(BANK_C, "watch", "--once", "--ack", "--save-dir", str(saved))
    assert code == 0 and "acknowledged" in output
    files = list(saved.glob("*.xml"))
    assert files and all(f.read_bytes().startswith(b"<?xml") for f in files)
    code, out, _ = network.run(BANK_C, "watch", "--once", "--json")
    assert code == 0 and out == ""


def test_a_refused_payment_exits_1(network: Network) -> None:
    code, out, _ = network.run(
        BANK_A,
        "send",
        "--from",
        BANK_A,
        "--to",
        "ZZZZINBB",
        "--amount",
        "9.00",
        "--currency",
        "INR",
        "--key",
        str(network.keys[BANK_A]),
        "--json",
    )
    assert code == 1
    assert (json.loads(out)["status"], json.loads(out)["reason"]) == ("RJCT", "RC01")


def test_unknown_ack_and_someone_elses_payment_exit_1(network: Network) -> None:
    code, _, output = network.run(BANK_B, "ack", "Fno-such-message")
    assert code == 1 and "unknown" in output
    code, _, output = network.run(BANK_C, "track", "eb6305c9-1f7f-49de-aed0-16487c27b42d")
    assert code == 1 and "404" in output and "uetr" in output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--amount", "10.005", "--currency", "INR"], "--amount"),
        (["--amount", "ten", "--currency", "INR"], "--amount"),
        (["--amount", "10.00", "--currency", "XYZ"], "--currency"),
        (["--amount", "10.00", "--currency", "INR", "--to", "DECC"], "--to"),
        (["--amount", "10.00", "--currency", "INR", "--uetr", "123"], "--uetr"),
        (["--amount", "10.00", "--currency", "INR", "--key", "/nonexistent/bank.pem"], "key"),
    ],
)
def test_bad_input_names_the_field_and_exits_2(
    network: Network, args: list[str], field: str
) -> None:
    base = {"--from": BANK_A, "--to": BANK_B}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    flat = [part for pair in base.items() for part in pair]
    code, _, output = network.run(BANK_A, "send", *flat)
    assert code == 2, output
    assert f"{field}:" in output


def test_missing_token_and_unreachable_hub(network: Network, tmp_path: Path) -> None:
    result = RUNNER.invoke(
        app, ["participant", "balance", "--url", network.url], env={"CORRIDOR_TOKEN": ""}
    )
    assert result.exit_code == 2 and "token: missing" in result.output
    sock = free_port_socket()
    try:
        result = RUNNER.invoke(
            app,
            [
                "participant",
                "balance",
                "--url",
                f"http://127.0.0.1:{sock.getsockname()[1]}",
                "--token",
                network.tokens[BANK_A],
            ],
        )
    finally:
        sock.close()
    assert result.exit_code == 1 and "ConnectError" in result.output


def test_serve_refuses_a_bad_hub_bic(tmp_path: Path) -> None:
    result = RUNNER.invoke(
        app, ["serve", "--database", str(tmp_path / "x.db"), "--hub-bic", "HUB!"]
    )
    assert result.exit_code == 2 and "hub_bic:" in result.output
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("interval_ms", ["5", "-1", "3600001"])
def test_serve_refuses_a_gridlock_interval_out_of_range(tmp_path: Path, interval_ms: str) -> None:
    result = RUNNER.invoke(
        app,
        ["serve", "--database", str(tmp_path / "x.db"), "--gridlock-interval-ms", interval_ms],
    )
    assert result.exit_code == 2 and "gridlock_interval_ms:" in result.output
    assert "0 (off) or 10..3600000 ms" in result.output
    assert not (tmp_path / "x.db").exists()
