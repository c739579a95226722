"""Namespaces, the hardened XML parser, the packaged schema, and identifier checks."""

from __future__ import annotations

import re
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
    """Validate one body payload against the XSD; the first error, or None when valid.

    The text names the element and the kind of error, never the value: it ends up in
    ``last_error``, the audit log and logs, and the value may be a BSN or a postcode.
    """
    xsd = schema()
    if xsd.validate(payload):
        return None
    error = xsd.error_log[0] if len(xsd.error_log) else None
    return describe_schema_error(error) if error else "ongeldig volgens XSD"


# libxml2 writes "Element '{ns}name'[, attribute 'a']: [facet 'f'] <text quoting the value>".
# Names and facets cannot hold a quote; the value can, so nothing after them is copied
# unless it holds no quote at all.
_SCHEMA_MESSAGE = re.compile(
    r"^Element '(?P<element>[^']*)'(?:, attribute '(?P<attribute>[^']*)')?: "
    r"(?:\[facet '(?P<facet>\w+)'\] )?(?P<rest>.*)$", re.DOTALL)
# The type name is the last quoted part, so anchoring at the end skips any quote in the value.
_DATATYPE_TAIL = re.compile(
    r"is not a valid value of the (?:local )?(?:atomic|list|union) type(?: '(?P<type>[\w:.-]+)')?"
    r"\.?$")
_FACETS = {
    "pattern": "waarde past niet in het patroon",
    "enumeration": "waarde is geen van de toegestane waarden",
    "length": "waarde heeft niet de vereiste lengte",
    "minLength": "waarde is te kort",
    "maxLength": "waarde is te lang",
    "minInclusive": "waarde is te klein",
    "minExclusive": "waarde is te klein",
    "maxInclusive": "waarde is te groot",
    "maxExclusive": "waarde is te groot",
    "totalDigits": "waarde heeft te veel cijfers",
    "fractionDigits": "waarde heeft te veel decimalen",
}


def describe_schema_error(error: etree._LogEntry) -> str:
    """``<path>: <kind of error>`` for one XSD error, with every value left out."""
    match = _SCHEMA_MESSAGE.match(error.message or "")
    if match is None:
        text = error.message or ""
        return text if "'" not in text else f"ongeldig volgens XSD ({error.type_name})"
    where = error.path or match["element"]
    if match["attribute"]:
        where = f"{where}/@{match['attribute']}"
    return f"{where}: {_error_kind(match['facet'], match['rest'], error.type_name)}"


def _error_kind(facet: str | None, rest: str, type_name: str) -> str:
    if facet:
        return f"{_FACETS.get(facet, 'waarde voldoet niet')} (facet {facet})"
    datatype = _DATATYPE_TAIL.search(rest)
    if datatype:
        return f"geen geldige waarde voor het type {datatype['type'] or '(lokaal type)'}"
    if "'" not in rest:
        return rest  # structure errors ("This element is not expected ...") quote no value
    return f"ongeldig volgens XSD ({type_name})"


def elfproef(number: str, *, onderwijsnummer: bool = False) -> bool:
    """The elfproef of a BSN (remainder 0) or an onderwijsnummer (remainder 5)."""
    if len(number) != 9 or not number.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, 1 if onderwijsnummer else -1)
    total = sum(int(d) * w for d, w in zip(number, weights, strict=True))
    return total % 11 == (5 if onderwijsnummer else 0)
