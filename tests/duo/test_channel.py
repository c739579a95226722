"""The DUO channel against the stand-in over real mutual TLS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from adapters.duo import create_channel
from adapters.duo.channel import DuoChannel
from adapters.duo.codes import VERZUIMSOORT
from adapters.duo.standin import RunningStandin, start_standin
from gateway.errors import (
    ConfigurationError,
    InDoubtDeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from gateway.pki import DemoPki
from gateway.ports import Channel, MeldingContent

from .conftest import make_channel, standin_config
from .helpers import SCHOOL, melding


def test_channel_implements_the_port(pki: DemoPki, standin: RunningStandin) -> None:
    """create_channel builds a gateway.ports.Channel from a plain mapping."""
    channel = create_channel({"endpoint": standin.url, "duo_oin": pki.duo_oin,
                              "client_cert": str(pki.gateway_client.cert),
                              "client_key": str(pki.gateway_client.key),
                              "ca": str(pki.ca_cert), "timeouts": {"read": 5}})
    try:
        assert isinstance(channel, Channel)
        assert channel.name == "duo"
    finally:
        channel.close()


def test_incomplete_configuration_is_a_configuration_error() -> None:
    """A configuration without endpoint is refused with a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        create_channel({"duo_oin": "1"})


def test_deliver_returns_meldingsnummer(channel: DuoChannel, standin: RunningStandin) -> None:
    """A delivered melding gets DUO's meldingsnummer and status geregistreerd."""
    receipt = channel.deliver(melding())
    assert receipt.receiver_reference == "VZ0000000001"
    assert receipt.status == "geregistreerd"
    assert standin.app.registration_count() == 1


def test_duplicate_message_id_returns_the_original_receipt(channel: DuoChannel,
                                                           standin: RunningStandin) -> None:
    """Sending the same melding twice registers it once and returns the same meldingsnummer."""
    first = channel.deliver(melding())
    second = channel.deliver(melding())
    assert first.receiver_reference == second.receiver_reference
    assert standin.app.registration_count() == 1
    assert standin.app.stats.duplicates == 1


@pytest.mark.parametrize("rule", sorted(VERZUIMSOORT))
def test_every_rule_kind_is_accepted(channel: DuoChannel, rule: str) -> None:
    """Each rule that goes to DUO is registered (LRV and RMC with an open end date)."""
    open_end = rule in ("lrv", "rmc-4w")
    item = melding(rule, period_end=None if open_end else date(2026, 9, 22),
                   hours=16.5 if rule in ("verzuim-16u", "herhaalmelding") else None)
    assert channel.deliver(item).status == "geregistreerd"


def test_school_task_never_goes_to_duo(channel: DuoChannel) -> None:
    """sf-4w-contact is a school task: the channel refuses it permanently."""
    with pytest.raises(PermanentDeliveryError):
        channel.deliver(melding("sf-4w-contact"))


def test_request_carries_content_concerns_and_actions(channel: DuoChannel,
                                                      standin: RunningStandin) -> None:
    """Actie gewenst, toelichting, concerns and actions taken reach DUO."""
    content = MeldingContent(actie_gewenst=True, toelichting="Graag huisbezoek",
                             concerns=frozenset({"dreigende_uitval"}),
                             actions_taken=("gesprek met ouders", "mentorgesprek"))
    channel.deliver(melding(content=content))
    saved = b"".join(p.read_bytes() for p in standin.app.config.save_dir.glob("*.xml"))  # type: ignore[union-attr]
    for expected in (b"<vz:actieGewenst>true", b"Graag huisbezoek", b"<vz:dreigendeUitval>true",
                     b"mentorgesprek", b"<vz:verzuimsoort>V3", b"<vz:aantalUren>16.50"):
        assert expected.replace(b"vz:", b"") in saved.replace(b"ns0:", b"").replace(b"vz:", b"")


def test_student_of_18_gets_verzuimsoort_v4(channel: DuoChannel,
                                            standin: RunningStandin) -> None:
    """A 16-uur melding for an 18-year-old is verzuimsoort V4."""
    channel.deliver(melding(birth_date=date(2008, 1, 1), recipient="rmc"))
    registration = next(iter(standin.app.registrations.values()))
    assert registration.verzuimsoort == "V4"


def test_onderwijsnummer_identifies_student(channel: DuoChannel) -> None:
    """A student without BSN is identified by a valid onderwijsnummer."""
    assert channel.deliver(melding(bsn=None, onderwijsnummer="101234567")).receiver_reference


def test_bsn_failing_elfproef_is_permanent_before_sending(channel: DuoChannel,
                                                          standin: RunningStandin) -> None:
    """A BSN that fails the elfproef is refused without contacting DUO."""
    with pytest.raises(PermanentDeliveryError, match="elfproef"):
        channel.deliver(melding(bsn="123456789"))
    assert standin.app.stats.requests == 0


def test_xsd_invalid_melding_is_dead_letter_with_text(channel: DuoChannel,
                                                      standin: RunningStandin) -> None:
    """A melding that breaks the XSD (bad BRIN) is permanent and carries the validation text."""
    bad_school = SCHOOL.__class__(**{**SCHOOL.__dict__, "brin": "BAD"})
    with pytest.raises(PermanentDeliveryError) as caught:
        channel.deliver(melding(school=bad_school))
    assert caught.value.receiver_text and "brin" in caught.value.receiver_text
    assert standin.app.stats.requests == 0


def test_business_rejection_is_permanent_with_receiver_text(channel: DuoChannel) -> None:
    """requestGoedgekeurd=false with foutmelding (16 uur without einddatum) is permanent."""
    with pytest.raises(PermanentDeliveryError) as caught:
        channel.deliver(melding(period_end=None))
    assert caught.value.receiver_text is not None
    assert caught.value.receiver_text.startswith("VZ003")


def test_validation_fault_is_dead_letter_with_fault_text(channel: DuoChannel,
                                                         standin: RunningStandin) -> None:
    """A SOAP fault 0004 (XSD) from DUO is permanent and carries DUO's text."""
    standin.faults.soap_fault, standin.faults.soap_fault_count = "0004", 1
    with pytest.raises(PermanentDeliveryError) as caught:
        channel.deliver(melding())
    assert caught.value.receiver_text == "0004: ingestelde storing"


def test_fault_0051_is_transient(channel: DuoChannel, standin: RunningStandin) -> None:
    """SOAP fault 0051 (service unavailable) is transient."""
    standin.faults.soap_fault, standin.faults.soap_fault_count = "0051", 1
    with pytest.raises(TransientDeliveryError):
        channel.deliver(melding())


def test_http_503_is_transient(channel: DuoChannel, standin: RunningStandin) -> None:
    """An HTTP 503 without SOAP envelope is transient."""
    standin.faults.unavailable_503 = 1
    with pytest.raises(TransientDeliveryError):
        channel.deliver(melding())


def test_connection_refused_is_transient(pki: DemoPki) -> None:
    """Nothing listening on the endpoint is transient (nothing was sent)."""
    running = start_standin(standin_config(pki))
    url = running.url
    running.stop()
    channel = make_channel(pki, url)
    try:
        with pytest.raises(TransientDeliveryError):
            channel.deliver(melding())
    finally:
        channel.close()


def test_dropped_before_processing_is_in_doubt_and_status_says_not_found(
        channel: DuoChannel, standin: RunningStandin) -> None:
    """A connection dropped after sending is in doubt; the status operation says not found."""
    standin.faults.drop_before = 1
    with pytest.raises(InDoubtDeliveryError):
        channel.deliver(melding())
    report = channel.status(melding())
    assert report is not None and not report.found


def test_dropped_after_registering_is_in_doubt_and_status_says_found(
        channel: DuoChannel, standin: RunningStandin) -> None:
    """A melding registered but unanswered is in doubt; the status operation finds it."""
    standin.faults.drop_after = 1
    with pytest.raises(InDoubtDeliveryError):
        channel.deliver(melding())
    report = channel.status(melding())
    assert report is not None and report.found and report.status == "geregistreerd"


def test_read_timeout_after_sending_is_in_doubt(pki: DemoPki, standin: RunningStandin) -> None:
    """No answer within the read timeout is in doubt, never transient."""
    standin.faults.latency = 1.0
    channel = make_channel(pki, standin.url, read_timeout=0.2)
    try:
        with pytest.raises(InDoubtDeliveryError):
            channel.deliver(melding())
    finally:
        standin.faults.latency = 0.0
        channel.close()


def test_withdraw_sets_status_ingetrokken(channel: DuoChannel) -> None:
    """A withdrawn melding reports status ingetrokken."""
    item = melding()
    channel.deliver(item)
    assert channel.withdraw(item, "registratie gecorrigeerd").status == "ingetrokken"
    report = channel.status(item)
    assert report is not None and report.status == "ingetrokken"


def test_withdrawing_unknown_melding_is_permanent(channel: DuoChannel) -> None:
    """Withdrawing a melding DUO never registered is refused permanently."""
    with pytest.raises(PermanentDeliveryError, match="VZ010"):
        channel.withdraw(melding(), "correctie")


def test_status_moves_on_over_time(pki: DemoPki) -> None:
    """The stand-in moves a melding to in behandeling and then afgesloten as time passes."""
    now = [datetime.now(UTC)]
    running = start_standin(standin_config(pki, status_step=timedelta(days=1)),
                            clock=lambda: now[0])
    channel = make_channel(pki, running.url, verify_signer_oin=True)
    try:
        item = melding()
        channel.deliver(item)
        now[0] += timedelta(days=1, minutes=1)
        assert channel.status(item).status == "in_behandeling"  # type: ignore[union-attr]
        now[0] += timedelta(days=1)
        assert channel.status(item).status == "afgesloten"  # type: ignore[union-attr]
        changes = channel.changes_since(SCHOOL, now[0] - timedelta(hours=1))
        assert [c.status for c in changes] == ["afgesloten"]
    finally:
        channel.close()
        running.stop()


def test_wrong_client_certificate_is_refused(pki: DemoPki, standin: RunningStandin) -> None:
    """A client certificate from another CA is refused at the TLS layer: nothing registered.

    Under TLS 1.3 the refusal arrives after the client sent its request, so the client can only
    call it in doubt (or transient when the alert is seen); either way the worker asks first.
    """
    channel = make_channel(pki, standin.url, client_cert=pki.rogue_client.cert,
                           client_key=pki.rogue_client.key)
    try:
        with pytest.raises((TransientDeliveryError, InDoubtDeliveryError)):
            channel.deliver(melding())
    finally:
        channel.close()
    assert standin.app.stats.requests == 0


def test_one_certificate_acts_for_several_schools(channel: DuoChannel,
                                                  standin: RunningStandin) -> None:
    """One gateway certificate delivers for two schools, each named by its own OIN."""
    other = SCHOOL.__class__(**{**SCHOOL.__dict__, "brin": "30XY",
                                "oin": "0000000700030XY00000"})
    channel.deliver(melding(student_id="S1"))
    channel.deliver(melding(student_id="S2", school=other))
    assert {r.school_oin for r in standin.app.registrations.values()} == {
        SCHOOL.oin, other.oin}
