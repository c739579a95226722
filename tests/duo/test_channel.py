"""The DUO channel against the stand-in over real mutual TLS."""

from __future__ import annotations

import ssl
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from adapters.duo import create_channel
from adapters.duo.channel import DuoChannel, DuoConfig
from adapters.duo.failures import tls_refusal
from adapters.duo.standin import RunningStandin, start_standin
from gateway.delivery.document import DocumentInvalid
from gateway.delivery.document.verzuimsoort import VERZUIMSOORT
from gateway.domain.errors import (
    ConfigurationError,
    InDoubtDeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from gateway.domain.ports import Channel
from gateway.testing.pki import DemoPki, PemFiles

from .conftest import make_channel, standin_config
from .helpers import SCHOOL, complete_content, melding


def test_channel_implements_the_port(pki: DemoPki, standin: RunningStandin) -> None:
    """create_channel builds a gateway.domain.ports.Channel from a plain mapping."""
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
def test_every_rule_kind_is_accepted(channel: DuoChannel, standin: RunningStandin, rule: str) -> None:
    """Each melding kind that goes to DUO (rules, manual kinds, uitschrijving) is registered as a
    version 2 melding (LRV and RMC with an open end date)."""
    open_end = rule in ("lrv", "rmc-4w")
    item = melding(rule, period_end=None if open_end else date(2026, 9, 22),
                   hours=16.5 if rule in ("verzuim-16u", "herhaalmelding") else None)
    assert channel.deliver(item).status == "geregistreerd"
    registration = standin.app.registration(item.message_id)
    assert registration is not None and registration.version == "V2"


def test_school_task_never_goes_to_duo(channel: DuoChannel) -> None:
    """sf-4w-contact is a school task: the channel refuses it permanently."""
    with pytest.raises(PermanentDeliveryError):
        channel.deliver(melding("sf-4w-contact"))


def test_request_carries_content_concerns_and_actions(channel: DuoChannel,
                                                      standin: RunningStandin) -> None:
    """Actie gewenst, toelichting, concerns and actions taken reach DUO."""
    content = complete_content(actie_gewenst=True, toelichting="Graag huisbezoek",
                               concerns=frozenset({"dreigende_uitval"}),
                               actions_taken=("gesprek met ouders", "mentorgesprek"))
    channel.deliver(melding(content=content))
    saved = b"".join(p.read_bytes() for p in standin.app.config.save_dir.glob("*.xml"))  # type: ignore[union-attr]
    for expected in (b"<vz:actieGewenst>true", b"Graag huisbezoek", b"<vz:dreigendeUitval>true",
                     b"mentorgesprek", b"<vz:verzuimsoort>V3", b"<vz:aantalUren>16.50"):
        assert expected.replace(b"vz:", b"") in saved.replace(b"ns0:", b"").replace(b"vz:", b"")


def test_an_incomplete_melding_never_reaches_duo(channel: DuoChannel,
                                                standin: RunningStandin) -> None:
    """Actie gewenst unanswered is refused before sending, naming the field; DUO sees nothing."""
    with pytest.raises(DocumentInvalid, match="actie door gemeente gewenst"):
        channel.deliver(melding(content=complete_content(actie_gewenst=None)))
    assert standin.app.stats.requests == 0


def test_student_of_18_gets_verzuimsoort_v4(channel: DuoChannel,
                                            standin: RunningStandin) -> None:
    """A 16-uur melding for an 18-year-old is verzuimsoort V4."""
    channel.deliver(melding(birth_date=date(2008, 1, 1), recipient="rmc"))
    registration = next(iter(standin.app.registrations.values()))
    assert registration.verzuimsoort == "V4"


def test_onderwijsnummer_identifies_student(channel: DuoChannel) -> None:
    """A student without BSN is identified by a valid onderwijsnummer."""
    assert channel.deliver(melding(bsn=None, onderwijsnummer="101234564")).receiver_reference


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


def test_xsd_error_names_the_element_but_never_the_value(channel: DuoChannel) -> None:
    """A postcode that breaks the XSD pattern is named by its element; the postcode itself
    stays out of the message and the receiver text (they reach logs and the audit log)."""
    item = melding()
    item = replace(item, student=replace(item.student, postcode="1234 ab"))
    with pytest.raises(PermanentDeliveryError) as caught:
        channel.deliver(item)
    texts = (str(caught.value), caught.value.receiver_text or "")
    assert all("postcode" in text for text in texts)
    assert not any("1234 ab" in text for text in texts)


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


def test_unreadable_answer_after_sending_is_in_doubt_and_status_finds_it(
        channel: DuoChannel, standin: RunningStandin) -> None:
    """An HTTP 200 whose body is not XML came from DUO after it got the request: in doubt, and
    the status operation finds the melding registered."""
    standin.faults.garbage_after = 1
    with pytest.raises(InDoubtDeliveryError):
        channel.deliver(melding())
    report = channel.status(melding())
    assert report is not None and report.found


def test_answer_over_the_size_limit_is_in_doubt(pki: DemoPki, standin: RunningStandin) -> None:
    """An answer larger than the client accepts is not read; the request left, so in doubt."""
    channel = make_channel(pki, standin.url, max_response_bytes=1024)
    try:
        with pytest.raises(InDoubtDeliveryError):
            channel.deliver(melding())
    finally:
        channel.close()
    assert standin.app.registration_count() == 1


def test_response_size_limit_is_configurable() -> None:
    """``max_response_bytes`` in the channel configuration sets the limit (default 2 MiB)."""
    base = {"endpoint": "https://duo.example/", "duo_oin": "1", "client_cert": "c",
            "client_key": "k", "ca": "ca"}
    assert DuoConfig.from_mapping(base).max_response_bytes == 2 * 1024 * 1024
    assert DuoConfig.from_mapping({**base, "max_response_bytes": 4096}).max_response_bytes == 4096


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


def test_certificate_of_another_gateway_is_permanent(pki: DemoPki, standin: RunningStandin,
                                                     other_gateway: PemFiles) -> None:
    """A certificate from DUO's CA for an OIN DUO does not allow is refused (HTTP 403):
    permanent, since retrying with the same certificate cannot help."""
    channel = make_channel(pki, standin.url, client_cert=other_gateway.cert,
                           client_key=other_gateway.key)
    try:
        with pytest.raises(PermanentDeliveryError, match="403"):
            channel.deliver(melding())
    finally:
        channel.close()
    assert standin.app.registration_count() == 0


def _openssl_error(incoming: bytes | None) -> ssl.SSLError:
    """A genuine error of the ssl module: a TLS client reading ``incoming`` (None: the
    connection ends) where the server's handshake should be."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    received, sent = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(received, sent)
    if incoming is None:
        received.write_eof()
    else:
        received.write(incoming)
    try:
        tls.do_handshake()
    except ssl.SSLError as exc:
        return exc
    raise AssertionError("handshake unexpectedly succeeded")


def _read_error_from(cause: BaseException) -> httpx.ReadError:
    """What httpx raises for a failed read: its own error with the cause chained (``from``)."""
    error = httpx.ReadError("read failed")
    error.__cause__ = cause
    return error


def test_ssl_error_from_the_server_is_a_tls_refusal() -> None:
    """Any SSL error other than an unclean close means the server's TLS layer refused us, by
    type and not by the wording of OpenSSL's reason (here WRONG_VERSION_NUMBER, no alert)."""
    assert tls_refusal(_read_error_from(_openssl_error(b"HTTP/1.1 400 Bad Request\r\n\r\n")))


def test_unclean_tls_close_is_not_a_tls_refusal() -> None:
    """A connection that ends without a TLS close may have been processed: not a refusal."""
    assert isinstance(_openssl_error(None), ssl.SSLEOFError)
    assert not tls_refusal(_read_error_from(_openssl_error(None)))


@pytest.mark.parametrize("unclean", [ssl.SSLZeroReturnError, ssl.SSLSyscallError])
def test_zero_return_and_syscall_errors_are_not_tls_refusals(unclean: type[ssl.SSLError]) -> None:
    """A TLS close or a socket error below TLS says nothing about a refusal either."""
    assert not tls_refusal(_read_error_from(unclean(1, "closed")))


def test_one_certificate_acts_for_several_schools(channel: DuoChannel,
                                                  standin: RunningStandin) -> None:
    """One gateway certificate delivers for two schools, each named by its own OIN."""
    other = SCHOOL.__class__(**{**SCHOOL.__dict__, "brin": "30XY",
                                "oin": "0000000700030XY00000"})
    channel.deliver(melding(student_id="S1"))
    channel.deliver(melding(student_id="S2", school=other))
    assert {r.school_oin for r in standin.app.registrations.values()} == {
        SCHOOL.oin, other.oin}
