"""A frame built from day counts (what the daily job keeps) reads exactly as one built from records."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np

from gateway.domain.calendar import SchoolCalendar
from gateway.rules.engine import fire_all, firing_key
from gateway.rules.frame import (
    MATRICES,
    EvaluationFrame,
    add_day_counts,
    columns_from_records,
    grouped_from_rows,
    new_day_counts,
)
from gateway.rules.profiles import load_profile
from gateway.testing.synthetic import generate_school

AS_OF = date(2026, 10, 16)


def _grouped_rows(records):
    """The records grouped as the store groups them (student, day, status, reason, minutes late)."""
    groups: Counter[tuple] = Counter()
    minutes: Counter[tuple] = Counter()
    for r in records:
        key = (r.student_id, r.date.isoformat(), r.status, r.reason, r.minutes_late)
        groups[key] += 1
        minutes[key] += r.minutes
    return [(*key, n, minutes[key]) for key, n in groups.items()]


def _frames(profile_name: str = "utrecht"):
    school = generate_school(seed=5, size=60)
    calendar = SchoolCalendar(school.calendar)
    students = list(school.students)
    records = school.records_as_of(AS_OF)
    profile = load_profile(profile_name)
    columns = columns_from_records(students, records)
    from_records = EvaluationFrame(calendar, students, columns, profile, AS_OF)
    counts = new_day_counts(calendar, len(students))
    index = {s.id: i for i, s in enumerate(students)}
    add_day_counts(counts, calendar, grouped_from_rows(_grouped_rows(records), index), profile.late_minutes)
    return from_records, EvaluationFrame.from_counts(calendar, students, counts, profile, AS_OF)


def test_every_matrix_from_day_counts_equals_the_one_from_records():
    """Grouping alike records and counting the groups gives the very matrices of one row per lesson."""
    from_records, from_counts = _frames()
    for name in MATRICES:
        assert np.array_equal(getattr(from_records, name), getattr(from_counts, name)), name


def test_the_rules_fire_alike_on_a_frame_from_day_counts():
    """The same firings, by business id, whichever way the frame was built."""
    from_records, from_counts = _frames()
    assert {firing_key(from_records, f) for f in fire_all(from_records)} == {
        firing_key(from_counts, f) for f in fire_all(from_counts)}


def test_a_frame_from_day_counts_names_the_evidence_of_the_records_it_is_given():
    """No evidence before the records come; with them, the same evidence as a frame of records."""
    from_records, from_counts = _frames()
    firing = next(f for f in fire_all(from_counts) if f.rule == "verzuim-16u")
    assert from_counts.evidence(firing.student, firing.evidence) == ()
    student = from_counts.students[firing.student]
    own = [r for r in generate_school(seed=5, size=60).records_as_of(AS_OF) if r.student_id == student.id]
    from_counts.with_evidence(columns_from_records(list(from_counts.students), own))
    assert from_counts.evidence(firing.student, firing.evidence) == from_records.evidence(
        firing.student, firing.evidence) != ()
