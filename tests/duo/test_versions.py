"""The stand-in speaks both contract versions: meldingen sent as version 1 before the gateway moved
to version 2 still register, report their status and can be withdrawn; what a version 2 melding
carried arrives field for field."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from lxml import etree

from adapters.duo.channel import DuoChannel
from adapters.duo.message import status_payload
from adapters.duo.standin import RunningStandin
from adapters.duo.xmlsafe import SOAP_ENV, actions
from gateway.delivery.document.model import intrekken_document, melden_document
from gateway.delivery.document.render import render
from gateway.delivery.document.schema import VZ, VZ_V1
from gateway.domain.ports import OutgoingMelding
from gateway.testing.pki import DemoPki

from .helpers import SCHOOL, melden_request_xml, melding
from .test_standin import envelope, https_client, post

V1 = {"vz": VZ_V1}
ADULT_BIRTH = date(2007, 1, 1)


@pytest.fixture
def http(pki: DemoPki) -> Iterator[httpx.Client]:
    with https_client(pki, pki.gateway_client) as client:
        yield client


def as_version_1(element: etree._Element) -> etree._Element:
    """A withdrawal or status query written as version 1 (those messages did not change)."""
    return etree.fromstring(etree.tostring(element).replace(VZ.encode(), VZ_V1.encode()))


def send_v1(pki: DemoPki, standin: RunningStandin, http: httpx.Client,
            payload: etree._Element) -> httpx.Response:
    """POST a signed version 1 request with its version 1 Action."""
    operation = etree.QName(payload).localname.removesuffix("Request")
    return post(http, standin.url, envelope(pki, standin.url, payload=payload),
                action=actions(VZ_V1)[operation])


def answer(response: httpx.Response) -> etree._Element:
    """The one element in the answer's Body."""
    body = etree.fromstring(response.content).find(f"{{{SOAP_ENV}}}Body")
    assert body is not None
    return body[0]


def register_v1(pki: DemoPki, standin: RunningStandin, http: httpx.Client, kenmerk: str) -> str:
    """Register a version 1 melding; its meldingsnummer."""
    payload = etree.fromstring(melden_request_xml(pki.duo_oin, kenmerk))
    reply = answer(send_v1(pki, standin, http, payload))
    assert reply.findtext("vz:requestGoedgekeurd", namespaces=V1) == "true"
    return str(reply.findtext("vz:meldingsnummer", namespaces=V1))


def carried(standin: RunningStandin, kenmerk: str) -> dict[str, Any]:
    registration = standin.app.registration(kenmerk)
    assert registration is not None
    return registration.document


def test_a_version_1_melding_is_still_registered(pki: DemoPki, standin: RunningStandin,
                                                 http: httpx.Client) -> None:
    """A version 1 MeldenVerzuim is accepted and answered in version 1."""
    kenmerk = uuid.uuid4().hex
    response = send_v1(pki, standin, http, etree.fromstring(melden_request_xml(pki.duo_oin, kenmerk)))
    assert response.status_code == 200
    assert etree.QName(answer(response)).namespace == VZ_V1
    registration = standin.app.registration(kenmerk)
    assert registration is not None and registration.version == "V1"


def test_a_version_1_status_query_is_answered_in_version_1(pki: DemoPki, standin: RunningStandin,
                                                           http: httpx.Client) -> None:
    """OpvragenStatuswijzigingen in version 1 finds the melding and answers in version 1."""
    kenmerk = uuid.uuid4().hex
    number = register_v1(pki, standin, http, kenmerk)
    query = as_version_1(render("OpvragenStatuswijzigingenRequest",
                                status_payload(SCHOOL, pki.duo_oin, [kenmerk])))
    reply = answer(send_v1(pki, standin, http, query))
    assert reply.findtext("vz:melding/vz:meldingsnummer", namespaces=V1) == number
    assert reply.findtext("vz:melding/vz:status", namespaces=V1) == "Geregistreerd"


def test_a_version_1_withdrawal_is_accepted(pki: DemoPki, standin: RunningStandin,
                                            http: httpx.Client) -> None:
    """IntrekkenMelding in version 1 withdraws a version 1 melding."""
    made = melding()
    register_v1(pki, standin, http, made.message_id)
    withdrawal = as_version_1(render("IntrekkenMeldingRequest",
                                     intrekken_document(made, pki.duo_oin, "dubbel")))
    reply = answer(send_v1(pki, standin, http, withdrawal))
    assert reply.findtext("vz:status", namespaces=V1) == "Ingetrokken"


def test_the_gateway_finds_and_withdraws_a_melding_sent_as_version_1(
        pki: DemoPki, standin: RunningStandin, http: httpx.Client, channel: DuoChannel) -> None:
    """The gateway's version 2 status query and withdrawal reach a melding sent as version 1."""
    made = melding()
    number = register_v1(pki, standin, http, made.message_id)
    report = channel.status(made)
    assert report is not None and report.found and report.receiver_reference == number
    assert channel.withdraw(made, "dubbel").status == "ingetrokken"


def test_a_version_1_body_under_a_version_2_action_is_refused(pki: DemoPki, standin: RunningStandin,
                                                              http: httpx.Client) -> None:
    """The Action must be the operation's in the body's own version: fault 0003, in version 1."""
    payload = etree.fromstring(melden_request_xml(pki.duo_oin, uuid.uuid4().hex))
    body = envelope(pki, standin.url, payload=payload).replace(
        actions(VZ_V1)["MeldenVerzuim"].encode(), actions(VZ)["MeldenVerzuim"].encode())
    response = post(http, standin.url, body)
    detail = etree.fromstring(response.content).find(f".//{{{VZ_V1}}}foutdetail")
    assert detail is not None
    assert detail.findtext("vz:foutcode", namespaces=V1) == "0003"
    assert standin.app.registration_count() == 0


def test_a_version_2_melding_without_a_besluit_field_is_refused_by_the_standin(
        pki: DemoPki, standin: RunningStandin, http: httpx.Client) -> None:
    """The receiver checks too: a body without vermoedelijkeReden fails the XSD (fault 0004)."""
    payload = render("MeldenVerzuimRequest", melden_document(melding(), pki.duo_oin))
    reason = payload.find(f"{{{VZ}}}verzuim/{{{VZ}}}vermoedelijkeReden")
    assert reason is not None
    reason.getparent().remove(reason)  # type: ignore[union-attr]
    response = post(http, standin.url, envelope(pki, standin.url, payload=payload))
    fault = etree.fromstring(response.content)
    assert fault.findtext(f".//{{{VZ}}}foutcode") == "0004"
    assert "vermoedelijkeReden" in (fault.findtext(".//faultstring") or "")


def test_what_a_no_show_carried_arrives(channel: DuoChannel, standin: RunningStandin) -> None:
    """The Besluit's fields and seed 000's reach DUO as sent."""
    made = melding("no-show")
    channel.deliver(made)
    document = carried(standin, made.message_id)
    assert document["verzuim"]["vermoedelijkeSoortVerzuim"] == "SIGNAALVERZUIM"
    assert document["verzuim"]["vermoedelijkeReden"] == "problemen thuis"
    assert document["verzuim"]["ondernomenActies"]["actie"] == ["gesprek met ouders", "brief verstuurd"]
    assert document["verzuim"]["actieGewenst"] == "true"
    assert document["verzuim"]["naamLeslocatie"] == "Hoofdlocatie Utrecht"
    assert document["verzuim"]["verzuimspecificatie"] == {"verzuimdagen": "4", "verzuimuren": "16.50"}
    assert document["melder"]["functie"] == "verzuimcoördinator"
    assert document["deelnemer"]["telefoon"] == "06-12345678"
    no_show = document["nietVerschenen"]
    assert no_show["datumAanmelding"] == "2026-08-24"
    assert [a["wijze"] for a in no_show["contactpogingen"]["contactpoging"]] == ["telefoon", "huisbezoek"]


def test_what_an_adult_melding_carried_arrives(channel: DuoChannel, standin: RunningStandin) -> None:
    """Seed 002's concerns, agreements and question to the RMC reach DUO."""
    made = melding(birth_date=ADULT_BIRTH)
    channel.deliver(made)
    verzuim = carried(standin, made.message_id)["verzuim"]
    assert verzuim["zorgen"] == {"problemenBuitenSchool": "false", "startkwalificatieInGevaar": "false",
                                 "dreigendeUitval": "true"}
    assert verzuim["afspraken"] == "wekelijks gesprek met de mentor"
    assert verzuim["gevraagdVanRmc"] == "begeleiding naar een passende opleiding"


def test_an_uitschrijving_arrives_with_its_date(channel: DuoChannel, standin: RunningStandin) -> None:
    """An uitschrijving registers with verzuimsoort U and the date of uitschrijving."""
    made = melding("uitschrijving", period_start=date(2026, 9, 15), period_end=None, hours=None)
    assert channel.deliver(made).status == "geregistreerd"
    verzuim = carried(standin, made.message_id)["verzuim"]
    assert verzuim["datumUitschrijving"] == "2026-09-15"
    assert "vermoedelijkeSoortVerzuim" not in verzuim


def test_the_admin_endpoint_shows_the_meldingen_with_their_version(
        pki: DemoPki, standin: RunningStandin, http: httpx.Client, channel: DuoChannel) -> None:
    """GET /_admin/meldingen lists each melding: id, version, verzuimsoort and what it carried."""
    register_v1(pki, standin, http, "oud-1")
    made = melding("zorgmelding", period_end=None)
    channel.deliver(made)
    base = standin.url.split("/verzuimloket")[0]
    listed = {m["kenmerk"]: m for m in http.get(f"{base}/_admin/meldingen").json()}
    assert listed["oud-1"]["versie"] == "V1"
    assert listed[made.message_id]["versie"] == "V2"
    assert listed[made.message_id]["verzuimsoort"] == "S"
    assert listed[made.message_id]["document"]["verzuim"]["aanleiding"] == "ZORGMELDING"


def refused_without(pki: DemoPki, standin: RunningStandin, http: httpx.Client,
                    made: OutgoingMelding, *paths: str) -> list[str]:
    """Send ``made``'s version 2 document with the elements at ``paths`` removed; DUO's foutcodes."""
    payload = render("MeldenVerzuimRequest", melden_document(made, pki.duo_oin))
    for path in paths:
        element = payload.find("/".join(f"{{{VZ}}}{p}" for p in path.split("/")))
        assert element is not None
        element.getparent().remove(element)  # type: ignore[union-attr]
    reply = answer(post(http, standin.url, envelope(pki, standin.url, payload=payload)))
    assert reply.findtext(f"{{{VZ}}}requestGoedgekeurd") == "false"
    assert standin.app.registration_count() == 0
    return [f.findtext(f"{{{VZ}}}foutcode") or "" for f in reply.iterfind(f"{{{VZ}}}foutmelding")]


def test_a_no_show_without_its_part_is_refused(pki: DemoPki, standin: RunningStandin,
                                               http: httpx.Client) -> None:
    """Seed 000 at the receiver: a no-show without nietVerschenen gets VZ006."""
    assert refused_without(pki, standin, http, melding("no-show"), "nietVerschenen") == ["VZ006"]


@pytest.mark.parametrize("missing", ["verzuim/zorgen", "verzuim/afspraken", "verzuim/gevraagdVanRmc"])
def test_an_adult_melding_without_the_rmc_fields_is_refused(pki: DemoPki, standin: RunningStandin,
                                                            http: httpx.Client, missing: str) -> None:
    """Seed 002 at the receiver: a V4 melding without concerns, agreements or question gets VZ007."""
    made = melding(birth_date=ADULT_BIRTH)
    assert refused_without(pki, standin, http, made, missing) == ["VZ007"]
