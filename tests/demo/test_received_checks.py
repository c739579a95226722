"""The demo's receiver-side checks (``demo.legal``, ``demo.received``): a complete document passes,
an empty legal field, a late contact attempt or a document off its schema is named."""

from __future__ import annotations

import copy
import json
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from lxml import etree

from demo.checks import Findings, check_held
from demo.legal import Sent, json_gaps, xml_gaps
from demo.received import Received, check_duo_body, check_mail_entity
from gateway.delivery.document.schema import VZ_V2
from gateway.store import Store
from gateway.store.crypto import FieldCipher

GOLDEN = Path(__file__).parents[1] / "mail" / "golden"
DELIVERED_ON = date(2026, 9, 23)


def _xml(name: str) -> etree._Element:
    return etree.fromstring((GOLDEN / f"{name}.xml").read_bytes())


def _json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _drop(root: etree._Element, path: str) -> etree._Element:
    changed = copy.deepcopy(root)
    element = changed.find("/".join(f"{{{VZ_V2}}}{p}" for p in path.split("/")))
    assert element is not None, path
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)
    return changed


def _sent(root: etree._Element, rule: str, latest: date = DELIVERED_ON) -> Sent:
    return Sent(rule, date(2026, 9, 22), latest)


def test_a_complete_no_show_document_has_no_gaps() -> None:
    """The no-show document with reason, actions, melder, contact attempts and datum aanmelding passes."""
    root = _xml("no-show")
    assert xml_gaps(root, _sent(root, "no-show")) == []


def test_a_document_without_a_reason_names_it() -> None:
    """An empty vermoedelijke reden is named in Dutch."""
    root = _drop(_xml("no-show"), "verzuim/vermoedelijkeReden")
    assert xml_gaps(root, _sent(root, "no-show")) == ["vermoedelijke reden"]


def test_a_no_show_without_contact_attempts_names_them() -> None:
    """A no-show document without contact attempts misses them."""
    root = _drop(_xml("no-show"), "nietVerschenen/contactpogingen")
    assert "contactpoging" in xml_gaps(root, _sent(root, "no-show"))


def test_a_contact_attempt_after_delivery_is_named() -> None:
    """A contact attempt dated after the day the melding went out cannot have happened."""
    root = _xml("no-show")
    assert xml_gaps(root, _sent(root, "no-show", latest=date(2026, 9, 3))) == [
        "contactpoging na de verzenddatum (2026-09-04)"]


def test_an_rmc_document_without_agreements_names_them() -> None:
    """An RMC melding must carry the agreements made with the student."""
    root = _drop(_xml("rmc-4w"), "verzuim/afspraken")
    assert xml_gaps(root, _sent(root, "rmc-4w")) == ["gemaakte afspraken"]


def test_a_complete_rmc_json_has_no_gaps() -> None:
    """melding.json of an RMC melding with concerns, agreements and what is asked passes."""
    assert json_gaps(_json("rmc-4w"), DELIVERED_ON) == []


def test_an_rmc_json_without_concerns_names_them() -> None:
    """Concerns absent (not answered) is a gap."""
    data = _json("rmc-4w")
    del data["content"]["concerns"]
    assert json_gaps(data, DELIVERED_ON) == ["concerns"]


def test_an_rmc_json_with_no_concern_applying_is_complete() -> None:
    """An empty list of concerns is an answer: none of the three applies."""
    data = _json("rmc-4w")
    data["content"]["concerns"] = []
    assert json_gaps(data, DELIVERED_ON) == []


def test_a_json_without_actions_or_melder_phone_names_them() -> None:
    """No actions and a melder without phone number are both named."""
    data = _json("melding")
    data["content"]["actions_taken"] = []
    data["content"]["melder"]["telefoon"] = ""
    assert json_gaps(data, DELIVERED_ON) == ["actions_taken", "melder.telefoon"]


def test_a_json_answering_actie_gewenst_nee_without_toelichting_names_it() -> None:
    """The Besluit asks a toelichting when actie gewenst is nee."""
    data = _json("melding")
    data["content"]["actie_gewenst"] = False
    del data["content"]["toelichting"]
    assert json_gaps(data, DELIVERED_ON) == ["toelichting"]


def test_a_json_without_verzuimuren_names_them() -> None:
    """The computed verzuimuren must be in the melding."""
    data = _json("melding")
    data["specification"]["verzuimuren"] = None
    assert json_gaps(data, DELIVERED_ON) == ["verzuimuren"]


def test_a_soap_body_off_the_xsd_is_a_problem(tmp_path: Path) -> None:
    """A body DUO received that the V2 XSD refuses is named with its file."""
    root = _drop(_xml("melding"), "verzuim/naamLeslocatie")
    kenmerk = root.findtext(f"{{{VZ_V2}}}bedrijfsdocument/{{{VZ_V2}}}identificatiecodeBedrijfsdocument")
    received = Received()
    check_duo_body(tmp_path / "00001-MeldenVerzuim.xml", root,
                   {str(kenmerk): Sent("verzuim-16u", date(2026, 9, 22), DELIVERED_ON)}, received)
    assert received.duo_valid == 0
    assert any("voldoet niet aan de XSD (V2)" in p for p in received.problems)
    assert any("naam leslocatie" in p for p in received.problems)


def test_a_soap_body_for_an_unknown_melding_is_a_problem(tmp_path: Path) -> None:
    """DUO holding a melding the gateway does not know is named."""
    received = Received()
    check_duo_body(tmp_path / "00001-MeldenVerzuim.xml", _xml("melding"), {}, received)
    assert received.duo_valid == 1
    assert any("die de gateway niet kent" in p for p in received.problems)


def _signed(attachments: dict[str, bytes]) -> bytes:
    """A multipart/signed entity around a mail with ``attachments`` (the signature is not checked here)."""
    inner = EmailMessage()
    inner.set_content("Melding")
    for name, data in attachments.items():
        maintype, subtype = ("application", name.rsplit(".", 1)[1])
        inner.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return (b'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; '
            b'micalg=sha-256; boundary="BB"\r\n\r\n--BB\r\n' + inner.as_bytes().replace(b"\n", b"\r\n")
            + b"\r\n--BB\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64"
            + b"\r\n\r\nAAAA\r\n--BB--\r\n")


def test_a_mail_with_valid_attachments_is_counted(tmp_path: Path) -> None:
    """melding.json valid against its schema and melding.xml valid against the XSD are counted."""
    received = Received()
    ids = check_mail_entity(tmp_path / "001.eml", _signed({
        "melding.json": (GOLDEN / "rmc-4w.json").read_bytes(),
        "melding.xml": (GOLDEN / "rmc-4w.xml").read_bytes()}),
        DELIVERED_ON, received)
    assert (received.json_valid, received.xml_valid, received.complete, received.problems) == (1, 1, 1, [])
    assert ids == [_json("rmc-4w")["melding_id"]]


def test_a_melding_json_off_its_schema_is_a_problem(tmp_path: Path) -> None:
    """A melding.json that the published schema refuses is named with its mail."""
    data = _json("rmc-4w")
    del data["format_version"]
    received = Received()
    check_mail_entity(tmp_path / "001.eml", _signed({"melding.json": json.dumps(data).encode()}),
                      DELIVERED_ON, received)
    assert received.json_valid == 0
    assert any(p.startswith("001.eml: melding.json voldoet niet aan het schema") for p in received.problems)


def test_a_mail_without_melding_json_is_a_problem(tmp_path: Path) -> None:
    """A mail that carries no melding.json is named."""
    received = Received()
    check_mail_entity(tmp_path / "001.eml", _signed({}), DELIVERED_ON, received)
    assert received.problems == ["001.eml: geen melding.json als bijlage"]


def test_a_held_melding_that_reached_duo_is_a_problem(tmp_path: Path) -> None:
    """A melding the gate should hold that DUO received anyway is named."""
    store = Store.open(f"sqlite:///{tmp_path / 'gateway.db'}", FieldCipher({"k": bytes(32)}, "k"))
    store.migrate()
    findings = Findings()
    findings.duo_kenmerken["m-1"] = 1
    try:
        check_held(store, findings, {"m-1"})
    finally:
        store.close()
    assert findings.problems == ["onvolledige melding m-1 is toch afgeleverd"]
