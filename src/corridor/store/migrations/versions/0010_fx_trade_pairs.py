"""fx_trades records each trade's pair as published and its size in the pair's base
currency, so that a restart rebuilds the day's provider exposure from the stored trades.

Trades stored before this revision keep NULL there and are not counted: on the day of
the upgrade, a provider's settled exposure restarts from the trades settled after it.

Revision ID: 0010_fx_trade_pairs
Revises: 0009_payments_by_update
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_fx_trade_pairs"
down_revision = "0009_payments_by_update"
branch_labels = None
depends_on = None

_COLUMNS = ("base_currency", "quote_currency", "base_minor")


def upgrade() -> None:
    # Nullable, without a default: both databases add them without rewriting the table.
    op.add_column("fx_trades", sa.Column("base_currency", sa.String(3), nullable=True))
    op.add_column("fx_trades", sa.Column("quote_currency", sa.String(3), nullable=True))
    op.add_column("fx_trades", sa.Column("base_minor", sa.BigInteger, nullable=True))


def downgrade() -> None:
    # SQLite drops a column by rebuilding the table (batch mode); PostgreSQL alters it.
    with op.batch_alter_table("fx_trades") as batch:
        for name in _COLUMNS:
            batch.drop_column(name)
