"""Columnar attendance and the per-day / per-lesweek matrices every rule reads.

Records become numpy columns once; each rule then works on dense (school day x student)
matrices, so a school year of 20,000 students is evaluated with a loop over days, not records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from gateway.domain.age import ADULT_AGE, REPORTABLE_BELOW_AGE, age_on, birthday
from gateway.domain.calendar import SchoolCalendar
from gateway.domain.model import AttendanceRecord, Student
from gateway.domain.reasons import AUTHORISED, NO_REASON, REASON_INDEX
from gateway.rules.profiles import Profile

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

STATUS_PRESENT, STATUS_ABSENT, STATUS_LATE = 0, 1, 2
STATUS_CODES = {"present": STATUS_PRESENT, "absent": STATUS_ABSENT, "late": STATUS_LATE}

# What one record counts as, once the profile's late limit is applied.
CLS_PRESENT = 0        # present
CLS_LATE_ARRIVAL = 1   # late within the limit, no authorised reason: one late arrival
CLS_UNAUTHORISED = 2   # unauthorised absence (incl. lateness over the limit): its hours count
CLS_AUTHORISED = 3     # absent with an authorised reason
CLS_EXCUSED_LATE = 4   # late with an authorised reason: counts as nothing

_AUTHORISED_CODES = np.array(sorted(REASON_INDEX[r] for r in AUTHORISED), dtype=np.int16)
ZIEK = REASON_INDEX["ziek"]
LUXE = REASON_INDEX["luxe_verzuim"]


@dataclass(frozen=True)
class AttendanceColumns:
    """Deduplicated attendance as columns; ``ids[row]`` is the source id of row ``row``."""

    student: npt.NDArray[np.int32]       # index into the student list
    day_ordinal: npt.NDArray[np.int32]   # date.toordinal()
    minutes: npt.NDArray[np.int32]
    status: npt.NDArray[np.int8]
    reason: npt.NDArray[np.int16]        # REASON_INDEX code, NO_REASON for none
    minutes_late: npt.NDArray[np.int32]
    ids: Sequence[str]

    def __len__(self) -> int:
        return int(self.student.shape[0])


def columns_from_records(
    students: Sequence[Student], records: Iterable[AttendanceRecord]
) -> AttendanceColumns:
    """Deduplicate records by id (a later one replaces an earlier one) and turn them into columns.

    Records of students not in ``students`` are skipped; validation of references happens upstream.
    """
    index = {s.id: i for i, s in enumerate(students)}
    latest: dict[str, AttendanceRecord] = {}
    for record in records:
        latest.pop(record.id, None)  # re-insert so the replacement keeps the later position
        latest[record.id] = record
    kept = [r for r in latest.values() if r.student_id in index]
    n = len(kept)
    return AttendanceColumns(
        student=np.fromiter((index[r.student_id] for r in kept), np.int32, n),
        day_ordinal=np.fromiter((r.date.toordinal() for r in kept), np.int32, n),
        minutes=np.fromiter((r.minutes for r in kept), np.int32, n),
        status=np.fromiter((STATUS_CODES[r.status] for r in kept), np.int8, n),
        reason=np.fromiter(
            (REASON_INDEX[r.reason] if r.reason else NO_REASON for r in kept), np.int16, n
        ),
        minutes_late=np.fromiter((r.minutes_late or 0 for r in kept), np.int32, n),
        ids=[r.id for r in kept],
    )


def _day_ordinals(days: Iterable[object]) -> dict[object, int]:
    """Each distinct day (a date, or its ISO text as SQLite gives it) with its ordinal."""
    out: dict[object, int] = {}
    for day in days:
        if day not in out:
            out[day] = (day if isinstance(day, date) else date.fromisoformat(str(day))).toordinal()
    return out


def columns_from_rows(rows: Sequence[tuple[str, str, object, int, int, str, str | None, int | None]],
                      index: dict[str, int]) -> AttendanceColumns:
    """Columns from stored rows (record id, student id, day, start and end minute, status, reason,
    minutes late), in their order; ``day`` is a date or its ISO text. Unknown students are skipped."""
    kept = [r for r in rows if r[1] in index]
    n = len(kept)
    ordinals = _day_ordinals(r[2] for r in kept)
    return AttendanceColumns(
        student=np.fromiter((index[r[1]] for r in kept), np.int32, n),
        day_ordinal=np.fromiter((ordinals[r[2]] for r in kept), np.int32, n),
        minutes=np.fromiter((r[4] - r[3] for r in kept), np.int32, n),
        status=np.fromiter((STATUS_CODES[r[5]] for r in kept), np.int8, n),
        reason=np.fromiter((REASON_INDEX[r[6]] if r[6] else NO_REASON for r in kept), np.int16, n),
        minutes_late=np.fromiter((r[7] or 0 for r in kept), np.int32, n),
        ids=[r[0] for r in kept],
    )


def classify(columns: AttendanceColumns | GroupedAttendance, late_minutes: int) -> npt.NDArray[np.int8]:
    """What each record (or group of alike records) counts as under the profile's late limit (CLS_*)."""
    authorised = np.isin(columns.reason, _AUTHORISED_CODES)
    late = columns.status == STATUS_LATE
    over = late & (columns.minutes_late > late_minutes)
    cls = np.full(len(columns), CLS_PRESENT, dtype=np.int8)
    cls[(columns.status == STATUS_ABSENT) & authorised] = CLS_AUTHORISED
    cls[(columns.status == STATUS_ABSENT) & ~authorised] = CLS_UNAUTHORISED
    cls[late & authorised] = CLS_EXCUSED_LATE
    cls[over & ~authorised] = CLS_UNAUTHORISED
    cls[late & ~over & ~authorised] = CLS_LATE_ARRIVAL
    return cls


@dataclass(frozen=True)
class GroupedAttendance:
    """Records grouped by student, day and everything their class depends on, with how many there
    are and their minutes: what the store hands the daily job instead of one row per lesson."""

    student: npt.NDArray[np.int32]       # index into the student list
    day_ordinal: npt.NDArray[np.int32]
    status: npt.NDArray[np.int8]
    reason: npt.NDArray[np.int16]
    minutes_late: npt.NDArray[np.int32]
    count: npt.NDArray[np.int64]         # records in the group
    minutes: npt.NDArray[np.int64]       # their minutes together

    def __len__(self) -> int:
        return int(self.student.shape[0])


def grouped_from_rows(rows: Sequence[tuple[str, object, str, str | None, int | None, int, int]],
                      index: dict[str, int]) -> GroupedAttendance:
    """Groups as the store returns them: (student id, day, status, reason, minutes late, records,
    minutes); ``day`` is a date or its ISO text. Rows of students not in ``index`` are skipped."""
    kept = [r for r in rows if r[0] in index]
    n = len(kept)
    ordinals = _day_ordinals(r[1] for r in kept)
    return GroupedAttendance(
        student=np.fromiter((index[r[0]] for r in kept), np.int32, n),
        day_ordinal=np.fromiter((ordinals[r[1]] for r in kept), np.int32, n),
        status=np.fromiter((STATUS_CODES[r[2]] for r in kept), np.int8, n),
        reason=np.fromiter((REASON_INDEX[r[3]] if r[3] else NO_REASON for r in kept), np.int16, n),
        minutes_late=np.fromiter((r[4] or 0 for r in kept), np.int32, n),
        count=np.fromiter((r[5] for r in kept), np.int64, n),
        minutes=np.fromiter((r[6] for r in kept), np.int64, n),
    )


# What a frame counts per school day and student; the rules read nothing else but the evidence.
MATRICES = ("records", "unauthorised", "unauthorised_minutes", "late_arrivals", "ziek", "luxe",
            "present_or_late", "authorised_absent", "absent")


def _masks(cls: npt.NDArray[np.int8], status: npt.NDArray[np.int8],
           reason: npt.NDArray[np.int16]) -> dict[str, tuple[BoolArray, bool]]:
    """Per matrix of MATRICES: which records it counts, and whether it sums their minutes."""
    unauthorised = cls == CLS_UNAUTHORISED
    absent = status == STATUS_ABSENT
    return {
        "records": (np.ones(len(cls), dtype=bool), False),
        "unauthorised": (unauthorised, False),
        "unauthorised_minutes": (unauthorised, True),
        "late_arrivals": (cls == CLS_LATE_ARRIVAL, False),
        "ziek": (absent & (reason == ZIEK), False),
        "luxe": (absent & (reason == LUXE), False),
        "present_or_late": (status != STATUS_ABSENT, False),
        "authorised_absent": (cls == CLS_AUTHORISED, False),
        "absent": (absent, False),
    }


def _count(flat: IntArray, size: int, *, cls: npt.NDArray[np.int8], status: npt.NDArray[np.int8],  # noqa: PLR0913
           reason: npt.NDArray[np.int16], count: IntArray, minutes: IntArray) -> dict[str, IntArray]:
    """Per cell of ``flat`` (day * n_students + student), every matrix of MATRICES."""
    return {name: np.bincount(flat[mask], weights=(minutes if by_minutes else count)[mask],
                              minlength=size).astype(np.int64)
            for name, (mask, by_minutes) in _masks(cls, status, reason).items()}


def school_day_positions(calendar: SchoolCalendar,
                         day_ordinal: npt.NDArray[np.int32]) -> tuple[IntArray, BoolArray]:
    """Per day: its index among the calendar's school days, and whether it is a school day at all."""
    ordinals = np.array([d.toordinal() for d in calendar.school_days], dtype=np.int64)
    pos = np.searchsorted(ordinals, day_ordinal)
    if not len(ordinals):
        return pos, np.zeros(len(day_ordinal), dtype=bool)
    return pos, (pos < len(ordinals)) & (ordinals[np.minimum(pos, len(ordinals) - 1)] == day_ordinal)


def new_day_counts(calendar: SchoolCalendar, n_students: int) -> IntArray:
    """Zero counts ``[matrix, school day, student]`` over every school day of the calendar."""
    return np.zeros((len(MATRICES), len(calendar.school_days), n_students), dtype=np.int64)


def add_day_counts(counts: IntArray, calendar: SchoolCalendar, groups: GroupedAttendance,
                   late_minutes: int) -> None:
    """Add what ``groups`` count as to ``counts`` (from ``new_day_counts``), in place; groups on
    days that are no school day count nowhere, as in a frame."""
    n_students = counts.shape[2]
    pos, on_day = school_day_positions(calendar, groups.day_ordinal)
    rows = np.flatnonzero(on_day)
    cls = classify(groups, late_minutes)[rows]
    flat = pos[rows] * n_students + groups.student[rows].astype(np.int64)
    count, minutes = groups.count[rows], groups.minutes[rows]
    masks = _masks(cls, groups.status[rows], groups.reason[rows])
    for i, name in enumerate(MATRICES):
        mask, by_minutes = masks[name]
        np.add.at(counts[i].reshape(-1), flat[mask], (minutes if by_minutes else count)[mask])


@dataclass(frozen=True)
class EvidenceSpec:
    """Which of a student's records a firing counted: a range of school days and a filter."""

    first_day: int
    last_day: int
    record_class: int | None = None
    reason: int | None = None
    status: int | None = None


class RecordChunk:
    """One batch of records, kept on school days up to ``n_days`` and sorted by student and day.

    A frame holds one chunk per batch, so the daily job adds a day without re-sorting the year.
    """

    def __init__(self, calendar: SchoolCalendar, columns: AttendanceColumns, n_students: int,
                 n_days: int, late_minutes: int) -> None:
        pos, on_school_day = school_day_positions(calendar, columns.day_ordinal)
        rows = np.flatnonzero(on_school_day & (pos < n_days))  # only school days up to as_of
        day = pos[rows]
        student = columns.student[rows].astype(np.int64)
        order = np.lexsort((rows, day, student))  # by student, day, then source order
        self.row = rows[order]
        self.student = student[order]
        self.day = day[order]
        self.minutes = columns.minutes[self.row].astype(np.int64)
        self.status = columns.status[self.row]
        self.reason = columns.reason[self.row]
        self.record_class = classify(columns, late_minutes)[self.row]
        self.ids = columns.ids
        self.offsets = np.searchsorted(self.student, np.arange(n_students + 1, dtype=np.int64))

    def select(self, student: int, spec: EvidenceSpec) -> list[tuple[int, int, str]]:
        """(day, row, id) of the student's records that ``spec`` selects."""
        lo, hi = int(self.offsets[student]), int(self.offsets[student + 1])
        days = self.day[lo:hi]
        start = lo + int(np.searchsorted(days, spec.first_day, side="left"))
        stop = lo + int(np.searchsorted(days, spec.last_day, side="right"))
        mask = np.ones(stop - start, dtype=bool)
        if spec.record_class is not None:
            mask &= self.record_class[start:stop] == spec.record_class
        if spec.reason is not None:
            mask &= self.reason[start:stop] == spec.reason
        if spec.status is not None:
            mask &= self.status[start:stop] == spec.status
        picked = np.flatnonzero(mask) + start
        return [(int(self.day[i]), int(self.row[i]), self.ids[int(self.row[i])]) for i in picked]


class EvaluationFrame:
    """Everything the rules read for one evaluation: calendar, students and day/week matrices.

    Matrices are indexed ``[school_day, student]`` for the school days up to ``as_of``.
    """

    def __init__(
        self,
        calendar: SchoolCalendar,
        students: Sequence[Student],
        columns: AttendanceColumns,
        profile: Profile,
        as_of: date,
    ) -> None:
        self._setup(calendar, students, profile, as_of)
        chunk = RecordChunk(calendar, columns, self.n_students, self.n_days,
                            profile.late_minutes)
        self.chunks: list[RecordChunk] = [chunk]
        self._set_matrices(self._count_chunk(chunk))

    def _setup(self, calendar: SchoolCalendar, students: Sequence[Student], profile: Profile,
               as_of: date) -> None:
        self.calendar = calendar
        self.students = students
        self.profile = profile
        self.profile_stamp = profile.stamp
        self.as_of = as_of
        self.n_students = len(students)
        self.n_days = calendar.count_until(as_of)
        self.day_dates: tuple[date, ...] = calendar.school_days[: self.n_days]
        self.day_ordinal = np.array([d.toordinal() for d in self.day_dates], dtype=np.int64)
        self.day_week = np.array(calendar.day_lesweek[: self.n_days], dtype=np.int64)
        self.n_weeks = int(self.day_week[-1]) + 1 if self.n_days else 0
        self.week_first_day = np.array(calendar.lesweek_first_day[: self.n_weeks], dtype=np.int64)
        self.week_last_day = np.array(calendar.lesweek_last_day[: self.n_weeks], dtype=np.int64)
        # A lesweek counts only once as_of has reached its last school day.
        self.week_complete = self.week_last_day < self.n_days
        # Window of day d: its lesweek and the 3 before; first school day of that span.
        self.window_first_day = self.week_first_day[np.maximum(self.day_week - 3, 0)]
        births = [s.birth_date for s in students]
        self.birthday = {
            age: np.array([birthday(b, age).toordinal() for b in births], dtype=np.int64)
            for age in (ADULT_AGE, REPORTABLE_BELOW_AGE, profile.verzuim_16u_max_age, profile.no_show_max_age)
        }
        self.startkwalificatie = np.array([s.startkwalificatie for s in students], dtype=bool)

    @classmethod
    def from_counts(cls, calendar: SchoolCalendar, students: Sequence[Student], counts: IntArray,
                    profile: Profile, as_of: date) -> EvaluationFrame:
        """A frame from ``day_counts`` (``[matrix, school day, student]``, at least up to ``as_of``),
        without records: ``with_evidence`` adds those the signals to be made point at."""
        frame = cls.__new__(cls)
        frame._setup(calendar, students, profile, as_of)
        frame.chunks = []
        frame._set_matrices({name: np.asarray(counts[i, : frame.n_days], dtype=np.int64)
                             for i, name in enumerate(MATRICES)})
        return frame

    def with_evidence(self, columns: AttendanceColumns) -> None:
        """Add records for ``evidence`` without counting them (they are in the matrices already).

        A firing's evidence comes out right only when ``columns`` holds all of that student's
        records in the firing's evidence span."""
        self.chunks.append(RecordChunk(self.calendar, columns, self.n_students, self.n_days,
                                       self.profile.late_minutes))

    def extended(self, columns: AttendanceColumns, as_of: date) -> EvaluationFrame:
        """A frame with new records added and ``as_of`` moved on (the daily job).

        The new records must not replace records already in the frame; a correction needs a fresh
        frame for the students it touches.
        """
        frame = EvaluationFrame.__new__(EvaluationFrame)
        frame._setup(self.calendar, self.students, self.profile, as_of)
        chunk = RecordChunk(self.calendar, columns, frame.n_students, frame.n_days,
                            self.profile.late_minutes)
        frame.chunks = [*self.chunks, chunk]
        counts = frame._count_chunk(chunk)
        for name, matrix in self._matrices().items():
            counts[name][: matrix.shape[0]] += matrix[: frame.n_days]
        frame._set_matrices(counts)
        return frame

    # --- matrices -----------------------------------------------------------------------------

    def _count_chunk(self, chunk: RecordChunk) -> dict[str, IntArray]:
        flat = chunk.day * self.n_students + chunk.student
        counts = _count(flat, self.n_days * self.n_students, cls=chunk.record_class, status=chunk.status,
                        reason=chunk.reason, count=np.ones(len(flat), dtype=np.int64), minutes=chunk.minutes)
        return {name: matrix.reshape(self.n_days, self.n_students) for name, matrix in counts.items()}

    def _matrices(self) -> dict[str, IntArray]:
        return {name: getattr(self, name) for name in MATRICES}

    def _set_matrices(self, counts: dict[str, IntArray]) -> None:
        self.records = counts["records"]
        self.unauthorised = counts["unauthorised"]
        self.unauthorised_minutes = counts["unauthorised_minutes"]
        self.late_arrivals = counts["late_arrivals"]
        self.ziek = counts["ziek"]
        self.luxe = counts["luxe"]
        self.present_or_late = counts["present_or_late"]
        self.authorised_absent = counts["authorised_absent"]
        self.absent = counts["absent"]
        self.week_records = self._per_week(self.records)
        self.week_unauthorised = self._per_week(self.unauthorised)
        self.week_ziek = self._per_week(self.ziek)

    def _per_week(self, matrix: IntArray) -> IntArray:
        if self.n_days == 0:
            return np.zeros((0, self.n_students), dtype=np.int64)
        return np.add.reduceat(matrix, self.week_first_day, axis=0)

    # --- helpers for rules --------------------------------------------------------------------

    def age_at_least(self, years: int, day: int, students: IntArray | slice = slice(None)) -> BoolArray:
        """Whether each student is at least ``years`` old on school day ``day``."""
        at_least: BoolArray = self.birthday[years][students] <= self.day_ordinal[day]
        return at_least

    def age(self, student: int, day: int) -> int:
        """Age of one student on school day ``day``."""
        return age_on(self.students[student].birth_date, self.day_dates[day])

    def reportable(self, student: int, day: int) -> bool:
        """Reportable to DUO: younger than 23 and without startkwalificatie."""
        return not self.startkwalificatie[student] and self.age(student, day) < REPORTABLE_BELOW_AGE

    def evidence(self, student: int, spec: EvidenceSpec) -> tuple[str, ...]:
        """Ids of the student's records that ``spec`` selects, by day and source order."""
        picked = [hit for chunk in self.chunks for hit in chunk.select(student, spec)]
        if len(self.chunks) > 1:
            picked.sort(key=lambda hit: hit[0])
        return tuple(hit[2] for hit in picked)
