"""Worker throughput: meldingen delivered per second to a channel that answers at once (SQLite).

Prints the median of several runs. Usage: ``python bench/worker.py [N] [RUNS]``.

What it leaves out: one ``Worker`` runs in-process (not the ``verzuim-gateway worker`` command)
on SQLite; the meldingen are made by ``pipeline.apply_signals`` directly, so ingest and
evaluation are not timed, and the channel answers at once, so neither DUO's SOAP nor mail is
(``bench/duo_delivery.py`` and ``bench/mail_delivery.py`` time those). The school's profile decides
every field a person would fill in (``gateway.testing.complete_melding``), so the completeness gate
releases each melding as it is made and no review is timed. Only the delivery loop is timed,
through the store and the outbox as a school's worker runs it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from gateway import pipeline
from gateway.config.school import SchoolConfig, school_profile
from gateway.delivery.worker import Worker
from gateway.domain.model import Calendar, Student
from gateway.domain.ports import OutgoingMelding, Receipt, SourceBatch, StatusReport
from gateway.domain.signals import Signal
from gateway.store import Store, count_by_status
from gateway.store.crypto import FieldCipher
from gateway.testing.complete_melding import complete

SCHOOL = complete(SchoolConfig(id="25AB00", brin="25AB", oin="00000001234567890000", name="ROC Bench"))
CALENDAR = Calendar(first_school_day=date(2026, 8, 31), last_school_day=date(2027, 7, 16))


class InstantChannel:
    """Answers every delivery at once."""

    name = "duo"

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        return Receipt(melding.message_id, self.name, "REF", datetime.now(UTC))

    def withdraw(self, melding: OutgoingMelding, reason: str) -> Receipt:
        return Receipt(melding.message_id, self.name, None, datetime.now(UTC))

    def status(self, melding: OutgoingMelding) -> StatusReport | None:
        return None

    def close(self) -> None:
        pass


def one_run(n: int, folder: Path) -> float:
    """Fill a fresh store with ``n`` meldingen and time one worker delivering them all."""
    store = Store.open(f"sqlite:///{folder / 'bench.db'}", FieldCipher({"k1": b"k" * 32}, "k1"))
    store.migrate()
    pipeline.register_school(store, SCHOOL, "bench")
    sids = [f"S{i:06d}" for i in range(n)]
    students = [
        Student(
            id=s, birth_date=date(2010, 1, 1), leerweg="BOL", niveau=2, bsn="123456782", given_names="Naam",
            phone="06-12345678",
        )
        for s in sids
    ]
    pipeline.ingest(store, SCHOOL.id, "bench", SourceBatch(students=students, calendar=CALENDAR), "bench")
    signals = [
        Signal(
            rule="verzuim-16u",
            kind="melding",
            student_id=s,
            recipient="leerplicht",
            trigger_date=date(2026, 9, 2),
            period_start=date(2026, 9, 1),
            period_end=date(2026, 9, 2),
            due_date=date(2026, 9, 9),
            hours=16.0,
            actie_gewenst=False,
            legal_basis="x",
            evidence=("E",),
        )
        for s in sids
    ]
    with store.write() as conn:
        context = pipeline.DecisionContext(SCHOOL, school_profile(SCHOOL), date(2026, 9, 4), "bench")
        pipeline.apply_signals(conn, context, sids, signals, cipher=store.cipher)
    channel = InstantChannel()
    worker = Worker(store, lambda school, route: channel, worker_id="bench")
    start = time.perf_counter()
    while worker.run_once():
        pass
    elapsed = time.perf_counter() - start
    assert count_by_status(store) == {"ontvangen": n}
    store.close()
    return n / elapsed


def main() -> None:
    """Print the median delivery rate over several runs."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rates = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            rates.append(one_run(n, Path(tmp)))
    print(
        f"worker: {n} meldingen, {runs} runs, median {statistics.median(rates):.0f} meldingen/s "
        f"(min {min(rates):.0f}, max {max(rates):.0f}); target >= 200/s"
    )


if __name__ == "__main__":
    main()
