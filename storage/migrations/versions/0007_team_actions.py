"""Actions a team chose after a closed round (what, who, when, how it went), and the chat
address of a lead who recorded one, so the bot can remind them at the date.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds the team action and lead contact tables."""
    op.create_table(
        "leadcontact",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym"),
    )
    op.create_table(
        "teamaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("what_key", sa.String(length=64), nullable=True),
        sa.Column("what_text", sa.String(length=120), nullable=True),
        sa.Column("who", sa.String(length=16), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("teamaction", schema=None) as batch_op:
        batch_op.create_index("ix_teamaction_team_wave", ["team_id", "wave"], unique=False)
        batch_op.create_index(batch_op.f("ix_teamaction_due_at"), ["due_at"], unique=False)


def downgrade() -> None:
    """Drops both tables: recorded actions and leads' addresses are lost."""
    op.drop_table("teamaction")
    op.drop_table("leadcontact")
