"""A melding as DUO's document (the body of MeldenVerzuim or IntrekkenMelding), outside SOAP.

The mail channel attaches exactly this XML, so every receiver reads one format that validates
against the same XSD as the DUO channel's requests (``adapters/duo/schema``).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from lxml import etree
from zeep import Client, Settings
from zeep.transports import Transport

from adapters.duo.message import intrekken_payload, melden_payload
from adapters.duo.render import render_element
from adapters.duo.xmlsafe import VZ, validate_payload, wsdl_path
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.ports import OutgoingMelding
from gateway.testing.pki import DEMO_DUO_OIN

# DUO's OIN as receiving party when a caller names none (the same number the demo PKI uses).
DUO_OIN = DEMO_DUO_OIN

_lock = threading.Lock()
_elements: dict[str, Any] = {}


class _PackagedFiles(Transport):  # type: ignore[misc]
    """Loads the packaged WSDL and XSD; never the network."""

    def load(self, url: str) -> bytes:
        if "://" in url and not url.startswith("file://"):
            raise ValueError(f"schema's worden niet opgehaald: {url}")
        return Path(url.removeprefix("file://")).read_bytes()


def _element(name: str) -> Any:
    with _lock:
        if not _elements:
            settings = Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True)
            client = Client(str(wsdl_path()), transport=_PackagedFiles(), settings=settings)
            for wrapper in ("MeldenVerzuimRequest", "IntrekkenMeldingRequest"):
                _elements[wrapper] = client.get_element(f"{{{VZ}}}{wrapper}")
        return _elements[name]


def melding_document(melding: OutgoingMelding, *, withdrawal_reason: str | None = None,
                     receiver_oin: str = DUO_OIN) -> bytes:
    """The melding (or its withdrawal) as DUO's XML document, checked against the XSD."""
    if withdrawal_reason is None:
        root = render_element(_element("MeldenVerzuimRequest"), melden_payload(melding, receiver_oin))
    else:
        payload = intrekken_payload(melding, receiver_oin, withdrawal_reason, None)
        root = render_element(_element("IntrekkenMeldingRequest"), payload)
    problem = validate_payload(root)
    if problem is not None:
        raise PermanentDeliveryError(f"melding {melding.melding_id} past niet in het DUO-schema: {problem}")
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)
