"""Run the API under uvicorn: `run(settings, host, port)` (what `corridor serve` calls)."""

from __future__ import annotations

import uvicorn

from corridor.api.access_log import configure_logging
from corridor.api.app import create_app
from corridor.bootstrap import HubSettings, build_hub, tune_gc_for_engine

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def run(settings: HubSettings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Build the hub, tune the GC for the engine, serve until interrupted.

    One process, one event loop, one engine thread (DESIGN.md, process topology).
    """
    hub = build_hub(settings)
    tune_gc_for_engine()
    configure_logging()
    uvicorn.run(
        create_app(hub),
        host=host,
        port=port,
        access_log=False,  # the app logs one JSON line per request itself
        log_level="warning",
        proxy_headers=False,
    )
