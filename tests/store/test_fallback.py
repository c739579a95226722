"""The worker's routing: mail fallback near the due date, mail recipients, unroutable meldingen,
misconfigured channels and bounded in-doubt handling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.config.school import Fallback, SchoolConfig
from gateway.delivery import outbox
from gateway.delivery.routing import RecipientDirectory
from gateway.delivery.worker import RetryPolicy, Worker
from gateway.domain.errors import (
    ConfigurationError,
    InDoubtDeliveryError,
    TransientDeliveryError,
    UnknownAdapter,
)
from gateway.store import Store, get_melding
from gateway.store.schema import outbox as outbox_table
from tests.store.helpers import (
    SCHOOL,
    FakeChannel,
    audit_actions,
    drain,
    drain_due,
    later,
    make_meldingen,
    outage,
    write_directory,
)

NEAR_DUE = date(2026, 9, 30)  # the fake meldingen are due 2026-10-01: 1 working day left
FAR_FROM_DUE = date(2026, 9, 4)
FAST = RetryPolicy(initial=0.001, maximum=0.001, jitter=0, max_attempts=3, in_doubt_delay=0)
PATIENT = RetryPolicy(initial=0.001, maximum=0.001, jitter=0, max_attempts=10, in_doubt_delay=0)
STAYS_DOWN = Fallback().after_failed_attempts  # failed DUO attempts in a row before mail takes over


@pytest.fixture(scope="session")
def directory(tmp_path_factory: pytest.TempPathFactory) -> RecipientDirectory:
    """A recipient directory for gemeente 0344 with run-time certificates."""
    return write_directory(tmp_path_factory.mktemp("recipients"))


@pytest.fixture
def duo() -> FakeChannel:
    return FakeChannel(name="duo")


@pytest.fixture
def mail() -> FakeChannel:
    return FakeChannel(name="mail")


def make_worker(
    store: Store,
    duo: FakeChannel,
    mail: FakeChannel,
    directory: RecipientDirectory | None,
    today: date = NEAR_DUE,
    retry: RetryPolicy = FAST,
) -> Worker:
    """A worker with a DUO and a mail channel and a fixed 'today'."""
    channels = {"duo": duo, "mail": mail}
    return Worker(
        store,
        lambda school, route: channels[route],
        worker_id="w",
        retry=retry,
        directory=directory,
        today=lambda: today,
    )


def rows(store: Store, melding_id: str) -> list[tuple[str, str, int | None]]:
    """(route, state, parent id) of a melding's outbox rows, oldest first."""
    with store.read() as conn:
        return [
            (r.route, r.state, r.parent_id)
            for r in conn.execute(
                sa.select(outbox_table)
                .where(outbox_table.c.melding_id == melding_id)
                .order_by(outbox_table.c.id)
            )
        ]


def fall_back(worker: Worker) -> None:
    """Let the worker meet DUO down ``STAYS_DOWN`` times in a row (the channel fails that often)."""
    for _ in range(STAYS_DOWN):
        assert worker.run_once(now=later())


def test_duo_down_near_due_date_falls_back_to_mail_once(store, duo, mail, directory):
    """DUO unreachable attempt after attempt close to the due date: mail takes over, delivered once."""
    [mid] = make_meldingen(store, "S1")
    duo.fail("S1", *outage(STAYS_DOWN))
    drain_due(make_worker(store, duo, mail, directory))
    m = get_melding(store, mid)
    assert (m.route, m.fallback_from, m.status) == ("mail", "duo", "ontvangen")
    assert (duo.delivered, mail.delivered) == ({}, {mid: 1})
    assert [r[:2] for r in rows(store, mid)] == [("duo", "cancelled"), ("mail", "done")]


def test_one_duo_failure_near_due_date_is_retried_on_duo(store, duo, mail, directory):
    """A single transient failure is no outage: the melding goes to DUO on the next attempt, no mail."""
    [mid] = make_meldingen(store, "S1")
    duo.fail("S1", *outage(1))
    drain_due(make_worker(store, duo, mail, directory))
    m = get_melding(store, mid)
    assert (m.route, m.fallback_from, duo.delivered, mail.delivered) == ("duo", None, {mid: 1}, {})


def test_fallback_waits_for_the_schools_number_of_failures(store, duo, mail, directory):
    """With after_failed_attempts = 5, four failures are retried on DUO and the fifth falls back."""
    school = SchoolConfig(**{**SCHOOL.model_dump(), "fallback": Fallback(after_failed_attempts=5)})
    [mid] = make_meldingen(store, "S1", school=school)
    duo.fail("S1", *outage(5))
    worker = make_worker(store, duo, mail, directory, retry=PATIENT)
    for _ in range(4):
        worker.run_once(now=later())
    assert (get_melding(store, mid).route, rows(store, mid)[0][1]) == ("duo", "pending")
    worker.run_once(now=later())
    assert get_melding(store, mid).fallback_from == "duo"


def test_fallback_is_audited_and_shown_in_the_outbox_list(store, duo, mail, directory):
    """The fallback leaves an audit entry and the outbox list shows where it came from."""
    [mid] = make_meldingen(store, "S1")
    duo.fail("S1", *outage(STAYS_DOWN))
    fall_back(make_worker(store, duo, mail, directory))
    assert "melding.fallback" in audit_actions(store, mid)
    [row] = outbox.list_rows(store)
    assert (row["route"], row["fallback_from"], row["state"]) == ("mail", "duo", "pending")


def test_duo_down_far_from_due_date_is_retried_by_duo(store, duo, mail, directory):
    """With working days to spare, a DUO outage is retried on DUO, no fallback."""
    [mid] = make_meldingen(store, "S1")
    duo.fail("S1", *outage(STAYS_DOWN))
    drain_due(make_worker(store, duo, mail, directory, today=FAR_FROM_DUE, retry=PATIENT))
    m = get_melding(store, mid)
    assert (m.route, m.fallback_from, duo.delivered, mail.delivered) == ("duo", None, {mid: 1}, {})


def test_no_fallback_when_the_school_disabled_it(store, duo, mail, directory):
    """A school that switched fallback off keeps retrying DUO, even near the due date."""
    school = SchoolConfig(**{**SCHOOL.model_dump(), "fallback": Fallback(enabled=False)})
    [mid] = make_meldingen(store, "S1", school=school)
    duo.fail("S1", *outage(STAYS_DOWN))
    drain_due(make_worker(store, duo, mail, directory, retry=PATIENT))
    assert (get_melding(store, mid).route, duo.delivered, mail.delivered) == ("duo", {mid: 1}, {})


def test_in_doubt_melding_never_falls_back_while_the_status_query_fails(store, duo, mail, directory):
    """In doubt near the due date and DUO's status query keeps failing: no mail (DUO may hold it);
    the row stays in doubt, so the next attempt asks DUO's status again."""
    [mid] = make_meldingen(store, "S1")
    duo.fail("S1", InDoubtDeliveryError("time-out na verzenden"))
    duo.status_failures.extend(outage(STAYS_DOWN + 1))
    worker = make_worker(store, duo, mail, directory, retry=PATIENT)
    for _ in range(STAYS_DOWN + 2):
        worker.run_once(now=later())
    assert (rows(store, mid), get_melding(store, mid).status) == ([("duo", "in_doubt", None)], "onzeker")
    assert (duo.delivered, mail.delivered, duo.status_failures) == ({}, {}, [])
    assert "melding.fallback" not in audit_actions(store, mid)


def test_replayed_melding_that_was_in_doubt_never_falls_back(store, duo, mail, directory):
    """A dead letter after in-doubt attempts, replayed, meets DUO down near the due date: DUO may
    hold it from before, so it stays on DUO rather than reach the gemeente twice."""
    [mid] = make_meldingen(store, "S1")
    duo.fail("S1", *(InDoubtDeliveryError("time-out na verzenden") for _ in range(FAST.max_attempts)))
    worker = make_worker(store, duo, mail, directory)
    drain_due(worker)
    outbox.replay(store, mid, "beheer", "nogmaals aanbieden")
    duo.fail("S1", *outage(STAYS_DOWN))
    drain_due(worker)
    assert (get_melding(store, mid).route, mail.delivered) == ("duo", {})
    assert "melding.fallback" not in audit_actions(store, mid)


def test_failed_status_query_keeps_the_row_in_doubt(store, duo, mail, directory):
    """When the status query fails far from the due date, the row stays in doubt: no blind resend."""
    [mid] = make_meldingen(store, "S1")
    duo.fail("S1", InDoubtDeliveryError("time-out na verzenden"))
    duo.status_failures.append(TransientDeliveryError("DUO onbereikbaar"))
    worker = make_worker(store, duo, mail, directory, today=FAR_FROM_DUE)
    worker.run_once()
    worker.run_once()
    assert (rows(store, mid)[0][1], get_melding(store, mid).status, duo.delivered) == (
        "in_doubt",
        "onzeker",
        {},
    )


def test_mail_route_gets_recipients_from_the_directory(store, duo, mail, directory):
    """A melding on the mail route goes to the student's gemeente's Leerplicht desk."""
    school = SchoolConfig(**{**SCHOOL.model_dump(), "routes": {"verzuim-16u": "mail"}})
    make_meldingen(store, "S1", school=school)
    drain(make_worker(store, duo, mail, directory))
    [recipients] = mail.seen_recipients
    assert [(r.organisation, r.email) for r in recipients] == [
        ("Leerplicht Utrecht", "leerplicht@utrecht.example")
    ]


def test_unknown_gemeente_keeps_the_melding_in_the_outbox(store, duo, mail, directory):
    """An unknown woongemeente is a clear routing error: the melding waits, visible and audited once."""
    school = SchoolConfig(**{**SCHOOL.model_dump(), "routes": {"verzuim-16u": "mail"}})
    [mid] = make_meldingen(store, "S1", school=school, woongemeente="9999")
    worker = make_worker(store, duo, mail, directory)
    assert worker.run_once()
    assert not worker.run_once()  # not due again right away: no crash loop
    outbox.retry_now(store, mid, "beheer")
    assert worker.run_once()
    m = get_melding(store, mid)
    assert (m.status, rows(store, mid)[0][1], mail.delivered) == ("opnieuw", "pending", {})
    assert "onbekende woongemeente '9999'" in m.last_error
    assert audit_actions(store, mid).count("outbox.niet_te_routeren") == 1


def _resolver_raising(error: Exception) -> Callable[..., FakeChannel]:
    def resolve(school: SchoolConfig, route: str) -> FakeChannel:
        raise error

    return resolve


@pytest.mark.parametrize(
    "error",
    [
        UnknownAdapter("geen kanaal 'duoo' geregistreerd"),
        ConfigurationError("DUO-kanaal: endpoint ontbreekt"),
    ],
)
def test_misconfigured_channel_pauses_the_route_instead_of_looping(store, error):
    """A channel that cannot be built pauses the school's route (audited); the melding waits unharmed."""
    [mid] = make_meldingen(store, "S1")
    worker = Worker(store, _resolver_raising(error), worker_id="w", retry=FAST, today=lambda: FAR_FROM_DUE)
    assert worker.run_once()
    assert not worker.run_once()  # paused: nothing more is claimed
    [pause] = outbox.list_pauses(store)
    assert (pause["route"], str(error) in pause["reason"]) == ("duo", True)
    assert (rows(store, mid)[0][1], get_melding(store, mid).status) == ("pending", "opnieuw")
    assert "outbox.pauze" in audit_actions(store, "duo")


def test_paused_route_delivers_after_the_fix_and_resume(store, duo, mail):
    """Once the configuration is fixed and the route resumed, the melding goes out with no attempt lost."""
    [mid] = make_meldingen(store, "S1")
    Worker(store, _resolver_raising(UnknownAdapter("x")), worker_id="w", retry=FAST).run_once()
    outbox.resume(store, SCHOOL.id, "duo", "beheer")
    drain(make_worker(store, duo, mail, None, today=FAR_FROM_DUE))
    assert (get_melding(store, mid).status, duo.delivered) == ("ontvangen", {mid: 1})


def test_mail_route_without_directory_pauses_mail(store, duo, mail):
    """Mail without a recipient directory is a configuration problem: the mail route is paused."""
    school = SchoolConfig(**{**SCHOOL.model_dump(), "routes": {"verzuim-16u": "mail"}})
    make_meldingen(store, "S1", school=school)
    worker = make_worker(store, duo, mail, None)
    worker.run_once()
    assert [p["route"] for p in outbox.list_pauses(store)] == ["mail"]


def test_unexpected_errors_end_as_a_dead_letter_after_the_attempt_limit(store):
    """An unclassified error is in doubt, but not forever: after max_attempts it is a dead letter."""
    [mid] = make_meldingen(store, "S1")

    class Broken(FakeChannel):
        def deliver(self, melding):  # type: ignore[no-untyped-def]
            raise RuntimeError("kapot")

        def status(self, melding):  # type: ignore[no-untyped-def]
            return None

    broken = Broken()
    worker = Worker(store, lambda s, r: broken, worker_id="w", retry=FAST, today=lambda: FAR_FROM_DUE)
    assert drain(worker) == FAST.max_attempts
    m = get_melding(store, mid)
    assert (m.status, "onzeker na 3 pogingen" in m.last_error) == ("onbestelbaar", True)


def test_cli_outbox_list_marks_fallbacks(store, store_url, duo, mail, directory, tmp_path: Path):
    """The outbox list command shows a fallback row with where it came from."""
    from tests.store.test_cli import _run  # noqa: PLC0415

    make_meldingen(store, "S1")
    duo.fail("S1", *outage(STAYS_DOWN))
    fall_back(make_worker(store, duo, mail, directory))
    result = _run(store_url, tmp_path, "outbox", "list")
    assert result.exit_code == 0, result.output
    assert "[terugval van duo]" in result.output


def test_fallback_that_cannot_be_decided_retries_on_duo(store, duo, mail, directory):
    """When the school's profile no longer loads, the outage is retried on DUO instead of crashing."""
    from gateway import pipeline  # noqa: PLC0415

    [mid] = make_meldingen(store, "S1")
    pipeline.register_school(store, SchoolConfig(**{**SCHOOL.model_dump(), "profile": "bestaat-niet"}), "t")
    duo.fail("S1", TransientDeliveryError("DUO onbereikbaar"))
    drain(make_worker(store, duo, mail, directory))
    assert (get_melding(store, mid).route, duo.delivered, mail.delivered) == ("duo", {mid: 1}, {})
