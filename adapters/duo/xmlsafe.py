"""Namespaces, the packaged service contract (WSDL, and the XSD it imports), and safe parsing
(the core's hardened parser, with the size limit of a DUO message).

The XSD is the melding document's schema, so it lives with the document model in the core
(``gateway.delivery.document.schema``); the WSDL here imports it by file name and
``contract_file`` resolves that name to the core's copy. Version 2 is the contract the gateway
uses (``CONTRACT``, ``ACTIONS``, ``WSDL_FILE``); version 1 is still served by the stand-in
(``CONTRACTS``, ``actions``).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from lxml import etree

from gateway.delivery.document import xmlsafe as core_xml
from gateway.delivery.document.schema import SCHEMA_FILES, VZ, VZ_V1, VZ_V2, schema_path
from gateway.delivery.document.xmlsafe import UnsafeXml

__all__ = [
    "ACTIONS",
    "ANONYMOUS",
    "CONTRACT",
    "CONTRACTS",
    "DS",
    "MAX_MESSAGE_BYTES",
    "SOAP_ENV",
    "WSA",
    "WSDL_FILE",
    "WSSE",
    "WSU",
    "UnsafeXml",
    "actions",
    "contract_file",
    "parse_untrusted",
    "wsdl_path",
]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
# Schema namespace (the version of a document) -> the service contract of that version.
CONTRACTS = {
    VZ_V1: "http://duo.nl/contract/DUO_Verzuimloket_V1",
    VZ_V2: "http://duo.nl/contract/DUO_Verzuimloket_V2",
}
CONTRACT = CONTRACTS[VZ]  # the version the gateway speaks
ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous"
OPERATIONS = ("MeldenVerzuim", "IntrekkenMelding", "OpvragenStatuswijzigingen")


def actions(namespace: str = VZ) -> dict[str, str]:
    """Operation -> its wsa:Action in the contract of a schema version."""
    return {operation: f"{CONTRACTS[namespace]}/{operation}" for operation in OPERATIONS}


ACTIONS = actions()

MAX_MESSAGE_BYTES = 256 * 1024
WSDL_FILES = {VZ_V1: "DUO_Verzuimloket_V1.wsdl", VZ_V2: "DUO_Verzuimloket_V2.wsdl"}
WSDL_FILE = WSDL_FILES[VZ]


def wsdl_path(namespace: str = VZ) -> Path:
    """The packaged WSDL of a version (loaded from disk, never fetched)."""
    return Path(str(files("adapters.duo") / "schema" / WSDL_FILES[namespace]))


def contract_file(location: str) -> Path:
    """The packaged file a WSDL or schema location names: the WSDL, or the XSD it imports.

    Anything else (another file, anything over the network) is refused with a ``ValueError``.
    """
    remote = "://" in location and not location.startswith("file://")
    name = location.removeprefix("file://").rpartition("/")[2]
    packaged = {**{name: wsdl_path(ns) for ns, name in WSDL_FILES.items()},
                **{name: schema_path(ns) for ns, name in SCHEMA_FILES.items()}}
    if remote or name not in packaged:
        raise ValueError(f"schema's worden niet opgehaald: {location}")
    return packaged[name]


def parse_untrusted(data: bytes, limit: int = MAX_MESSAGE_BYTES) -> etree._Element:
    """Parse an inbound SOAP message with the core's hardened parser (``UnsafeXml`` on refusal)."""
    return core_xml.parse_untrusted(data, limit)
