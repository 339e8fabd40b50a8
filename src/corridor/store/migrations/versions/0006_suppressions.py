"""Screening suppressions (known false positives, per list version, four eyes).

Revision ID: 0006_suppressions
Revises: 0005_cases
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_suppressions"
down_revision = "0005_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_suppressions",
        sa.Column("list_name", sa.String(64), primary_key=True),
        sa.Column("list_version", sa.String(64), primary_key=True),
        sa.Column("entry_id", sa.String(140), primary_key=True),
        sa.Column("query_key", sa.String(500), primary_key=True),
        sa.Column("proposed_by", sa.String(140), nullable=False),
        sa.Column("approved_by", sa.String(140), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("screening_suppressions")
