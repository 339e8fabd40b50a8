"""HubServer: `corridor serve` in a child process on a free loopback port.

    with HubServer(network) as server:
        client = CorridorClient(server.base_url, bank.token)

The child is the real server (one process: uvicorn's event loop and the engine thread),
started with this interpreter. Its JSON access log (stdout) goes to `server.log` and its
stderr to `server.err` in the network's folder (files, not pipes: a full pipe would stall
the server). Start waits for /health; stop sends SIGINT (uvicorn shuts down cleanly:
the engine finishes its batch) and kills the child if it has not gone in time.

`ServeOptions` adds FX policy (bridge currencies, fee) to the command line; a network
prepared with a watch list is served with it (`--watchlists`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from corridor.foundation.errors import CorridorError
from corridor.simulation.network import PreparedNetwork

LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
HEALTH_POLL_S = 0.05
STDERR_TAIL_BYTES_MAX = 4_000
_LAUNCH = "from corridor.cli.main import main; main()"


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """Hub policy for the server process (`corridor serve` options).

    Attributes:
        bridge_currencies: `--bridge-currency`, in order of preference (empty: no bridging).
        fx_fee_bps: `--fx-fee-bps`; None keeps the hub's default.
        gridlock_interval_ms: `--gridlock-interval-ms` (0: only the operator's runs);
            None keeps the hub's default.
    """

    bridge_currencies: tuple[str, ...] = ()
    fx_fee_bps: int | None = None
    gridlock_interval_ms: int | None = None

    def arguments(self) -> list[str]:
        args = [arg for code in self.bridge_currencies for arg in ("--bridge-currency", code)]
        if self.fx_fee_bps is not None:
            args += ["--fx-fee-bps", str(self.fx_fee_bps)]
        if self.gridlock_interval_ms is not None:
            args += ["--gridlock-interval-ms", str(self.gridlock_interval_ms)]
        return args


class ServerError(CorridorError):
    """The hub server did not start, or died; the message ends with its stderr."""


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
    assert 0 < port < 65_536
    return port


class HubServer:
    """A `corridor serve` child process over a prepared network (a context manager)."""

    def __init__(
        self,
        network: PreparedNetwork,
        *,
        port: int | None = None,
        start_timeout_s: float = START_TIMEOUT_S,
        stop_timeout_s: float = STOP_TIMEOUT_S,
        env: dict[str, str] | None = None,
        options: ServeOptions | None = None,
    ) -> None:
        assert start_timeout_s > 0
        assert stop_timeout_s > 0
        self.network = network
        self.port = port or free_port()
        self.base_url = f"http://{LOOPBACK}:{self.port}"
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.log_path = network.workdir / "server.log"
        self.stderr_path = network.workdir / "server.err"
        self._env = env
        self.options = options or ServeOptions()
        self._process: subprocess.Popen[bytes] | None = None
        self._files: list[IO[bytes]] = []

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        n = self.network
        return [
            sys.executable,
            "-c",
            _LAUNCH,
            "serve",
            "--database",
            n.database_url,
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--hub-key",
            str(n.hub_key_path),
            "--hub-bic",
            n.hub_bic,
            *self.options.arguments(),
            *_watchlist_arguments(n.watchlists_dir),
        ]

    def start(self) -> HubServer:
        assert self._process is None, "already started"
        self._files = [self.log_path.open("wb"), self.stderr_path.open("wb")]
        env = os.environ | (self._env or {}) | {"PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._files[0],
            stderr=self._files[1],
            env=env,
            cwd=self.network.workdir,
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        with httpx.Client(base_url=self.base_url, timeout=2.0) as http:
            while time.monotonic() < deadline:
                self.check_alive()
                try:
                    if http.get("/health").json().get("status") == "ok":
                        return
                except (httpx.TransportError, ValueError):
                    pass
                time.sleep(HEALTH_POLL_S)
        raise ServerError(
            f"no healthy answer on {self.base_url} within "
            f"{self.start_timeout_s:.0f} s{self._stderr_suffix()}"
        )

    def check_alive(self) -> None:
        """Raise ServerError (with the server's stderr) if the child has exited."""
        assert self._process is not None, "not started"
        code = self._process.poll()
        if code is not None:
            raise ServerError(f"the hub server exited with code {code}{self._stderr_suffix()}")

    def stop(self) -> int | None:
        """Stop the child (SIGINT, then kill after stop_timeout_s); its exit code."""
        process, self._process = self._process, None
        code = None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
            try:
                code = process.wait(self.stop_timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait(self.stop_timeout_s)
        for file in self._files:
            file.close()
        self._files = []
        return code

    def stderr_text(self) -> str:
        """The last few KB of the server's stderr."""
        try:
            data = self.stderr_path.read_bytes()
        except OSError:
            return ""
        return data[-STDERR_TAIL_BYTES_MAX:].decode("utf-8", "replace")

    def _stderr_suffix(self) -> str:
        text = self.stderr_text().strip()
        return f"; its stderr:\n{text}" if text else ""

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def _watchlist_arguments(watchlists_dir: Path | None) -> Sequence[str]:
    return ("--watchlists", str(watchlists_dir)) if watchlists_dir is not None else ()
