"""A data folder for ``verzuim-gateway serve`` holding a working day of a college: two schools, their
users, and some 170 meldingen of the synthetic school, some approved and delivered, one withdrawn,
one onbestelbaar.

``serve`` reads "today" from the clock (Europe/Amsterdam) and has no setting to move it, so the
school year is laid out relative to today: ten weeks of lessons up to today, a herfstvakantie in
week six. Keys are made at run time in the folder's key file, as ``verzuim-gateway init`` does.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from gateway import pipeline
from gateway.config.school import SchoolConfig
from gateway.config.settings import Settings, open_store, write_key_file
from gateway.console.auth import Role, User, create_user
from gateway.delivery.worker import RetryPolicy, Worker
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.melding_content import ContactAttempt, MeldingContent
from gateway.domain.model import Calendar, Holiday
from gateway.domain.ports import SourceBatch
from gateway.intake.batch_checks import amsterdam_today
from gateway.store import MeldingView, Store, list_meldingen
from gateway.testing.synthetic import SYNTHETIC_LESLOCATIES, SyntheticSchool, generate_school
from tests.store.helpers import FakeChannel

BEHEERDER, MELDER, MELDER_B = "beheer@voorbeeld", "melder@voorbeeld", "melder@ander"
SCHOOL_A = SchoolConfig(
    id="25AB00", brin="25AB", oin="00000001234567890000", name="ROC Voorbeeld", review_required=True,
    leslocaties=list(SYNTHETIC_LESLOCATIES), contact_name="M. de Melder",
    contact_function="verzuimcoördinator", contact_phone="030-1234567",
    contact_email="verzuim@voorbeeld.example")
SCHOOL_B = SchoolConfig(id="88YY00", brin="88YY", oin="00000008888888880000", name="ROC Ander",
                        review_required=True)
SIZE_A, SIZE_B = 600, 40
WITHDRAWAL_REASON = "Afwezigheid verkeerd geregistreerd; de leerling was op excursie"
FAST = RetryPolicy(initial=0.001, maximum=0.001, jitter=0, max_attempts=1, in_doubt_delay=0)


@dataclass
class Seeded:
    """What the tests need to know about the data: the day, the meldingen and a few picked out."""

    data_dir: Path
    today: date
    password: str  # every user's, made at run time: no password is committed
    meldingen: list[MeldingView]
    names: dict[str, str]  # student id -> "given family"
    gemeenten: dict[str, str]  # student id -> woongemeente (CBS code)
    withdrawn: str = ""
    dead_letter: str = ""
    delivered: list[str] = field(default_factory=list)
    other_school_melding: str = ""

    def of_rule(self, rule: str) -> list[MeldingView]:
        """The meldingen of ``rule``."""
        return [m for m in self.meldingen if m.rule == rule]

    def by_id(self, melding_id: str) -> MeldingView:
        """One melding by id."""
        (found,) = [m for m in self.meldingen if m.id == melding_id]
        return found

    def rule_counts(self) -> Counter[str]:
        """How many meldingen each rule made."""
        return Counter(m.rule for m in self.meldingen)


def school_year(today: date) -> tuple[date, Calendar]:
    """The first school day (a Monday ten weeks back) and a calendar with a herfstvakantie in week six."""
    start = today - timedelta(days=today.weekday(), weeks=10)
    holiday = start + timedelta(weeks=5)
    return start, Calendar(first_school_day=start, last_school_day=start + timedelta(days=320),
                           holidays=[Holiday(name="herfstvakantie", start=holiday,
                                             end=holiday + timedelta(days=4))])


def _load(store: Store, config: SchoolConfig, school: SyntheticSchool, calendar: Calendar,
          today: date) -> None:
    """Register, ingest everything the SIS shows today, and evaluate."""
    pipeline.register_school(store, config, "test")
    batch = SourceBatch(students=list(school.students), records=school.records_as_of(today),
                        calendar=calendar, cursor="c1")
    assert pipeline.ingest(store, config.id, "test", batch, "test", as_of=today).accepted
    pipeline.evaluate(store, config.id, today)


def complete_content(today: date) -> MeldingContent:
    """What a coordinator fills in so any melding is complete."""
    return MeldingContent(
        vermoedelijke_reden="Problemen thuis", actions_taken=("Gesprek met mentor",), actie_gewenst=False,
        toelichting="De school pakt het zelf op.", leslocatie=SYNTHETIC_LESLOCATIES[0], concerns=frozenset(),
        agreements="Wekelijks gesprek", asked_of_rmc="Traject zoeken",
        contact_attempts=(ContactAttempt(today - timedelta(days=1), "telefoon", "Geen gehoor"),))


def _deliver(store: Store, views: list[MeldingView], today: date) -> tuple[list[str], str]:
    """Fill in, approve and deliver ``views``; the last one's receiver refuses it (onbestelbaar)."""
    channel = FakeChannel()
    for view in views:
        pipeline.save_content(store, SCHOOL_A.id, view.id, complete_content(today), actor=MELDER)
        pipeline.approve(store, SCHOOL_A.id, view.id, actor=MELDER)
    refused = views[-1]
    channel.fail(refused.student_id, PermanentDeliveryError("ontvanger onbekend bij DUO"))
    worker = Worker(store, lambda school, route: channel, worker_id="host-a:1", retry=FAST)
    for _ in range(10 * len(views)):
        if not worker.run_once():
            break
    return [v.id for v in views[:-1]], refused.id


def seed(data_dir: Path) -> Seeded:
    """Make ``data_dir`` (key file, SQLite store) and fill it; returns what the tests need."""
    write_key_file(data_dir)
    settings = Settings.from_env({"VERZUIM_DATA_DIR": str(data_dir)})
    store = open_store(settings, migrate=True)
    try:
        return _fill(store, data_dir)
    finally:
        store.close()


def _fill(store: Store, data_dir: Path) -> Seeded:
    today = amsterdam_today()
    start, calendar = school_year(today)
    school_a = generate_school(seed=7, size=SIZE_A, start=start, end=today, brin=SCHOOL_A.brin,
                               calendar=calendar)
    school_b = generate_school(seed=8, size=SIZE_B, start=start, end=today, brin=SCHOOL_B.brin,
                               calendar=calendar)
    _load(store, SCHOOL_A, school_a, calendar, today)
    _load(store, SCHOOL_B, school_b, calendar, today)
    password = secrets.token_urlsafe(16)
    users: tuple[tuple[str, SchoolConfig, Role], ...] = (
        (BEHEERDER, SCHOOL_A, "beheerder"), (MELDER, SCHOOL_A, "melder"), (MELDER_B, SCHOOL_B, "melder"))
    for username, school, role in users:
        create_user(store, User(username, school.id, role), password, actor="test")
    sixteen = [m for m in list_meldingen(store, SCHOOL_A.id, rule="verzuim-16u", limit=1000)]
    delivered, dead = _deliver(store, sixteen[:4], today)
    withdrawn = sixteen[4]
    with store.write() as conn:
        pipeline.withdraw(conn, withdrawn.id, BEHEERDER, WITHDRAWAL_REASON)
    names = {s.id: f"{s.given_names} {s.family_name}" for s in school_a.students}
    other = list_meldingen(store, SCHOOL_B.id, limit=1)
    return Seeded(data_dir=data_dir, today=today, password=password,
                  meldingen=list_meldingen(store, SCHOOL_A.id, limit=10_000), names=names,
                  gemeenten={s.id: s.woongemeente or "" for s in school_a.students},
                  withdrawn=withdrawn.id, dead_letter=dead, delivered=delivered,
                  other_school_melding=other[0].id if other else "")
