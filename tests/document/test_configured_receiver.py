"""A school's configured DUO OIN is the receiving party in both forms of the melding document: the
SOAP body the DUO stand-in receives and the melding.xml of the mail. Neither is the demo's OIN, and
the school writes it once, in [channels.duo]: the mail channel takes it from there."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from adapters.duo.standin import RunningStandin
from adapters.duo.xmlsafe import SOAP_ENV
from adapters.mail import smime
from adapters.mail.sandbox import SandboxSmtp
from gateway.config.school import SchoolConfig
from gateway.delivery.document.schema import VZ
from gateway.delivery.worker import PluginChannels
from gateway.domain.ports import OutgoingMelding, RecipientAddress
from gateway.testing.pki import DEMO_DUO_OIN, PemFiles, issue_server_cert
from tests.channel_settings import ChannelPki, channel_pki, duo_standin, duo_table, mail_table, smtp_sandbox
from tests.duo.helpers import SCHOOL as IDENTITY
from tests.duo.helpers import melding

# The OIN this school's configuration names for DUO (not the demo PKI's), and the school's own.
CONFIGURED_DUO_OIN = "00000001999888777000"
SCHOOL_OIN = "00000001234567890000"
RECEIVER = f"{{{VZ}}}bedrijfsdocument/{{{VZ}}}ontvangendeInstantie"
DATE = f"{{{VZ}}}bedrijfsdocument/{{{VZ}}}datumTijdBedrijfsdocument"


@dataclass(frozen=True)
class Pki(ChannelPki):
    """The channel PKI plus a DUO server certificate for the configured OIN."""

    duo_server: PemFiles


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("receiver-pki")
    made = channel_pki(folder)
    duo = issue_server_cert(made.demo.ca, oin=CONFIGURED_DUO_OIN).write(folder, "duo-configured")
    return Pki(made.demo, made.smtp_server, PemFiles(*duo))


@pytest.fixture
def duo(pki: Pki, tmp_path: Path) -> Iterator[RunningStandin]:
    """A DUO stand-in that answers as the configured OIN (and refuses any other receiver)."""
    with duo_standin(pki, tmp_path, server=pki.duo_server, duo_oin=CONFIGURED_DUO_OIN) as running:
        yield running


@pytest.fixture
def smtp(pki: Pki, tmp_path: Path) -> Iterator[SandboxSmtp]:
    with smtp_sandbox(pki, tmp_path) as server:
        yield server


@pytest.fixture
def channels() -> Iterator[PluginChannels]:
    """Channels from the entry points, built from a school's tables as the worker builds them."""
    made = PluginChannels()
    yield made
    made.close()


def school(pki: Pki, duo: RunningStandin, smtp: SandboxSmtp) -> SchoolConfig:
    """A school whose [channels.duo] names CONFIGURED_DUO_OIN (its [channels.mail] names none)."""
    tables: dict[str, dict[str, Any]] = {
        "duo": duo_table(pki.demo, duo.url, duo_oin=CONFIGURED_DUO_OIN),
        "mail": mail_table(pki.demo, smtp.port),
    }
    return SchoolConfig(id="25BE00", brin=IDENTITY.brin, oin=SCHOOL_OIN, name=IDENTITY.name,
                        channels=tables)


def addressed(pki: Pki) -> OutgoingMelding:
    """A melding of the school (its configured identity) for the demo Leerplicht desk."""
    leerplicht = pki.demo.receivers["leerplicht"]
    desk = RecipientAddress("Leerplicht", "leerplicht@gemeente.example",
                            leerplicht.cert.read_bytes())
    return replace(melding(school=replace(IDENTITY, oin=SCHOOL_OIN)), recipients=(desk,))


def soap_body(duo: RunningStandin) -> etree._Element:
    assert duo.app.config.save_dir is not None
    [saved] = duo.app.config.save_dir.glob("*-MeldenVerzuim.xml")
    return etree.fromstring(saved.read_bytes()).find(f"{{{SOAP_ENV}}}Body")[0]


def mail_document(pki: Pki, smtp: SandboxSmtp) -> etree._Element:
    [raw] = smtp.messages()
    leerplicht = pki.demo.objects["leerplicht-smime"]
    inner = smime.verify(smime.decrypt(raw, leerplicht.certificate, leerplicht.key)).content
    message = BytesParser(EmailMessage, policy=policy.default).parsebytes(inner)
    [xml] = [part.get_payload(decode=True) for part in message.walk()
             if part.get_filename() == "melding.xml"]
    assert isinstance(xml, bytes)
    return etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))


def test_the_configured_duo_oin_receives_by_soap_and_by_mail(
        pki: Pki, duo: RunningStandin, smtp: SandboxSmtp, channels: PluginChannels) -> None:
    """Both channels, built from the school's configuration, name its DUO OIN as receiver."""
    configured = school(pki, duo, smtp)
    made = addressed(pki)
    assert channels(configured, "duo").deliver(made).status == "geregistreerd"
    channels(configured, "mail").deliver(made)
    by_soap, by_mail = soap_body(duo), mail_document(pki, smtp)
    assert by_soap.findtext(RECEIVER) == by_mail.findtext(RECEIVER) == CONFIGURED_DUO_OIN
    assert CONFIGURED_DUO_OIN != DEMO_DUO_OIN


def test_the_mail_attaches_the_document_duo_receives(
        pki: Pki, duo: RunningStandin, smtp: SandboxSmtp, channels: PluginChannels) -> None:
    """Apart from the moment each was written, the two forms are the same document."""
    configured = school(pki, duo, smtp)
    made = addressed(pki)
    channels(configured, "duo").deliver(made)
    channels(configured, "mail").deliver(made)
    by_soap, by_mail = soap_body(duo), mail_document(pki, smtp)
    for document in (by_soap, by_mail):
        stamp = document.find(DATE)
        assert stamp is not None
        stamp.text = "(moment)"
    canonical = [etree.tostring(d, method="c14n", exclusive=True) for d in (by_soap, by_mail)]
    assert canonical[0] == canonical[1]
