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
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
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

# -- the hub: directory, payments, delivery, security -------------------------------
BIC = String(11)
UETR = String(36)

participants = Table(
    "participants",
    metadata,
    Column("bic", BIC, primary_key=True),
    Column("lei", String(20), nullable=True),
    Column("name", String(140), nullable=False),
    Column("country", String(2), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("settles_through", BIC, nullable=True),
    Column("public_key_pem", Text, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
)

payments = Table(
    "payments",
    metadata,
    Column("uetr", UETR, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("msg_id", String(35), nullable=False),
    Column("end_to_end_id", String(35), nullable=False),
    Column("tx_id", String(35), nullable=True),
    Column("instructing_agent", BIC, nullable=False),
    Column("debtor_agent", BIC, nullable=False),
    Column("creditor_agent", BIC, nullable=False),
    Column("debit_participant", BIC, nullable=False, index=True),
    Column("credit_participant", BIC, nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("reason", String(8), nullable=True),
    Column("transfer_id", LargeBinary(16), nullable=True),
    Column("related_uetr", UETR, nullable=True),
    Column("returned_minor", BigInteger, nullable=False),
    Column("priority", String(4), nullable=True),
    Column("queue_seq", BigInteger, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
    # The payment's lifecycle events, the JSON list [[state, at_ms, detail], ...] in the
    # order they happened; each batch appends its own (hub_store.write_changes). Kept in
    # the payment's row, not a table of their own: tracking reads them only by UETR, and
    # a row of their own cost every batch another random-key index insert per payment.
    # The default lets a database add the column without rewriting the table.
    Column("events", Text, nullable=False, server_default="[]"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False, unique=True),
    Column("recipient", BIC, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("uetrs", Text, nullable=False),  # the payments it concerns, space-separated
    Column("created_at_ms", BigInteger, nullable=False),
    Column("acked_at_ms", BigInteger, nullable=True),
    Index("ix_outbox_recipient_seq", "recipient", "seq"),
)

inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("sender", BIC, primary_key=True),
    Column("msg_id", String(35), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("received_at_ms", BigInteger, nullable=False),
    Column("answer_message_id", String(64), nullable=False),
    Column("answer_status", String(8), nullable=False),
    Column("payload", LargeBinary, nullable=False),  # the message as received
)

credentials = Table(
    "credentials",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("secret_sha256", LargeBinary(32), nullable=False),
    Column("principal", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("revoked", Boolean, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=False),
    Column("at_ms", BigInteger, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("action", String(64), nullable=False),
    Column("params", Text, nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at_ms", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decided_by", String(64), nullable=True),
    Column("decided_at_ms", BigInteger, nullable=True),
)


# -- currencies and their business day ----------------------------------------------
currency_settings = Table(
    "currency_settings",
    metadata,
    Column("code", String(3), primary_key=True),
    Column("settlement_agent", BIC, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("opens_at", String(5), nullable=False),  # HH:MM local time
    Column("cut_off_at", String(5), nullable=False),
    Column("end_of_day_at", String(5), nullable=False),
    Column("holidays", Text, nullable=False),  # ISO dates, space-separated
)

# Statements read a day's postings per account.
# The keyset cursor of GET /v1/payments (hub_store.payments_page).
Index("ix_payments_updated", payments.c.updated_at_ms, payments.c.uetr)
Index("ix_ledger_journal_debit", ledger_journal.c.debit_account_id, ledger_journal.c.seq)
Index("ix_ledger_journal_credit", ledger_journal.c.credit_account_id, ledger_journal.c.seq)
Index("ix_ledger_journal_applied", ledger_journal.c.applied_at_ms)

# -- FX: published rate sheets, settled trades and live quotes ---------------------------
fx_rate_sheets = Table(
    "fx_rate_sheets",
    metadata,
    Column("provider", BIC, primary_key=True),
    Column("sheet", Text, nullable=False),  # corridor.fx.codec JSON
    Column("published_at_ms", BigInteger, nullable=False),
)

fx_trades = Table(
    "fx_trades",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("quote_id", String(64), nullable=False, index=True),
    Column("leg", SmallInteger, nullable=False),
    Column("provider", BIC, nullable=False),
    Column("source_currency", String(3), nullable=False),
    Column("target_currency", String(3), nullable=False),
    Column("rate", String(40), nullable=False),
    Column("source_minor", BigInteger, nullable=False),
    Column("target_minor", BigInteger, nullable=False),
    Column("settled_at_ms", BigInteger, nullable=False, index=True),
    # Where the trade counts in the provider's exposure (revision 0010; NULL before).
    Column("base_currency", String(3), nullable=True),
    Column("quote_currency", String(3), nullable=True),
    Column("base_minor", BigInteger, nullable=True),
)

# The quotes still live (locked, or consumed by a payment not settled yet), so that a
# restart keeps them: the rows go with the transaction that changes the quote (a new
# quote's, before the answer) and are deleted at its end (settled, released, expired).
fx_quotes = Table(
    "fx_quotes",
    metadata,
    Column("quote_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("quote", Text, nullable=False),  # corridor.fx.codec JSON
)

# -- compliance: cases opened by screening hits ---------------------------------------
compliance_cases = Table(
    "compliance_cases",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("uetr", UETR, nullable=False, index=True),
    Column("opened_at_ms", BigInteger, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("summary", Text, nullable=False),
    Column("hits", Text, nullable=False),  # JSON: every hit with its explanation
    Column("lists_used", Text, nullable=False),  # JSON: list name -> version hash
    Column("decided_by", String(140), nullable=True),
    Column("decided_at_ms", BigInteger, nullable=True),
    Column("decision_note", Text, nullable=True),
)

# Known false positives, suppressed per list version with four eyes.
screening_suppressions = Table(
    "screening_suppressions",
    metadata,
    Column("list_name", String(64), primary_key=True),
    Column("list_version", String(64), primary_key=True),
    Column("entry_id", String(140), primary_key=True),
    Column("query_key", String(500), primary_key=True),
    Column("proposed_by", String(140), nullable=False),
    Column("approved_by", String(140), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)
