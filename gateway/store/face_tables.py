"""Tables the faces keep: console users and sessions (migrations 0002, 0003), receiver keys,
the receivers' feedback, and the push API's keys (migration 0004).

They live in the store, beside its other tables, so every wing that must read them (key rotation,
retention) does so without importing a face."""

from __future__ import annotations

import sqlalchemy as sa

# The store's metadata, so the foreign keys to meldingen resolve and Alembic sees one schema.
from gateway.store.schema import metadata

users = sa.Table(
    "console_users",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # melder | beheerder
    sa.Column("password_hash", sa.String(255), nullable=False),  # argon2id (PHC string)
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # Sign-in lockout (migration 0003): failures in a row, and until when sign-in is refused.
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime, nullable=True),
)

sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # SHA-256 of the cookie value
    sa.Column("username", sa.String(64), sa.ForeignKey("console_users.username"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)

receiver_keys = sa.Table(
    "receiver_keys",
    metadata,
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("organisation", sa.String(64), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("label", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False),
)

# One row per outcome a receiver reported; ``toelichting`` is encrypted (it may name people).
feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("melding_id", sa.String(36), sa.ForeignKey("meldingen.id"), nullable=False),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("organisation", sa.String(64), nullable=False),
    sa.Column("status", sa.String(64), nullable=False),
    sa.Column("toelichting", sa.Text, nullable=True),
    sa.Column("reported_on", sa.Date, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # Migration 0007: the Besluit's reason and toelichting codes for afgesloten, the date a no-show
    # started (seed 000), the gemeentelijke contactpersoon (JSON, encrypted like the toelichting),
    # and a digest of organisation, melding and content: the same report twice is stored once.
    sa.Column("reden", sa.String(32), nullable=True),
    sa.Column("toelichting_afsluiting", sa.String(32), nullable=True),
    sa.Column("started_on", sa.Date, nullable=True),
    sa.Column("contactpersoon", sa.Text, nullable=True),
    sa.Column("digest", sa.String(64), nullable=True),
)
sa.Index("ix_feedback_melding", feedback.c.melding_id)
sa.Index("ix_feedback_school", feedback.c.school_id)
sa.Index("ux_feedback_digest", feedback.c.melding_id, feedback.c.digest, unique=True)

# The push API's keys: the SHA-256 of each whole key, never the key itself.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("school_id", sa.String(64), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),  # of the whole key; never the key itself
    sa.Column("label", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),  # set once; a revoked key never works again
)


def feedback_context(melding_id: str) -> str:
    """The associated data that binds an encrypted feedback toelichting to its melding."""
    return f"feedback:{melding_id}"
