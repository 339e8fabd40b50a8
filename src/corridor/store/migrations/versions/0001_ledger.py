"""Ledger accounts and journal.

Revision ID: 0001_ledger
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.LargeBinary(16)


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("floor_minor", sa.BigInteger, nullable=True),
        sa.Column("debits_posted", sa.BigInteger, nullable=False),
        sa.Column("credits_posted", sa.BigInteger, nullable=False),
        sa.Column("debits_pending", sa.BigInteger, nullable=False),
        sa.Column("credits_pending", sa.BigInteger, nullable=False),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("updated_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ledger_journal",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("id", _ID, nullable=True, unique=True),
        sa.Column("debit_account_id", _ID, nullable=True),
        sa.Column("credit_account_id", _ID, nullable=True),
        sa.Column("amount_minor", sa.BigInteger, nullable=True),
        sa.Column("code", sa.Integer, nullable=False),
        sa.Column("reference", sa.String(140), nullable=False),
        sa.Column("flags", sa.SmallInteger, nullable=False),
        sa.Column("timeout_ms", sa.BigInteger, nullable=False),
        sa.Column("pending_id", _ID, nullable=True),
        sa.Column("applied_at_ms", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ledger_journal")
    op.drop_table("ledger_accounts")
