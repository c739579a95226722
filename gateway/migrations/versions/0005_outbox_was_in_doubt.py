"""outbox: remember that an attempt was in doubt (a dead letter the receiver may hold needs a withdrawal)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("was_in_doubt", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Rows in doubt now were in doubt; for finished rows the history is in the audit log only, so the
    # rows whose chain of attempts was audited as in doubt are marked too.
    op.execute("UPDATE outbox SET was_in_doubt = true WHERE state = 'in_doubt'")
    op.execute(
        "UPDATE outbox SET was_in_doubt = true WHERE state <> 'in_doubt' AND EXISTS ("
        "SELECT 1 FROM audit_log WHERE audit_log.action = 'outbox.onzeker' "
        "AND audit_log.subject = outbox.melding_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("was_in_doubt")
