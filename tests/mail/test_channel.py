"""The mail channel end to end over real SMTP with STARTTLS: deliver, withdraw, stable ids, config."""

from __future__ import annotations

import json
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.mail import MailChannel, create_channel, smime
from adapters.mail.sandbox import SandboxSmtp
from gateway.cli import cli
from gateway.domain.errors import ConfigurationError, PermanentDeliveryError
from gateway.domain.ports import CHANNELS_GROUP, Channel, OutgoingMelding
from gateway.plugins import load
from tests.channel_settings import ChannelPki, duo_table
from tests.mail.conftest import channel_config
from tests.mail.helpers import STUDENT_BSN, make_melding, recipient


def _headers(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def _open(pki: ChannelPki, raw: bytes) -> smime.Verification:
    leerplicht = pki.demo.objects["leerplicht-smime"]
    inner = smime.decrypt(raw, leerplicht.certificate, leerplicht.key)
    return smime.verify(inner, pki.demo.objects["school-smime"].certificate)


def _attachment(content: bytes, filename: str) -> bytes:
    message = BytesParser(policy=policy.default).parsebytes(content)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        if part.get_filename() == filename:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError(f"no attachment {filename}")


def test_entry_point_builds_a_channel(pki: ChannelPki, sandbox: SandboxSmtp) -> None:
    """The `mail` channel entry point yields an object that satisfies the Channel port."""
    factory = load(CHANNELS_GROUP, "mail")
    channel = factory(channel_config(pki, sandbox.port))
    assert isinstance(channel, Channel)
    assert channel.name == "mail"


def test_delivery_over_starttls_arrives_signed_and_encrypted(
        channel: MailChannel, sandbox: SandboxSmtp, melding: OutgoingMelding, pki: ChannelPki) -> None:
    """A delivered melding lands in the maildir, decrypts for Leerplicht and its signature is valid."""
    receipt = channel.deliver(melding)
    [raw] = sandbox.messages()
    verdict = _open(pki, raw)
    assert verdict.valid, verdict.reason
    data = json.loads(_attachment(verdict.content, "melding.json"))
    assert data["signal"]["rule"] == "verzuim-16u"
    assert data["student"]["bsn"] == STUDENT_BSN
    assert receipt.channel == "mail"
    assert receipt.message_id == melding.message_id
    assert receipt.status == "Verzonden"


def test_delivery_goes_to_every_recipient_in_the_envelope(channel: MailChannel, sandbox: SandboxSmtp,
                                                          pki: ChannelPki) -> None:
    """Each recipient address is an SMTP envelope recipient of the one mail."""
    receivers = pki.demo.receivers
    melding = make_melding((
        recipient("Leerplicht", "leerplicht@gemeente.example", receivers["leerplicht"].cert),
        recipient("Doorstroompunt", "dsp@regio.example", receivers["dsp"].cert),
    ))
    channel.deliver(melding)
    [(_, envelope)] = sandbox.handler.received
    assert set(envelope) == {"leerplicht@gemeente.example", "dsp@regio.example"}


def test_message_id_is_stable_across_attempts(channel: MailChannel, sandbox: SandboxSmtp,
                                              melding: OutgoingMelding) -> None:
    """Two attempts of one melding carry the same Message-ID, derived from its message id."""
    first = channel.deliver(melding)
    second = channel.deliver(melding)
    ids = [_headers(raw)["Message-ID"] for raw in sandbox.messages()]
    assert ids == [f"<{melding.message_id}@school.example>"] * 2
    assert first.receiver_reference == second.receiver_reference == ids[0]


def test_headers_carry_no_personal_data(channel: MailChannel, sandbox: SandboxSmtp,
                                        melding: OutgoingMelding) -> None:
    """Subject and other clear-text headers name the rule and school, never the student."""
    channel.deliver(melding)
    [raw] = sandbox.messages()
    head = raw.partition(b"\r\n\r\n")[0]
    message = _headers(raw)
    assert "Verzuimmelding" in message["Subject"]
    assert melding.message_id in message["Subject"]
    for secret in (b"Sanne", b"Jansen", STUDENT_BSN.encode(), b"Dorpsstraat"):
        assert secret not in head


def test_withdraw_sends_an_intrekking_referring_to_the_original(channel: MailChannel, sandbox: SandboxSmtp,
                                                                melding: OutgoingMelding,
                                                                pki: ChannelPki) -> None:
    """`withdraw` mails a signed Intrekking whose In-Reply-To is the original Message-ID."""
    channel.deliver(melding)
    receipt = channel.withdraw(melding, "correctie: leerling was ziek gemeld")
    original, withdrawal = sandbox.messages()
    headers = _headers(withdrawal)
    assert headers["In-Reply-To"] == _headers(original)["Message-ID"]
    assert headers["Message-ID"] == f"<{melding.message_id}.intrekking@school.example>"
    assert "Intrekking" in headers["Subject"]
    verdict = _open(pki, withdrawal)
    assert verdict.valid
    data = json.loads(_attachment(verdict.content, "intrekking.json"))
    assert data["type"] == "intrekking"
    assert data["withdrawal"]["reason"] == "correctie: leerling was ziek gemeld"
    assert receipt.status == "Ingetrokken"


def test_status_is_unknown_for_mail(channel: MailChannel, melding: OutgoingMelding) -> None:
    """Mail has no status query: `status` answers None."""
    assert channel.status(melding) is None


def test_melding_without_recipients_is_permanent(channel: MailChannel) -> None:
    """A melding with no recipient certificate cannot go by mail and is not retried."""
    with pytest.raises(PermanentDeliveryError, match="geen ontvangers"):
        channel.deliver(make_melding(()))


def test_configuration_without_sender_is_refused(pki: ChannelPki) -> None:
    """A configuration missing the sender address is a ConfigurationError naming the field."""
    config = channel_config(pki, 25)
    del config["sender"]
    with pytest.raises(ConfigurationError, match="sender"):
        create_channel(config)


def test_signing_key_must_match_certificate(pki: ChannelPki) -> None:
    """A school key that does not belong to the school certificate is refused at start-up."""
    config = channel_config(pki, 25, signing_key=str(pki.demo.receivers["rmc"].key))
    with pytest.raises(ConfigurationError, match="hoort niet bij"):
        create_channel(config)


def test_unreadable_signing_files_are_a_configuration_error(pki: ChannelPki, tmp_path: Path) -> None:
    """A missing school certificate file is a ConfigurationError, not a crash."""
    config = channel_config(pki, 25, signing_cert=str(tmp_path / "missing.crt"))
    with pytest.raises(ConfigurationError, match="niet te lezen"):
        create_channel(config)


def test_configuration_without_duo_oin_is_refused(pki: ChannelPki) -> None:
    """Every mail carries DUO's document, so DUO's OIN is required: there is no default."""
    config = channel_config(pki, 25)
    del config["duo_oin"]
    with pytest.raises(ConfigurationError, match="duo_oin: ontbreekt"):
        create_channel(config)


def test_a_duo_oin_that_is_no_oin_is_refused(pki: ChannelPki) -> None:
    """DUO's OIN must have the OIN's form (twenty digits or capitals)."""
    with pytest.raises(ConfigurationError, match="duo_oin"):
        create_channel(channel_config(pki, 25, duo_oin="1234"))


def _school_file(folder: Path, channels: dict[str, dict[str, object]]) -> Path:
    """A school file routing everything by mail, with the given channel tables."""
    tables = "".join(f"[channels.{name}]\n" + "".join(f"{key} = {json.dumps(value)}\n"
                                                      for key, value in table.items())
                     for name, table in channels.items())
    path = folder / "school.toml"
    path.write_text('id = "25AB00"\nbrin = "25AB"\noin = "00000001002512345000"\n'
                    'name = "ROC Voorbeeld"\ndefault_route = "mail"\n[fallback]\nenabled = false\n'
                    + tables, encoding="utf-8")
    return path


def _without_duo_oin(table: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in table.items() if key != "duo_oin"}


def test_config_check_reports_a_mail_channel_without_duo_oin(pki: ChannelPki, tmp_path: Path) -> None:
    """`config check` names the missing setting of the mail table, in Dutch, and exits 2."""
    path = _school_file(tmp_path, {"mail": _without_duo_oin(channel_config(pki, 25))})
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert "channels.mail" in result.output and "duo_oin: ontbreekt" in result.output


def test_config_check_takes_duo_oin_for_mail_from_the_duo_table(pki: ChannelPki, tmp_path: Path) -> None:
    """A school writes DUO's OIN once, in [channels.duo]: the mail table without it is complete."""
    path = _school_file(tmp_path, {"duo": duo_table(pki.demo, "https://verzuimloket.example/v1"),
                                   "mail": _without_duo_oin(channel_config(pki, 25))})
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 0, result.output
