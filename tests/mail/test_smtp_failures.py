"""SMTP failures are classified for the outbox: transient, permanent or in doubt."""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path

import pytest

from adapters.mail import MailChannel, create_channel
from adapters.mail.sandbox import SandboxSmtp, running_sandbox
from gateway.domain.errors import InDoubtDeliveryError, PermanentDeliveryError, TransientDeliveryError
from gateway.domain.ports import OutgoingMelding
from tests.channel_settings import ChannelPki
from tests.mail.conftest import channel_config


def test_smtp_outage_is_transient(channel: MailChannel, sandbox: SandboxSmtp,
                                  melding: OutgoingMelding) -> None:
    """A server that refuses connections gives a TransientDeliveryError (the worker retries)."""
    sandbox.set_mode("refuse")
    with pytest.raises(TransientDeliveryError, match="niet bereikbaar"):
        channel.deliver(melding)


def test_delivery_succeeds_with_the_same_message_id_after_an_outage(
        channel: MailChannel, sandbox: SandboxSmtp, melding: OutgoingMelding) -> None:
    """After the outage ends, a retry delivers the same melding (same Message-ID)."""
    sandbox.set_mode("refuse")
    with pytest.raises(TransientDeliveryError):
        channel.deliver(melding)
    sandbox.set_mode("accept")
    receipt = channel.deliver(melding)
    assert len(sandbox.messages()) == 1
    assert receipt.receiver_reference == f"<{melding.message_id}@school.example>"


def test_4xx_reply_is_transient(channel: MailChannel, sandbox: SandboxSmtp, melding: OutgoingMelding) -> None:
    """A 451 "try again later" reply gives a TransientDeliveryError with the server's text."""
    sandbox.set_mode("tempfail")
    with pytest.raises(TransientDeliveryError) as caught:
        channel.deliver(melding)
    assert caught.value.receiver_text is not None
    assert "451" in caught.value.receiver_text
    assert sandbox.messages() == []


def test_5xx_recipient_refusal_is_permanent_and_sends_nothing(pki: ChannelPki, tmp_path: Path,
                                                              melding: OutgoingMelding) -> None:
    """A 550 for a recipient is a PermanentDeliveryError, and no recipient gets the mail."""
    with running_sandbox(tmp_path / "maildir", pki.smtp_server.cert, pki.smtp_server.key,
                         rejected_recipients={"leerplicht@gemeente.example"}) as server:
        channel = create_channel(channel_config(pki, server.port))
        with pytest.raises(PermanentDeliveryError) as caught:
            channel.deliver(melding)
        assert caught.value.receiver_text is not None
        assert "550" in caught.value.receiver_text
        assert server.messages() == []


def test_untrusted_server_certificate_is_permanent(pki: ChannelPki, sandbox: SandboxSmtp,
                                                   melding: OutgoingMelding) -> None:
    """A server certificate that does not verify against the CA file stops delivery for a person."""
    channel = create_channel(channel_config(pki, sandbox.port, ca_file=str(pki.demo.rogue_ca_cert)))
    with pytest.raises(PermanentDeliveryError, match="niet te vertrouwen"):
        channel.deliver(melding)
    assert sandbox.messages() == []


def test_server_without_starttls_is_refused(pki: ChannelPki, tmp_path: Path,
                                            melding: OutgoingMelding) -> None:
    """A server that offers no STARTTLS never receives the melding in clear text."""
    with running_sandbox(tmp_path / "maildir", pki.smtp_server.cert, pki.smtp_server.key,
                         starttls=False) as server:
        channel = create_channel(channel_config(pki, server.port))
        with pytest.raises(PermanentDeliveryError, match="STARTTLS"):
            channel.deliver(melding)
        assert server.messages() == []


def test_no_reply_after_the_data_is_in_doubt(pki: ChannelPki, sandbox: SandboxSmtp,
                                             melding: OutgoingMelding) -> None:
    """When the whole message left but no final reply came, the delivery is in doubt."""
    sandbox.set_mode("hang")
    channel = create_channel(channel_config(pki, sandbox.port, timeout=0.5))
    with pytest.raises(InDoubtDeliveryError, match="geen bevestiging"):
        channel.deliver(melding)


def test_login_with_the_right_password_delivers(pki: ChannelPki, tmp_path: Path,
                                                melding: OutgoingMelding) -> None:
    """With SMTP AUTH configured, the channel logs in after STARTTLS and delivers."""
    with running_sandbox(tmp_path / "maildir", pki.smtp_server.cert, pki.smtp_server.key,
                         username="school", password="geheim-test") as server:
        channel = create_channel(channel_config(pki, server.port, username="school", password="geheim-test"))
        channel.deliver(melding)
        assert len(server.messages()) == 1


def test_login_with_a_wrong_password_is_permanent(pki: ChannelPki, tmp_path: Path,
                                                  melding: OutgoingMelding) -> None:
    """A refused login (535) is a PermanentDeliveryError: retrying will not fix the password."""
    with running_sandbox(tmp_path / "maildir", pki.smtp_server.cert, pki.smtp_server.key,
                         username="school", password="geheim-test") as server:
        channel = create_channel(channel_config(pki, server.port, username="school", password="fout"))
        with pytest.raises(PermanentDeliveryError, match="535"):
            channel.deliver(melding)


def test_sandbox_refuses_mail_before_starttls(pki: ChannelPki, sandbox: SandboxSmtp) -> None:
    """The sandbox itself insists on STARTTLS, like the receiving servers it stands in for."""
    with smtplib.SMTP("127.0.0.1", sandbox.port, timeout=10) as client:
        client.ehlo()
        code, _ = client.mail("verzuim@school.example")
        assert code == 530
        client.starttls(context=ssl.create_default_context(cafile=str(pki.demo.ca_cert)))
        client.ehlo()
        code, _ = client.mail("verzuim@school.example")
        assert code == 250
