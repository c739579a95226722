"""Deadlines of the receiving side (DESIGN.md section 7, seed 000 step 5): a melding whose receiver
stays silent past its deadline is shown on the console's Termijnen page and alerted once.

The deadlines are data: the school's profile (``receiver_deadlines``) keyed by the melding's
recipient (``dsp``, ``leerplicht``, ``rmc``); a recipient without an entry has no receiver deadline.
The clock starts at ``meldingen.delivered_at`` (the receipt), taken as a date in Amsterdam. A
melding that is withdrawn (``ingetrokken``) or closed (``afgesloten``) is never late.

- **contact** (``contact_workdays`` working days, ``gateway.domain.calendar.add_working_days``):
  late when the receiver reported nothing at all: ``first_feedback_at`` is empty, and neither a
  row in ``feedback`` nor the melding's receiver status says anything but DUO's receipt
  ("Geregistreerd", which says the message arrived, not that anyone acted; as the monitor counts).
- **terugkoppeling** (``feedback_days`` days): late when no report says what became of the
  student: no DSP outcome (gestart bij mbo, gestart elders, niet gestart – in begeleiding, uit
  beeld) and no Besluit status other than "In behandeling" (afgesloten, ter kennisneming
  aangenomen), neither in ``feedback`` nor as the melding's receiver status.
- **actieplan** (``actieplan_days`` days): late when the latest outcome is "Niet gestart – in
  begeleiding" (``NIET_GESTART``) and no report came after the first such report.

Each deadline is the last day on time; the receiver is late from the day after. The alert
(``alert_late_receivers``) fires once per melding and kind of lateness: its audit entry is the
once-only record, as for due dates (``gateway.delivery.alerts``), and the check holds the audit
head lock, so concurrent workers cannot both alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa

from gateway.config.school import find_school, school_profile
from gateway.domain.calendar import AMSTERDAM, add_working_days
from gateway.domain.lifecycle import State
from gateway.domain.receiver_status import (
    AFGESLOTEN,
    DSP_OUTCOMES,
    GEREGISTREERD,
    NIET_GESTART,
    TER_KENNISNEMING,
    normalise,
)
from gateway.rules.catalogue import RECIPIENT_NAMES
from gateway.rules.profiles import ReceiverDeadlines
from gateway.store import audit
from gateway.store.engine import Store
from gateway.store.face_tables import feedback
from gateway.store.schema import audit_head, audit_log, meldingen, schools

_CHUNK = 500
NEVER_LATE_STATES = (State.INGETROKKEN.value, State.AFGESLOTEN.value)
# Reports that say what became of the student (the terugkoppeling of seed 000 step 6).
REPORTED_BACK = frozenset({*DSP_OUTCOMES, AFGESLOTEN, TER_KENNISNEMING})


class Lateness(StrEnum):
    """The kinds of lateness of a receiver; the value names the audit action (``ACTIONS``)."""

    CONTACT = "contact"
    TERUGKOPPELING = "terugkoppeling"
    ACTIEPLAN = "actieplan"


ACTIONS = {kind: f"alert.ontvanger_te_laat.{kind.value}" for kind in Lateness}
LATENESS_LABELS = {
    Lateness.CONTACT: "Geen contact",
    Lateness.TERUGKOPPELING: "Geen terugkoppeling",
    Lateness.ACTIEPLAN: "Geen actieplan (niet gestart)",
}
RECEIVER_NAMES = RECIPIENT_NAMES


@dataclass(frozen=True)
class LateReceiver:
    """A melding whose receiver is past one of its deadlines (ids only: no personal data)."""

    melding_id: str
    school_id: str
    student_id: str
    rule: str
    recipient: str
    route: str | None
    kind: Lateness
    delivered_on: date
    deadline: date  # the last day on time
    days_late: int
    term: str  # the deadline as the profile sets it, in Dutch ("3 werkdagen")


@dataclass(frozen=True)
class _Delivered:
    """A delivered melding that may be late, with what its receiver reported (oldest first)."""

    id: str
    school_id: str
    student_id: str
    rule: str
    recipient: str
    route: str | None
    delivered_on: date
    first_feedback_at: datetime | None
    receiver_status: str | None  # canonical when known
    reports: tuple[str, ...]  # canonical labels; unknown words as written

    def late(self, kind: Lateness, deadline: date, term: str, today: date) -> LateReceiver | None:
        """This melding as late of ``kind`` when ``today`` is past ``deadline``."""
        if today <= deadline:
            return None
        return LateReceiver(self.id, self.school_id, self.student_id, self.rule, self.recipient, self.route,
                            kind, self.delivered_on, deadline, (today - deadline).days, term)


def delivered_on(moment: datetime) -> date:
    """The day in Amsterdam of a stored moment (the store keeps UTC without an offset)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(AMSTERDAM).date()


def _heard_of(m: _Delivered) -> bool:
    # A channel's own receipt ("Geregistreerd" at DUO, "Verzonden" by mail) is no word from the receiver.
    label = normalise(m.receiver_status) if m.receiver_status else None
    return (m.first_feedback_at is not None or bool(m.reports)
            or (label is not None and label != GEREGISTREERD))


def _contact(m: _Delivered, days: int | None, today: date) -> LateReceiver | None:
    if days is None or _heard_of(m):
        return None
    return m.late(Lateness.CONTACT, add_working_days(m.delivered_on, days), f"{days} werkdagen", today)


def _terugkoppeling(m: _Delivered, days: int | None, today: date) -> LateReceiver | None:
    if days is None or m.receiver_status in REPORTED_BACK or REPORTED_BACK.intersection(m.reports):
        return None
    return m.late(Lateness.TERUGKOPPELING, m.delivered_on + timedelta(days=days), f"{days} dagen", today)


def _actieplan(m: _Delivered, days: int | None, today: date) -> LateReceiver | None:
    latest = m.receiver_status or (m.reports[-1] if m.reports else None)
    if days is None or latest != NIET_GESTART:
        return None
    # The DSP's later report (the actieplan, or any news) follows its first "niet gestart".
    if NIET_GESTART in m.reports and m.reports.index(NIET_GESTART) < len(m.reports) - 1:
        return None
    return m.late(Lateness.ACTIEPLAN, m.delivered_on + timedelta(days=days), f"{days} dagen", today)


def lateness(m: _Delivered, deadlines: ReceiverDeadlines, today: date) -> list[LateReceiver]:
    """Every deadline ``m``'s receiver has passed on ``today``."""
    found = (
        _contact(m, deadlines.contact_workdays, today),
        _terugkoppeling(m, deadlines.feedback_days, today),
        _actieplan(m, deadlines.actieplan_days, today),
    )
    return [late for late in found if late is not None]


def _canonical(text: str | None) -> str | None:
    return None if text is None else (normalise(text) or text.strip())


def _reports(conn: sa.Connection, ids: list[str]) -> dict[str, list[str]]:
    """The receivers' reports per melding, canonical, in the order they arrived."""
    out: dict[str, list[str]] = {}
    for i in range(0, len(ids), _CHUNK):
        query = (sa.select(feedback.c.melding_id, feedback.c.status)
                 .where(feedback.c.melding_id.in_(ids[i : i + _CHUNK])).order_by(feedback.c.id))
        for melding_id, status in conn.execute(query):
            label = _canonical(status) or ""
            if label != GEREGISTREERD:  # DUO's receipt kept as a row is no report either
                out.setdefault(melding_id, []).append(label)
    return out


def _delivered(conn: sa.Connection, school_id: str, recipients: Iterable[str]) -> list[_Delivered]:
    """The school's delivered meldingen to ``recipients`` that are not withdrawn or closed."""
    rows = conn.execute(
        sa.select(meldingen.c.id, meldingen.c.student_id, meldingen.c.rule, meldingen.c.recipient,
                  meldingen.c.route, meldingen.c.delivered_at, meldingen.c.first_feedback_at,
                  meldingen.c.receiver_status)
        .where(meldingen.c.school_id == school_id, meldingen.c.recipient.in_(list(recipients)),
               meldingen.c.delivered_at.is_not(None), meldingen.c.status.not_in(NEVER_LATE_STATES))
        .order_by(meldingen.c.id)
    ).all()
    reports = _reports(conn, [r.id for r in rows])
    return [_Delivered(r.id, school_id, r.student_id, r.rule, r.recipient, r.route,
                       delivered_on(r.delivered_at), r.first_feedback_at, _canonical(r.receiver_status),
                       tuple(reports.get(r.id, ())))
            for r in rows]


def _late_of_school(conn: sa.Connection, school_id: str, today: date) -> list[LateReceiver]:
    config = find_school(conn, school_id)
    if config is None:
        return []
    deadlines = school_profile(config).receiver_deadlines
    if not deadlines:
        return []
    out = [late for m in _delivered(conn, school_id, deadlines)
           for late in lateness(m, deadlines[m.recipient], today)]
    return sorted(out, key=lambda x: (x.deadline, x.melding_id, list(Lateness).index(x.kind)))


def late_receivers(store: Store, school_id: str, today: date) -> list[LateReceiver]:
    """The school's meldingen whose receiver is late on ``today``, the longest overdue first."""
    with store.read() as conn:
        return _late_of_school(conn, school_id, today)


def _already_alerted(conn: sa.Connection, ids: list[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for i in range(0, len(ids), _CHUNK):
        query = sa.select(audit_log.c.subject, audit_log.c.action).where(
            audit_log.c.action.in_(list(ACTIONS.values())), audit_log.c.subject.in_(ids[i : i + _CHUNK]))
        found.update((subject, action) for subject, action in conn.execute(query))
    return found


def _audit(conn: sa.Connection, late: LateReceiver, actor: str, today: date) -> None:
    audit.append(conn, actor=actor, action=ACTIONS[late.kind], school_id=late.school_id,
                 subject=late.melding_id,
                 data={"soort": late.kind.value, "rule": late.rule, "recipient": late.recipient,
                       "route": late.route, "ontvangen_op": late.delivered_on.isoformat(),
                       "termijn": late.term, "uiterlijk": late.deadline.isoformat(),
                       "dagen_te_laat": late.days_late, "as_of": today.isoformat()})


def alert_late_receivers(store: Store, today: date, actor: str) -> list[LateReceiver]:
    """Audit (once per melding and kind of lateness) every receiver late on ``today``, over all
    schools; returns the new alerts for the caller to log."""
    with store.write() as conn:
        # Lock the audit head first: concurrent workers then check and append one at a time.
        conn.execute(sa.select(audit_head.c.seq).where(audit_head.c.id == 1).with_for_update())
        late = [x for school_id in conn.scalars(sa.select(schools.c.id).order_by(schools.c.id))
                for x in _late_of_school(conn, school_id, today)]
        done = _already_alerted(conn, sorted({x.melding_id for x in late}))
        new = [x for x in late if (x.melding_id, ACTIONS[x.kind]) not in done]
        for x in new:
            _audit(conn, x, actor, today)
    return new
