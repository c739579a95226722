"""After delivery, on the demo's wall clock (``demo.services.WallClock``): DUO's statuses arrive by
polling, a receiver that stays silent past its deadline is flagged (once), and the no-show
follow-up shows its contact tasks, second determinations and students not yet on a timetable.

The DUO stand-in moves a melding to In behandeling a day after it registered it and to Afgesloten
three days after; the demo lets those days pass by moving the wall clock on, and the worker's
status poll (``gateway.pipeline.status_polling``) brings each change to the melding.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from adapters.duo.standin import RunningStandin
from demo.progress import DemoFailure
from demo.receivers import Reports
from demo.services import WallClock
from gateway.config.school import find_school, school_profile
from gateway.delivery.receiver_deadlines import (
    ACTIONS,
    LATENESS_LABELS,
    LateReceiver,
    delivered_on,
    late_receivers,
)
from gateway.delivery.worker import Worker
from gateway.domain.calendar import add_working_days
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import ContactAttempt
from gateway.domain.soort_verzuim import NO_SHOW_CONTACT, NO_SHOW_SECOND
from gateway.pipeline.no_show_followup import close_contact_task, unscheduled_of_school
from gateway.pipeline.status_polling import PollResult
from gateway.store import Store
from gateway.store.schema import audit_log, meldingen, schools


@dataclass(frozen=True)
class PollRound:
    """One round of DUO's status poll: what it did and the statuses it applied (label -> count)."""

    moment: datetime
    result: PollResult
    statuses: Counter[str]


def polled_statuses(store: Store, actor: str, after_seq: int = 0) -> Counter[str]:
    """The statuses a status poll by ``actor`` applied (its ``terugkoppeling`` audit entries after
    ``after_seq``)."""
    with store.read() as conn:
        rows = conn.scalars(sa.select(audit_log.c.data).where(
            audit_log.c.action == "terugkoppeling", audit_log.c.actor == actor, audit_log.c.seq > after_seq))
        return Counter(str(json.loads(data).get("status")) for data in rows)


def _audit_head(store: Store) -> int:
    with store.read() as conn:
        return int(conn.scalar(sa.select(sa.func.max(audit_log.c.seq))) or 0)


def poll_round(worker: Worker, store: Store) -> PollRound:
    """The worker's status poll at its clock's now: every school's changes at DUO applied."""
    head, now = _audit_head(store), worker.clock()
    result = worker.poll_statuses()
    if not isinstance(result, PollResult):
        raise DemoFailure(f"de worker vroeg DUO niet naar statuswijzigingen (antwoord: {result!r})")
    return PollRound(now, result, polled_statuses(store, worker.actor, head))


def leave_unhandled(duo: RunningStandin, store: Store, school_id: str) -> str:
    """At DUO, nobody picks up the school's first no-show for the Doorstroompunt: the stand-in keeps
    it Geregistreerd, so the poll brings no news and its receiver becomes late. Returns its id."""
    with store.read() as conn:
        melding_id = conn.scalar(sa.select(meldingen.c.id).where(
            meldingen.c.school_id == school_id, meldingen.c.rule == "no-show", meldingen.c.recipient == "dsp",
            meldingen.c.route == "duo", meldingen.c.delivered_at.is_not(None)).order_by(meldingen.c.id))
    if melding_id is None:
        raise DemoFailure(f"school {school_id} heeft geen no-show voor het Doorstroompunt bij DUO")
    duo.app.set_status(str(melding_id), "Geregistreerd")
    return str(melding_id)


def poll_line(round_: PollRound) -> str:
    """One Dutch line on a poll round."""
    r = round_.result
    seen = ", ".join(f"{n}× {status}" for status, n in sorted(round_.statuses.items())) or "geen"
    return (f"{r.polled} school(en) gevraagd; {r.applied} statuswijziging(en) toegepast ({seen}), "
            f"{r.unchanged} al bekend, {r.skipped} overgeslagen, {r.failed} mislukt")


@dataclass
class LateCheck:
    """The receivers found late: the day the demo's clock was moved to, those the worker's check
    alerted, and how many alerts a second check on the same day added (none: an alert fires once)."""

    today: date
    alerts: list[LateReceiver] = field(default_factory=list)
    again: int = 0


def late_day(store: Store, melding_ids: list[str]) -> date:
    """The first day every receiver of ``melding_ids`` is past its contact deadline (the school's
    profile, ``receiver_deadlines``; seed 000: 3 working days for the DSP)."""
    days: list[date] = []
    with store.read() as conn:
        rows = conn.execute(sa.select(meldingen.c.school_id, meldingen.c.recipient, meldingen.c.delivered_at)
                            .where(meldingen.c.id.in_(melding_ids))).all()
        for row in rows:
            config = find_school(conn, row.school_id)
            deadlines = school_profile(config).receiver_deadlines.get(row.recipient) if config else None
            if row.delivered_at is None or deadlines is None or deadlines.contact_workdays is None:
                raise DemoFailure(f"een melding aan {row.recipient} van school {row.school_id} heeft geen "
                                  "ontvangstmoment of geen contacttermijn")
            days.append(add_working_days(delivered_on(row.delivered_at), deadlines.contact_workdays)
                        + timedelta(days=1))
    if not days:
        raise DemoFailure("geen melding gevonden waarvan de ontvanger stil bleef")
    return max(days)


def move_to(wall: WallClock, day: date) -> None:
    """Move the wall clock on to ``day`` (never back)."""
    if day > wall.today():
        wall.advance(timedelta(days=(day - wall.today()).days))


def _alerted_since(store: Store, after_seq: int) -> set[tuple[str, str]]:
    with store.read() as conn:
        rows = conn.execute(sa.select(audit_log.c.subject, audit_log.c.action).where(
            audit_log.c.action.in_(list(ACTIONS.values())), audit_log.c.seq > after_seq)).all()
    return {(str(subject), str(action)) for subject, action in rows}


def check_receivers(worker: Worker, store: Store) -> LateCheck:
    """The worker's check (due dates and the receivers' deadlines) on its today; the receivers it
    alerted, named from ``late_receivers``; then the same check again, which must add nothing."""
    today, head = worker.today(), _audit_head(store)
    worker.check_due_dates()
    alerted = _alerted_since(store, head)
    with store.read() as conn:
        school_ids = list(conn.scalars(sa.select(schools.c.id).order_by(schools.c.id)))
    late = [x for school_id in school_ids for x in late_receivers(store, school_id, today)]
    found = LateCheck(today, [x for x in late if (x.melding_id, ACTIONS[x.kind]) in alerted])
    head = _audit_head(store)
    worker.check_due_dates()
    found.again = len(_alerted_since(store, head))
    return found


def late_lines(found: LateCheck) -> list[str]:
    """A Dutch line per late receiver."""
    return [f"{late.melding_id[:8]}… ({late.rule}, {late.recipient}, school {late.school_id}): "
            f"{LATENESS_LABELS[late.kind].lower()}; ontvangen {late.delivered_on:%d-%m-%Y}, termijn "
            f"{late.term}, uiterlijk {late.deadline:%d-%m-%Y}, {late.days_late} dag(en) te laat"
            for late in found.alerts]


def alert_entries(store: Store) -> Counter[tuple[str, str]]:
    """How often each (melding, kind of lateness) was alerted in the audit log."""
    with store.read() as conn:
        rows = conn.execute(sa.select(audit_log.c.subject, audit_log.c.action)
                            .where(audit_log.c.action.in_(list(ACTIONS.values())))).all()
    return Counter((str(subject), str(action)) for subject, action in rows)


@dataclass(frozen=True)
class SecondNoShow:
    """A second no-show determination and the first melding it follows up."""

    melding_id: str
    school_id: str
    status: str
    route: str | None
    first_id: str
    linked: bool  # the first exists and the second names it


@dataclass
class FollowUp:
    """The no-show follow-up as the store holds it."""

    seconds: list[SecondNoShow] = field(default_factory=list)
    tasks: Counter[str] = field(default_factory=Counter)  # status -> contact tasks
    closed_task: str = ""  # the contact task the coördinator closed by recording an attempt
    unscheduled: dict[str, int] = field(default_factory=dict)  # school -> students without a timetable


def _first_of(signal: dict[str, object], firsts: dict[str, str]) -> tuple[str, bool]:
    """The first no-show a second determination follows up, and whether the second names it: by
    ``extra.first_melding_id`` when the signal kept it, else the student's first no-show melding,
    which the explanation names."""
    extra = signal.get("extra")
    named = str(extra.get("first_melding_id") or "") if isinstance(extra, dict) else ""
    first = named or firsts.get(str(signal.get("student_id")), "")
    return first, bool(first) and (first == named or first in str(signal.get("explanation", "")))


def follow_up(store: Store, as_of: date) -> FollowUp:
    """The second determinations (with their link), the contact tasks and the unscheduled students."""
    out = FollowUp()
    with store.read() as conn:
        rows = conn.execute(sa.select(meldingen.c.id, meldingen.c.school_id, meldingen.c.rule,
                                      meldingen.c.status, meldingen.c.route, meldingen.c.signal)
                            .where(meldingen.c.rule.in_((NO_SHOW_SECOND, NO_SHOW_CONTACT)))
                            .order_by(meldingen.c.id)).all()
        firsts = {str(student): str(melding_id) for student, melding_id in conn.execute(
            sa.select(meldingen.c.student_id, meldingen.c.id).where(meldingen.c.rule == "no-show")
            .order_by(meldingen.c.trigger_date.desc()))}  # the earliest last: it wins
        for row in rows:
            if row.rule == NO_SHOW_CONTACT:
                out.tasks[row.status] += 1
                continue
            first, linked = _first_of(json.loads(row.signal), firsts)
            out.seconds.append(SecondNoShow(row.id, row.school_id, row.status, row.route, first, linked))
        for school_id in conn.scalars(sa.select(schools.c.id).order_by(schools.c.id)):
            config = find_school(conn, school_id)
            if config is not None:
                out.unscheduled[school_id] = len(unscheduled_of_school(conn, school_id,
                                                                       school_profile(config), as_of))
    return out


def close_a_contact_task(store: Store, school_id: str, today: date) -> str:
    """The school's coördinator records a contact attempt on its first open contact task, which
    closes it; returns the task (empty when the school has none open)."""
    with store.read() as conn:
        task = conn.scalar(sa.select(meldingen.c.id).where(
            meldingen.c.school_id == school_id, meldingen.c.rule == NO_SHOW_CONTACT,
            meldingen.c.status == State.INTERN.value).order_by(meldingen.c.trigger_date, meldingen.c.id))
    if task is None:
        return ""
    attempt = ContactAttempt(on=today, how="telefoon", outcome="Geen gehoor; voicemail ingesproken")
    close_contact_task(store, school_id, task, attempt, actor="demo:verzuimcoördinator")
    return str(task)


def follow_up_lines(found: FollowUp) -> list[str]:
    """Dutch lines on the no-show follow-up."""
    tasks = ", ".join(f"{n} {status}" for status, n in sorted(found.tasks.items())) or "geen"
    lines = [f"contacttaken (schooldag 1-3): {sum(found.tasks.values())} ({tasks})"]
    if found.closed_task:
        lines.append(f"contacttaak {found.closed_task[:8]}… gesloten door een contactpoging vast te leggen")
    lines += [f"tweede vaststelling {s.melding_id[:8]}… (school {s.school_id}): {s.status} via "
              f"{s.route or '-'}, vervolg op no-show {s.first_id[:8]}…" for s in found.seconds]
    lines.append("nog niet ingeroosterd (geen enkele registratie): "
                 + ", ".join(f"{school} {n}" for school, n in found.unscheduled.items()))
    return lines


@dataclass
class AfterDelivery:
    """Everything after delivery the checks and the summary look at."""

    polls: list[PollRound] = field(default_factory=list)
    unhandled: str = ""  # the no-show DUO keeps Geregistreerd: nobody picked it up
    reports: Reports = field(default_factory=Reports)
    late: LateCheck | None = None
    followup: FollowUp = field(default_factory=FollowUp)

    def silent(self) -> list[str]:
        """The meldingen whose receiver said nothing: the demo expects each to be flagged late."""
        return [self.unhandled] if self.unhandled else []
