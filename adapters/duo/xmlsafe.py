"""Namespaces, the packaged service contract (WSDL, and the XSD it imports), and safe parsing
(the core's hardened parser, with the size limit of a DUO message).

The XSD is the melding document's schema, so it lives with the document model in the core
(``gateway.delivery.document.schema``); the WSDL here imports it by file name and
``contract_file`` resolves that name to the core's copy.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from lxml import etree

from gateway.delivery.document import xmlsafe as core_xml
from gateway.delivery.document.schema import SCHEMA_FILE, schema_path
from gateway.delivery.document.xmlsafe import UnsafeXml

__all__ = [
    "ACTIONS",
    "ANONYMOUS",
    "CONTRACT",
    "DS",
    "MAX_MESSAGE_BYTES",
    "SOAP_ENV",
    "WSA",
    "WSDL_FILE",
    "WSSE",
    "WSU",
    "UnsafeXml",
    "contract_file",
    "parse_untrusted",
    "wsdl_path",
]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
CONTRACT = "http://duo.nl/contract/DUO_Verzuimloket_V1"
ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous"

ACTIONS = {
    "MeldenVerzuim": f"{CONTRACT}/MeldenVerzuim",
    "IntrekkenMelding": f"{CONTRACT}/IntrekkenMelding",
    "OpvragenStatuswijzigingen": f"{CONTRACT}/OpvragenStatuswijzigingen",
}

MAX_MESSAGE_BYTES = 256 * 1024
WSDL_FILE = "DUO_Verzuimloket_V1.wsdl"


def wsdl_path() -> Path:
    """The packaged WSDL (loaded from disk, never fetched)."""
    return Path(str(files("adapters.duo") / "schema" / WSDL_FILE))


def contract_file(location: str) -> Path:
    """The packaged file a WSDL or schema location names: the WSDL, or the XSD it imports.

    Anything else (another file, anything over the network) is refused with a ``ValueError``.
    """
    remote = "://" in location and not location.startswith("file://")
    name = location.removeprefix("file://").rpartition("/")[2]
    packaged = {WSDL_FILE: wsdl_path(), SCHEMA_FILE: schema_path()}
    if remote or name not in packaged:
        raise ValueError(f"schema's worden niet opgehaald: {location}")
    return packaged[name]


def parse_untrusted(data: bytes, limit: int = MAX_MESSAGE_BYTES) -> etree._Element:
    """Parse an inbound SOAP message with the core's hardened parser (``UnsafeXml`` on refusal)."""
    return core_xml.parse_untrusted(data, limit)
