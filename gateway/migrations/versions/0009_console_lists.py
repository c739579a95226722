"""the console's lists: a blind index of students' names, leslocaties in clear, indexes for sorting

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Filled by upsert_students (and a daily sync repeating a student indexes one stored before):
    # the migration has no key to hash names with.
    op.create_table(
        "student_names",
        sa.Column("school_id", sa.String(64), primary_key=True),
        sa.Column("student_id", sa.String(64), primary_key=True),
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("token", sa.String(32), primary_key=True),
    )
    op.create_index("ix_student_names_token", "student_names", ["school_id", "token", "student_id"])
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leslocatie", sa.String(80), nullable=True))
    op.create_index("ix_students_leslocatie", "students", ["school_id", "leslocatie"])
    _backfill_student_leslocatie()
    # A melding's own leslocatie stays NULL: its content is encrypted; the lists fall back to the
    # student's until the gate judges it again.
    with op.batch_alter_table("meldingen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leslocatie", sa.String(80), nullable=True))
    op.create_index("ix_meldingen_trigger", "meldingen", ["school_id", "trigger_date"])
    op.create_index("ix_meldingen_due", "meldingen", ["school_id", "due_date"])
    # The console's audit trail: a school's entries newest first, and those of one melding.
    op.create_index("ix_audit_school_seq", "audit_log", ["school_id", "seq"])
    op.create_index("ix_audit_subject_seq", "audit_log", ["subject", "seq"])


def _backfill_student_leslocatie() -> None:
    """Copy each stored student's leslocatie out of its facts (canonical JSON, in clear)."""
    conn = op.get_bind()
    students = sa.table("students", sa.column("school_id"), sa.column("id"), sa.column("facts"),
                        sa.column("leslocatie"))
    stored = conn.execute(sa.select(students.c.school_id, students.c.id, students.c.facts))
    updates = [
        {"p_school": school_id, "p_id": sid, "p_leslocatie": leslocatie}
        for school_id, sid, facts in stored
        if (leslocatie := json.loads(facts).get("leslocatie"))
    ]
    if updates:
        conn.execute(
            students.update()
            .where(students.c.school_id == sa.bindparam("p_school"), students.c.id == sa.bindparam("p_id"))
            .values(leslocatie=sa.bindparam("p_leslocatie")),
            updates,
        )


def downgrade() -> None:
    op.drop_index("ix_audit_subject_seq", table_name="audit_log")
    op.drop_index("ix_audit_school_seq", table_name="audit_log")
    op.drop_index("ix_meldingen_due", table_name="meldingen")
    op.drop_index("ix_meldingen_trigger", table_name="meldingen")
    with op.batch_alter_table("meldingen", schema=None) as batch_op:
        batch_op.drop_column("leslocatie")
    op.drop_index("ix_students_leslocatie", table_name="students")
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_column("leslocatie")
    op.drop_index("ix_student_names_token", table_name="student_names")
    op.drop_table("student_names")
