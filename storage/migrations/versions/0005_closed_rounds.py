"""Closed, frozen rounds: tallies and team pictures only for rounds that are closed.

Adds the round of an organisation, the end date of a team's open round, the organisation an
HR access is for, and the TeamRound table. The tallies are recounted over closed rounds only
(a team's rounds before its open one), in the order they ended.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session, delete

from storage import rounds
from storage.models import RoleTally, TeamTally

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
HR_ORGANISATION_FK = "fk_hrgrant_organisation_id_organisation"


def upgrade() -> None:
    """Adds the columns and table, then counts the rounds that were already closed."""
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wave", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round_ends_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("hrgrant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(HR_ORGANISATION_FK, "organisation", ["organisation_id"], ["id"])
    op.create_table(
        "teamround",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("team_id", "wave"),
    )
    session = Session(bind=op.get_bind())
    session.exec(delete(TeamTally))
    session.exec(delete(RoleTally))
    rounds.count_old_rounds(session)
    session.flush()


def downgrade() -> None:
    """Drops what was added; the tallies keep the closed rounds' sums."""
    op.drop_table("teamround")
    with op.batch_alter_table("hrgrant", schema=None) as batch_op:
        batch_op.drop_constraint(HR_ORGANISATION_FK, type_="foreignkey")
        batch_op.drop_column("organisation_id")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_column("round_ends_at")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("wave")
