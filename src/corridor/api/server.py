"""Run the API under uvicorn: `run(settings, host, port)` (what `corridor serve` calls)."""

from __future__ import annotations

import os

import uvicorn

from corridor.api.access_log import configure_logging
from corridor.api.app import create_app
from corridor.api.ticker import GRIDLOCK_INTERVAL_MS
from corridor.bootstrap import HubSettings, build_hub, tune_gc_for_engine
from corridor.hub.intake_pool import IntakePool, PoolSettings
from corridor.store.checkpoints import WalCheckpointer

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def run(
    settings: HubSettings,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    gridlock_interval_ms: int = GRIDLOCK_INTERVAL_MS,
) -> None:
    """Build the hub, tune the GC for the engine, serve until interrupted (gridlock
    resolution every `gridlock_interval_ms`, 0: only when an operator asks).

    One process with one event loop and one engine thread (DESIGN.md, process topology),
    plus intake worker processes that parse and authenticate inbound messages, and on
    SQLite a thread that checkpoints the WAL off the commit path.
    """
    hub = build_hub(settings)
    checkpointer = WalCheckpointer.for_engine(hub.store.engine)
    workers = intake_workers(settings)
    pool = None
    if workers:
        pool = IntakePool(PoolSettings(settings.database_url, settings.require_signature), workers)
        pool.warm()
    tune_gc_for_engine()
    configure_logging()
    if checkpointer is not None:
        checkpointer.start()
    try:  # the app's lifespan shuts the pool down; this covers a failed start
        uvicorn.run(
            create_app(
                hub,
                watchlists_dir=settings.watchlists_dir,
                screening_threshold=settings.screening_threshold,
                intake_pool=pool,
                gridlock_interval_ms=gridlock_interval_ms,
            ),
            host=host,
            port=port,
            access_log=False,  # the app logs one JSON line per request itself
            log_level="warning",
            proxy_headers=False,
        )
    finally:
        if pool is not None:
            pool.shutdown()
        if checkpointer is not None:
            checkpointer.stop()


def intake_workers(settings: HubSettings) -> int:
    """How many intake processes: as configured, or one per spare core (at most 4)."""
    if settings.intake_workers >= 0:
        return settings.intake_workers
    return max(0, min(4, (os.cpu_count() or 1) - 1))
