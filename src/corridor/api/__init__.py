"""HTTP API (FastAPI): thin routes over hub use cases.

`create_app(hub)` builds the app; `corridor.api.server.run(settings, host, port)` serves it.
"""

from corridor.api.app import create_app

__all__ = ["create_app"]
