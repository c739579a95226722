"""Every XML the DUO adapter reads goes through the core's parser: the stand-in's requests and
the client's answers both refuse any DOCTYPE unread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from adapters.duo.client import HttpxTransport, ResponseInvalid
from adapters.duo.failures import classify
from adapters.duo.standin import RunningStandin
from adapters.duo.xmlsafe import SOAP_ENV
from gateway.delivery.document.xmlsafe import DTD_REFUSED
from gateway.domain.errors import InDoubtDeliveryError
from gateway.testing.pki import DemoPki

from .test_standin import envelope, fault_code, https_client, post


def with_parameter_entity(system: str) -> bytes:
    """A SOAP envelope whose internal subset loads ``system`` through a parameter entity."""
    return (f'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY % x SYSTEM "{system}"> %x;]>'
            f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body/></soap:Envelope>').encode()


@pytest.fixture
def client(pki: DemoPki) -> Iterator[httpx.Client]:
    with https_client(pki, pki.gateway_client) as made:
        yield made


def fault_text(response: httpx.Response) -> str | None:
    return etree.fromstring(response.content).findtext(
        f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/faultstring")


def test_standin_refuses_a_parameter_entity_naming_etc_passwd(standin: RunningStandin,
                                                               client: httpx.Client) -> None:
    """Fault 0001, and nothing of the file in the answer."""
    response = post(client, standin.url, with_parameter_entity("file:///etc/passwd"))
    assert fault_code(response) == "0001"
    assert fault_text(response) == f"ongeldige envelope: {DTD_REFUSED}"
    assert b"root:" not in response.content and b"passwd" not in response.content


def test_standin_answers_alike_for_an_existing_and_a_missing_file(
        standin: RunningStandin, client: httpx.Client, tmp_path: Path) -> None:
    """The answer does not tell whether a file exists."""
    existing = tmp_path / "bestaat.txt"
    existing.write_text("geheim", encoding="utf-8")
    found = post(client, standin.url, with_parameter_entity(existing.as_uri()))
    missing = post(client, standin.url, with_parameter_entity((tmp_path / "nee.txt").as_uri()))
    assert fault_text(found) == fault_text(missing)
    assert b"geheim" not in found.content


def test_standin_refuses_dev_zero_promptly_and_keeps_answering(
        pki: DemoPki, standin: RunningStandin, client: httpx.Client) -> None:
    """A parameter entity naming ``/dev/zero`` gets a prompt fault (the client gives up after
    10 s), and the next valid request is registered."""
    response = post(client, standin.url, with_parameter_entity("file:///dev/zero"))
    assert fault_code(response) == "0001"
    assert post(client, standin.url, envelope(pki, standin.url)).status_code == 200


def transport_answering(body: bytes) -> HttpxTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/xml"}, content=body)
    return HttpxTransport(httpx.MockTransport(answer), httpx.Timeout(5.0))


def test_client_refuses_an_answer_with_a_dtd_before_zeep_reads_it() -> None:
    """zeep would load the parameter entity before checking for a DOCTYPE; the transport
    refuses the answer first."""
    transport = transport_answering(with_parameter_entity("file:///dev/zero"))
    with pytest.raises(ResponseInvalid, match="niet toegestaan"):
        transport.post("https://duo.example/", b"<x/>", {})


def test_an_answer_with_a_dtd_leaves_the_melding_in_doubt() -> None:
    """The request left: the outbox asks DUO's status before sending again."""
    transport = transport_answering(with_parameter_entity("file:///etc/passwd"))
    with pytest.raises(ResponseInvalid) as caught:
        transport.post("https://duo.example/", b"<x/>", {})
    assert isinstance(classify(caught.value), InDoubtDeliveryError)
