"""The database schema, in SQLAlchemy Core. Portable SQL: SQLite, PostgreSQL, and the
PostgreSQL-compatible distributed databases. Alembic migrations create it (see migrations/).

Ids are 128-bit and stored as 16 big-endian bytes, so time-ordered ids sort by time.
Amounts are BIGINT minor units; the ledger keeps every running total within 63 bits.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
)

metadata = MetaData()

# SQLite makes an INTEGER PRIMARY KEY the rowid: appends stay cheap.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

ledger_accounts = Table(
    "ledger_accounts",
    metadata,
    Column("id", LargeBinary(16), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("kind", SmallInteger, nullable=False),
    Column("floor_minor", BigInteger, nullable=True),
    Column("debits_posted", BigInteger, nullable=False),
    Column("credits_posted", BigInteger, nullable=False),
    Column("debits_pending", BigInteger, nullable=False),
    Column("credits_pending", BigInteger, nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("updated_seq", BigInteger, nullable=False),
)

# One row per state change, in the ledger's order. `id` is the command's own id
# (transfer, post, void); NULL for account events and expiries.
ledger_journal = Table(
    "ledger_journal",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=False),
    Column("kind", SmallInteger, nullable=False),
    Column("id", LargeBinary(16), nullable=True, unique=True),
    Column("debit_account_id", LargeBinary(16), nullable=True),
    Column("credit_account_id", LargeBinary(16), nullable=True),
    Column("amount_minor", BigInteger, nullable=True),
    Column("code", Integer, nullable=False),
    Column("reference", String(140), nullable=False),
    Column("flags", SmallInteger, nullable=False),
    Column("timeout_ms", BigInteger, nullable=False),
    Column("pending_id", LargeBinary(16), nullable=True),
    Column("applied_at_ms", BigInteger, nullable=False),
)
