"""fx_quotes keeps the FX quotes still live (locked, or consumed by a payment not settled
yet), so that a restart keeps them: a bank's quote stays executable, and an FX payment
queued for liquidity or held for compliance settles on its quote after the restart.

A payment queued or held before this revision has no stored quote: the first start after
the upgrade rejects it as before ("FX quote lost when the hub restarted").

Revision ID: 0011_fx_quotes
Revises: 0010_fx_trade_pairs
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_fx_quotes"
down_revision = "0010_fx_trade_pairs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fx_quotes",
        sa.Column("quote_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fx_quotes")
