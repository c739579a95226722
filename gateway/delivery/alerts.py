"""Alerts on state transitions, once per melding: the due date at risk, also of a melding waiting
for a person to fill in what it misses (the dead-letter alert
lives with the outbox). An alert is a structured log event plus an audit entry; the audit entry
is also what makes it once-only, across restarts and workers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from gateway.domain.calendar import add_working_days, working_days_until
from gateway.domain.lifecycle import State
from gateway.store import audit
from gateway.store.engine import Store
from gateway.store.schema import audit_head, audit_log, meldingen

DUE_DATE_ACTION = "alert.uiterste_datum"
# Not yet acknowledged by the receiver: the due date can still be missed.
AT_RISK_STATES = tuple(
    s.value
    for s in (State.CONCEPT, State.KLAAR, State.VERZONDEN, State.OPNIEUW, State.ONZEKER, State.ONBESTELBAAR)
)
_CHUNK = 500


@dataclass(frozen=True)
class DueDateAlert:
    """A melding whose due date is at risk (no personal data)."""

    melding_id: str
    school_id: str
    rule: str
    status: str
    route: str | None
    due_date: date
    working_days_left: int
    # Fields a person must still fill in (the completeness gate): the melding waits for them.
    waiting_for: tuple[str, ...] = ()


def _already_alerted(conn: sa.Connection, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        found.update(
            conn.scalars(
                sa.select(audit_log.c.subject).where(
                    audit_log.c.action == DUE_DATE_ACTION, audit_log.c.subject.in_(ids[i : i + _CHUNK])
                )
            )
        )
    return found


def alert_due_dates(store: Store, today: date, within_workdays: int, actor: str) -> list[DueDateAlert]:
    """Audit (once per melding) every undelivered melding due within ``within_workdays`` working
    days of ``today`` (or overdue); returns the new alerts for the caller to log."""
    limit = add_working_days(today, within_workdays)
    with store.write() as conn:
        # Lock the audit head first: concurrent workers then check and append one at a time.
        conn.execute(sa.select(audit_head.c.seq).where(audit_head.c.id == 1).with_for_update())
        rows = conn.execute(
            sa.select(
                meldingen.c.id,
                meldingen.c.school_id,
                meldingen.c.rule,
                meldingen.c.status,
                meldingen.c.route,
                meldingen.c.due_date,
                meldingen.c.missing,
            )
            .where(
                meldingen.c.status.in_(AT_RISK_STATES),
                meldingen.c.route.is_not(None),
                meldingen.c.due_date.is_not(None),
                meldingen.c.due_date <= limit,
            )
            .order_by(meldingen.c.due_date, meldingen.c.id)
        ).all()
        if not rows:
            return []
        done = _already_alerted(conn, [r.id for r in rows])
        alerts: list[DueDateAlert] = []
        for r in rows:
            if r.id in done:
                continue
            alert = DueDateAlert(
                r.id,
                r.school_id,
                r.rule,
                r.status,
                r.route,
                r.due_date,
                working_days_until(today, r.due_date),
                tuple(json.loads(r.missing or "[]")),
            )
            audit.append(
                conn,
                actor=actor,
                action=DUE_DATE_ACTION,
                school_id=r.school_id,
                subject=r.id,
                data={
                    "rule": r.rule,
                    "status": r.status,
                    "route": r.route,
                    "due_date": r.due_date.isoformat(),
                    "werkdagen_over": alert.working_days_left,
                    "wacht_op": list(alert.waiting_for),
                    "as_of": today.isoformat(),
                },
            )
            alerts.append(alert)
    return alerts
