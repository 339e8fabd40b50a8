"""FX: rate sheets published by providers, and settled FX trades.

Revision ID: 0004_fx
Revises: 0003_statements
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_fx"
down_revision = "0003_statements"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fx_rate_sheets",
        sa.Column("provider", sa.String(11), primary_key=True),
        sa.Column("sheet", sa.Text, nullable=False),
        sa.Column("published_at_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "fx_trades",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("quote_id", sa.String(64), nullable=False, index=True),
        sa.Column("leg", sa.SmallInteger, nullable=False),
        sa.Column("provider", sa.String(11), nullable=False),
        sa.Column("source_currency", sa.String(3), nullable=False),
        sa.Column("target_currency", sa.String(3), nullable=False),
        sa.Column("rate", sa.String(40), nullable=False),
        sa.Column("source_minor", sa.BigInteger, nullable=False),
        sa.Column("target_minor", sa.BigInteger, nullable=False),
        sa.Column("settled_at_ms", sa.BigInteger, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("fx_trades")
    op.drop_table("fx_rate_sheets")
