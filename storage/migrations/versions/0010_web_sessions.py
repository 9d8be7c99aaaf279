"""Web sessions that can be resumed on another device: a keyed hash of the resume code and
the session id sealed with it (never the code itself).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "websession",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_index("ix_websession_created_at", "websession", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_websession_created_at", table_name="websession")
    op.drop_table("websession")
