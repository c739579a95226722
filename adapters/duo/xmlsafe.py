"""Namespaces, the hardened XML parser, the packaged schema, and identifier checks."""

from __future__ import annotations

import threading
from importlib.resources import files
from pathlib import Path

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
VZ = "http://duo.nl/schema/DUO_Verzuimloket_V1"
CONTRACT = "http://duo.nl/contract/DUO_Verzuimloket_V1"
ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous"

ACTIONS = {
    "MeldenVerzuim": f"{CONTRACT}/MeldenVerzuim",
    "IntrekkenMelding": f"{CONTRACT}/IntrekkenMelding",
    "OpvragenStatuswijzigingen": f"{CONTRACT}/OpvragenStatuswijzigingen",
}

MAX_MESSAGE_BYTES = 256 * 1024


def schema_dir() -> Path:
    """The folder holding the packaged WSDL and XSD."""
    return Path(str(files("adapters.duo") / "schema"))


def wsdl_path() -> Path:
    """The packaged WSDL (loaded from disk, never fetched)."""
    return schema_dir() / "DUO_Verzuimloket_V1.wsdl"


def hardened_parser() -> etree.XMLParser:
    """A parser with entities, DTDs and network access off, and no huge trees."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_blank_text=False, collect_ids=False,
    )


class UnsafeXml(ValueError):
    """Inbound XML was too large, malformed, or carried a DTD."""


def parse_untrusted(data: bytes, limit: int = MAX_MESSAGE_BYTES) -> etree._Element:
    """Parse inbound XML: refuse anything over ``limit`` bytes, any DTD, or malformed input."""
    if len(data) > limit:
        raise UnsafeXml(f"bericht groter dan {limit} bytes")
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"geen geldige XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise UnsafeXml("DTD's en entiteiten zijn niet toegestaan")
    return root


_local = threading.local()


def schema() -> etree.XMLSchema:
    """The compiled service XSD, loaded from the package once per thread (lxml validators
    keep an error log, so threads do not share one)."""
    xsd: etree.XMLSchema | None = getattr(_local, "schema", None)
    if xsd is None:
        doc = etree.parse(str(schema_dir() / "DUO_Verzuimloket_V1.xsd"),
                          parser=hardened_parser())
        xsd = _local.schema = etree.XMLSchema(doc)
    return xsd


def validate_payload(payload: etree._Element) -> str | None:
    """Validate one body payload against the XSD; the first error text, or None when valid."""
    xsd = schema()
    if xsd.validate(payload):
        return None
    error = xsd.error_log[0] if len(xsd.error_log) else None
    return str(error.message) if error else "ongeldig volgens XSD"


def elfproef(number: str, *, onderwijsnummer: bool = False) -> bool:
    """The elfproef of a BSN (remainder 0) or an onderwijsnummer (remainder 5)."""
    if len(number) != 9 or not number.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, 1 if onderwijsnummer else -1)
    total = sum(int(d) * w for d, w in zip(number, weights, strict=True))
    return total % 11 == (5 if onderwijsnummer else 0)
