"""Compliance cases opened by screening hits.

Revision ID: 0005_cases
Revises: 0004_fx
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_cases"
down_revision = "0004_fx"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compliance_cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("uetr", sa.String(36), nullable=False, index=True),
        sa.Column("opened_at_ms", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("hits", sa.Text, nullable=False),
        sa.Column("lists_used", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(140), nullable=True),
        sa.Column("decided_at_ms", sa.BigInteger, nullable=True),
        sa.Column("decision_note", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("compliance_cases")
