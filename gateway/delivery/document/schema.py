"""The Verzuimloket XSDs (packaged here, their one copy) and XSD validation.

The schema describes the melding document both channels send (``MeldenVerzuimRequest``,
``IntrekkenMeldingRequest``) and the rest of the service's messages; the DUO adapter's WSDL
imports this file. Version 2 (``VZ``, ``SCHEMA_FILE``) is the one the gateway writes; version 1
(``VZ_V1``) is kept so that a receiver can still read what was sent before. ``validate`` picks
the version by the document's namespace. The hardened parser is
``gateway.delivery.document.xmlsafe``'s, re-exported here for the callers that parse trusted
files (the XSD, the demo's saved messages).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import cast

from lxml import etree

from gateway.delivery.document.xmlsafe import hardened_parser

__all__ = [
    "SCHEMA_FILE",
    "SCHEMA_FILES",
    "VZ",
    "VZ_V1",
    "VZ_V2",
    "XS",
    "describe_schema_error",
    "hardened_parser",
    "schema",
    "schema_document",
    "schema_path",
    "validate",
    "version_of",
]

VZ_V1 = "http://duo.nl/schema/DUO_Verzuimloket_V1"
VZ_V2 = "http://duo.nl/schema/DUO_Verzuimloket_V2"
VZ = VZ_V2  # the version the gateway writes
XS = "http://www.w3.org/2001/XMLSchema"
# Namespace -> packaged XSD, oldest first.
SCHEMA_FILES = {VZ_V1: "DUO_Verzuimloket_V1.xsd", VZ_V2: "DUO_Verzuimloket_V2.xsd"}
SCHEMA_FILE = SCHEMA_FILES[VZ]


def schema_path(namespace: str = VZ) -> Path:
    """The packaged Verzuimloket XSD of a version (loaded from disk, never fetched)."""
    return Path(str(files("gateway.delivery.document") / SCHEMA_FILES[namespace]))


def schema_document(namespace: str = VZ) -> etree._ElementTree:
    """The XSD of a version itself, parsed (for walking its types)."""
    return etree.parse(str(schema_path(namespace)), parser=hardened_parser())


def version_of(element: etree._Element) -> str:
    """The schema namespace a document is written in: a known version's, else the current one
    (whose validation then names the element as unexpected)."""
    namespace = etree.QName(element).namespace or ""
    return namespace if namespace in SCHEMA_FILES else VZ


_local = threading.local()


def schema(namespace: str = VZ) -> etree.XMLSchema:
    """The compiled XSD of a version, loaded once per thread (lxml validators keep an error log,
    so threads do not share one)."""
    compiled: dict[str, etree.XMLSchema] | None = getattr(_local, "schemas", None)
    if compiled is None:
        compiled = _local.schemas = {}
    xsd = compiled.get(namespace)
    if xsd is None:
        xsd = compiled[namespace] = etree.XMLSchema(schema_document(namespace))
    return xsd


def validate(element: etree._Element) -> str | None:
    """Validate one document (or request body) against the XSD of its version; the first error,
    or None.

    The text names the element and the kind of error, never the value: it ends up in
    ``last_error``, the audit log and logs, and the value may be a BSN or a postcode.
    """
    xsd = schema(version_of(element))
    if xsd.validate(element):
        return None
    # lxml-stubs declare the error log as an empty class; at run time it is a sequence of entries.
    errors = cast("Sequence[etree._LogEntry]", xsd.error_log)
    return describe_schema_error(errors[0]) if len(errors) else "ongeldig volgens XSD"


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
