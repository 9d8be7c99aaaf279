"""Reminders a person asks for when pausing, with the chat address needed to send them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds the reminder table."""
    op.create_table(
        "reminder",
        sa.Column("respondent_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["respondent_id"], ["respondent.id"]),
        sa.PrimaryKeyConstraint("respondent_id"),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminder_send_at"), ["send_at"], unique=False)


def downgrade() -> None:
    """Drops the reminder table; reminders not sent yet are lost."""
    op.drop_table("reminder")
