"""the daily job at scale: yesterday's evaluation state, and the indexes that find what changed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The covering index of gateway/store/schema.py, as it was at this revision.
STUDENT_DAY_COLUMNS = ("school_id", "student_id", "day", "status", "reason", "minutes_late", "withdrawn",
                       "start_min", "end_min")

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_state",
        sa.Column("school_id", sa.String(64), primary_key=True),
        sa.Column("valid_for", sa.String(64), nullable=False),
        sa.Column("watermark", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Written every day and hardly compressible by pglz in useful time: stored as it is.
        op.execute("ALTER TABLE evaluation_state ALTER COLUMN data SET STORAGE EXTERNAL")
    # What changed since yesterday's state: new and corrected records, replaced versions.
    op.create_index("ix_attendance_batch", "attendance", ["school_id", "batch_seq"])
    # A student's records of some days (evidence, the no-show window) without reading the whole year;
    # covering what a record counts as, so the first evaluation groups them in index order, unsorted.
    op.create_index("ix_attendance_student_day", "attendance", list(STUDENT_DAY_COLUMNS))
    op.drop_index("ix_attendance_student", table_name="attendance")
    # The ingest batch that last changed a student's facts or personal data (the gate reads them).
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details_seq", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_attendance_history_replaced", "attendance_history", ["school_id", "replaced_by_seq"])


def downgrade() -> None:
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_column("details_seq")
    op.create_index("ix_attendance_student", "attendance", ["school_id", "student_id"])
    op.drop_index("ix_attendance_student_day", table_name="attendance")
    op.drop_index("ix_attendance_history_replaced", table_name="attendance_history")
    op.drop_index("ix_attendance_batch", table_name="attendance")
    op.drop_table("evaluation_state")
