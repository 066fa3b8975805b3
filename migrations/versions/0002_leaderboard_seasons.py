"""Leaderboard seasons: the ``seasons`` table (an instructor's reset starts a season; answers are kept).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 20:16:23.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seasons",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seasons")),
    )
    op.create_index(
        "ix_seasons_scope",
        "seasons",
        ["platform", "workspace_id", "channel_id", "started_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_seasons_scope", table_name="seasons")
    op.drop_table("seasons")
