"""Intake in worker processes: parsing, schema validation, signature checks and routing of
inbound messages run beside the engine instead of on its interpreter.

Python runs one thread of Python code at a time per process; the hub's own process has
the HTTP layer and the engine thread, so the stateless, CPU-heavy part of every message
(about half its cost) goes to a small pool of processes. Each worker keeps its own view
of the directory, read from the database, and reloads it whenever the hub's directory
version moves on (every onboarding, key or status change bumps it).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from corridor.hub.directory import Directory
from corridor.hub.intake import Intake, IntakeDesk
from corridor.iso20022.pipeline import Policy
from corridor.iso20022.records import Direction
from corridor.iso20022.schema import SchemaRegistry
from corridor.ledger import AccountBalance
from corridor.store import open_engine
from corridor.store.hub_store import HubStore
from corridor.store.ledger_store import account_balances

WORKERS_MAX = 8


@dataclass(frozen=True, slots=True)
class PoolSettings:
    database_url: str
    require_signature: bool = True


class _AccountsSnapshot:
    """The ledger's accounts as last read from the database (identity, not balances)."""

    def __init__(self, accounts: list[AccountBalance]) -> None:
        self._by_id = {a.id: a for a in accounts}

    def accounts(self) -> list[AccountBalance]:
        return list(self._by_id.values())

    def account(self, account_id: int) -> AccountBalance | None:
        return self._by_id.get(account_id)


_STATE: dict[str, object] = {}


def _init_worker(settings: PoolSettings) -> None:
    engine = open_engine(settings.database_url)
    _STATE["engine"] = engine
    _STATE["policy"] = Policy(
        schemas=SchemaRegistry.default(),
        direction=Direction.INBOUND,
        require_signature=settings.require_signature,
        require_header=True,
    )
    _STATE["version"] = -1


def _desk(version: int) -> IntakeDesk:
    if _STATE["version"] != version:
        engine = _STATE["engine"]
        accounts = _AccountsSnapshot(account_balances(engine))  # type: ignore[arg-type]
        directory = Directory(HubStore(engine).participants(), lambda: accounts)  # type: ignore[arg-type]
        _STATE["desk"] = IntakeDesk(directory, _STATE["policy"])  # type: ignore[arg-type]
        _STATE["version"] = version
    return _STATE["desk"]  # type: ignore[return-value]


def take_in_worker(version: int, sender: str, data: bytes, received_at_ms: int) -> Intake:
    return _desk(version).take(sender, data, received_at_ms)


def _warm() -> int:
    return os.getpid()


class IntakePool:
    """A process pool running IntakeDesk.take; started once per hub process."""

    def __init__(self, settings: PoolSettings, workers: int) -> None:
        if not 1 <= workers <= WORKERS_MAX:
            raise ValueError(f"intake workers must be 1..{WORKERS_MAX}: {workers}")
        # spawn, not fork: the hub process has threads (the engine), which fork would copy
        # in whatever state they happen to be.
        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(settings,),
        )
        self.workers = workers

    def warm(self) -> None:
        """Start every worker now rather than on the first message."""
        list(self.executor.map(_warm_any, range(self.workers)))

    def shutdown(self) -> None:
        """Stop the workers (idempotent)."""
        self.executor.shutdown(wait=True, cancel_futures=True)


def _warm_any(_index: int) -> int:
    _desk(-2)  # builds the desk; the first real message reloads at the hub's version
    return _warm()
