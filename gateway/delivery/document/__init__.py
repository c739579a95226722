"""The melding document: a melding as DUO's Verzuimloket document, shared by every channel.

- ``model``: the content as plain data in the schema's shape (``melden_document``,
  ``intrekken_document``), and the identifiers it carries;
- ``besluit``: the fields of the Besluit Verzuimmelding (and seeds 000 and 002) in it;
- ``gaps``: ``legal_gaps``, the Besluit's fields a melding would carry empty (refused);
- ``verzuimsoort``: the one table of melding kind to DUO verzuimsoort and aanleiding;
- ``render``: that data written as XML, in schema order, straight from the XSD;
- ``schema``: the packaged XSDs (``DUO_Verzuimloket_V2.xsd`` written, ``..._V1.xsd`` still
  read) and validation against them.

The DUO channel sends the document as its SOAP body; the mail channel attaches it as
``melding.xml``. Both name DUO's OIN as receiving party from their own configuration: there is no
default.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from gateway.delivery.document.errors import DocumentInvalid
from gateway.delivery.document.gaps import legal_gaps
from gateway.delivery.document.model import intrekken_document, melden_document
from gateway.delivery.document.render import render
from gateway.delivery.document.schema import validate
from gateway.domain.ports import OutgoingMelding

__all__ = ["DocumentInvalid", "legal_gaps", "melding_document"]


def melding_document(melding: OutgoingMelding, *, receiver_oin: str,
                     withdrawal_reason: str | None = None, now: datetime | None = None) -> bytes:
    """The melding (or its withdrawal) as DUO's XML document (UTF-8, indented), checked against
    the XSD; ``receiver_oin`` is DUO's OIN as configured, ``now`` the document's date-time.
    A melding that would carry a field of the Besluit empty is refused (``DocumentInvalid``)."""
    if withdrawal_reason is None:
        root = render("MeldenVerzuimRequest", melden_document(melding, receiver_oin, now=now))
    else:
        document = intrekken_document(melding, receiver_oin, withdrawal_reason, now=now)
        root = render("IntrekkenMeldingRequest", document)
    problem = validate(root)
    if problem is not None:
        raise DocumentInvalid(f"melding {melding.melding_id} past niet in het DUO-schema: {problem}")
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True))
