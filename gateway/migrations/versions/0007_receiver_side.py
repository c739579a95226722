"""after delivery: the receiver's reasons, start dates and contact, idempotent feedback, DUO polling

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reden", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("toelichting_afsluiting", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("started_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("contactpersoon", sa.Text(), nullable=True))
        # NULL for reports stored before: they were never compared, and NULLs do not collide.
        batch_op.add_column(sa.Column("digest", sa.String(64), nullable=True))
        batch_op.create_index("ux_feedback_digest", ["melding_id", "digest"], unique=True)
    with op.batch_alter_table("meldingen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("first_feedback_at", sa.DateTime(), nullable=True))
    _backfill_delivered_at()
    op.create_table(
        "status_polls",
        sa.Column("school_id", sa.String(64), primary_key=True),
        sa.Column("route", sa.String(16), primary_key=True),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("next_poll_at", sa.DateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
    )


def _backfill_delivered_at() -> None:
    """Meldingen delivered before: the first receipt in the audit log (``melding.verzonden``) is when
    the receiver had it; the figures and the receivers' deadlines count from there."""
    conn = op.get_bind()
    audit = sa.table("audit_log", sa.column("subject"), sa.column("action"), sa.column("ts"))
    meldingen = sa.table("meldingen", sa.column("id"), sa.column("delivered_at", sa.DateTime()))
    first = conn.execute(sa.select(audit.c.subject, sa.func.min(audit.c.ts))
                         .where(audit.c.action == "melding.verzonden").group_by(audit.c.subject)).all()
    for melding_id, ts in first:
        moment = datetime.fromisoformat(ts).astimezone(UTC).replace(tzinfo=None)
        conn.execute(meldingen.update().where(meldingen.c.id == melding_id).values(delivered_at=moment))


def downgrade() -> None:
    op.drop_table("status_polls")
    with op.batch_alter_table("meldingen", schema=None) as batch_op:
        batch_op.drop_column("first_feedback_at")
        batch_op.drop_column("delivered_at")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ux_feedback_digest")
        for column in ("digest", "contactpersoon", "started_on", "toelichting_afsluiting", "reden"):
            batch_op.drop_column(column)
