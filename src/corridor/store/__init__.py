"""Storage: SQLite and PostgreSQL through SQLAlchemy Core, with migrations (infrastructure)."""

from corridor.store.database import normalise_url, open_engine
from corridor.store.ledger_store import LedgerStore
from corridor.store.migrate import migrate

__all__ = ["LedgerStore", "migrate", "normalise_url", "open_engine"]
