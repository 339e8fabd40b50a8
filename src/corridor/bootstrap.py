"""Wires Corridor together. The only module that reads configuration files.

Interfaces (CLI, API) call these functions to get ready-made components.
"""

from __future__ import annotations

import gc
import tomllib
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from corridor.foundation.clock import Clock, SystemClock
from corridor.foundation.config import NetworkConfig, parse_network_config
from corridor.foundation.errors import ConfigError
from corridor.hub.engine import SettlementEngine
from corridor.store import LedgerStore, migrate, open_engine

DEFAULT_DATABASE = "var/corridor.db"


def load_network_config(path: Path) -> NetworkConfig:
    """Read and validate a network file (.toml, .yaml or .yml)."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", file=file) from None
    return parse_network_config(_parse_text(text, path.suffix.lower(), file), file=file)


def _parse_text(text: str, suffix: str, file: str) -> Any:
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"not valid TOML: {error}", file=file) from None
    if suffix in (".yaml", ".yml"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ConfigError(f"not valid YAML: {error}", file=file) from None
    raise ConfigError("must end in .toml, .yaml or .yml", file=file)


def open_database(database_url: str) -> Engine:
    """Open (creating if needed) and migrate the database at a URL or SQLite path."""
    if "://" not in database_url:
        Path(database_url).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = open_engine(database_url)
    migrate(engine)
    return engine


def settlement_engine(database_url: str, clock: Clock | None = None) -> SettlementEngine:
    """The single-writer settlement engine over the database."""
    engine = open_database(database_url)
    return SettlementEngine(LedgerStore(engine), clock or SystemClock())


def tune_gc_for_engine() -> None:
    """Garbage-collector settings for a process that hosts the settlement engine.

    The engine keeps millions of long-lived, acyclic objects (transfers, accounts); with
    CPython's default thresholds a full collection walks all of them every ~70,000
    allocations, which halves throughput. Collect the young generation less often and
    move what is already loaded into the permanent generation. Process-wide, so it is
    done here, once, by whoever starts an engine (the CLI, the server, the benchmark).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
