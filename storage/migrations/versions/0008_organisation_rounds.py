"""Organisation rounds with dates: HR or an admin plans a round's start and end for all teams;
and a closed team round keeps how many of its people like to learn which way.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisationround",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("halfway_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("organisation_id", "wave"),
    )
    op.create_index("ix_organisationround_ends_at", "organisationround", ["ends_at"])
    with op.batch_alter_table("teamround", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferences", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teamround", schema=None) as batch_op:
        batch_op.drop_column("preferences")
    op.drop_index("ix_organisationround_ends_at", table_name="organisationround")
    op.drop_table("organisationround")
