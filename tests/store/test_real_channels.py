"""The real worker against the real channels: the DUO stand-in over mutual TLS with WS-Security,
and the SMTP stand-in with STARTTLS and S/MIME. Channels come from the entry points, as in
production; the store is SQLite. Covers outage, rejection, in-doubt timeout, fallback, withdrawal."""

from __future__ import annotations

import dataclasses
import email
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.duo.standin import RunningStandin
from adapters.mail.demo_certs import write_directory_certificates
from adapters.mail.sandbox import SandboxSmtp
from gateway import pipeline
from gateway.config.school import Fallback, SchoolConfig, school_profile
from gateway.delivery.routing import RecipientDirectory
from gateway.delivery.worker import RetryPolicy, Worker, plugin_channels
from gateway.domain.ports import SourceBatch
from gateway.store import Store, get_melding
from gateway.store.engine import utcnow
from tests.channel_settings import ChannelPki, channel_pki, duo_standin, duo_table, mail_table, smtp_sandbox
from tests.store.conftest import sqlite_store
from tests.store.helpers import (
    AS_OF,
    CALENDAR,
    SCHOOL,
    SIXTEEN_HOURS_DAYS,
    absences,
    audit_actions,
    fake_signal,
    sixteen_hour_batch,
    student,
)

FAST = RetryPolicy(initial=0.001, maximum=0.001, jitter=0, max_attempts=5, in_doubt_delay=0)
DUE_TOMORROW = date(2026, 9, 8)  # the 16-hour melding of 2 September is due 9 September


@dataclass(frozen=True)
class Pki(ChannelPki):
    """The channel PKI plus the recipient directory's certificates."""

    directory: RecipientDirectory


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("e2e-pki")
    made = channel_pki(folder)
    certs = folder / "recipients"
    certs.mkdir()
    write_directory_certificates(made.demo.ca, certs)
    return Pki(made.demo, made.smtp_server, RecipientDirectory.load(cert_dir=certs))


@pytest.fixture
def duo(pki: Pki, tmp_path: Path) -> Iterator[RunningStandin]:
    with duo_standin(pki, tmp_path) as running:
        yield running


@pytest.fixture
def smtp(pki: Pki, tmp_path: Path) -> Iterator[SandboxSmtp]:
    with smtp_sandbox(pki, tmp_path) as server:
        yield server


def school_with_channels(
    pki: Pki, duo: RunningStandin, smtp: SandboxSmtp | None, **changes: Any
) -> SchoolConfig:
    """The test school with real DUO and mail channel settings."""
    channels: dict[str, dict[str, Any]] = {
        "duo": duo_table(pki.demo, duo.url, timeouts={"connect": 2, "read": 1, "write": 2, "pool": 2}),
    }
    if smtp is not None:
        channels["mail"] = mail_table(pki.demo, smtp.port, timeout=5)
    return SchoolConfig(**{**SCHOOL.model_dump(), "channels": channels, **changes})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite store (these tests are about the channels, not the database)."""
    with sqlite_store(tmp_path) as s:
        yield s


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    """Workers made by a test; their channels are closed afterwards."""
    made: list[Worker] = []
    yield made
    for worker in made:
        worker.close()


def make_worker(workers: list[Worker], store: Store, pki: Pki, today: date = AS_OF) -> Worker:
    """A worker with the real channels from the entry points."""
    worker = Worker(
        store, plugin_channels(), worker_id="e2e", retry=FAST, directory=pki.directory, today=lambda: today
    )
    workers.append(worker)
    return worker


def start(
    workers: list[Worker], store: Store, school: SchoolConfig, pki: Pki, today: date = AS_OF
) -> tuple[Worker, str]:
    """Register the school, make S1's 16-hour melding and a worker with the real channels."""
    pipeline.register_school(store, school, "test")
    pipeline.ingest(store, school.id, "magister", sixteen_hour_batch(), "test")
    [mid] = pipeline.evaluate(store, school.id, AS_OF).created
    return make_worker(workers, store, pki, today), mid


def run_due(worker: Worker, limit: int = 20) -> int:
    """Handle every row due now or after its (millisecond) backoff; bounded."""
    handled = 0
    while handled < limit and worker.run_once(now=utcnow() + timedelta(hours=2)):
        handled += 1
    return handled


def test_duo_outage_is_ridden_out_by_retries(store, pki, duo, workers):
    """Two 503 answers are retried with backoff; the melding is registered once."""
    worker, mid = start(workers, store, school_with_channels(pki, duo, None), pki)
    duo.faults.unavailable_503 = 2
    run_due(worker)
    m = get_melding(store, mid)
    assert (m.status, m.route, duo.app.registration_count()) == ("ontvangen", "duo", 1)
    assert m.receiver_reference.startswith("VZ")
    assert audit_actions(store, mid).count("outbox.opnieuw") == 2


def test_duo_business_rejection_becomes_a_dead_letter_with_duos_text(store, pki, duo, workers):
    """DUO's requestGoedgekeurd=false (VZ003) makes a dead letter carrying DUO's own text."""
    school = school_with_channels(pki, duo, None)
    pipeline.register_school(store, school, "test")
    pipeline.ingest(
        store, school.id, "magister", SourceBatch(students=[student("S1")], calendar=CALENDAR), "t"
    )
    no_end = dataclasses.replace(fake_signal("S1"), period_end=None)  # V3 needs an end date
    with store.write() as conn:
        context = pipeline.DecisionContext(school, school_profile(school), AS_OF, "t")
        [mid], _ = pipeline.apply_signals(conn, context, ["S1"], [no_end], cipher=store.cipher)
    run_due(make_worker(workers, store, pki))
    m = get_melding(store, mid)
    assert (m.status, duo.app.registration_count()) == ("onbestelbaar", 0)
    assert "VZ003" in m.last_error and "einddatum is verplicht" in m.last_error


def test_in_doubt_answer_lost_is_resolved_by_the_status_operation(store, pki, duo, workers):
    """DUO registers, then the connection drops before the answer: the status query finds it."""
    worker, mid = start(workers, store, school_with_channels(pki, duo, None), pki)
    duo.faults.drop_after = 1
    assert worker.run_once()
    assert (get_melding(store, mid).status, duo.app.registration_count()) == ("onzeker", 1)
    run_due(worker)
    m = get_melding(store, mid)
    assert (m.status, m.receiver_reference.startswith("VZ"), duo.app.registration_count()) == (
        "ontvangen",
        True,
        1,
    )
    assert duo.app.stats.by_operation.get("MeldenVerzuim") == 1


def test_in_doubt_timeout_unknown_at_duo_is_sent_again_once(store, pki, duo, workers):
    """A read timeout: the status query says DUO does not have it, so it is sent again, once."""
    worker, mid = start(workers, store, school_with_channels(pki, duo, None), pki)
    duo.faults.latency = 1.5  # longer than the channel's 1 s read timeout; the stand-in drops it
    assert worker.run_once()
    assert get_melding(store, mid).status == "onzeker"
    duo.faults.latency = 0
    run_due(worker)
    m = get_melding(store, mid)
    assert (m.status, duo.app.registration_count(), duo.app.stats.duplicates) == ("ontvangen", 1, 0)
    assert "OpvragenStatuswijzigingen" in duo.app.stats.by_operation


def test_duo_down_near_the_due_date_falls_back_to_mail_exactly_once(store, pki, duo, smtp, workers):
    """DUO keeps answering 503 the day before the due date: after the school's number of failed
    attempts in a row, one S/MIME mail to Leerplicht, nothing at DUO."""
    worker, mid = start(workers, store, school_with_channels(pki, duo, smtp), pki, today=DUE_TOMORROW)
    duo.faults.unavailable_503 = 1000
    run_due(worker)
    duo.faults.unavailable_503 = 0
    run_due(worker)
    m = get_melding(store, mid)
    assert (m.route, m.fallback_from, m.status) == ("mail", "duo", "ontvangen")
    [raw] = smtp.messages()
    message = email.message_from_bytes(raw)
    assert (
        message["To"].endswith("leerplicht@utrecht.example>") or "leerplicht@utrecht.example" in message["To"]
    )
    assert message.get_content_type() == "application/pkcs7-mime"
    assert duo.app.registration_count() == 0
    actions = audit_actions(store, mid)
    assert "melding.fallback" in actions
    assert actions.count("outbox.opnieuw") == Fallback().after_failed_attempts - 1  # retried on DUO first


def test_withdrawal_after_a_correction_reaches_duo_as_ingetrokken(store, pki, duo, workers):
    """A correction removes the signal of a delivered melding: DUO gets the withdrawal (Ingetrokken)."""
    worker, mid = start(workers, store, school_with_channels(pki, duo, None), pki)
    run_due(worker)
    assert get_melding(store, mid).status == "ontvangen"
    sick = absences("S1", SIXTEEN_HOURS_DAYS, reason="ziek")  # same record ids: the absences were sickness
    pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(records=sick), "correctie")
    assert pipeline.evaluate(store, SCHOOL.id, AS_OF).withdrawn == [mid]
    run_due(worker)
    registration = duo.app.registrations[mid]
    assert registration.status_at(utcnow(), None)[0] == "Ingetrokken"
    assert get_melding(store, mid).status == "ingetrokken"
    assert "melding.intrekking_verzonden" in audit_actions(store, mid)


def test_smtp_outage_is_ridden_out_by_retries_on_the_mail_route(store, pki, duo, smtp, workers):
    """The mail route's server refuses connections for a while: retried with backoff, sent once."""
    school = school_with_channels(pki, duo, smtp, routes={"verzuim-16u": "mail"})
    worker, mid = start(workers, store, school, pki)
    smtp.set_mode("refuse")
    assert worker.run_once()
    assert get_melding(store, mid).status == "opnieuw"
    smtp.set_mode("accept")
    run_due(worker)
    assert (get_melding(store, mid).status, len(smtp.messages())) == ("ontvangen", 1)
    assert audit_actions(store, mid).count("outbox.opnieuw") == 1


def test_melding_failing_the_xsd_becomes_a_dead_letter_naming_the_element_not_the_value(
        store, pki, duo, workers):
    """A postcode that breaks DUO's pattern never leaves: a dead letter naming the element, no value."""
    school = school_with_channels(pki, duo, None)
    pipeline.register_school(store, school, "test")
    batch = dataclasses.replace(sixteen_hour_batch(), students=[student("S1", postcode="35 11 XX")])
    pipeline.ingest(store, school.id, "magister", batch, "test")
    [mid] = pipeline.evaluate(store, school.id, AS_OF).created
    run_due(make_worker(workers, store, pki))
    m = get_melding(store, mid)
    assert (m.status, duo.app.registration_count()) == ("onbestelbaar", 0)
    assert "postcode" in m.last_error and "35 11 XX" not in m.last_error
