"""Tallies count people, not scans: recounted once with the rule of storage/tallies.py.

Before, every finished scan was added to its team's and role's sums, so a person finishing
again (or a lead in their own team) counted more than once. The schema is unchanged.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing left to do here: 0005 recounts every tally, with closed rounds only."""


def downgrade() -> None:
    """The old sums cannot be told apart again; the recounted ones stay."""
