"""The demo's verzuimcoördinator and completeness gate, checked on what the demo left behind: the
meldingen it filled in reach DUO and the mailboxes complete and valid against the published schemas;
the ones it left incomplete stay in the review queue and reach no one; the manual zorgmelding is
filed once."""

from __future__ import annotations

import email
import email.policy
import json
import sqlite3
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from adapters.mail import smime
from adapters.mail.structured import validate_melding_json
from demo.college import SECOND_SYNC
from demo.legal import Sent, json_gaps, xml_gaps
from gateway.delivery.document.schema import VZ_V2, schema
from tests.demo.conftest import DemoRun

pytestmark = pytest.mark.slow
KENMERK = f"{{{VZ_V2}}}bedrijfsdocument/{{{VZ_V2}}}identificatiecodeBedrijfsdocument"


def _desks(recipients: Path) -> dict[str, tuple[x509.Certificate, rsa.RSAPrivateKey]]:
    desks = {}
    for cert_path in recipients.glob("*.crt"):
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(cert_path.with_suffix(".key").read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for address in san.get_values_for_type(x509.RFC822Name):
            desks[address.lower()] = (cert, key)
    return desks


@cache
def _mail_jsons(workdir: Path) -> list[bytes]:
    """The melding.json of every demo mail, opened with the addressed desk's key."""
    desks = _desks(workdir / "pki" / "recipients")
    out = []
    for path in sorted((workdir / "mail").glob("*.eml")):
        raw = path.read_bytes()
        to = email.message_from_bytes(raw, policy=email.policy.default)["To"]
        address = email.utils.getaddresses([str(to)])[0][1].lower()
        content, _ = smime.split_signed(smime.decrypt(raw, *desks[address]))
        inner = email.message_from_bytes(content, policy=email.policy.default)
        out += [part.get_payload(decode=True) for part in inner.iter_attachments()
                if (part.get_filename() or "").endswith(".json")]
    return out


def _rows(workdir: Path, query: str) -> list[Any]:
    with sqlite3.connect(workdir / "gateway.db") as conn:
        return conn.execute(query).fetchall()


def _duo_meldingen(workdir: Path) -> list[etree._Element]:
    return [etree.fromstring(p.read_bytes()) for p in sorted((workdir / "duo").glob("*-MeldenVerzuim.xml"))]


def test_the_coordinator_step_fills_in_approves_and_files_a_zorgmelding(demo_run: DemoRun) -> None:
    """The step is shown, meldingen are filled in and approved, the zorgmelding's second filing
    returns the first."""
    out = demo_run.stdout
    assert "De verzuimcoördinator vult aan" in out
    assert "goedgekeurd" in out and "Verzuimcoördinator (push-API):" in out
    assert "nog eens ingediend gaf dezelfde melding terug" in out


def test_every_melding_json_validates_against_the_published_schema(demo_run: DemoRun) -> None:
    """Each melding.json the mail receivers got passes the JSON Schema (validate_melding_json)."""
    documents = _mail_jsons(demo_run.workdir)
    assert documents
    assert [validate_melding_json(d) for d in documents] == [[] for _ in documents]


def test_every_soap_body_validates_against_the_v2_xsd(demo_run: DemoRun) -> None:
    """Each body DUO received is valid against DUO_Verzuimloket_V2.xsd."""
    xsd = schema(VZ_V2)
    bodies = [etree.fromstring(p.read_bytes()) for p in sorted((demo_run.workdir / "duo").glob("*.xml"))]
    assert bodies
    assert [b.tag for b in bodies if not xsd.validate(b)] == []


def test_no_delivered_melding_has_an_empty_legal_field(demo_run: DemoRun) -> None:
    """Neither DUO nor a mail receiver got a melding with a field of the Besluit empty."""
    known = {i: Sent(rule, date.fromisoformat(day), SECOND_SYNC)
             for i, rule, day in _rows(demo_run.workdir, "select id, rule, trigger_date from meldingen")}
    duo = {root.findtext(KENMERK): xml_gaps(root, known[str(root.findtext(KENMERK))])
           for root in _duo_meldingen(demo_run.workdir)}
    mail = {}
    for data in _mail_jsons(demo_run.workdir):
        document = json.loads(data)
        if document["type"] == "melding":
            mail[document["melding_id"]] = json_gaps(document, SECOND_SYNC)
    assert duo and mail
    assert {k: v for k, v in {**duo, **mail}.items() if v} == {}


def test_the_gate_holds_the_incomplete_meldingen_and_no_receiver_gets_them(demo_run: DemoRun) -> None:
    """The meldingen left incomplete stay concept with what they miss named, their deliveries held,
    and appear neither at DUO nor in a mail."""
    held = _rows(demo_run.workdir, "select id, missing from meldingen where status = 'concept'")
    assert held and all(json.loads(missing) for _, missing in held)
    ids = {i for i, _ in held}
    states = _rows(demo_run.workdir, "select melding_id, state from outbox")
    assert {state for melding, state in states if melding in ids} == {"held"}
    at_duo = {root.findtext(KENMERK) for root in _duo_meldingen(demo_run.workdir)}
    by_mail = {json.loads(d)["melding_id"] for d in _mail_jsons(demo_run.workdir)}
    assert ids.isdisjoint(at_duo | by_mail)
    assert "wachten in de wachtrij; de poort houdt ze vast" in demo_run.stdout
    assert "nog in te vullen: zorgen" in demo_run.stdout


def test_the_manual_zorgmelding_is_filed_once_and_delivered(demo_run: DemoRun) -> None:
    """One zorgmelding exists, filed twice but stored once, and it reached DUO."""
    rows = _rows(demo_run.workdir, "select id, status from meldingen where rule = 'zorgmelding'")
    assert len(rows) == 1
    at_duo = {root.findtext(KENMERK) for root in _duo_meldingen(demo_run.workdir)}
    assert rows[0][0] in at_duo
