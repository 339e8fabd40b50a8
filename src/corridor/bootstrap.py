"""Wires Corridor together. The only module that reads configuration files.

Interfaces (CLI, API) call these functions to get ready-made components.
"""

from __future__ import annotations

import gc
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from corridor.crypto.keys import generate_private_key, load_private_key, private_key_pem
from corridor.foundation.clock import Clock, SystemClock, datetime_to_ms, ms_to_datetime
from corridor.foundation.config import NetworkConfig, parse_network_config
from corridor.foundation.errors import ConfigError
from corridor.foundation.ids import Uuid7Generator, id_to_str
from corridor.hub.answers import Outbound
from corridor.hub.approvals import FourEyes
from corridor.hub.audit import AuditLog
from corridor.hub.business_day import BusinessDays
from corridor.hub.compliance import ComplianceConfig, ComplianceDesk
from corridor.hub.deferred import DeferredSettlement
from corridor.hub.directory import Directory
from corridor.hub.engine import SettlementEngine
from corridor.hub.fx_desk import FxDesk, FxSettings
from corridor.hub.intake import IntakeDesk
from corridor.hub.liquidity import LiquidityDesk
from corridor.hub.netting_desk import NettingDesk
from corridor.hub.processing import PaymentProcessor
from corridor.hub.screening import PaymentScreening
from corridor.hub.security import Credentials
from corridor.hub.service import Hub
from corridor.hub.statements import StatementDesk
from corridor.hub.watchlists import screener_for
from corridor.iso20022.pipeline import Policy
from corridor.iso20022.records import Direction
from corridor.iso20022.schema import SchemaRegistry
from corridor.settlement import QueuePolicy
from corridor.store import LedgerStore, migrate, open_engine
from corridor.store.hub_store import CredentialStore, HubStore
from corridor.store.postings import load_currency_settings
from corridor.store.suppression_store import load_suppressions

DEFAULT_DATABASE = "var/corridor.db"
DEFAULT_HUB_BIC = "CRDRSGSG"


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


@dataclass(frozen=True, slots=True)
class HubSettings:
    """How a hub runs.

    Attributes:
        database_url: SQLite path or PostgreSQL URL.
        hub_key_path: the hub's private signing key (PEM); created on first start.
        hub_bic: the hub's own BIC, the sender of every message it sends.
        require_signature: refuse participants' messages without a valid signature.
        queue_fifo_bypass: a smaller normal payment may overtake a blocked one.
        gridlock_threshold_length: queued payments (per currency) that trigger a gridlock
            run after a batch.
        fx: the network's FX fee, quote lock time and bridge currencies.
        watchlists_dir: the archive of watch-list versions (`corridor screening lists
            load --data-dir`); the versions in force screen every payment. None: no lists.
        screening_threshold: the match threshold (None: the screener's default).
        compliance: country/region rules and AML rules.
        net_settlement_currencies: currencies settled by deferred net settlement windows
            instead of gross in real time (none by default).
        intake_workers: processes that parse and authenticate inbound messages beside the
            server (0: on the server's event loop; -1: one per spare core, at most 4).
    """

    database_url: str = DEFAULT_DATABASE
    hub_key_path: Path | None = None
    hub_bic: str = DEFAULT_HUB_BIC
    require_signature: bool = True
    queue_fifo_bypass: bool = True
    gridlock_threshold_length: int = 1_000
    fx: FxSettings = field(default_factory=FxSettings)
    watchlists_dir: Path | None = None
    screening_threshold: float | None = None
    compliance: ComplianceConfig = field(default_factory=ComplianceConfig)
    intake_workers: int = -1
    net_settlement_currencies: tuple[str, ...] = ()


def hub_key(path: Path) -> bytes:
    """The hub's private key PEM at `path`, created (mode 0600) if it does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = private_key_pem(generate_private_key())
        path.touch(mode=0o600)
        path.write_bytes(pem)
    return path.read_bytes()


def build_hub(
    settings: HubSettings, *, clock: Clock | None = None, screening: PaymentScreening | None = None
) -> Hub:
    """A ready hub over the database: engine, directory, intake, processing, security."""
    clock = clock or SystemClock()
    engine = open_database(settings.database_url)
    settlement = SettlementEngine(LedgerStore(engine), clock)
    store = HubStore(engine)
    directory = Directory(store.participants(), lambda: settlement.accounts)
    key_path = settings.hub_key_path or _default_key_path(settings.database_url)
    key = load_private_key(hub_key(key_path))
    ids = Uuid7Generator(clock)
    new_id = outbound_ids(ids)
    outbound = Outbound(settings.hub_bic, key, new_id)
    policy = Policy(
        schemas=SchemaRegistry.default(),
        direction=Direction.INBOUND,
        require_signature=settings.require_signature,
        require_header=True,
    )
    liquidity = LiquidityDesk(
        QueuePolicy(fifo_bypass=settings.queue_fifo_bypass), settings.gridlock_threshold_length
    )
    fx = FxDesk(directory, engine, settings.hub_bic, settings.fx, lambda: f"Q{ids.next_id():032x}")
    settlement.also_commit = fx  # quotes stored with each commit
    if screening is None:
        screener = screener_for(
            settings.watchlists_dir, settings.screening_threshold, load_suppressions(engine)
        )
        screening = ComplianceDesk(
            screener, directory, clock, settings.compliance, lambda: id_to_str(ids.next_id())
        )
    processor = PaymentProcessor(
        settlement,
        store,
        directory,
        outbound,
        screening,
        ids,
        clock,
        liquidity,
        fx,
        NettingDesk(settings.net_settlement_currencies),
    )
    now = ms_to_datetime(clock.now_ms())
    days = BusinessDays(load_currency_settings(engine), now)
    for currency, opened_at in days.last_openings(now).items():
        fx.open_day(currency, datetime_to_ms(opened_at))  # the day's exposure so far
    audit = AuditLog(engine, clock)
    hub = Hub(
        audit=audit,
        four_eyes=FourEyes(engine, clock, audit),
        statements=StatementDesk(engine, outbound, new_id),
        days=days,
        deferred=DeferredSettlement(settlement, store, outbound, ids, clock, fx),
        engine=settlement,
        store=store,
        directory=directory,
        intake=IntakeDesk(directory, policy),
        processor=processor,
        credentials=Credentials(CredentialStore(engine), clock),
        clock=clock,
        hub_bic=settings.hub_bic,
    )
    hub.recover_waiting()
    return hub


def outbound_ids(ids: Uuid7Generator) -> Callable[[str], str]:
    """Message ids for the hub's messages: a letter for the kind, then a UUIDv7 in hex."""
    return lambda prefix: f"{prefix}{ids.next_id():032x}"


def _default_key_path(database_url: str) -> Path:
    if "://" not in database_url:
        return Path(database_url).expanduser().parent / "hub_key.pem"
    return Path("var/hub_key.pem")
