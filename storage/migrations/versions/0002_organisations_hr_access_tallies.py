"""Organisations with lead links, HR access by link, the role on a result, and running tallies.

The tallies are filled from the results already stored, so the HR report stays complete.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The role question's id when this revision was written: results before it did not keep a role.
ROLE_QUESTION = "rol"
TEAM_ORGANISATION_FK = "fk_team_organisation_id_organisation"


def _measure_and_sums() -> list[sa.Column[object]]:
    """The columns both tallies share: which measure, and its sums (new objects each time)."""
    return [
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("known", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
    ]


def upgrade() -> None:
    """Adds the tables and columns, then fills the roles and tallies from what is stored."""
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_code"), ["code"], unique=True)
    op.create_table(
        "organisationlead",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("pseudonym"),
    )
    with op.batch_alter_table("organisationlead", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisationlead_organisation_id"), ["organisation_id"], unique=False
        )
    op.create_table(
        "hrgrant",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("hrgrant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hrgrant_pseudonym"), ["pseudonym"], unique=False)
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_team_organisation_id"), ["organisation_id"])
        batch_op.create_foreign_key(
            TEAM_ORGANISATION_FK, "organisation", ["organisation_id"], ["id"]
        )
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=32), nullable=True))
    op.create_table(
        "teamtally",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        *_measure_and_sums(),
        sa.PrimaryKeyConstraint("team_id", "wave", "model", "dimension"),
    )
    op.create_table(
        "roletally",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        *_measure_and_sums(),
        sa.PrimaryKeyConstraint("organisation_id", "role", "wave", "model", "dimension"),
    )
    _fill()


def _fill() -> None:
    """Every finished result gets its role from its answer and is counted in the tallies."""
    op.execute(
        sa.text(
            "UPDATE result SET role = (SELECT value FROM answer WHERE answer.scan_id ="
            " result.scan_id AND answer.question_id = :question)"
        ).bindparams(question=ROLE_QUESTION)
    )
    sums = (
        "count(resultscore.id), count(resultscore.score), coalesce(sum(resultscore.score), 0.0)"
        " FROM scan JOIN resultscore ON resultscore.scan_id = scan.id"
    )
    op.execute(
        "INSERT INTO teamtally (team_id, wave, model, dimension, people, known, total)"
        " SELECT coalesce(scan.team_id, 0), coalesce(scan.wave, 1), resultscore.model,"
        f" resultscore.dimension, {sums} WHERE scan.finished_at IS NOT NULL"
        " GROUP BY coalesce(scan.team_id, 0), coalesce(scan.wave, 1), resultscore.model,"
        " resultscore.dimension"
    )
    op.execute(
        "INSERT INTO roletally (organisation_id, role, wave, model, dimension, people, known,"
        " total) SELECT 0, coalesce(result.role, ''), coalesce(scan.wave, 1), resultscore.model,"
        f" resultscore.dimension, {sums} JOIN result ON result.scan_id = scan.id"
        " WHERE scan.finished_at IS NOT NULL GROUP BY coalesce(result.role, ''),"
        " coalesce(scan.wave, 1), resultscore.model, resultscore.dimension"
    )


def downgrade() -> None:
    """Drops what upgrade added; roles, tallies and organisations are lost."""
    op.drop_table("roletally")
    op.drop_table("teamtally")
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.drop_column("role")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_constraint(TEAM_ORGANISATION_FK, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_team_organisation_id"))
        batch_op.drop_column("organisation_id")
    op.drop_table("hrgrant")
    op.drop_table("organisationlead")
    op.drop_table("organisation")
