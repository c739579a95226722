"""Students in the store: rule facts in clear, personal data encrypted (AES-GCM, key id per value)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from gateway.domain.errors import IntegrityError
from gateway.domain.model import Student
from gateway.domain.personal_data import RULE_FACTS, is_personal
from gateway.domain.ports import StudentDetails
from gateway.store import student_names
from gateway.store.crypto import FieldCipher
from gateway.store.schema import student_names as names_table
from gateway.store.schema import students

# The canonical Student fields that are personal data, sealed in the ``personal`` column. They
# follow from the one list, so a personal field added to Student is sealed without more ado;
# the ones the rules need (birth date) stay among the facts.
PERSONAL_FIELDS = tuple(f for f in Student.model_fields if is_personal(f) and f not in RULE_FACTS)
FACT_FIELDS = tuple(f for f in Student.model_fields if f not in PERSONAL_FIELDS)
Names = dict[str, dict[str, Any] | None]  # student id -> personal data fields, for the name index


def personal_context(school_id: str, student_id: str) -> str:
    """The associated data that binds a student's encrypted personal data to the row."""
    return f"student|{school_id}|{student_id}"


def split_student(student: Student) -> tuple[str, dict[str, Any]]:
    """The student's rule facts as canonical JSON, and its personal data fields (non-empty ones)."""
    facts = json.dumps(student.model_dump(mode="json", include=set(FACT_FIELDS)), sort_keys=True)
    personal = {f: getattr(student, f) for f in PERSONAL_FIELDS if getattr(student, f) is not None}
    return facts, personal


def _marks(conn: sa.Connection, n: int) -> str:
    return ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * n)


def existing_ids(conn: sa.Connection, school_id: str, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are known students of the school (hot path of ingest: plain SQL)."""
    wanted = list(set(ids))
    found: set[str] = set()
    for i in range(0, len(wanted), 1000):
        chunk = wanted[i : i + 1000]
        ids_sql = _marks(conn, len(chunk))
        sql = f"SELECT id FROM students WHERE school_id = {_marks(conn, 1)} AND id IN ({ids_sql})"  # noqa: S608
        found.update(r[0] for r in conn.exec_driver_sql(sql, (school_id, *chunk)))
    return found


def mark_changed(conn: sa.Connection, school_id: str, ids: Iterable[str], seq: int) -> int:
    """Record that the students' records changed in batch ``seq``; returns how many were found."""
    wanted = list(ids)
    found = 0
    m = _marks(conn, 1)
    for i in range(0, len(wanted), 1000):
        chunk = wanted[i : i + 1000]
        found += conn.exec_driver_sql(
            f"UPDATE students SET changed_seq = {m} WHERE school_id = {m} AND id IN ({_marks(conn, len(chunk))})",  # noqa: S608, E501
            (seq, school_id, *chunk),
        ).rowcount
    return found


def _personal_text(personal: dict[str, Any]) -> str | None:
    return json.dumps(personal, sort_keys=True) if personal else None


def _stored_personal(cipher: FieldCipher, context: str, sealed: str | None) -> str | None:
    """The stored personal data as text; None when there is none or it no longer opens (then it is
    written again)."""
    if sealed is None:
        return None
    try:
        return cipher.decrypt(sealed, context)
    except IntegrityError:
        return None


def upsert_students(
    conn: sa.Connection, cipher: FieldCipher, school_id: str, batch: Sequence[Student], seq: int
) -> set[str]:
    """Insert or replace students; returns the ids whose rule facts are new or changed. A student
    whose facts and personal data are as stored is not written (a daily sync repeats them all)."""
    if not batch:
        return set()
    latest = {s.id: s for s in batch}
    wanted = list(latest)
    current: dict[str, Any] = {}
    for i in range(0, len(wanted), 1000):
        current.update((r.id, r) for r in conn.execute(
            sa.select(students.c.id, students.c.facts, students.c.personal, students.c.changed_seq).where(
                students.c.school_id == school_id, students.c.id.in_(wanted[i : i + 1000]))))
    changed: set[str] = set()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    names = _NameWork()
    for sid, student in latest.items():
        facts, personal = split_student(student)
        text = _personal_text(personal)
        context = personal_context(school_id, sid)
        old = current.get(sid)
        if old is None:
            inserts.append({"school_id": school_id, "id": sid, "facts": facts, "changed_seq": seq,
                            "evaluated_seq": 0, "details_seq": seq, "leslocatie": student.leslocatie,
                            "personal": cipher.encrypt(text, context) if text else None})
            names.fresh[sid] = personal
            changed.add(sid)
            continue
        stored = _stored_personal(cipher, context, old.personal)
        same_personal = stored == text and (old.personal is None) == (text is None)
        (names.kept if same_personal else names.changed)[sid] = personal
        if old.facts == facts and same_personal:
            continue
        if old.facts != facts:
            changed.add(sid)
        updates.append({"sid": sid, "facts": facts, "details_seq": seq, "leslocatie": student.leslocatie,
                        "changed_seq": seq if old.facts != facts else old.changed_seq,
                        "personal": old.personal if same_personal else (
                            cipher.encrypt(text, context) if text else None)})
    if inserts:
        conn.execute(students.insert(), inserts)
    if updates:
        written = ("facts", "personal", "changed_seq", "details_seq", "leslocatie")
        conn.execute(students.update()
                     .where(students.c.school_id == school_id, students.c.id == sa.bindparam("sid"))
                     .values({c: sa.bindparam(c) for c in written}), updates)
    names.write(conn, cipher, school_id)
    return changed


@dataclass
class _NameWork:
    """The students of one upsert by what their names' blind index needs."""

    fresh: Names = field(default_factory=dict)  # new students
    changed: Names = field(default_factory=dict)  # personal data changed
    kept: Names = field(default_factory=dict)  # personal data as stored

    def write(self, conn: sa.Connection, cipher: FieldCipher, school_id: str) -> None:
        """New students are indexed, changed ones anew. A named student stored before the index
        existed (or indexed under another key) is indexed when the SIS repeats them; one indexed
        under the active key is left alone."""
        named = [sid for sid, fields in self.kept.items() if fields and student_names.name_words(fields)]
        indexed = student_names.indexed_under(conn, school_id, cipher.active_key_id, named)
        stale = {sid: self.kept[sid] for sid in named if sid not in indexed}
        student_names.replace_index(conn, cipher, school_id, {**self.changed, **stale})
        student_names.add_index(conn, cipher, school_id, self.fresh)


def details_changed_since(conn: sa.Connection, school_id: str, seq: int) -> list[str]:
    """Students whose facts or personal data changed after ingest batch ``seq``, sorted."""
    return list(conn.scalars(sa.select(students.c.id).where(
        students.c.school_id == school_id, students.c.details_seq > seq).order_by(students.c.id)))


def load_students(conn: sa.Connection, school_id: str, ids: Sequence[str]) -> list[Student]:
    """The students' rule facts (no personal data), in the order of ``ids``."""
    rows: dict[str, str] = {}
    for i in range(0, len(ids), 1000):
        rows.update(
            (sid, facts)
            for sid, facts in conn.execute(
                sa.select(students.c.id, students.c.facts).where(
                    students.c.school_id == school_id, students.c.id.in_(list(ids[i : i + 1000]))
                )
            )
        )
    return [Student.model_validate_json(rows[sid]) for sid in ids if sid in rows]


def student_details(
    conn: sa.Connection, cipher: FieldCipher, school_id: str, student_id: str
) -> StudentDetails | None:
    """Everything a melding needs about a student, personal data decrypted (never log it)."""
    row = conn.execute(
        sa.select(students.c.facts, students.c.personal).where(
            students.c.school_id == school_id, students.c.id == student_id
        )
    ).one_or_none()
    if row is None:
        return None
    facts = Student.model_validate_json(row.facts)  # a row stored before a field existed gets its default
    context = personal_context(school_id, student_id)
    personal = json.loads(cipher.decrypt(row.personal, context)) if row.personal else {}
    return StudentDetails(
        student_id=student_id,
        birth_date=facts.birth_date,
        woongemeente=facts.woongemeente,
        crebo=facts.crebo,
        opleiding=facts.opleiding,
        leerjaar=facts.leerjaar,
        leerweg=facts.leerweg,
        niveau=facts.niveau,
        leslocatie=facts.leslocatie,
        enrolled_on=facts.enrolled_on,
        **personal,  # the sealed fields, phone among them
    )


def woongemeente_of(conn: sa.Connection, school_id: str, student_id: str) -> str | None:
    """The student's woongemeente (CBS code) or None; only this fact is read, no personal data decrypted."""
    facts = conn.scalar(
        sa.select(students.c.facts).where(students.c.school_id == school_id, students.c.id == student_id)
    )
    if facts is None:
        return None
    value = json.loads(facts).get("woongemeente")
    return str(value) if value else None


def mark_all_dirty(conn: sa.Connection, school_id: str) -> None:
    """Make every student of the school due for evaluation (calendar or profile changed)."""
    conn.execute(students.update().where(students.c.school_id == school_id).values(evaluated_seq=-1))


def dirty_ids(conn: sa.Connection, school_id: str) -> dict[str, int]:
    """Students changed since their last evaluation, with the change they were last evaluated for."""
    rows = conn.execute(
        sa.select(students.c.id, students.c.changed_seq).where(
            students.c.school_id == school_id, students.c.changed_seq > students.c.evaluated_seq
        )
    )
    return {sid: int(seq) for sid, seq in rows}


def mark_evaluated(conn: sa.Connection, school_id: str, seen: dict[str, int]) -> None:
    """Record that each student was evaluated with the change ``seen[id]``."""
    if seen:
        conn.execute(
            students.update()
            .where(students.c.school_id == school_id, students.c.id == sa.bindparam("sid"))
            .values(evaluated_seq=sa.bindparam("seen")),
            [{"sid": sid, "seen": seq} for sid, seq in seen.items()],
        )


def index_unindexed(conn: sa.Connection, cipher: FieldCipher) -> int:
    """Index the names of students stored before the name index existed (a store migrated to 0009)
    or whose rows were lost; returns how many. A value that does not open is left to the next sync."""
    n = names_table
    missing = sa.select(students.c.school_id, students.c.id, students.c.personal).where(
        students.c.personal.is_not(None),
        ~sa.select(n.c.student_id).where(n.c.school_id == students.c.school_id,
                                         n.c.student_id == students.c.id).exists())
    by_school: dict[str, dict[str, Any]] = {}
    for row in conn.execute(missing):
        text = _stored_personal(cipher, personal_context(row.school_id, row.id), row.personal)
        if text is not None:
            by_school.setdefault(row.school_id, {})[row.id] = json.loads(text)
    for school_id, personal in by_school.items():
        student_names.add_index(conn, cipher, school_id, personal)
    return sum(len(p) for p in by_school.values())
