"""The store's tables (SQLAlchemy 2 Core metadata); the Alembic migrations create the same shape."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
ID = sa.String(64)
MID = sa.String(36)

schools = sa.Table(
    "schools",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("config", sa.Text, nullable=False),  # canonical JSON of SchoolConfig
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("last_as_of", sa.Date, nullable=True),  # as_of of the last evaluation
)

calendars = sa.Table(
    "calendars",
    metadata,
    sa.Column("school_id", ID, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("batch_seq", sa.Integer, nullable=False),
)

# Rule facts in clear (needed to evaluate); personal data as one AES-GCM encrypted JSON value.
students = sa.Table(
    "students",
    metadata,
    sa.Column("school_id", ID, primary_key=True),
    sa.Column("id", ID, primary_key=True),
    sa.Column("facts", sa.Text, nullable=False),
    sa.Column("personal", sa.Text, nullable=True),
    sa.Column("changed_seq", sa.Integer, nullable=False),  # ingest batch that last changed the student
    sa.Column("evaluated_seq", sa.Integer, nullable=False, server_default="0"),
    # Ingest batch that last changed the student's facts or personal data (the gate reads both).
    sa.Column("details_seq", sa.Integer, nullable=False, server_default="0"),
    # The SIS's leslocatie, a fact copied out of ``facts`` so the console's lists filter on it (0009).
    sa.Column("leslocatie", sa.String(80), nullable=True),
    sa.Index("ix_students_leslocatie", "school_id", "leslocatie"),
)

# Blind index of students' names (migration 0009): keyed hashes of each normalised word of the
# given and family names and of each beginning of a word (gateway/store/student_names.py). It shows
# which students of a school share a word, never the word; ``key_id`` names the key it was made under.
student_names = sa.Table(
    "student_names",
    metadata,
    sa.Column("school_id", ID, primary_key=True),
    sa.Column("student_id", ID, primary_key=True),
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("token", sa.String(32), primary_key=True),
    # Covering the search: which students hold a token, read from the index alone.
    sa.Index("ix_student_names_token", "school_id", "token", "student_id"),
)

attendance = sa.Table(
    "attendance",
    metadata,
    sa.Column("school_id", ID, primary_key=True),
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("record_id", sa.String(128), primary_key=True),
    sa.Column("student_id", ID, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("start_min", sa.SmallInteger, nullable=False),
    sa.Column("end_min", sa.SmallInteger, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("reason", sa.String(32), nullable=True),
    sa.Column("minutes_late", sa.SmallInteger, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("batch_seq", sa.Integer, nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False),
    # Covering what a record counts as: evaluation groups a school's records in index order, unsorted.
    sa.Index("ix_attendance_student_day", "school_id", "student_id", "day", "status", "reason",
             "minutes_late", "withdrawn", "start_min", "end_min"),
    sa.Index("ix_attendance_batch", "school_id", "batch_seq"),
)

# Every replaced or withdrawn version of a record, as it was.
attendance_history = sa.Table(
    "attendance_history",
    metadata,
    sa.Column("school_id", ID, primary_key=True),
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("record_id", sa.String(128), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("student_id", ID, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("start_min", sa.SmallInteger, nullable=False),
    sa.Column("end_min", sa.SmallInteger, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("reason", sa.String(32), nullable=True),
    sa.Column("minutes_late", sa.SmallInteger, nullable=True),
    sa.Column("batch_seq", sa.Integer, nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False),
    sa.Column("replaced_by_seq", sa.Integer, nullable=False),
    sa.Index("ix_attendance_history_replaced", "school_id", "replaced_by_seq"),
)

# Yesterday's evaluation of a school: per student and school day what its records count as, up to
# batch ``watermark``, so the daily job re-reads only what changed (gateway/store/evaluation_state.py).
evaluation_state = sa.Table(
    "evaluation_state",
    metadata,
    sa.Column("school_id", ID, primary_key=True),
    sa.Column("valid_for", sa.String(64), nullable=False),  # digest of what the counts depend on
    sa.Column("watermark", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

ingest_batches = sa.Table(
    "ingest_batches",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("school_id", ID, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("counts", sa.Text, nullable=False),
    sa.Column("cursor", sa.Text, nullable=True),
)

source_cursors = sa.Table(
    "source_cursors",
    metadata,
    sa.Column("school_id", ID, primary_key=True),
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("cursor", sa.Text, nullable=True),
    sa.Column("batch_seq", sa.Integer, nullable=False),
)

meldingen = sa.Table(
    "meldingen",
    metadata,
    sa.Column("id", MID, primary_key=True),  # the stable message id (uuid5 of the business id)
    sa.Column("school_id", ID, nullable=False),
    sa.Column("business_id", sa.String(255), nullable=False),
    sa.Column("student_id", ID, nullable=False),
    sa.Column("rule", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(16), nullable=False),
    sa.Column("route", sa.String(16), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("trigger_date", sa.Date, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=True),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("hours", sa.Float, nullable=True),
    sa.Column("signal", sa.Text, nullable=False),
    sa.Column("profile_stamp", sa.String(96), nullable=False),
    sa.Column("content", sa.Text, nullable=True),
    # The completeness gate (migration 0006): the fields still missing, as a JSON list (NULL: never
    # gated), and the verzuimspecificatie computed from the evidence (JSON; NULL: not computed).
    sa.Column("missing", sa.Text, nullable=True),
    sa.Column("specification", sa.Text, nullable=True),
    # Migration 0007: when the receiver first had it (the receipt), and when it first reported back
    # (status or outcome): the receiving side's deadlines and "verwerkt binnen 7 dagen" count from these.
    sa.Column("delivered_at", sa.DateTime, nullable=True),
    sa.Column("first_feedback_at", sa.DateTime, nullable=True),
    sa.Column("receiver_reference", sa.String(128), nullable=True),
    sa.Column("receiver_status", sa.String(64), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("approved_by", sa.String(128), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    # Migration 0009: the leslocatie the gate resolved (NULL: not gated since; the lists then take
    # the student's), in clear so the console filters on it.
    sa.Column("leslocatie", sa.String(80), nullable=True),
    sa.UniqueConstraint("school_id", "business_id", name="uq_meldingen_business_id"),
    sa.Index("ix_meldingen_school_status", "school_id", "status"),
    sa.Index("ix_meldingen_student", "school_id", "student_id"),
    # The console's lists, newest first or by due date (migration 0009).
    sa.Index("ix_meldingen_trigger", "school_id", "trigger_date"),
    sa.Index("ix_meldingen_due", "school_id", "due_date"),
)

# One row per delivery or withdrawal attempt chain; retry state lives here, per melding.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("melding_id", MID, sa.ForeignKey("meldingen.id"), nullable=False),
    sa.Column("school_id", ID, nullable=False),
    sa.Column("route", sa.String(16), nullable=False),
    sa.Column("operation", sa.String(10), nullable=False),  # deliver | withdraw
    sa.Column("state", sa.String(10), nullable=False),  # held|pending|sending|in_doubt|done|dead|cancelled
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("worker_id", sa.String(128), nullable=True),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("outbox.id"), nullable=True),
    sa.Column("requested_by", sa.String(128), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("alerted", sa.Boolean, nullable=False, server_default=sa.false()),
    # An attempt of this row was in doubt (the request may have arrived): a withdrawal must follow
    # even when the row ended as a dead letter (migration 0005).
    sa.Column("was_in_doubt", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_outbox_due", "state", "next_attempt_at"),
    sa.Index("ix_outbox_melding", "melding_id"),
)

# DUO's status operation, polled per school and route (migration 0007): the moment the last poll
# asked from (``vanafDatumTijd``), when the next is due, and failures in a row (retried like deliveries).
status_polls = sa.Table(
    "status_polls",
    metadata,
    sa.Column("school_id", ID, primary_key=True),
    sa.Column("route", sa.String(16), primary_key=True),
    sa.Column("since", sa.DateTime, nullable=True),
    sa.Column("next_poll_at", sa.DateTime, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
)

pauses = sa.Table(
    "pauses",
    metadata,
    sa.Column("school_id", ID, primary_key=True),
    sa.Column("route", sa.String(16), primary_key=True),  # "*" pauses every route of the school
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ts", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("school_id", ID, nullable=True),
    sa.Column("subject", sa.String(255), nullable=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_school_seq", "school_id", "seq"),
    sa.Index("ix_audit_subject_seq", "subject", "seq"),
)

# The chain's head: one row, locked while appending so concurrent writers keep one order.
audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
