"""A receiver's own open meldingen (``GET /api/v1/feedback/open``): what it still has to report on.

The same scope as the feedback ``POST``: meldingen for the key's kind (``may_report_on``) about
students living in its area (``covers_woongemeente``), that the receiver may hold and has not closed.
Only what the receiver already got is listed: ids, rule, dates and statuses; no personal data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from gateway.console.receivers import SCOPE, covers_woongemeente, may_report_on, organisation_kind
from gateway.delivery.routing import DirectoryData
from gateway.domain.lifecycle import POSSIBLY_DELIVERED, State
from gateway.domain.soort_verzuim import NO_SHOW_MELDINGEN
from gateway.store import Store
from gateway.store.schema import meldingen, students

# Meldingen the receiver may hold and that are not closed; withdrawn ones are in neither set.
OPEN_STATES = tuple(sorted(s.value for s in POSSIBLY_DELIVERED - {State.AFGESLOTEN}))


@dataclass(frozen=True)
class OpenMelding:
    """One open melding as its receiver may see it."""

    melding_id: str
    school_id: str
    rule: str
    recipient: str
    status: str
    receiver_status: str | None
    receiver_reference: str | None
    trigger_date: date
    period_start: date
    period_end: date | None
    delivered_at: datetime | None


def _kind_clause(organisation: str) -> sa.ColumnElement[bool]:
    """Narrows the query to the key's kind (``may_report_on`` decides; this only saves reading)."""
    kind = organisation_kind(organisation)
    clause = meldingen.c.recipient.in_(sorted(SCOPE.get(kind, frozenset())))
    return sa.or_(clause, meldingen.c.rule.in_(sorted(NO_SHOW_MELDINGEN))) if kind == "dsp" else clause


def open_meldingen(store: Store, organisation: str, directory: DirectoryData,
                   limit: int, offset: int) -> tuple[list[OpenMelding], int]:
    """One page of the organisation's open meldingen, oldest trigger date first, and their total.

    The area is checked per melding on the student's woongemeente (a rule fact, read here only and
    never decrypted or logged), so the page is cut after that filter.
    """
    query = (sa.select(meldingen, students.c.facts)
             .select_from(meldingen.outerjoin(students, sa.and_(
                 students.c.school_id == meldingen.c.school_id, students.c.id == meldingen.c.student_id)))
             .where(meldingen.c.route.is_not(None), meldingen.c.status.in_(OPEN_STATES),
                    _kind_clause(organisation))
             .order_by(meldingen.c.trigger_date, meldingen.c.id))
    with store.read() as conn:
        rows = conn.execute(query).all()
    mine = [r for r in rows if may_report_on(organisation, r.recipient, r.rule)
            and covers_woongemeente(organisation, _woongemeente(r.facts), directory)]
    page = [OpenMelding(r.id, r.school_id, r.rule, r.recipient, r.status, r.receiver_status,
                        r.receiver_reference, r.trigger_date, r.period_start, r.period_end, r.delivered_at)
            for r in mine[offset:offset + limit]]
    return page, len(mine)


def _woongemeente(facts: str | None) -> str | None:
    value = json.loads(facts).get("woongemeente") if facts else None
    return str(value) if value else None
