"""Small builders for the store tests: a school, a calendar, students, records, a fake channel."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from gateway.config.school import SchoolConfig, school_profile
from gateway.delivery.routing import RecipientDirectory
from gateway.delivery.worker import Worker
from gateway.domain.errors import DeliveryError, TransientDeliveryError
from gateway.domain.model import AttendanceRecord, Calendar, Holiday, Student
from gateway.domain.ports import OutgoingMelding, Receipt, RecipientAddress, SourceBatch, StatusReport
from gateway.domain.signals import Signal
from gateway.store import Store
from gateway.store.engine import utcnow
from gateway.testing.complete_melding import complete
from gateway.testing.pki import create_ca, issue_smime_cert

# Its profile decides what a person would fill in, so its meldingen go out as soon as they are made.
SCHOOL = complete(SchoolConfig(id="25AB00", brin="25AB", oin="00000001234567890000", name="ROC Voorbeeld"))
CALENDAR = Calendar(
    first_school_day=date(2026, 8, 31),
    last_school_day=date(2027, 7, 16),
    holidays=[Holiday(name="herfstvakantie", start=date(2026, 10, 19), end=date(2026, 10, 23))],
)
NAME = "Jannigje"
FAMILY = "Verzuimstra"
BSN = "123456782"


def student(sid: str = "S1", **extra: object) -> Student:
    """A 16-year-old BOL student without startkwalificatie, with personal data."""
    values: dict[str, object] = dict(
        id=sid,
        birth_date=date(2010, 3, 1),
        leerweg="BOL",
        niveau=2,
        enrolled_on=date(2026, 5, 1),
        intro_attended=True,
        woongemeente="0344",
        bsn=BSN,
        given_names=NAME,
        family_name=FAMILY,
        street="Dorpsstraat",
        postcode="3511AA",
        phone="06-12345678",
    )
    values.update(extra)
    return Student.model_validate(values)


def absences(
    sid: str, days: Iterable[date], per_day: int = 4, reason: str | None = None, prefix: str = "L"
) -> list[AttendanceRecord]:
    """``per_day`` unauthorised absences of 2 hours on each day (ids ``<prefix>-<sid>-<day>-<n>``)."""
    out = []
    for day in days:
        for n in range(per_day):
            out.append(
                AttendanceRecord(
                    id=f"{prefix}-{sid}-{day.isoformat()}-{n}",
                    student_id=sid,
                    date=day,
                    start=time(8 + 2 * n, 0),
                    end=time(10 + 2 * n, 0),
                    status="absent",
                    reason=reason,
                )
            )
    return out


SIXTEEN_HOURS_DAYS = (date(2026, 9, 1), date(2026, 9, 2))
AS_OF = date(2026, 9, 4)


def sixteen_hour_batch(sid: str = "S1") -> SourceBatch:
    """A batch that makes ``sid`` reach 16 unauthorised hours on 2 September (verzuim-16u)."""
    return SourceBatch(
        students=[student(sid)], records=absences(sid, SIXTEEN_HOURS_DAYS), calendar=CALENDAR, cursor="c1"
    )


_counter = itertools.count()


def fake_signal(sid: str, n: int = 0) -> Signal:
    """A synthetic verzuim-16u melding signal (for outbox tests that do not need the rules)."""
    day = date(2026, 9, 1 + n % 20)
    return Signal(
        rule="verzuim-16u",
        kind="melding",
        student_id=sid,
        recipient="leerplicht",
        trigger_date=day,
        period_start=day,
        period_end=day,
        due_date=date(2026, 10, 1),
        hours=16.0,
        actie_gewenst=False,
        legal_basis="Leerplichtwet 1969 art. 21a",
        evidence=(f"E{n}",),
        profile="national",
        profile_version="test",
    )


@dataclass
class FakeChannel:
    """A channel that answers at once, or fails with the errors queued for a student."""

    name: str = "duo"
    delivered: dict[str, int] = field(default_factory=dict)
    withdrawn: dict[str, int] = field(default_factory=dict)
    failures: dict[str, list[DeliveryError]] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)
    seen_students: list[object] = field(default_factory=list)
    seen_recipients: list[tuple[RecipientAddress, ...]] = field(default_factory=list)
    status_failures: list[DeliveryError] = field(default_factory=list)

    def fail(self, student_id: str, *errors: DeliveryError) -> None:
        """Queue errors for the next deliveries of ``student_id``'s meldingen."""
        self.failures.setdefault(student_id, []).extend(errors)

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        self.seen_students.append(melding.student)
        self.seen_recipients.append(melding.recipients)
        queued = self.failures.get(melding.signal.student_id)
        if queued:
            raise queued.pop(0)
        self.delivered[melding.message_id] = self.delivered.get(melding.message_id, 0) + 1
        self.known.add(melding.message_id)
        return Receipt(melding.message_id, self.name, f"REF-{next(_counter)}", datetime.now(UTC))

    def withdraw(self, melding: OutgoingMelding, reason: str) -> Receipt:
        self.withdrawn[melding.message_id] = self.withdrawn.get(melding.message_id, 0) + 1
        return Receipt(melding.message_id, self.name, None, datetime.now(UTC), status="ingetrokken")

    def status(self, melding: OutgoingMelding) -> StatusReport | None:
        if self.status_failures:
            raise self.status_failures.pop(0)
        found = melding.message_id in self.known
        return StatusReport(melding.message_id, found, "REF-known" if found else None)

    def close(self) -> None:
        pass


def make_meldingen(store: Store, *sids: str, school: SchoolConfig = SCHOOL, **facts: object) -> list[str]:
    """Register ``school`` (if new), store the students (with ``facts``) and one fake melding each."""
    from gateway import pipeline  # noqa: PLC0415 - keeps this module importable without the store

    pipeline.register_school(store, school, "test")
    pipeline.ingest(
        store,
        school.id,
        "magister",
        SourceBatch(students=[student(s, **facts) for s in sids], calendar=CALENDAR),
        "test",
    )
    context = pipeline.DecisionContext(school, school_profile(school), fake_signal("x").trigger_date, "test")
    with store.write() as conn:
        signals = [fake_signal(s, i) for i, s in enumerate(sids)]
        created, _ = pipeline.apply_signals(conn, context, list(sids), signals, cipher=store.cipher)
    return created


def drain(worker: Worker) -> int:
    """Run the worker until nothing is due; returns how many rows it handled."""
    n = 0
    while worker.run_once():
        n += 1
    return n


def later() -> datetime:
    """A claim time past every (millisecond) backoff and in-doubt delay the tests schedule."""
    return utcnow() + timedelta(hours=2)


def drain_due(worker: Worker, limit: int = 50) -> int:
    """Run the worker until nothing is due even after the scheduled waits (no sleeping); bounded."""
    n = 0
    while n < limit and worker.run_once(now=later()):
        n += 1
    return n


def outage(n: int, text: str = "DUO onbereikbaar") -> list[DeliveryError]:
    """``n`` transient failures in a row (fresh exceptions, as a real channel raises them)."""
    return [TransientDeliveryError(text) for _ in range(n)]


def write_directory(folder: Path) -> RecipientDirectory:
    """A one-region recipient directory (gemeente 0344 Utrecht) with run-time certificates."""
    ca = create_ca("Test CA ontvangers")
    folder.mkdir(parents=True, exist_ok=True)
    for stem, email, name in (
        ("leerplicht-0344", "leerplicht@utrecht.example", "Leerplicht Utrecht"),
        ("rmc-utrecht", "rmc@utrecht.example", "RMC Utrecht"),
    ):
        (folder / f"{stem}.crt").write_bytes(issue_smime_cert(ca, email, name).cert_pem)
    (folder / "utrecht.toml").write_text(
        '[region]\nid = "utrecht"\nname = "RMC-regio Utrecht"\n'
        'rmc = { organisation = "RMC Utrecht", email = "rmc@utrecht.example", '
        'certificate = "rmc-utrecht.crt" }\n'
        '[gemeenten.0344]\nname = "Utrecht"\n'
        'leerplicht = { organisation = "Leerplicht Utrecht", email = "leerplicht@utrecht.example", '
        'certificate = "leerplicht-0344.crt" }\n',
        encoding="utf-8",
    )
    return RecipientDirectory.load(folder / "utrecht.toml", cert_dir=folder)


def audit_actions(store: Store, subject: str) -> list[str]:
    """The audit actions recorded for ``subject``, in order."""
    import sqlalchemy as sa  # noqa: PLC0415

    from gateway.store.schema import audit_log  # noqa: PLC0415

    with store.read() as conn:
        return list(
            conn.scalars(
                sa.select(audit_log.c.action).where(audit_log.c.subject == subject).order_by(audit_log.c.seq)
            )
        )
