"""examples/school.toml as shipped (certificates and endpoints pointed at the stand-ins) delivers
its meldingen on both routes without a dead letter, once the verzuimcoördinator has filled in and
approved them: the DUO stand-in checks every melding against DUO's schema, so a location DUO would
refuse (a town name) fails here, and the example's melder and leslocaties reach the receivers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from adapters.duo.standin import RunningStandin
from adapters.mail.demo_certs import write_directory_certificates
from adapters.mail.sandbox import SandboxSmtp
from gateway import pipeline
from gateway.cli import cli
from gateway.config.settings import Settings, open_store
from gateway.delivery.outbox.levers import count_dead
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import ContactAttempt, MeldingContent
from gateway.domain.ports import SourceBatch
from gateway.domain.soort_verzuim import NO_SHOW_CONTACT
from gateway.store import Store, count_by_status, get_melding
from gateway.store.schema import meldingen
from gateway.testing.pki import DEMO_SCHOOL_EMAIL
from tests.channel_settings import ChannelPki, channel_pki, duo_standin, smtp_sandbox
from tests.store.helpers import absences, student

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "school.toml"
SCHOOL_ID = "25KN00"
AS_OF = date(2026, 9, 4)  # the fifth school day of the example's school year
FIRST_WEEK = [date(2026, 8, 31) + timedelta(days=n) for n in range(5)]


@pytest.fixture
def pki(tmp_path: Path) -> ChannelPki:
    """The demo PKI, its files named as the example expects them under /etc/verzuim-gateway/pki."""
    return channel_pki(tmp_path / "pki")


@pytest.fixture
def duo(pki: ChannelPki, tmp_path: Path) -> Iterator[RunningStandin]:
    """The DUO stand-in: mutual TLS, WS-Security, and the Verzuimloket schema on every melding."""
    with duo_standin(pki, tmp_path) as running:
        yield running


@pytest.fixture
def smtp(pki: ChannelPki, tmp_path: Path) -> Iterator[SandboxSmtp]:
    """The SMTP sandbox with STARTTLS."""
    with smtp_sandbox(pki, tmp_path) as server:
        yield server


def example_for_standins(tmp_path: Path, pki: ChannelPki, duo: RunningStandin, smtp: SandboxSmtp) -> Path:
    """A copy of the example with only what differs between a school's machine and this test
    changed: where the certificates are, and where DUO and the mail server are."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in [
        ("/etc/verzuim-gateway/pki", str(pki.demo.directory)),
        ('"https://verzuimloket.example/verzuimloket/v1"', f'"{duo.url}"'),
        ('"smtp.rockopvannh.example"', '"127.0.0.1"'),
        ("smtp_port = 587", f'smtp_port = {smtp.port}\nca_file = "{pki.demo.ca_cert}"'),
        ('sender = "verzuim@rockopvannh.example"', f'sender = "{DEMO_SCHOOL_EMAIL}"'),  # the S/MIME cert's
        ('username = "verzuim"\n', ""),  # the sandbox takes mail without logging in
    ]:
        assert old in text, old
        text = text.replace(old, new)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("password_env"))
    path = tmp_path / "school.toml"
    path.write_text(text, encoding="utf-8")
    return path


def both_routes_batch() -> SourceBatch:
    """S1 reaches 16 hours (DUO); S2 never came in the first school week (no-show: mail)."""
    return SourceBatch(
        students=[student("S1"), student("S2", intro_attended=False)],
        records=absences("S1", [date(2026, 9, 1), date(2026, 9, 2)]) + absences("S2", FIRST_WEEK),
        cursor="c1",
    )


def fill_in_and_approve(store: Store, melding_ids: list[str]) -> None:
    """The verzuimcoördinator's part: the example's regional profile holds every melding for review.
    The melder and the leslocatie list come from the example; the student's phone from the SIS."""
    content = MeldingContent(
        vermoedelijke_reden="Spijbelen", actions_taken=("Gesprek met de student",), actie_gewenst=True,
        toelichting="Graag een gesprek van de leerplichtambtenaar met student en ouders.",
        leslocatie="Locatie Zuid", contact_attempts=(ContactAttempt(AS_OF - timedelta(days=1), "telefoon",
                                                                    "geen gehoor"),))
    for melding_id in melding_ids:
        view = get_melding(store, melding_id)
        if view is not None and view.status == State.CONCEPT:
            assert pipeline.save_content(store, SCHOOL_ID, melding_id, content, actor="test") == ()
            pipeline.approve(store, SCHOOL_ID, melding_id, actor="test")


def test_the_shipped_example_delivers_on_both_routes_without_a_dead_letter(
    tmp_path: Path, pki: ChannelPki, duo: RunningStandin, smtp: SandboxSmtp
) -> None:
    """config check passes, the school registers, and one worker run delivers every melding."""
    school = example_for_standins(tmp_path, pki, duo, smtp)
    certs = tmp_path / "recipients"
    certs.mkdir()
    write_directory_certificates(pki.demo.ca, certs)
    env = {"VERZUIM_DATA_DIR": str(tmp_path / "data"), "MAGISTER_CLIENT_SECRET": "x"}
    runner = CliRunner()
    for args in (["config", "check", str(school)], ["db", "init"], ["db", "register-school", str(school)]):
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
    store = open_store(Settings.from_env(env))
    try:
        assert pipeline.ingest(store, SCHOOL_ID, "magister", both_routes_batch(), "test").accepted
        created = pipeline.evaluate(store, SCHOOL_ID, AS_OF).created
        fill_in_and_approve(store, created)
        worker = runner.invoke(cli, ["worker", "--once", "--name", "e2e", "--today", AS_OF.isoformat(),
                                     "--recipient-certs", str(certs)], env=env)
        assert worker.exit_code == 0, worker.output
        assert count_dead(store) == 0
        with store.read() as conn:
            routes = {(r.rule, r.route, r.status) for r in conn.execute(
                sa.select(meldingen.c.rule, meldingen.c.route, meldingen.c.status)
                .where(meldingen.c.id.in_(created)))}
        assert ("verzuim-16u", "duo", State.ONTVANGEN) in routes
        assert ("no-show", "mail", State.ONTVANGEN) in routes
        # Every melding was received; the no-show's contact tasks are the school's own (intern).
        with store.read() as conn:
            rules = list(conn.scalars(sa.select(meldingen.c.rule).where(meldingen.c.id.in_(created))))
        tasks = rules.count(NO_SHOW_CONTACT)
        assert count_by_status(store, SCHOOL_ID) == {State.ONTVANGEN: len(created) - tasks,
                                                     **({State.INTERN: tasks} if tasks else {})}
        assert [p for p in (tmp_path / "maildir").rglob("*") if p.is_file()], "no mail reached the sandbox"
    finally:
        store.close()
