"""A synthetic college at canonical level: students, a timetable, and absences with late corrections.

Pure and deterministic (seed, size, date range). The stand-ins of each SIS render it in their
vendor's shape, the demo feeds it through the pipeline, and the conformance kit uses it as the
reference data set: ``records_as_of`` is what a correct adapter must yield on a given day.
All names and numbers are made up; every student has an onderwijsnummer that passes the elfproef,
derived from the student's position (not drawn), so the random draws are the same with or without it.
The same holds for the melding content the SIS knows (a phone number, a leslocatie): it comes from
a random stream of its own, so adding it changed nothing else a seed produces.
Lessons are not held: each student keeps a timetable and ``school.lessons`` (a ``LessonPlan``) makes
them on demand, so a year of a 20,000-student college (22 M lessons) builds in seconds. Read a day
with ``lessons_on(day)`` and attendance of a range with ``records_between(first, last, as_of)``.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from typing import Literal, overload

from gateway.domain.age import ADULT_AGE
from gateway.domain.calendar import SchoolCalendar
from gateway.domain.model import AttendanceRecord, Calendar, Holiday, Student
from gateway.testing.identity_numbers import MAX_SERIAL, onderwijsnummer

# Lesuren of a college day (local time, Europe/Amsterdam).
LESUREN: dict[int, tuple[time, time]] = {
    1: (time(8, 30), time(9, 20)),
    2: (time(9, 20), time(10, 10)),
    3: (time(10, 25), time(11, 15)),
    4: (time(11, 15), time(12, 5)),
    5: (time(12, 35), time(13, 25)),
    6: (time(13, 25), time(14, 15)),
    7: (time(14, 30), time(15, 20)),
    8: (time(15, 20), time(16, 10)),
}

SCENARIOS = ("regulier", "no-show", "16-uur", "lrv", "luxe", "laatkomer", "ziek-lang", "correctie")
# Share of each non-regular scenario in a school (the rest is regular).
_SHARES = {"no-show": 0.03, "16-uur": 0.06, "lrv": 0.02, "luxe": 0.03, "laatkomer": 0.05,
           "ziek-lang": 0.02, "correctie": 0.04}
_SUBJECTS = ("Nederlands", "Engels", "Rekenen", "Loopbaan", "Beroepspraktijk", "Burgerschap",
             "Vakkennis", "Project")
_GIVEN = ("Sem", "Noah", "Liam", "Lucas", "Daan", "Finn", "Emma", "Julia", "Mila", "Tess", "Sara",
          "Zoë", "Yara", "Nora", "Milan", "Levi", "Amira", "Mohammed", "Sven", "Lotte")
_FAMILY = ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer",
           "de Boer", "Mulder", "Bos", "Vos", "Peters", "Hendriks", "Yilmaz", "El Amrani", "Kok")
_GEMEENTEN = ("0344", "0363", "0014", "0400", "0599", "0518", "0441", "0361")
# The college's leslocaties: what the stand-ins serve and what a school configuration using the
# synthetic school lists (``SchoolConfig.leslocaties``).
SYNTHETIC_LESLOCATIES = ("Hoofdlocatie Stationsplein", "Locatie Zuid", "Techniekcampus Noord")
# Who the students are: the share of regular students in BBL (at school one day a week), the age
# from which they have a startkwalificatie (not reportable), the share that came to an intro day.
_BBL_SHARE = 0.15
_QUALIFIED_FROM_AGE = 24
_INTRO_SHARE = 0.9
# How the school registers: half the lrv students' absences are reported at all; everyone has a
# chance of an odd sick day, an odd late arrival and a doctor's visit in the last lesuur.
_LRV_REPORTED_SHARE = 0.5
_ODD_SICK_DAY = 0.25
_ODD_LATE_ARRIVAL = 0.2
_ODD_ARTSBEZOEK = 0.05
# A gap between two own school days longer than a weekend (Friday to Monday) is a holiday.
_WEEKEND_DAYS = 3


@dataclass(frozen=True)
class Lesson:
    """One scheduled lesson of one student (the SIS's appointment)."""

    id: str
    seq: int  # position in the school's lesson list: a stable small integer for vendor ids
    student_id: str
    date: date
    lesuur: int
    start: time
    end: time
    subject: str


@dataclass(frozen=True)
class AbsenceVersion:
    """What the SIS shows about an absence from ``known_from`` on (a later version corrects it)."""

    known_from: date
    reason: str | None
    status: Literal["absent", "late"] = "absent"
    minutes_late: int | None = None


@dataclass(frozen=True)
class AbsenceEvent:
    """An absence as the school registers it: whole days (``first_lesuur`` None) or some lesuren."""

    id: str
    seq: int
    student_id: str
    start: date
    end: date | None  # None: open-ended (still absent)
    versions: tuple[AbsenceVersion, ...]
    first_lesuur: int | None = None
    last_lesuur: int | None = None
    withdrawn_from: date | None = None  # registered by mistake, removed on this day
    reported: bool = True  # False: absent without any report (the SIS has only the observation)

    def version_on(self, day: date) -> AbsenceVersion | None:
        """The version visible on ``day``, or None when the event is not (or no longer) visible."""
        if self.withdrawn_from is not None and day >= self.withdrawn_from:
            return None
        visible = [v for v in self.versions if v.known_from <= day]
        return visible[-1] if visible else None

    def covers(self, lesson: Lesson) -> bool:
        """True when ``lesson`` falls in this absence."""
        if lesson.student_id != self.student_id or lesson.date < self.start:
            return False
        if self.end is not None and lesson.date > self.end:
            return False
        if self.first_lesuur is None or self.last_lesuur is None:
            return True
        return self.first_lesuur <= lesson.lesuur <= self.last_lesuur


@dataclass(frozen=True)
class Timetable:
    """One student's week: weekday (0 = Monday) -> lesuren, and the seq of the student's first lesson."""

    student_id: str
    first_seq: int
    week: dict[int, tuple[int, ...]]




class LessonPlan(Sequence[Lesson]):
    """Every lesson of the school, made on demand from the timetables: a year of a large college is
    some 19 M lessons, too many to hold as objects. Iterates in ``Lesson.seq`` order (student by
    student, day by day, lesuur by lesuur), the order the school always listed its lessons in."""

    def __init__(self, school_days: Sequence[date], timetables: Sequence[Timetable]) -> None:
        self.school_days = tuple(school_days)
        self.timetables = tuple(timetables)
        self._day_index = {d: k for k, d in enumerate(self.school_days)}
        self._days = [(d, f"{d:%Y%m%d}", d.weekday()) for d in self.school_days]  # formatted once
        # before[weekday][k]: school days with that weekday among the first k (seq arithmetic).
        self._before: list[list[int]] = [[0] for _ in range(7)]
        for d in self.school_days:
            for weekday in range(7):
                self._before[weekday].append(self._before[weekday][-1] + (d.weekday() == weekday))
        self._by_student = {t.student_id: t for t in self.timetables}
        # Position of each student's first lesson in the sequence (equal to its seq unless a
        # student's timetable was taken out: ``SyntheticSchool.without_timetable``).
        self._starts: list[int] = []
        self._total = 0
        for timetable in self.timetables:
            self._starts.append(self._total)
            self._total += self._offset(timetable, len(self.school_days))

    def _offset(self, timetable: Timetable, k: int) -> int:
        """Lessons of ``timetable``'s student on the first ``k`` school days."""
        return sum(len(lesuren) * self._before[weekday][k] for weekday, lesuren in timetable.week.items())

    def _lessons(self, timetable: Timetable, first: int, last: int,
                 only: Callable[[int, date], bool] | None = None) -> Iterator[Lesson]:
        """The student's lessons on school days ``first`` to ``last`` (positions, inclusive); with
        ``only`` just those whose (seq, date) it accepts (the others are never made)."""
        seq = timetable.first_seq + self._offset(timetable, first)
        sid, week = timetable.student_id, timetable.week
        for day, stamp, weekday in self._days[first:last + 1]:
            for lesuur in week.get(weekday, ()):
                if only is None or only(seq, day):
                    begin, finish = LESUREN[lesuur]
                    yield Lesson(f"{sid}-{stamp}-{lesuur}", seq, sid, day, lesuur, begin, finish,
                                 _SUBJECTS[(lesuur + weekday) % len(_SUBJECTS)])
                seq += 1

    def _positions(self, first: date, last: date) -> tuple[int, int]:
        """School-day positions of the range ``first``..``last`` (empty: first > last)."""
        return (bisect.bisect_left(self.school_days, first), bisect.bisect_right(self.school_days, last) - 1)

    def on(self, day: date) -> list[Lesson]:
        """The lessons of one day, in seq order."""
        k = self._day_index.get(day)
        if k is None:
            return []
        weekday = day.weekday()
        return [lesson for t in self.timetables if weekday in t.week for lesson in self._lessons(t, k, k)]

    def between(self, first: date, last: date) -> Iterator[Lesson]:
        """The lessons dated ``first``..``last``, in seq order."""
        lo, hi = self._positions(first, last)
        if lo > hi:
            return
        for timetable in self.timetables:
            yield from self._lessons(timetable, lo, hi)

    def of(self, student_id: str, first: date, last: date,
           only: Callable[[int, date], bool] | None = None) -> list[Lesson]:
        """One student's lessons dated ``first``..``last``, in seq order (``only``: see ``_lessons``)."""
        timetable = self._by_student.get(student_id)
        lo, hi = self._positions(first, last)
        return list(self._lessons(timetable, lo, hi, only)) if timetable is not None and lo <= hi else []

    def __len__(self) -> int:
        return self._total

    def __iter__(self) -> Iterator[Lesson]:
        for timetable in self.timetables:
            yield from self._lessons(timetable, 0, len(self.school_days) - 1)

    @overload
    def __getitem__(self, index: int) -> Lesson: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Lesson]: ...
    def __getitem__(self, index: int | slice) -> Lesson | Sequence[Lesson]:
        if isinstance(index, slice):
            return tuple(self)[index]
        position = index + self._total if index < 0 else index
        if not 0 <= position < self._total:
            raise IndexError("lesson index out of range")
        k = bisect.bisect_right(self._starts, position) - 1
        lessons = self._lessons(self.timetables[k], 0, len(self.school_days) - 1)
        return next(itertools.islice(lessons, position - self._starts[k], None))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LessonPlan):
            return (self.school_days, self.timetables) == (other.school_days, other.timetables)
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-free but compared by content, like a list

    def __repr__(self) -> str:
        return (f"LessonPlan({len(self.timetables)} students, {len(self.school_days)} days, "
                f"{self._total} lessons)")


@dataclass(frozen=True)
class SyntheticSchool:
    """The reference school: what every stand-in serves, in its own vendor's shape."""

    brin: str
    calendar: Calendar
    students: tuple[Student, ...]
    numbers: dict[str, str]  # student id -> student number in the SIS
    scenarios: dict[str, str]  # student id -> scenario name
    # A ``LessonPlan`` (lessons made on demand); a hand-made sequence (the demo drops a student's)
    # works too, it is just scanned.
    lessons: Sequence[Lesson]
    events: tuple[AbsenceEvent, ...]
    start: date
    end: date
    _by_student: dict[str, list[AbsenceEvent]] = field(default_factory=dict, repr=False, compare=False)
    _by_day: dict[date, list[Lesson]] = field(default_factory=dict, repr=False, compare=False)
    _lessons_by_student: dict[str, list[Lesson]] = field(default_factory=dict, repr=False, compare=False)

    def events_of(self, student_id: str) -> list[AbsenceEvent]:
        """The absence events of one student."""
        if not self._by_student:
            index: dict[str, list[AbsenceEvent]] = defaultdict(list)
            for event in self.events:
                index[event.student_id].append(event)
            self._by_student.update(index)
        return self._by_student.get(student_id, [])

    def with_correction(self, student_id: str, reason: str, known_from: date) -> SyntheticSchool:
        """The school after it re-registers every absence of one student with ``reason`` from
        ``known_from`` on (say the absences turn out to have been illness)."""
        events = tuple(
            replace(event, versions=(*event.versions, replace(event.versions[-1], known_from=known_from,
                                                                reason=reason)))
            if event.student_id == student_id and event.versions[-1].status == "absent" else event
            for event in self.events
        )
        return replace(self, events=events, _by_student={}, _by_day={}, _lessons_by_student={})

    def with_uitschrijving(self, student_id: str, end: date) -> SyntheticSchool:
        """The school after it ends one student's enrolment on ``end`` (an uitschrijving)."""
        students = tuple(
            Student.model_validate({**s.model_dump(), "enrolment_status": "ended", "enrolment_end": end})
            if s.id == student_id else s
            for s in self.students
        )
        if students == self.students:
            raise ValueError(f"onbekende student {student_id}")
        return replace(self, students=students)

    def registration(self, lesson: Lesson, as_of: date) -> tuple[AbsenceEvent, AbsenceVersion] | None:
        """The absence registered on ``lesson`` as the SIS shows it on ``as_of`` (latest event wins)."""
        found: tuple[AbsenceEvent, AbsenceVersion] | None = None
        for event in self.events_of(lesson.student_id):
            if event.covers(lesson):
                version = event.version_on(as_of)
                if version is not None:
                    found = (event, version)
        return found

    def lessons_on(self, day: date) -> list[Lesson]:
        """The lessons scheduled on ``day``, in seq order."""
        if isinstance(self.lessons, LessonPlan):
            return self.lessons.on(day)
        if not self._by_day:
            index: dict[date, list[Lesson]] = defaultdict(list)
            for lesson in self.lessons:
                index[lesson.date].append(lesson)
            self._by_day.update(index)
        return list(self._by_day.get(day, []))

    def lessons_between(self, first: date, last: date) -> Iterator[Lesson]:
        """The lessons dated ``first``..``last`` (inclusive), in seq order, made one at a time."""
        if isinstance(self.lessons, LessonPlan):
            return self.lessons.between(first, last)
        return (x for x in self.lessons if first <= x.date <= last)

    def lessons_of(self, student_id: str, first: date, last: date,
                   only: Callable[[int, date], bool] | None = None) -> list[Lesson]:
        """One student's lessons dated ``first``..``last`` (inclusive), in seq order; with ``only``
        just those whose (seq, date) it accepts: the others are not even made (a stand-in serving
        a large college asks for a few lessons of a month)."""
        if isinstance(self.lessons, LessonPlan):
            return self.lessons.of(student_id, first, last, only)
        if not self._lessons_by_student:
            index: dict[str, list[Lesson]] = defaultdict(list)
            for lesson in self.lessons:
                index[lesson.student_id].append(lesson)
            self._lessons_by_student.update(index)
        return [x for x in self._lessons_by_student.get(student_id, []) if first <= x.date <= last
                and (only is None or only(x.seq, x.date))]

    def without_timetable(self, student_id: str) -> SyntheticSchool:
        """The school with one student enrolled but on no timetable: no lessons, no absences; every
        other lesson keeps its id and seq."""
        events = tuple(e for e in self.events if e.student_id != student_id)
        if isinstance(self.lessons, LessonPlan):
            plan = self.lessons
            kept = [t for t in plan.timetables if t.student_id != student_id]
            return replace(self, lessons=LessonPlan(plan.school_days, kept), events=events,
                           _by_student={}, _by_day={}, _lessons_by_student={})
        return replace(self, lessons=tuple(x for x in self.lessons if x.student_id != student_id),
                       events=events, _by_student={}, _by_day={}, _lessons_by_student={})

    def lessons_until(self, as_of: date) -> list[Lesson]:
        """Lessons that have taken place on or before ``as_of`` (only those carry attendance)."""
        return list(self.lessons_between(self.start, as_of))

    def record(self, lesson: Lesson, as_of: date) -> AttendanceRecord:
        """The attendance of ``lesson`` as the SIS shows it on ``as_of`` (id: the lesson id)."""
        found = self.registration(lesson, as_of)
        # Built without re-validation: every value comes from this module, typed and in range (the
        # records equal validated ones, field for field), and a year of a college is millions.
        if found is None:
            return AttendanceRecord.model_construct(
                id=lesson.id, student_id=lesson.student_id, date=lesson.date, start=lesson.start,
                end=lesson.end, status="present")
        _, version = found
        return AttendanceRecord.model_construct(
            id=lesson.id, student_id=lesson.student_id, date=lesson.date, start=lesson.start,
            end=lesson.end, status=version.status,
            reason=(version.reason or "onbekend") if version.status == "absent" else version.reason,
            minutes_late=version.minutes_late if version.status == "late" else None,
        )

    def records_between(self, first: date, last: date, as_of: date) -> Iterator[AttendanceRecord]:
        """Attendance of the lessons dated ``first``..``last`` as the SIS shows it on ``as_of``, in
        seq order, one at a time. Lessons after ``as_of`` have not taken place: they are left out."""
        for lesson in self.lessons_between(first, min(last, as_of)):
            yield self.record(lesson, as_of)

    def records_as_of(self, as_of: date) -> list[AttendanceRecord]:
        """Canonical attendance as a correct adapter yields it on ``as_of`` (ids: the lesson ids)."""
        return list(self.records_between(self.start, as_of, as_of))


def default_calendar(start: date) -> Calendar:
    """A school year from ``start`` to mid-July with herfst- and kerstvakantie."""
    year = start.year
    herfst = date.fromisocalendar(year, 43, 1)
    kerst_start = date(year, 12, 21) - timedelta(days=date(year, 12, 21).weekday())
    return Calendar(
        first_school_day=start,
        last_school_day=date(year + 1, 7, 16),
        holidays=[
            Holiday(name="herfstvakantie", start=herfst, end=herfst + timedelta(days=4)),
            Holiday(name="kerstvakantie", start=kerst_start, end=kerst_start + timedelta(days=12)),
        ],
    )


def _assign_scenarios(rng: random.Random, size: int) -> list[str]:
    scenarios = []
    for name, share in _SHARES.items():
        scenarios.extend([name] * max(1, round(size * share)))
    scenarios = scenarios[:size]
    scenarios.extend(["regulier"] * (size - len(scenarios)))
    rng.shuffle(scenarios)
    return scenarios


def _number(index: int) -> str:
    """The student number in the SIS of the ``index``-th student (also the tail of the student id)."""
    return str(100001 + index)


def _contact(rng: random.Random) -> tuple[str, str]:
    """Melding content the SIS knows: a parent's or the student's mobile number, and a leslocatie."""
    return f"06-{rng.randrange(10_000_000, 70_000_000)}", rng.choice(SYNTHETIC_LESLOCATIES)


def _student(rng: random.Random, brin: str, index: int, scenario: str, start: date) -> Student:
    if scenario == "lrv":  # mostly leerplichtig (lrv), some 18+ (rmc-4w)
        age = rng.choice([16, 17, 16, 19])
    elif scenario == "luxe":  # luxe verzuim is a leerplicht matter
        age = rng.choice([16, 17])
    else:
        age = rng.choices([16, 17, 18, 19, 20, 21, 24], weights=[25, 25, 20, 12, 8, 6, 4])[0]
    birth = date(start.year - age, 1, 1) + timedelta(days=rng.randrange(0, 365) - 200)
    leerweg = "BBL" if scenario == "regulier" and rng.random() < _BBL_SHARE else "BOL"
    niveau = rng.choice([1, 2, 2, 3, 4, 4])
    enrolled = start - timedelta(days=rng.randrange(20, 120))
    return Student(
        id=f"{brin}-{_number(index)}", birth_date=birth, startkwalificatie=age >= _QUALIFIED_FROM_AGE,
        leerweg=leerweg, niveau=niveau, enrolled_on=enrolled,
        intro_attended=scenario != "no-show" and rng.random() < _INTRO_SHARE,
        studiefinanciering=age >= ADULT_AGE and leerweg == "BOL",
        woongemeente=rng.choice(_GEMEENTEN), doktersverklaring=False,
        given_names=rng.choice(_GIVEN), family_name=rng.choice(_FAMILY),
        crebo=rng.choice(["25604", "25655", "25180", "25491"]), leerjaar=1,
        onderwijsnummer=onderwijsnummer(index),
    )


def _timetable(rng: random.Random, leerweg: str) -> dict[int, list[int]]:
    """Weekday -> lesuren; BBL students come one day a week."""
    days = [rng.randrange(0, 5)] if leerweg == "BBL" else list(range(5))
    table = {}
    for weekday in days:
        first = rng.choice([1, 1, 2, 3])
        count = rng.randrange(4, 7) if leerweg == "BOL" else 6
        table[weekday] = list(range(first, min(first + count, 8) + 1))
    return table


class _Builder:
    def __init__(self, rng: random.Random, school_days: list[date], end: date) -> None:
        self.rng = rng
        self.school_days = school_days
        self.end = end
        self.events: list[AbsenceEvent] = []

    def add(self, student_id: str, start: date, end: date | None, versions: list[AbsenceVersion],
            lesuren: tuple[int, int] | None = None, **extra: object) -> None:
        seq = len(self.events)
        self.events.append(AbsenceEvent(
            id=f"A{seq:06d}", seq=seq, student_id=student_id, start=start, end=end,
            versions=tuple(versions), first_lesuur=lesuren[0] if lesuren else None,
            last_lesuur=lesuren[1] if lesuren else None, **extra,  # type: ignore[arg-type]
        ))

    def later(self, day: date, days: int) -> date:
        """The ``days``-th school day after ``day`` (correction dates), or the day after the range."""
        after = [d for d in self.school_days if d > day]
        return after[days - 1] if len(after) >= days else self.end + timedelta(days=days)

    def day(self, lo: int, hi: int) -> date:
        """A random school day between positions ``lo`` and ``hi`` (clamped to the range)."""
        hi = min(hi, len(self.school_days) - 1)
        lo = min(lo, hi)
        return self.school_days[self.rng.randrange(lo, hi + 1)]


# Per scenario: its absences, given the builder, the student, the timetable and the student's own
# school days (never empty). Every rng call happens in the same order as the school always had it.
_Scenario = Callable[[_Builder, str, dict[int, list[int]], list[date]], None]


def _no_show(b: _Builder, sid: str, table: dict[int, list[int]], own_days: list[date]) -> None:
    stop = own_days[min(len(own_days) - 1, 9)]
    b.add(sid, own_days[0], stop, [AbsenceVersion(own_days[0], None)], reported=False)


def _lrv(b: _Builder, sid: str, table: dict[int, list[int]], own_days: list[date]) -> None:
    first = own_days[min(len(own_days) - 1, 5)]
    b.add(sid, first, None, [AbsenceVersion(first, None)], reported=b.rng.random() < _LRV_REPORTED_SHARE)


def _sixteen_hours(b: _Builder, sid: str, table: dict[int, list[int]], own_days: list[date]) -> None:
    for _ in range(b.rng.randrange(4, 7)):
        d = b.day(5, 25)
        if d.weekday() in table:
            b.add(sid, d, d, [AbsenceVersion(d, None), AbsenceVersion(b.later(d, 3), "spijbelen")])


def _luxe(b: _Builder, sid: str, table: dict[int, list[int]], own_days: list[date]) -> None:
    holiday_eve = [d for i, d in enumerate(own_days[:-1]) if (own_days[i + 1] - d).days > _WEEKEND_DAYS]
    target = holiday_eve[0] if holiday_eve else own_days[-1]
    prev = [d for d in own_days if d < target][-1:] or [target]
    # Reported as unknown; the coordinator records luxe verzuim the next day.
    b.add(sid, prev[0], target, [AbsenceVersion(prev[0], None), AbsenceVersion(target, "luxe_verzuim")])


def _late_comer(b: _Builder, sid: str, table: dict[int, list[int]], own_days: list[date]) -> None:
    window = own_days[:20]  # late nearly every day for four weeks, a few times over the limit
    for d in b.rng.sample(window, min(len(window), 17)):
        hour = table[d.weekday()][0]
        minutes = b.rng.choice([3, 4, 5, 6, 8, 8, 12, 20])
        b.add(sid, d, d, [AbsenceVersion(d, None, "late", minutes)], lesuren=(hour, hour))


def _long_sick(b: _Builder, sid: str, table: dict[int, list[int]], own_days: list[date]) -> None:
    first = b.day(3, 10)
    last = b.later(first, 14)
    b.add(sid, first, last, [AbsenceVersion(first, None), AbsenceVersion(b.later(first, 1), "ziek")])


def _correction(b: _Builder, sid: str, table: dict[int, list[int]], own_days: list[date]) -> None:
    d = b.day(2, 30)
    if d.weekday() in table:
        b.add(sid, d, d, [AbsenceVersion(d, None)], withdrawn_from=b.later(d, 2))


_SCENARIO_EVENTS: dict[str, _Scenario] = {
    "no-show": _no_show,
    "lrv": _lrv,
    "16-uur": _sixteen_hours,
    "luxe": _luxe,
    "laatkomer": _late_comer,
    "ziek-lang": _long_sick,
    "correctie": _correction,
}


def _odd_events(b: _Builder, sid: str, table: dict[int, list[int]]) -> None:
    """Everyone: the odd sick day (reported unknown, corrected a day later), a late arrival, a doctor."""
    last = len(b.school_days) - 1
    if b.rng.random() < _ODD_SICK_DAY:
        d = b.day(0, last)
        if d.weekday() in table:
            b.add(sid, d, d, [AbsenceVersion(d, None), AbsenceVersion(b.later(d, 1), "ziek")])
    if b.rng.random() < _ODD_LATE_ARRIVAL:
        d = b.day(0, last)
        if d.weekday() in table:
            hour = table[d.weekday()][0]
            b.add(sid, d, d, [AbsenceVersion(d, None, "late", b.rng.choice([2, 4, 7]))],
                  lesuren=(hour, hour))
    if b.rng.random() < _ODD_ARTSBEZOEK:
        d = b.day(0, last)
        if d.weekday() in table:
            lesuur = table[d.weekday()][-1]
            b.add(sid, d, d, [AbsenceVersion(d - timedelta(days=1), "artsbezoek")], lesuren=(lesuur, lesuur))


def _events_for(b: _Builder, student: Student, scenario: str, table: dict[int, list[int]]) -> None:
    own_days = [d for d in b.school_days if d.weekday() in table]
    if not own_days:
        return
    scenario_events = _SCENARIO_EVENTS.get(scenario)
    if scenario_events is not None:
        scenario_events(b, student.id, table, own_days)
    _odd_events(b, student.id, table)


def generate_school(  # noqa: PLR0913  independent knobs with defaults; all but seed and size by name
    seed: int = 1,
    size: int = 300,
    *,
    start: date = date(2026, 8, 31),
    end: date | None = None,
    brin: str = "99XX",
    calendar: Calendar | None = None,
) -> SyntheticSchool:
    """Build a deterministic school of ``size`` students with lessons from ``start`` to ``end``.

    ``end`` defaults to the Friday of the eighth week; the calendar defaults to ``default_calendar``.
    """
    if not 1 <= size <= MAX_SERIAL:
        raise ValueError(f"size must be between 1 and {MAX_SERIAL} (one onderwijsnummer each)")
    end = end or start + timedelta(weeks=8) - timedelta(days=start.weekday() + 3)
    calendar = calendar or default_calendar(start)
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    contact_rng = random.Random(f"contact-{seed}")  # noqa: S311 - its own stream: rng's draws stay as they were
    school_days = [d for d in SchoolCalendar(calendar).school_days if start <= d <= end]
    builder = _Builder(rng, school_days, end)
    students: list[Student] = []
    numbers: dict[str, str] = {}
    scenarios: dict[str, str] = {}
    timetables: list[Timetable] = []
    first_seq = 0
    weekday_counts = [sum(1 for d in school_days if d.weekday() == w) for w in range(7)]
    for i, scenario in enumerate(_assign_scenarios(rng, size)):
        phone, leslocatie = _contact(contact_rng)
        student = Student.model_validate({**_student(rng, brin, i, scenario, start).model_dump(),
                                          "phone": phone, "leslocatie": leslocatie})
        students.append(student)
        numbers[student.id] = _number(i)
        scenarios[student.id] = scenario
        table = _timetable(rng, student.leerweg)
        timetables.append(Timetable(student.id, first_seq, {w: tuple(h) for w, h in table.items()}))
        first_seq += sum(len(lesuren) * weekday_counts[w] for w, lesuren in table.items())
        _events_for(builder, student, scenario, table)
    return SyntheticSchool(brin=brin, calendar=calendar, students=tuple(students), numbers=numbers,
                           scenarios=scenarios, lessons=LessonPlan(school_days, timetables),
                           events=tuple(builder.events), start=start, end=end)
