"""The stand-in as any client sees it: plain HTTPS POSTs of envelopes built without zeep."""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from lxml import etree

from adapters.duo.security import Signer
from adapters.duo.standin import RunningStandin, start_standin
from adapters.duo.xmlsafe import ACTIONS, ANONYMOUS, SOAP_ENV, WSA, actions
from gateway.delivery.document.model import melden_document
from gateway.delivery.document.render import render
from gateway.delivery.document.schema import VZ
from gateway.testing.pki import DemoPki, PemFiles

from .conftest import OTHER_GATEWAY_OIN, standin_config
from .helpers import SCHOOL, melding

FAULT_CODE = f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/detail/{{{VZ}}}foutdetail/{{{VZ}}}foutcode"


def melden_payload(pki: DemoPki, kenmerk: str) -> etree._Element:
    """The gateway's (version 2) melding document for a complete melding, with ``kenmerk`` as id."""
    return render("MeldenVerzuimRequest", melden_document(replace(melding(), message_id=kenmerk),
                                                          pki.duo_oin))


def envelope(pki: DemoPki, url: str, *, to_oin: str | None = "default",
             from_oin: str | None = SCHOOL.oin, sign: bool = True, kenmerk: str | None = None,
             signer: PemFiles | None = None, payload: etree._Element | None = None) -> bytes:
    """An envelope built with lxml only around ``payload`` (default: a version 2 MeldenVerzuim),
    with the Action of its operation and version, signed with the gateway's certificate (or
    ``signer``'s)."""
    body = payload if payload is not None else melden_payload(pki, kenmerk or uuid.uuid4().hex)
    name = etree.QName(body)
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "wsa": WSA})
    header = etree.SubElement(env, f"{{{SOAP_ENV}}}Header")
    action = actions(name.namespace or VZ)[name.localname.removesuffix("Request")]
    etree.SubElement(header, f"{{{WSA}}}Action").text = action
    etree.SubElement(header, f"{{{WSA}}}MessageID").text = f"urn:uuid:{uuid.uuid4()}"
    oin = pki.duo_oin if to_oin == "default" else to_oin
    etree.SubElement(header, f"{{{WSA}}}To").text = f"{url}?oin={oin}" if oin else url
    sender = etree.SubElement(header, f"{{{WSA}}}From")
    address = f"{ANONYMOUS}?oin={from_oin}" if from_oin else ANONYMOUS
    etree.SubElement(sender, f"{{{WSA}}}Address").text = address
    etree.SubElement(env, f"{{{SOAP_ENV}}}Body").append(body)
    if sign:
        files = signer or pki.gateway_client
        Signer(files.cert.read_bytes(), files.key.read_bytes()).sign(env)
    return bytes(etree.tostring(env, xml_declaration=True, encoding="utf-8"))


def https_client(pki: DemoPki, client: PemFiles) -> httpx.Client:
    """An HTTPS client trusting the CA and presenting ``client``'s certificate."""
    ctx = ssl.create_default_context(cafile=str(pki.ca_cert))
    ctx.load_cert_chain(str(client.cert), str(client.key))
    return httpx.Client(verify=ctx, timeout=10)


@pytest.fixture
def http(pki: DemoPki) -> Iterator[httpx.Client]:
    with https_client(pki, pki.gateway_client) as client:
        yield client


def post(http: httpx.Client, url: str, body: bytes,
         action: str = ACTIONS["MeldenVerzuim"]) -> httpx.Response:
    return http.post(url, content=body, headers={"Content-Type": "text/xml; charset=utf-8",
                                                  "SOAPAction": f'"{action}"'})


def fault_code(response: httpx.Response) -> str | None:
    return etree.fromstring(response.content).findtext(FAULT_CODE)


def test_plain_https_post_of_an_envelope_is_registered(pki: DemoPki, standin: RunningStandin,
                                                       http: httpx.Client) -> None:
    """A client other than zeep (httpx and lxml) registers a melding."""
    response = post(http, standin.url, envelope(pki, standin.url))
    assert response.status_code == 200
    assert b"<vz:requestGoedgekeurd>true" in response.content
    assert b"VZ0000000001" in response.content


def test_broken_signature_is_refused(pki: DemoPki, standin: RunningStandin,
                                     http: httpx.Client) -> None:
    """A body changed after signing is refused with fault 0002 and nothing is registered."""
    body = envelope(pki, standin.url).replace(b"J. de Vries<", b"J. de Vriez<")
    response = post(http, standin.url, body)
    assert response.status_code == 500
    assert fault_code(response) == "0002"
    assert standin.app.registration_count() == 0


def test_unsigned_request_is_refused(pki: DemoPki, standin: RunningStandin,
                                     http: httpx.Client) -> None:
    """A request without WS-Security is refused with fault 0002."""
    response = post(http, standin.url, envelope(pki, standin.url, sign=False))
    assert fault_code(response) == "0002"


def test_missing_oin_in_to_is_refused(pki: DemoPki, standin: RunningStandin,
                                      http: httpx.Client) -> None:
    """A wsa:To without ?oin= is refused with fault 0011."""
    response = post(http, standin.url, envelope(pki, standin.url, to_oin=None))
    assert fault_code(response) == "0011"
    assert standin.app.registration_count() == 0


def test_missing_oin_in_from_is_refused(pki: DemoPki, standin: RunningStandin,
                                        http: httpx.Client) -> None:
    """A wsa:From of the bare anonymous address (no school OIN) is refused with fault 0011."""
    response = post(http, standin.url, envelope(pki, standin.url, from_oin=None))
    assert fault_code(response) == "0011"
    assert standin.app.registration_count() == 0


def test_xml_bomb_is_refused_without_harm(pki: DemoPki, standin: RunningStandin,
                                          http: httpx.Client) -> None:
    """A billion-laughs document is refused with fault 0001; the stand-in keeps working."""
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1
                                                      else b"&lol;") * 10)
                       for i in range(1, 10))
            + b']><soap:Envelope xmlns:soap="' + SOAP_ENV.encode()
            + b'"><soap:Body>&lol9;</soap:Body></soap:Envelope>')
    response = post(http, standin.url, bomb)
    assert response.status_code == 500
    assert fault_code(response) == "0001"
    assert post(http, standin.url, envelope(pki, standin.url)).status_code == 200


def test_external_entity_is_not_resolved(pki: DemoPki, standin: RunningStandin,
                                         http: httpx.Client) -> None:
    """A document with an external entity (file or network) is refused, never resolved."""
    xxe = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<soap:Envelope xmlns:soap="' + SOAP_ENV.encode()
           + b'"><soap:Body><x>&e;</x></soap:Body></soap:Envelope>')
    response = post(http, standin.url, xxe)
    assert fault_code(response) == "0001"
    assert b"root:" not in response.content


def test_oversized_request_is_refused(standin: RunningStandin, http: httpx.Client) -> None:
    """A body over the size limit is refused with 413 before parsing."""
    response = post(http, standin.url, b"<a>" + b"x" * (300 * 1024) + b"</a>")
    assert response.status_code == 413


def test_client_certificate_from_unknown_ca_is_refused(pki: DemoPki,
                                                       standin: RunningStandin) -> None:
    """A TLS client with a certificate from another CA gets no HTTP exchange at all."""
    ctx = ssl.create_default_context(cafile=str(pki.ca_cert))
    ctx.load_cert_chain(str(pki.rogue_client.cert), str(pki.rogue_client.key))
    with httpx.Client(verify=ctx, timeout=5) as rogue, pytest.raises(httpx.TransportError):
        post(rogue, standin.url, envelope(pki, standin.url))
    assert standin.app.stats.requests == 0


def test_client_certificate_of_another_gateway_is_refused(pki: DemoPki, standin: RunningStandin,
                                                         other_gateway: PemFiles) -> None:
    """A certificate from the same CA but for an OIN not allowed gets HTTP 403: nothing is
    registered, even with a valid signature made with that certificate."""
    with https_client(pki, other_gateway) as other:
        response = post(other, standin.url, envelope(pki, standin.url, signer=other_gateway))
    assert response.status_code == 403
    assert standin.app.registration_count() == 0


def test_signature_by_another_certificate_than_the_tls_client_is_refused(
        pki: DemoPki, other_gateway: PemFiles) -> None:
    """The WS-Security signer must be the TLS client: a request over the gateway's connection
    signed with another allowed gateway's certificate gets fault 0002."""
    allowed = frozenset({pki.gateway_oin, OTHER_GATEWAY_OIN})
    running = start_standin(standin_config(pki, gateway_oins=allowed))
    try:
        with https_client(pki, pki.gateway_client) as http:
            response = post(http, running.url, envelope(pki, running.url, signer=other_gateway))
        assert fault_code(response) == "0002"
        assert running.app.registration_count() == 0
    finally:
        running.stop()


def test_client_without_certificate_is_refused(pki: DemoPki, standin: RunningStandin) -> None:
    """A TLS client without a certificate is refused."""
    ctx = ssl.create_default_context(cafile=str(pki.ca_cert))
    with httpx.Client(verify=ctx, timeout=5) as anonymous, pytest.raises(httpx.TransportError):
        post(anonymous, standin.url, envelope(pki, standin.url))


def test_fault_knobs_adjust_through_admin_endpoint(standin: RunningStandin,
                                                   http: httpx.Client) -> None:
    """POST /_admin/faults sets knobs at run time (here: one 503)."""
    base = standin.url.split("/verzuimloket")[0]
    assert http.post(f"{base}/_admin/faults", json={"unavailable_503": 1}).status_code == 200
    assert post(http, standin.url, b"<x/>").status_code == 503
    assert http.post(f"{base}/_admin/faults", json={"nonsense": 1}).status_code == 400


def test_stats_count_requests_and_report_cpu_time(standin: RunningStandin,
                                                  http: httpx.Client) -> None:
    """GET /_admin/stats counts SOAP requests and reports the process's CPU seconds."""
    base = standin.url.split("/verzuimloket")[0]
    before = http.get(f"{base}/_admin/stats").json()
    post(http, standin.url, b"<x/>")
    after = http.get(f"{base}/_admin/stats").json()
    assert after["requests"] == before["requests"] + 1
    assert after["cpu_seconds"] > before["cpu_seconds"] >= 0


def test_wsdl_is_served(standin: RunningStandin, http: httpx.Client) -> None:
    """GET ?wsdl returns the packaged WSDL of the version the gateway speaks."""
    response = http.get(f"{standin.url}?wsdl")
    assert b"DUO_Verzuimloket_V2" in response.content
