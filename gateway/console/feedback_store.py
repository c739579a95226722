"""The receivers' reports as kept in table ``feedback``: one row per distinct report.

The free toelichting and the gemeentelijke contactpersoon may name people: both are encrypted with
the melding's feedback context. A report is identified by its digest (SHA-256 of a canonical JSON of
organisation, melding and content), so the same report posted twice is kept once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from gateway.domain.receiver_status import Contactpersoon, ReceiverOutcome, normalise
from gateway.store import Store, utcnow
from gateway.store.crypto import FieldCipher
from gateway.store.face_tables import feedback, feedback_context


@dataclass(frozen=True)
class FeedbackEntry:
    """One reported outcome (toelichting and contactpersoon decrypted: personal data may be in them).

    ``status`` is the canonical label; ``reden`` and ``toelichting_afsluiting`` are the Besluit's
    codes (``receiver_status.REDENEN_AFGESLOTEN``, ``TOELICHTINGEN_AFSLUITING``).
    """

    melding_id: str
    organisation: str
    status: str
    toelichting: str | None
    reported_on: date
    reden: str | None = None
    toelichting_afsluiting: str | None = None
    started_on: date | None = None
    contactpersoon: Contactpersoon | None = None

    @property
    def outcome(self) -> ReceiverOutcome:
        """The report as the pipeline takes it."""
        return ReceiverOutcome(self.status, self.reden, self.toelichting_afsluiting, self.started_on,
                               self.contactpersoon, self.toelichting)


def canonical(status: str) -> str:
    """The canonical label of a stored status (old rows: the spelling of their time)."""
    return normalise(status) or status


def report_digest(entry: FeedbackEntry) -> str:
    """SHA-256 (hex) of the report's canonical JSON: who, which melding, and everything it says.

    The reporting date is left out: the same report sent again on another day is the same report.
    """
    content = {
        "organisation": entry.organisation,
        "melding_id": entry.melding_id,
        "status": canonical(entry.status),
        "reden": entry.reden,
        "toelichting_afsluiting": entry.toelichting_afsluiting,
        "started_on": entry.started_on.isoformat() if entry.started_on else None,
        "toelichting": entry.toelichting,
        "contactpersoon": asdict(entry.contactpersoon) if entry.contactpersoon else None,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def feedback_values(cipher: FieldCipher, school_id: str, entry: FeedbackEntry) -> dict[str, Any]:
    """The row of ``entry`` for table ``feedback``, encrypted where it may name people."""
    context = feedback_context(entry.melding_id)
    contact = (json.dumps(asdict(entry.contactpersoon), sort_keys=True, ensure_ascii=False)
               if entry.contactpersoon else None)
    return {
        "melding_id": entry.melding_id, "school_id": school_id, "organisation": entry.organisation,
        "status": canonical(entry.status), "reported_on": entry.reported_on, "created_at": utcnow(),
        "toelichting": cipher.encrypt(entry.toelichting, context) if entry.toelichting else None,
        "reden": entry.reden, "toelichting_afsluiting": entry.toelichting_afsluiting,
        "started_on": entry.started_on,
        "contactpersoon": cipher.encrypt(contact, context) if contact else None,
        "digest": report_digest(entry),
    }


def keep_feedback(conn: sa.Connection, values: dict[str, Any]) -> bool:
    """Insert the row unless the same report (melding and digest) is kept already; returns whether
    it was inserted. Run with the melding locked, so two equal reports cannot both pass."""
    seen = conn.scalar(sa.select(feedback.c.id).where(feedback.c.melding_id == values["melding_id"],
                                                      feedback.c.digest == values["digest"]))
    if seen is not None:
        return False
    conn.execute(feedback.insert().values(**values))
    return True


def store_feedback(store: Store, school_id: str, entry: FeedbackEntry) -> bool:
    """Keep one reported outcome of a melding of ``school_id``; False when it was kept before."""
    values = feedback_values(store.cipher, school_id, entry)
    with store.write() as conn:
        return keep_feedback(conn, values)


def _contact(cipher: FieldCipher, token: str | None, context: str) -> Contactpersoon | None:
    if not token:
        return None
    return Contactpersoon(**json.loads(cipher.decrypt(token, context)))


def feedback_for(store: Store, school_id: str,
                 melding_ids: list[str] | None = None) -> dict[str, list[FeedbackEntry]]:
    """Reported outcomes per melding of a school, oldest first (statuses as canonical labels)."""
    query = sa.select(feedback).where(feedback.c.school_id == school_id).order_by(feedback.c.id)
    if melding_ids is not None:
        query = query.where(feedback.c.melding_id.in_(melding_ids))
    cipher = store.cipher
    out: dict[str, list[FeedbackEntry]] = {}
    with store.read() as conn:
        for r in conn.execute(query):
            context = feedback_context(r.melding_id)
            text = cipher.decrypt(r.toelichting, context) if r.toelichting else None
            out.setdefault(r.melding_id, []).append(FeedbackEntry(
                r.melding_id, r.organisation, canonical(r.status), text, r.reported_on, r.reden,
                r.toelichting_afsluiting, r.started_on, _contact(cipher, r.contactpersoon, context)))
    return out
