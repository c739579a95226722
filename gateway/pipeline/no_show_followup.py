"""The no-show follow-up (seeds 000 and 001, DESIGN.md section 7), beside the pinned rules.

- Contact tasks: on each of a student's first school days (profile ``no_show_contact_task_days``,
  3) that they have not appeared, the school calls and mails them (seed 000 step 2-3): a ``taak``
  for the school, closed by recording the contact attempt (``close_contact_task``).
- The second determination (seed 001, Utrecht: "na 2 weken nogmaals gemeld"): where the profile
  sets ``no_show_second_determination_school_days``, a no-show that has still not appeared by that
  school day and whose receiver reported no start is reported again, to the same receiver.
- Students not yet on a timetable: enrolled, yet without any attendance record by school day
  ``no_show_unscheduled_school_day``; listed on the board, so nobody is silently skipped.

Tasks and second determinations are signals like the rules': the evaluation reconciles them with
``apply_signals``, so a correction that shows the student present withdraws them. Each decision on
school day d uses only records dated up to d.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa

from gateway.domain.age import age_on
from gateway.domain.calendar import SchoolCalendar
from gateway.domain.errors import GatewayError
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import ContactAttempt
from gateway.domain.model import AttendanceRecord, Calendar, Student
from gateway.domain.reasons import is_authorised
from gateway.domain.receiver_status import STARTED_OUTCOMES, normalise
from gateway.domain.signals import Signal
from gateway.domain.soort_verzuim import NO_SHOW, NO_SHOW_CONTACT, NO_SHOW_SECOND
from gateway.rules.profiles import Profile
from gateway.store import audit
from gateway.store.content import decode_content, encode_content
from gateway.store.engine import Store
from gateway.store.face_tables import feedback
from gateway.store.meldingen import lock_status, note, set_status
from gateway.store.schema import attendance, calendars, meldingen
from gateway.store.schema import students as students_table
from gateway.store.students import load_students

CONTACT_BASIS = "Werkproces No Show (regio): contact met de student op de eerste schooldagen"
SECOND_BASIS = "regionale no-show-afspraak: na 2 weken nogmaals vastgesteld en gemeld"
APPEARED = frozenset({"present", "late"})


@dataclass(frozen=True)
class FirstNoShow:
    """A student's first no-show melding as stored: what the second determination links to."""

    melding_id: str
    trigger_date: date
    recipient: str
    legal_basis: str
    started: bool  # the receiver reported a start ("Gestart bij mbo", "Gestart elders")
    started_on: date | None  # the start date it gave, when it gave one


@dataclass(frozen=True)
class Unscheduled:
    """An enrolled student without any attendance record by school day N (not yet on a timetable)."""

    student_id: str
    first_day: date  # the student's first school day
    listed_since: date  # school day N


# --- who the follow-up concerns --------------------------------------------------------------------


def in_followup_scope(student: Student, calendar: SchoolCalendar) -> bool:
    """The no-show rule's population (DESIGN.md section 3): mbo, enrolled before the first school day,
    no intro day, no startkwalificatie."""
    return (student.leerweg in ("BOL", "BBL") and not student.intro_attended and not student.startkwalificatie
            and student.enrolled_on is not None and student.enrolled_on < calendar.source.first_school_day)


def _first_index(student: Student, calendar: SchoolCalendar) -> int | None:
    return calendar.first_on_or_after(student.first_school_day or calendar.source.first_school_day)


def _by_student(records: Iterable[AttendanceRecord]) -> dict[str, list[AttendanceRecord]]:
    out: dict[str, list[AttendanceRecord]] = {}
    for record in records:
        out.setdefault(record.student_id, []).append(record)
    return out


def _no_show_days(student: Student, profile: Profile) -> int:
    return profile.no_show_bbl_school_days if student.leerweg == "BBL" else profile.no_show_bol_school_days


def followup_window(student: Student, calendar: SchoolCalendar, profile: Profile) -> tuple[date, date] | None:
    """The first and last school day whose records the follow-up reads for the student (its tasks
    and second determination decide on no other day); None when the student has no school day."""
    first = _first_index(student, calendar)
    if first is None:
        return None
    span = min(profile.no_show_contact_task_days, _no_show_days(student, profile))
    span = max(span, profile.no_show_second_determination_school_days or 0)
    last = min(first + span - 1, len(calendar.school_days) - 1)
    return calendar.school_days[first], calendar.school_days[max(first, last)]


# --- contact tasks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """What every follow-up decision of one evaluation shares."""

    calendar: SchoolCalendar
    profile: Profile
    as_of: date


def _contact_task(student: Student, days: Sequence[date], number: int, absences: Sequence[AttendanceRecord],
                  profile: Profile) -> Signal:
    first, day = days[0], days[number - 1]
    return Signal(
        rule=NO_SHOW_CONTACT, kind="taak", student_id=student.id, recipient="school", trigger_date=day,
        period_start=first, period_end=day, due_date=day, hours=None, actie_gewenst=None,
        legal_basis=CONTACT_BASIS, evidence=tuple(sorted(r.id for r in absences)),
        explanation=(f"Schooldag {number} ({day:%d-%m-%Y}): de student is sinds de eerste schooldag "
                     f"({first:%d-%m-%Y}) nog niet verschenen. Bel en mail de student (en ouders) en "
                     "leg de contactpoging vast."),
        profile=profile.name, profile_version=profile.version, extra={"school_day": number},
    )


def _tasks_of(student: Student, own: Sequence[AttendanceRecord], frame: _Frame) -> list[Signal]:
    calendar, profile = frame.calendar, frame.profile
    first = _first_index(student, calendar)
    if first is None:
        return []
    # Seed 000: a BBL student is acted upon on day one. The tasks lead up to the no-show determination,
    # so a student gets no more of them than the no-show rule counts days (BOL 5, BBL 1).
    days = calendar.school_days[first : first + min(profile.no_show_contact_task_days,
                                                    _no_show_days(student, profile))]
    out: list[Signal] = []
    for number, day in enumerate(days, start=1):
        if day > frame.as_of or age_on(student.birth_date, day) >= profile.no_show_max_age:
            break
        so_far = [r for r in own if days[0] <= r.date <= day]
        # Appeared, or reported sick or on leave: no no-show, so no more calls for it.
        if any(r.status in APPEARED or is_authorised(r.reason) for r in so_far):
            break
        absences = [r for r in so_far if r.date == day and r.status == "absent"]
        if absences:
            out.append(_contact_task(student, days, number, absences, profile))
    return out


def contact_tasks(calendar: Calendar, students: Iterable[Student], records: Iterable[AttendanceRecord],
                  profile: Profile, as_of: date) -> list[Signal]:
    """One ``taak`` per student and school day 1..N (``no_show_contact_task_days``) with an absence
    and, up to that day, no present or late record and no authorised absence."""
    frame = _Frame(SchoolCalendar(calendar), profile, as_of)
    own = _by_student(records)
    return [task for s in students if in_followup_scope(s, frame.calendar)
            for task in _tasks_of(s, own.get(s.id, []), frame)]


# --- the second determination ----------------------------------------------------------------------


def _started_by(first: FirstNoShow, day: date) -> bool:
    return first.started and (first.started_on is None or first.started_on <= day)


def _second(student: Student, own: Sequence[AttendanceRecord], first: FirstNoShow,
            frame: _Frame) -> Signal | None:
    calendar, profile = frame.calendar, frame.profile
    n = profile.no_show_second_determination_school_days
    start = _first_index(student, calendar)
    if n is None or start is None or start + n - 1 >= len(calendar.school_days):
        return None
    begin, day = calendar.school_days[start], calendar.school_days[start + n - 1]
    if day > frame.as_of or day <= first.trigger_date or _started_by(first, day):
        return None
    span = [r for r in own if begin <= r.date <= day]
    if any(r.status in APPEARED for r in span):
        return None
    margin = max(0, profile.no_show_report_by_school_day - _no_show_days(student, profile))
    due = calendar.school_days[min(start + n - 1 + margin, len(calendar.school_days) - 1)]
    return Signal(
        rule=NO_SHOW_SECOND, kind="melding", student_id=student.id, recipient=first.recipient,
        trigger_date=day, period_start=begin, period_end=day, due_date=due, hours=None,
        actie_gewenst=None, legal_basis=f"{first.legal_basis}; {SECOND_BASIS}",
        evidence=tuple(sorted(r.id for r in span if r.status == "absent")),
        explanation=(f"Tweede vaststelling na {n} schooldagen ({day:%d-%m-%Y}): de student is sinds "
                     f"{begin:%d-%m-%Y} nog steeds niet verschenen en er is geen start teruggemeld. "
                     f"Vervolg op de no-show-melding {first.melding_id} van "
                     f"{first.trigger_date:%d-%m-%Y}."),
        profile=profile.name, profile_version=profile.version,
        extra={"first_melding_id": first.melding_id, "first_trigger_date": first.trigger_date.isoformat()},
    )


def second_determinations(calendar: Calendar, students: Iterable[Student],  # noqa: PLR0913  the rules' inputs and the stored firsts
                          records: Iterable[AttendanceRecord], firsts: dict[str, FirstNoShow], *,
                          profile: Profile, as_of: date) -> list[Signal]:
    """The follow-up meldingen of no-shows (``firsts``: their first melding) still not started on
    school day ``no_show_second_determination_school_days``; none when the profile does not ask."""
    if profile.no_show_second_determination_school_days is None or not firsts:
        return []
    frame = _Frame(SchoolCalendar(calendar), profile, as_of)
    own = _by_student(records)
    found = (_second(s, own.get(s.id, []), firsts[s.id], frame)
             for s in students if s.id in firsts)
    return [signal for signal in found if signal is not None]


def first_no_shows(conn: sa.Connection, school_id: str, student_ids: Sequence[str]) -> dict[str, FirstNoShow]:
    """Per student, the earliest no-show melding not withdrawn, with whether a start was reported
    (in the feedback table, or as the melding's receiver status: then without a date)."""
    if not student_ids:
        return {}
    rows = conn.execute(
        sa.select(meldingen.c.id, meldingen.c.student_id, meldingen.c.trigger_date, meldingen.c.recipient,
                  meldingen.c.signal, meldingen.c.receiver_status)
        .where(meldingen.c.school_id == school_id, meldingen.c.rule == NO_SHOW,
               meldingen.c.status != State.INGETROKKEN.value, meldingen.c.student_id.in_(list(student_ids)))
        .order_by(meldingen.c.trigger_date.desc())
    ).all()
    starts = _reported_starts(conn, [r.id for r in rows])
    out: dict[str, FirstNoShow] = {}
    for r in rows:  # newest first: the earliest wins
        reported = starts.get(r.id, [])
        dated = [d for d in reported if d is not None]
        # A start known only from the receiver status, or reported without its date, counts whenever.
        out[r.student_id] = FirstNoShow(
            r.id, r.trigger_date, r.recipient, str(json.loads(r.signal).get("legal_basis", "")),
            started=bool(reported) or normalise(r.receiver_status or "") in STARTED_OUTCOMES,
            started_on=min(dated) if reported and len(dated) == len(reported) else None)
    return out


def _reported_starts(conn: sa.Connection, melding_ids: list[str]) -> dict[str, list[date | None]]:
    """Per melding, the start dates of the "gestart" outcomes reported on it (None: no date given)."""
    out: dict[str, list[date | None]] = {}
    if not melding_ids:
        return out
    for melding_id, status, started_on in conn.execute(
        sa.select(feedback.c.melding_id, feedback.c.status, feedback.c.started_on)
        .where(feedback.c.melding_id.in_(melding_ids))
    ):
        if normalise(status) in STARTED_OUTCOMES:
            out.setdefault(melding_id, []).append(started_on)
    return out


def followup_signals(conn: sa.Connection, school_id: str, calendar: Calendar,  # noqa: PLR0913  the evaluation's inputs
                     students: Sequence[Student], records: Sequence[AttendanceRecord], *, profile: Profile,
                     as_of: date) -> list[Signal]:
    """The contact tasks and second no-show determinations of ``students`` by ``as_of``, to reconcile
    with ``apply_signals`` beside the rules' signals."""
    signals = contact_tasks(calendar, students, records, profile, as_of)
    if profile.no_show_second_determination_school_days is not None:
        firsts = first_no_shows(conn, school_id, [s.id for s in students])
        signals += second_determinations(calendar, students, records, firsts, profile=profile, as_of=as_of)
    return signals


# --- students not yet on a timetable ---------------------------------------------------------------


def unscheduled_students(calendar: Calendar, students: Iterable[Student], records: Iterable[AttendanceRecord],
                         profile: Profile, as_of: date) -> list[Unscheduled]:
    """Active students without any record dated up to ``as_of``, once ``as_of`` reached their school
    day ``no_show_unscheduled_school_day``: no rule can see them, so a person must."""
    school = SchoolCalendar(calendar)
    seen = {r.student_id for r in records if r.date <= as_of}
    n = profile.no_show_unscheduled_school_day
    out: list[Unscheduled] = []
    for student in students:
        first = _first_index(student, school)
        if student.enrolment_status != "active" or student.id in seen or first is None:
            continue
        if first + n - 1 < len(school.school_days) and school.school_days[first + n - 1] <= as_of:
            out.append(Unscheduled(student.id, school.school_days[first], school.school_days[first + n - 1]))
    return sorted(out, key=lambda u: (u.listed_since, u.student_id))


def unscheduled_of_school(conn: sa.Connection, school_id: str, profile: Profile,
                          as_of: date) -> list[Unscheduled]:
    """``unscheduled_students`` over the store: only students without a live record up to ``as_of``
    are loaded (an empty list before the school has a calendar)."""
    text = conn.scalar(sa.select(calendars.c.data).where(calendars.c.school_id == school_id))
    if text is None:
        return []
    a, s = attendance, students_table
    day = as_of.isoformat() if conn.dialect.name == "sqlite" else as_of
    has_record = sa.select(a.c.student_id).where(
        a.c.school_id == school_id, a.c.student_id == s.c.id, a.c.withdrawn == sa.false(), a.c.day <= day)
    ids = list(conn.scalars(sa.select(s.c.id).where(s.c.school_id == school_id, ~has_record.exists())
                            .order_by(s.c.id)))
    chosen = load_students(conn, school_id, ids)
    return unscheduled_students(Calendar.model_validate_json(text), chosen, [], profile, as_of)


# --- closing a contact task ------------------------------------------------------------------------


def close_contact_task(store: Store, school_id: str, task_id: str, attempt: ContactAttempt,
                       actor: str) -> None:
    """Record the contact attempt on a school's open contact task (encrypted, as its content) and
    close the task (``intern`` -> ``afgesloten``), audited without the attempt's free text."""
    with store.write() as conn:
        row = conn.execute(sa.select(meldingen.c.school_id, meldingen.c.rule)
                           .where(meldingen.c.id == task_id)).one_or_none()
        if row is None or row.school_id != school_id or row.rule != NO_SHOW_CONTACT:
            raise GatewayError(f"geen open contacttaak {task_id} bij school {school_id}")
        lock_status(conn, task_id)  # the content is read under the lock: two attempts do not race
        stored = decode_content(store.cipher, task_id, conn.scalar(
            sa.select(meldingen.c.content).where(meldingen.c.id == task_id)))
        content = replace(stored, contact_attempts=(*stored.contact_attempts, attempt))
        set_status(conn, task_id, State.AFGESLOTEN)  # IllegalTransition when it was closed already
        note(conn, task_id, content=encode_content(store.cipher, task_id, content))
        audit.append(conn, actor=actor, action="taak.afgesloten", school_id=school_id, subject=task_id,
                     data={"contactpoging": {"datum": attempt.on.isoformat(), "hoe": attempt.how}})
