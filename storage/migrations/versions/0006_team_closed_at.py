"""Teams a lead ended or hands over: when it ended (its link says so, its rounds stay), and
the one-time link that makes another person the team's lead.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handover_code", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_team_handover_code", ["handover_code"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index("ix_team_handover_code")
        batch_op.drop_column("handover_code")
        batch_op.drop_column("closed_at")
