"""meldingen: what the completeness gate found missing, and the computed verzuimspecificatie

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Both stay NULL for meldingen stored before: they were never gated, and their evidence was not
    # summed (the channels then leave the specification out).
    with op.batch_alter_table("meldingen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("missing", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("specification", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meldingen", schema=None) as batch_op:
        batch_op.drop_column("specification")
        batch_op.drop_column("missing")
